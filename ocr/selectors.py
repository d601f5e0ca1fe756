"""Reads of captures: querysets scoped to what a user may see, and the JSON shape pushed live."""

from django.db.models import Q, QuerySet

from accounts.choices import SEE_ALL_ROLES, Role
from accounts.scoping import scoped_line_ids
from ocr.models import Capture


def all_captures() -> QuerySet[Capture]:
    related = ("image", "station__line", "uploaded_by", "job", "reading", "unit__product", "lot__product")
    return Capture.objects.select_related(*related, "reviewed_by").prefetch_related(
        "corrections",
        "defect_inspections__defect_check",
        "defect_inspections__detections",
        "meter_readings__display__equipment",
    )


def captures_visible_to(user) -> QuerySet[Capture]:
    """Admins, supervisors and auditors see every capture (of their lines, where they are
    scoped); operators their own; devices their stations'. The same rule as
    ``accounts.permissions.can_view_capture``."""
    captures = all_captures()
    role = getattr(user, "role", None)  # anonymous users have none, and see nothing
    if role in SEE_ALL_ROLES:
        scope = scoped_line_ids(user)
        if scope is None:
            return captures
        return captures.filter(Q(station__line_id__in=scope) | Q(uploaded_by=user))
    if role == Role.OPERATOR:
        return captures.filter(uploaded_by=user)
    if role == Role.DEVICE:
        return captures.filter(station__in=user.stations.all())
    return captures.none()


def capture_payload(capture_id: int) -> dict:
    """The capture as the API and the live push show it."""
    return serialize_capture(all_captures().get(pk=capture_id))


def serialize_capture(capture: Capture) -> dict:
    """``capture`` (from ``all_captures``) as the API and the live push show it."""
    from ocr.api.serializers import CaptureSerializer

    return CaptureSerializer(capture).data
