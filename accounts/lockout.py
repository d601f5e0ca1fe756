"""Login lockout: after ``ATTEMPTS`` wrong passwords in a row an account refuses every login
(right password included) for ``LOCK_MINUTES``. Kept on the user row, so every web process and
the admin agree; a successful login resets the count. Each refusal and lock is logged."""

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.utils import timezone

logger = logging.getLogger(__name__)
ATTEMPTS = 5
LOCK_MINUTES = 15


def locked_until(username: str):
    """When the account may log in again, or None if it may now."""
    until = get_user_model().objects.filter(username=username).values_list("locked_until", flat=True).first()
    return until if until and until > timezone.now() else None


class LockoutBackend(ModelBackend):
    """The model backend, refusing a locked account before its password is even checked."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and locked_until(username):
            raise PermissionDenied("account locked")  # stops the chain; counted as a failed login
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_login_failed)
def count_failure(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username")
    User = get_user_model()
    user = User.objects.filter(username=username).first() if username else None
    if user is None or locked_until(username):
        return
    failed = user.failed_logins + 1
    if failed >= ATTEMPTS:
        until = timezone.now() + timezone.timedelta(minutes=LOCK_MINUTES)
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=until)
        logger.warning("account %s locked until %s after %s wrong passwords", username, until, failed)
    else:
        User.objects.filter(pk=user.pk).update(failed_logins=failed)


@receiver(user_logged_in)
def reset_failures(sender, user, request=None, **kwargs):
    if user.failed_logins or user.locked_until:
        get_user_model().objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
