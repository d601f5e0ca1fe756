"""The EPCIS 2.0 capture interface: a whole document is validated against GS1's schema and
stored as trace events, or refused as a whole with the reason; nothing of it is written then."""

import datetime as dt
import re
from decimal import Decimal

from django.db import transaction

from traceability import services
from traceability.choices import EventCode, EventType, Relation
from traceability.epcis.schema import schema_errors
from traceability.events import EventDraft, EventError, append_events
from traceability.models import Lot, TraceEvent, Unit

STANDARD_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
DIGITAL_LINK = re.compile(r"^https://id\.gs1\.org/01/(\d{14})/(21|10)/([^/?#]+)$")
OWN_URN = re.compile(r"^urn:tracelens:(unit|lot):([^:]+):(.+)$")
EPC_KEYS = {"epcList": "epc", "childEPCs": "child", "inputEPCList": "input", "outputEPCList": "output"}
EVENT_TYPES = frozenset(EventType.values)
QUANTITY_KEYS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")


def document_events(document: dict) -> list[dict]:
    body = document.get("epcisBody", {})
    if document.get("type") == "EPCISQueryDocument":
        return body.get("queryResults", {}).get("resultsBody", {}).get("eventList", [])
    return body.get("eventList", [])


def extension_context(document: dict) -> list:
    """The document's own @context entries (extension namespaces), kept with its events so an
    export is still valid JSON-LD."""
    context = document.get("@context", [])
    context = context if isinstance(context, list) else [context]
    return [
        entry
        for entry in context
        if entry != STANDARD_CONTEXT and not str(entry).endswith("epcis-context.jsonld")
    ]


def parse_time(value: str, where: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise EventError(f"{where}: {value!r} is not an ISO 8601 date-time.", "bad_time") from None
    if moment.tzinfo is None:
        raise EventError(f"{where}: {value!r} has no time zone.", "naive_time")
    return moment


def identifiers_of(event: dict) -> list[tuple[str, str]]:
    found = [(role, uri) for key, role in EPC_KEYS.items() for uri in event.get(key, [])]
    if event.get("parentID"):
        found.append(("parent", event["parentID"]))
    for key in QUANTITY_KEYS:
        found.extend(("epc_class", q["epcClass"]) for q in event.get(key, []) if "epcClass" in q)
    return found


def _record_links(identifiers) -> tuple[dict, dict]:
    """Map identifiers that name TraceLens units or lots to their ids, in two queries."""
    unit_keys, lot_keys = {}, {}
    for _, uri in identifiers:
        if m := DIGITAL_LINK.match(uri):
            (unit_keys if m[2] == "21" else lot_keys)[("gtin", m[1], m[3])] = uri
        elif m := OWN_URN.match(uri):
            (unit_keys if m[1] == "unit" else lot_keys)[("part", m[2], m[3])] = uri
    return _resolve(Unit, "serial", unit_keys), _resolve(Lot, "code", lot_keys)


def _resolve(model, field, keys: dict) -> dict:
    if not keys:
        return {}
    found = {}
    rows = model.objects.filter(**{f"{field}__any": {key[2] for key in keys}}).values_list(
        "pk", field, "product__gtin", "product__part_number"
    )
    for pk, value, gtin, part in rows:
        for key in (("gtin", gtin, value), ("part", part, value)):
            if key in keys:
                found[keys[key]] = pk
    return found


def capture_document(document: dict, *, actor) -> list[TraceEvent]:
    """Validate and store every event of an EPCIS document, in order, in one transaction.
    Raises EventError with a specific code: schema, bad_time, naive_time, duplicate_event,
    empty_document."""
    if not isinstance(document, dict) or document.get("type") not in ("EPCISDocument", "EPCISQueryDocument"):
        raise EventError("Send an EPCISDocument (or an EPCISQueryDocument) as JSON.", "not_epcis")
    errors = schema_errors(document)
    if errors:
        raise EventError("The document fails the EPCIS 2.0 schema: " + "; ".join(errors), "schema")
    events = document_events(document)
    if not events:
        raise EventError("The document has no events.", "empty_document")
    context = extension_context(document)
    all_ids = [identifiers_of(event) for event in events]
    units, lots = _record_links([pair for ids in all_ids for pair in ids])
    drafts = []
    for index, (event, identifiers) in enumerate(zip(events, all_ids, strict=True)):
        where = f"event {index + 1} ({event['type']})"
        moment = parse_time(event["eventTime"], where)
        unit_id = next((units[uri] for _, uri in identifiers if uri in units), None)
        lot_id = next((lots[uri] for _, uri in identifiers if uri in lots), None)
        drafts.append(
            EventDraft(
                event_type=event["type"] if event["type"] in EVENT_TYPES else EventType.OBJECT,
                code=EventCode.EPCIS,
                epcis=event,
                event_time=moment,
                event_time_zone_offset=event["eventTimeZoneOffset"],
                event_id=event.get("eventID", ""),
                action=event.get("action", ""),
                biz_step=event.get("bizStep", ""),
                disposition=event.get("disposition", ""),
                read_point=event.get("readPoint", {}).get("id", ""),
                biz_location=event.get("bizLocation", {}).get("id", ""),
                unit_id=unit_id,
                lot_id=lot_id,
                actor=actor,
                identifiers=identifiers,
                context=context,
            )
        )
    with transaction.atomic():
        _refuse_duplicates(events)
        stored = append_events(drafts)
        _link_genealogy(events, stored, units, lots)
        return stored


def _link_genealogy(events: list[dict], stored: list, units: dict, lots: dict) -> None:
    """Edges from captured events that name TraceLens units: an AggregationEvent ADD packs its
    children into its parent; a TransformationEvent with one output unit installs its input
    units and consumes its input lot quantities into it. The same checks as TraceLens's own
    services apply (no cycle, a unit inside one parent only); a failure refuses the document."""
    links = []
    for event, record in zip(events, stored, strict=True):
        if event["type"] == "AggregationEvent" and event.get("action") == "ADD":
            parent, relation = units.get(event.get("parentID")), Relation.PACKED_IN
            children = event.get("childEPCs", [])
            quantities = event.get("childQuantityList", [])
        elif event["type"] == "TransformationEvent":
            outputs = [units[uri] for uri in event.get("outputEPCList", []) if uri in units]
            parent = outputs[0] if len(outputs) == 1 else None
            relation = Relation.INSTALLED_IN
            children = event.get("inputEPCList", [])
            quantities = event.get("inputQuantityList", [])
        else:
            continue
        child_units = [units[uri] for uri in children if uri in units]
        child_lots = [
            (lots[q["epcClass"]], Decimal(str(q["quantity"])) if "quantity" in q else None)
            for q in quantities
            if q.get("epcClass") in lots
        ]
        if parent is not None and (child_units or child_lots):
            links.append((parent, record, relation, child_units, child_lots))
    if not links:
        return
    objects = Unit.objects.in_bulk({pk for link in links for pk in (link[0], *link[3])})
    lot_objects = Lot.objects.in_bulk({lot for link in links for lot, _ in link[4]})
    for parent, record, relation, child_units, child_lots in links:
        components = [objects[pk] for pk in child_units]
        services.check_children(objects[parent], components)
        services.link_children(
            objects[parent], record, relation, components, [(lot_objects[pk], q) for pk, q in child_lots]
        )


def _refuse_duplicates(events: list[dict]) -> None:
    """An eventID may come again only as an error declaration for the event it corrects."""
    ids = [e["eventID"] for e in events if e.get("eventID") and "errorDeclaration" not in e]
    if len(ids) != len(set(ids)):
        raise EventError("The document repeats an eventID.", "duplicate_event")
    # no ORDER BY: with it and LIMIT, PostgreSQL walks the primary key looking for a match
    taken = list(
        TraceEvent.objects.filter(event_id__any=ids).order_by().values_list("event_id", flat=True)[:3]
    )
    if taken:
        raise EventError(f"Already captured: {', '.join(taken)}.", "duplicate_event")
