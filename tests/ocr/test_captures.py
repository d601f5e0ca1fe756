"""Capture services, the reading job, and the captures API."""

import io

import pytest
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.models import ApiToken
from ocr import storage
from ocr.choices import CaptureSource, JobStatus
from ocr.models import Capture, Reading, ReadingJob, StoredImage
from ocr.services import CaptureRefused, create_capture, perform_reading
from tests.factories import StationFactory

pytestmark = pytest.mark.django_db
URL = "/api/captures/"


def upload(client, data, name="label.png", **fields):
    return client.post(URL, {"image": _file(data, name), **fields}, format="multipart")


def _file(data, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_device_upload_stores_capture_and_dispatches_after_commit(
    device_client, station, label_png, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr("ocr.tasks.run_reading.apply_async", lambda args, queue: sent.append((args, queue)))
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(device_client, label_png, station=station.code, metadata='{"trigger": "T-17"}')
    assert response.status_code == 201, response.content
    body = response.json()
    capture = Capture.objects.get(pk=body["id"])
    assert capture.source == CaptureSource.API and capture.station == station
    assert capture.metadata == {"trigger": "T-17"}
    assert body["job"]["status"] == "pending" and body["reading"] is None
    assert sent == [([capture.job.pk], "ocr")]
    assert ReadingJob.objects.get(pk=capture.job.pk).dispatched_at is not None


def test_reading_job_stores_text_codes_and_links_the_unit(device, station, unit, label_png):
    capture, created = create_capture(actor=device, data=label_png, source=CaptureSource.API, station=station)
    assert created
    assert perform_reading(job_id=capture.job.pk) == JobStatus.DONE
    capture.refresh_from_db()
    reading = Reading.objects.get(capture=capture)
    assert any(unit.serial in line["text"] for line in reading.lines)
    assert [el["value"] for el in reading.codes[0]["gs1"]] == ["09501101020917", unit.lot.code, unit.serial]
    assert reading.engine == "rapidocr" and reading.engine_version
    assert capture.unit == unit and capture.lot == unit.lot
    job = ReadingJob.objects.get(capture=capture)
    assert job.status == JobStatus.DONE and job.attempts == 1 and job.finished_at


def test_a_second_delivery_of_the_same_job_does_nothing(device, station, label_png):
    capture, _ = create_capture(actor=device, data=label_png, source=CaptureSource.API, station=station)
    assert perform_reading(job_id=capture.job.pk) == JobStatus.DONE
    assert perform_reading(job_id=capture.job.pk) == "skipped"
    assert Reading.objects.filter(capture=capture).count() == 1
    assert ReadingJob.objects.get(pk=capture.job.pk).attempts == 1


def test_unreadable_image_fails_with_a_reason_and_no_retry(device, station):
    data = io.BytesIO()
    Image.effect_noise((300, 300), 50).convert("RGB").save(data, format="JPEG")
    truncated = data.getvalue()[:700]
    capture, _ = create_capture(actor=device, data=truncated, source=CaptureSource.API, station=station)
    assert perform_reading(job_id=capture.job.pk) == JobStatus.FAILED
    job = ReadingJob.objects.get(pk=capture.job.pk)
    assert job.error_code == "corrupt" and "corrupt" in job.error
    assert not Reading.objects.filter(capture=capture).exists()


def test_same_photo_twice_is_one_stored_image(device, station, label_png):
    first, _ = create_capture(actor=device, data=label_png, source=CaptureSource.API, station=station)
    second, _ = create_capture(actor=device, data=label_png, source=CaptureSource.API, station=station)
    assert first.pk != second.pk and first.image_id == second.image_id
    assert StoredImage.objects.count() == 1
    assert storage.absolute_path(first.image.path).read_bytes() == label_png
    assert first.image.path == storage.relative_path(storage.sha256_of(label_png), "image/png")


def test_idempotency_key_makes_one_capture(device_client, station, label_png):
    first = upload(device_client, label_png, station=station.code, idempotency_key="k-1")
    again = upload(device_client, label_png, station=station.code, idempotency_key="k-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Capture.objects.count() == 1 and ReadingJob.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"", 400, "empty"),
        (b"this is a text file, not a photo", 400, "not_an_image"),
    ],
)
def test_bad_uploads_get_a_clear_4xx_and_write_nothing(device_client, station, data, status, code):
    response = upload(device_client, data, name="photo.jpg", station=station.code)
    assert response.status_code == status
    assert response.json()["code"] == code and response.json()["detail"]
    assert not Capture.objects.exists() and not StoredImage.objects.exists()


def test_oversize_upload_is_refused(device_client, station, settings, label_png):
    settings.MAX_UPLOAD_BYTES = 1000
    response = upload(device_client, label_png, station=station.code)
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    assert not Capture.objects.exists()


def test_decompression_bomb_is_refused_before_decoding(device_client, station, settings):
    settings.MAX_IMAGE_PIXELS = 1_000_000
    data = io.BytesIO()
    Image.new("1", (4000, 4000)).save(data, format="PNG")
    response = upload(device_client, data.getvalue(), station=station.code)
    assert response.status_code == 413 and response.json()["code"] == "too_many_pixels"
    assert not Capture.objects.exists()


def test_missing_and_wrong_tokens_are_refused(station, label_png):
    anonymous = APIClient()
    assert upload(anonymous, label_png).status_code == 401
    forged = APIClient()
    forged.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = upload(forged, label_png)
    assert response.status_code == 401 and "Invalid" in response.json()["detail"]
    assert not Capture.objects.exists()


def test_revoked_token_is_refused(device, label_png, station):
    token, key = ApiToken.issue(user=device, name="old")
    token.revoked_at = token.created_at
    token.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert upload(client, label_png, station=station.code).status_code == 401


def test_token_is_stored_hashed(device):
    token, key = ApiToken.issue(user=device, name="cam")
    assert key not in (token.key_hash, token.prefix) and len(token.key_hash) == 64
    assert token.prefix == key[:8]


def test_device_may_not_post_for_another_station(device_client, label_png):
    other = StationFactory()
    response = upload(device_client, label_png, station=other.code)
    assert response.status_code == 403 and response.json()["code"] == "station_forbidden"
    assert not Capture.objects.exists()


def test_device_must_name_a_station(device, label_png):
    with pytest.raises(CaptureRefused) as raised:
        create_capture(actor=device, data=label_png, source=CaptureSource.API)
    assert raised.value.code == "station_required"


def test_unknown_station_is_a_field_error(device_client, label_png):
    response = upload(device_client, label_png, station="nowhere")
    assert response.status_code == 400 and "station" in response.json()


def test_auditor_reads_but_cannot_upload(make_user, device, station, label_png):
    create_capture(actor=device, data=label_png, source=CaptureSource.API, station=station)
    client = APIClient()
    client.force_authenticate(make_user(Role.AUDITOR))
    assert client.get(URL).json()["count"] == 1
    assert upload(client, label_png).status_code == 403


def test_operators_see_only_their_own_captures(make_user, label_png, django_assert_max_num_queries):
    alice, bob = make_user(Role.OPERATOR), make_user(Role.OPERATOR)
    for _ in range(3):
        create_capture(actor=alice, data=label_png, source=CaptureSource.BROWSER)
    mine, _ = create_capture(actor=bob, data=label_png, source=CaptureSource.BROWSER)
    client = APIClient()
    client.force_authenticate(bob)
    with django_assert_max_num_queries(
        5
    ):  # count, page, and one prefetch each: corrections, defects, meter readings
        listing = client.get(URL).json()
    assert [c["id"] for c in listing["results"]] == [mine.pk]
    other = Capture.objects.filter(uploaded_by=alice).first()
    assert client.get(reverse("capture-detail", args=[other.pk])).status_code == 404


def test_an_engine_without_its_weights_fails_the_job_with_the_reason(
    device, station, label_png, settings, tmp_path
):
    settings.OCR_ENGINE, settings.MODELS_DIR = "easyocr", tmp_path
    capture, _ = create_capture(actor=device, data=label_png, source=CaptureSource.API, station=station)
    assert capture.job.queue == "gpu"
    assert perform_reading(job_id=capture.job.pk) == JobStatus.FAILED
    capture.job.refresh_from_db()
    assert capture.job.error_code == "engine_unavailable" and "english_g2.pth" in capture.job.error


def test_reading_stores_fields_checks_quality_and_flags_review(device, station, unit, label_png):
    capture, _ = create_capture(actor=device, data=label_png, source=CaptureSource.API, station=station)
    perform_reading(job_id=capture.job.pk)
    capture.refresh_from_db()
    reading = capture.reading
    assert reading.quality is not None and "sharpness" in reading.quality
    assert reading.fields and reading.checks and reading.config["engine"] == "rapidocr"
    assert capture.needs_review == bool(capture.review_reasons)
