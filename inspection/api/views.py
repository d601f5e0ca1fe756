from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from accounts.choices import Role
from accounts.permissions import PEOPLE
from inspection.api.serializers import VerificationSerializer, VerifyRequestSerializer
from inspection.models import LabelVerification
from inspection.services import verify_capture
from ocr.selectors import captures_visible_to


class VerificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Label verifications (printed text, code and database checked against each other), newest
    first; ``?unit=<serial>``, ``?station=<code>``, ``?ok=0``. ``POST`` verifies a read capture."""

    serializer_class = VerificationSerializer
    read_roles = (*PEOPLE, Role.DEVICE)  # filtered to the captures the user may see

    def get_queryset(self):
        found = LabelVerification.objects.select_related(
            "unit", "lot", "work_order", "product", "station"
        ).filter(capture__in=captures_visible_to(self.request.user))
        params = self.request.query_params
        if params.get("unit"):
            found = found.filter(unit__serial=params["unit"])
        if params.get("station"):
            found = found.filter(station__code=params["station"])
        if params.get("ok") in ("0", "1"):
            found = found.filter(ok=params["ok"] == "1")
        return found.order_by("-created_at", "-id")

    @extend_schema(request=VerifyRequestSerializer, responses={201: VerificationSerializer})
    def create(self, request, *args, **kwargs):
        body = VerifyRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        capture = get_object_or_404(captures_visible_to(request.user), pk=data["capture"])
        record = verify_capture(
            capture=capture,
            actor=request.user,
            unit=data.get("unit"),
            lot=data.get("lot"),
            work_order=data.get("work_order"),
            product=data.get("product"),
            shipment=data.get("shipment"),
            expected=data.get("expected"),
        )
        return Response(
            VerificationSerializer(self.get_queryset().get(pk=record.pk)).data, status=status.HTTP_201_CREATED
        )
