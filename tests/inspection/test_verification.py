"""Label verification against the database, and the shipment gate it feeds."""

import pytest
from rest_framework.test import APIClient

from accounts.choices import Role
from inspection.models import ComplianceRule, LabelVerification
from inspection.services import VerificationRefused, verify_capture
from ocr.choices import CaptureSource
from ocr.labels import label_bytes
from ocr.services import create_capture, perform_reading
from traceability.choices import EventCode
from traceability.models import TraceEvent

pytestmark = pytest.mark.django_db
GTIN = "09501101020917"
PASSWORD = "correct-horse-battery"  # the factories' password


def label(unit, lot_code=None, marks=("CE 0123",)):
    lot_code = lot_code or unit.lot.code
    return label_bytes(
        [f"LOT {lot_code}", f"S/N {unit.serial}", *marks],
        code=f"(01){GTIN}(10){lot_code}(21){unit.serial}",
        gs1=True,
    )


@pytest.fixture
def product(unit):
    product = unit.product
    product.gtin, product.verify_before_ship = GTIN, True
    product.save()
    ComplianceRule.objects.create(product=product, name="CE with notified body", pattern=r"\bCE\s*\d{4}\b")
    return product


def read(user, data, station=None, metadata=None):
    capture, _ = create_capture(
        actor=user, data=data, source=CaptureSource.BROWSER, station=station, metadata=metadata or {}
    )
    perform_reading(job_id=capture.job.pk)
    capture.refresh_from_db()
    return capture


def test_a_right_label_passes_and_the_unit_may_ship(make_user, unit, product):
    operator = make_user(Role.OPERATOR)
    record = verify_capture(capture=read(operator, label(unit)), actor=operator, unit=unit)
    assert record.ok and record.reasons == []
    assert record.expected["values"] == {"gtin": GTIN, "lot": unit.lot.code, "serial": unit.serial}
    assert record.expected["sources"]["lot"] == f"lot {unit.lot.code}"
    assert record.image_sha256 == record.capture.image.sha256
    event = TraceEvent.objects.get(unit=unit, code=EventCode.VERIFY)
    assert event.epcis["disposition"].endswith("conformant") and not event.epcis["disposition"].endswith(
        "non_conformant"
    )
    client = APIClient()
    client.force_authenticate(make_user(Role.SUPERVISOR))
    assert client.post(f"/api/units/{unit.pk}/ship/", {"customer": "ACME"}, format="json").status_code == 200


def test_a_wrong_lot_fails_and_the_gate_needs_a_signed_override(make_user, unit, product):
    operator, supervisor = make_user(Role.OPERATOR), make_user(Role.SUPERVISOR)
    record = verify_capture(
        capture=read(operator, label(unit, lot_code="L2026-9999")), actor=operator, unit=unit
    )
    lot = next(f for f in record.fields if f["field"] == "lot")
    assert not record.ok and lot["reason"] == "mismatch" and "L2026-9999" in lot["detail"]
    client = APIClient()
    client.force_authenticate(supervisor)
    url = f"/api/units/{unit.pk}/ship/"
    refused = client.post(url, {"customer": "ACME"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "label_not_verified"
    wrong = client.post(
        url, {"customer": "ACME", "override": {"password": "nope", "reason": "x"}}, format="json"
    )
    assert wrong.status_code == 403 and wrong.json()["code"] == "bad_password"
    assert not TraceEvent.objects.filter(unit=unit, code=EventCode.SHIP).exists()
    client.force_authenticate(operator)
    operator_try = client.post(
        url, {"customer": "ACME", "override": {"password": PASSWORD, "reason": "ok"}}, format="json"
    )
    assert operator_try.status_code == 403  # shipping is for managers, signing too
    client.force_authenticate(supervisor)
    signed = client.post(
        url,
        {
            "customer": "ACME",
            "override": {"password": PASSWORD, "reason": "label reprinted, checked by hand"},
        },
        format="json",
    )
    assert signed.status_code == 200 and signed.json()["status"] == "shipped"
    signature = TraceEvent.objects.get(unit=unit, code=EventCode.SHIP).epcis["tracelens:override"]
    assert signature["signer"] == supervisor.username and signature["meaning"] == "overridden"
    assert signature["reason"] == "label reprinted, checked by hand" and len(signature["record_sha256"]) == 64


def test_a_missing_mark_fails_with_its_name(make_user, unit, product):
    operator = make_user(Role.OPERATOR)
    record = verify_capture(capture=read(operator, label(unit, marks=())), actor=operator, unit=unit)
    assert not record.ok and record.reasons == ["mark missing: CE with notified body"]


def test_a_capture_sent_for_verification_is_verified_when_read(make_user, unit, product, station):
    operator = make_user(Role.OPERATOR)
    capture = read(operator, label(unit), station=station, metadata={"verify": True, "unit": unit.serial})
    record = LabelVerification.objects.get(capture=capture)
    assert record.ok and record.station == station and record.actor == operator


def test_an_unknown_context_is_refused_and_the_reading_goes_to_review(make_user, unit, product):
    operator = make_user(Role.OPERATOR)
    capture = read(operator, label(unit), metadata={"verify": True, "work_order": "WO-NOPE"})
    assert capture.job.status == "done" and capture.needs_review
    assert any("No work order 'WO-NOPE'" in reason for reason in capture.review_reasons)
    with pytest.raises(VerificationRefused) as refused:
        verify_capture(capture=capture, actor=operator, work_order="WO-NOPE")
    assert refused.value.code == "unknown_work_order"
    assert not LabelVerification.objects.exists()


def test_api_verifies_lists_and_refuses_auditors(make_user, unit, product):
    operator, auditor = make_user(Role.OPERATOR), make_user(Role.AUDITOR)
    capture = read(operator, label(unit))
    client = APIClient()
    client.force_authenticate(auditor)
    assert (
        client.post(
            "/api/verifications/", {"capture": capture.pk, "unit": unit.serial}, format="json"
        ).status_code
        == 403
    )
    client.force_authenticate(operator)
    made = client.post(
        "/api/verifications/", {"capture": capture.pk, "expected": {"lot": "OTHER-LOT"}}, format="json"
    )
    assert made.status_code == 201 and made.json()["ok"] is False
    assert made.json()["expected"]["sources"]["lot"] == "sent with the capture"
    client.force_authenticate(auditor)
    listed = client.get("/api/verifications/?ok=0").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [row["id"] for row in rows] == [made.json()["id"]]
    assert client.get("/api/verifications/?ok=1").json() in (
        [],
        {"count": 0, "next": None, "previous": None, "results": []},
    )


def test_a_work_order_expects_the_next_serial_of_its_range(make_user, unit, product):
    from traceability.models import WorkOrder

    operator = make_user(Role.OPERATOR)
    order = WorkOrder.objects.create(
        number="WO-9", product=product, quantity=3, first_serial="SN424241", last_serial="SN424243"
    )
    unit.lot.work_order = order
    unit.lot.save()
    assert list(order.serials()) == ["SN424241", "SN424242", "SN424243"]
    capture = read(operator, label(unit))  # prints SN424242, but SN424241 is due
    early = verify_capture(capture=capture, actor=operator, work_order=order)
    serial = next(f for f in early.fields if f["field"] == "serial")
    assert not early.ok and serial["expected"] == "SN424241" and serial["reason"] == "mismatch"
    assert early.expected["sources"]["serial"] == "next serial of WO-9"
    LabelVerification.objects.filter(pk=early.pk).update(ok=True, expected={"values": {"serial": "SN424241"}})
    due = verify_capture(capture=capture, actor=operator, work_order=order)  # SN424241 done: SN424242 due
    assert due.ok, due.reasons


def test_a_label_at_loading_must_show_a_unit_of_the_shipment(make_user, unit, product):
    from tests.factories import UnitFactory
    from traceability.models import Shipment

    operator = make_user(Role.OPERATOR)
    shipment = Shipment.objects.create(number="SH-1", customer="ACME")
    capture = read(operator, label(unit))
    shipment.units.add(UnitFactory(product=product))
    away = verify_capture(capture=capture, actor=operator, shipment="SH-1")
    assert not away.ok and "serial SN424242 is not on shipment SH-1" in " ".join(away.reasons)
    shipment.units.add(unit)
    assert verify_capture(capture=capture, actor=operator, shipment=shipment).ok
