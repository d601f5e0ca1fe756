"""ERP import: products, work orders, expected shipments and supplier purchase orders, from CSV
or the API's JSON rows. Rows are matched on their natural key (part number, work order, shipment
or order number), so importing the same file again updates and never duplicates.

Each row is applied in a savepoint and reported by its line: created, updated (with each changed
field, old → new), unchanged, or an error saying what is wrong. ``dry_run`` reports what would
change and keeps nothing; ``all_or_nothing`` keeps nothing when any row is wrong, otherwise the
good rows are kept and the bad ones reported."""

import csv
import io
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from traceability.choices import EventCode
from traceability.events import append_record
from traceability.models import (
    Line,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Shipment,
    Supplier,
    Unit,
    WorkOrder,
)

MAX_ROWS = 50_000


class ImportRefused(ValueError):
    """The file as a whole cannot be read (not CSV, not UTF-8, no header, unknown kind)."""


class RowError(ValueError):
    pass


@dataclass
class RowResult:
    line: int
    key: str
    action: str  # created, updated, unchanged, error
    changes: dict = field(default_factory=dict)
    error: str = ""


@dataclass
class Report:
    kind: str
    dry_run: bool
    all_or_nothing: bool
    applied: bool = False
    rows: list[RowResult] = field(default_factory=list)

    @property
    def counts(self) -> dict:
        found = {"created": 0, "updated": 0, "unchanged": 0, "error": 0}
        for row in self.rows:
            found[row.action] += 1
        return found

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "dry_run": self.dry_run,
            "all_or_nothing": self.all_or_nothing,
            "applied": self.applied,
            "counts": self.counts,
            "rows": [asdict(row) for row in self.rows],
        }


def read_csv(data: bytes) -> list[tuple[int, dict]]:
    """(line number, row) for each data row; headers lower-cased; ``,``, ``;`` or tab."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(f"the file is not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise ImportRefused("the file is empty")
    first = text.splitlines()[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    if not reader.fieldnames or not any(name.strip() for name in reader.fieldnames):
        raise ImportRefused("the file has no header row")
    reader.fieldnames = [name.strip().lower() for name in reader.fieldnames]
    rows = []
    for row in reader:
        if len(rows) >= MAX_ROWS:
            raise ImportRefused(f"more than {MAX_ROWS} rows: split the file")
        extra = row.pop(None, None)
        cleaned = {k: (v or "").strip() for k, v in row.items()}
        if extra:
            cleaned["__extra__"] = extra
        if any(cleaned.values()):
            rows.append((reader.line_num, cleaned))
    return rows


def _required(row: dict, *names: str) -> list[str]:
    missing = [name for name in names if not str(row.get(name, "")).strip()]
    if missing:
        raise RowError(f"missing {', '.join(missing)}")
    return [str(row[name]).strip() for name in names]


def _number(value, name: str, *, integer: bool = False):
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise RowError(f"{name} {value!r} is not a number") from None
    if number < 0 or (integer and number != number.to_integral_value()):
        raise RowError(f"{name} {value!r} must be a {'whole ' if integer else ''}number of at least 0")
    return int(number) if integer else number


def _save(model, key: dict, values: dict) -> tuple[str, dict]:
    """Create or update ``model`` found by ``key`` with ``values``; validated before saving."""
    found = model.objects.filter(**key).first()
    obj = found or model(**key)
    changes = {}
    for name, value in values.items():
        if found is None:
            changes[name] = value
        elif not _same(old := getattr(obj, name), value):
            changes[name] = [_plain(old), _plain(value)]
        else:
            continue
        setattr(obj, name, value)
    if found is not None and not changes:
        return "unchanged", {}
    try:
        obj.full_clean(validate_unique=found is None)
    except ValidationError as exc:
        raise RowError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
    obj.save()
    return ("created" if found is None else "updated"), {k: _plain(v) for k, v in changes.items()}


def _same(old, new) -> bool:
    if hasattr(old, "pk") or hasattr(new, "pk"):
        return getattr(old, "pk", None) == getattr(new, "pk", None)
    if isinstance(old, Decimal | int) and isinstance(new, Decimal | int):
        return Decimal(old) == Decimal(new)
    return str(old if old is not None else "") == str(new if new is not None else "")


def _plain(value):
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "pk"):
        return str(value)
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


def _supplier(code: str, name: str = "") -> Supplier:
    supplier = Supplier.objects.filter(code=code).first()
    if supplier is None:
        supplier = Supplier(code=code, name=name or code)
        try:
            supplier.full_clean()
        except ValidationError as exc:
            raise RowError(f"supplier: {' '.join(sum(exc.message_dict.values(), []))}") from None
        supplier.save()
    return supplier


def _product(part_number: str) -> Product:
    product = Product.objects.filter(part_number=part_number).first()
    if product is None:
        raise RowError(f"unknown product {part_number!r}: import it first")
    return product


def product_row(row: dict) -> tuple[str, str, dict]:
    part_number, name = _required(row, "part_number", "name")
    values = {"name": name}
    for column in ("gtin", "revision", "serial_pattern", "lot_pattern"):
        if column in row:
            values[column] = row[column]
    if row.get("warranty_days"):
        values["warranty_days"] = _number(row["warranty_days"], "warranty_days", integer=True)
    if row.get("supplier"):
        values["supplier"] = _supplier(row["supplier"], row.get("supplier_name", ""))
    return part_number, *_save(Product, {"part_number": part_number}, values)


def work_order_row(row: dict) -> tuple[str, str, dict]:
    number, part_number, quantity = _required(row, "number", "part_number", "quantity")
    values = {"product": _product(part_number), "quantity": _number(quantity, "quantity", integer=True)}
    if row.get("line"):
        line = Line.objects.filter(code=row["line"]).first()
        if line is None:
            raise RowError(f"unknown line {row['line']!r}")
        values["line"] = line
    for column in ("status", "first_serial", "last_serial"):
        if row.get(column):
            values[column] = row[column]
    return number, *_save(WorkOrder, {"number": number}, values)


def shipment_row(row: dict) -> tuple[str, str, dict]:
    """``serials``: the units to load, separated by spaces or ``|``; they must exist."""
    number, customer = _required(row, "number", "customer")
    action, changes = _save(Shipment, {"number": number}, {"customer": customer})
    if row.get("serials"):
        serials = sorted(set(row["serials"].replace("|", " ").split()))
        units = Unit.objects.filter(serial__in=serials)
        if row.get("part_number"):
            units = units.filter(product=_product(row["part_number"]))
        found = {u.serial: u for u in units}
        missing = [s for s in serials if s not in found]
        if missing:
            raise RowError(f"unknown unit(s) {', '.join(missing[:10])}")
        shipment = Shipment.objects.get(number=number)
        before = set(shipment.units.values_list("serial", flat=True))
        if before != set(serials):
            shipment.units.set(found.values())
            changes["serials"] = sorted(serials) if action == "created" else [sorted(before), sorted(serials)]
            action = "created" if action == "created" else "updated"
    return number, action, changes


def purchase_order_row(row: dict) -> tuple[str, str, dict]:
    """One row per order line: number, supplier, part_number, quantity (status optional)."""
    number, supplier, part_number, quantity = _required(row, "number", "supplier", "part_number", "quantity")
    values = {"supplier": _supplier(supplier, row.get("supplier_name", ""))}
    if row.get("status"):
        values["status"] = row["status"]
    action, changes = _save(PurchaseOrder, {"number": number}, values)
    order = PurchaseOrder.objects.get(number=number)
    line_action, line_changes = _save(
        PurchaseOrderLine,
        {"order": order, "product": _product(part_number)},
        {"quantity": _number(quantity, "quantity")},
    )
    if line_action != "unchanged":
        changes[f"line {part_number}"] = line_changes.get("quantity")
        action = action if action == "created" else "updated"
    return f"{number}/{part_number}", action, changes


KINDS = {
    "products": product_row,
    "work_orders": work_order_row,
    "shipments": shipment_row,
    "purchase_orders": purchase_order_row,
}


def import_rows(
    kind: str, rows: list[tuple[int, dict]], *, dry_run=False, all_or_nothing=False, actor=None, source=""
) -> Report:
    """An applied import is one audit record: who, what kind, from where, and each row's key
    and action (unchanged rows left out)."""
    if kind not in KINDS:
        raise ImportRefused(f"unknown kind {kind!r}: one of {', '.join(KINDS)}")
    handler, report = KINDS[kind], Report(kind, dry_run, all_or_nothing)
    with transaction.atomic():
        for line, row in rows:
            try:
                if row.get("__extra__"):
                    raise RowError(f"{len(row['__extra__'])} more value(s) than the header has columns")
                with transaction.atomic():
                    key, action, changes = handler(row)
            except RowError as exc:
                key = str(row.get("number") or row.get("part_number") or "")
                report.rows.append(RowResult(line, key, "error", error=str(exc)))
                continue
            report.rows.append(RowResult(line, key, action, changes))
        failed = report.counts["error"] and all_or_nothing
        report.applied = not dry_run and not failed
        if not report.applied:
            transaction.set_rollback(True)
        elif any(row.action in ("created", "updated") for row in report.rows):
            changed = [f"{r.key}: {r.action}" for r in report.rows if r.action in ("created", "updated")]
            details = {"tracelens:kind": kind, "tracelens:source": source, "tracelens:counts": report.counts}
            append_record(EventCode.ERP_IMPORT, {**details, "tracelens:rows": changed[:1000]}, actor=actor)
    return report
