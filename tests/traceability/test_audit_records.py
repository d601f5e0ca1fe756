"""The audit trail keeps, beside the EPCIS events and in the same hash chain, what a regulated
plant must be able to show: every machine reading with its engine, model, thresholds and image
hash; every person's review with the values before and after; sign-ins, refused sign-ins and
sign-outs. These records are never served by the EPCIS interface."""

import pytest
from django.http import QueryDict
from django.test import Client

from accounts.choices import Role
from accounts.lockout import ATTEMPTS
from ocr.choices import CaptureSource
from ocr.services import create_capture, perform_reading, review_capture
from tests.factories import PASSWORD, SIGNED
from tests.ocr.test_review import flagged  # noqa: F401  (fixture)
from traceability.choices import EventCode, EventType
from traceability.epcis.query import page
from traceability.events import verify_chain
from traceability.models import TraceEvent

pytestmark = pytest.mark.django_db


def records(code):
    return list(TraceEvent.objects.filter(code=code, event_type=EventType.RECORD).order_by("id"))


def test_a_machine_reading_is_recorded_with_engine_model_thresholds_and_image_hash(
    device, station, label_png, unit
):
    capture, _ = create_capture(actor=device, data=label_png, source=CaptureSource.API, station=station)
    perform_reading(job_id=capture.job.pk)
    capture.refresh_from_db()
    [read] = records(EventCode.READ)
    details = read.epcis
    assert read.capture_id == capture.pk and read.station_id == station.pk and read.unit_id == unit.pk
    assert details["tracelens:imageSha256"] == capture.image.sha256
    assert details["tracelens:engine"] == "rapidocr" and details["tracelens:engineVersion"]
    assert "PP-OCR" in details["tracelens:model"] and details["tracelens:codeReader"].startswith("zxing-cpp")
    assert details["tracelens:thresholds"]["minConfidence"] == 0.95
    assert details["tracelens:fields"]["serial"][0] == unit.serial
    assert details["tracelens:needsReview"] is capture.needs_review
    assert verify_chain().ok


def test_a_review_records_each_field_before_and_after_and_the_signature(flagged, make_user):  # noqa: F811
    capture, _ = flagged
    reviewer = make_user(Role.SUPERVISOR, username="rita")
    review_capture(
        capture=capture,
        values={"lot": "B7777", "serial": "SN7781"},
        reviewer=reviewer,
    )
    [review] = records(EventCode.REVIEW)
    assert review.actor_name == "rita" and review.capture_id == capture.pk
    corrections = {c["field"]: (c["before"], c["after"]) for c in review.epcis["tracelens:corrections"]}
    assert corrections == {"lot": ("A1234", "B7777"), "serial": ("SN7781", "SN7781")}
    assert "tracelens:signature" not in review.epcis  # a corrected value needs no signature
    assert verify_chain().ok


def test_signed_review_keeps_the_signature_in_the_record(flagged, make_user):  # noqa: F811
    capture, _ = flagged
    review_capture(
        capture=capture,
        values={"lot": "A1234"},
        reviewer=make_user(Role.SUPERVISOR),
        signature={**SIGNED, "reason": "the code is right"},
    )
    [review] = records(EventCode.REVIEW)
    assert review.epcis["tracelens:signature"]["reason"] == "the code is right"


def test_sign_ins_refusals_locks_and_sign_outs_are_in_the_trail(make_user):
    make_user(Role.AUDITOR, username="ann")
    client = Client(HTTP_USER_AGENT="tablet 7", REMOTE_ADDR="10.0.0.7")
    assert client.post("/login/", {"username": "ann", "password": PASSWORD}).status_code == 302
    client.post("/logout/")
    client.post("/login/", {"username": "<script>x</script>", "password": "nope"})
    for _ in range(ATTEMPTS):
        client.post("/login/", {"username": "ann", "password": "wrong"})
    [login] = records(EventCode.LOGIN)
    assert login.actor_name == "ann" and login.epcis["tracelens:address"] == "10.0.0.7"
    assert login.epcis["tracelens:userAgent"] == "tablet 7"
    assert [r.actor_name for r in records(EventCode.LOGOUT)] == ["ann"]
    failed = records(EventCode.LOGIN_FAILED)
    assert len(failed) == 1 + ATTEMPTS
    assert (
        failed[0].epcis["tracelens:username"] == "<script>x</script>"
        and not failed[0].epcis["tracelens:knownAccount"]
    )
    assert failed[0].actor_id is None
    assert all(r.actor_name == "ann" for r in failed[1:])
    assert "tracelens:lockedUntil" not in failed[1].epcis and "tracelens:lockedUntil" in failed[-1].epcis
    assert verify_chain().ok


def test_the_audit_page_lists_records_and_epcis_never_serves_them(make_user, client):
    auditor = make_user(Role.AUDITOR, username="ann")
    client.post("/login/", {"username": "ann", "password": "wrong"})
    client.force_login(auditor)
    page_html = client.get("/audit/", {"type": EventCode.LOGIN_FAILED}).content.decode()
    assert "<dt>username</dt><dd><code>ann</code></dd>" in page_html
    exported = client.get("/audit/", {"type": EventCode.LOGIN_FAILED, "export": "csv"})
    assert "username: ann; knownAccount: true" in b"".join(exported.streaming_content).decode()
    rows, _ = page(QueryDict(""))
    assert rows == [] and TraceEvent.objects.filter(event_type=EventType.RECORD).count() == 2
