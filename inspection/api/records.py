"""Inspection plans and records."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.choices import Role
from accounts.serializers import SignatureSerializer
from accounts.signatures import sign_decision
from inspection.models import InspectionDraft, InspectionPlan, InspectionRecord
from inspection.models.records import check_items
from inspection.services import confirm_draft, draft_from_form, record_inspection
from ocr.selectors import captures_visible_to
from traceability.models import Lot, Product, Station, Unit

MANAGERS = (Role.ADMIN, Role.SUPERVISOR)
SHOP_FLOOR = (Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR)
RECORD_MEANINGS = ("approved", "reviewed", "released")


class PlanSerializer(serializers.ModelSerializer):
    product = serializers.SlugRelatedField(slug_field="part_number", queryset=Product.objects.all())
    station = serializers.SlugRelatedField(
        slug_field="code", queryset=Station.objects.all(), required=False, allow_null=True
    )
    items = serializers.JSONField(
        help_text='[{"key": "torque", "label": "Torque", "kind": "measure", "low": 4.5, "high": 5.5, '
        '"unit": "N·m"}, {"key": "visual", "label": "No scratches", "kind": "check"}, '
        '{"key": "photo", "label": "Top view", "kind": "photo"}]'
    )

    class Meta:
        model = InspectionPlan
        fields = [
            "id",
            "product",
            "station",
            "name",
            "scope",
            "items",
            "sample_size",
            "required_for_release",
            "active",
        ]

    def validate_items(self, items):
        try:
            return check_items(items)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class PlanViewSet(viewsets.ModelViewSet):
    """Inspection plans per product (and station). Every role reads; admins and supervisors
    write. A plan with records is deactivated, not deleted."""

    serializer_class = PlanSerializer
    write_roles = MANAGERS

    def get_queryset(self):
        plans = InspectionPlan.objects.select_related("product", "station").order_by("pk")
        if product := self.request.query_params.get("product"):
            plans = plans.filter(product__part_number=product)
        return plans

    def destroy(self, request, *args, **kwargs):
        plan = self.get_object()
        if plan.records.exists():
            plan.active = False
            plan.save(update_fields=["active"])
            return Response(self.get_serializer(plan).data)
        return super().destroy(request, *args, **kwargs)


def signed_by(user, given: dict | None, record: dict) -> dict | None:
    """The signature the request carries on ``record``, or None: an inspection record may be
    signed (approved, reviewed or released); a lot's release needs it."""
    if not given:
        return None
    return sign_decision(user=user, given=given, meanings=RECORD_MEANINGS, reason="", record=record)


class RecordSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="serial", read_only=True)
    lot = serializers.SlugRelatedField(slug_field="code", read_only=True)
    inspector = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = InspectionRecord
        fields = [
            "id",
            "plan",
            "unit",
            "lot",
            "values",
            "results",
            "passed",
            "photos",
            "defects",
            "notes",
            "signature",
            "inspector",
            "created_at",
        ]
        read_only_fields = fields


class RecordInput(serializers.Serializer):
    plan = serializers.PrimaryKeyRelatedField(queryset=InspectionPlan.objects.all())
    unit = serializers.CharField(required=False, help_text="serial (unit plans)")
    lot = serializers.CharField(required=False, help_text="lot code (lot plans)")
    values = serializers.DictField(help_text="item key → value (true/false, a number, a photo's capture id)")
    photos = serializers.ListField(child=serializers.IntegerField(), required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    signature = SignatureSerializer(required=False, help_text="Sign the record (supervisors, admins).")


class RecordViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Inspection records, newest first (``?lot=``, ``?unit=``, ``?plan=``, ``?passed=0``).
    ``POST`` judges the values against the plan and writes the record with its trace event."""

    serializer_class = RecordSerializer
    write_roles = SHOP_FLOOR

    def get_queryset(self):
        records = InspectionRecord.objects.select_related("unit", "lot", "inspector").prefetch_related(
            "photos"
        )
        params = self.request.query_params
        if params.get("lot"):
            records = records.filter(lot__code=params["lot"])
        if params.get("unit"):
            records = records.filter(unit__serial=params["unit"])
        if params.get("plan", "").isdigit():
            records = records.filter(plan_id=params["plan"])
        if params.get("passed") in ("0", "1"):
            records = records.filter(passed=params["passed"] == "1")
        return records.order_by("-created_at", "-id")

    def get_serializer_class(self):
        return RecordInput if self.action == "create" else RecordSerializer

    def create(self, request, *args, **kwargs):
        body = RecordInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        unit = get_object_or_404(Unit, serial=data["unit"]) if data.get("unit") else None
        lot = get_object_or_404(Lot, code=data["lot"]) if data.get("lot") else None
        visible = captures_visible_to(request.user)
        photos = list(visible.filter(pk__in=data.get("photos", [])))
        if len(photos) != len(set(data.get("photos", []))):
            return Response(
                {"detail": "A photo is not a capture you may use.", "code": "bad_photo"}, status=400
            )
        signature = signed_by(
            request.user,
            data.get("signature"),
            {
                "plan": data["plan"].pk,
                "unit": data.get("unit"),
                "lot": data.get("lot"),
                "values": data["values"],
                "photos": sorted(p.pk for p in photos),
            },
        )
        record = record_inspection(
            plan=data["plan"],
            actor=request.user,
            values=data["values"],
            unit=unit,
            lot=lot,
            photos=photos,
            notes=data.get("notes", ""),
            signature=signature,
        )
        return Response(RecordSerializer(record).data, status=status.HTTP_201_CREATED)


class DraftSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="serial", read_only=True)
    lot = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = InspectionDraft
        fields = ["id", "plan", "capture", "unit", "lot", "proposed", "status", "record", "created_at"]
        read_only_fields = fields


class DraftInput(serializers.Serializer):
    plan = serializers.PrimaryKeyRelatedField(queryset=InspectionPlan.objects.filter(active=True))
    capture = serializers.IntegerField(help_text="a read capture of the filled form")
    unit = serializers.CharField(required=False, help_text="serial (unit plans)")
    lot = serializers.CharField(required=False, help_text="lot code (lot plans)")


class ConfirmInput(serializers.Serializer):
    values = serializers.DictField(required=False, help_text="corrections; unnamed items keep the value read")
    signature = SignatureSerializer(required=False)


class DraftViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Paper forms read into proposed values (``?status=open``). ``POST`` reads a capture of a
    filled form against a plan (a capture posted with ``metadata.inspection_plan`` is drafted by
    itself); ``confirm`` (admins, supervisors) writes the record with the person's corrections."""

    serializer_class = DraftSerializer
    write_roles = SHOP_FLOOR

    def get_queryset(self):
        drafts = InspectionDraft.objects.filter(
            capture__in=captures_visible_to(self.request.user)
        ).select_related("unit", "lot")
        if self.request.query_params.get("status") in InspectionDraft.Status.values:
            drafts = drafts.filter(status=self.request.query_params["status"])
        return drafts.order_by("-created_at", "-id")

    def get_serializer_class(self):
        return {"create": DraftInput, "confirm": ConfirmInput}.get(self.action, DraftSerializer)

    def create(self, request, *args, **kwargs):
        body = DraftInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        capture = get_object_or_404(captures_visible_to(request.user), pk=data["capture"])
        draft = draft_from_form(
            capture=capture,
            plan=data["plan"],
            unit=get_object_or_404(Unit, serial=data["unit"]) if data.get("unit") else capture.unit,
            lot=get_object_or_404(Lot, code=data["lot"]) if data.get("lot") else capture.lot,
        )
        return Response(DraftSerializer(draft).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], write_roles=MANAGERS)
    def confirm(self, request, pk=None):
        draft = self.get_object()
        body = ConfirmInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        signature = signed_by(
            request.user, data.get("signature"), {"draft": draft.pk, "values": data.get("values", {})}
        )
        record = confirm_draft(
            draft=draft, values=data.get("values", {}), actor=request.user, signature=signature
        )
        return Response(RecordSerializer(record).data, status=status.HTTP_201_CREATED)
