"""The supervisor dashboard's figures: captures per minute, no-read and review rates, the live
feed's rows, and WIP with the bottleneck (from traceability's selectors)."""

import datetime as dt

from django.db.models import Count, Q
from django.db.models.functions import TruncMinute
from django.utils import timezone

from ocr.choices import JobStatus
from ocr.models import Capture
from traceability import selectors

WINDOW_MINUTES = 30


def feed_captures():
    """Captures with what ``feed_row`` reads, and of the reading only its fields: its lines,
    codes and checks (most of a result's bytes) stay in the database."""
    heavy = ("lines", "codes", "checks", "quality", "config", "timings_ms")
    return Capture.objects.select_related("station__line", "job", "reading", "unit", "lot").defer(
        *(f"reading__{name}" for name in heavy)
    )


def feed_row(capture: Capture) -> dict:
    """One capture as the dashboard lists it (no image data, nothing read in full)."""
    job = getattr(capture, "job", None)
    reading = getattr(capture, "reading", None)
    return {
        "id": capture.pk,
        "created_at": capture.created_at.isoformat(),
        "station": capture.station.code if capture.station else "",
        "line": capture.station.line.code if capture.station and capture.station.line_id else "",
        "status": job.status if job else "",
        "needs_review": capture.needs_review,
        "unit": capture.unit.serial if capture.unit else "",
        "lot": capture.lot.code if capture.lot else "",
        "fields": len(reading.fields) if reading else 0,
    }


def stats(line=None, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    since = now - dt.timedelta(minutes=WINDOW_MINUTES)
    captures = Capture.objects.filter(created_at__gte=since)
    if line is not None:
        captures = captures.filter(station__line=line)
    totals = captures.aggregate(
        total=Count("id"),
        done=Count("id", filter=Q(job__status=JobStatus.DONE)),
        failed=Count("id", filter=Q(job__status=JobStatus.FAILED)),
        no_read=Count(
            "id", filter=Q(job__status=JobStatus.FAILED) | Q(job__status=JobStatus.DONE, unit=None, lot=None)
        ),
        review=Count("id", filter=Q(needs_review=True)),
    )
    per_minute = {
        row["minute"].isoformat(): row["n"]
        for row in captures.annotate(minute=TruncMinute("created_at"))
        .values("minute")
        .annotate(n=Count("id"))
    }
    finished = totals["done"] + totals["failed"]
    recent = feed_captures().filter(pk__in=captures.order_by("-id").values("pk")[:20]).order_by("-id")
    ranked = selectors.bottlenecks(line)
    return {
        "window_minutes": WINDOW_MINUTES,
        "captures": totals["total"],
        "reads_per_minute": round(finished / WINDOW_MINUTES, 2),
        "no_read_pct": round(100 * totals["no_read"] / finished, 1) if finished else None,
        "review_pct": round(100 * totals["review"] / finished, 1) if finished else None,
        "per_minute": per_minute,
        "recent": [feed_row(c) for c in recent],
        "wip": [vars(w) for w in selectors.wip_by_station(line)],
        "bottleneck": ranked[0].station if ranked and ranked[0].waiting else None,
    }
