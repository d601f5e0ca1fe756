"""Supplier document pages: send a document (receiving), see what was read from it beside the
file, and, for supervisors, correct the lines and accept it or reject it."""

from django.contrib import messages
from django.http import FileResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin

from accounts.choices import Role
from frontend.views import role_required
from integrations import supplier_docs
from integrations.models import DocumentStatus, SupplierDocument
from ocr import storage
from ocr.documents import DocumentRefused

READERS = (Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR, Role.AUDITOR)
SENDERS = (Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR)
REVIEWERS = (Role.ADMIN, Role.SUPERVISOR)


@role_required(*READERS)
def documents(request):
    if request.method == "POST":
        if request.user.role not in SENDERS or not request.FILES.get("file"):
            messages.error(request, "Choose a PDF or a photo of the document.")
        else:
            upload = request.FILES["file"]
            try:
                document, created = supplier_docs.take(
                    data=upload.read(), actor=request.user, name=upload.name
                )
            except DocumentRefused as exc:
                messages.error(request, f"{upload.name}: {exc.message}")
            else:
                messages.success(
                    request, f"{upload.name}: {'being read' if created else 'already received'}."
                )
                return redirect("document-page", document_id=document.pk)
    listed = SupplierDocument.objects.select_related("purchase_order").order_by("-created_at")[:200]
    return render(
        request, "frontend/documents.html", {"documents": listed, "can_send": request.user.role in SENDERS}
    )


@xframe_options_sameorigin  # shown in the document page's frame
@role_required(*READERS)
def document_file(request, document_id: int):
    document = get_object_or_404(SupplierDocument, pk=document_id)
    return FileResponse(storage.absolute_path(document.path).open("rb"), content_type=document.mime_type)


def _lines_from(post) -> list[dict]:
    lines = []
    for n in range(int(post.get("line_count", "0") or 0) + 1):
        line = {
            key: post.get(f"{key}-{n}", "").strip() for key in ("part_number", "lot", "quantity", "expiry")
        }
        if any(line.values()):
            lines.append(line)
    return lines


@role_required(*READERS)
def document_page(request, document_id: int):
    document = get_object_or_404(SupplierDocument.objects.select_related("purchase_order"), pk=document_id)
    can_review = request.user.role in REVIEWERS and document.status == DocumentStatus.REVIEW
    if request.method == "POST" and can_review:
        accept = request.POST.get("action") == "accept"
        try:
            supplier_docs.review(
                document=document,
                actor=request.user,
                accept=accept,
                fields={"po_number": request.POST.get("po_number", "").strip()} if accept else None,
                lines=_lines_from(request.POST) if accept else None,
                note=request.POST.get("note", ""),
            )
        except supplier_docs.ReviewRefused as exc:
            messages.error(request, "; ".join([exc.message, *exc.reasons]))
        else:
            messages.success(request, f"Document {document.pk} {'accepted' if accept else 'rejected'}.")
            return redirect("review-queue")
    parsed = document.parsed or {}
    return render(
        request,
        "frontend/document.html",
        {
            "document": document,
            "fields": parsed.get("fields", {}),
            "lines": parsed.get("lines", []),
            "properties": parsed.get("properties", []),
            "can_review": can_review,
            "lots": document.lots.select_related("product"),
        },
    )


@role_required(Role.ADMIN, Role.AUDITOR)
def deliveries(request):
    """The outbox's log: dead letters first, with replay for admins; the latest deliveries after."""
    from integrations.models import Delivery
    from integrations.services import WebhookRefused, replay

    if request.method == "POST":
        if request.user.role != Role.ADMIN:
            return HttpResponseForbidden("Only admins replay deliveries.")
        delivery = get_object_or_404(Delivery, pk=request.POST.get("delivery"))
        try:
            replay(delivery=delivery)
        except WebhookRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Delivery {delivery.pk} will be sent again.")
        return redirect("deliveries")
    found = Delivery.objects.select_related("webhook", "subscription__query")
    return render(
        request,
        "frontend/deliveries.html",
        {
            "dead": found.filter(status="dead").order_by("-created_at")[:200],
            "latest": found.exclude(status="dead").order_by("-created_at")[:50],
            "can_replay": request.user.role == Role.ADMIN,
        },
    )
