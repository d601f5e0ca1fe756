"""Data Matrix print quality over time, per station (the printer or line it stands for): daily
means of the indicators each reading measured (ocr.pipeline.print_quality). A trend indicator
from photos and the decoder, not an ISO/IEC 15415 grade: a fading printer shows here as falling
contrast, margin and unused error correction before its codes stop reading."""

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from ocr.models import Reading

NOTE = "Trend indicator from photos and the decoder, not an ISO/IEC 15415 grade."
INDICATORS = ("unused_ec", "contrast", "margin", "pattern_damage", "module_px")
MAX_READINGS = 20_000  # the newest readings in the window; enough for a trend


def print_quality_trend(*, days: int = 14, line=None, now: dt.datetime | None = None) -> dict:
    since = (now or timezone.now()) - dt.timedelta(days=days)
    readings = Reading.objects.filter(created_at__gte=since, capture__station__isnull=False)
    if line is not None:
        readings = readings.filter(capture__station__line=line)
    rows = readings.order_by("-created_at").values_list(
        "created_at", "capture__station__code", "capture__station__line__code", "codes"
    )[:MAX_READINGS]
    sums = defaultdict(lambda: defaultdict(float))
    counts = defaultdict(lambda: defaultdict(int))
    lines = {}
    for created, station, line_code, codes in rows:
        day = timezone.localtime(created).date().isoformat()
        lines[station] = line_code
        for code in codes or ():
            quality = code.get("quality")
            if not quality:
                continue
            key = (station, day)
            counts[key]["codes"] += 1
            for name in INDICATORS:
                if quality.get(name) is not None:
                    sums[key][name] += quality[name]
                    counts[key][name] += 1
    series = defaultdict(list)
    for (station, day), count in sorted(counts.items(), key=lambda item: item[0][1]):
        point = {"day": day, "codes": count["codes"]}
        for name in INDICATORS:
            point[name] = round(sums[(station, day)][name] / count[name], 3) if count[name] else None
        series[station].append(point)
    return {
        "note": NOTE,
        "days": days,
        "series": [
            {"station": s, "line": lines[s], "points": points} for s, points in sorted(series.items())
        ],
    }
