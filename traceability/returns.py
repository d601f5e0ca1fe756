"""Returns and warranty: what a returned unit's history says at a glance, and the return case
(RMA) from its opening to its disposition. ``return_card`` reads; ``open_return`` and
``settle_return`` write, each with its trace event, in one transaction."""

import datetime as dt

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from traceability import selectors
from traceability.choices import EventCode, ReturnDisposition, ReturnStatus, UnitStatus
from traceability.models import LotUnitIndex, ReturnCase, TraceEvent, Unit
from traceability.services import TraceError, record_return_settled, return_unit


def warranty(unit: Unit, today: dt.date) -> dict:
    """In warranty while ``today`` is within the product's warranty days from the ship date."""
    if unit.shipped_at is None:
        return {"status": "not_shipped", "until": None, "days_left": None}
    until = unit.shipped_at.date() + dt.timedelta(days=unit.product.warranty_days)
    left = (until - today).days
    return {
        "status": "in_warranty" if left >= 0 else "expired",
        "until": until.isoformat(),
        "days_left": left,
    }


def return_card(unit: Unit, today: dt.date | None = None) -> dict:
    """Everything a field user needs about a returned unit, in a handful of queries: product,
    lot, the supplier lots inside it, when it was made and where it went, inspections, ship date
    and customer, warranty, and how many other returned units share its lots."""
    today = today or timezone.localdate()
    tree = selectors.unit_trace_backward(unit)
    supplier_lots = [
        {
            "id": n.id,
            "code": n.label,
            "part_number": n.part_number,
            "supplier": n.supplier,
            "status": n.status,
        }
        for n in tree.walk()
        if n.kind == "lot"
    ]
    events = list(
        TraceEvent.objects.filter(unit=unit)
        .select_related("station")
        .order_by("event_time", "id")
        .values("code", "event_time", "station__code", "epcis")
    )
    made = next((e["event_time"] for e in events if e["code"] == EventCode.COMMISSION), None)
    stations = list(dict.fromkeys(e["station__code"] for e in events if e["station__code"]))
    inspections = [
        {"at": e["event_time"].isoformat(), "result": e["epcis"].get("disposition", "").rsplit(":", 1)[-1]}
        for e in events
        if e["code"] in (EventCode.INSPECT, EventCode.VERIFY)
    ]
    sharing = list(
        LotUnitIndex.objects.filter(
            lot_id__in=[lot["id"] for lot in supplier_lots], unit__status=UnitStatus.RETURNED
        )
        .exclude(unit=unit)
        .values("lot__code")
        .annotate(units=Count("unit", distinct=True))
    )
    if unit.lot_id:  # the unit's own lot: its siblings
        siblings = (
            Unit.objects.filter(lot_id=unit.lot_id, status=UnitStatus.RETURNED).exclude(pk=unit.pk).count()
        )
        if siblings:
            sharing.append({"lot__code": unit.lot.code, "units": siblings})
    return {
        "unit": {"id": unit.pk, "serial": unit.serial, "status": unit.status},
        "product": {"part_number": unit.product.part_number, "name": unit.product.name},
        "lot": unit.lot.code if unit.lot_id else "",
        "supplier_lots": supplier_lots,
        "made_at": made.isoformat() if made else None,
        "stations": stations,
        "inspections": inspections,
        "shipped_at": unit.shipped_at.isoformat() if unit.shipped_at else None,
        "customer": unit.customer,
        "warranty": warranty(unit, today),
        "other_returns_by_lot": {row["lot__code"]: row["units"] for row in sharing},
        "open_cases": list(
            unit.return_cases.filter(status=ReturnStatus.OPEN).values_list("number", flat=True)
        ),
    }


def _number() -> str:
    today = timezone.localdate()
    count = ReturnCase.objects.filter(opened_at__date=today).count() + 1
    return f"RMA-{today:%Y%m%d}-{count:04d}"


def open_return(
    *, actor, reason: str, capture=None, unit=None, typed_serial: str = "", notes: str = ""
) -> ReturnCase:
    """A return case for the unit read from the photo, or found by the serial the user typed;
    the unit becomes returned (with its event). An unknown serial still opens the case, without
    a unit, so the photo and reading wait for a supervisor instead of being lost."""
    typed_serial = typed_serial.strip()
    if unit is None and typed_serial:
        matches = list(Unit.objects.select_related("product").filter(serial=typed_serial)[:2])
        unit = matches[0] if len(matches) == 1 else None
    with transaction.atomic():
        case = ReturnCase.objects.create(
            number=_number(),
            unit=unit,
            capture=capture,
            typed_serial=typed_serial,
            reason=reason,
            notes=notes,
            opened_by=actor,
        )
        if unit is not None:
            return_unit(unit=unit, reason=f"{case.number}: {reason}", actor=actor, capture=capture)
    return case


def settle_return(*, case: ReturnCase, disposition: str, actor, notes: str = "", unit=None) -> ReturnCase:
    """The decision on a return (repair, replace, scrap, return to supplier): an event on the
    unit, the case closed; a scrapped unit is scrapped. A case opened without a unit needs the
    unit now (a supervisor found it)."""
    if case.status == ReturnStatus.CLOSED:
        raise TraceError(f"{case.number} is already closed.", "already_closed")
    if disposition not in ReturnDisposition.values:
        raise TraceError(f"Unknown disposition {disposition!r}.", "bad_disposition")
    unit = case.unit or unit
    if unit is None:
        raise TraceError(f"{case.number} has no unit yet: name the unit the photo shows.", "unit_required")
    with transaction.atomic():
        if case.unit is None:
            case.unit = unit
            return_unit(unit=unit, reason=f"{case.number}: {case.reason}", actor=actor, capture=case.capture)
        moment = record_return_settled(
            unit=unit, rma=case.number, disposition=disposition, notes=notes, actor=actor
        )
        case.disposition, case.status, case.closed_at = disposition, ReturnStatus.CLOSED, moment
        case.notes = "\n".join(filter(None, [case.notes, notes]))
        case.save(update_fields=["unit", "disposition", "status", "closed_at", "notes"])
    return case
