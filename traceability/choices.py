from django.db import models


class LotStatus(models.TextChoices):
    RELEASED = "released", "Released"
    QUARANTINED = "quarantined", "Quarantined"
    RECALLED = "recalled", "Recalled"


class UnitStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    FINISHED = "finished", "Finished"
    ON_HOLD = "on_hold", "On hold"
    SHIPPED = "shipped", "Shipped"
    RETURNED = "returned", "Returned"
    SCRAPPED = "scrapped", "Scrapped"


class WorkOrderStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    RELEASED = "released", "Released"
    CLOSED = "closed", "Closed"
