"""The real stack, with handles to break it: a private Redis (so it can be stopped and started
again, with its append-only file as in production), a fresh PostgreSQL database, the ASGI
server, `celery worker` and `celery beat` as subprocesses in their own process groups."""

import json
import os
import shutil
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

from tests.services import PG_URL, ROOT, free_port, manage, require, wait_for_port

CAMERAS = 20


def fail_or_skip(message: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def spawn(env: dict, args: list[str], log: Path) -> subprocess.Popen:
    """A process in a group of its own, so a kill reaches its children (a prefork pool's)."""
    handle = log.open("a")
    return subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )


def end(process: subprocess.Popen | None, sig=signal.SIGTERM, wait: float = 20) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, sig)
    try:
        process.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class Stack:
    def __init__(self, env: dict, logs: Path, redis_port: int, redis_dir: Path):
        self.env, self.logs = env, logs
        self.redis_port, self.redis_dir = redis_port, redis_dir
        self.redis = self.server = self.worker = self.beat = None
        self.base = ""

    def start_redis(self):
        self.redis = spawn(
            self.env,
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.redis_dir),
                "--appendonly",
                "yes",
                "--save",
                "",
            ],
            self.logs / "redis.log",
        )
        wait_for_port(self.redis_port, self.redis)

    def stop_redis(self):
        end(self.redis)

    def start_worker(self):
        self.worker = spawn(
            self.env,
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                "ocr,default",
                "-c",
                "2",
                "--prefetch-multiplier",
                "1",
                "-l",
                "INFO",
                "--without-mingle",
                "--without-gossip",
            ],
            self.logs / "worker.log",
        )

    def kill_worker(self):
        end(self.worker, signal.SIGKILL)

    def start(self):
        self.start_redis()
        port = free_port()
        self.server = spawn(
            self.env, [sys.executable, "manage.py", "serve", "--port", str(port)], self.logs / "server.log"
        )
        wait_for_port(port, self.server)
        self.base = f"http://127.0.0.1:{port}"
        self.start_worker()
        self.beat = spawn(
            self.env,
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "-l",
                "INFO",
                "-s",
                str(self.logs / "beat-schedule"),
            ],
            self.logs / "beat.log",
        )

    def stop(self):
        for process in (self.beat, self.worker, self.server, self.redis):
            end(process)

    def sql(self, query: str, *args):
        with psycopg.connect(self.env["DATABASE_URL"]) as conn:
            return conn.execute(query, args).fetchall()

    def tail(self) -> str:
        return "\n".join(
            f"--- {p.name} ---\n{p.read_text()[-3000:]}" for p in sorted(self.logs.glob("*.log"))
        )


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    require("PostgreSQL", "127.0.0.1", 5432)
    if not shutil.which("redis-server"):
        fail_or_skip("redis-server is not installed (the fault tests run a Redis of their own)")
    name = f"tracelens_faults_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    logs = tmp_path_factory.mktemp("faults")
    redis_port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DATABASE_URL": PG_URL.rsplit("/", 1)[0] + "/" + name,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "SECRET_KEY": "faults-test-secret-key-" + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "MEDIA_ROOT": str(logs / "media"),
        "LOG_FORMAT": "plain",
        "RELAY_EVERY_S": "2",
        "JOB_TIME_LIMIT": "20",
        "JOB_REDISPATCH_SECONDS": "60",
        "QUEUE_LIMIT": "100000",
    }
    manage(env, "migrate", "--noinput", "-v0")
    script = (
        "import json; from traceability.models import *; from accounts.models import User, ApiToken;"
        "s=Site.objects.create(code='s', name='S'); l=Line.objects.create(site=s, code='l', name='L');"
        "st=Station.objects.create(line=l, code='pack', name='Pack'); keys=[]\n"
        f"for i in range({CAMERAS}):\n"
        "    u=User.objects.create(username=f'cam-{i}', role='device'); u.stations.add(st)\n"
        "    keys.append(ApiToken.issue(user=u, name='cam')[1])\n"
        "print(json.dumps(keys))"
    )
    tokens = json.loads(manage(env, "shell", "-c", script).stdout.strip().splitlines()[-1])
    stack = Stack(env, logs, redis_port, logs / "redis")
    (logs / "redis").mkdir()
    stack.tokens = tokens
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
