"""Inspection tasks. They take ids and claim their row, so a redelivered task does no harm."""

from celery import shared_task

from inspection import services


@shared_task(acks_late=True)
def train_detector(job_id: int) -> str:
    """Train and register one detector (``gpu`` queue: one at a time per GPU worker)."""
    return services.run_training(job_id=job_id)


@shared_task
def check_stale_displays() -> int:
    """Raise the stale alerts that are due (on the beat schedule, every few minutes)."""
    return len(services.check_stale())


@shared_task
def republish_to_broker() -> dict:
    """Sort decisions and alerts the broker missed, sent again (see services.republish)."""
    from inspection.services.republish import republish

    return republish()
