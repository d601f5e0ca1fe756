from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.choices import SEE_ALL_ROLES, WRITE_ROLES, Role
from accounts.permissions import PEOPLE
from accounts.scoping import scoped_line_ids
from ocr.api.serializers import (
    CaptureSerializer,
    CaptureUploadSerializer,
    LabelTemplateSerializer,
    ReviewSerializer,
)
from ocr.choices import CaptureSource
from ocr.dashboard import stats
from ocr.models import LabelTemplate
from ocr.print_trend import print_quality_trend
from ocr.selectors import captures_visible_to
from ocr.services import REVIEWER_ROLES, CaptureRefused, create_capture, review_capture
from traceability.models import Line, Station


class CaptureViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Captures. ``POST`` accepts a photo (multipart) and answers at once: the reading runs on a
    worker and is pushed to ``ws/captures/<id>/`` when done."""

    serializer_class = CaptureSerializer
    parser_classes = [MultiPartParser, FormParser]
    read_roles = (*PEOPLE, Role.DEVICE)  # a device sees its own stations' captures
    write_roles = tuple(WRITE_ROLES)  # uploads; a review narrows it to reviewers

    def get_queryset(self):
        captures = captures_visible_to(self.request.user)
        if self.request.query_params.get("needs_review") in ("1", "true"):
            captures = captures.filter(needs_review=True)
        return captures

    @extend_schema(request=ReviewSerializer, responses=CaptureSerializer)
    @action(detail=True, methods=["post"], parser_classes=[JSONParser], write_roles=REVIEWER_ROLES)
    def review(self, request, pk=None):
        """Confirm or correct the reading's fields (admins and supervisors): ``{"fields":
        {"lot": "K4471", "serial": ""}}``; an empty value says the field is not on the label."""
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            capture = review_capture(
                capture=self.get_object(),
                values=body.validated_data["fields"],
                reviewer=request.user,
                signature=body.validated_data.get("signature"),
            )
        except CaptureRefused as exc:
            return Response({"detail": exc.message, "code": exc.code}, status=exc.status)
        return Response(CaptureSerializer(self.get_queryset().get(pk=capture.pk)).data)

    def create(self, request, *args, **kwargs):
        upload = CaptureUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        fields = upload.validated_data
        station = None
        if fields.get("station"):
            station = Station.objects.filter(code=fields["station"]).first()
            if station is None:
                raise ValidationError({"station": [f"No station with code {fields['station']!r}."]})
        is_session = request.auth is None
        source = CaptureSource.BROWSER if is_session else CaptureSource.API
        try:
            capture, created = create_capture(
                actor=request.user,
                data=fields["image"].read(),
                source=source,
                station=station,
                idempotency_key=fields.get("idempotency_key", ""),
                original_name=fields["image"].name or "",
                metadata=fields.get("metadata") or {},
            )
        except CaptureRefused as exc:
            busy = {"Retry-After": str(settings.BUSY_RETRY_AFTER_S)} if exc.status == 503 else None
            return Response({"detail": exc.message, "code": exc.code}, status=exc.status, headers=busy)
        capture = get_object_or_404(self.get_queryset(), pk=capture.pk)
        return Response(
            CaptureSerializer(capture).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class LabelTemplateViewSet(viewsets.ModelViewSet):
    """Label templates: where each field is on a product's, supplier's or label type's label.
    Every role reads them; admins and supervisors edit them."""

    serializer_class = LabelTemplateSerializer
    write_roles = (Role.ADMIN, Role.SUPERVISOR)

    def get_queryset(self):
        templates = LabelTemplate.objects.all()
        for key in ("product", "supplier", "label_type"):
            if value := self.request.query_params.get(key):
                templates = templates.filter(**{key: value})
        return templates


def forbidden() -> Response:
    return Response({"detail": "Your role does not allow this.", "code": "forbidden"}, status=403)


def line_param(request) -> Line | None:
    """The line ``?line=<id>`` names (404 if none has that id, or it is outside the user's
    lines), or None for all lines. A user scoped to lines names one of them; with one line,
    it is the default."""
    scope = scoped_line_ids(request.user)
    if not request.query_params.get("line"):
        if scope is None:
            return None
        if len(scope) == 1:
            return Line.objects.get(pk=next(iter(scope)))
        raise ValidationError({"line": "Name one of your lines: ?line=<id>."})
    line = get_object_or_404(Line, pk=request.query_params["line"])
    if scope is not None and line.pk not in scope:
        raise Http404("no such line")
    return line


class PrintQualityView(APIView):
    """Data Matrix print quality per station and day (``?days=14&line=<id>``): unused error
    correction, contrast, margin, finder/clock damage, module size. A trend indicator, not an
    ISO/IEC 15415 grade. Admins, supervisors and auditors."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        if request.user.role not in SEE_ALL_ROLES:
            return forbidden()
        line = line_param(request)
        try:
            days = max(1, min(365, int(request.query_params.get("days", 14))))
        except ValueError:
            raise ValidationError({"days": "a whole number of days"}) from None
        return Response(print_quality_trend(days=days, line=line))


class DashboardView(APIView):
    """The supervisor dashboard's figures for the last 30 minutes (``?line=<id>``): captures,
    reads per minute, no-read and review rates, per-minute counts, the latest captures, WIP and
    the bottleneck. Admins, supervisors and auditors."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        if request.user.role not in SEE_ALL_ROLES:
            return forbidden()
        line = line_param(request)
        return Response(stats(line))
