"""Defect classes per product and the boxes people draw on captured images to train detectors."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class DefectClass(models.Model):
    """A kind of defect a product's detector learns (``scratch``, ``missing_screw``)."""

    product = models.ForeignKey(
        "traceability.Product", on_delete=models.CASCADE, related_name="defect_classes"
    )
    name = models.SlugField(max_length=60)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "name"], name="defect_class_per_product")]
        ordering = ["product", "name"]

    def __str__(self):
        return self.name


class Annotation(models.Model):
    """A box a person drew on a capture's image (in the image's pixels), with its class."""

    capture = models.ForeignKey("ocr.Capture", on_delete=models.PROTECT, related_name="annotations")
    defect_class = models.ForeignKey(DefectClass, on_delete=models.PROTECT, related_name="annotations")
    x1 = models.FloatField()
    y1 = models.FloatField()
    x2 = models.FloatField()
    y2 = models.FloatField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.defect_class} on capture {self.capture_id}"

    def clean(self):
        image = self.capture.image
        if not (0 <= self.x1 < self.x2 <= image.width and 0 <= self.y1 < self.y2 <= image.height):
            raise ValidationError(f"The box must lie inside the {image.width}×{image.height} px image.")
