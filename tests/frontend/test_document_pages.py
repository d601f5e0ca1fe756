"""Supplier document pages: an operator sends a document, a supervisor corrects the order number
of one waiting in review and accepts it, and the lots are received; a bad file gets its reason."""

import random
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.choices import Role
from integrations import supplier_docs
from integrations.models import DocumentStatus, SupplierDocument
from ocr.bench.documents import make
from tests.factories import PASSWORD, ProductFactory
from tests.integrations.test_supplier_documents import encrypted_pdf
from traceability.models import Lot, PurchaseOrder, PurchaseOrderLine, Supplier


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.django_db
def test_a_document_is_sent_reviewed_on_its_page_and_its_lots_received(make_user):
    pdf, truth = make(random.Random(4), 0)
    operator = signed_in(make_user(Role.OPERATOR))
    sent = operator.post("/documents/", {"file": SimpleUploadedFile("note.pdf", pdf)})
    document = SupplierDocument.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"/documents/{document.pk}/"
    refused = operator.post(
        "/documents/", {"file": SimpleUploadedFile("locked.pdf", encrypted_pdf())}, follow=True
    )
    assert "the PDF is encrypted" in refused.content.decode()

    order = PurchaseOrder.objects.create(
        number="PO-RIGHT", supplier=Supplier.objects.create(code="s", name="S")
    )
    for line in truth["lines"]:
        product = ProductFactory(part_number=line["part_number"])
        PurchaseOrderLine.objects.create(order=order, product=product, quantity=Decimal(line["quantity"]))
    from ocr.pipeline.text import get_engine, thread_options

    supplier_docs.process(document.pk, get_engine("rapidocr", options=thread_options(1)))
    document.refresh_from_db()
    assert document.status == DocumentStatus.REVIEW  # its PO number is not ours, nor its supplier

    supervisor = signed_in(make_user(Role.SUPERVISOR))
    queue = supervisor.get("/review/").content.decode()
    assert f'href="/documents/{document.pk}/"' in queue and "unknown purchase order" in queue
    page = supervisor.get(f"/documents/{document.pk}/").content.decode()
    assert 'id="review-document"' in page and truth["lines"][0]["lot"] in page
    assert "<h1>Delivery note " in page and "delivery note" in queue  # its kind as people write it
    form = {"action": "accept", "po_number": "PO-RIGHT", "line_count": str(len(truth["lines"]))}
    for n, line in enumerate(truth["lines"]):
        form.update(
            {
                f"part_number-{n}": line["part_number"],
                f"lot-{n}": line["lot"],
                f"quantity-{n}": line["quantity"],
            }
        )
    refused = supervisor.post(f"/documents/{document.pk}/", form, follow=True).content.decode()
    assert (
        "is not the order" in refused
    )  # the supplier still differs: a person must fix the order, not the note
    Supplier.objects.filter(code="s").update(name=truth["fields"]["supplier"])
    accepted = supervisor.post(f"/documents/{document.pk}/", form)
    assert accepted.status_code == 302
    assert sorted(Lot.objects.values_list("code", flat=True)) == sorted(x["lot"] for x in truth["lines"])
    assert operator.get(f"/documents/{document.pk}/file")["Content-Type"] == "application/pdf"
    assert 'id="review-document"' not in operator.get(f"/documents/{document.pk}/").content.decode()


@pytest.mark.django_db
def test_a_documents_file_may_be_framed_by_its_own_page_only(make_user):
    """The document page shows a PDF in a frame: its file lets this server's pages frame it, in
    both headers (browsers obey the policy's frame-ancestors over X-Frame-Options); the page
    itself, like every other, may be framed by none."""
    pdf, _ = make(random.Random(4), 0)
    operator = signed_in(make_user(Role.OPERATOR))
    operator.post("/documents/", {"file": SimpleUploadedFile("note.pdf", pdf)})
    document = SupplierDocument.objects.get()
    page = operator.get(f"/documents/{document.pk}/")
    assert f'<iframe src="/documents/{document.pk}/file"' in page.content.decode()
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"] and page["X-Frame-Options"] == "DENY"
    file = operator.get(f"/documents/{document.pk}/file")
    assert file.status_code == 200 and file["Content-Type"] == "application/pdf"
    policy = file["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in policy and "'none'" not in policy.split("frame-ancestors")[1]
    assert file["X-Frame-Options"] == "SAMEORIGIN"
