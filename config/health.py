"""Liveness, readiness and Prometheus metrics.

- ``/healthz``: the process answers (no dependency is touched).
- ``/readyz``: the database, the broker, the channel layer and the model files, each with its
  verdict; 503 when any fails, so a load balancer stops sending work here.
- ``/metrics``: Prometheus text. Counts come from the database (captures, readings by outcome,
  waiting and running jobs per queue, the reading latency histogram), so every web process
  reports the same figures; worker memory from the workers' heartbeats. Served to a bearer of
  ``METRICS_TOKEN`` where one is set, else to loopback clients and signed-in admins."""

import asyncio
import datetime as dt
import time
from pathlib import Path

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.choices import Role

LATENCY_BUCKETS_S = (0.5, 1, 2, 5, 10, 30, 60, 300)
CHECK_TIMEOUT_S = 3.0


@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return f"{connection.vendor} answers"


def _broker() -> str:
    if settings.EMBEDDED_WORKER:
        return "in-process (embedded worker)"
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_S)
    return "reachable"


def _channel_layer() -> str:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()

    async def probe():
        await asyncio.wait_for(layer.group_send("health", {"type": "health.probe"}), CHECK_TIMEOUT_S)

    async_to_sync(probe)()
    return type(layer).__name__


def _models() -> str:
    import rapidocr

    from ocr.pipeline.text import check_easyocr_weights

    folder = Path(rapidocr.__file__).parent / "models"
    missing = [
        n for n in ("PP-OCRv6_det_small.onnx", "PP-OCRv6_rec_small.onnx") if not (folder / n).is_file()
    ]
    if missing:
        raise FileNotFoundError(f"RapidOCR's model files missing from {folder}: {', '.join(missing)}")
    if settings.OCR_ENGINE == "easyocr":
        check_easyocr_weights(Path(settings.MODELS_DIR) / "easyocr")
    return f"{settings.OCR_ENGINE}: model files present"


CHECKS = {"database": _database, "broker": _broker, "channel_layer": _channel_layer, "models": _models}


@require_GET
def readyz(request):
    results, ready = {}, True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            results[name] = {"ok": True, "detail": check()}
        except Exception as exc:  # noqa: BLE001 - any failure is this check's verdict
            results[name], ready = {"ok": False, "detail": f"{type(exc).__name__}: {exc}"[:300]}, False
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return JsonResponse({"ready": ready, "checks": results}, status=200 if ready else 503)


def _may_scrape(request) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        return request.headers.get("Authorization", "") == f"Bearer {token}"
    user = request.user
    loopback = request.META.get("REMOTE_ADDR", "") in ("127.0.0.1", "::1")
    return loopback or (user.is_authenticated and getattr(user, "role", "") == Role.ADMIN)


def _lines() -> list[str]:
    from ocr.choices import JobStatus
    from ocr.models import Capture, ReadingJob, WorkerBeat
    from ocr.pipeline.text import QUEUES
    from ocr.services import queue_depth

    out = []

    def metric(name, kind, help_text, samples):
        out.extend([f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"])
        for labels, value in samples:
            label = ",".join(f'{k}="{v}"' for k, v in labels.items())
            out.append(f"{name}{{{label}}} {value}" if label else f"{name} {value}")

    metric("tracelens_captures_total", "counter", "Photos accepted.", [({}, Capture.objects.count())])
    jobs = ReadingJob.objects.aggregate(
        accepted=Count("pk", filter=Q(status=JobStatus.DONE, capture__needs_review=False)),
        review=Count("pk", filter=Q(status=JobStatus.DONE, capture__needs_review=True)),
        failed=Count("pk", filter=Q(status=JobStatus.FAILED)),
    )
    metric(
        "tracelens_readings_total",
        "counter",
        "Readings finished, by outcome (accepted, sent to review, failed).",
        [({"outcome": k}, v) for k, v in jobs.items()],
    )
    queues = sorted(set(QUEUES.values()))  # the reading queues there are; no scan of the jobs for them
    metric(
        "tracelens_queue_depth",
        "gauge",
        "Reading jobs waiting for a worker.",
        [({"queue": q}, queue_depth(q)) for q in queues],
    )
    running = dict(
        ReadingJob.objects.filter(status=JobStatus.RUNNING).values_list("queue").annotate(n=Count("pk"))
    )
    metric(
        "tracelens_jobs_running",
        "gauge",
        "Reading jobs being read now.",
        [({"queue": q}, running.get(q, 0)) for q in queues],
    )
    latency = ExpressionWrapper(F("finished_at") - F("created_at"), output_field=DurationField())
    done = ReadingJob.objects.filter(status=JobStatus.DONE, finished_at__isnull=False).annotate(
        latency=latency
    )
    buckets = done.aggregate(
        **{
            f"le_{i}": Count("pk", filter=Q(latency__lte=dt.timedelta(seconds=b)))
            for i, b in enumerate(LATENCY_BUCKETS_S)
        },
        count=Count("pk"),
        total=Sum("latency"),
    )
    out.extend(
        [
            "# HELP tracelens_reading_latency_seconds Upload to stored reading, per finished job.",
            "# TYPE tracelens_reading_latency_seconds histogram",
        ]
    )
    for i, bound in enumerate(LATENCY_BUCKETS_S):
        out.append(f'tracelens_reading_latency_seconds_bucket{{le="{bound}"}} {buckets[f"le_{i}"]}')
    out.append(f'tracelens_reading_latency_seconds_bucket{{le="+Inf"}} {buckets["count"]}')
    out.append(f"tracelens_reading_latency_seconds_count {buckets['count']}")
    total = buckets["total"].total_seconds() if buckets["total"] else 0.0
    out.append(f"tracelens_reading_latency_seconds_sum {total:.3f}")
    recent = timezone.now() - dt.timedelta(minutes=5)
    beats = WorkerBeat.objects.filter(seen_at__gte=recent).order_by("name")
    metric(
        "tracelens_worker_resident_bytes",
        "gauge",
        "Resident memory of each worker process seen in the last 5 minutes.",
        [({"worker": b.name}, b.resident_bytes) for b in beats],
    )
    metric(
        "tracelens_worker_tasks_total",
        "counter",
        "Tasks each worker process has run.",
        [({"worker": b.name}, b.tasks) for b in beats],
    )
    from config.observability import resident_bytes

    metric(
        "tracelens_web_resident_bytes",
        "gauge",
        "Resident memory of the process answering.",
        [({}, resident_bytes())],
    )
    return out


@require_GET
def metrics(request):
    if not _may_scrape(request):
        return HttpResponse("metrics are for the monitoring system\n", status=403, content_type="text/plain")
    return HttpResponse("\n".join(_lines()) + "\n", content_type="text/plain; version=0.0.4; charset=utf-8")
