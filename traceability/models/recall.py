from django.conf import settings
from django.db import models
from django.utils import timezone

from traceability.choices import RecallStatus


class Recall(models.Model):
    """A recall of one or more lots. Opening it puts every affected unit and lot on hold, in one
    transaction, with an event each; opening and closing it each need a reason and an electronic
    signature, kept here and in the events."""

    number = models.CharField(max_length=32, unique=True)
    reason = models.TextField()
    status = models.CharField(max_length=8, choices=RecallStatus.choices, default=RecallStatus.OPEN)
    lots = models.ManyToManyField("traceability.Lot", related_name="recalls")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.TextField(blank=True)
    open_signature = models.JSONField(null=True, blank=True, help_text="The electronic signature opening it.")
    close_signature = models.JSONField(
        null=True, blank=True, help_text="The electronic signature closing it."
    )

    def __str__(self):
        return self.number


class RecallItem(models.Model):
    """One affected unit or lot, with the status it had before the hold."""

    recall = models.ForeignKey(Recall, on_delete=models.PROTECT, related_name="items")
    unit = models.ForeignKey("traceability.Unit", null=True, blank=True, on_delete=models.PROTECT)
    lot = models.ForeignKey("traceability.Lot", null=True, blank=True, on_delete=models.PROTECT)
    previous_status = models.CharField(max_length=16)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit__isnull=True) ^ models.Q(lot__isnull=True),
                name="recall_item_one_target",
            )
        ]

    def __str__(self):
        target = f"unit {self.unit_id}" if self.unit_id else f"lot {self.lot_id}"
        return f"recall {self.recall_id}: {target}"
