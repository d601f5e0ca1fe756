"""Reads for the inspection app's pages and API."""

import bisect
import datetime as dt

from django.db.models import Avg, Count, Max, Min
from django.db.models.functions import TruncDay, TruncHour, TruncMinute
from django.utils import timezone

from inspection import series
from inspection.choices import AlertKind, AlertStatus, ReadingStatus
from inspection.models import DefectInspection, Detection, MeterReading


def defect_rates(*, since, line=None) -> list[dict]:
    """Per line and defect class since ``since``: detections, and the captures inspected on that
    line (the denominator of the rate)."""
    inspected = DefectInspection.objects.filter(created_at__gte=since, ok__isnull=False)
    found = Detection.objects.filter(created_at__gte=since)
    if line is not None:
        inspected = inspected.filter(capture__station__line=line)
        found = found.filter(station__line=line)
    totals = dict(
        inspected.values("capture__station__line__code")
        .annotate(n=Count("capture", distinct=True))
        .values_list("capture__station__line__code", "n")
    )
    rows = (
        found.values("station__line__code", "label")
        .annotate(n=Count("id"))
        .order_by("station__line__code", "label")
    )
    out = []
    for row in rows:
        line_code = row["station__line__code"] or ""
        total = totals.get(row["station__line__code"], 0)
        out.append(
            {
                "line": line_code,
                "label": row["label"],
                "detections": row["n"],
                "inspected": total,
                "per_100": round(100 * row["n"] / total, 2) if total else None,
            }
        )
    return out


BUCKETS = (("minute", TruncMinute, 60), ("hour", TruncHour, 3600), ("day", TruncDay, 86400))


def display_series(*, display, start=None, end=None, max_points: int = 500) -> dict:
    """A display's accepted readings between ``start`` and ``end``: every point when there are
    at most ``max_points``, else buckets (minute, hour or day, the finest that fits) with their
    mean, minimum, maximum, count and the last reading behind them (for its photo)."""
    found = MeterReading.objects.filter(display=display, status=ReadingStatus.ACCEPTED)
    if start is not None:
        found = found.filter(read_at__gte=start)
    if end is not None:
        found = found.filter(read_at__lte=end)
    span = found.aggregate(n=Count("pk"), first=Min("read_at"), last=Max("read_at"))
    total = span["n"]
    if total <= max_points:
        points = [
            {"t": at, "value": value, "reading": pk, "capture": capture}
            for pk, at, value, capture in found.order_by("read_at", "pk").values_list(
                "pk", "read_at", "value", "capture_id"
            )
        ]
        return {"bucket": None, "count": total, "points": points}
    # the finest bucket whose count over the range's span fits (a span of n units touches <= n + 2)
    seconds = (span["last"] - span["first"]).total_seconds()
    name, trunc = next(
        ((name, trunc) for name, trunc, unit in BUCKETS if seconds // unit + 2 <= max_points), BUCKETS[-1][:2]
    )
    buckets = (
        found.annotate(t=trunc("read_at"))
        .values("t")
        .annotate(mean=Avg("value"), low=Min("value"), high=Max("value"), n=Count("pk"), reading=Max("pk"))
        .order_by("t")
    )
    points = [
        {
            "t": b["t"],
            "value": b["mean"],
            "min": b["low"],
            "max": b["high"],
            "n": b["n"],
            "reading": b["reading"],
        }
        for b in buckets
    ]
    return {"bucket": name, "count": total, "points": points}


def rule_trend(*, rule, at) -> series.Trend | None:
    """A time-to-limit ``rule``'s trend at ``at``: a line fitted to its display's accepted
    readings over the rule's window up to ``at``, projected to the rule's limit."""
    points = list(
        MeterReading.objects.filter(
            display_id=rule.display_id,
            status=ReadingStatus.ACCEPTED,
            read_at__gte=at - dt.timedelta(hours=rule.window_hours),
            read_at__lte=at,
        )
        .order_by("read_at")
        .values_list("read_at", "value")
    )
    return series.time_to_limit([p[0] for p in points], [p[1] for p in points], low=rule.low, high=rule.high)


DRIFT_POINTS = 2000  # the drift rule looks at this many recent accepted readings


def accepted_points(*, display, at, count: int = DRIFT_POINTS) -> tuple[list, list]:
    """The times and values of the display's last ``count`` accepted readings up to ``at``,
    oldest first."""
    newest = (
        MeterReading.objects.filter(display=display, status=ReadingStatus.ACCEPTED, read_at__lte=at)
        .order_by("-read_at", "-pk")
        .values_list("read_at", "value")[:count]
    )
    points = list(newest)[::-1]
    return [p[0] for p in points], [p[1] for p in points]


def limits_ahead(*, display, value: float) -> tuple[float | None, float | None]:
    """The nearest limits below and above ``value`` that a drift heads for: the display's
    active threshold and time-to-limit rules' limits and its plausible range."""
    rules = [
        r
        for r in display.alert_rules.all()
        if r.active and r.kind in (AlertKind.THRESHOLD, AlertKind.TIME_TO_LIMIT)
    ]
    below = [v for v in (display.min_value, *(r.low for r in rules)) if v is not None and v < value]
    above = [v for v in (display.max_value, *(r.high for r in rules)) if v is not None and v > value]
    return (max(below) if below else None), (min(above) if above else None)


def drift_now(*, rule, now) -> dict | None:
    """A drift rule whose alert is not closed yet: the line the level has followed since the
    change, fitted again with every reading since (``series.drift_trend``, from the onset and
    baseline level the alert found), and when it reaches the nearest limit ahead. None for a
    rule with no such alert, or an alert from before the onset was kept."""
    alert = (
        rule.alerts.exclude(ticket__status=AlertStatus.CLOSED).order_by("-raised_at", "-pk").first()
        if rule.kind == AlertKind.DRIFT and rule.active
        else None
    )
    if alert is None or "onset" not in alert.details:
        return None
    times, values = accepted_points(display=rule.display, at=now)
    onset = dt.datetime.fromisoformat(alert.details["onset"])
    since = bisect.bisect_left(times, onset)
    if since >= len(times):
        return None
    low, high = limits_ahead(display=rule.display, value=values[-1])
    found = series.drift_trend(
        times, values, mean=alert.details["baseline_mean"], since=since, low=low, high=high
    )
    if found is None:
        return None
    trend, onset = found
    reaches_at = (
        times[-1] + dt.timedelta(hours=trend.hours_to_limit) if trend.hours_to_limit is not None else None
    )
    return {"rule": rule, "trend": trend, "onset": onset, "reaches_at": reaches_at}


def display_now(*, display, now=None) -> dict:
    """Where a display stands at ``now``: its last accepted reading, how many of its readings
    wait for review, each active time-to-limit rule's trend with the time it reaches its limit
    (``reaches_at``; None while not heading for it), each drift rule's line since the change it
    alerted on (``drift_now``), and the limits its active threshold and time-to-limit rules
    set. The display's ``alert_rules`` may be prefetched."""
    now = now or timezone.now()
    readings = MeterReading.objects.filter(display=display, read_at__lte=now)
    last = readings.filter(status=ReadingStatus.ACCEPTED).order_by("-read_at", "-pk").first()
    trends, drifts, limits = [], [], set()
    for rule in display.alert_rules.all():
        drift = drift_now(rule=rule, now=now)
        if drift is not None:
            drifts.append(drift)
        if not rule.active or rule.kind not in (AlertKind.THRESHOLD, AlertKind.TIME_TO_LIMIT):
            continue
        limits |= {value for value in (rule.low, rule.high) if value is not None}
        if rule.kind == AlertKind.TIME_TO_LIMIT:
            trend = rule_trend(rule=rule, at=now)
            reaches_at = None
            if trend is not None and trend.hours_to_limit is not None:
                reaches_at = last.read_at + dt.timedelta(hours=trend.hours_to_limit)
            trends.append({"rule": rule, "trend": trend, "reaches_at": reaches_at})
    waiting = readings.filter(status=ReadingStatus.REVIEW).count()
    return {"last": last, "waiting": waiting, "trends": trends, "drifts": drifts, "limits": sorted(limits)}
