"""Electronic signatures on the decisions that need one: lot release, recall open and close,
a shipment gate override and a review that keeps a value that failed a check. The signer types
their password again and states a meaning and a reason; the signature (name, role, time,
meaning, reason, hash of what was signed) is kept on the record and in its trace event, so the
audit chain covers it. A refused signature changes nothing."""

import pytest
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.signatures import record_hash
from ocr.models import Correction
from tests.factories import PASSWORD, SIGNED, LotFactory
from tests.ocr.test_review import flagged  # noqa: F401  (fixture)
from traceability import services
from traceability.choices import EventCode, LotStatus
from traceability.events import verify_chain
from traceability.models import Recall, TraceEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def signer(make_user):
    return make_user(Role.SUPERVISOR, username="q.lead")


@pytest.fixture
def api(signer):
    client = APIClient()
    client.force_authenticate(signer)
    return client


@pytest.fixture
def held_lot(signer):
    lot = LotFactory(code="K4471")
    return services.set_lot_status(lot=lot, status=LotStatus.QUARANTINED, reason="incoming", actor=signer)


def test_releasing_a_lot_needs_the_signers_password_and_keeps_the_signature(api, held_lot):
    url = f"/api/lots/{held_lot.pk}/release/"
    missing = api.post(url, {"reason": "CoA checked"}, format="json")
    assert missing.status_code == 400 and "signature" in missing.json()
    wrong = api.post(url, {"reason": "CoA checked", "signature": {"password": "guess"}}, format="json")
    assert wrong.status_code == 403 and wrong.json()["code"] == "bad_password"
    bad_meaning = {"password": PASSWORD, "meaning": "reviewed"}
    assert (
        api.post(url, {"reason": "CoA checked", "signature": bad_meaning}, format="json").status_code == 400
    )
    held_lot.refresh_from_db()
    assert held_lot.status == LotStatus.QUARANTINED
    assert not TraceEvent.objects.filter(code=EventCode.RELEASE).exists()

    done = api.post(url, {"reason": "CoA checked", "signature": SIGNED}, format="json")
    assert done.status_code == 200 and done.json()["status"] == LotStatus.RELEASED
    signature = TraceEvent.objects.get(code=EventCode.RELEASE, lot=held_lot).epcis["tracelens:signature"]
    assert (signature["signer"], signature["role"], signature["meaning"]) == (
        "q.lead",
        "supervisor",
        "released",
    )
    assert signature["reason"] == "CoA checked" and "password" not in str(signature)
    record = {"action": "release_lot", "lot": held_lot.uri, "reason": "CoA checked"}
    assert signature["record_sha256"] == record_hash(record)
    assert verify_chain().ok


def test_operators_and_auditors_cannot_sign_a_release(make_user, held_lot):
    for role in (Role.OPERATOR, Role.AUDITOR):
        client = APIClient()
        client.force_authenticate(make_user(role))
        body = {"reason": "x", "signature": SIGNED}
        assert client.post(f"/api/lots/{held_lot.pk}/release/", body, format="json").status_code == 403
    held_lot.refresh_from_db()
    assert held_lot.status == LotStatus.QUARANTINED


def test_a_recall_is_opened_and_closed_with_signatures_kept_on_it_and_in_its_events(api, signer):
    lot = LotFactory(code="K5000")
    body = {"number": "R-100", "lots": [lot.pk], "reason": "capacitor leaks"}
    assert api.post("/api/recalls/", body, format="json").status_code == 400
    wrong = api.post("/api/recalls/", {**body, "signature": {"password": "nope"}}, format="json")
    assert wrong.status_code == 403 and not Recall.objects.exists()
    opened = api.post("/api/recalls/", {**body, "signature": SIGNED}, format="json")
    assert opened.status_code == 201
    recall = Recall.objects.get(number="R-100")
    assert recall.open_signature["meaning"] == "approved" and recall.open_signature["signer"] == "q.lead"
    assert opened.json()["open_signature"]["reason"] == "capacitor leaks"
    event = TraceEvent.objects.get(code=EventCode.RECALL_OPEN, lot=lot)
    assert event.epcis["tracelens:signature"] == recall.open_signature

    url = f"/api/recalls/{recall.pk}/close/"
    assert api.post(url, {"reason": "lot scrapped"}, format="json").status_code == 400
    closed = api.post(url, {"reason": "lot scrapped", "signature": SIGNED}, format="json")
    assert closed.status_code == 200 and closed.json()["close_signature"]["reason"] == "lot scrapped"
    close_event = TraceEvent.objects.get(code=EventCode.RECALL_CLOSE)
    assert close_event.epcis["tracelens:signature"]["record_sha256"] == record_hash(
        {"action": "close_recall", "recall": "R-100", "reason": "lot scrapped"}
    )
    assert verify_chain().ok


def test_the_recall_form_on_the_lot_page_asks_for_the_signature(client, signer):
    lot = LotFactory(code="K6000")
    client.force_login(signer)
    page = client.get(f"/genealogy/lots/{lot.pk}/").content.decode()
    assert 'name="sign-password"' in page and "Electronic signature" in page
    url = f"/genealogy/lots/{lot.pk}/recall/"
    client.post(url, {"number": "R-7", "reason": "leak"})
    assert not Recall.objects.exists()
    client.post(url, {"number": "R-7", "reason": "leak", "sign-password": "wrong"})
    assert not Recall.objects.exists()
    client.post(url, {"number": "R-7", "reason": "leak", "sign-password": PASSWORD})
    assert Recall.objects.get(number="R-7").open_signature["signer"] == "q.lead"


def test_keeping_a_value_that_failed_a_check_is_a_signed_approval_on_the_review_page(flagged, client, signer):  # noqa: F811
    capture, unit = flagged
    client.force_login(signer)
    url = f"/review/{capture.pk}/"
    page = client.get(url).content.decode()
    assert 'name="sign-password"' in page and 'value="approved"' in page
    kept = {"field-lot": "A1234", "field-serial": "SN7781", "field-gtin": "09501101020917"}
    refused = client.post(url, kept)
    assert refused.status_code == 400 and "electronic signature" in refused.content.decode()
    assert client.post(url, {**kept, "sign-password": "x", "sign-reason": "ok"}).status_code == 403
    capture.refresh_from_db()
    assert capture.needs_review and not Correction.objects.exists()
    signed = {**kept, "sign-password": PASSWORD, "sign-meaning": "approved", "sign-reason": "code verified"}
    assert client.post(url, signed).status_code == 302
    capture.refresh_from_db()
    assert not capture.needs_review and capture.unit == unit
    assert capture.review_signature["meaning"] == "approved"
    assert capture.review_signature["reason"] == "code verified"
