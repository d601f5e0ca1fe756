"""Inspection plans (what to check on a product, at a station) and the records of doing it."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from inspection.choices import ItemKind, PlanScope

KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def check_items(items) -> list[dict]:
    """The plan's items, validated: each has a ``key`` (snake_case, unique), a ``label``, a
    ``kind`` (check, measure, photo); a measurement has ``low`` and/or ``high`` and a ``unit``.
    Raises ValidationError naming the item."""
    if not isinstance(items, list) or not items:
        raise ValidationError("A plan needs at least one item.")
    seen = set()
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise ValidationError(f"Item {number} is not an object.")
        key = item.get("key", "")
        if not KEY.match(str(key)) or key in seen:
            raise ValidationError(f"Item {number}: key {key!r} must be snake_case and unique.")
        seen.add(key)
        if item.get("kind") not in ItemKind.values:
            raise ValidationError(f"Item {key}: kind must be one of {', '.join(ItemKind.values)}.")
        if item["kind"] == ItemKind.MEASURE:
            low, high = item.get("low"), item.get("high")
            if low is None and high is None:
                raise ValidationError(f"Item {key}: a measurement needs a low or a high limit.")
            for limit in (low, high):
                if limit is not None and not isinstance(limit, int | float):
                    raise ValidationError(f"Item {key}: limits are numbers.")
            if low is not None and high is not None and low > high:
                raise ValidationError(f"Item {key}: low limit {low} is above high limit {high}.")
    return items


class InspectionPlan(models.Model):
    """What to check on ``product`` (at ``station`` if set): checklist items, measurements with
    limits and units, required photos. ``scope`` says whether each unit or each lot is
    inspected; ``sample_size`` how many per lot (0: all). A plan ``required_for_release`` blocks
    releasing a lot until its latest record for that lot passed."""

    product = models.ForeignKey(
        "traceability.Product", on_delete=models.CASCADE, related_name="inspection_plans"
    )
    station = models.ForeignKey(
        "traceability.Station", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=4, choices=PlanScope.choices, default=PlanScope.LOT)
    items = models.JSONField(default=list)
    sample_size = models.PositiveIntegerField(default=0)
    required_for_release = models.BooleanField(default=True)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="inspection_plan_name_per_product")
        ]

    def __str__(self):
        return f"{self.product_id}: {self.name}"

    def clean(self):
        try:
            check_items(self.items)
        except ValidationError as exc:
            raise ValidationError({"items": exc.messages}) from exc


class InspectionRecord(models.Model):
    """One inspection done against a plan, on a unit or a lot: the values entered, each item's
    verdict, the overall verdict, who did it, the photos and the defects found, and, for a
    release decision, the electronic signature. Written once, with a trace event; a correction
    is a new record."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.PROTECT, related_name="records")
    unit = models.ForeignKey(
        "traceability.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection_records",
    )
    lot = models.ForeignKey(
        "traceability.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="inspection_records"
    )
    values = models.JSONField(default=dict)
    results = models.JSONField(default=list, help_text="Per item: key, value, passed, reason.")
    passed = models.BooleanField()
    photos = models.ManyToManyField("ocr.Capture", blank=True, related_name="+")
    defects = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True)
    signature = models.JSONField(null=True, blank=True)
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit__isnull=False) | models.Q(lot__isnull=False),
                name="inspection_record_has_subject",
            )
        ]
        indexes = [models.Index(fields=["lot", "plan", "-created_at"], name="inspection_record_latest")]

    def __str__(self):
        return f"inspection {self.pk}: {'pass' if self.passed else 'fail'}"


class InspectionDraft(models.Model):
    """Values read from a photo of a filled paper form, waiting for a person to confirm them;
    confirming writes the InspectionRecord (``record``) with the photo attached."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for confirmation"
        CONFIRMED = "confirmed", "Confirmed"

    plan = models.ForeignKey(InspectionPlan, on_delete=models.PROTECT, related_name="drafts")
    capture = models.ForeignKey("ocr.Capture", on_delete=models.PROTECT, related_name="inspection_drafts")
    unit = models.ForeignKey(
        "traceability.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lot = models.ForeignKey(
        "traceability.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed = models.JSONField(default=list, help_text="Per item: key, value, confidence, source, box.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    record = models.OneToOneField(
        InspectionRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="draft"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"draft {self.pk} of plan {self.plan_id} ({self.status})"
