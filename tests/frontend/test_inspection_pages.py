"""The inspection pages: a record filled in on a tablet (answers, a photo taken on the spot),
and a paper form's draft confirmed with a correction; roles that may not, may not."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.choices import Role
from inspection.models import InspectionDraft, InspectionPlan, InspectionRecord

pytestmark = pytest.mark.django_db

ITEMS = [
    {"key": "torque", "label": "Torque", "kind": "measure", "low": 4.5, "high": 5.5, "unit": "N·m"},
    {"key": "visual", "label": "No scratches", "kind": "check"},
    {"key": "top", "label": "Top view", "kind": "photo"},
]


@pytest.fixture
def plan(unit):
    return InspectionPlan.objects.create(product=unit.product, name="Final QC", scope="lot", items=ITEMS)


def page_as(make_user, role):
    client = Client()
    client.force_login(make_user(role))
    return client


def test_a_record_is_filled_in_and_judged(make_user, unit, plan, label_png):
    client = page_as(make_user, Role.OPERATOR)
    assert client.get(f"/inspect/?plan={plan.pk}").url == f"/inspect/{plan.pk}/"
    shown = client.get(f"/inspect/{plan.pk}/").content.decode()
    assert "Torque" in shown and "from 4.5" in shown and 'capture="environment"' in shown
    photo = SimpleUploadedFile("top.png", label_png, content_type="image/png")
    answer = client.post(
        f"/inspect/{plan.pk}/", {"subject": unit.lot.code, "torque": "5,8", "visual": "yes", "top": photo}
    )
    assert answer.status_code == 200
    record = InspectionRecord.objects.get()
    assert not record.passed and record.values["torque"] == "5.8"
    assert [r["reason"] for r in record.results] == ["above 5.5 N·m", "", ""]
    assert record.photos.count() == 1
    assert "Fail" in answer.content.decode() and "Torque: above 5.5 N·m" in answer.content.decode()
    unknown = client.post(f"/inspect/{plan.pk}/", {"subject": "NO-SUCH-LOT", "visual": "yes"})
    assert "No lot &#x27;NO-SUCH-LOT&#x27;" in unknown.content.decode()
    assert page_as(make_user, Role.AUDITOR).get("/inspect/").status_code == 403


def test_a_paper_forms_values_are_confirmed_with_a_correction(make_user, unit, label_png):
    from ocr.choices import CaptureSource
    from ocr.services import create_capture, perform_reading

    operator = make_user(Role.OPERATOR)
    capture, _ = create_capture(actor=operator, data=label_png, source=CaptureSource.BROWSER)
    perform_reading(job_id=capture.job.pk)
    capture.refresh_from_db()
    capture.needs_review, capture.review_reasons = True, ["inspection form: confirm the values read"]
    capture.save()
    plan = InspectionPlan.objects.create(product=unit.product, name="Form QC", scope="lot", items=ITEMS[:2])
    draft = InspectionDraft.objects.create(
        plan=plan,
        capture=capture,
        lot=unit.lot,
        proposed=[
            {"key": "torque", "value": 5.1, "confidence": 0.95, "source": "text", "box": None},
            {"key": "visual", "value": None, "confidence": 0.0, "source": "not_found", "box": None},
        ],
    )
    client = page_as(make_user, Role.SUPERVISOR)
    shown = client.get(f"/inspect/forms/{draft.pk}/").content.decode()
    assert 'value="5.1"' in shown and "not found on the form" in shown
    queue = client.get("/review/").content.decode()
    assert f"/inspect/forms/{draft.pk}/" in queue
    done = client.post(
        f"/inspect/forms/{draft.pk}/", {"subject": unit.lot.code, "torque": "5.1", "visual": "yes"}
    )
    assert done.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "confirmed" and draft.record.passed is True
    assert list(draft.record.photos.all()) == [capture]
    assert page_as(make_user, Role.OPERATOR).get(f"/inspect/forms/{draft.pk}/").status_code == 403
