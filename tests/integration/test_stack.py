"""The real path: PostgreSQL, Redis, a `celery worker` subprocess, the ASGI server as a
subprocess, and a WebSocket client that receives the pushed result for a label it rendered."""

import asyncio
import json
import os
import re
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import redis
import requests
import websockets

from ocr.labels import label_bytes
from tests.services import PG_URL, REDIS_URL, free_port, manage, require, start, stop, wait_for_port

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def database_url():
    require("PostgreSQL", "127.0.0.1", 5432)
    require("Redis", "127.0.0.1", 6379)
    name = f"tracelens_it_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield PG_URL.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def stack_env(database_url, tmp_path_factory):
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "integration-test-secret-key-" + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "MEDIA_ROOT": str(tmp_path_factory.mktemp("media")),
        "IT_PASSWORD": "integration-Passw0rd!",
    }
    manage(env, "migrate", "--noinput", "-v0")
    manage(
        env,
        "shell",
        "-c",
        (
            "from traceability.models import *; s=Site.objects.create(code='s', name='S');"
            "l=Line.objects.create(site=s, code='l', name='L');"
            "Station.objects.create(line=l, code='pack', name='Pack');"
            "p=Product.objects.create(part_number='TL-9', name='Board');"
            "lot=Lot.objects.create(product=p, code='L7-2026', quantity=5);"
            "Unit.objects.create(product=p, lot=lot, serial='SN770001')"
        ),
    )
    manage(env, "create_user", "camera-1", "--role", "device", "--station", "pack")
    manage(env, "create_user", "sue", "--role", "supervisor", "--password-env", "IT_PASSWORD")
    env["IT_TOKEN"] = manage(env, "create_token", "camera-1").stdout.strip()
    return env


@pytest.fixture(scope="module")
def server(stack_env, tmp_path_factory):
    port = free_port()
    logs = tmp_path_factory.mktemp("logs")
    process = start(
        stack_env, [sys.executable, "manage.py", "serve", "--port", str(port)], logs / "server.log"
    )
    wait_for_port(port, process)
    LOGS["server"] = logs / "server.log"
    yield f"127.0.0.1:{port}"
    stop(process)


LOGS = {}


def login(base: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{base}/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:300]
    return session


def test_photo_to_live_result_on_the_real_stack(stack_env, server, tmp_path):
    base = f"http://{server}"
    label = label_bytes(
        ["P/N TL-9", "LOT L7-2026", "S/N SN770001"],
        code="(01)09501101020917(10)L7-2026(21)SN770001",
        gs1=True,
    )
    response = requests.post(
        f"{base}/api/captures/",
        headers={"Authorization": f"Token {stack_env['IT_TOKEN']}"},
        files={"image": ("label.png", label, "image/png")},
        data={"station": "pack"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    capture_id = response.json()["id"]
    session = login(base, "sue", stack_env["IT_PASSWORD"])
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())

    async def follow():
        url = f"ws://{server}/ws/captures/{capture_id}/"
        async with websockets.connect(url, additional_headers={"Cookie": cookie, "Origin": base}) as socket:
            first = json.loads(await asyncio.wait_for(socket.recv(), 10))
            # No worker runs yet, so the result can only arrive as a push from the worker below.
            assert first["capture"]["job"]["status"] == "pending"
            worker = start(
                stack_env,
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "-Q",
                    "ocr,gpu,default",
                    "-c",
                    "1",
                    "-l",
                    "INFO",
                    "--without-mingle",
                    "--without-gossip",
                ],
                tmp_path / "worker.log",
            )
            try:
                while True:
                    message = json.loads(await asyncio.wait_for(socket.recv(), 120))
                    if message["capture"]["job"]["status"] in ("done", "failed"):
                        return message
            finally:
                stop(worker)

    with ThreadPoolExecutor(1) as pool:  # its own thread: no other event loop may be running there
        try:
            pushed = pool.submit(asyncio.run, follow()).result()
        except Exception:
            for name, path in (("server", LOGS["server"]), ("worker", tmp_path / "worker.log")):
                print(f"--- {name} log ---\n" + (path.read_text()[-4000:] if path.exists() else "(none)"))
            raise
    capture = pushed["capture"]
    assert capture["job"]["status"] == "done", capture["job"]
    assert capture["unit"]["serial"] == "SN770001" and capture["lot"]["code"] == "L7-2026"
    assert any("SN770001" in line["text"] for line in capture["reading"]["lines"])
    assert capture["reading"]["codes"][0]["gs1"][2] == {
        "ai": "21",
        "value": "SN770001",
        "description": "SERIAL",
    }

    with psycopg.connect(stack_env["DATABASE_URL"]) as conn:
        row = conn.execute(
            "SELECT u.serial, j.status FROM ocr_capture c JOIN traceability_unit u ON u.id = c.unit_id "
            "JOIN ocr_readingjob j ON j.capture_id = c.id WHERE c.id = %s",
            (capture_id,),
        ).fetchone()
    assert row == ("SN770001", "done")


def test_bad_input_on_the_real_stack(stack_env, server):
    base = f"http://{server}"
    auth = {"Authorization": f"Token {stack_env['IT_TOKEN']}"}
    before = count_captures(stack_env)
    empty = requests.post(f"{base}/api/captures/", headers=auth, files={"image": ("a.jpg", b"")}, timeout=10)
    text = requests.post(
        f"{base}/api/captures/", headers=auth, files={"image": ("a.jpg", b"hello")}, timeout=10
    )
    forged = requests.post(
        f"{base}/api/captures/",
        headers={"Authorization": "Token forged"},
        files={"image": ("a.jpg", b"x")},
        timeout=10,
    )
    assert (empty.status_code, text.status_code, forged.status_code) == (400, 400, 401)
    assert count_captures(stack_env) == before


def count_captures(env) -> int:
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        return conn.execute("SELECT count(*) FROM ocr_capture").fetchone()[0]


def test_postgres_refuses_changes_to_trace_events_and_the_chain_verifies(stack_env):
    manage(
        stack_env,
        "shell",
        "-c",
        (
            "from traceability.services import commission_unit; from traceability.models import Product;"
            "from accounts.models import User;"
            "commission_unit(product=Product.objects.get(part_number='TL-9'), serial='SN-TRIG',"
            " actor=User.objects.get(username='sue'))"
        ),
    )
    assert "intact" in manage(stack_env, "verify_audit_chain").stdout
    with psycopg.connect(stack_env["DATABASE_URL"], autocommit=True) as conn:
        for statement in (
            "UPDATE traceability_traceevent SET actor_name = 'mallory'",
            "DELETE FROM traceability_traceevent",
            "TRUNCATE traceability_traceevent CASCADE",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
        assert (
            conn.execute("SELECT count(*) FROM traceability_traceevent WHERE actor_name = 'sue'").fetchone()[
                0
            ]
            >= 1
        )
