from rest_framework import serializers

from accounts.serializers import SignatureSerializer
from traceability.models import (
    Line,
    Lot,
    Product,
    Recall,
    Site,
    Station,
    Supplier,
    TraceEvent,
    Unit,
    WorkOrder,
)


class SiteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "code", "name"]


class LineSerializer(serializers.ModelSerializer):
    class Meta:
        model = Line
        fields = ["id", "site", "code", "name"]


class StationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Station
        fields = ["id", "line", "code", "name", "sequence"]


class SupplierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Supplier
        fields = ["id", "code", "name"]


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = [
            "id",
            "part_number",
            "name",
            "gtin",
            "revision",
            "serial_pattern",
            "lot_pattern",
            "warranty_days",
            "supplier",
        ]


class WorkOrderSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkOrder
        fields = ["id", "number", "product", "line", "quantity", "status"]


class LotSerializer(serializers.ModelSerializer):
    part_number = serializers.CharField(source="product.part_number", read_only=True)
    uri = serializers.CharField(read_only=True)

    class Meta:
        model = Lot
        fields = [
            "id",
            "product",
            "part_number",
            "code",
            "supplier",
            "line",
            "work_order",
            "manufactured_on",
            "expires_on",
            "quantity",
            "status",
            "uri",
        ]
        read_only_fields = ["status"]


class UnitSerializer(serializers.ModelSerializer):
    part_number = serializers.CharField(source="product.part_number", read_only=True)
    lot_code = serializers.CharField(source="lot.code", read_only=True, default=None)
    station_code = serializers.CharField(source="station.code", read_only=True, default=None)
    uri = serializers.CharField(read_only=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "product",
            "part_number",
            "serial",
            "lot",
            "lot_code",
            "status",
            "station",
            "station_code",
            "customer",
            "shipped_at",
            "uri",
        ]
        read_only_fields = ["status", "customer", "shipped_at"]
        validators = []  # duplicates are refused by the service, with its own error


class TraceEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = TraceEvent
        fields = [
            "id",
            "event_id",
            "event_type",
            "code",
            "action",
            "biz_step",
            "disposition",
            "event_time",
            "event_time_zone_offset",
            "record_time",
            "read_point",
            "station",
            "unit",
            "lot",
            "capture",
            "actor_name",
            "correlation_id",
            "epcis",
            "prev_hash",
            "hash",
        ]


class RecallSerializer(serializers.ModelSerializer):
    signature = SignatureSerializer(
        write_only=True, help_text="Opening a recall is signed: the password again."
    )

    class Meta:
        model = Recall
        fields = [
            "id",
            "number",
            "reason",
            "status",
            "lots",
            "opened_by",
            "opened_at",
            "closed_by",
            "closed_at",
            "close_reason",
            "open_signature",
            "close_signature",
            "signature",
        ]
        # what a recall is opened with; the rest is written by its workflow
        read_only_fields = [f for f in fields if f not in ("number", "reason", "lots", "signature")]


class StationRefSerializer(serializers.Serializer):
    station = serializers.SlugRelatedField(slug_field="code", queryset=Station.objects.all())


class LotQuantitySerializer(serializers.Serializer):
    lot = serializers.PrimaryKeyRelatedField(queryset=Lot.objects.all())
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)


class AssemblySerializer(serializers.Serializer):
    components = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), many=True, required=False)
    lots = LotQuantitySerializer(many=True, required=False)
    station = serializers.SlugRelatedField(slug_field="code", queryset=Station.objects.all(), required=False)


class PackSerializer(serializers.Serializer):
    units = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), many=True)


class ShipSerializer(serializers.Serializer):
    customer = serializers.CharField(max_length=200)
    override = SignatureSerializer(
        required=False,
        help_text="For a unit whose label has not passed verification: a supervisor's signature "
        "(meaning overridden, with a reason).",
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class SignedReasonSerializer(ReasonSerializer):
    """A decision that needs an electronic signature (lot release, recall open and close): the
    reason, and the signer's password again; the reason is what the signature states."""

    signature = SignatureSerializer(help_text="The signer's password again; meaning and reason optional.")


class InspectSerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    station = serializers.SlugRelatedField(slug_field="code", queryset=Station.objects.all(), required=False)


class AssociateSerializer(serializers.Serializer):
    children = serializers.ListField(child=serializers.CharField(max_length=300), min_length=1)
