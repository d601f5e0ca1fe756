from django.db import models


class MarkKind(models.TextChoices):
    TEXT = "text", "Text on the label (pattern)"
    UDI = "udi", "UDI present and well-formed"
