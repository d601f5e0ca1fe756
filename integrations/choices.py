from django.db import models


class WebhookEvent(models.TextChoices):
    """What a webhook can subscribe to. Stable strings: receivers switch on them."""

    READING_COMPLETED = "reading.completed", "Reading completed"
    REVIEW_NEEDED = "review.needed", "Review needed"
    VERIFICATION_FAILED = "verification.failed", "Verification failed"
    RECALL_OPENED = "recall.opened", "Recall opened"
    ALERT_RAISED = "alert.raised", "Maintenance alert raised"
    UNIT_SHIPPED = "unit.shipped", "Unit shipped"
    EPCIS_QUERY = "epcis.query", "EPCIS query results (to a query subscription only)"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    DELIVERED = "delivered", "Delivered"
    DEAD = "dead", "Dead letter (gave up)"
