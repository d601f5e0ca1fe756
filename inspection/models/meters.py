"""Equipment and its displays, the readings taken of them (a time series per display), alert
rules on those series, the alerts raised and the maintenance tickets that follow."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from inspection.choices import AlertKind, AlertStatus, DisplayKind, ReadingStatus
from inspection.vision.sevenseg import DisplayConfig


class Equipment(models.Model):
    """A machine on a line (and at a station, where it belongs to one)."""

    code = models.CharField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    line = models.ForeignKey("traceability.Line", on_delete=models.PROTECT, related_name="equipment")
    station = models.ForeignKey(
        "traceability.Station", null=True, blank=True, on_delete=models.PROTECT, related_name="equipment"
    )
    description = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "equipment"

    def __str__(self):
        return self.code

    def clean(self):
        if self.station_id is not None and self.line_id is not None and self.station.line_id != self.line_id:
            raise ValidationError({"station": f"station {self.station.code} is not on line {self.line.code}"})


class Display(models.Model):
    """One display or meter on a machine, and what a plausible reading of it looks like."""

    equipment = models.ForeignKey(Equipment, on_delete=models.CASCADE, related_name="displays")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=DisplayKind.choices, default=DisplayKind.LCD)
    digits = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Digits on the display.")
    decimals = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Fixed decimals; empty: read from the decimal point."
    )
    point_shown = models.BooleanField(
        default=True,
        help_text="With fixed decimals: the display lights its decimal point, and a reading with "
        "none seen goes to review. Off: the decimals are implied, no point is lit.",
    )
    signed = models.BooleanField(default=False, help_text="A minus sign can be lit.")
    unit = models.CharField(max_length=20, blank=True)
    min_value = models.FloatField(null=True, blank=True)
    max_value = models.FloatField(null=True, blank=True)
    max_rate_per_hour = models.FloatField(
        null=True, blank=True, help_text="Largest plausible change per hour, either way."
    )
    counter = models.BooleanField(default=False, help_text="A counter only rises.")
    frames = models.PositiveSmallIntegerField(
        default=1, help_text="Fixed cameras: frames that must agree before a value is kept."
    )
    camera_turn = models.PositiveSmallIntegerField(
        choices=[(0, "upright"), (90, "90° clockwise"), (180, "upside down"), (270, "90° anticlockwise")],
        default=0,
        help_text="Fixed cameras: how the display stands in their photos (a camera mounted upside "
        "down or on its side); photos sent through the API or a watched folder are turned back "
        "before reading, a person's photos from the browser are not.",
    )
    min_confidence = models.FloatField(default=DisplayConfig.min_confidence)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["equipment", "name"], name="display_name_per_equipment")
        ]

    def __str__(self):
        return f"{self.equipment_id}/{self.name}"

    def clean(self):
        wrong = {}
        if self.min_value is not None and self.max_value is not None and self.min_value >= self.max_value:
            wrong["max_value"] = "must be above min_value"
        if self.digits is not None and self.digits < 1:
            wrong["digits"] = "at least 1 (empty: any number of digits)"
        if self.decimals is not None and self.digits is not None and self.decimals > self.digits:
            wrong["decimals"] = f"cannot be more than the display's {self.digits} digits"
        if self.max_rate_per_hour is not None and self.max_rate_per_hour <= 0:
            wrong["max_rate_per_hour"] = "must be above 0 (empty: no limit)"
        if self.frames is not None and self.frames < 1:
            wrong["frames"] = "at least 1"
        if self.min_confidence is not None and not 0 <= self.min_confidence <= 1:
            wrong["min_confidence"] = "between 0 and 1"
        if wrong:
            raise ValidationError(wrong)

    @property
    def polarity(self) -> str:
        return {DisplayKind.LED: "light", DisplayKind.LCD: "dark"}.get(self.kind, "auto")


class MeterReading(models.Model):
    """One value read off a display. Only accepted readings are part of the series."""

    display = models.ForeignKey(Display, on_delete=models.PROTECT, related_name="readings")
    capture = models.ForeignKey(
        "ocr.Capture", null=True, blank=True, on_delete=models.PROTECT, related_name="meter_readings"
    )
    read_at = models.DateTimeField(default=timezone.now)
    value = models.FloatField(null=True, blank=True)
    text = models.CharField(max_length=40, blank=True)
    confidence = models.FloatField(default=0.0)
    digits = models.JSONField(default=list, blank=True)  # [{"char", "confidence", "box"}]
    box = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=ReadingStatus.choices)
    reasons = models.JSONField(default=list, blank=True)
    read_by = models.CharField(
        max_length=60, default="sevenseg", help_text="Reader and version, or a person."
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    original_value = models.FloatField(null=True, blank=True, help_text="The machine's value before review.")
    published_at = models.DateTimeField(null=True, blank=True)  # when MQTT last had it, as it is now

    class Meta:
        indexes = [
            models.Index(fields=["display", "read_at"], name="meter_reading_series"),
            # the beat's republish looks every few seconds for the few readings the broker missed
            models.Index(
                fields=["read_at"], condition=models.Q(published_at__isnull=True), name="meter_unpublished"
            ),
        ]

    def __str__(self):
        return f"{self.display_id} {self.read_at:%Y-%m-%d %H:%M} {self.value}"


class AlertRule(models.Model):
    """``threshold``: ``low``/``high``. ``drift``: CUSUM with ``k`` and ``h`` (in standard
    deviations of the first ``baseline`` readings). ``time_to_limit``: a trend fitted over the last
    ``window_hours`` reaches ``high`` (or ``low``) within ``hours``. ``stale``: no accepted
    reading for ``minutes``."""

    display = models.ForeignKey(Display, on_delete=models.CASCADE, related_name="alert_rules")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    low = models.FloatField(null=True, blank=True)
    high = models.FloatField(null=True, blank=True)
    k = models.FloatField(default=0.5)
    h = models.FloatField(default=8.0)
    baseline = models.PositiveIntegerField(default=100)
    window_hours = models.FloatField(default=24.0)
    hours = models.FloatField(null=True, blank=True)
    minutes = models.PositiveIntegerField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["display", "name"], name="alert_rule_name_per_display")
        ]

    def __str__(self):
        return f"{self.display_id}: {self.name}"

    @property
    def condition(self) -> str:
        """When the rule fires, in words, with its settings and the display's unit."""
        unit = f" {self.display.unit}" if self.display.unit else ""
        limits = (("below", self.low), ("above", self.high))
        ends = [(word, f"{value:g}{unit}") for word, value in limits if value is not None]
        if self.kind == AlertKind.THRESHOLD:
            return " or ".join(f"{word} {value}" for word, value in ends)
        if self.kind == AlertKind.DRIFT:
            return (
                f"the level drifts from that of its first {self.baseline} readings "
                f"(CUSUM, k {self.k:g}, h {self.h:g} standard deviations)"
            )
        if self.kind == AlertKind.TIME_TO_LIMIT:
            way = {"below": "falling", "above": "rising"}
            reached = [f"{value} ({way[word]})" if len(ends) > 1 else value for word, value in ends]
            return (
                f"a trend fitted over {self.window_hours:g} h reaches {' or '.join(reached)} "
                f"within {self.hours or 0:g} h"
            )
        return f"no accepted reading for {self.minutes} min"

    def clean(self):
        need = {
            AlertKind.THRESHOLD: self.low is not None or self.high is not None,
            AlertKind.DRIFT: self.k > 0 and self.h > 0 and self.baseline >= 5,
            AlertKind.TIME_TO_LIMIT: (self.low is not None or self.high is not None) and bool(self.hours),
            AlertKind.STALE: bool(self.minutes),
        }
        wrong = {}
        if self.low is not None and self.high is not None and self.low >= self.high:
            wrong["high"] = "must be above low"  # else every value would be beyond one of them
        if self.kind == AlertKind.TIME_TO_LIMIT and (self.window_hours or 0) <= 0:
            wrong["window_hours"] = "must be above 0"
        for name in ("hours", "minutes"):
            if getattr(self, name) is not None and getattr(self, name) <= 0:
                wrong[name] = "must be above 0"
        if wrong:
            raise ValidationError(wrong)
        if not need.get(self.kind, False):
            raise ValidationError(
                {
                    "kind": {
                        AlertKind.THRESHOLD: "a threshold rule needs low or high",
                        AlertKind.DRIFT: "a drift rule needs k > 0, h > 0 and a baseline of at least 5",
                        AlertKind.TIME_TO_LIMIT: "a time-to-limit rule needs hours and low or high",
                        AlertKind.STALE: "a stale rule needs minutes",
                    }.get(self.kind, "unknown kind")
                }
            )


class Alert(models.Model):
    """A rule that fired. One open alert per rule: it fires again only after it is closed."""

    rule = models.ForeignKey(AlertRule, on_delete=models.PROTECT, related_name="alerts")
    display = models.ForeignKey(Display, on_delete=models.PROTECT, related_name="alerts")
    reading = models.ForeignKey(
        MeterReading, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    message = models.CharField(max_length=300)
    details = models.JSONField(default=dict, blank=True)
    raised_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["display", "raised_at"], name="alert_by_display")]

    def __str__(self):
        return f"{self.display_id} {self.raised_at:%Y-%m-%d %H:%M}: {self.message}"


class MaintenanceTicket(models.Model):
    """The work an alert asks for: a supervisor acknowledges it, then closes it with a note."""

    alert = models.OneToOneField(Alert, on_delete=models.PROTECT, related_name="ticket")
    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="tickets")
    title = models.CharField(max_length=300)
    status = models.CharField(max_length=15, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    def __str__(self):
        return f"{self.title} ({self.status})"
