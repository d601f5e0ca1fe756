"""Captures (a photo and its context), the images behind them, reading jobs and their results."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from ocr.choices import CaptureSource, JobStatus


class StoredImage(models.Model):
    """An image file stored once by content: the same photo sent twice is one StoredImage.
    ``path`` is derived from the hash, never from anything a user sent."""

    sha256 = models.CharField(max_length=64, unique=True)
    path = models.CharField(max_length=200)
    mime_type = models.CharField(max_length=32)
    size_bytes = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.sha256[:12]


class Capture(models.Model):
    """One photo taken for a purpose: at a station, by a person or a device. Once accepted, a
    capture is never dropped: it always ends with a reading or a failed job with its reason."""

    image = models.ForeignKey(StoredImage, on_delete=models.PROTECT, related_name="captures")
    station = models.ForeignKey(
        "traceability.Station", null=True, blank=True, on_delete=models.PROTECT, related_name="captures"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="captures"
    )
    source = models.CharField(max_length=16, choices=CaptureSource.choices)
    idempotency_key = models.CharField(max_length=100, blank=True)
    original_name = models.CharField(
        max_length=255, blank=True, help_text="As sent; shown, never used as a path."
    )
    metadata = models.JSONField(default=dict, blank=True)
    unit = models.ForeignKey(
        "traceability.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="captures"
    )
    lot = models.ForeignKey(
        "traceability.Lot", null=True, blank=True, on_delete=models.SET_NULL, related_name="captures"
    )
    needs_review = models.BooleanField(
        default=False, db_index=True, help_text="A field failed a check or was read below its threshold."
    )
    review_reasons = models.JSONField(default=list, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_signature = models.JSONField(
        null=True,
        blank=True,
        help_text="The reviewer's signature where they kept a value that failed a check.",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["uploaded_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="capture_idempotency_per_uploader",
            )
        ]

    def __str__(self):
        return f"capture {self.pk}"


class ReadingJob(models.Model):
    """The truth about a capture's reading: the row is written first and dispatched after commit;
    a worker claims it once (pending → running) so a redelivered task does no harm."""

    capture = models.OneToOneField(Capture, on_delete=models.PROTECT, related_name="job")
    status = models.CharField(
        max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING, db_index=True
    )
    queue = models.CharField(max_length=16, default="ocr")
    engine = models.CharField(max_length=32)
    attempts = models.PositiveIntegerField(default=0)
    error_code = models.CharField(max_length=32, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"job {self.pk} ({self.status})"


class Reading(models.Model):
    """What the pipeline read from a capture's image, with boxes, and which engine read it."""

    capture = models.OneToOneField(Capture, on_delete=models.PROTECT, related_name="reading")
    lines = models.JSONField(default=list)
    codes = models.JSONField(default=list)
    width = models.PositiveIntegerField(null=True, help_text="The pixel frame boxes refer to (a large photo")
    height = models.PositiveIntegerField(null=True, help_text="may be read at a reduced scale).")
    fields = models.JSONField(default=list, help_text="Structured values with source, confidence, box, raw.")
    checks = models.JSONField(default=list)
    quality = models.JSONField(null=True, blank=True, help_text="The quality gate's verdict and measures.")
    text_variant = models.CharField(max_length=32, blank=True)
    engine = models.CharField(max_length=32, blank=True)
    engine_version = models.CharField(max_length=32, blank=True)
    engine_model = models.CharField(
        max_length=200, blank=True, help_text="The model files the engine read with."
    )
    config = models.JSONField(default=dict, help_text="Engine settings and thresholds the reading ran with.")
    timings_ms = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"reading of capture {self.capture_id}"


class LabelTemplate(models.Model):
    """Where each field is on one kind of label: per product, supplier or label type. ``fields``
    is a list of rules: ``{"name": "lot", "ai": "10", "anchors": ["LOT", "CHARGE"],
    "pattern": "[A-Z]\\d{4}", "region": [0, 0, 0.6, 1], "required": true, "min_confidence": 0.9}``."""

    name = models.CharField(max_length=100, unique=True)
    label_type = models.CharField(max_length=32, blank=True, help_text="e.g. supplier reel, UDI, shipping")
    product = models.ForeignKey(
        "traceability.Product",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="label_templates",
    )
    supplier = models.ForeignKey(
        "traceability.Supplier",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="label_templates",
    )
    fields = models.JSONField(default=list)
    min_confidence = models.FloatField(default=0.95, help_text="Fields read below this go to review.")
    fixed_layout = models.BooleanField(
        default=False,
        help_text="Frames from a fixed camera: each field's region is exact, so text is only recognised "
        "there (one line per region), without a detection pass.",
    )
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        from ocr.templates import TemplateError, rules_from_json

        try:
            rules_from_json(self.fields)
        except TemplateError as exc:
            raise ValidationError({"fields": str(exc)}) from None
        if not 0 <= self.min_confidence <= 1:
            raise ValidationError({"min_confidence": "Between 0 and 1."})


class Correction(models.Model):
    """A person's verdict on one field of a reading: the value read, the value confirmed, and
    where in which image it was, with the engine that read it. Corrected ones are labelled
    examples for retraining (``python manage.py export_corrections``); confirmed values, not
    raw readings, feed traceability."""

    capture = models.ForeignKey(Capture, on_delete=models.PROTECT, related_name="corrections")
    field = models.CharField(max_length=32)
    read_value = models.CharField(max_length=200, blank=True)
    value = models.CharField(max_length=200)
    changed = models.BooleanField(help_text="The person changed what was read.")
    source = models.CharField(max_length=8, blank=True, help_text="text or code, as read")
    confidence = models.FloatField(null=True, blank=True)
    box = models.JSONField(default=list, blank=True, help_text="In the reading's pixel frame.")
    frame = models.JSONField(default=list, blank=True, help_text="[width, height] of that frame.")
    engine = models.CharField(max_length=32, blank=True)
    engine_version = models.CharField(max_length=32, blank=True)
    image_sha256 = models.CharField(max_length=64)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"capture {self.capture_id} {self.field}: {self.read_value!r} → {self.value!r}"


class WorkerBeat(models.Model):
    """A worker process's last sign of life: written after its jobs, at most every few seconds,
    so the metrics show each worker's resident memory and work without reaching into it."""

    name = models.CharField(max_length=200, unique=True, help_text="host:pid")
    queues = models.CharField(max_length=200, blank=True)
    resident_bytes = models.BigIntegerField(default=0)
    tasks = models.PositiveIntegerField(default=0, help_text="Tasks run since the process started.")
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.name
