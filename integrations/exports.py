"""Exports for the ERP and QMS: lots, units, inspection records and genealogy edges as CSV or
XLSX, one row per record, streamed from the database in primary-key order."""

import csv
import datetime as dt
import io
import json
from decimal import Decimal

from inspection.models import InspectionRecord
from traceability.models import GenealogyEdge, Lot, Unit


def _lots():
    yield ["product", "lot", "supplier", "line", "work_order", "manufactured_on", "expires_on", "quantity",
           "status", "uri"]  # fmt: skip
    for lot in (
        Lot.objects.select_related("product", "supplier", "line", "work_order").order_by("pk").iterator()
    ):
        yield [
            lot.product.part_number, lot.code, lot.supplier.code if lot.supplier else "",
            lot.line.code if lot.line else "", lot.work_order.number if lot.work_order else "",
            lot.manufactured_on, lot.expires_on, lot.quantity, lot.status, lot.uri,
        ]  # fmt: skip


def _units():
    yield ["product", "serial", "lot", "status", "station", "customer", "shipped_at", "uri"]
    for unit in Unit.objects.select_related("product", "lot", "station").order_by("pk").iterator():
        yield [
            unit.product.part_number, unit.serial, unit.lot.code if unit.lot else "", unit.status,
            unit.station.code if unit.station else "", unit.customer, unit.shipped_at, unit.uri,
        ]  # fmt: skip


def _inspections():
    yield ["id", "plan", "unit", "lot", "passed", "values", "defects", "inspector", "signed_by", "created_at"]
    records = InspectionRecord.objects.select_related("plan", "unit", "lot", "inspector").order_by("pk")
    for record in records.iterator():
        yield [
            record.pk, record.plan.name, record.unit.serial if record.unit else "",
            record.lot.code if record.lot else "", record.passed, json.dumps(record.values, sort_keys=True),
            json.dumps(record.defects), record.inspector.username,
            (record.signature or {}).get("name", ""), record.created_at,
        ]  # fmt: skip


def _node(unit, lot) -> tuple[str, str, str]:
    if unit is not None:
        return "unit", unit.product.part_number, unit.serial
    return "lot", lot.product.part_number, lot.code


def _genealogy():
    yield ["parent_kind", "parent_product", "parent", "child_kind", "child_product", "child", "relation",
           "quantity", "event_time"]  # fmt: skip
    edges = GenealogyEdge.objects.select_related(
        "parent_unit__product", "parent_lot__product", "child_unit__product", "child_lot__product", "event"
    ).order_by("pk")
    for edge in edges.iterator():
        yield [
            *_node(edge.parent_unit, edge.parent_lot), *_node(edge.child_unit, edge.child_lot),
            edge.relation, edge.quantity if edge.quantity is not None else "", edge.event.event_time,
        ]  # fmt: skip


KINDS = {"lots": _lots, "units": _units, "inspections": _inspections, "genealogy": _genealogy}
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _cell(value):
    return "" if value is None else value


def as_csv(kind: str):
    """The export as CSV text, in chunks (for a streaming response)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in KINDS[kind]():
        writer.writerow([_cell(v) for v in row])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def as_xlsx(kind: str) -> bytes:
    """The export as one XLSX sheet (openpyxl's write-only mode). Dates and numbers keep their
    types; time zones are dropped (Excel has none) after conversion to UTC."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(kind)
    for row in KINDS[kind]():
        cells = []
        for value in row:
            if isinstance(value, Decimal):
                value = float(value)
            elif getattr(value, "tzinfo", None) is not None:
                value = value.astimezone(dt.UTC).replace(tzinfo=None)
            cells.append(_cell(value))
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
