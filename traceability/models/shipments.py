"""Expected shipments: what is to be loaded for a customer, so a label checked at loading is
checked against the shipment, not only against itself."""

from django.db import models
from django.utils import timezone

from traceability.choices import ShipmentStatus


class Shipment(models.Model):
    number = models.CharField(max_length=64, unique=True)
    customer = models.CharField(max_length=200)
    units = models.ManyToManyField("traceability.Unit", blank=True, related_name="shipments")
    status = models.CharField(max_length=8, choices=ShipmentStatus.choices, default=ShipmentStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.number
