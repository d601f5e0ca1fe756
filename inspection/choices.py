from django.db import models


class MarkKind(models.TextChoices):
    TEXT = "text", "Text on the label (pattern)"
    UDI = "udi", "UDI present and well-formed"


class DefectMethod(models.TextChoices):
    GOLDEN = "golden", "Golden template"
    DETECTOR = "detector", "Learned detector (YOLO)"
    SURFACE = "surface", "OK-only surface model"


class TrainingStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class PlanScope(models.TextChoices):
    UNIT = "unit", "Each unit"
    LOT = "lot", "Each lot"


class ItemKind(models.TextChoices):
    CHECK = "check", "Checklist item (yes/no)"
    MEASURE = "measure", "Measurement with limits"
    PHOTO = "photo", "Required photo"
