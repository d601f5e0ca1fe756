from django.apps import AppConfig


class OcrConfig(AppConfig):
    name = "ocr"
    verbose_name = "Captures and readings"

    def ready(self):
        from config import observability  # noqa: F401 - Celery signal receivers: correlation id, heartbeat
