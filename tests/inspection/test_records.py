"""Inspection plans and records: values judged item by item, a trace event per record, a failed
unit on hold, and lot release blocked while a required inspection is missing or failed."""

import pytest
from rest_framework.test import APIClient

from accounts.choices import Role
from inspection.models import InspectionPlan
from inspection.services import InspectionRefused, record_inspection
from tests.factories import SIGNED, UnitFactory
from traceability.choices import EventCode, LotStatus, UnitStatus
from traceability.events import EventError as TraceError
from traceability.models import TraceEvent
from traceability.services import set_lot_status

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"  # the factories' password

ITEMS = [
    {"key": "torque", "label": "Torque", "kind": "measure", "low": 4.5, "high": 5.5, "unit": "N·m"},
    {"key": "visual", "label": "No scratches", "kind": "check"},
]


@pytest.fixture
def lot_plan(unit):
    return InspectionPlan.objects.create(product=unit.product, name="Final QC", scope="lot", items=ITEMS)


def test_values_are_judged_item_by_item(make_user, unit, lot_plan):
    inspector = make_user(Role.OPERATOR)
    record = record_inspection(
        plan=lot_plan, actor=inspector, lot=unit.lot, values={"torque": 5.7, "visual": True}
    )
    assert not record.passed
    assert [(r["key"], r["passed"], r["reason"]) for r in record.results] == [
        ("torque", False, "above 5.5 N·m"),
        ("visual", True, ""),
    ]
    event = TraceEvent.objects.get(lot=unit.lot, code=EventCode.INSPECT)
    assert event.epcis["disposition"].endswith("non_conformant")
    assert "Torque: above 5.5 N·m" in event.epcis["tracelens:notes"]
    missing = record_inspection(plan=lot_plan, actor=inspector, lot=unit.lot, values={"torque": 5})
    assert [r["reason"] for r in missing.results] == ["", "missing"]


def test_a_lot_is_released_only_after_its_required_inspection_passed(make_user, unit, lot_plan):
    supervisor = make_user(Role.SUPERVISOR)
    lot = unit.lot
    set_lot_status(lot=lot, status=LotStatus.QUARANTINED, reason="incoming", actor=supervisor)
    with pytest.raises(TraceError, match="Final QC has not been done"):
        set_lot_status(lot=lot, status=LotStatus.RELEASED, reason="ok", actor=supervisor, signature=SIGNED)
    record_inspection(plan=lot_plan, actor=supervisor, lot=lot, values={"torque": 6, "visual": True})
    with pytest.raises(TraceError, match=r"Final QC failed \(record \d+\)"):
        set_lot_status(lot=lot, status=LotStatus.RELEASED, reason="ok", actor=supervisor, signature=SIGNED)
    record_inspection(plan=lot_plan, actor=supervisor, lot=lot, values={"torque": 5, "visual": True})
    set_lot_status(lot=lot, status=LotStatus.RELEASED, reason="inspected", actor=supervisor, signature=SIGNED)
    lot.refresh_from_db()
    assert lot.status == LotStatus.RELEASED


def test_unit_plans_gate_on_their_sample(make_user, unit):
    supervisor = make_user(Role.SUPERVISOR)
    plan = InspectionPlan.objects.create(
        product=unit.product,
        name="Leak test",
        scope="unit",
        sample_size=2,
        items=[{"key": "leak", "label": "No leak", "kind": "check"}],
    )
    other = UnitFactory(product=unit.product, lot=unit.lot)
    set_lot_status(lot=unit.lot, status=LotStatus.QUARANTINED, reason="incoming", actor=supervisor)
    record_inspection(plan=plan, actor=supervisor, unit=unit, values={"leak": True})
    with pytest.raises(TraceError, match="Leak test done on 1 of 2 unit"):
        set_lot_status(
            lot=unit.lot, status=LotStatus.RELEASED, reason="ok", actor=supervisor, signature=SIGNED
        )
    failed = record_inspection(plan=plan, actor=supervisor, unit=other, values={"leak": False})
    other.refresh_from_db()
    assert not failed.passed and other.status == UnitStatus.ON_HOLD
    with pytest.raises(TraceError, match="Leak test failed on 1 unit"):
        set_lot_status(
            lot=unit.lot, status=LotStatus.RELEASED, reason="ok", actor=supervisor, signature=SIGNED
        )


def test_a_record_that_does_not_fit_its_plan_is_refused(make_user, unit, lot_plan):
    actor = make_user(Role.OPERATOR)
    with pytest.raises(InspectionRefused, match="inspects lots"):
        record_inspection(plan=lot_plan, actor=actor, unit=unit, values={})
    with pytest.raises(InspectionRefused, match="no item colour"):
        record_inspection(plan=lot_plan, actor=actor, lot=unit.lot, values={"colour": "red"})
    other = UnitFactory()
    with pytest.raises(InspectionRefused, match="another product"):
        record_inspection(plan=lot_plan, actor=actor, lot=other.lot, values={})


def test_the_api_records_signs_and_validates(make_user, unit, lot_plan):
    client = APIClient()
    client.force_authenticate(make_user(Role.SUPERVISOR))
    body = {
        "plan": lot_plan.pk,
        "lot": unit.lot.code,
        "values": {"torque": 5.0, "visual": True},
        "signature": {"password": PASSWORD, "meaning": "approved", "reason": "first article"},
    }
    created = client.post("/api/inspection-records/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["passed"] and created.json()["signature"]["meaning"] == "approved"
    wrong = client.post(
        "/api/inspection-records/",
        {**body, "signature": {**body["signature"], "password": "nope"}},
        format="json",
    )
    assert wrong.status_code == 403 and wrong.json()["code"] == "bad_password"
    bad_plan = client.post(
        "/api/inspection-plans/",
        {"product": unit.product.part_number, "name": "x", "items": [{"key": "t", "kind": "measure"}]},
        format="json",
    )
    assert bad_plan.status_code == 400 and "low or a high limit" in str(bad_plan.json())
    client.force_authenticate(make_user(Role.AUDITOR))
    assert client.post("/api/inspection-records/", body, format="json").status_code == 403
    listed = client.get(f"/api/inspection-records/?lot={unit.lot.code}").json()
    assert listed["count"] == 1
