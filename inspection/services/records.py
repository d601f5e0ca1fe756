"""Inspection records: an inspector's values against a plan, judged item by item, written once
with a trace event on the unit or lot (traceability.services). A failed unit goes on hold; a lot
cannot be released while a required plan's latest record for it is missing or failed
(traceability.selectors.release_blockers)."""

import logging

from django.db import transaction

from inspection.choices import ItemKind, PlanScope
from inspection.models import InspectionRecord
from ocr.services import hold_for_review
from traceability import selectors as trace_selectors
from traceability import services as trace
from traceability.choices import EventCode
from traceability.events import append_record

logger = logging.getLogger(__name__)

release_blockers = trace_selectors.release_blockers


class InspectionRefused(ValueError):
    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.message, self.code = message, code


def judge(items: list[dict], values: dict, photo_ids: set[int]) -> list[dict]:
    """Each item's verdict: a check passes on ``true``; a measurement inside its limits (both
    inclusive); a photo item when its value is the id of an attached photo. A missing value
    fails its item with the reason ``missing``."""
    results = []
    for item in items:
        key, value = item["key"], values.get(item["key"])
        result = {"key": key, "label": item.get("label", key), "value": value, "passed": False, "reason": ""}
        if value is None or value == "":
            result["reason"] = "missing"
        elif item["kind"] == ItemKind.CHECK:
            if not isinstance(value, bool):
                result["reason"] = "not yes/no"
            else:
                result["passed"], result["reason"] = value, "" if value else "not ok"
        elif item["kind"] == ItemKind.MEASURE:
            try:
                number = float(value)
            except (TypeError, ValueError):
                result["reason"] = "not a number"
            else:
                result["value"] = number
                low, high = item.get("low"), item.get("high")
                if low is not None and number < low:
                    result["reason"] = f"below {low} {item.get('unit', '')}".strip()
                elif high is not None and number > high:
                    result["reason"] = f"above {high} {item.get('unit', '')}".strip()
                else:
                    result["passed"] = True
        else:
            result["passed"] = value in photo_ids
            result["reason"] = "" if result["passed"] else "photo not attached"
        results.append(result)
    return results


def record_inspection(
    *,
    plan,
    actor,
    values: dict,
    unit=None,
    lot=None,
    photos=(),
    notes: str = "",
    defects=(),
    signature: dict | None = None,
) -> InspectionRecord:
    """Judge ``values`` against ``plan`` and write the record and its event. Refused: an
    inactive plan, a subject that does not fit the plan's scope or product, values for items the
    plan does not have."""
    if not plan.active:
        raise InspectionRefused(f"Plan {plan.name} is not active.", "plan_inactive")
    if plan.scope == PlanScope.UNIT and unit is None:
        raise InspectionRefused(f"Plan {plan.name} inspects units: name the unit.", "unit_required")
    if plan.scope == PlanScope.LOT and lot is None:
        raise InspectionRefused(f"Plan {plan.name} inspects lots: name the lot.", "lot_required")
    subject = unit or lot
    if subject.product_id != plan.product_id:
        raise InspectionRefused(f"Plan {plan.name} is for another product.", "wrong_product")
    unknown = set(values) - {item["key"] for item in plan.items}
    if unknown:
        raise InspectionRefused(f"Plan {plan.name} has no item {', '.join(sorted(unknown))}.", "unknown_item")
    photos = list(photos)
    results = judge(plan.items, values, {p.pk for p in photos})
    passed = all(r["passed"] for r in results) and not any(defects)
    failed = [f"{r['label']}: {r['reason']}" for r in results if not r["passed"]]
    with transaction.atomic():
        record = InspectionRecord.objects.create(
            plan=plan,
            unit=unit,
            lot=lot if lot is not None else getattr(unit, "lot", None),
            values=values,
            results=results,
            passed=passed,
            defects=list(defects),
            notes=notes,
            signature=signature,
            inspector=actor,
        )
        if photos:
            record.photos.set(photos)
        summary = f"{plan.name}: {'pass' if passed else 'fail'}" + (
            f" ({'; '.join(failed)})" if failed else ""
        )
        if unit is not None:
            trace.inspect_unit(
                unit=unit,
                passed=passed,
                actor=actor,
                station=plan.station,
                capture=photos[0] if photos else None,
                notes=summary,
            )
        else:
            trace.inspect_lot(
                lot=lot,
                passed=passed,
                actor=actor,
                station=plan.station,
                notes=summary,
                extra={
                    "tracelens:inspectionRecord": record.pk,
                    **({"tracelens:signature": signature} if signature else {}),
                },
            )
    logger.info("inspection record %s (plan %s) by user %s: %s", record.pk, plan.pk, actor.pk, passed)
    return record


FORM_REASON = "inspection form: confirm the values read"


def draft_from_form(*, capture, plan, unit=None, lot=None):
    """Read a photo of ``plan``'s filled paper form (the capture's stored reading) into a draft,
    and send the capture to review until a person confirms it."""
    import cv2
    import numpy as np

    from inspection.models import InspectionDraft
    from inspection.services.verification import stored_reading
    from inspection.vision.forms import read_form
    from ocr import storage

    reading = getattr(capture, "reading", None)
    if reading is None:
        raise InspectionRefused("The form's photo has not been read yet.", "not_read")
    lines, _ = stored_reading(reading)
    image = cv2.imdecode(
        np.frombuffer(storage.read_bytes(capture.image.path), np.uint8), cv2.IMREAD_GRAYSCALE
    )
    if reading.width and reading.height and image.shape[::-1] != (reading.width, reading.height):
        image = cv2.resize(image, (reading.width, reading.height), interpolation=cv2.INTER_AREA)
    proposed = [value.as_json() for value in read_form(lines, image, plan.items)]
    with transaction.atomic():
        draft = InspectionDraft.objects.create(
            plan=plan, capture=capture, unit=unit, lot=lot, proposed=proposed
        )
        hold_for_review(capture=capture, reasons=[FORM_REASON])
    return draft


def confirm_draft(*, draft, values: dict, actor, signature=None) -> InspectionRecord:
    """The person's values (the proposed ones where they gave none) become the record, with the
    form's photo attached; the draft is closed and the capture leaves review for this reason."""
    from django.utils import timezone

    from inspection.models import InspectionDraft

    with transaction.atomic():
        draft = InspectionDraft.objects.select_for_update().select_related("capture", "plan").get(pk=draft.pk)
        if draft.status != InspectionDraft.Status.OPEN:
            raise InspectionRefused(f"Draft {draft.pk} is already confirmed.", "already_confirmed")
        merged = {p["key"]: p["value"] for p in draft.proposed if p["value"] is not None}
        merged.update(values)
        record = record_inspection(
            plan=draft.plan,
            actor=actor,
            values=merged,
            unit=draft.unit,
            lot=draft.lot,
            photos=[draft.capture],
            notes=f"read from a paper form (capture {draft.capture_id}) and confirmed",
            signature=signature,
        )
        draft.status, draft.record = InspectionDraft.Status.CONFIRMED, record
        draft.save(update_fields=["status", "record"])
        read = {p["key"]: p["value"] for p in draft.proposed}
        append_record(
            EventCode.REVIEW,
            {
                "tracelens:form": draft.pk,
                "tracelens:corrections": [
                    {"field": key, "before": read.get(key), "after": value} for key, value in values.items()
                ],
                **({"tracelens:signature": signature} if signature else {}),
            },
            actor=actor,
            unit_id=draft.unit_id,
            lot_id=draft.lot_id,
            capture_id=draft.capture_id,
        )
        capture = draft.capture
        capture.review_reasons = [r for r in capture.review_reasons if r != FORM_REASON]
        capture.needs_review = bool(capture.review_reasons)
        capture.reviewed_by, capture.reviewed_at = actor, timezone.now()
        capture.save(update_fields=["needs_review", "review_reasons", "reviewed_by", "reviewed_at"])
    return record
