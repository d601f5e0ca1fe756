"""The review queue: flagged readings wait for a supervisor, who confirms or corrects each
field; corrections are kept as labelled examples, and confirmed values link the capture to the
unit. Nobody else may review, and nothing changes when they try."""

import json

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.choices import Role
from ocr.choices import CaptureSource
from ocr.labels import label_bytes
from ocr.models import Correction
from ocr.services import CaptureRefused, create_capture, perform_reading, review_capture
from tests.factories import SIGNED, ProductFactory
from traceability import services as trace

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(device, station, make_user):
    """A label whose printed lot disagrees with its code: read, then sent to review."""
    actor = make_user(Role.SUPERVISOR)
    product = ProductFactory(gtin="09501101020917")
    unit = trace.commission_unit(product=product, serial="SN7781", actor=actor)
    data = label_bytes(["LOT B7777", "S/N SN7781"], code="(01)09501101020917(10)A1234(21)SN7781", gs1=True)
    capture, _ = create_capture(actor=device, data=data, source=CaptureSource.API, station=station)
    perform_reading(job_id=capture.job.pk)
    capture.refresh_from_db()
    assert capture.needs_review and capture.unit is None  # not linked before a person confirms
    return capture, unit


def test_a_supervisor_corrects_a_field_and_the_capture_links_the_unit(flagged, make_user):
    capture, unit = flagged
    reviewer = make_user(Role.SUPERVISOR)
    review_capture(
        capture=capture,
        values={"lot": "A1234", "serial": "SN7781", "gtin": "09501101020917"},
        reviewer=reviewer,
        signature={**SIGNED, "reason": "code is right; label reprint ordered"},
    )
    capture.refresh_from_db()
    assert not capture.needs_review and capture.reviewed_by == reviewer and capture.unit == unit
    corrections = {c.field: c for c in Correction.objects.filter(capture=capture)}
    assert corrections["serial"].changed is False
    assert corrections["lot"].value == "A1234" and corrections["lot"].engine == "rapidocr"
    assert corrections["lot"].image_sha256 == capture.image.sha256
    with pytest.raises(CaptureRefused) as again:
        review_capture(capture=capture, values={"lot": "X"}, reviewer=reviewer)
    assert again.value.code == "already_reviewed"


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.AUDITOR, Role.DEVICE])
def test_other_roles_cannot_review_and_nothing_changes(flagged, make_user, role):
    capture, _ = flagged
    client = APIClient()
    client.force_authenticate(make_user(role))
    response = client.post(f"/api/captures/{capture.pk}/review/", {"fields": {"lot": "X"}}, format="json")
    assert response.status_code in (403, 404)
    capture.refresh_from_db()
    assert capture.needs_review and not Correction.objects.exists()


def test_review_over_the_api_and_the_queue_filter(flagged, make_user):
    capture, unit = flagged
    client = APIClient()
    client.force_authenticate(make_user(Role.SUPERVISOR))
    queue = client.get("/api/captures/", {"needs_review": "1"}).json()
    assert [c["id"] for c in queue["results"]] == [capture.pk]
    bad = client.post(f"/api/captures/{capture.pk}/review/", {"fields": {"colour": "red"}}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "unknown_field"
    fields = {"lot": "A1234", "serial": "SN7781"}
    unsigned = client.post(f"/api/captures/{capture.pk}/review/", {"fields": fields}, format="json")
    assert unsigned.status_code == 400 and unsigned.json()["code"] == "signature_required"
    signature = {**SIGNED, "meaning": "approved", "reason": "code checked against the traveller"}
    done = client.post(
        f"/api/captures/{capture.pk}/review/", {"fields": fields, "signature": signature}, format="json"
    )
    assert done.status_code == 200
    body = done.json()
    assert body["needs_review"] is False and body["unit"]["serial"] == "SN7781"
    assert {c["field"]: c["changed"] for c in body["corrections"]} == {"lot": False, "serial": False}
    assert client.get("/api/captures/", {"needs_review": "1"}).json()["results"] == []


def test_review_page_form_and_export_of_labelled_examples(flagged, make_user, client, tmp_path):
    capture, unit = flagged
    client.force_login(make_user(Role.SUPERVISOR))
    queue = client.get("/review/")
    assert queue.status_code == 200 and f"/review/{capture.pk}/" in queue.content.decode()
    page = client.get(f"/review/{capture.pk}/").content.decode()
    assert 'name="field-lot"' in page and "text_matches_code" in page
    posted = client.post(
        f"/review/{capture.pk}/",
        {"field-lot": "B7777", "field-serial": "SN7781", "field-gtin": "09501101020917"},
    )
    assert posted.status_code == 302
    capture.refresh_from_db()
    assert capture.unit == unit
    out = tmp_path / "examples"
    call_command("export_corrections", str(out))
    rows = [json.loads(line) for line in (out / "labels.jsonl").read_text().splitlines()]
    lot = next(r for r in rows if r["field"] == "lot")
    assert lot["text"] == "B7777" and lot["read"] == "A1234" and lot["corrected"] is True
    assert (out / lot["image"]).is_file()


def test_operators_do_not_get_the_review_pages(make_user, client):
    client.force_login(make_user(Role.OPERATOR))
    assert client.get("/review/").status_code == 403


def test_assembly_captures_install_components_into_the_parent(device, station, make_user):
    from ocr.labels import label_bytes as label
    from traceability import selectors

    actor = make_user(Role.SUPERVISOR)
    product = ProductFactory(gtin="09501101020917")
    parent = trace.commission_unit(product=product, serial="PUMP77", actor=actor)
    board = trace.commission_unit(product=product, serial="BRD991", actor=actor)

    def shoot(serial, **meta):
        data = label([f"S/N {serial}"], code=f"(01)09501101020917(21){serial}", gs1=True)
        capture, _ = create_capture(
            actor=device,
            data=data,
            source=CaptureSource.API,
            station=station,
            metadata={"context": "assembly", **meta},
        )
        perform_reading(job_id=capture.job.pk)
        capture.refresh_from_db()
        return capture

    first = shoot("PUMP77")
    assert first.unit == parent
    second = shoot("BRD991", parent_capture=first.pk)
    assert second.unit == board and not second.needs_review
    tree = selectors.unit_trace_backward(parent)
    assert [n.label for n in tree.walk()] == ["PUMP77", "BRD991"]
    again = shoot("BRD991", parent_capture=first.pk)  # the same board photographed twice
    assert again.needs_review and "already inside" in " ".join(again.review_reasons)
