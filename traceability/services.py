"""Every state change of traceability records. Each service validates first, then writes the
change, its trace events and its genealogy edges in one transaction; nothing half-done."""

import datetime as dt
import re
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.signatures import sign_decision
from integrations.choices import WebhookEvent
from integrations.services import emit
from traceability import selectors
from traceability.choices import EventCode, EventType, LotStatus, RecallStatus, Relation, UnitStatus
from traceability.epcis import build
from traceability.events import EventDraft, EventError, append_events, verify_chain, zone_offset
from traceability.models import ChainVerification, GenealogyEdge, Lot, LotUnitIndex, Recall, RecallItem, Unit
from traceability.models.genealogy import node
from traceability.models.master import unit_uri

TraceError = EventError


def _moment(event_time: dt.datetime | None) -> dt.datetime:
    moment = event_time or timezone.now()
    zone_offset(moment)  # refuses naive times
    return moment


def _draft(
    moment,
    epcis,
    *,
    code,
    event_type=EventType.OBJECT,
    actor,
    station=None,
    unit=None,
    lot=None,
    capture=None,
    identifiers=(),
):
    return EventDraft(
        event_type=event_type,
        code=code,
        epcis=epcis,
        event_time=moment,
        event_time_zone_offset=epcis["eventTimeZoneOffset"],
        action=epcis.get("action", ""),
        biz_step=epcis.get("bizStep", ""),
        disposition=epcis.get("disposition", ""),
        read_point=epcis.get("readPoint", {}).get("id", ""),
        station_id=getattr(station, "pk", None),
        unit_id=getattr(unit, "pk", None),
        lot_id=getattr(lot, "pk", None),
        capture_id=getattr(capture, "pk", None),
        actor=actor,
        identifiers=list(identifiers),
    )


def _append_one(moment, epcis, **draft):
    """One event, built by ``_draft`` and appended in the caller's transaction."""
    return append_events([_draft(moment, epcis, **draft)])[0]


def _check_pattern(pattern: str, value: str, what: str) -> None:
    if pattern and not re.fullmatch(pattern, value):
        raise TraceError(
            f"{what} {value!r} does not match the product's format {pattern!r}.", "format_mismatch"
        )


def receive_lot(
    *,
    product,
    code,
    quantity,
    actor,
    supplier=None,
    expires_on=None,
    manufactured_on=None,
    station=None,
    capture=None,
    event_time=None,
) -> Lot:
    """A supplier lot arrives: the Lot and a receiving ObjectEvent."""
    moment = _moment(event_time)
    if Decimal(quantity) < 0:
        raise TraceError("A lot quantity cannot be below zero.", "negative_quantity")
    _check_pattern(product.lot_pattern, code, "Lot code")
    with transaction.atomic():
        if Lot.objects.filter(product=product, code=code).exists():
            raise TraceError(f"Lot {code} of {product.part_number} already exists.", "duplicate_lot")
        lot = Lot.objects.create(
            product=product,
            code=code,
            quantity=quantity,
            supplier=supplier,
            expires_on=expires_on,
            manufactured_on=manufactured_on,
        )
        epcis = build.object_event(
            moment=moment,
            action="ADD",
            biz_step="receiving",
            disposition="in_progress",
            quantities=[(lot.uri, quantity)],
            station_code=getattr(station, "code", None),
        )
        _append_one(
            moment,
            epcis,
            code=EventCode.RECEIVE,
            actor=actor,
            station=station,
            lot=lot,
            capture=capture,
            identifiers=[("epc_class", lot.uri)],
        )
    return lot


def _unit_event(
    unit,
    moment,
    *,
    code,
    action,
    biz_step,
    disposition,
    actor,
    station=None,
    lot=None,
    capture=None,
    extra=None,
) -> None:
    """One ObjectEvent about one unit, appended in the caller's transaction."""
    epcis = build.object_event(
        moment=moment,
        action=action,
        biz_step=biz_step,
        disposition=disposition,
        epcs=[unit.uri],
        station_code=getattr(station, "code", None),
        extra=extra,
    )
    _append_one(
        moment,
        epcis,
        code=code,
        actor=actor,
        station=station,
        unit=unit,
        lot=lot,
        capture=capture,
        identifiers=[("epc", unit.uri)],
    )


def split_lot(*, lot, code, quantity, actor, station=None, event_time=None) -> Lot:
    """Part of a lot becomes a lot of its own (a reel cut, a batch divided): a
    TransformationEvent, the new lot, a split-from edge, and the quantity moved out of ``lot``."""
    moment = _moment(event_time)
    quantity = Decimal(quantity)
    if quantity <= 0:
        raise TraceError("A split quantity must be above zero.", "negative_quantity")
    with transaction.atomic():
        lot = Lot.objects.select_for_update().select_related("product").get(pk=lot.pk)
        if quantity > lot.quantity:
            raise TraceError(f"Lot {lot.code} holds only {lot.quantity}.", "quantity_exceeded")
        if Lot.objects.filter(product=lot.product, code=code).exists():
            raise TraceError(f"Lot {code} of {lot.product.part_number} already exists.", "duplicate_lot")
        part = Lot.objects.create(
            product=lot.product,
            code=code,
            quantity=quantity,
            supplier=lot.supplier,
            line=lot.line,
            work_order=lot.work_order,
            manufactured_on=lot.manufactured_on,
            expires_on=lot.expires_on,
            status=lot.status,
        )
        Lot.objects.filter(pk=lot.pk).update(quantity=lot.quantity - quantity)
        epcis = build.transformation_event(
            moment=moment,
            input_quantities=[(lot.uri, quantity)],
            output_quantities=[(part.uri, quantity)],
            biz_step="repackaging",
            station_code=getattr(station, "code", None),
        )
        event = _append_one(
            moment,
            epcis,
            code=EventCode.SPLIT,
            event_type=EventType.TRANSFORMATION,
            actor=actor,
            station=station,
            lot=part,
            identifiers=[("epc_class", lot.uri), ("epc_class", part.uri)],
        )
        GenealogyEdge(
            relation=Relation.SPLIT_FROM, parent_lot=part, child_lot=lot, quantity=quantity, event=event
        ).save()
    return part


def commission_unit(*, product, serial, actor, lot=None, station=None, capture=None, event_time=None) -> Unit:
    """A serial comes into existence. Refuses a serial the product already has."""
    moment = _moment(event_time)
    _check_pattern(product.serial_pattern, serial, "Serial")
    if lot is not None and lot.product_id != product.pk:
        raise TraceError(f"Lot {lot.code} belongs to another product.", "lot_product_mismatch")
    try:
        with transaction.atomic():
            unit = Unit.objects.create(product=product, serial=serial, lot=lot, station=station)
            _unit_event(
                unit,
                moment,
                code=EventCode.COMMISSION,
                action="ADD",
                biz_step="commissioning",
                disposition="active",
                actor=actor,
                station=station,
                lot=lot,
                capture=capture,
            )
    except IntegrityError:
        raise TraceError(
            f"Serial {serial} already exists for {product.part_number}.", "duplicate_serial"
        ) from None
    return unit


def observe_unit(*, unit, station, actor, capture=None, event_time=None) -> Unit:
    """The unit is seen at a station: its current position moves there (WIP)."""
    moment = _moment(event_time)
    with transaction.atomic():
        unit.station = station
        unit.save(update_fields=["station"])
        _unit_event(
            unit,
            moment,
            code=EventCode.OBSERVE,
            action="OBSERVE",
            biz_step="arriving",
            disposition="in_progress",
            actor=actor,
            station=station,
            capture=capture,
        )
    return unit


def _index_into(parent: Unit, child_units: list[Unit], lots: list[Lot]) -> None:
    """Keep LotUnitIndex closed: every lot below the children is now below the parent and
    below every unit the parent is already inside."""
    lot_ids = {lot.pk for lot in lots}
    if child_units:
        lot_ids.update(LotUnitIndex.objects.filter(unit__in=child_units).values_list("lot_id", flat=True))
    targets = [parent.pk, *selectors.unit_ancestor_ids(parent.pk)]
    LotUnitIndex.objects.bulk_create(
        [LotUnitIndex(lot_id=lot_id, unit_id=unit_id) for lot_id in lot_ids for unit_id in targets],
        ignore_conflicts=True,
        batch_size=5000,
    )


def check_children(parent: Unit, components: list[Unit]) -> None:
    ids = [c.pk for c in components]
    if parent.pk in ids or len(set(ids)) != len(ids):
        raise TraceError("A unit cannot contain itself or the same component twice.", "cycle")
    if set(ids) & set(selectors.unit_ancestor_ids(parent.pk)):
        raise TraceError("That link would make a cycle in the genealogy.", "cycle")
    taken = GenealogyEdge.objects.filter(
        child_node__in=[node(pk, None) for pk in ids],
        relation__in=[Relation.INSTALLED_IN, Relation.PACKED_IN],
    )
    edge = taken.select_related("child_unit").first()
    if edge is not None:
        raise TraceError(
            f"Unit {edge.child_unit.serial} is already inside another unit.", "already_installed"
        )


def link_children(parent: Unit, event, relation: str, units: list[Unit], lots: list[tuple[Lot, Decimal]]):
    """The genealogy half of an assembly or a packing: an edge per child unit (``relation``) and
    per lot quantity (consumed into), and the where-used index, written with ``event``. The
    caller has checked the children with ``check_children`` inside the same transaction."""
    lot_relation = Relation.PACKED_IN if relation == Relation.PACKED_IN else Relation.CONSUMED_INTO
    GenealogyEdge.objects.bulk_create(
        [
            GenealogyEdge(relation=relation, parent_unit=parent, child_unit=c, event_id=event.pk).set_nodes()
            for c in units
        ]
        + [
            GenealogyEdge(
                relation=lot_relation, parent_unit=parent, child_lot=lot, quantity=q, event_id=event.pk
            ).set_nodes()
            for lot, q in lots
        ]
    )
    _index_into(parent, units, [lot for lot, _ in lots])


def record_assembly(*, parent, actor, components=(), lots=(), station=None, capture=None, event_time=None):
    """Components (serialised units) and lot quantities go into ``parent``: a
    TransformationEvent, an edge per input, and the where-used index, in one transaction."""
    moment = _moment(event_time)
    components = list(components)
    lots = [(lot, Decimal(qty)) for lot, qty in lots]
    if not components and not lots:
        raise TraceError("An assembly needs at least one component or lot.", "empty_assembly")
    if any(qty <= 0 for _, qty in lots):
        raise TraceError("A consumed quantity must be above zero.", "negative_quantity")
    with transaction.atomic():
        check_children(parent, components)
        epcis = build.transformation_event(
            moment=moment,
            inputs=[c.uri for c in components],
            input_quantities=[(lot.uri, q) for lot, q in lots],
            outputs=[parent.uri],
            station_code=getattr(station, "code", None),
        )
        identifiers = [("input", c.uri) for c in components] + [("epc_class", lot.uri) for lot, _ in lots]
        event = _append_one(
            moment,
            epcis,
            code=EventCode.ASSEMBLE,
            event_type=EventType.TRANSFORMATION,
            actor=actor,
            station=station,
            unit=parent,
            capture=capture,
            identifiers=[*identifiers, ("output", parent.uri)],
        )
        link_children(parent, event, Relation.INSTALLED_IN, components, lots)
    return event


def pack_units(*, container, units, actor, station=None, event_time=None):
    """Units go into a case or pallet (itself a unit): an AggregationEvent and packed-in edges."""
    moment = _moment(event_time)
    units = list(units)
    with transaction.atomic():
        check_children(container, units)
        epcis = build.aggregation_event(
            moment=moment,
            parent=container.uri,
            children=[u.uri for u in units],
            station_code=getattr(station, "code", None),
        )
        event = _append_one(
            moment,
            epcis,
            code=EventCode.PACK,
            event_type=EventType.AGGREGATION,
            actor=actor,
            station=station,
            unit=container,
            identifiers=[("parent", container.uri)] + [("child", u.uri) for u in units],
        )
        link_children(container, event, Relation.PACKED_IN, units, [])
    return event


def ship_unit(*, unit, customer, actor, station=None, event_time=None, override: dict | None = None) -> Unit:
    """The unit leaves for ``customer``. Refused for a unit on hold or scrapped, and for a
    product that ships only verified labels when the unit's latest label verification did not
    pass, unless ``override`` (an electronic signature, accounts.signatures) says why; the
    signature goes into the ship event."""
    moment = _moment(event_time)
    if unit.status in (UnitStatus.ON_HOLD, UnitStatus.SCRAPPED):
        raise TraceError(
            f"Unit {unit.serial} is {unit.get_status_display().lower()} and cannot ship.", "not_shippable"
        )
    if unit.product.verify_before_ship and override is None and not selectors.label_verified(unit):
        raise TraceError(
            f"Unit {unit.serial}'s label has not passed verification; verify it, or a supervisor signs an "
            "override with a reason.",
            "label_not_verified",
        )
    with transaction.atomic():
        unit.status, unit.customer, unit.shipped_at = UnitStatus.SHIPPED, customer, moment
        unit.save(update_fields=["status", "customer", "shipped_at"])
        _unit_event(
            unit,
            moment,
            code=EventCode.SHIP,
            action="OBSERVE",
            biz_step="shipping",
            disposition="in_transit",
            actor=actor,
            station=station,
            extra={"tracelens:override": override} if override else None,
        )
        emit(
            WebhookEvent.UNIT_SHIPPED,
            {
                "unit": unit.serial,
                "product": unit.product.part_number,
                "customer": str(customer),
                "shipped_at": moment.isoformat(),
                "override": bool(override),
            },
        )
    return unit


def record_label_verification(*, unit, passed: bool, reasons, actor, station=None, capture=None) -> None:
    """The verdict on a unit's label as an ObjectEvent (bizStep inspecting, disposition
    conformant or not, the reasons); the unit's status is left alone (a label can be reprinted)."""
    _unit_event(
        unit,
        _moment(None),
        code=EventCode.VERIFY,
        action="OBSERVE",
        biz_step="inspecting",
        disposition="conformant" if passed else "non_conformant",
        actor=actor,
        station=station,
        capture=capture,
        extra={"tracelens:labelReasons": list(reasons)[:20]} if reasons else None,
    )


def return_unit(*, unit, reason, actor, capture=None, event_time=None) -> Unit:
    moment = _moment(event_time)
    with transaction.atomic():
        unit.status = UnitStatus.RETURNED
        unit.save(update_fields=["status"])
        _unit_event(
            unit,
            moment,
            code=EventCode.RETURN,
            action="OBSERVE",
            biz_step="receiving",
            disposition="returned",
            actor=actor,
            capture=capture,
            extra={"tracelens:reason": reason[:500]},
        )
    return unit


# a return's disposition as EPCIS (bizStep, disposition); others: receiving, returned
SETTLED_AS = {"repair": ("repairing", "returned"), "scrap": ("destroying", "destroyed")}


def record_return_settled(*, unit, rma: str, disposition: str, notes: str, actor) -> dt.datetime:
    """A return case's decision as an ObjectEvent on its unit; a scrapped unit is scrapped.
    Returns the event's time (the case closes at it)."""
    moment = _moment(None)
    biz_step, epcis_disposition = SETTLED_AS.get(disposition, ("receiving", "returned"))
    with transaction.atomic():
        if disposition == "scrap":
            unit.status = UnitStatus.SCRAPPED
            unit.save(update_fields=["status"])
        _unit_event(
            unit,
            moment,
            code=EventCode.RETURN_SETTLED,
            action="OBSERVE",
            biz_step=biz_step,
            disposition=epcis_disposition,
            actor=actor,
            extra={
                "tracelens:rma": rma,
                "tracelens:returnDisposition": disposition,
                "tracelens:notes": notes[:500],
            },
        )
    return moment


def _insert_recall_items(recall, units: list[tuple[int, str]]) -> None:
    """One row per held unit with the status it had, in as few statements as the driver allows."""
    table = RecallItem._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(units), 5000):
            chunk = units[start : start + 5000]
            values = ", ".join(["(%s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} (recall_id, unit_id, previous_status) VALUES {values}",  # noqa: S608
                [value for pk, status in chunk for value in (recall.pk, pk, status)],
            )


def open_recall(*, number, lots, reason, actor, signature: dict | None) -> Recall:
    """Every unit and lot that contains one of ``lots`` goes on hold, each with an event, in one
    transaction. ``signature`` is what the signer gave (password again, optionally meaning and
    reason); the signature made from it is kept on the recall and in every event. Returns the
    recall with its affected items."""
    lots = list(lots)
    if not lots:
        raise TraceError("A recall needs at least one lot.", "empty_recall")
    if not reason.strip():
        raise TraceError("A recall needs a reason.", "reason_required")
    signed = sign_decision(
        user=actor,
        given=signature,
        meanings=("approved",),
        reason=reason,
        record={"action": "open_recall", "recall": number, "lots": sorted(lot.uri for lot in lots)},
    )
    moment = timezone.now()
    with transaction.atomic():
        recall = Recall.objects.create(number=number, reason=reason, opened_by=actor, open_signature=signed)
        recall.lots.set(lots)
        lot_ids = {lot.pk for lot in lots} | set(selectors.lots_split_from([lot.pk for lot in lots]))
        affected_lots = list(Lot.objects.select_related("product").filter(pk__in=lot_ids))
        # Set-based: a lot in 10,000 finished units puts 20,000 units on hold, so the rows are
        # tuples, not model instances, and the items and holds are written by the database.
        held = (
            Unit.objects.filter(pk__in=LotUnitIndex.objects.filter(lot_id__in=lot_ids).values("unit_id"))
            .exclude(status=UnitStatus.ON_HOLD)
            .order_by("pk")
        )
        units = list(held.values_list("pk", "status", "serial", "product__gtin", "product__part_number"))
        _insert_recall_items(recall, [(pk, status) for pk, status, *_ in units])
        Unit.objects.filter(pk__in=recall.items.filter(unit__isnull=False).values("unit_id")).update(
            status=UnitStatus.ON_HOLD
        )
        RecallItem.objects.bulk_create(
            [RecallItem(recall=recall, lot=lot, previous_status=lot.status) for lot in affected_lots]
        )
        Lot.objects.filter(pk__in=lot_ids).update(status=LotStatus.RECALLED)
        extra = {"tracelens:recall": number, "tracelens:signature": signed}
        drafts = []
        for pk, _, serial, gtin, part_number in units:
            uri = unit_uri(gtin, part_number, serial)
            draft = _draft(
                moment,
                build.object_event(
                    moment=moment,
                    action="OBSERVE",
                    biz_step="holding",
                    disposition="recalled",
                    epcs=[uri],
                    extra=extra,
                ),
                code=EventCode.HOLD,
                actor=actor,
                identifiers=[("epc", uri)],
            )
            draft.unit_id = pk
            drafts.append(draft)
        drafts += [
            _draft(
                moment,
                build.object_event(
                    moment=moment,
                    action="OBSERVE",
                    biz_step="holding",
                    disposition="recalled",
                    quantities=[(lot.uri, lot.quantity)],
                    extra=extra,
                ),
                code=EventCode.RECALL_OPEN,
                actor=actor,
                lot=lot,
                identifiers=[("epc_class", lot.uri)],
            )
            for lot in affected_lots
        ]
        append_events(drafts)
        emit(
            WebhookEvent.RECALL_OPENED,
            {
                "recall": number,
                "reason": reason,
                "lots": [lot.code for lot in affected_lots],
                "units_on_hold": len(units),
            },
        )
    return recall


def close_recall(*, recall, reason, actor, signature: dict | None) -> Recall:
    """Closing a recall needs a reason and an electronic signature (as for ``open_recall``)."""
    if not reason or not reason.strip():
        raise TraceError("Closing a recall needs a reason.", "reason_required")
    if recall.status == RecallStatus.CLOSED:
        raise TraceError(f"Recall {recall.number} is already closed.", "already_closed")
    signed = sign_decision(
        user=actor,
        given=signature,
        meanings=("approved",),
        reason=reason,
        record={"action": "close_recall", "recall": recall.number},
    )
    moment = timezone.now()
    with transaction.atomic():
        recall.status, recall.closed_by, recall.closed_at, recall.close_reason = (
            RecallStatus.CLOSED,
            actor,
            moment,
            reason,
        )
        recall.close_signature = signed
        recall.save(update_fields=["status", "closed_by", "closed_at", "close_reason", "close_signature"])
        lots = list(recall.lots.select_related("product"))
        epcis = build.object_event(
            moment=moment,
            action="OBSERVE",
            biz_step="holding",
            disposition="recalled",
            quantities=[(lot.uri, lot.quantity) for lot in lots],
            extra={
                "tracelens:recall": recall.number,
                "tracelens:closeReason": reason[:500],
                "tracelens:signature": signed,
            },
        )
        _append_one(
            moment,
            epcis,
            code=EventCode.RECALL_CLOSE,
            actor=actor,
            lot=lots[0] if lots else None,
            identifiers=[("epc_class", lot.uri) for lot in lots],
        )
    return recall


def inspect_unit(*, unit, passed: bool, actor, station=None, capture=None, notes="", event_time=None) -> Unit:
    """An inspection result on a unit: an ObjectEvent (bizStep inspecting, disposition
    conformant or non_conformant) with the notes; a failed unit goes on hold."""
    moment = _moment(event_time)
    with transaction.atomic():
        if not passed and unit.status not in (UnitStatus.SHIPPED, UnitStatus.SCRAPPED):
            unit.status = UnitStatus.ON_HOLD
            unit.save(update_fields=["status"])
        _unit_event(
            unit,
            moment,
            code=EventCode.INSPECT,
            action="OBSERVE",
            biz_step="inspecting",
            disposition="conformant" if passed else "non_conformant",
            actor=actor,
            station=station,
            capture=capture,
            extra={"tracelens:notes": notes} if notes else None,
        )
    return unit


def inspect_lot(*, lot, passed: bool, actor, station=None, notes="", extra=None, event_time=None) -> Lot:
    """An inspection result on a lot: an ObjectEvent over the lot's quantity (bizStep
    inspecting, disposition conformant or non_conformant) with the notes and ``extra`` (the
    record's id and verdicts). The lot's status is left alone: release is gated on it."""
    moment = _moment(event_time)
    with transaction.atomic():
        epcis = build.object_event(
            moment=moment,
            action="OBSERVE",
            biz_step="inspecting",
            disposition="conformant" if passed else "non_conformant",
            quantities=[(lot.uri, lot.quantity)],
            station_code=getattr(station, "code", None),
            extra={**({"tracelens:notes": notes} if notes else {}), **(extra or {})} or None,
        )
        _append_one(
            moment,
            epcis,
            code=EventCode.INSPECT,
            actor=actor,
            station=station,
            lot=lot,
            identifiers=[("epc_class", lot.uri)],
        )
    return lot


def associate(*, unit, children: list[str], actor, station=None, event_time=None):
    """Devices, carriers or sensors (any EPC URIs) bound to a unit: an AssociationEvent."""
    moment = _moment(event_time)
    children = [c for c in children if c]
    if not children:
        raise TraceError("An association needs at least one child identifier.", "empty_association")
    with transaction.atomic():
        epcis = build.association_event(
            moment=moment, parent=unit.uri, children=children, station_code=getattr(station, "code", None)
        )
        event = _append_one(
            moment,
            epcis,
            code=EventCode.ASSOCIATE,
            event_type=EventType.ASSOCIATION,
            actor=actor,
            station=station,
            unit=unit,
            identifiers=[("parent", unit.uri)] + [("child", c) for c in children],
        )
    return event


def set_lot_status(
    *, lot, status: str, reason: str, actor, signature: dict | None = None, event_time=None
) -> Lot:
    """Quarantine a lot (hold) or release it, with a reason and an event. Releasing needs an
    electronic signature (``signature``: what the signer gave, as for ``open_recall``), kept in
    the event. A recalled lot is released only by closing its recall."""
    moment = _moment(event_time)
    if status not in (LotStatus.QUARANTINED, LotStatus.RELEASED):
        raise TraceError(
            "A lot is quarantined or released here; recalls have their own workflow.", "bad_status"
        )
    if not reason or not reason.strip():
        raise TraceError("Holding or releasing a lot needs a reason.", "reason_required")
    with transaction.atomic():
        lot = Lot.objects.select_for_update().select_related("product").get(pk=lot.pk)
        if lot.status == LotStatus.RECALLED:
            raise TraceError(f"Lot {lot.code} is recalled; close the recall to release it.", "recalled")
        if lot.status == status:
            raise TraceError(f"Lot {lot.code} is already {lot.get_status_display().lower()}.", "no_change")
        blockers = selectors.release_blockers(lot) if status == LotStatus.RELEASED else []
        if blockers:
            raise TraceError(
                f"Lot {lot.code} cannot be released: {'; '.join(blockers)}.", "inspection_required"
            )
        held = status == LotStatus.QUARANTINED
        extra = {"tracelens:reason": reason}
        if not held:
            extra["tracelens:signature"] = sign_decision(
                user=actor,
                given=signature,
                meanings=("released",),
                reason=reason,
                record={"action": "release_lot", "lot": lot.uri},
            )
        lot.status = status
        lot.save(update_fields=["status"])
        epcis = build.object_event(
            moment=moment,
            action="OBSERVE",
            biz_step="holding" if held else "urn:tracelens:bizstep:releasing",
            disposition="non_sellable_other" if held else "available",
            quantities=[(lot.uri, lot.quantity)],
            extra=extra,
        )
        _append_one(
            moment,
            epcis,
            code=EventCode.HOLD if held else EventCode.RELEASE,
            actor=actor,
            lot=lot,
            identifiers=[("epc_class", lot.uri)],
        )
    return lot


def verify_audit_chain():
    """Recompute the trace event hash chain and store the verdict (a ChainVerification; the audit
    page and the dashboard show the latest). Run by ``manage.py verify_audit_chain`` and on the
    beat schedule."""
    verdict = verify_chain()
    return ChainVerification.objects.create(
        ok=verdict.ok, checked=verdict.checked, first_bad_id=verdict.first_bad_id, problem=verdict.problem
    )
