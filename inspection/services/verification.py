"""Label verification against the database: what a label should say comes from the unit, lot,
work order and product it is meant for (and values a fixed camera sends), what it says from the
capture's stored reading; the verdict is kept with the photo's hash, and a unit gets an event."""

import logging
from dataclasses import replace

from django.db import transaction
from django.utils import timezone

from inspection.choices import MarkKind
from inspection.models import LabelVerification
from integrations.choices import WebhookEvent
from integrations.services import emit
from ocr.pipeline.fields import from_codes, from_line
from ocr.pipeline.types import CodeRead, GS1Element, TextLine
from ocr.pipeline.verify import FieldVerdict, MarkRule, Verdict, verify_label
from traceability import mqtt
from traceability import services as trace
from traceability.models import Lot, Product, Shipment, Unit, WorkOrder

logger = logging.getLogger(__name__)

EXPECTED_FIELDS = ("gtin", "part_number", "lot", "serial", "mfg", "expiry", "qty")
LABEL_FIELDS = ("gtin", "lot", "serial", "expiry")  # a product's label carries these unless it says


class VerificationRefused(ValueError):
    """The verification cannot run: nothing read yet, or the context names what does not exist."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message, self.code = message, code


def stored_reading(reading) -> tuple[tuple[TextLine, ...], tuple[CodeRead, ...]]:
    """A stored Reading's lines and codes as the pipeline's own types."""
    lines = tuple(
        TextLine(
            line["text"],
            line["confidence"],
            tuple(map(tuple, line["box"])),
            tuple(line.get("chars") or ()),
        )
        for line in reading.lines
    )
    codes = tuple(
        CodeRead(
            symbology=code["symbology"],
            text=code["text"],
            box=tuple(map(tuple, code["box"])),
            symbology_identifier=code.get("symbology_identifier", ""),
            gs1=tuple(GS1Element(**element) for element in code.get("gs1") or ()),
            version=code.get("version", ""),
            data_identifiers=tuple(GS1Element(**element) for element in code.get("data_identifiers") or ()),
        )
        for code in reading.codes
    )
    return lines, codes


def _pick(model, value, field: str, what: str):
    if value is None or isinstance(value, model):
        return value
    found = model.objects.filter(**{field: str(value)}).first()
    if found is None:
        raise VerificationRefused(f"No {what} {value!r} is known.", f"unknown_{what.replace(' ', '_')}")
    return found


def expected_content(*, product=None, unit=None, lot=None, work_order=None, given=None) -> tuple:
    """(product, expected values, where each came from). The unit gives its serial and lot, a
    lot its code and dates, a work order its product and its latest lot, the product its GTIN;
    values ``given`` by the line (a fixed camera's expected values) override them. Only the
    fields the product's label carries (``Product.label_fields``) are expected from the database."""
    lot = lot or (unit.lot if unit else None)
    if lot is None and work_order is not None:
        lot = Lot.objects.filter(work_order=work_order).order_by("-id").first()
    product = product or next(
        (x.product for x in (unit, lot, work_order) if x is not None and x.product_id), None
    )
    expected, sources = {}, {}

    def put(name, value, source):
        if value not in (None, ""):
            expected[name], sources[name] = str(value), source

    if product is not None:
        put("gtin", product.gtin, f"product {product.part_number}")
    if lot is not None:
        put("lot", lot.code, f"lot {lot.code}")
        put("expiry", lot.expires_on.isoformat() if lot.expires_on else "", f"lot {lot.code}")
        put("mfg", lot.manufactured_on.isoformat() if lot.manufactured_on else "", f"lot {lot.code}")
    if unit is not None:
        put("serial", unit.serial, f"unit {unit.serial}")
    elif work_order is not None and (serial := next_serial(work_order)):
        put("serial", serial, f"next serial of {work_order.number}")
    carried = set((product.label_fields if product is not None else None) or LABEL_FIELDS)
    expected = {name: value for name, value in expected.items() if name in carried}
    sources = {name: source for name, source in sources.items() if name in carried}
    for name, value in (given or {}).items():  # what the line says is always checked
        if name in EXPECTED_FIELDS:
            put(name, value, "sent with the capture")
    return product, lot, expected, sources


def next_serial(work_order: WorkOrder) -> str:
    """The first serial of the work order's range whose label has not passed verification yet:
    the one a print-and-verify line is due to print now."""
    done = {
        expected.get("values", {}).get("serial")
        for expected in LabelVerification.objects.filter(work_order=work_order, ok=True).values_list(
            "expected", flat=True
        )
    }
    return next((serial for serial in work_order.serials() if serial not in done), "")


def on_shipment(verdict: Verdict, lines, codes, shipment: Shipment) -> Verdict:
    """A label checked at loading must show a unit of the shipment (by its serial, encoded or
    printed): otherwise the verdict fails with ``not_on_shipment``."""
    serials = set(shipment.units.values_list("serial", flat=True))
    read = {f.value for f in from_codes(codes) if f.name == "serial"}
    read |= {f.value for line in lines for f in from_line(line) if f.name == "serial"}
    found = sorted(read & serials)
    check = FieldVerdict(
        "shipment",
        bool(found),
        "" if found else "not_on_shipment",
        expected=shipment.number,
        printed=", ".join(sorted(read)),
        detail=""
        if found
        else f"serial {', '.join(sorted(read)) or 'not read'} is not on shipment {shipment.number}",
    )
    return replace(verdict, ok=verdict.ok and check.ok, fields=(*verdict.fields, check))


def mark_rules(product) -> tuple[MarkRule, ...]:
    if product is None:
        return ()
    return tuple(
        MarkRule(rule.name, rule.kind, rule.pattern) for rule in product.compliance_rules.filter(active=True)
    )


def verify_capture(
    *,
    capture,
    actor,
    unit=None,
    lot=None,
    work_order=None,
    product=None,
    shipment=None,
    expected=None,
    today=None,
) -> LabelVerification:
    """Check the capture's label against what the database says it should carry. The context
    (unit, lot, work order, product, shipment: instances or their serial, code, number, part
    number, shipment number) comes
    from the arguments or else from the capture's metadata. Writes the verification and, for a
    unit, its event, in one transaction; refuses (nothing written) when nothing was read yet or
    the context names something unknown."""
    reading = getattr(capture, "reading", None)
    if reading is None:
        raise VerificationRefused("The capture has not been read yet.", "not_read")
    meta = capture.metadata or {}
    unit = _pick(Unit, unit if unit is not None else meta.get("unit"), "serial", "unit")
    lot = _pick(Lot, lot if lot is not None else meta.get("lot"), "code", "lot")
    work_order = _pick(
        WorkOrder, work_order if work_order is not None else meta.get("work_order"), "number", "work order"
    )
    product = _pick(
        Product, product if product is not None else meta.get("product"), "part_number", "product"
    )
    shipment = _pick(
        Shipment, shipment if shipment is not None else meta.get("shipment"), "number", "shipment"
    )
    if shipment is not None and product is None:
        first = shipment.units.select_related("product").first()
        product = first.product if first else None
    given = expected if expected is not None else meta.get("expected") or {}
    product, lot, wanted, sources = expected_content(
        product=product, unit=unit, lot=lot, work_order=work_order, given=given
    )
    if not wanted and shipment is None:
        raise VerificationRefused(
            "Nothing to verify against: name a unit, lot, work order or product, or send expected values.",
            "no_expected_content",
        )
    rules = mark_rules(product)
    udi = any(rule.kind == MarkKind.UDI for rule in rules)
    lines, codes = stored_reading(reading)
    verdict: Verdict = verify_label(
        lines,
        codes,
        wanted,
        rules,
        both_forms=tuple(name for name in wanted if name != "gtin") if udi else (),
        today=today or timezone.localdate(),
    )
    if shipment is not None:
        verdict = on_shipment(verdict, lines, codes, shipment)
    with transaction.atomic():
        record = LabelVerification.objects.create(
            capture=capture,
            unit=unit,
            lot=lot,
            work_order=work_order,
            product=product,
            station=capture.station,
            ok=verdict.ok,
            expected={"values": wanted, "sources": sources, "shipment": shipment.number if shipment else ""},
            fields=[vars(v) for v in verdict.fields],
            marks=[vars(m) for m in verdict.marks],
            reasons=list(verdict.reasons),
            image_sha256=capture.image.sha256,
            actor=actor,
        )
        if unit is not None:
            trace.record_label_verification(
                unit=unit,
                passed=verdict.ok,
                reasons=verdict.reasons,
                actor=actor,
                station=capture.station,
                capture=capture,
            )
        if record.station_id:
            transaction.on_commit(lambda: _publish(record))
        if not verdict.ok:
            emit(
                WebhookEvent.VERIFICATION_FAILED,
                {
                    "verification": record.pk,
                    "capture": capture.pk,
                    "station": capture.station.code if capture.station_id else None,
                    "unit": unit.serial if unit else None,
                    "lot": lot.code if lot else None,
                    "reasons": list(verdict.reasons),
                },
            )
    logger.info(
        "capture %s label verification %s: %s", capture.pk, record.pk, "pass" if verdict.ok else "fail"
    )
    return record


def _publish(record: LabelVerification) -> None:
    """The station's verification page and its MQTT topic (``.../verdict``) get the verdict
    (after commit, never failing it)."""
    from frontend.live import notify, station_group

    payload = verification_payload(record)
    notify(station_group(record.station_id), {"type": "verification.done", "verification": payload})
    mqtt.publish(mqtt.topic(record.station, "verdict"), payload)


def verification_payload(record: LabelVerification) -> dict:
    return {
        "id": record.pk,
        "capture": record.capture_id,
        "ok": record.ok,
        "unit": record.unit.serial if record.unit_id else "",
        "lot": record.lot.code if record.lot_id else "",
        "work_order": record.work_order.number if record.work_order_id else "",
        "product": record.product.part_number if record.product_id else "",
        "station": record.station.code if record.station_id else "",
        "expected": record.expected,
        "fields": record.fields,
        "marks": record.marks,
        "reasons": record.reasons,
        "image_sha256": record.image_sha256,
        "created_at": record.created_at.isoformat(),
    }
