"""Genealogy and audit pages: find a unit or lot, see its as-built tree and where it went, open a
recall from it; search the audit trail, export it, and see the hash chain's last verdict."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.choices import Role
from accounts.signatures import SignatureRefused
from config.moments import parse_moment
from frontend.views import role_required, signature_given
from traceability import selectors, services
from traceability.api.views import csv_safe, csv_stream
from traceability.events import EventError
from traceability.models import ChainVerification, Lot, TraceEvent, Unit

MANAGERS = (Role.ADMIN, Role.SUPERVISOR)
WHERE_USED_SHOWN = 500


@role_required()
def genealogy(request):
    """Search by serial, lot code or GTIN; one match opens directly."""
    q = request.GET.get("q", "").strip()
    units = lots = []
    if q:
        units = list(Unit.objects.select_related("product").filter(Q(serial=q) | Q(product__gtin=q))[:50])
        lots = list(Lot.objects.select_related("product").filter(Q(code=q) | Q(product__gtin=q))[:50])
        if len(units) + len(lots) == 1:
            return redirect(*(("genealogy-unit", units[0].pk) if units else ("genealogy-lot", lots[0].pk)))
    return render(request, "frontend/genealogy.html", {"q": q, "units": units, "lots": lots})


@role_required()
def genealogy_unit(request, unit_id):
    unit = get_object_or_404(Unit.objects.select_related("product", "lot", "station"), pk=unit_id)
    tree = selectors.unit_trace_backward(unit)
    inside = Unit.objects.select_related("product").filter(pk__in=selectors.unit_ancestor_ids(unit.pk))
    events = TraceEvent.objects.filter(unit=unit).order_by("event_time", "id")[:200]
    return render(
        request,
        "frontend/genealogy_unit.html",
        {
            "unit": unit,
            "tree": tree,
            "graph": tree.to_dict(),
            "inside": inside,
            "events": events,
            "returns": unit.return_cases.order_by("-opened_at"),
            "can_recall": request.user.role in MANAGERS,
            "recall_meanings": ("approved",),
        },
    )


@role_required()
def genealogy_lot(request, lot_id):
    lot = get_object_or_404(Lot.objects.select_related("product", "supplier"), pk=lot_id)
    rows, shown = selectors.lot_where_used(lot), WHERE_USED_SHOWN
    forward, cut = selectors.lot_trace_forward(lot)
    return render(
        request,
        "frontend/genealogy_lot.html",
        {
            "lot": lot,
            "used_in": [
                dict(zip(selectors.WHERE_USED_COLUMNS, r, strict=True)) for r in rows[:WHERE_USED_SHOWN]
            ],
            "total": len(rows),
            "shown": shown,
            "graph": forward.to_dict(),
            "graph_cut": cut,
            "graph_max": selectors.GRAPH_NODES,
            "recalls": lot.recalls.all(),
            "returned": selectors.returned_units_with_lot(lot),
            "can_recall": request.user.role in MANAGERS,
            "recall_meanings": ("approved",),
        },
    )


@role_required(*MANAGERS)
@require_POST
def recall_lot(request, lot_id):
    lot = get_object_or_404(Lot, pk=lot_id)
    reason = request.POST.get("reason", "")
    number = request.POST.get("number", "").strip() or f"R-{timezone.now():%Y%m%d-%H%M%S}"
    try:
        recall = services.open_recall(
            number=number, lots=[lot], reason=reason, actor=request.user, signature=signature_given(request)
        )
    except (EventError, SignatureRefused) as exc:
        messages.error(request, exc.message)
        return redirect("genealogy-lot", lot_id=lot.pk)
    held = recall.items.filter(unit__isnull=False).count()
    messages.success(request, f"Recall {recall.number} opened: {held} units on hold.")
    return redirect("genealogy-lot", lot_id=lot.pk)


AUDIT_FILTERS = {
    "unit": "unit__serial",
    "lot": "lot__code",
    "user": "actor_name",
    "station": "station__code",
    "type": "code",
}


def _audit_events(params):
    events = TraceEvent.objects.select_related("station", "unit", "lot").order_by("-id")
    for key, lookup in AUDIT_FILTERS.items():
        if value := params.get(key, "").strip():
            events = events.filter(**{lookup: value})
    for key, lookup in (("since", "event_time__gte"), ("until", "event_time__lt")):
        if moment := parse_moment(params.get(key, "")):
            events = events.filter(**{lookup: moment})
    return events


@role_required(Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR)
def audit(request):
    events = _audit_events(request.GET)
    if request.GET.get("export") == "csv":
        return _audit_csv(events)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "frontend/audit.html",
        {
            "page": page,
            "params": request.GET,
            "query": query.urlencode(),
            "types": TraceEvent._meta.get_field("code").choices,
            "verdict": ChainVerification.objects.first(),
        },
    )


def _audit_csv(events):
    columns = ["id", "event_time", "code", "event_type", "biz_step", "disposition", "unit", "lot", "station"]
    columns += ["actor_name", "correlation_id", "event_id", "hash", "details"]

    def rows():
        for e in events.iterator(chunk_size=2000):
            values = [
                e.pk,
                e.event_time.isoformat(),
                e.code,
                e.event_type,
                e.biz_step,
                e.disposition,
                e.unit.serial if e.unit else "",
                e.lot.code if e.lot else "",
                e.station.code if e.station else "",
                e.actor_name,
                e.correlation_id,
                e.event_id,
                e.hash,
                "; ".join(f"{key}: {value}" for key, value in e.details()),
            ]
            yield [csv_safe(v) for v in values]

    return csv_stream(columns, rows(), "audit-trail.csv")
