"""Production settings refuse to start half-configured; the embedded default needs no services."""

import os
import subprocess
import sys

import pytest

from tests.services import ROOT

SETUP = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.EMBEDDED_WORKER)"
)


def run(settings_module, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "ALLOWED_HOSTS", "REDIS_URL", "DATABASE_URL")
    }
    return subprocess.run(
        [sys.executable, "-c", SETUP],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**clean, "DJANGO_SETTINGS_MODULE": settings_module, **env},
    )


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "SECRET_KEY"),
        ({"SECRET_KEY": "x" * 50}, "ALLOWED_HOSTS"),
        ({"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "tl.example"}, "REDIS_URL"),
    ],
)
def test_prod_refuses_to_start_without_its_settings(env, missing):
    result = run("config.settings.prod", **env)
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr and missing in result.stderr


def test_prod_starts_with_postgres_and_redis():
    result = run(
        "config.settings.prod",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="tl.example",
        REDIS_URL="redis://127.0.0.1:6379/0",
        DATABASE_URL="postgres://u@db:5432/tl",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "redis://127.0.0.1:6379/0", "False"]


def test_embedded_default_needs_no_services():
    result = run("config.settings.dev")
    assert result.returncode == 0, result.stderr
    engine, broker, embedded = result.stdout.split()
    assert (engine, broker, embedded) == ("django.db.backends.sqlite3", "memory://", "True")


def test_make_run_serves_error_pages_not_debug_pages():
    """The embedded default is a plant's real install: `make run` serves with DEBUG off (the
    tests' embedded app, ``tests.services.embedded_env``, runs so too)."""
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    plan = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, env=env)
    serve = [line for line in plan.stdout.splitlines() if "manage.py serve" in line]
    assert len(serve) == 1 and serve[0].startswith("DEBUG=false "), plan.stdout + plan.stderr


def test_deploy_checks_pass_with_production_settings():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "config.settings.prod",
            "SECRET_KEY": "k" * 60 + "-Zq!",
            "ALLOWED_HOSTS": "tl.example",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pages_carry_a_content_security_policy_without_inline_script(client, django_user_model):
    policy = client.get("/login/").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'" and "unsafe-inline" not in policy
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "Content-Security-Policy" not in client.get("/api/docs/").headers  # Swagger's own page


def test_cors_is_strict_and_session_writes_need_csrf(client, django_user_model):
    """No cross-origin reads: no response grants another origin, preflights included. A session
    (the browser's) must send the CSRF token to change anything."""
    from django.test import Client

    for response in (
        client.get("/api/schema/", HTTP_ORIGIN="http://evil.example"),
        client.options(
            "/api/captures/", HTTP_ORIGIN="http://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
        ),
    ):
        assert not any(h.lower().startswith("access-control-allow") for h in response.headers)
    user = django_user_model.objects.create_user("sam", password="correct-horse-battery", role="supervisor")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    refused = browser.post("/api/lots/999/hold/", {"reason": "x"}, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
