"""Label verification records and the compliance rules products require on their labels."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from inspection.choices import MarkKind


class ComplianceRule(models.Model):
    """One thing a product's label must carry, with the name the verdict shows (``CE with
    notified body``: text ``\\bCE\\s*\\d{4}\\b``; ``Rx only``; ``UDI``; ``Country of origin``)."""

    product = models.ForeignKey(
        "traceability.Product", on_delete=models.CASCADE, related_name="compliance_rules"
    )
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=8, choices=MarkKind.choices, default=MarkKind.TEXT)
    pattern = models.CharField(max_length=200, blank=True, help_text="A regular expression (text rules).")
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="compliance_rule_name_per_product")
        ]

    def __str__(self):
        return f"{self.product_id}: {self.name}"


class LabelVerification(models.Model):
    """A label checked three ways (printed, encoded, database) from one capture's reading. The
    photo stays as evidence (the capture's image, by hash); written once, never changed; a
    passing one for a unit is what the shipment gate asks for."""

    capture = models.ForeignKey("ocr.Capture", on_delete=models.PROTECT, related_name="verifications")
    unit = models.ForeignKey(
        "traceability.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="label_verifications",
    )
    lot = models.ForeignKey(
        "traceability.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    work_order = models.ForeignKey(
        "traceability.WorkOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        "traceability.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    station = models.ForeignKey(
        "traceability.Station", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ok = models.BooleanField()
    expected = models.JSONField(
        default=dict, help_text="What the label should say, and where that came from."
    )
    fields = models.JSONField(
        default=list, help_text="Per field: expected, printed, encoded, verdict, reason."
    )
    marks = models.JSONField(default=list)
    reasons = models.JSONField(default=list)
    image_sha256 = models.CharField(max_length=64)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["unit", "-created_at"], name="verification_unit_latest"),
            models.Index(fields=["station", "-created_at"], name="verification_station_latest"),
        ]

    def __str__(self):
        return f"verification {self.pk}: {'pass' if self.ok else 'fail'}"
