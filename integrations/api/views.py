"""Webhook subscriptions (admins) and their delivery log, with replay of dead letters."""

from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.choices import Role
from config.serializers import CleanedSerializer
from integrations.models import Delivery, Webhook
from integrations.services import replay


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
    webhook = serializers.CharField(source="webhook.name", read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id", "webhook", "event", "payload", "status", "attempts", "next_attempt_at", "last_status",
            "last_error", "log", "delivered_at", "created_at",
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
