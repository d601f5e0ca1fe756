"""Supplier purchase orders, imported from the ERP: what is expected in, so incoming lots and
supplier documents can be matched against an open order."""

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone


class PurchaseOrderStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class PurchaseOrder(models.Model):
    number = models.CharField(max_length=64, unique=True)
    supplier = models.ForeignKey("traceability.Supplier", on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(
        max_length=8, choices=PurchaseOrderStatus.choices, default=PurchaseOrderStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.number


class PurchaseOrderLine(models.Model):
    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("traceability.Product", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(max_digits=14, decimal_places=3, validators=[MinValueValidator(0)])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "product"], name="one_line_per_product")]

    def __str__(self):
        return f"{self.order.number}: {self.quantity} × {self.product_id}"
