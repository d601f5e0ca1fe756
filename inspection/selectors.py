"""Reads for the inspection app's pages and API."""

from django.db.models import Count

from inspection.models import DefectInspection, Detection


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
