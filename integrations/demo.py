"""Demo data for supplier documents (``make run``): an open purchase order and the supplier's
delivery note for part of it, as a PDF the reading worker reads and matches like any other."""

import datetime as dt
from decimal import Decimal

from fpdf import FPDF

from ocr.bench.documents import pdf_pairs, pdf_table, pdf_title

NOTE = {"number": "DN-88213", "po": "PO-2026-0107", "lot": "C2026-1290", "quantity": "5000"}


def delivery_note_pdf(*, supplier: str, part_number: str, description: str) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC))  # the same file each time
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf_title(pdf, "Delivery Note")
    pdf_pairs(
        pdf,
        [("Delivery Note No.", NOTE["number"]), ("Supplier", supplier), ("Your order", NOTE["po"]),
         ("Delivery date", dt.date(2026, 11, 20).isoformat())],
    )  # fmt: skip
    pdf_table(
        pdf,
        ["Item", "Description", "Lot", "Qty"],
        [[part_number, description, NOTE["lot"], NOTE["quantity"]]],
    )
    return bytes(pdf.output())


def seed(*, admin, supplier, product) -> None:
    """The order (20,000 ordered) and its first delivery note, sent as the receiving office would."""
    from integrations import supplier_docs
    from traceability.models import PurchaseOrder, PurchaseOrderLine

    order, created = PurchaseOrder.objects.get_or_create(number=NOTE["po"], defaults={"supplier": supplier})
    if created:
        PurchaseOrderLine.objects.create(order=order, product=product, quantity=Decimal(20000))
    data = delivery_note_pdf(
        supplier=supplier.name, part_number=product.part_number, description=product.name
    )
    supplier_docs.take(data=data, actor=admin, name=f"{NOTE['number']}.pdf")
