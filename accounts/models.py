import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from accounts.choices import Role


class User(AbstractUser):
    """A person or a camera device. Every account has exactly one role; a device account is
    scoped to the stations it may post captures for (``stations``); a person may be scoped to
    some lines or sites (``lines``, ``sites``; see ``accounts.scoping``)."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.OPERATOR)
    stations = models.ManyToManyField(
        "traceability.Station",
        blank=True,
        related_name="devices",
        help_text="For camera devices: the only stations this device may post captures for.",
    )
    lines = models.ManyToManyField(
        "traceability.Line",
        blank=True,
        related_name="people",
        help_text="For people: the lines they work on and see (captures, review queue, dashboard, "
        "equipment). None here and no site: every line.",
    )
    sites = models.ManyToManyField(
        "traceability.Site",
        blank=True,
        related_name="people",
        help_text="For people: every line of these sites, as if each were listed in lines.",
    )
    failed_logins = models.PositiveSmallIntegerField(
        default=0, help_text="Wrong passwords since the last login."
    )
    locked_until = models.DateTimeField(
        null=True, blank=True, help_text="Too many wrong passwords: no login before."
    )

    @property
    def is_device(self) -> bool:
        return self.role == Role.DEVICE

    def has_perm(self, perm, obj=None) -> bool:
        # An admin may do everything in the admin site, as a superuser may: the role is the grant.
        return (self.is_active and self.role == Role.ADMIN) or super().has_perm(perm, obj)

    def has_module_perms(self, app_label) -> bool:
        return (self.is_active and self.role == Role.ADMIN) or super().has_module_perms(app_label)

    def save(self, *args, **kwargs):
        # The admin site follows the role, so the role matrix has one source of truth.
        self.is_staff = self.role == Role.ADMIN or self.is_superuser
        super().save(*args, **kwargs)


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """An API token. Only its SHA-256 is stored; the key is shown once, when it is made.
    A revoked token never authenticates again."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8, help_text="First characters of the key, to tell tokens apart.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user: User, name: str) -> tuple["ApiToken", str]:
        """Create a token and return it with its clear key, which is not stored anywhere."""
        key = secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=key[:8], key_hash=hash_token(key))
        return token, key
