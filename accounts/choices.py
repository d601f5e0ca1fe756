from django.db import models


class Role(models.TextChoices):
    """Stable lowercase values; never renamed (they are stored and used in the role matrix)."""

    ADMIN = "admin", "Admin"
    SUPERVISOR = "supervisor", "Supervisor"
    OPERATOR = "operator", "Operator"
    AUDITOR = "auditor", "Auditor (read-only)"
    DEVICE = "device", "Camera device"


# Roles that may change state through the API and pages; the auditor reads everything.
WRITE_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR, Role.DEVICE})
# Roles that see every capture; operators see their own, devices their stations'.
SEE_ALL_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR})
