"""The reading jobs' outbox: the job row commits with the capture; a dispatch the broker refused
is sent again by the relay; a job whose worker died is sent again by the reaper, and fails with
the reason after three deaths; an extra delivery never makes a second result."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.choices import Role
from ocr.choices import CaptureSource, JobStatus
from ocr.models import Reading, ReadingJob
from ocr.services import MAX_ATTEMPTS, create_capture, perform_reading, relay_jobs

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(monkeypatch):
    """The broker as Celery sees it: ``down`` refuses every message; ``sent`` keeps the rest."""

    class Broker:
        down = False
        sent: list = []

        def take(self, args, queue):
            if self.down:
                raise ConnectionError("broker unreachable")
            self.sent.append(args[0])

    broker = Broker()
    broker.sent = []
    monkeypatch.setattr("ocr.tasks.run_reading.apply_async", broker.take)
    return broker


def later(seconds):
    return timezone.now() + dt.timedelta(seconds=seconds)


def test_a_capture_accepted_while_the_broker_is_down_is_sent_when_it_is_back(
    device, station, label_png, broker, django_capture_on_commit_callbacks
):
    broker.down = True
    with django_capture_on_commit_callbacks(execute=True):
        capture, _ = create_capture(actor=device, data=label_png, source=CaptureSource.API, station=station)
    job = ReadingJob.objects.get(capture=capture)
    assert job.status == JobStatus.PENDING and job.dispatched_at is None and broker.sent == []
    assert relay_jobs(now=later(30))["sent"] == 1 and broker.sent == []  # still down: kept
    broker.down = False
    assert relay_jobs(now=timezone.now())["sent"] == 0  # a fresh job is left to its own dispatch
    assert relay_jobs(now=later(30)) == {"sent": 1, "reaped": 0, "failed": 0}
    assert broker.sent == [job.pk]
    job.refresh_from_db()
    assert job.dispatched_at is not None
    assert relay_jobs(now=later(60))["sent"] == 0  # taken by the broker: not sent twice


def test_a_job_whose_worker_died_is_sent_again_and_read_once(device, station, label_png, broker, settings):
    capture, _ = create_capture(actor=device, data=label_png, source=CaptureSource.API, station=station)
    job = ReadingJob.objects.get(capture=capture)
    ReadingJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), attempts=1
    )
    assert relay_jobs(now=later(settings.JOB_TIME_LIMIT - 5))["reaped"] == 0  # still within its time
    counts = relay_jobs(now=later(settings.JOB_TIME_LIMIT + 5))
    assert counts == {"sent": 1, "reaped": 1, "failed": 0} and broker.sent[-1] == job.pk
    assert perform_reading(job_id=job.pk) == JobStatus.DONE
    assert perform_reading(job_id=job.pk) == "skipped"  # a second delivery: nothing more
    assert Reading.objects.filter(capture=capture).count() == 1


def test_the_dead_worker_and_its_replacement_both_finish_one_result(device, station, label_png, broker):
    capture, _ = create_capture(actor=device, data=label_png, source=CaptureSource.API, station=station)
    job = ReadingJob.objects.get(capture=capture)
    perform_reading(job_id=job.pk)
    ReadingJob.objects.filter(pk=job.pk).update(status=JobStatus.PENDING)  # reaped while it finished
    assert (
        perform_reading(job_id=job.pk) == JobStatus.PENDING
        or Reading.objects.filter(capture=capture).count() == 1
    )
    assert Reading.objects.filter(capture=capture).count() == 1


def test_after_three_deaths_the_job_fails_with_the_reason(device, station, label_png, broker, settings):
    capture, _ = create_capture(actor=device, data=label_png, source=CaptureSource.API, station=station)
    job = ReadingJob.objects.get(capture=capture)
    ReadingJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), attempts=MAX_ATTEMPTS
    )
    assert relay_jobs(now=later(settings.JOB_TIME_LIMIT + 5))["failed"] == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error_code == "worker_lost" and "stopped" in job.error


@pytest.fixture
def backlog(settings, monkeypatch):
    """A queue limit of three waiting jobs, counted afresh on every upload."""
    settings.QUEUE_LIMIT = 3
    monkeypatch.setattr("ocr.services.BACKLOG_CACHE_S", -1.0)
    return settings


def test_above_the_queue_limit_uploads_get_503_with_retry_after_and_nothing_is_written(
    device_client, station, label_png, broker, backlog
):
    from ocr.models import Capture
    from tests.ocr.test_captures import upload

    for i in range(3):
        assert upload(
            device_client, label_png, station=station.code, idempotency_key=f"k{i}"
        ).status_code in (200, 201)
    busy = upload(device_client, label_png, station=station.code, idempotency_key="k3")
    assert (
        busy.status_code == 503
        and busy.json()["code"] == "busy"
        and "3 photos behind" in busy.json()["detail"]
    )
    assert busy["Retry-After"] == str(backlog.BUSY_RETRY_AFTER_S)
    assert Capture.objects.count() == 3
    again = upload(device_client, label_png, station=station.code, idempotency_key="k1")
    assert again.status_code == 200  # a retry of an accepted photo is answered, busy or not
    ReadingJob.objects.filter(status=JobStatus.PENDING).update(status=JobStatus.DONE)
    assert upload(device_client, label_png, station=station.code, idempotency_key="k3").status_code == 201


def test_the_capture_page_tells_the_operator_when_the_readers_are_behind(
    client, make_user, station, label_png, broker, backlog
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ocr.models import Capture

    backlog.QUEUE_LIMIT = 0
    client.force_login(make_user(Role.OPERATOR))
    page = client.post(
        "/capture/", {"image": SimpleUploadedFile("label.png", label_png), "station": station.code}
    )
    assert page.status_code == 503 and "photos behind" in page.content.decode()
    assert not Capture.objects.exists()
