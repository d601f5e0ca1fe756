"""The processes a plant runs (the ASGI server, Celery readers, beat, and a Redis of their own
unless one is given) on a fresh PostgreSQL database, each a subprocess in its own process group
so that a kill reaches a prefork pool's children. Benchmarks load them and the fault tests break
them. Readers can run in network namespaces of their own (``ocr.bench.netns``): separate hosts as
far as the network goes, reaching Redis and PostgreSQL over a veth link."""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


class StackError(RuntimeError):
    """A process of the stack did not come up."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StackError(f"{process.args[:4]} exited early ({process.returncode})")
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise StackError(f"nothing listening on {host}:{port} after {timeout} s")


def spawn(env: dict, args: list[str], log: Path) -> subprocess.Popen:
    """A process in a group of its own, logging to ``log``."""
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
    """``with Stack(postgres_url, logs) as stack:`` a migrated database of its own and a Redis of
    its own (append-only, as in production; bound to ``bind``), then ``start_server``,
    ``start_worker`` and ``start_beat`` as the caller needs. Everything is stopped and the
    database dropped on exit."""

    def __init__(self, postgres_url: str, logs: Path, *, bind: tuple[str, ...] = ("127.0.0.1",), **env):
        self.name = f"tracelens_stack_{uuid.uuid4().hex[:10]}"
        self.admin_url = postgres_url
        self.logs = logs
        self.bind = bind
        self.redis_port = free_port()
        self.redis_password = secrets.token_hex(12)  # Redis refuses unauthenticated non-loopback clients
        self.redis = self.server = self.beat = None
        self.workers: dict[str, subprocess.Popen] = {}
        self.base = ""
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.prod",
            "DATABASE_URL": postgres_url.rsplit("/", 1)[0] + "/" + self.name,
            "REDIS_URL": f"redis://:{self.redis_password}@127.0.0.1:{self.redis_port}/0",
            "SECRET_KEY": "stack-" + secrets.token_hex(16),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "MEDIA_ROOT": str(logs / "media"),
            "LOG_FORMAT": "plain",
            **env,
        }

    def __enter__(self):
        (self.logs / "redis").mkdir(parents=True, exist_ok=True)
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        try:
            self.manage("migrate", "--noinput", "-v0")
            self.start_redis()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        for process in (self.beat, *self.workers.values(), self.server, self.redis):
            end(process)
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        if result.returncode:
            raise StackError(f"manage.py {args[0]} failed: {result.stderr[-2000:]}")
        return result.stdout

    def start_redis(self):
        args = ["redis-server", "--port", str(self.redis_port), "--bind", *self.bind]
        args += ["--requirepass", self.redis_password]
        args += ["--dir", str(self.logs / "redis"), "--appendonly", "yes", "--save", ""]
        self.redis = spawn(self.env, args, self.logs / "redis.log")
        wait_for_port(self.redis_port, self.redis)

    def stop_redis(self):
        end(self.redis)

    def start_server(self):
        port = free_port()
        args = [sys.executable, "manage.py", "serve", "--port", str(port)]
        self.server = spawn(self.env, args, self.logs / "server.log")
        wait_for_port(port, self.server)
        self.base = f"http://127.0.0.1:{port}"

    def start_worker(self, name: str = "worker", concurrency: int = 2, netns=None, loglevel="INFO"):
        """A ``celery worker`` on the reading queues; in ``netns`` (an ``ocr.bench.netns.Host``)
        it reaches Redis and PostgreSQL through that host's link."""
        args = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-n",
            f"{name}@%h",
            "-Q",
            "ocr,default",
        ]
        args += ["-c", str(concurrency), "--prefetch-multiplier", "1", "-l", loglevel]
        args += ["--without-mingle", "--without-gossip"]
        env = self.env
        if netns is not None:
            args = ["ip", "netns", "exec", netns.name, *args]
            env = {**env, **netns.env_for(self.env)}
        self.workers[name] = spawn(env, args, self.logs / f"{name}.log")
        return self.workers[name]

    def stop_worker(self, name: str = "worker", sig=signal.SIGTERM):
        end(self.workers.pop(name, None), sig)

    def start_beat(self):
        args = [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "INFO"]
        self.beat = spawn(self.env, [*args, "-s", str(self.logs / "beat-schedule")], self.logs / "beat.log")

    def sql(self, query: str, *args):
        with psycopg.connect(self.env["DATABASE_URL"]) as conn:
            return conn.execute(query, args).fetchall()

    def scalar(self, query: str, *args):
        return self.sql(query, *args)[0][0]

    def device_tokens(self, count: int, station: str = "pack") -> list[str]:
        """``count`` device accounts allowed at one station, each with its API token."""
        script = (
            "import json; from traceability.models import *; from accounts.models import User, ApiToken\n"
            "s=Site.objects.create(code='s', name='S'); l=Line.objects.create(site=s, code='l', name='L')\n"
            f"st=Station.objects.create(line=l, code={station!r}, name={station!r}); keys=[]\n"
            f"for i in range({count}):\n"
            "    u=User.objects.create(username=f'cam-{i}', role='device'); u.stations.add(st)\n"
            "    keys.append(ApiToken.issue(user=u, name='cam')[1])\n"
            "print(json.dumps(keys))"
        )
        return json.loads(self.manage("shell", "-c", script).strip().splitlines()[-1])

    def tail(self) -> str:
        return "\n".join(
            f"--- {p.name} ---\n{p.read_text()[-3000:]}" for p in sorted(self.logs.glob("*.log"))
        )
