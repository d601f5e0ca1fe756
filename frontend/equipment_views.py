"""Equipment pages: every machine with its open tickets and where each of its displays stands,
and one machine's page with a chart per display (the photo behind each point one click away),
where each display stands (its last reading, readings waiting for review, the trend towards its
limit), its alerts and its maintenance tickets, which supervisors acknowledge and close here."""

from django.contrib import messages
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from accounts.choices import Role
from accounts.permissions import PEOPLE
from accounts.scoping import limit_to_lines
from config.moments import parse_bounds
from frontend.views import role_required
from inspection.choices import AlertKind, DisplayKind, ReadingStatus
from inspection.models import Alert, AlertRule, Display, Equipment, MaintenanceTicket, MeterReading
from inspection.selectors import display_now
from inspection.services.meters import MeterRefused, acknowledge_ticket, close_ticket, unread
from traceability.api.views import csv_safe, csv_stream
from traceability.models import Line, Station

VIEWERS = PEOPLE  # every role but camera devices
MANAGERS = (Role.ADMIN, Role.SUPERVISOR)


@role_required(*VIEWERS)
def equipment_list(request):
    """Every machine on the user's lines with its open tickets, and each of its displays where
    it stands: its last accepted reading and how long ago, its readings waiting for review, and
    whether it has gone unread as long as its stale rule allows (``unread``, as ``check_stale``).
    Kept so live (``equipment_list.js``, over ``ws/equipment/``)."""
    last = MeterReading.objects.filter(display=OuterRef("pk"), status=ReadingStatus.ACCEPTED).order_by(
        "-read_at", "-pk"
    )
    stale = AlertRule.objects.filter(display=OuterRef("pk"), kind=AlertKind.STALE, active=True)
    displays = Display.objects.order_by("name").annotate(
        last_id=Subquery(last.values("pk")[:1]),
        waiting=Count("readings", filter=Q(readings__status=ReadingStatus.REVIEW)),
        stale_after=Subquery(stale.order_by("minutes").values("minutes")[:1]),
    )
    machines = (
        Equipment.objects.select_related("line", "station")
        .annotate(open_tickets=Count("tickets", filter=~Q(tickets__status="closed"), distinct=True))
        .prefetch_related(Prefetch("displays", queryset=displays))
        .order_by("line__code", "code")
    )
    machines = list(limit_to_lines(machines, request.user, "line"))
    lasts = MeterReading.objects.in_bulk([d.last_id for m in machines for d in m.displays.all() if d.last_id])
    now = timezone.now()
    rows = []  # a row per display; a machine's cells span its displays' rows (one: none yet)
    for machine in machines:
        shown = list(machine.displays.all())
        for d in shown:
            d.last = lasts.get(d.last_id)
            at = d.last.read_at if d.last else None
            d.unread = d.stale_after is not None and unread(at, d.stale_after, now)
        for n, display in enumerate(shown or [None]):
            rows.append({"machine": machine, "span": max(1, len(shown)), "first": n == 0, "display": display})
    return render(
        request,
        "frontend/equipment_list.html",
        {
            "rows": rows,
            "can_manage": request.user.role in MANAGERS,
            **places(request.user),
        },
    )


def places(user):
    """The lines and stations a user may put a machine on, for the machine form."""
    return {
        "lines": limit_to_lines(Line.objects.order_by("code"), user, "pk"),
        "stations": limit_to_lines(Station.objects.select_related("line").order_by("code"), user, "line"),
    }


@role_required(*VIEWERS)
def equipment_page(request, equipment_id):
    machines = limit_to_lines(Equipment.objects.select_related("line", "station"), request.user, "line")
    machine = get_object_or_404(machines, pk=equipment_id)
    displays = list(machine.displays.order_by("name").prefetch_related("alert_rules"))
    for display in displays:
        display.now = display_now(display=display)
    units = {d.unit for d in displays}
    alerts = (
        Alert.objects.filter(display__equipment=machine)
        .select_related("rule", "display", "ticket__acknowledged_by", "ticket__closed_by")
        .order_by("-raised_at", "-pk")[:50]
    )
    return render(
        request,
        "frontend/equipment.html",
        {
            "machine": machine,
            "displays": displays,
            "shared_unit": units.pop() if len(units) == 1 else None,  # the comparison's axis
            "alerts": alerts,
            "can_manage": request.user.role in MANAGERS,
            "can_capture": request.user.role in (*MANAGERS, Role.OPERATOR),
            "kinds": DisplayKind.choices,
            "camera_turns": Display._meta.get_field("camera_turn").choices,
            "default_kind": Display._meta.get_field("kind").default,
            "alert_kinds": AlertKind.choices,
            **places(request.user),
        },
    )


@role_required(*VIEWERS)
def display_state(request, display_id):
    """Where one display stands (the piece of its machine's page), for the page to redraw when
    the display is read."""
    displays = limit_to_lines(
        Display.objects.prefetch_related("alert_rules"), request.user, "equipment__line"
    )
    display = get_object_or_404(displays, pk=display_id)
    display.now = display_now(display=display)
    return render(request, "frontend/_display_now.html", {"d": display})


@role_required(*VIEWERS)
def display_readings_csv(request, display_id):
    """Every reading of a display as CSV, oldest first (``?start=&end=``, ISO date-times):
    accepted, waiting for review and rejected alike, each with its status and reasons, who read
    and reviewed it, the value as read before a review corrected it, and its photo's address."""
    displays = limit_to_lines(Display.objects.select_related("equipment"), request.user, "equipment__line")
    display = get_object_or_404(displays, pk=display_id)
    readings = display.readings.select_related("reviewed_by").order_by("read_at", "pk")
    try:
        bounds = parse_bounds(request.GET)
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc))
    if "start" in bounds:
        readings = readings.filter(read_at__gte=bounds["start"])
    if "end" in bounds:
        readings = readings.filter(read_at__lte=bounds["end"])
    header = ["reading", "read_at", "value", "unit", "status", "reasons", "text", "confidence"]
    header += ["read_by", "reviewed_by", "original_value", "capture", "photo"]

    def photo(capture_id):
        return request.build_absolute_uri(reverse("capture-page", args=[capture_id]))

    def rows():
        for r in readings.iterator(chunk_size=2000):
            text = [r.status, "; ".join(r.reasons), r.text, r.read_by]
            text += [r.reviewed_by.username if r.reviewed_by else ""]
            status, reasons, shown, read_by, reviewer = (csv_safe(v) for v in text)
            yield [
                r.pk, r.read_at.isoformat(), r.value, display.unit, status, reasons, shown, r.confidence,
                read_by, reviewer, r.original_value, r.capture_id or "",
                photo(r.capture_id) if r.capture_id else "",
            ]  # fmt: skip

    name = slugify(f"{display.equipment.code}-{display.name}") or f"display-{display.pk}"
    return csv_stream(header, rows(), f"{name}-readings.csv")


@role_required(*MANAGERS)
@require_POST
def ticket_action(request, ticket_id):
    tickets = limit_to_lines(MaintenanceTicket.objects.all(), request.user, "equipment__line")
    ticket = get_object_or_404(tickets, pk=ticket_id)
    try:
        if request.POST.get("action") == "close":
            close_ticket(ticket=ticket, actor=request.user, note=request.POST.get("note", ""))
            messages.success(request, f"Ticket {ticket.pk} closed.")
        else:
            acknowledge_ticket(ticket=ticket, actor=request.user)
            messages.success(request, f"Ticket {ticket.pk} acknowledged.")
    except MeterRefused as exc:
        messages.error(request, exc.message)
    return redirect("equipment-page", equipment_id=ticket.equipment_id)
