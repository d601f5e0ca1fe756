"""Returned goods: one case per item a customer or field user sends back."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from traceability.choices import ReturnDisposition, ReturnReason, ReturnStatus


class ReturnCase(models.Model):
    """A return (RMA). ``unit`` is empty while the serial is unknown: the photo and reading stay
    with the case (``capture``), with the serial the user typed, until a supervisor settles it.
    Every step is also a trace event on the unit."""

    number = models.CharField(max_length=32, unique=True)
    unit = models.ForeignKey(
        "traceability.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="return_cases"
    )
    capture = models.ForeignKey(
        "ocr.Capture", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    photos = models.ManyToManyField(
        "ocr.Capture", blank=True, related_name="return_cases", help_text="More photos."
    )
    typed_serial = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=20, choices=ReturnReason.choices)
    notes = models.TextField(blank=True)
    disposition = models.CharField(max_length=20, choices=ReturnDisposition.choices, blank=True)
    status = models.CharField(max_length=8, choices=ReturnStatus.choices, default=ReturnStatus.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "-opened_at"], name="return_status_latest")]

    def __str__(self):
        return self.number
