"""Supplier documents in: a PDF or photo is stored (by SHA-256: the same file twice is one
document) and read on the worker (``ocr.documents``); then matched to its open purchase order.
When everything agrees (a known open PO, every part on it, a lot code of the product's format,
quantities within what was ordered, a readable conformity statement for a certificate, a
confident reading), the incoming lots are received with the document attached. Anything else
waits for a person with the reasons; the reviewer corrects and accepts, or rejects."""

import datetime as dt
import logging
import re
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from integrations.models import DocumentStatus, SupplierDocument
from ocr import storage
from ocr.documents import DocumentRefused, open_pdf, read_document
from traceability import services as trace
from traceability.models import Lot, PurchaseOrder
from traceability.models.purchasing import PurchaseOrderStatus

logger = logging.getLogger(__name__)

MIN_CONFIDENCE = 0.8  # the lowest OCR confidence among the cells used, below which a person looks
MIME = {b"%PDF-": "application/pdf", b"\xff\xd8": "image/jpeg", b"\x89PNG": "image/png"}
PENDING_AFTER_S = 120  # a pending document older than this is sent to the worker again


def _mime(data: bytes) -> str:
    for magic, mime in MIME.items():
        if data.startswith(magic):
            return mime
    raise DocumentRefused("send a PDF, a JPEG or a PNG", "unsupported_type")


def take(*, data: bytes, actor, name: str = "") -> tuple[SupplierDocument, bool]:
    """Store the file and queue it for reading; the same file again returns the first document."""
    if not data:
        raise DocumentRefused("the file is empty", "empty")
    if len(data) > settings.MAX_UPLOAD_BYTES:
        raise DocumentRefused(f"the file is larger than {settings.MAX_UPLOAD_BYTES} bytes", "too_large")
    mime = _mime(data)
    if mime == "application/pdf":
        open_pdf(data)  # encrypted, damaged or too long: refused now, nothing stored
    sha = storage.sha256_of(data)
    existing = SupplierDocument.objects.filter(sha256=sha).first()
    if existing is not None:
        return existing, False
    path = f"documents/{sha[:2]}/{sha[2:4]}/{sha}.{mime.rsplit('/', 1)[1]}"
    storage.write_once(path, data)
    with transaction.atomic():
        document = SupplierDocument.objects.create(
            sha256=sha,
            path=path,
            mime_type=mime,
            size_bytes=len(data),
            original_name=name[:255],
            uploaded_by=actor,
        )
        transaction.on_commit(lambda: dispatch(document.pk))
    return document, True


def dispatch(document_id: int) -> None:
    from integrations.tasks import read_supplier_document

    try:
        read_supplier_document.delay(document_id)
    except Exception:  # noqa: BLE001 - the broker down: resend_pending sends it later
        logger.exception("supplier document %s not dispatched; it stays pending", document_id)


def resend_pending(older_than_s: float = PENDING_AFTER_S) -> int:
    """Documents left pending (a lost dispatch, a worker that died) are sent again."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_s)
    ids = list(
        SupplierDocument.objects.filter(status=DocumentStatus.PENDING, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        dispatch(pk)
    return len(ids)


def _engine():
    from ocr.pipeline.text import get_engine, thread_options

    return get_engine("rapidocr", options=thread_options(settings.OCR_THREADS))


def process(document_id: int, engine=None) -> SupplierDocument:
    """Read a pending document, then match it (once: a document already read is left as it is)."""
    document = SupplierDocument.objects.get(pk=document_id)
    if document.status != DocumentStatus.PENDING:
        return document
    data = storage.read_bytes(document.path)
    try:
        try:
            parsed = read_document(data, engine)  # a PDF's text layer needs no OCR engine
        except DocumentRefused as exc:
            if exc.code != "needs_ocr":
                raise
            parsed = read_document(data, engine or _engine())
    except DocumentRefused as exc:
        document.status, document.reasons, document.read_at = (
            DocumentStatus.REJECTED,
            [exc.message],
            timezone.now(),
        )
        document.save(update_fields=["status", "reasons", "read_at"])
        return document
    document.kind, document.source, document.read_at = parsed.kind, parsed.source, timezone.now()
    document.parsed = {
        "fields": parsed.fields,
        "lines": parsed.lines,
        "properties": parsed.properties,
        "passed": parsed.passed,
        "confidence": parsed.confidence,
        "pages": parsed.pages,
    }
    with transaction.atomic():
        locked = SupplierDocument.objects.select_for_update().get(pk=document.pk)
        if locked.status != DocumentStatus.PENDING:
            return locked
        _settle(document, document.parsed, actor=document.uploaded_by, by_person=False)
    return document


def _quantity(value) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError):
        return None
    return number if number > 0 else None


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


def _same_supplier(named: str, supplier) -> bool:
    """The name on the document is the order's supplier: equal once squeezed, or one holding the
    other where the shorter has four characters or more ("Acme" in "ACME Components Ltd")."""
    found = _squeeze(named)
    for known in (_squeeze(supplier.name), _squeeze(supplier.code)):
        if known == found or (min(len(known), len(found)) >= 4 and (known in found or found in known)):
            return True
    return False


def _squeeze(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", (text or "").lower())


def check(parsed: dict, kind: str, *, by_person: bool) -> tuple[PurchaseOrder | None, list, list[str]]:
    """The purchase order, the lots to receive or attach as (product, code, quantity, expiry,
    manufactured, existing lot), and every reason a person must look."""
    reasons, planned = [], []
    fields = parsed.get("fields", {})
    if kind not in ("packing_list", "delivery_note", "certificate"):
        reasons.append("not recognised as a packing list, delivery note or certificate")
    if not by_person and parsed.get("confidence", 0) < MIN_CONFIDENCE:
        reasons.append(f"low reading confidence ({parsed.get('confidence', 0):.2f})")
    number = fields.get("po_number", "")
    order = PurchaseOrder.objects.filter(number=number).select_related("supplier").first() if number else None
    if not number:
        reasons.append("no purchase order number found")
    elif order is None:
        reasons.append(f"unknown purchase order {number}")
    elif order.status != PurchaseOrderStatus.OPEN:
        reasons.append(f"purchase order {number} is {order.status}")
    if order is not None and fields.get("supplier"):
        if not _same_supplier(fields["supplier"], order.supplier):
            reasons.append(f"supplier {fields['supplier']!r} is not the order's ({order.supplier.name})")
    lines = parsed.get("lines", [])
    if not lines:
        reasons.append("no line items found")
    ordered = (
        {line.product.part_number: line for line in order.lines.select_related("product")} if order else {}
    )
    wanted: dict[str, Decimal] = {}
    for line in lines:
        part, code, quantity = (
            line.get("part_number", ""),
            line.get("lot", ""),
            _quantity(line.get("quantity")),
        )
        if order is None:
            continue
        if part not in ordered:
            reasons.append(f"part {part or '(none)'} is not on purchase order {order.number}")
            continue
        product = ordered[part].product
        if not code:
            reasons.append(f"part {part}: no lot number")
            continue
        if product.lot_pattern and not re.fullmatch(product.lot_pattern, code):
            reasons.append(f"part {part}: lot {code} is not of the product's lot format")
            continue
        if quantity is None:
            reasons.append(f"part {part}: no quantity")
            continue
        existing = Lot.objects.filter(product=product, code=code).first()
        if existing is not None and kind != "certificate":
            reasons.append(f"part {part}: lot {code} was already received")
            continue
        wanted[part] = wanted.get(part, Decimal(0)) + (0 if existing else quantity)
        planned.append((product, code, quantity, line.get("expiry"), line.get("manufactured"), existing))
    for part, quantity in wanted.items():
        received = Lot.objects.filter(
            product=ordered[part].product, supplier_documents__purchase_order=order
        ).distinct().aggregate(total=Sum("quantity"))["total"] or Decimal(0)
        limit = ordered[part].quantity
        if received + quantity > limit:
            reasons.append(
                f"part {part}: {_plain(received + quantity)} would exceed the {_plain(limit)} ordered"
            )
    if kind == "certificate" and parsed.get("passed") is False:
        reasons.append("the certificate says the goods do not conform")
    elif kind == "certificate" and parsed.get("passed") is None:
        reasons.append("no conformity statement found on the certificate")
    return order, planned, reasons


def _settle(document: SupplierDocument, parsed: dict, *, actor, by_person: bool) -> list[str]:
    """Receive the lots when nothing needs a person; else mark for review. Returns the reasons."""
    order, planned, reasons = check(parsed, document.kind, by_person=by_person)
    document.purchase_order = order
    document.reasons = reasons
    if reasons:
        document.status = DocumentStatus.REVIEW
        document.save()
        return reasons
    lots = []
    for product, code, quantity, expiry, made, existing in planned:
        lots.append(
            existing
            or trace.receive_lot(
                product=product,
                code=code,
                quantity=quantity,
                actor=actor,
                supplier=order.supplier,
                expires_on=_date(expiry),
                manufactured_on=_date(made),
            )
        )
    document.status = DocumentStatus.ACCEPTED
    document.save()
    document.lots.add(*lots)
    return []


def _date(value):
    if value and len(value) == 10:
        return dt.date.fromisoformat(value)
    return None


class ReviewRefused(ValueError):
    def __init__(self, message: str, reasons: list[str]):
        super().__init__(message)
        self.message, self.reasons = message, reasons


def review(
    *, document: SupplierDocument, actor, accept: bool, fields=None, lines=None, note: str = ""
) -> SupplierDocument:
    """A person settles a document in review: rejects it (with a note), or accepts it with the
    corrected PO number and lines, which are checked again (all but the reading's confidence)."""
    with transaction.atomic():
        document = SupplierDocument.objects.select_for_update().get(pk=document.pk)
        if document.status != DocumentStatus.REVIEW:
            raise ReviewRefused(f"the document is {document.status}, not in review", [])
        document.decided_by, document.decided_at, document.note = actor, timezone.now(), note
        if not accept:
            if not note.strip():
                raise ReviewRefused("say why the document is rejected", [])
            document.status = DocumentStatus.REJECTED
            document.save()
            return document
        parsed = dict(document.parsed)
        parsed["fields"] = {**parsed.get("fields", {}), **(fields or {})}
        if lines is not None:
            parsed["lines"] = lines
        document.parsed = parsed
        reasons = _settle(document, parsed, actor=actor, by_person=True)
        if reasons:
            raise ReviewRefused("the corrected document still does not match its order", reasons)
    return document
