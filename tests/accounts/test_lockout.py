"""Login lockout: five wrong passwords lock the account (right password included) for a while,
in the login page and the admin alike; a good login resets the count."""

import pytest
from django.test import Client
from django.utils import timezone

from accounts.choices import Role
from accounts.lockout import ATTEMPTS

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"  # the factories' password


def login(username, password):
    return Client().post("/login/", {"username": username, "password": password})


def test_wrong_passwords_lock_the_account_then_it_opens_again(make_user):
    user = make_user(Role.SUPERVISOR, username="sue")
    for _ in range(ATTEMPTS - 1):
        assert login("sue", "wrong").status_code == 401
    assert login("sue", PASSWORD).status_code == 302  # not locked yet: a good login resets the count
    user.refresh_from_db()
    assert user.failed_logins == 0
    for _ in range(ATTEMPTS):
        login("sue", "wrong")
    locked = login("sue", PASSWORD)
    assert (
        locked.status_code == 401 and "this account is locked for 15 more minutes" in locked.content.decode()
    )
    user.refresh_from_db()
    assert user.locked_until > timezone.now()
    assert not Client().login(username="sue", password=PASSWORD)  # every login path, the admin's too
    user.locked_until = timezone.now() - timezone.timedelta(seconds=1)
    user.save()
    assert login("sue", PASSWORD).status_code == 302


def test_a_locked_account_does_not_lock_others(make_user):
    make_user(Role.SUPERVISOR, username="sue")
    make_user(Role.OPERATOR, username="olga")
    for _ in range(ATTEMPTS):
        login("sue", "wrong")
    assert login("olga", PASSWORD).status_code == 302
    assert login("nobody", "wrong").status_code == 401  # unknown names are refused, never counted


def test_sessions_expire_after_a_shift(settings):
    assert settings.SESSION_COOKIE_AGE == 12 * 3600


def test_the_password_policy_holds_for_accounts_made_from_the_command_line(monkeypatch):
    from django.core.management import CommandError, call_command

    from accounts.models import User

    for weak in ("12345678", "password1", "short"):
        monkeypatch.setenv("NEW_PASSWORD", weak)
        with pytest.raises(CommandError, match="password refused"):
            call_command("create_user", "dana", role="supervisor", password_env="NEW_PASSWORD")
    assert not User.objects.filter(username="dana").exists()
    monkeypatch.setenv("NEW_PASSWORD", "amber-Lathe-47-spindle")
    call_command("create_user", "dana", role="supervisor", password_env="NEW_PASSWORD")
    assert User.objects.get(username="dana").check_password("amber-Lathe-47-spindle")
