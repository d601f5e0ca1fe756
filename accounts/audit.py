"""Sign-ins, refused sign-ins and sign-outs in the audit trail, with the address and browser
they came from. A refused one names the username typed (the account, where it exists) and
whether the account is now locked."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.lockout import locked_until
from traceability.choices import EventCode
from traceability.events import append_record


def _origin(request) -> dict:
    if request is None:
        return {}
    return {
        "tracelens:address": request.META.get("REMOTE_ADDR", ""),
        "tracelens:userAgent": request.META.get("HTTP_USER_AGENT", "")[:200],
    }


@receiver(user_logged_in)
def record_login(sender, user, request=None, **kwargs):
    append_record(
        EventCode.LOGIN, {"tracelens:username": user.get_username(), **_origin(request)}, actor=user
    )


@receiver(user_logged_out)
def record_logout(sender, user=None, request=None, **kwargs):
    if user is not None:
        append_record(
            EventCode.LOGOUT, {"tracelens:username": user.get_username(), **_origin(request)}, actor=user
        )


@receiver(user_login_failed)
def record_failed_login(sender, credentials, request=None, **kwargs):
    username = str((credentials or {}).get("username") or "")[:150]
    user = get_user_model().objects.filter(username=username).first() if username else None
    until = locked_until(username) if user else None
    details = {
        "tracelens:username": username,
        "tracelens:knownAccount": user is not None,
        **({"tracelens:lockedUntil": until.isoformat()} if until else {}),
        **_origin(request),
    }
    append_record(EventCode.LOGIN_FAILED, details, actor=user)
