"""Defect checks (per product), their results on captures, defect rates, detector training."""

import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.choices import Role
from inspection import selectors
from inspection.models import DefectCheck, DefectInspection, TrainingJob
from inspection.services import start_training
from ocr.api.views import line_param
from ocr.selectors import captures_visible_to
from ocr.services import store_image
from traceability.models import Product, Station

MANAGERS = (Role.ADMIN, Role.SUPERVISOR)


class DefectCheckSerializer(serializers.ModelSerializer):
    product = serializers.SlugRelatedField(slug_field="part_number", queryset=Product.objects.all())
    station = serializers.SlugRelatedField(
        slug_field="code", queryset=Station.objects.all(), required=False, allow_null=True
    )
    template_file = serializers.ImageField(
        write_only=True, required=False, help_text="The defect-free image (golden-template checks)."
    )
    template = serializers.SlugRelatedField(slug_field="sha256", read_only=True)

    class Meta:
        model = DefectCheck
        fields = [
            "id",
            "product",
            "station",
            "name",
            "method",
            "template",
            "template_file",
            "model_name",
            "model_version",
            "settings",
            "active",
        ]

    def validate(self, data):
        upload = data.pop("template_file", None)
        if upload is not None:
            data["template"] = store_image(data=upload.read())
        check = DefectCheck(**{**({} if self.instance is None else self._current()), **data})
        check.clean()
        return data

    def _current(self) -> dict:
        return {
            f: getattr(self.instance, f) for f in ("product", "station", "method", "template", "model_name")
        }


class DefectCheckViewSet(viewsets.ModelViewSet):
    """The automatic defect checks each product's captures get. Every role reads them; admins
    and supervisors set them up (multipart, with ``template_file`` for a golden template)."""

    serializer_class = DefectCheckSerializer
    write_roles = MANAGERS

    def get_queryset(self):
        checks = DefectCheck.objects.select_related("product", "station", "template").order_by("pk")
        if product := self.request.query_params.get("product"):
            checks = checks.filter(product__part_number=product)
        return checks


class DetectionSerializer(serializers.Serializer):
    label = serializers.CharField()
    score = serializers.FloatField()
    box = serializers.ListField(child=serializers.FloatField())
    area = serializers.IntegerField(allow_null=True)


class DefectInspectionSerializer(serializers.ModelSerializer):
    check_name = serializers.CharField(source="defect_check.name", read_only=True)
    heat_map = serializers.SlugRelatedField(slug_field="sha256", read_only=True)
    detections = serializers.SerializerMethodField()

    class Meta:
        model = DefectInspection
        fields = [
            "id",
            "capture",
            "check_name",
            "method",
            "model_name",
            "model_version",
            "ok",
            "score",
            "heat_map",
            "details",
            "error",
            "detections",
            "created_at",
        ]
        read_only_fields = fields

    def get_detections(self, obj) -> list[dict]:
        return [d.as_json() for d in obj.detections.all()]


class DefectInspectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """What each defect check found on the captures you may see: ``?capture=<id>``, ``?ok=0``."""

    serializer_class = DefectInspectionSerializer

    def get_queryset(self):
        found = (
            DefectInspection.objects.filter(capture__in=captures_visible_to(self.request.user))
            .select_related("defect_check", "heat_map")
            .prefetch_related("detections")
            .order_by("-created_at", "-id")
        )
        params = self.request.query_params
        if params.get("capture", "").isdigit():
            found = found.filter(capture_id=params["capture"])
        if params.get("ok") in ("0", "1"):
            found = found.filter(ok=params["ok"] == "1")
        return found


class DefectRateSerializer(serializers.Serializer):
    line = serializers.CharField()
    label = serializers.CharField()
    detections = serializers.IntegerField()
    inspected = serializers.IntegerField()
    per_100 = serializers.FloatField(allow_null=True)


class DefectRatesView(APIView):
    """Detections per line and class over the last ``?hours=`` (24), and the captures
    inspected there; ``?line=<id>`` for one line."""

    @extend_schema(
        parameters=[OpenApiParameter("hours", int), OpenApiParameter("line", int)],
        responses=DefectRateSerializer(many=True),
    )
    def get(self, request):
        try:
            hours = max(1, min(24 * 90, int(request.query_params.get("hours", 24))))
        except ValueError:
            return Response({"detail": "hours is a whole number.", "code": "invalid"}, status=400)
        since = timezone.now() - dt.timedelta(hours=hours)
        return Response(selectors.defect_rates(since=since, line=line_param(request)))


class TrainingJobSerializer(serializers.ModelSerializer):
    product = serializers.SlugRelatedField(slug_field="part_number", queryset=Product.objects.all())
    dataset = serializers.CharField(write_only=True, help_text="A dataset's name (manage.py import_defects).")

    class Meta:
        model = TrainingJob
        fields = [
            "id",
            "product",
            "model_name",
            "dataset",
            "dataset_sha256",
            "epochs",
            "input_size",
            "device",
            "status",
            "error",
            "result",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = [
            "dataset_sha256",
            "status",
            "error",
            "result",
            "created_at",
            "started_at",
            "finished_at",
        ]


class TrainingJobViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Detector training jobs. ``POST`` (admins, supervisors) checks the YOLO dataset folder on
    the server and queues the job on the ``gpu`` queue; the trained model is registered in the
    models folder and named in ``result``."""

    serializer_class = TrainingJobSerializer
    queryset = TrainingJob.objects.select_related("product").order_by("-created_at", "-id")
    write_roles = MANAGERS

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        job = start_training(
            product=data["product"],
            model_name=data["model_name"],
            dataset=data["dataset"],
            epochs=data.get("epochs", 100),
            input_size=data.get("input_size", 640),
            device=data.get("device", "cpu"),
            actor=request.user,
        )
        return Response(self.get_serializer(job).data, status=status.HTTP_201_CREATED)
