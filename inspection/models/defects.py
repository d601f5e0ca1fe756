"""Defect checks a product gets, what each found on a capture, and detector training jobs."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from inspection.choices import DefectMethod, TrainingStatus


class DefectCheck(models.Model):
    """One automatic defect check run on every capture of ``product`` (at ``station`` if set):
    a golden template (``template``: the defect-free image at the camera's framing), a learned
    detector or a surface model (``model_name``: an entry of the models folder's manifest, its
    newest version unless ``model_version`` pins one). ``settings`` holds the method's
    thresholds (GoldenConfig / detector confidence), so each product keeps its own."""

    product = models.ForeignKey(
        "traceability.Product", on_delete=models.CASCADE, related_name="defect_checks"
    )
    station = models.ForeignKey(
        "traceability.Station", null=True, blank=True, on_delete=models.CASCADE, related_name="defect_checks"
    )
    name = models.CharField(max_length=100)
    method = models.CharField(max_length=10, choices=DefectMethod.choices)
    template = models.ForeignKey(
        "ocr.StoredImage", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    model_name = models.CharField(max_length=100, blank=True)
    model_version = models.PositiveIntegerField(null=True, blank=True)
    settings = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="defect_check_name_per_product")
        ]

    def __str__(self):
        return f"{self.product_id}: {self.name} ({self.method})"

    def clean(self):
        if self.method == DefectMethod.GOLDEN and not self.template_id:
            raise ValidationError({"template": "A golden-template check needs its template image."})
        if self.method != DefectMethod.GOLDEN and not self.model_name:
            raise ValidationError({"model_name": "Name the registered model this check runs."})


class DefectInspection(models.Model):
    """One check run on one capture: the verdict, the score, the model and version that gave
    it, and its detections. Written once; a check that could not run says why in ``error``."""

    capture = models.ForeignKey("ocr.Capture", on_delete=models.PROTECT, related_name="defect_inspections")
    defect_check = models.ForeignKey(DefectCheck, on_delete=models.PROTECT, related_name="inspections")
    method = models.CharField(max_length=10, choices=DefectMethod.choices)
    model_name = models.CharField(max_length=100, blank=True)
    model_version = models.PositiveIntegerField(null=True, blank=True)
    ok = models.BooleanField(null=True, help_text="None: the check could not run (see error).")
    score = models.FloatField(null=True, blank=True)
    heat_map = models.ForeignKey(
        "ocr.StoredImage", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    details = models.JSONField(default=dict, blank=True, help_text="Registration, thresholds, timings.")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["capture", "defect_check"], name="defect_inspection_once_per_check"
            )
        ]

    def __str__(self):
        return f"defect inspection {self.pk} of capture {self.capture_id}"


class Detection(models.Model):
    """A defect region found on a capture, in the capture image's pixels."""

    inspection = models.ForeignKey(DefectInspection, on_delete=models.CASCADE, related_name="detections")
    capture = models.ForeignKey("ocr.Capture", on_delete=models.PROTECT, related_name="detections")
    station = models.ForeignKey(
        "traceability.Station", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    label = models.CharField(max_length=60)
    score = models.FloatField()
    x1 = models.FloatField()
    y1 = models.FloatField()
    x2 = models.FloatField()
    y2 = models.FloatField()
    area = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["station", "label", "created_at"], name="detection_rate")]

    def __str__(self):
        return f"{self.label} on capture {self.capture_id}"

    def as_json(self) -> dict:
        return {
            "label": self.label,
            "score": round(self.score, 4),
            "box": [self.x1, self.y1, self.x2, self.y2],
            "area": self.area,
        }


class TrainingJob(models.Model):
    """Training a detector for a product from a YOLO dataset folder, on the ``gpu`` queue. The
    row is the truth (status, progress, error, result); the model it registers is named in
    ``result``."""

    product = models.ForeignKey("traceability.Product", on_delete=models.PROTECT, related_name="+")
    model_name = models.CharField(max_length=100)
    dataset_dir = models.CharField(max_length=500)
    dataset_sha256 = models.CharField(max_length=64, blank=True)
    epochs = models.PositiveIntegerField(default=100)
    input_size = models.PositiveIntegerField(default=640)
    device = models.CharField(max_length=16, default="cpu")
    status = models.CharField(
        max_length=10, choices=TrainingStatus.choices, default=TrainingStatus.PENDING, db_index=True
    )
    error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"training {self.model_name} ({self.status})"
