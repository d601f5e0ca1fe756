"""Sort rules per product (and station) and the decision made for each capture."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class SortRule(models.Model):
    """How parts of ``product`` photographed at ``station`` are sorted: ordered ``rules``
    (inspection.vision.sorting), named colour references (``{"red": [220, 30, 30]}``, RGB), an
    optional ``region`` of the frame to judge colour in (fractions x1 y1 x2 y2), and the bin
    for a part no rule matches."""

    product = models.ForeignKey("traceability.Product", on_delete=models.CASCADE, related_name="sort_rules")
    station = models.ForeignKey(
        "traceability.Station", null=True, blank=True, on_delete=models.CASCADE, related_name="sort_rules"
    )
    name = models.CharField(max_length=100)
    rules = models.JSONField(default=list)
    colours = models.JSONField(default=dict, blank=True)
    region = models.JSONField(null=True, blank=True)
    default_bin = models.CharField(max_length=40, default="pass")
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "name"], name="sort_rule_name_per_product")]

    def __str__(self):
        return f"{self.product_id}: {self.name}"

    def clean(self):
        from inspection.vision.sorting import SortRuleError, check_rules

        try:
            check_rules(self.rules, self.colours or {})
        except SortRuleError as exc:
            raise ValidationError({"rules": str(exc)}) from exc


class SortDecision(models.Model):
    """The bin a capture's part goes to, why, and whether the line controller was told (MQTT)."""

    capture = models.OneToOneField("ocr.Capture", on_delete=models.PROTECT, related_name="sort_decision")
    rule = models.ForeignKey(SortRule, on_delete=models.PROTECT, related_name="decisions")
    station = models.ForeignKey(
        "traceability.Station", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    bin = models.CharField(max_length=40)
    reasons = models.JSONField(default=list)
    facts = models.JSONField(default=dict)
    trigger = models.CharField(max_length=100, blank=True, help_text="The camera's trigger id, echoed back.")
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self):
        return f"capture {self.capture_id} → {self.bin}"

    def payload(self) -> dict:
        return {
            "type": "sort.decision",
            "capture": self.capture_id,
            "station": self.station.code if self.station else None,
            "trigger": self.trigger,
            "bin": self.bin,
            "reasons": self.reasons,
            "decided_at": self.created_at.isoformat(),
        }
