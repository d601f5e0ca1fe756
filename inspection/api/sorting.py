"""Sort rules (per product, station) and the decisions made with them."""

from django.core.exceptions import ValidationError
from rest_framework import mixins, serializers, viewsets

from accounts.choices import Role
from accounts.permissions import PEOPLE
from inspection.models import SortDecision, SortRule
from traceability.models import Product, Station


class SortRuleSerializer(serializers.ModelSerializer):
    product = serializers.SlugRelatedField(slug_field="part_number", queryset=Product.objects.all())
    station = serializers.SlugRelatedField(
        slug_field="code", queryset=Station.objects.all(), required=False, allow_null=True
    )
    rules = serializers.JSONField(
        help_text='[{"if": {"defect": true}, "bin": "reject"}, '
        '{"if": {"missing": ["screw"]}, "bin": "rework"}, {"if": {"colour": "red"}, "bin": "red"}]'
    )

    class Meta:
        model = SortRule
        fields = ["id", "product", "station", "name", "rules", "colours", "region", "default_bin", "active"]

    def validate(self, data):
        current = (
            {} if self.instance is None else {"rules": self.instance.rules, "colours": self.instance.colours}
        )
        try:
            SortRule(**{**current, **{k: data[k] for k in ("rules", "colours") if k in data}}).clean()
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return data


class SortRuleViewSet(viewsets.ModelViewSet):
    """How each product's parts are sorted. Every role reads; admins and supervisors write."""

    serializer_class = SortRuleSerializer
    queryset = SortRule.objects.select_related("product", "station").order_by("pk")
    write_roles = (Role.ADMIN, Role.SUPERVISOR)


class SortDecisionSerializer(serializers.ModelSerializer):
    station = serializers.SlugRelatedField(slug_field="code", read_only=True)
    rule = serializers.CharField(source="rule.name", read_only=True)

    class Meta:
        model = SortDecision
        fields = [
            "id",
            "capture",
            "station",
            "rule",
            "bin",
            "reasons",
            "facts",
            "trigger",
            "published_at",
            "created_at",
        ]
        read_only_fields = fields


class SortDecisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Decisions, newest first: ``?station=<code>``, ``?capture=<id>``, ``?trigger=<id>`` (a line
    controller that cannot take MQTT polls here with its trigger id)."""

    serializer_class = SortDecisionSerializer
    read_roles = (*PEOPLE, Role.DEVICE)  # a line controller polls its stations' decisions
    queryset = SortDecision.objects.none()  # typed for the schema; get_queryset narrows per user

    def get_queryset(self):
        found = SortDecision.objects.select_related("station", "rule").order_by("-created_at", "-id")
        user, params = self.request.user, self.request.query_params
        if user.role == Role.DEVICE:
            found = found.filter(station__in=user.stations.all())
        if params.get("station"):
            found = found.filter(station__code=params["station"])
        if params.get("capture", "").isdigit():
            found = found.filter(capture_id=params["capture"])
        if params.get("trigger"):
            found = found.filter(trigger=params["trigger"])
        return found
