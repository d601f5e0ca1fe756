"""Master data: where things happen (site, line, station), what is made (product), who supplies
it, and the lots and serialised units that readings land on."""

import re

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models

from traceability.choices import LotStatus, UnitStatus, WorkOrderStatus

gtin_validator = RegexValidator(r"^\d{14}$", "A GTIN is stored as 14 digits, zero-padded.")


class Site(models.Model):
    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=200)

    def __str__(self):
        return self.name


class Line(models.Model):
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="lines")
    code = models.SlugField(max_length=32)
    name = models.CharField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "code"], name="line_code_per_site")]

    def __str__(self):
        return f"{self.site.code}/{self.code}"


class Station(models.Model):
    """A read point: where a capture is taken and an observation happens."""

    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="stations")
    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    sequence = models.PositiveIntegerField(default=0, help_text="Position along the line.")

    class Meta:
        ordering = ["line", "sequence", "code"]

    def __str__(self):
        return self.code


class Supplier(models.Model):
    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=200)

    def __str__(self):
        return self.name


class Product(models.Model):
    """A part number. Serial and lot formats are regular expressions checked against readings."""

    part_number = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    gtin = models.CharField(max_length=14, blank=True, validators=[gtin_validator])
    revision = models.CharField(max_length=16, blank=True)
    serial_pattern = models.CharField(max_length=200, blank=True)
    lot_pattern = models.CharField(max_length=200, blank=True)
    warranty_days = models.PositiveIntegerField(default=365)
    label_fields = models.JSONField(
        default=list,
        blank=True,
        help_text="Fields its label carries, for label verification (empty: gtin, lot, serial, expiry).",
    )
    verify_before_ship = models.BooleanField(
        default=False,
        help_text="A unit ships only after its label passed verification (or a signed override).",
    )
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.PROTECT)

    def __str__(self):
        return self.part_number


class WorkOrder(models.Model):
    number = models.CharField(max_length=64, unique=True)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="work_orders")
    line = models.ForeignKey(Line, null=True, blank=True, on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=WorkOrderStatus.choices, default=WorkOrderStatus.PLANNED)
    first_serial = models.CharField(
        max_length=64, blank=True, help_text="The serial range labels are printed from."
    )
    last_serial = models.CharField(max_length=64, blank=True)

    def __str__(self):
        return self.number

    def serials(self):
        """The work order's serial range in order (``SN000100`` … ``SN000599``), or nothing."""
        first, last = (
            re.match(r"^(.*?)(\d+)$", self.first_serial),
            re.match(r"^(.*?)(\d+)$", self.last_serial),
        )
        if not first or not last or first[1] != last[1]:
            return
        width = len(first[2])
        for number in range(int(first[2]), int(last[2]) + 1):
            yield f"{first[1]}{number:0{width}d}"


class Lot(models.Model):
    """A batch: bought from a supplier or made on a line under a work order."""

    # indexed by the (product, code) constraint
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots", db_index=False)
    code = models.CharField(max_length=64)
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.PROTECT)
    line = models.ForeignKey(Line, null=True, blank=True, on_delete=models.PROTECT)
    work_order = models.ForeignKey(WorkOrder, null=True, blank=True, on_delete=models.PROTECT)
    manufactured_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    quantity = models.DecimalField(max_digits=14, decimal_places=3, validators=[MinValueValidator(0)])
    status = models.CharField(max_length=16, choices=LotStatus.choices, default=LotStatus.RELEASED)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "code"], name="lot_code_per_product"),
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="lot_quantity_not_negative"),
        ]
        indexes = [models.Index(fields=["code"])]

    def __str__(self):
        return f"{self.product.part_number} lot {self.code}"

    @property
    def uri(self) -> str:
        return lot_uri(self.product.gtin, self.product.part_number, self.code)


class Unit(models.Model):
    """A serialised item. The serial is unique per product."""

    # indexed by the (product, serial) constraint
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="units", db_index=False)
    serial = models.CharField(max_length=64)
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="units")
    status = models.CharField(max_length=16, choices=UnitStatus.choices, default=UnitStatus.IN_PROGRESS)
    station = models.ForeignKey(
        Station, null=True, blank=True, on_delete=models.PROTECT, related_name="units"
    )
    customer = models.CharField(max_length=200, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "serial"], name="serial_per_product")]
        indexes = [models.Index(fields=["serial"])]

    def __str__(self):
        return f"{self.product.part_number} s/n {self.serial}"

    @property
    def uri(self) -> str:
        return unit_uri(self.product.gtin, self.product.part_number, self.serial)


def unit_uri(gtin: str, part_number: str, serial: str) -> str:
    """The unit's EPC: a GS1 Digital Link URI when the product has a GTIN, else a TraceLens URN."""
    if gtin:
        return f"https://id.gs1.org/01/{gtin}/21/{serial}"
    return f"urn:tracelens:unit:{part_number}:{serial}"


def lot_uri(gtin: str, part_number: str, code: str) -> str:
    """The lot's EPC class (product + batch), used in EPCIS quantity lists."""
    if gtin:
        return f"https://id.gs1.org/01/{gtin}/10/{code}"
    return f"urn:tracelens:lot:{part_number}:{code}"
