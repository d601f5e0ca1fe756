"""Reading tasks. They take ids, claim their row, and retry only transient database errors."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from ocr import services


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=8,
)
def run_reading(job_id: int) -> str:
    """Read one capture. Safe to deliver twice: the second delivery finds the job claimed."""
    return services.perform_reading(job_id=job_id)
