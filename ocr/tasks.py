"""Reading tasks. They take ids, claim their row, and retry only transient database errors."""

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from ocr import services
from ocr.watchdog import hard_limit


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=8,
)
def run_reading(job_id: int) -> str:
    """Read one capture. Safe to deliver twice: the second delivery finds the job claimed. A
    read hung past ``JOB_TIME_LIMIT`` ends its process (``ocr.watchdog``); the relay sends the
    job again."""
    with hard_limit(settings.JOB_TIME_LIMIT):
        return services.perform_reading(job_id=job_id)


@shared_task(ignore_result=True)
def relay_reading_jobs() -> dict:
    """Every few seconds (beat): pending jobs the broker never took, and jobs whose worker died,
    are sent again."""
    return services.relay_jobs()
