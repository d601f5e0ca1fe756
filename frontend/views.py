"""Pages. Each requires a logged-in user with a role; writes go through the services."""

import logging
from functools import wraps
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.choices import Role
from accounts.permissions import PEOPLE, can_view_capture, can_write, has_role
from accounts.scoping import limit_to_lines, scoped_line_ids
from accounts.signatures import SignatureRefused
from inspection.models import DefectInspection, Display
from inspection.services.meters import MeterRefused
from ocr import storage
from ocr.choices import CaptureSource
from ocr.selectors import captures_visible_to
from ocr.services import (
    REVIEW_MEANINGS,
    REVIEWER_ROLES,
    CaptureRefused,
    create_capture,
    failed_checks,
    review_capture,
)
from ocr.templates import TEMPLATE_FIELDS
from traceability.models import Line, Station, WorkOrder

logger = logging.getLogger(__name__)


def role_required(*roles):
    """Login first; then the user's role must be one of ``roles`` (any person's role when
    empty: camera devices use the API only)."""
    allowed = roles or PEOPLE

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, *allowed):
                raise PermissionDenied("Your role does not allow this page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class LoginForm(AuthenticationForm):
    def clean(self):
        from accounts.lockout import locked_until

        until = locked_until(self.cleaned_data.get("username") or "")
        if until:
            minutes = max(1, int((until - timezone.now()).total_seconds() // 60) + 1)
            raise forms.ValidationError(
                f"Too many wrong passwords: this account is locked for {minutes} more minutes."
            )
        return super().clean()


class LoginView(auth_views.LoginView):
    template_name = "frontend/login.html"
    redirect_authenticated_user = True
    authentication_form = LoginForm

    def form_invalid(self, form):
        logger.warning("failed login for %r", form.data.get("username", "")[:150])
        response = super().form_invalid(form)
        response.context_data["locked"] = next((e for e in form.non_field_errors() if "locked" in e), "")
        response.status_code = 401
        return response


@role_required()
def home(request):
    captures = captures_visible_to(request.user)[:50]
    return render(request, "frontend/home.html", {"captures": captures, "can_write": can_write(request.user)})


@role_required(Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def capture_new(request):
    """Photograph labels, parts and documents; with ``?display=<id>``, a machine's display, whose
    photos are read into its series (``metadata.display``) at its machine's station."""
    stations = Station.objects.select_related("line").all()
    display = _display_to_photograph(request)
    page = {"stations": stations, "display": display}
    if request.method == "POST":
        upload = request.FILES.get("image")
        station = stations.filter(code=request.POST.get("station", "")).first()
        if display is not None:
            station = station or display.equipment.station
        if upload is None:
            messages.error(request, "Choose or take a photo first.")
        else:
            try:
                capture, _ = create_capture(
                    actor=request.user,
                    data=upload.read(),
                    source=CaptureSource.BROWSER,
                    station=station,
                    original_name=upload.name or "",
                    idempotency_key=request.POST.get("idempotency_key", "")[:100],
                    metadata={"display": display.pk} if display is not None else None,
                )
            except CaptureRefused as exc:
                messages.error(request, exc.message)
                return render(request, "frontend/capture_new.html", page, status=exc.status)
            return redirect("capture-page", capture_id=capture.pk)
        return render(request, "frontend/capture_new.html", page, status=400)
    return render(request, "frontend/capture_new.html", page)


def _display_to_photograph(request):
    """The display named by ``display`` (query or form), on one of the person's lines; None when
    none is named. A display not found, or not on their lines, is a 404."""
    named = request.POST.get("display") or request.GET.get("display")
    if not named:
        return None
    if not named.isdigit():
        raise Http404("no such display")
    displays = limit_to_lines(
        Display.objects.select_related("equipment__station"), request.user, "equipment__line"
    )
    return get_object_or_404(displays, pk=int(named))


def _visible_capture(request, capture_id):
    capture = get_object_or_404(captures_visible_to(request.user), pk=capture_id)
    if not can_view_capture(request.user, capture):
        raise Http404
    return capture


@role_required()
def capture_detail(request, capture_id):
    return render(request, "frontend/capture_detail.html", {"capture": _visible_capture(request, capture_id)})


def _stored_file(image) -> FileResponse:
    """A stored image with its MIME type and ``nosniff``; the path comes from the content hash,
    never from the request."""
    try:
        handle = storage.absolute_path(image.path).open("rb")
    except FileNotFoundError:
        raise Http404("image file missing") from None
    response = FileResponse(handle, content_type=image.mime_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=86400, immutable"
    return response


@role_required()
def capture_image(request, capture_id):
    """The capture's photo, with its stored MIME type and ``nosniff``; the file path comes from
    the content hash, never from the request."""
    return _stored_file(_visible_capture(request, capture_id).image)


@role_required()
def heat_map(request, capture_id, inspection_id):
    """A surface check's heat map for a capture you may see (PNG, ``nosniff``)."""
    capture = _visible_capture(request, capture_id)
    with_map = DefectInspection.objects.select_related("heat_map").filter(heat_map__isnull=False)
    found = get_object_or_404(with_map, pk=inspection_id, capture=capture)
    return _stored_file(found.heat_map)


@role_required(Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR)
def label_capture(request, capture_id):
    """Draw defect boxes on a capture, for training the product's detector."""
    from inspection.services import product_of
    from traceability.models import Product

    capture = _visible_capture(request, capture_id)
    return render(
        request,
        "frontend/label.html",
        {
            "capture": capture,
            "products": Product.objects.order_by("part_number"),
            "product_id": product_of(capture),
        },
    )


@role_required(*REVIEWER_ROLES)
def review_queue(request):
    waiting = (
        captures_visible_to(request.user)
        .filter(needs_review=True, reading__isnull=False)
        .prefetch_related("inspection_drafts")
    )
    from integrations.models import DocumentStatus, SupplierDocument

    documents = SupplierDocument.objects.filter(status=DocumentStatus.REVIEW).order_by("created_at")[:200]
    return render(
        request,
        "frontend/review_queue.html",
        {"captures": waiting.order_by("created_at")[:200], "documents": documents},
    )


def _review_rows(capture) -> list[dict]:
    """One row per field to confirm: what was read (value, confidence, source), what other
    sources said, and the checks that failed on it; then fields the checks found missing."""
    reading = capture.reading
    failed = {}
    for check in reading.checks:
        if not check["ok"]:
            failed.setdefault(check["field"], []).append(
                check["name"] + (f": {check['detail']}" if check["detail"] else "")
            )
    rows = [
        {
            "name": f["name"],
            "value": f["value"],
            "confidence": round(100 * f["confidence"]),
            "source": f["source"],
            "raw": f["raw"],
            "problems": failed.pop(f["name"], []),
        }
        for f in reading.fields
    ]
    rows += [
        {"name": name, "value": "", "confidence": None, "source": "", "raw": "", "problems": problems}
        for name, problems in failed.items()
        if name in TEMPLATE_FIELDS
    ]
    return rows


def signature_given(request) -> dict | None:
    """What a page's signature fieldset sent (``sign-password``, ``sign-meaning``,
    ``sign-reason``), or None when no password was typed."""
    if not request.POST.get("sign-password"):
        return None
    return {
        "password": request.POST["sign-password"],
        "meaning": request.POST.get("sign-meaning", ""),
        "reason": request.POST.get("sign-reason", "").strip()[:500],
    }


@role_required(*REVIEWER_ROLES)
@require_http_methods(["GET", "POST"])
def review_page(request, capture_id):
    capture = _visible_capture(request, capture_id)
    if not hasattr(capture, "reading"):
        raise Http404("no reading yet")
    rows = _review_rows(capture)
    meters = list(
        capture.meter_readings.filter(status="review").select_related("display__equipment").order_by("pk")
    )
    context = {
        "capture": capture,
        "rows": rows,
        "meters": meters,
        "must_sign": bool(failed_checks(capture.reading)),
        "meanings": REVIEW_MEANINGS,
    }
    if request.method == "POST":
        values = {row["name"]: request.POST.get(f"field-{row['name']}", "") for row in rows}
        try:
            with transaction.atomic():
                _review_meters(request, meters)
                if rows or not meters:  # a photo of a display alone has no label fields
                    review_capture(
                        capture=capture,
                        values=values,
                        reviewer=request.user,
                        signature=signature_given(request),
                    )
        except (CaptureRefused, MeterRefused, SignatureRefused) as exc:
            messages.error(request, exc.message)
            status = 403 if getattr(exc, "code", "") == "bad_password" else getattr(exc, "status", 400)
            return render(request, "frontend/review.html", context, status=status)
        messages.success(request, f"Capture {capture.pk} reviewed.")
        following = (
            captures_visible_to(request.user)
            .filter(needs_review=True, reading__isnull=False, created_at__gte=capture.created_at)
            .exclude(pk=capture.pk)
            .order_by("created_at")
            .first()
        )
        return redirect("review-page", capture_id=following.pk) if following else redirect("review-queue")
    return render(request, "frontend/review.html", context)


def _review_meters(request, meters) -> None:
    """Each display reading waiting on this capture: accepted with the value the reviewer
    confirms (or types), or rejected."""
    from inspection.services.meters import review_meter_reading

    for meter in meters:
        raw = request.POST.get(f"meter-{meter.pk}", "").strip().replace(",", ".")
        reject = bool(request.POST.get(f"meter-{meter.pk}-reject"))
        try:
            value = float(raw) if raw else None
        except ValueError:
            raise MeterRefused(f"{meter.display.name}: {raw!r} is not a number") from None
        review_meter_reading(reading=meter, actor=request.user, value=value, accept=not reject)


@role_required(Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR, Role.AUDITOR)
def verify_station(request):
    """The verification station: pick the station and what is being packed once, then every
    label photographed here (or by the station's fixed camera) turns the banner green or red."""
    work_orders = WorkOrder.objects.select_related("product").exclude(status="closed").order_by("-id")
    return render(
        request,
        "frontend/verify.html",
        {"stations": Station.objects.select_related("line").all(), "work_orders": work_orders},
    )


@role_required(Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR)
def dashboard(request):
    from traceability.models import ChainVerification

    lines = Line.objects.select_related("site").order_by("site__name", "code")
    scope = scoped_line_ids(request.user)
    if scope is not None:
        lines = lines.filter(pk__in=scope)
    verdict = ChainVerification.objects.first()
    context = {"lines": lines, "verdict": verdict, "scoped": scope is not None}
    # the maintenance tickets API's writers take an alert on from the dashboard
    context["can_acknowledge"] = request.user.role in (Role.ADMIN, Role.SUPERVISOR)
    return render(request, "frontend/dashboard.html", context)


def service_worker(request):
    """Served from the root so it may control /capture/; the file lives with the static assets."""
    path = finders.find("frontend/sw.js")
    response = HttpResponse(Path(path).read_bytes(), content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


def favicon(request):
    """Pages that name no icon (the Django admin, a PDF shown alone) make browsers ask for
    /favicon.ico: the app's icon, served from the root as the service worker is, not a 404."""
    response = HttpResponse(
        Path(finders.find("frontend/icon-192.png")).read_bytes(), content_type="image/png"
    )
    response["Cache-Control"] = "max-age=86400"
    return response


def manifest(request):
    """The web app manifest: the capture page installs as an app on phones and tablets."""
    return JsonResponse(
        {
            "name": "TraceLens capture",
            "short_name": "TraceLens",
            "start_url": "/capture/",
            "scope": "/",
            "display": "standalone",
            "background_color": "#f3f4f6",
            "theme_color": "#17202a",
            "icons": [
                {"src": static("frontend/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": static("frontend/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            ],
        },
        content_type="application/manifest+json",
    )
