"""`make run`'s demo delivery note: seeded with its purchase order, read from its text layer and
matched, so the documents page opens on a received lot."""

import pytest
from django.core.management import call_command

from integrations import supplier_docs
from integrations.demo import NOTE
from integrations.models import DocumentStatus, SupplierDocument


@pytest.mark.django_db
def test_the_demo_delivery_note_is_matched_and_receives_its_lot():
    call_command("seed_demo", "--admin-password", "demo-Test-pass1")
    document = supplier_docs.process(SupplierDocument.objects.get().pk)
    assert document.status == DocumentStatus.ACCEPTED, document.reasons
    assert [(lot.product.part_number, lot.code, int(lot.quantity)) for lot in document.lots.all()] == [
        ("CAP-220U", NOTE["lot"], int(NOTE["quantity"]))
    ]
    call_command("seed_demo", "--admin-password", "demo-Test-pass1")  # again: nothing doubled
    assert SupplierDocument.objects.count() == 1
