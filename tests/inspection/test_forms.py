"""Paper inspection forms read into proposed values: printed labels as anchors, values to their
right, tick boxes ticked or empty; through the real reading pipeline on a form the test draws."""

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from inspection.vision.forms import read_form
from ocr.pipeline import ReadConfig, read_image

ITEMS = [
    {"key": "torque", "label": "Torque", "kind": "measure", "low": 4.5, "high": 5.5},
    {"key": "scratches", "label": "No scratches", "kind": "check"},
    {"key": "label_ok", "label": "Label present", "kind": "check"},
    {"key": "current", "label": "Idle current", "kind": "measure", "low": 40, "high": 60},
    {"key": "seal", "label": "Seal intact", "kind": "check"},
]


def form(rows) -> np.ndarray:
    """A white form: a title, then per row a printed label and, at x=520, a value, a tick box
    (``True`` ticked, ``False`` empty), or a word."""
    font = ImageFont.load_default(size=34)
    image = Image.new("RGB", (900, 120 + 80 * len(rows)), "white")
    draw = ImageDraw.Draw(image)
    draw.text((40, 30), "FINAL INSPECTION  PN TL-1000", fill=(20, 20, 20), font=font)
    for i, (label, value) in enumerate(rows):
        y = 110 + 80 * i
        draw.text((40, y), label, fill=(20, 20, 20), font=font)
        if isinstance(value, bool):
            draw.rectangle((520, y, 560, y + 40), outline=(20, 20, 20), width=3)
            if value:
                draw.line((526, y + 6, 554, y + 34), fill=(30, 30, 160), width=5)
                draw.line((554, y + 6, 526, y + 34), fill=(30, 30, 160), width=5)
        else:
            draw.text((520, y), value, fill=(30, 30, 160), font=font)
    return cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2BGR)


@pytest.fixture(scope="module")
def read():
    def run(image):
        result = read_image(image, ReadConfig())
        grey = cv2.cvtColor(cv2.resize(image, (result.width, result.height)), cv2.COLOR_BGR2GRAY)
        return {v.key: v for v in read_form(result.lines, grey, ITEMS)}

    return run


def test_values_tick_boxes_and_words_are_read(read):
    image = form(
        [
            ("Torque", "5.2 N·m"),
            ("No scratches", True),
            ("Label present", False),
            ("Idle current", "52,5 mA"),
            ("Seal intact", "OK"),
        ]
    )
    found = read(image)
    assert found["torque"].value == 5.2 and found["torque"].source == "text"
    assert found["scratches"].value is True and found["scratches"].source == "tick_box"
    assert found["label_ok"].value is False and found["label_ok"].source == "tick_box"
    assert found["current"].value == 52.5
    assert found["seal"].value is True and found["seal"].source == "text"
    assert all(v.confidence > 0.5 for v in found.values())


def test_a_missing_row_is_not_invented(read):
    found = read(form([("Torque", "5.0"), ("No scratches", True)]))
    assert found["current"].value is None and found["current"].source == "not_found"
    assert found["current"].confidence == 0.0
    assert found["seal"].value is None


@pytest.mark.django_db
def test_a_form_photo_becomes_a_draft_then_a_confirmed_record(make_user, unit):
    from rest_framework.test import APIClient

    from accounts.choices import Role
    from inspection.models import InspectionDraft, InspectionPlan
    from ocr.choices import CaptureSource
    from ocr.services import create_capture, perform_reading
    from traceability.choices import EventCode
    from traceability.models import TraceEvent

    plan = InspectionPlan.objects.create(product=unit.product, name="Final QC", scope="lot", items=ITEMS)
    image = form(
        [
            ("Torque", "5.2"),
            ("No scratches", True),
            ("Label present", False),
            ("Idle current", "52.5"),
            ("Seal intact", "OK"),
        ]
    )
    operator = make_user(Role.OPERATOR)
    capture, _ = create_capture(
        actor=operator,
        data=cv2.imencode(".png", image)[1].tobytes(),
        source=CaptureSource.BROWSER,
        metadata={"inspection_plan": plan.pk},
    )
    perform_reading(job_id=capture.job.pk)
    draft = InspectionDraft.objects.get(capture=capture)
    proposed = {p["key"]: p["value"] for p in draft.proposed}
    assert proposed == {"torque": 5.2, "scratches": True, "label_ok": False, "current": 52.5, "seal": True}
    capture.refresh_from_db()
    assert capture.needs_review and "inspection form: confirm the values read" in capture.review_reasons

    client = APIClient()
    client.force_authenticate(operator)
    assert client.post(f"/api/inspection-drafts/{draft.pk}/confirm/", {}, format="json").status_code == 403
    client.force_authenticate(make_user(Role.SUPERVISOR))
    draft.lot = unit.lot
    draft.save()
    confirmed = client.post(
        f"/api/inspection-drafts/{draft.pk}/confirm/", {"values": {"label_ok": True}}, format="json"
    )
    assert confirmed.status_code == 201, confirmed.json()
    record = confirmed.json()
    assert (
        record["passed"] is True and record["values"]["label_ok"] is True and record["photos"] == [capture.pk]
    )
    assert TraceEvent.objects.filter(lot=unit.lot, code=EventCode.INSPECT).exists()
    capture.refresh_from_db()
    assert not capture.needs_review
    again = client.post(f"/api/inspection-drafts/{draft.pk}/confirm/", {}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "already_confirmed"
