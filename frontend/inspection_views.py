"""Inspection pages: fill in a plan's record on a tablet, and confirm a paper form's draft.
Plain forms posted to the server, which calls the inspection services."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from accounts.choices import Role
from frontend.views import role_required
from inspection.models import InspectionDraft, InspectionPlan
from inspection.services import InspectionRefused, confirm_draft, record_inspection
from ocr.choices import CaptureSource
from ocr.selectors import captures_visible_to
from ocr.services import CaptureRefused, create_capture
from traceability.models import Lot, Unit

INSPECTORS = (Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR)


def _values(plan, post, files, actor):
    """The form's answers as the record's values, and the photos uploaded for photo items."""
    values, photos = {}, []
    for item in plan.items:
        key = item["key"]
        if item["kind"] == "check":
            if post.get(key) in ("yes", "no"):
                values[key] = post[key] == "yes"
        elif item["kind"] == "measure":
            if post.get(key, "").strip():
                values[key] = post[key].strip().replace(",", ".")
        elif files.get(key):
            capture, _ = create_capture(actor=actor, data=files[key].read(), source=CaptureSource.BROWSER)
            photos.append(capture)
            values[key] = capture.pk
    return values, photos


def _subject(plan, post):
    code = post.get("subject", "").strip()
    if plan.scope == "unit":
        return {"unit": Unit.objects.filter(serial=code).first()}, code
    return {"lot": Lot.objects.filter(code=code).first()}, code


@role_required(*INSPECTORS)
def inspect(request, plan_id=None):
    """Pick a plan, then fill it in for a lot or a unit: each item's answer, photos taken on the
    spot; the record is judged and written at once, and its verdict shown."""
    plans = (
        InspectionPlan.objects.filter(active=True).select_related("product").order_by("product__part_number")
    )
    if plan_id is None and request.GET.get("plan", "").isdigit():
        return redirect("inspect-plan", plan_id=int(request.GET["plan"]))
    plan = get_object_or_404(plans, pk=plan_id) if plan_id else None
    record = None
    if plan and request.method == "POST":
        subject, code = _subject(plan, request.POST)
        if not any(subject.values()):
            messages.error(request, f"No {'unit' if plan.scope == 'unit' else 'lot'} {code!r}.")
        else:
            try:
                values, photos = _values(plan, request.POST, request.FILES, request.user)
                record = record_inspection(
                    plan=plan,
                    actor=request.user,
                    values=values,
                    photos=photos,
                    notes=request.POST.get("notes", ""),
                    **subject,
                )
            except (InspectionRefused, CaptureRefused) as exc:
                messages.error(request, getattr(exc, "message", str(exc)))
    return render(request, "frontend/inspect.html", {"plans": plans, "plan": plan, "record": record})


@role_required(Role.ADMIN, Role.SUPERVISOR)
def confirm_form(request, draft_id):
    """A paper form read into values: the photo beside the values read (with how sure), which
    the supervisor corrects and confirms into the record."""
    draft = get_object_or_404(
        InspectionDraft.objects.select_related("plan__product", "capture", "lot", "unit").filter(
            capture__in=captures_visible_to(request.user)
        ),
        pk=draft_id,
    )
    if request.method == "POST" and draft.status == InspectionDraft.Status.OPEN:
        values, _ = _values(draft.plan, request.POST, {}, request.user)
        subject, code = _subject(draft.plan, request.POST)
        if not any(subject.values()):
            messages.error(request, f"No {'unit' if draft.plan.scope == 'unit' else 'lot'} {code!r}.")
        else:
            draft.unit, draft.lot = subject.get("unit"), subject.get("lot")
            draft.save(update_fields=["unit", "lot"])
            try:
                record = confirm_draft(draft=draft, values=values, actor=request.user)
            except InspectionRefused as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"Record {record.pk}: {'pass' if record.passed else 'fail'}.")
                return redirect("review-queue")
    proposed = {p["key"]: p for p in draft.proposed}
    rows = [{"item": item, "read": proposed.get(item["key"], {})} for item in draft.plan.items]
    return render(request, "frontend/confirm_form.html", {"draft": draft, "rows": rows})
