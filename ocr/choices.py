from django.db import models


class CaptureSource(models.TextChoices):
    BROWSER = "browser", "Browser page"
    API = "api", "API (fixed camera or integration)"
    FOLDER = "folder", "Watched folder"
    DEMO = "demo", "Demo data"


class JobStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
