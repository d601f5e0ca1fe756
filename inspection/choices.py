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


class DisplayKind(models.TextChoices):
    LED = "7seg_led", "7-segment LED (light on dark)"
    LCD = "7seg_lcd", "7-segment LCD (dark on grey)"
    DOT_MATRIX = "dot_matrix", "Dot-matrix"
    DIGITAL = "digital", "General digital"


class ReadingStatus(models.TextChoices):
    ACCEPTED = "accepted", "Accepted (in the series)"
    REVIEW = "review", "Waiting for review"
    REJECTED = "rejected", "Rejected"


class AlertKind(models.TextChoices):
    THRESHOLD = "threshold", "Value beyond a limit"
    DRIFT = "drift", "Drift of the level (CUSUM)"
    TIME_TO_LIMIT = "time_to_limit", "Trend reaches the limit soon"
    STALE = "stale", "No reading for a while"


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    CLOSED = "closed", "Closed"
