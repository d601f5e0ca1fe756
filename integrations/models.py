"""Webhook subscriptions and their deliveries. A delivery row is written in the same transaction
as the event it reports (an outbox), then sent by the relay; its attempts are the delivery log."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from integrations.choices import DeliveryStatus, WebhookEvent


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Webhook(models.Model):
    name = models.CharField(max_length=100, unique=True)
    url = models.URLField(max_length=500)
    secret = models.CharField(
        max_length=100, default=new_secret, help_text="Key of the HMAC-SHA256 signature."
    )
    events = models.JSONField(default=list, help_text='Event types sent here, e.g. ["alert.raised"].')
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.name

    def clean(self):
        allowed = set(WebhookEvent.values) - {WebhookEvent.EPCIS_QUERY}  # sent to query subscriptions only
        unknown = sorted(set(self.events or []) - allowed)
        if not self.events or unknown:
            raise ValidationError(
                {
                    "events": f"unknown event type(s): {', '.join(unknown)}"
                    if unknown
                    else "name at least one event"
                }
            )


class EpcisQuery(models.Model):
    """A named EPCIS 2.0 query: SimpleEventQuery parameters, run at ``/api/epcis/queries/<name>/events``
    and followed by subscriptions."""

    name = models.SlugField(max_length=100, unique=True)
    query = models.JSONField(
        default=dict, help_text='SimpleEventQuery parameters, e.g. {"EQ_bizStep": ["shipping"]}.'
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.name


class EpcisSubscription(models.Model):
    """A partner's repository following a named query: new matching events are POSTed to
    ``dest`` as EPCISQueryDocuments, as they are recorded (``stream``) or on a ``schedule``,
    through the same signed, retried deliveries as webhooks. ``cursor`` is the last event sent."""

    query = models.ForeignKey(EpcisQuery, on_delete=models.CASCADE, related_name="subscriptions")
    url = models.URLField(max_length=500, help_text="Where results are POSTed (the subscription's dest).")
    secret = models.CharField(
        max_length=100, default=new_secret, help_text="Key of the HMAC-SHA256 signature."
    )
    stream = models.BooleanField(default=False)
    schedule = models.JSONField(
        default=dict, blank=True, help_text="second, minute, hour, dayOfMonth, month, dayOfWeek."
    )
    report_if_empty = models.BooleanField(default=False)
    initial_record_time = models.DateTimeField(null=True, blank=True)
    cursor = models.BigIntegerField(default=0)
    last_run_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.query.name} → {self.url}"


class Delivery(models.Model):
    webhook = models.ForeignKey(
        Webhook, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    subscription = models.ForeignKey(
        EpcisSubscription, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_status = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The receiver's HTTP status."
    )
    last_error = models.CharField(max_length=300, blank=True)
    log = models.JSONField(default=list, blank=True, help_text="Each attempt: time, status or error, ms.")
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(webhook__isnull=True) ^ models.Q(subscription__isnull=True),
                name="delivery_has_one_target",
            )
        ]

    def __str__(self):
        return f"{self.event} to {self.target} ({self.status})"

    @property
    def target(self):
        """The webhook or the EPCIS subscription this goes to (each has ``url`` and ``secret``)."""
        return self.webhook or self.subscription


class TriggerStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for the camera"
    BOUND = "bound", "Bound to a capture"
    EXPIRED = "expired", "Expired unbound"


class PartTrigger(models.Model):
    """A line controller's "part present" at a station (over MQTT or the API): the station's next
    fixed-camera capture is bound to this part. Triggers wait in order of arrival (several parts
    may be between the sensor and the camera) until ``expires_at``."""

    station = models.ForeignKey("traceability.Station", on_delete=models.PROTECT, related_name="+")
    part_id = models.CharField(max_length=100, help_text="The part's serial or id as the line knows it.")
    trigger_id = models.CharField(max_length=100, blank=True)
    expected = models.JSONField(
        default=dict, blank=True, help_text="Expected values, if the line knows them."
    )
    source = models.CharField(max_length=10, default="mqtt")
    received_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=TriggerStatus.choices, default=TriggerStatus.WAITING)
    capture = models.OneToOneField(
        "ocr.Capture", null=True, blank=True, on_delete=models.SET_NULL, related_name="part_trigger"
    )

    class Meta:
        indexes = [models.Index(fields=["station", "status", "received_at"], name="trigger_waiting")]

    def __str__(self):
        return f"{self.part_id} at {self.station_id} ({self.status})"


class DocumentStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be read"
    ACCEPTED = "accepted", "Matched; lots received"
    REVIEW = "review", "Needs a person"
    REJECTED = "rejected", "Rejected"


class SupplierDocument(models.Model):
    """A packing list, delivery note or certificate as sent (PDF or photo, stored by SHA-256;
    the same file twice is one document), what was read from it, the purchase order it matched,
    and the lots it received or accompanies."""

    sha256 = models.CharField(max_length=64, unique=True)
    path = models.CharField(max_length=200)
    mime_type = models.CharField(max_length=40)
    size_bytes = models.PositiveIntegerField()
    original_name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.PENDING)
    kind = models.CharField(max_length=20, blank=True)
    source = models.CharField(max_length=30, blank=True, help_text="text layer or ocr")
    parsed = models.JSONField(
        default=dict, blank=True, help_text="fields, lines, properties, passed, confidence"
    )
    reasons = models.JSONField(default=list, blank=True, help_text="Why it needs a person.")
    purchase_order = models.ForeignKey(
        "traceability.PurchaseOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    lots = models.ManyToManyField("traceability.Lot", blank=True, related_name="supplier_documents")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"], name="document_status")]

    def __str__(self):
        number = self.parsed.get("fields", {}).get("document_number", self.pk)
        return f"{self.kind_label or 'document'} {number}"

    @property
    def kind_label(self) -> str:
        """The kind as people write it: "delivery note", not "delivery_note"."""
        return self.kind.replace("_", " ")
