"""Liveness, readiness and Prometheus metrics, from the process's real dependencies."""

import re

import pytest

from ocr.choices import CaptureSource
from ocr.models import WorkerBeat
from ocr.services import create_capture
from ocr.tasks import run_reading

pytestmark = pytest.mark.django_db


def test_liveness_needs_nothing(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readiness_checks_each_dependency_and_says_which_failed(client, settings, tmp_path):
    ready = client.get("/readyz").json()
    assert ready["ready"] is True
    assert set(ready["checks"]) == {"database", "broker", "channel_layer", "models"}
    assert all(check["ok"] for check in ready["checks"].values())
    settings.OCR_ENGINE, settings.MODELS_DIR = "easyocr", tmp_path  # no weights there
    response = client.get("/readyz")
    assert response.status_code == 503
    models = response.json()["checks"]["models"]
    assert not models["ok"] and "craft_mlt_25k.pth" in models["detail"]


def sample(text: str, name: str, **labels) -> float:
    label = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = re.escape(f"{name}{{{label}}}" if labels else name) + r" ([0-9.e+-]+)$"
    return float(re.search(pattern, text, re.MULTILINE)[1])


def test_metrics_count_captures_readings_queues_latency_and_worker_memory(
    client, device, station, label_png, monkeypatch
):
    monkeypatch.setattr("ocr.services.BACKLOG_CACHE_S", -1.0)  # counted afresh on each scrape
    capture, _ = create_capture(actor=device, data=label_png, source=CaptureSource.API, station=station)
    waiting = client.get("/metrics").content.decode()
    assert sample(waiting, "tracelens_queue_depth", queue="ocr") == 1
    run_reading.apply(args=[capture.job.pk])  # as a worker runs it: signals, heartbeat
    text = client.get("/metrics").content.decode()
    assert sample(text, "tracelens_captures_total") == 1
    read = sum(sample(text, "tracelens_readings_total", outcome=o) for o in ("accepted", "review", "failed"))
    assert read == 1 and sample(text, "tracelens_readings_total", outcome="failed") == 0
    assert sample(text, "tracelens_reading_latency_seconds_count") == 1
    assert sample(text, "tracelens_reading_latency_seconds_bucket", le="+Inf") == 1
    assert sample(text, "tracelens_queue_depth", queue="ocr") == 0
    [beat] = WorkerBeat.objects.all()
    assert beat.tasks >= 1 and beat.resident_bytes > 10_000_000
    assert sample(text, "tracelens_worker_resident_bytes", worker=beat.name) == beat.resident_bytes
    assert sample(text, "tracelens_web_resident_bytes") > 10_000_000


def test_metrics_need_the_token_where_one_is_set(client, settings, make_user):
    settings.METRICS_TOKEN = "s3cret-scrape"
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scrape").status_code == 200
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 403
    client.force_login(make_user("admin"))
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_json_log_lines_carry_the_correlation_id_and_tasks_inherit_it():
    import json
    import logging

    from config.observability import JsonFormatter, carry_correlation_id
    from traceability.context import correlation_id

    token = correlation_id.set("req-42")
    try:
        record = logging.LogRecord("ocr.services", logging.WARNING, __file__, 1, "job %s refused", (7,), None)
        line = json.loads(JsonFormatter().format(record))
        headers = {}
        carry_correlation_id(headers=headers)
    finally:
        correlation_id.reset(token)
    assert line["message"] == "job 7 refused" and line["level"] == "WARNING"
    assert line["correlation_id"] == "req-42" and line["time"].endswith("Z")
    assert headers == {"correlation_id": "req-42"}
