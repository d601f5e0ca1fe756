"""EPCIS 2.0 event objects for what TraceLens itself records, so every event can be exported."""

import datetime as dt

from traceability.events import zone_offset


def station_uri(code: str) -> str:
    return f"urn:tracelens:station:{code}"


def _time(moment: dt.datetime) -> dict:
    return {
        "eventTime": moment.isoformat(timespec="milliseconds"),
        "eventTimeZoneOffset": zone_offset(moment),
    }


def _where(event: dict, station_code: str | None) -> dict:
    if station_code:
        event["readPoint"] = {"id": station_uri(station_code)}
    return event


def object_event(
    *, moment, action, biz_step, disposition="", epcs=(), quantities=(), station_code=None, extra=None
) -> dict:
    event = {"type": "ObjectEvent", **_time(moment), "action": action, "bizStep": biz_step}
    if epcs:
        event["epcList"] = list(epcs)
    if quantities:
        event["quantityList"] = [quantity_element(uri, qty) for uri, qty in quantities]
    if not epcs and not quantities:
        event["epcList"] = []
    if disposition:
        event["disposition"] = disposition
    if extra:
        event.update(extra)
    return _where(event, station_code)


def aggregation_event(*, moment, parent, children, biz_step="packing", station_code=None) -> dict:
    event = {
        "type": "AggregationEvent",
        **_time(moment),
        "action": "ADD",
        "bizStep": biz_step,
        "disposition": "in_progress",
        "parentID": parent,
        "childEPCs": list(children),
    }
    return _where(event, station_code)


def association_event(*, moment, parent, children, action="ADD", station_code=None) -> dict:
    """Devices or assets bound to a unit (a sensor, a carrier, a fixture): EPCIS 2.0's
    AssociationEvent, parent and children as EPC URIs."""
    event = {
        "type": "AssociationEvent",
        **_time(moment),
        "parentID": parent,
        "childEPCs": list(children),
        "action": action,
        "bizStep": "assembling",
        "disposition": "in_progress",
    }
    return _where(event, station_code)


def transformation_event(
    *,
    moment,
    inputs=(),
    input_quantities=(),
    outputs=(),
    output_quantities=(),
    biz_step="assembling",
    station_code=None,
) -> dict:
    event = {
        "type": "TransformationEvent",
        **_time(moment),
        "bizStep": biz_step,
        "disposition": "in_progress",
    }
    if inputs:
        event["inputEPCList"] = list(inputs)
    if input_quantities:
        event["inputQuantityList"] = [quantity_element(uri, qty) for uri, qty in input_quantities]
    if outputs:
        event["outputEPCList"] = list(outputs)
    if output_quantities:
        event["outputQuantityList"] = [quantity_element(uri, qty) for uri, qty in output_quantities]
    return _where(event, station_code)


def quantity_element(uri: str, amount) -> dict:
    value = float(amount)
    return {"epcClass": uri, "quantity": int(value) if value.is_integer() else value}
