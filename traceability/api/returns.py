"""Returns (RMA) API: open a case from a photo's reading or a typed serial, list and read cases,
settle them (admins and supervisors); a unit's return card."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.choices import Role
from ocr.selectors import captures_visible_to
from traceability.choices import ReturnDisposition, ReturnReason
from traceability.models import ReturnCase, Unit
from traceability.returns import open_return, settle_return


class ReturnCaseSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="serial", read_only=True, allow_null=True)
    opened_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    disposition = serializers.ChoiceField(choices=ReturnDisposition.choices, allow_blank=True, read_only=True)

    class Meta:
        model = ReturnCase
        fields = [
            "id",
            "number",
            "unit",
            "capture",
            "photos",
            "typed_serial",
            "reason",
            "notes",
            "disposition",
            "status",
            "opened_by",
            "opened_at",
            "closed_at",
        ]
        read_only_fields = fields


class OpenReturnSerializer(serializers.Serializer):
    capture = serializers.IntegerField(required=False, help_text="the photo of the returned item")
    unit = serializers.IntegerField(required=False)
    typed_serial = serializers.CharField(required=False, allow_blank=True, max_length=64)
    reason = serializers.ChoiceField(choices=ReturnReason.choices)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class PhotoSerializer(serializers.Serializer):
    capture = serializers.IntegerField(help_text="another photo of the returned item")


class SettleSerializer(serializers.Serializer):
    disposition = serializers.ChoiceField(choices=ReturnDisposition.choices)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    unit = serializers.IntegerField(required=False, help_text="for a case opened on an unknown serial")


class ReturnCaseViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Return cases, newest first (``?status=open``). Opening one needs a photo, a unit or a
    typed serial; an unknown serial opens the case without a unit for a supervisor."""

    serializer_class = ReturnCaseSerializer
    write_roles = (Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR)

    def get_queryset(self):
        cases = ReturnCase.objects.select_related("unit", "opened_by").order_by("-opened_at", "-id")
        if self.request.query_params.get("status"):
            cases = cases.filter(status=self.request.query_params["status"])
        return cases

    @extend_schema(request=OpenReturnSerializer, responses={201: ReturnCaseSerializer})
    def create(self, request, *args, **kwargs):
        body = OpenReturnSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        capture = None
        if data.get("capture"):
            capture = get_object_or_404(captures_visible_to(request.user), pk=data["capture"])
        unit = (
            get_object_or_404(Unit, pk=data["unit"])
            if data.get("unit")
            else (capture.unit if capture else None)
        )
        if unit is None and not data.get("typed_serial") and capture is None:
            raise serializers.ValidationError({"detail": "Send a photo, a unit or the serial you read."})
        case = open_return(
            actor=request.user,
            reason=data["reason"],
            capture=capture,
            unit=unit,
            typed_serial=data.get("typed_serial", ""),
            notes=data.get("notes", ""),
        )
        return Response(ReturnCaseSerializer(case).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PhotoSerializer, responses=ReturnCaseSerializer)
    @action(detail=True, methods=["post"])
    def photos(self, request, pk=None):
        """Add a photo (a capture the user may see) to the case as evidence."""
        body = PhotoSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case = self.get_object()
        case.photos.add(
            get_object_or_404(captures_visible_to(request.user), pk=body.validated_data["capture"])
        )
        return Response(ReturnCaseSerializer(case).data)

    @extend_schema(request=SettleSerializer, responses=ReturnCaseSerializer)
    @action(detail=True, methods=["post"], write_roles=(Role.ADMIN, Role.SUPERVISOR))
    def settle(self, request, pk=None):
        body = SettleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        unit = (
            get_object_or_404(Unit, pk=body.validated_data["unit"])
            if body.validated_data.get("unit")
            else None
        )
        case = settle_return(
            case=self.get_object(),
            disposition=body.validated_data["disposition"],
            actor=request.user,
            notes=body.validated_data.get("notes", ""),
            unit=unit,
        )
        return Response(ReturnCaseSerializer(case).data)
