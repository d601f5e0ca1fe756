"""Supplier documents: read from a PDF's text layer or a photo of the printed page (the same lots
either way), matched to the open purchase order, lots received with the document attached;
whatever does not match waits for a person; bad files are refused with nothing stored."""

import io
import random
from decimal import Decimal

import pytest
from django.db import transaction
from fpdf import FPDF
from rest_framework.test import APIClient

from accounts.choices import Role
from integrations import supplier_docs
from integrations.models import DocumentStatus, SupplierDocument
from ocr.bench.documents import make, photographed
from ocr.documents import DocumentRefused
from tests.factories import LotFactory, ProductFactory
from traceability.models import Lot, PurchaseOrder, PurchaseOrderLine, Supplier


@pytest.fixture(scope="module")
def engine():
    from ocr.pipeline.text import get_engine, thread_options

    return get_engine("rapidocr", options=thread_options(1))


def order_for(truth: dict, *, extra: Decimal = Decimal(0), number: str | None = None) -> PurchaseOrder:
    supplier = Supplier.objects.create(code="sup", name=truth["fields"]["supplier"])
    order = PurchaseOrder.objects.create(number=number or truth["fields"]["po_number"], supplier=supplier)
    for line in truth["lines"]:
        product = ProductFactory(part_number=line["part_number"], lot_pattern=r"L\d\d-\d{4}")
        PurchaseOrderLine.objects.create(
            order=order, product=product, quantity=Decimal(line["quantity"]) + extra
        )
    return order


def received(document: SupplierDocument) -> set[tuple]:
    return {(lot.product.part_number, lot.code, lot.quantity) for lot in document.lots.all()}


def read(data: bytes, engine, actor) -> SupplierDocument:
    document, created = supplier_docs.take(data=data, actor=actor, name="doc")
    assert created
    return supplier_docs.process(document.pk, engine)


@pytest.mark.django_db
def test_a_pdf_and_a_photo_of_the_printed_page_receive_the_same_lots(engine, make_user):
    actor = make_user(Role.OPERATOR)
    rng = random.Random(11)
    pdf, truth = make(rng, 0)  # a delivery note
    photo = photographed(pdf, rng)
    order_for(truth, extra=Decimal(100))
    expected = {(x["part_number"], x["lot"], Decimal(x["quantity"])) for x in truth["lines"]}
    with transaction.atomic():
        from_pdf = read(pdf, engine, actor)
        assert (from_pdf.status, from_pdf.source, from_pdf.reasons) == (
            DocumentStatus.ACCEPTED,
            "text layer",
            [],
        )
        assert received(from_pdf) == expected
        assert all(lot.supplier.code == "sup" for lot in from_pdf.lots.all())
        transaction.set_rollback(True)
    from_photo = read(photo, engine, actor)
    assert from_photo.status == DocumentStatus.ACCEPTED and from_photo.source == "ocr", from_photo.reasons
    assert received(from_photo) == expected
    assert from_photo.purchase_order.number == truth["fields"]["po_number"]
    again, created = supplier_docs.take(data=photo, actor=actor)
    assert not created and again.pk == from_photo.pk  # the same file is one document


@pytest.mark.django_db
def test_what_does_not_match_the_order_waits_for_a_person(engine, make_user):
    actor, reviewer = make_user(Role.OPERATOR), make_user(Role.SUPERVISOR)
    pdf, truth = make(random.Random(5), 1)  # a packing list
    order = order_for(truth, number="PO-OTHER")
    document = read(pdf, engine, actor)
    assert document.status == DocumentStatus.REVIEW
    assert document.reasons == [f"unknown purchase order {truth['fields']['po_number']}"]
    assert not Lot.objects.exists()
    with pytest.raises(supplier_docs.ReviewRefused):
        supplier_docs.review(document=document, actor=reviewer, accept=False)  # a rejection needs a note
    first = truth["lines"][0]
    too_many = [{**first, "quantity": str(int(first["quantity"]) + 1)}]
    with pytest.raises(supplier_docs.ReviewRefused) as refused:
        supplier_docs.review(
            document=document, actor=reviewer, accept=True, fields={"po_number": order.number}, lines=too_many
        )
    ordered = int(first["quantity"])
    assert refused.value.reasons == [
        f"part {first['part_number']}: {ordered + 1} would exceed the {ordered} ordered"
    ]
    assert not Lot.objects.exists()
    settled = supplier_docs.review(
        document=document, actor=reviewer, accept=True, fields={"po_number": order.number}
    )
    assert settled.status == DocumentStatus.ACCEPTED and settled.decided_by == reviewer
    assert received(settled) == {(x["part_number"], x["lot"], Decimal(x["quantity"])) for x in truth["lines"]}


@pytest.mark.django_db
def test_certificates_attach_to_received_lots_and_a_failed_one_goes_to_review(engine, make_user):
    actor = make_user(Role.OPERATOR)
    rng = random.Random(2)
    while True:  # a passing and a failing certificate
        pdf, truth = make(rng, 2)
        if truth["passed"]:
            break
    order = order_for(truth)
    line = truth["lines"][0]
    lot = LotFactory(product=order.lines.get().product, code=line["lot"], quantity=Decimal(line["quantity"]))
    document = read(pdf, engine, actor)
    assert document.status == DocumentStatus.ACCEPTED and document.kind == "certificate"
    assert list(document.lots.all()) == [lot] and Lot.objects.count() == 1
    assert len(document.parsed["properties"]) == 3 and document.parsed["passed"] is True
    while True:
        pdf, failing = make(rng, 2)
        if failing["passed"] is False:
            break
    failing["fields"]["po_number"] = order.number
    document = read(pdf, engine, actor)
    assert "the certificate says the goods do not conform" in document.reasons


def encrypted_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(0, 10, "Delivery Note No. DN-1")
    pdf.set_encryption(owner_password="owner", user_password="secret")
    return bytes(pdf.output())


@pytest.mark.django_db
def test_bad_files_are_refused_and_nothing_is_stored(make_user):
    actor = make_user(Role.OPERATOR)
    for data, code in [
        (encrypted_pdf(), "encrypted"),
        (b"%PDF-1.7\n garbage", "damaged"),
        (b"PK\x03\x04 a zip", "unsupported_type"),
        (b"", "empty"),
    ]:
        with pytest.raises(DocumentRefused) as refused:
            supplier_docs.take(data=data, actor=actor)
        assert refused.value.code == code, refused.value.message
    assert not SupplierDocument.objects.exists()


@pytest.mark.django_db
def test_the_api_takes_documents_and_keeps_the_review_to_supervisors(make_user):
    pdf, truth = make(random.Random(3), 0)
    operator, supervisor = APIClient(), APIClient()
    operator.force_authenticate(make_user(Role.OPERATOR))
    supervisor.force_authenticate(make_user(Role.SUPERVISOR))
    upload = io.BytesIO(pdf)  # read on the worker after commit; the reading is tested above
    upload.name = "note.pdf"
    answer = operator.post("/api/supplier-documents/", {"file": upload}, format="multipart")
    assert answer.status_code == 202 and answer.json()["status"] == "pending"
    bad = io.BytesIO(encrypted_pdf())
    bad.name = "locked.pdf"
    refused = operator.post("/api/supplier-documents/", {"file": bad}, format="multipart")
    assert refused.status_code == 400 and refused.json()["code"] == "encrypted"
    document = SupplierDocument.objects.get()
    document.status = DocumentStatus.REVIEW
    document.save()
    url = f"/api/supplier-documents/{document.pk}/review/"
    assert operator.post(url, {"action": "reject", "note": "x"}, format="json").status_code == 403
    rejected = supervisor.post(url, {"action": "reject", "note": "not our delivery"}, format="json")
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert supervisor.get("/api/supplier-documents/?status=rejected").json()["count"] == 1
