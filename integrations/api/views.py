"""Webhook subscriptions (admins) and their delivery log, with replay of dead letters; part-present
triggers from line controllers."""

from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from accounts.choices import Role
from accounts.scoping import LineScoped, ScopedRelations
from config.serializers import CleanedSerializer
from integrations.models import Delivery, PartTrigger, Webhook
from integrations.services import replay
from integrations.triggers import TriggerRefused, accept
from traceability.models import Station


class WebhookSerializer(CleanedSerializer):
    class Meta:
        model = Webhook
        fields = ["id", "name", "url", "secret", "events", "active", "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {"secret": {"required": False}}


class WebhookViewSet(viewsets.ModelViewSet):
    """Subscriptions: a URL, the event types sent to it, and the secret its signatures use.
    Admins only, secrets included."""

    serializer_class = WebhookSerializer
    queryset = Webhook.objects.order_by("name")
    read_roles = write_roles = (Role.ADMIN,)

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)


class DeliverySerializer(serializers.ModelSerializer):
    webhook = serializers.CharField(source="webhook.name", read_only=True, default=None)
    subscription = serializers.IntegerField(source="subscription_id", read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id", "webhook", "subscription", "event", "payload", "status", "attempts", "next_attempt_at",
            "last_status", "last_error", "log", "delivered_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The delivery log, newest first: ``?status=dead`` is the dead-letter list; ``POST
    .../replay/`` sends a dead letter again (admins)."""

    serializer_class = DeliverySerializer
    queryset = Delivery.objects.none()
    read_roles = (Role.ADMIN, Role.AUDITOR)
    write_roles = (Role.ADMIN,)

    def get_queryset(self):
        found = Delivery.objects.select_related("webhook").order_by("-created_at", "-pk")
        if self.request.query_params.get("status"):
            found = found.filter(status=self.request.query_params["status"])
        return found

    @action(detail=True, methods=["post"], write_roles=(Role.ADMIN,))
    def replay(self, request, pk=None):
        return Response(DeliverySerializer(replay(delivery=self.get_object())).data)


class PartTriggerSerializer(ScopedRelations, serializers.ModelSerializer):
    scoped_relations = {"station": "line"}
    station = serializers.SlugRelatedField(slug_field="code", queryset=Station.objects.all())
    ttl_s = serializers.FloatField(write_only=True, required=False)
    capture = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = PartTrigger
        fields = [
            "id", "station", "part_id", "trigger_id", "expected", "ttl_s", "source", "received_at",
            "expires_at", "status", "capture",
        ]  # fmt: skip
        read_only_fields = ["source", "received_at", "expires_at", "status", "capture"]


class PartTriggerViewSet(
    LineScoped,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """ "Part present" from a line controller that speaks HTTP rather than MQTT: the station's
    next fixed-camera capture is bound to the part. Devices post for their own stations; the
    list (newest first, ``?station=``, ``?status=``) shows what each trigger was bound to."""

    serializer_class = PartTriggerSerializer
    queryset = PartTrigger.objects.select_related("station").order_by("-received_at", "-pk")
    line_field = "station__line"
    read_roles = (Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR)
    write_roles = (Role.ADMIN, Role.SUPERVISOR, Role.DEVICE)

    def get_queryset(self):
        found = super().get_queryset()
        params = self.request.query_params
        if params.get("station"):
            found = found.filter(station__code=params["station"])
        if params.get("status"):
            found = found.filter(status=params["status"])
        return found

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        station = data["station"]
        if request.user.role == Role.DEVICE and not request.user.stations.filter(pk=station.pk).exists():
            raise PermissionDenied(f"This device may not send triggers for station {station.code}.")
        payload = {"part_id": data["part_id"], "trigger_id": data.get("trigger_id", "")}
        payload.update({k: data[k] for k in ("expected", "ttl_s") if k in data})
        try:
            trigger = accept(station=station, payload=payload, source="api")
        except TriggerRefused as exc:
            raise ValidationError({"detail": exc.message, "code": exc.code}) from None
        return Response(self.get_serializer(trigger).data, status=201)
