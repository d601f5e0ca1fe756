"""The Celery app. Tasks take ids and use JSON; the job rows in the database are the truth."""

import os

from celery import Celery
from celery.signals import task_postrun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("tracelens")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_postrun.connect
def release_connections(**kwargs):
    """The task's database connections back to the pool (or closed where there is none), and
    one that failed dropped: Django's own step at the end of a request."""
    from django.db import close_old_connections

    close_old_connections()
