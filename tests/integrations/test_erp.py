"""ERP import and export: idempotent imports (the same file twice gives the same database), a
dry run that keeps nothing, malformed rows reported by line with the rest kept or nothing kept as
the user chooses, and exports whose CSV and XLSX carry the same rows."""

import csv
import io

import pytest
from django.core.management import call_command
from django.core.serializers import serialize
from openpyxl import load_workbook
from rest_framework.test import APIClient

from accounts.choices import Role
from integrations.erp import import_rows, read_csv
from tests.factories import LineFactory, LotFactory, UnitFactory
from traceability.choices import EventCode
from traceability.models import Product, PurchaseOrder, Shipment, Supplier, TraceEvent, WorkOrder

PRODUCTS = b"""\xef\xbb\xbfPart_Number;Name;GTIN;Supplier;Supplier_Name;Warranty_Days
TL-100;Controller board;09501101020917;ACME;Acme Parts;730
TL-200;Power supply;;ACME;;365
"""

ORDERS = b"""number,supplier,part_number,quantity
PO-1,ACME,TL-100,500
PO-1,ACME,TL-200,40.5
PO-2,BOLT,TL-200,10
"""


@pytest.fixture
def supervisor(make_user):
    client = APIClient()
    client.force_authenticate(make_user(Role.SUPERVISOR))
    return client


def post_csv(client, kind, data: bytes, **options):
    upload = io.BytesIO(data)
    upload.name = f"{kind}.csv"
    return client.post(f"/api/imports/{kind}/", {"file": upload, **options}, format="multipart")


def snapshot() -> str:
    models = [Product, Supplier, WorkOrder, PurchaseOrder, Shipment]
    return "".join(serialize("json", m.objects.order_by("pk")) for m in models) + serialize(
        "json", PurchaseOrder.lines.rel.related_model.objects.order_by("pk")
    )


@pytest.mark.django_db
def test_the_same_import_twice_gives_the_same_database(supervisor):
    first = post_csv(supervisor, "products", PRODUCTS)
    assert first.status_code == 200, first.json()
    assert first.json()["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "error": 0}
    orders = post_csv(supervisor, "purchase_orders", ORDERS)
    assert (
        orders.json()["counts"]["created"] == 2 and orders.json()["counts"]["updated"] == 1
    )  # PO-1's 2nd line
    before = snapshot()
    again = [post_csv(supervisor, "products", PRODUCTS), post_csv(supervisor, "purchase_orders", ORDERS)]
    assert [r.json()["counts"]["unchanged"] for r in again] == [2, 3]
    assert snapshot() == before
    board = Product.objects.get(part_number="TL-100")
    assert (board.gtin, board.supplier.name, board.warranty_days) == ("09501101020917", "Acme Parts", 730)
    assert [
        (line.product.part_number, str(line.quantity))
        for line in PurchaseOrder.objects.get(number="PO-1").lines.order_by("pk")
    ] == [  # noqa: E501
        ("TL-100", "500.000"),
        ("TL-200", "40.500"),
    ]
    records = TraceEvent.objects.filter(code=EventCode.ERP_IMPORT)
    assert records.count() == 2  # the imports that changed something, each one audit record
    assert records.first().epcis["tracelens:source"].startswith("products.csv (sha256 ")


@pytest.mark.django_db
def test_a_dry_run_reports_changes_and_keeps_nothing(supervisor):
    post_csv(supervisor, "products", PRODUCTS)
    before = snapshot()
    changed = (
        PRODUCTS.replace(b"Power supply;;ACME;;365", b"Power supply 2;;ACME;;400") + b"TL-300;Cable;;;;\n"
    )
    report = post_csv(supervisor, "products", changed, dry_run="true").json()
    assert report["dry_run"] and not report["applied"]
    assert report["counts"] == {"created": 1, "updated": 1, "unchanged": 1, "error": 0}
    updated = next(r for r in report["rows"] if r["action"] == "updated")
    assert updated["line"] == 3 and updated["changes"] == {
        "name": ["Power supply", "Power supply 2"],
        "warranty_days": [365, 400],
    }
    assert snapshot() == before and not Product.objects.filter(part_number="TL-300").exists()


BAD_ORDERS = b"""number,part_number,quantity,line
WO-1,TL-100,50,L1
WO-2,TL-999,5,
WO-3,TL-100,-4,
WO-4,TL-100,12,L1,extra
,TL-100,1,
WO-5,TL-100,7,NOPE
WO-6,TL-100,8,
"""


@pytest.mark.django_db
def test_malformed_rows_are_reported_by_line_and_the_rest_kept_or_nothing(supervisor):
    post_csv(supervisor, "products", PRODUCTS)
    LineFactory(code="L1")
    strict = post_csv(supervisor, "work_orders", BAD_ORDERS, all_or_nothing="true")
    assert strict.status_code == 400 and not strict.json()["applied"]
    assert not WorkOrder.objects.exists()
    errors = {r["line"]: r["error"] for r in strict.json()["rows"] if r["action"] == "error"}
    assert errors == {
        3: "unknown product 'TL-999': import it first",
        4: "quantity '-4' must be a whole number of at least 0",
        5: "1 more value(s) than the header has columns",
        6: "missing number",
        7: "unknown line 'NOPE'",
    }
    lenient = post_csv(supervisor, "work_orders", BAD_ORDERS)
    assert lenient.status_code == 200 and lenient.json()["applied"]
    assert sorted(WorkOrder.objects.values_list("number", flat=True)) == ["WO-1", "WO-6"]
    assert WorkOrder.objects.get(number="WO-1").line.code == "L1"


@pytest.mark.django_db
def test_unreadable_files_are_refused_whole(supervisor):
    for data, phrase in [(b"", "empty"), (b"part_number,name\n\xff\xfe,x\n", "not UTF-8")]:
        response = post_csv(supervisor, "products", data)
        assert response.status_code == 400 and phrase in str(response.json())
    assert supervisor.post("/api/imports/customers/", {"rows": []}, format="json").status_code == 404
    assert not Product.objects.exists()


@pytest.mark.django_db
def test_shipments_and_json_rows(supervisor):
    unit = UnitFactory(serial="SN0001")
    UnitFactory(serial="SN0002", product=unit.product)
    rows = [{"number": "SH-1", "customer": "Client", "serials": "SN0001 | SN0002"}]
    assert (
        supervisor.post("/api/imports/shipments/", {"rows": rows}, format="json").json()["counts"]["created"]
        == 1
    )
    assert sorted(Shipment.objects.get().units.values_list("serial", flat=True)) == ["SN0001", "SN0002"]
    rows[0]["serials"] = "SN0001 SN0404"
    bad = supervisor.post("/api/imports/shipments/", {"rows": rows}, format="json").json()
    assert bad["rows"][0]["error"] == "unknown unit(s) SN0404"
    assert Shipment.objects.get().units.count() == 2  # the bad row changed nothing


@pytest.mark.django_db
def test_an_operator_may_not_import(make_user):
    client = APIClient()
    client.force_authenticate(make_user(Role.OPERATOR))
    assert post_csv(client, "products", PRODUCTS).status_code == 403


@pytest.mark.django_db
def test_the_command_imports_and_fails_on_bad_rows(tmp_path, capsys):
    path = tmp_path / "products.csv"
    path.write_bytes(PRODUCTS + b"TL-300;;;;;\n")
    with pytest.raises(SystemExit) as exited:
        call_command("erp_import", "products", str(path))
    assert exited.value.code == 1
    out = capsys.readouterr().out
    assert "line 4 TL-300: error missing name" in out and "'created': 2" in out
    assert Product.objects.count() == 2


@pytest.mark.django_db
def test_exports_carry_the_same_rows_as_csv_and_xlsx(supervisor, make_user):
    lot = LotFactory(code="L-7", quantity=12)
    UnitFactory(serial="SN0009", product=lot.product, lot=lot)
    auditor = APIClient()
    auditor.force_authenticate(make_user(Role.AUDITOR))
    for kind in ("lots", "units", "inspections", "genealogy"):
        response = auditor.get(f"/api/exports/{kind}.csv")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        assert f'filename="tracelens-{kind}.csv"' in response["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        book = auditor.get(f"/api/exports/{kind}.xlsx")
        assert book.status_code == 200
        sheet = load_workbook(io.BytesIO(b"".join(book.streaming_content)), read_only=True)[kind]
        cells = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        assert len(cells) == len(rows) and cells[0] == rows[0]
        if kind == "units":
            assert rows[1][:3] == [lot.product.part_number, "SN0009", "L-7"]
            assert cells[1][:3] == rows[1][:3]
    assert auditor.get("/api/exports/lots.pdf").status_code == 404
    operator = APIClient()
    operator.force_authenticate(make_user(Role.OPERATOR))
    assert operator.get("/api/exports/lots.csv").status_code == 403


def test_read_csv_sniffs_the_delimiter_and_skips_blank_rows():
    rows = read_csv(b"a\tb\n1\t2\n\n\t\n3\t4\n")
    assert rows == [(2, {"a": "1", "b": "2"}), (5, {"a": "3", "b": "4"})]


@pytest.mark.django_db
def test_import_rows_refuses_an_unknown_kind():
    from integrations.erp import ImportRefused

    with pytest.raises(ImportRefused):
        import_rows("customers", [])
