"""Returns and warranty: the return card, cases from a photo or a typed serial, and their
settlement, each step an event."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from accounts.choices import Role
from tests.factories import LotFactory, ProductFactory, StationFactory, SupplierFactory
from traceability import services
from traceability.choices import EventCode, UnitStatus
from traceability.models import ReturnCase, TraceEvent
from traceability.returns import return_card

pytestmark = pytest.mark.django_db
SHIPPED = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def shipped(make_user):
    """Two boards from one lot with a supplier's capacitor lot inside, both shipped on 1 June."""
    admin = make_user(Role.ADMIN)
    board = ProductFactory(part_number="TL-1000", warranty_days=365)
    caps = LotFactory(code="C-77", supplier=SupplierFactory(name="ACME"), quantity=100)
    lot = LotFactory(product=board, code="L-1")
    station = StationFactory(code="test")
    units = []
    for serial in ("SN1", "SN2"):
        unit = services.commission_unit(product=board, serial=serial, lot=lot, actor=admin, station=station)
        services.record_assembly(parent=unit, lots=[(caps, 2)], actor=admin)
        services.inspect_unit(unit=unit, passed=True, actor=admin, station=station)
        services.ship_unit(unit=unit, customer="Plant B", actor=admin, event_time=SHIPPED)
        units.append(unit)
    return units


def test_the_return_card_says_what_the_unit_is_made_of_where_it_went_and_its_warranty(shipped, make_user):
    card = return_card(shipped[0], today=dt.date(2026, 11, 22))
    assert card["product"]["part_number"] == "TL-1000" and card["lot"] == "L-1"
    assert [(lot["code"], lot["supplier"]) for lot in card["supplier_lots"]] == [("C-77", "ACME")]
    assert card["stations"] == ["test"] and card["customer"] == "Plant B" and card["made_at"]
    assert card["inspections"] == [{"at": card["inspections"][0]["at"], "result": "conformant"}]
    assert card["warranty"] == {"status": "in_warranty", "until": "2027-06-01", "days_left": 191}
    assert return_card(shipped[0], today=dt.date(2027, 6, 2))["warranty"]["status"] == "expired"
    assert card["other_returns_by_lot"] == {}


def test_a_return_from_the_photo_returns_the_unit_and_counts_on_its_lots(shipped, make_user):
    operator = make_user(Role.OPERATOR)
    client = APIClient()
    client.force_authenticate(operator)
    opened = client.post("/api/returns/", {"unit": shipped[1].pk, "reason": "defective"}, format="json")
    assert opened.status_code == 201 and opened.json()["unit"] == "SN2" and opened.json()["status"] == "open"
    shipped[1].refresh_from_db()
    assert shipped[1].status == UnitStatus.RETURNED
    assert TraceEvent.objects.filter(unit=shipped[1], code=EventCode.RETURN).count() == 1
    card = client.get(f"/api/units/{shipped[0].pk}/return-card/").json()
    assert card["other_returns_by_lot"] == {"C-77": 1, "L-1": 1}  # one click from a recall


def test_an_unknown_serial_keeps_the_case_open_until_a_supervisor_names_the_unit(shipped, make_user):
    operator, supervisor = make_user(Role.OPERATOR), make_user(Role.SUPERVISOR)
    client = APIClient()
    client.force_authenticate(operator)
    opened = client.post(
        "/api/returns/", {"typed_serial": "SN-UNREADABLE", "reason": "damaged"}, format="json"
    )
    assert opened.status_code == 201 and opened.json()["unit"] is None
    case_id = opened.json()["id"]
    assert (
        client.post(f"/api/returns/{case_id}/settle/", {"disposition": "repair"}, format="json").status_code
        == 403
    )
    client.force_authenticate(supervisor)
    refused = client.post(f"/api/returns/{case_id}/settle/", {"disposition": "repair"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "unit_required"
    settled = client.post(
        f"/api/returns/{case_id}/settle/",
        {"disposition": "scrap", "unit": shipped[0].pk, "notes": "water damage"},
        format="json",
    )
    assert settled.status_code == 200 and settled.json()["status"] == "closed"
    shipped[0].refresh_from_db()
    assert shipped[0].status == UnitStatus.SCRAPPED
    event = TraceEvent.objects.get(unit=shipped[0], code=EventCode.RETURN_SETTLED)
    assert event.epcis["tracelens:rma"] == ReturnCase.objects.get(pk=case_id).number
    again = client.post(f"/api/returns/{case_id}/settle/", {"disposition": "repair"}, format="json")
    assert again.status_code == 409


def test_a_typed_serial_that_exists_finds_the_unit(shipped, make_user):
    client = APIClient()
    client.force_authenticate(make_user(Role.OPERATOR))
    opened = client.post("/api/returns/", {"typed_serial": "SN1", "reason": "wrong_item"}, format="json")
    assert opened.json()["unit"] == "SN1"


def test_more_photos_are_kept_with_the_case(shipped, make_user):
    from ocr.choices import CaptureSource
    from ocr.labels import label_bytes
    from ocr.services import create_capture

    operator = make_user(Role.OPERATOR)
    client = APIClient()
    client.force_authenticate(operator)
    case = client.post("/api/returns/", {"unit": shipped[0].pk, "reason": "damaged"}, format="json").json()
    photo, _ = create_capture(
        actor=operator, data=label_bytes(["dent on the housing"]), source=CaptureSource.BROWSER
    )
    added = client.post(f"/api/returns/{case['id']}/photos/", {"capture": photo.pk}, format="json")
    assert added.status_code == 200 and added.json()["photos"] == [photo.pk]


def test_the_lot_page_counts_returned_units_and_the_unit_page_lists_its_cases(shipped, make_user, client):
    from traceability.models import Lot

    operator = make_user(Role.OPERATOR)
    api = APIClient()
    api.force_authenticate(operator)
    api.post("/api/returns/", {"unit": shipped[0].pk, "reason": "defective"}, format="json")
    client.force_login(make_user(Role.SUPERVISOR))
    caps = Lot.objects.get(code="C-77")
    page = client.get(f"/genealogy/lots/{caps.pk}/").content.decode()
    assert "1 returned unit contains or came from this lot" in page and 'href="#recall-form"' in page
    assert "RMA-" in client.get(f"/genealogy/units/{shipped[0].pk}/").content.decode()
