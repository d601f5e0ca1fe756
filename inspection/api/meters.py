"""Equipment, displays, their readings and series, alert rules, alerts and maintenance tickets."""

from dataclasses import asdict

from django.db import transaction
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.choices import Role
from accounts.scoping import LineScoped, ScopedRelations, limit_to_lines
from config.moments import parse_bounds
from config.serializers import CleanedSerializer
from inspection.models import Alert, AlertRule, Display, Equipment, MaintenanceTicket, MeterReading
from inspection.selectors import display_now, display_series
from inspection.services.meters import (
    acknowledge_ticket,
    announce_machine,
    close_ticket,
    review_meter_reading,
)
from traceability.models import Line, Station

MANAGERS = (Role.ADMIN, Role.SUPERVISOR)


class EquipmentSerializer(ScopedRelations, CleanedSerializer):
    scoped_relations = {"line": "pk", "station": "line"}
    line = serializers.SlugRelatedField(slug_field="code", queryset=Line.objects.all())
    station = serializers.SlugRelatedField(
        slug_field="code", queryset=Station.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Equipment
        fields = ["id", "code", "name", "line", "station", "description"]


class AnnouncesMachine:
    """A viewset mixin: each object written or removed tells the equipment lists on its
    machine's line (``announce_machine``); ``machine_of`` finds the machine."""

    machine_of = staticmethod(lambda obj: obj)

    def perform_create(self, serializer):
        super().perform_create(serializer)
        announce_machine(self.machine_of(serializer.instance))

    def perform_update(self, serializer):
        was = self.machine_of(serializer.instance).line  # a machine moved leaves its lists
        super().perform_update(serializer)
        announce_machine(self.machine_of(serializer.instance), was)

    def perform_destroy(self, instance):
        with transaction.atomic():  # told once removed; not at all if the removal is refused
            announce_machine(self.machine_of(instance))
            super().perform_destroy(instance)


class EquipmentViewSet(AnnouncesMachine, LineScoped, viewsets.ModelViewSet):
    """Machines per line and station. Every role reads; admins and supervisors write."""

    line_field = "line"

    serializer_class = EquipmentSerializer
    queryset = Equipment.objects.select_related("line", "station").order_by("code")
    write_roles = MANAGERS


class DisplaySerializer(ScopedRelations, CleanedSerializer):
    scoped_relations = {"equipment": "line"}
    equipment = serializers.SlugRelatedField(slug_field="code", queryset=Equipment.objects.all())

    class Meta:
        model = Display
        fields = [
            "id", "equipment", "name", "kind", "digits", "decimals", "point_shown", "signed", "unit",
            "min_value", "max_value", "max_rate_per_hour", "counter", "frames", "camera_turn",
            "min_confidence",
        ]  # fmt: skip


class DisplayViewSet(AnnouncesMachine, LineScoped, viewsets.ModelViewSet):
    """A machine's displays and what a plausible reading of each is. ``GET .../series/?start=&end=
    &max_points=``: the accepted readings, downsampled to buckets for long ranges. ``GET
    .../state/``: where the display stands now (``display_now``): its last accepted reading,
    readings waiting for review, each time-to-limit rule's trend, each alerted drift's line
    since its onset, and its rules in words."""

    line_field = "equipment__line"
    machine_of = staticmethod(lambda display: display.equipment)

    serializer_class = DisplaySerializer
    queryset = Display.objects.select_related("equipment").order_by("equipment__code", "name")
    write_roles = MANAGERS

    @action(detail=True, methods=["get"])
    def series(self, request, pk=None):
        display = self.get_object()
        params = request.query_params
        try:
            bounds = parse_bounds(params)
        except ValueError as exc:
            return Response({"detail": str(exc), "code": "bad_time"}, status=400)
        try:
            max_points = max(10, min(5000, int(params.get("max_points", 500))))
        except ValueError:
            return Response({"detail": "max_points: not a number", "code": "bad_number"}, status=400)
        return Response({"display": display.pk, "unit": display.unit, **display_series(
            display=display, max_points=max_points, **bounds
        )})  # fmt: skip

    @action(detail=True, methods=["get"])
    def state(self, request, pk=None):
        display = self.get_object()
        now = display_now(display=display)
        last = now["last"]
        return Response(
            {
                "display": display.pk,
                "unit": display.unit,
                "last": None
                if last is None
                else {
                    "reading": last.pk,
                    "value": last.value,
                    "read_at": last.read_at,
                    "capture": last.capture_id,
                },
                "waiting": now["waiting"],
                "trends": [
                    {
                        "rule": t["rule"].pk,
                        "trend": t["trend"] and asdict(t["trend"]),
                        "reaches_at": t["reaches_at"],
                    }
                    for t in now["trends"]
                ],
                "drifts": [
                    {
                        "rule": t["rule"].pk,
                        "onset": t["onset"],
                        "trend": asdict(t["trend"]),
                        "reaches_at": t["reaches_at"],
                    }
                    for t in now["drifts"]
                ],
                "limits": now["limits"],
                "rules": [
                    {"id": r.pk, "name": r.name, "kind": r.kind, "active": r.active, "condition": r.condition}
                    for r in display.alert_rules.select_related("display").order_by("name")
                ],
            }
        )


class MeterReadingSerializer(serializers.ModelSerializer):
    class Meta:
        model = MeterReading
        fields = [
            "id", "display", "capture", "read_at", "value", "text", "confidence", "digits", "box",
            "status", "reasons", "read_by", "reviewed_by", "original_value", "published_at",
        ]  # fmt: skip
        read_only_fields = fields


class ReviewInput(serializers.Serializer):
    accept = serializers.BooleanField()
    value = serializers.FloatField(required=False, allow_null=True)


class MeterReadingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Readings, newest first: ``?display=<id>``, ``?status=review``. ``POST .../review/``
    (admins, supervisors, operators): accept, with the value on the photo, or reject."""

    serializer_class = MeterReadingSerializer
    queryset = MeterReading.objects.none()
    write_roles = MANAGERS

    def get_queryset(self):
        found = MeterReading.objects.order_by("-read_at", "-pk")
        params = self.request.query_params
        if params.get("display", "").isdigit():
            found = found.filter(display_id=params["display"])
        if params.get("status"):
            found = found.filter(status=params["status"])
        return limit_to_lines(found, self.request.user, "display__equipment__line")

    @action(detail=True, methods=["post"], write_roles=(Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR))
    def review(self, request, pk=None):
        body = ReviewInput(data=request.data)
        body.is_valid(raise_exception=True)
        reading = review_meter_reading(
            reading=self.get_object(),
            actor=request.user,
            value=body.validated_data.get("value"),
            accept=body.validated_data["accept"],
        )
        return Response(MeterReadingSerializer(reading).data)


class AlertRuleSerializer(ScopedRelations, CleanedSerializer):
    scoped_relations = {"display": "equipment__line"}

    class Meta:
        model = AlertRule
        fields = [
            "id", "display", "name", "kind", "low", "high", "k", "h", "baseline", "window_hours",
            "hours", "minutes", "active",
        ]  # fmt: skip


class AlertRuleViewSet(AnnouncesMachine, LineScoped, viewsets.ModelViewSet):
    """Alert rules per display: threshold, drift (CUSUM), time to limit, stale (which the
    equipment lists show: each rule written tells them)."""

    line_field = "display__equipment__line"
    machine_of = staticmethod(lambda rule: rule.display.equipment)

    serializer_class = AlertRuleSerializer
    queryset = AlertRule.objects.select_related("display__equipment__line").order_by("display_id", "name")
    write_roles = MANAGERS


class TicketSerializer(serializers.ModelSerializer):
    equipment = serializers.SlugRelatedField(slug_field="code", read_only=True)
    acknowledged_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    closed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = MaintenanceTicket
        fields = [
            "id", "alert", "equipment", "title", "status", "opened_at", "acknowledged_by",
            "acknowledged_at", "closed_by", "closed_at", "note",
        ]  # fmt: skip
        read_only_fields = fields


class AlertSerializer(serializers.ModelSerializer):
    rule = serializers.CharField(source="rule.name", read_only=True)
    kind = serializers.CharField(source="rule.kind", read_only=True)
    ticket = TicketSerializer(read_only=True)
    display_name = serializers.CharField(source="display.name", read_only=True)
    equipment = serializers.CharField(source="display.equipment.code", read_only=True)
    equipment_id = serializers.IntegerField(source="display.equipment_id", read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "display",
            "display_name",
            "equipment",
            "equipment_id",
            "rule",
            "kind",
            "reading",
            "message",
            "details",
            "raised_at",
            "published_at",
            "ticket",
        ]
        read_only_fields = fields


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Alerts, newest first: ``?display=<id>``, ``?line=<id>``, ``?open=1`` (ticket not closed)."""

    serializer_class = AlertSerializer
    queryset = Alert.objects.none()

    def get_queryset(self):
        found = Alert.objects.select_related(
            "rule", "display__equipment", "ticket__equipment", "ticket__acknowledged_by", "ticket__closed_by"
        ).order_by("-raised_at", "-pk")
        params = self.request.query_params
        if params.get("display", "").isdigit():
            found = found.filter(display_id=params["display"])
        if params.get("line", "").isdigit():
            found = found.filter(display__equipment__line_id=params["line"])
        if params.get("open") in ("1", "true"):
            found = found.exclude(ticket__status="closed")
        return limit_to_lines(found, self.request.user, "display__equipment__line")


class CloseInput(serializers.Serializer):
    note = serializers.CharField()


class TicketViewSet(LineScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Maintenance tickets opened by alerts: ``POST .../acknowledge/``, ``POST .../close/``
    with a ``note`` (admins and supervisors)."""

    line_field = "equipment__line"

    serializer_class = TicketSerializer
    write_roles = MANAGERS
    queryset = MaintenanceTicket.objects.select_related("equipment", "acknowledged_by", "closed_by").order_by(
        "-opened_at", "-pk"
    )

    @action(detail=True, methods=["post"], write_roles=MANAGERS)
    def acknowledge(self, request, pk=None):
        return Response(
            TicketSerializer(acknowledge_ticket(ticket=self.get_object(), actor=request.user)).data
        )

    @action(detail=True, methods=["post"], write_roles=MANAGERS)
    def close(self, request, pk=None):
        body = CloseInput(data=request.data)
        body.is_valid(raise_exception=True)
        ticket = close_ticket(ticket=self.get_object(), actor=request.user, note=body.validated_data["note"])
        return Response(TicketSerializer(ticket).data, status=status.HTTP_200_OK)
