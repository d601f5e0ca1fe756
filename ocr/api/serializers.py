from django.urls import reverse
from rest_framework import serializers

from accounts.serializers import SignatureSerializer
from ocr.models import Capture, LabelTemplate, Reading, ReadingJob
from ocr.templates import TemplateError, rules_from_json


class ReadingJobSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReadingJob
        fields = ["status", "engine", "attempts", "error_code", "error", "created_at", "finished_at"]


class ReadingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reading
        fields = [
            "width",
            "height",
            "lines",
            "codes",
            "fields",
            "checks",
            "quality",
            "text_variant",
            "engine",
            "engine_version",
            "config",
            "timings_ms",
            "created_at",
        ]


class CaptureSerializer(serializers.ModelSerializer):
    job = ReadingJobSerializer(read_only=True)
    reading = serializers.SerializerMethodField()
    station = serializers.SlugRelatedField(slug_field="code", read_only=True)
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)
    unit = serializers.SerializerMethodField()
    lot = serializers.SerializerMethodField()
    image = serializers.SerializerMethodField()
    reviewed_by = serializers.CharField(source="reviewed_by.username", read_only=True, default=None)
    corrections = serializers.SerializerMethodField()
    defects = serializers.SerializerMethodField()
    meters = serializers.SerializerMethodField()

    class Meta:
        model = Capture
        fields = [
            "id",
            "created_at",
            "source",
            "station",
            "uploaded_by",
            "original_name",
            "metadata",
            "idempotency_key",
            "image",
            "job",
            "reading",
            "unit",
            "lot",
            "needs_review",
            "review_reasons",
            "reviewed_by",
            "reviewed_at",
            "review_signature",
            "corrections",
            "defects",
            "meters",
        ]

    def get_reading(self, capture) -> dict | None:
        reading = getattr(capture, "reading", None)  # the reverse one-to-one raises when absent
        return ReadingSerializer(reading).data if reading else None

    def get_corrections(self, capture) -> list[dict]:
        return [
            {"field": c.field, "read": c.read_value, "value": c.value, "changed": c.changed}
            for c in capture.corrections.all()
        ]

    def get_defects(self, capture) -> list[dict]:
        """Each defect check run on the capture, with detections in the image's pixels."""
        heat_url = lambda i: reverse("capture-heat-map", args=[capture.pk, i.pk]) if i.heat_map_id else None  # noqa: E731
        return [
            {
                "check": i.defect_check.name,
                "method": i.method,
                "model": i.model_name,
                "version": i.model_version,
                "ok": i.ok,
                "score": i.score,
                "error": i.error,
                "heat_map_url": heat_url(i),
                "detections": [d.as_json() for d in i.detections.all()],
            }
            for i in capture.defect_inspections.all()
        ]

    def get_meters(self, capture) -> list[dict]:
        """Each machine display read in the photo: its value, status and why, with the digits'
        row and each digit (its confidence) in the image's pixels."""
        return [
            {
                "reading": r.pk,
                "display": {
                    "id": r.display_id,
                    "name": r.display.name,
                    "equipment": r.display.equipment.code,
                    "equipment_id": r.display.equipment_id,
                    "unit": r.display.unit,
                },
                "value": r.value,
                "text": r.text,
                "confidence": r.confidence,
                "status": r.status,
                "reasons": r.reasons,
                "box": r.box,
                "digits": r.digits,
            }
            for r in capture.meter_readings.all()
        ]

    def get_unit(self, capture) -> dict | None:
        unit = capture.unit
        return {"id": unit.pk, "serial": unit.serial, "product": unit.product.part_number} if unit else None

    def get_lot(self, capture) -> dict | None:
        lot = capture.lot
        return {"id": lot.pk, "code": lot.code, "product": lot.product.part_number} if lot else None

    def get_image(self, capture) -> dict:
        image = capture.image
        return {
            "url": reverse("capture-image", args=[capture.pk]),
            "sha256": image.sha256,
            "width": image.width,
            "height": image.height,
            "mime_type": image.mime_type,
        }


class CaptureUploadSerializer(serializers.Serializer):
    """Multipart upload: the image, the station (code), an idempotency key and JSON metadata."""

    image = serializers.FileField(allow_empty_file=True)
    station = serializers.CharField(required=False, allow_blank=True)
    idempotency_key = serializers.CharField(required=False, allow_blank=True, max_length=100)
    metadata = serializers.JSONField(required=False)

    def validate_metadata(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("metadata must be a JSON object.")
        return value


class LabelTemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = LabelTemplate
        fields = [
            "id",
            "name",
            "label_type",
            "product",
            "supplier",
            "fields",
            "min_confidence",
            "fixed_layout",
            "active",
            "updated_at",
        ]

    def validate_fields(self, value):
        try:
            rules_from_json(value)
        except TemplateError as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value

    def validate_min_confidence(self, value):
        if not 0 <= value <= 1:
            raise serializers.ValidationError("Between 0 and 1.")
        return value


class ReviewSerializer(serializers.Serializer):
    fields = serializers.DictField(child=serializers.CharField(allow_blank=True, max_length=200))
    signature = SignatureSerializer(
        required=False,
        help_text="Needed where a value that failed a check is kept: password again, meaning reviewed "
        "or approved, a reason.",
    )
