from django.apps import AppConfig


class TraceabilityConfig(AppConfig):
    name = "traceability"
    verbose_name = "Traceability"

    def ready(self):
        from traceability import lookups  # noqa: F401 - registers the __any lookup
