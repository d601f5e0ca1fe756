"""The Celery app. Tasks take ids and use JSON; the job rows in the database are the truth."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("tracelens")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
