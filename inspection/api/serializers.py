from rest_framework import serializers

from inspection.models import LabelVerification


class VerifyRequestSerializer(serializers.Serializer):
    """Which capture's label to verify, and what it is meant for (any of them; else the
    capture's metadata says). ``expected``: values the line knows (``{"lot": "L1"}``)."""

    capture = serializers.IntegerField()
    unit = serializers.CharField(required=False, help_text="serial")
    lot = serializers.CharField(required=False, help_text="lot code")
    work_order = serializers.CharField(required=False, help_text="work order number")
    product = serializers.CharField(required=False, help_text="part number")
    shipment = serializers.CharField(required=False, help_text="shipment number (loading)")
    expected = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)


class VerificationSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="serial", read_only=True)
    lot = serializers.SlugRelatedField(slug_field="code", read_only=True)
    work_order = serializers.SlugRelatedField(slug_field="number", read_only=True)
    product = serializers.SlugRelatedField(slug_field="part_number", read_only=True)
    station = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = LabelVerification
        fields = [
            "id",
            "capture",
            "ok",
            "unit",
            "lot",
            "work_order",
            "product",
            "station",
            "expected",
            "fields",
            "marks",
            "reasons",
            "image_sha256",
            "created_at",
        ]
        read_only_fields = fields
