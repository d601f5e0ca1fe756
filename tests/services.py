"""Reaching the real services (PostgreSQL, Redis) and running the project's own processes.

With CI=true a missing service fails the test; elsewhere it skips it with the reason."""

import contextlib
import json
import os
import queue
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ocr.bench.stack import free_port, wait_for_port  # noqa: F401 - one copy, shared with the benchmarks

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def require(name: str, host: str, port: int) -> None:
    if reachable(host, port):
        return
    message = f"{name} is not reachable at {host}:{port}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def manage(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if check and result.returncode != 0:
        raise RuntimeError(
            f"manage.py {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-3000:]}"
        )
    return result


def start(env: dict, args: list[str], log: Path) -> subprocess.Popen:
    handle = log.open("w")
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)


def embedded_env(var: Path, **extra: str) -> dict:
    """The environment of the app as `make run` serves it (embedded settings, SQLite and media
    under ``var``), with ``extra`` settings; the database migrated."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": f"sqlite:///{var / 'app.sqlite3'}",
        "MEDIA_ROOT": str(var / "media"),
        "DEBUG": "false",
        **extra,
    }
    env.pop("REDIS_URL", None)
    manage(env, "migrate", "--noinput", "-v0")
    return env


@contextlib.contextmanager
def serving(env: dict, var: Path):
    """`manage.py serve` on a free port, logging to ``var``/server.log: yields (port, process)."""
    port = free_port()
    process = start(env, [sys.executable, "manage.py", "serve", "--port", str(port)], var / "server.log")
    try:
        wait_for_port(port, process)
        yield port, process
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def mqtt_listener(topic: str):
    """A client subscribed (QoS 1) to ``topic`` on the local broker: yields a queue of
    (topic, qos, decoded JSON payload) for each message."""
    import paho.mqtt.client as mqtt

    require("Mosquitto", "127.0.0.1", 1883)
    received, subscribed = queue.Queue(), threading.Event()
    listener = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    listener.on_connect = lambda c, u, f, rc, p: c.subscribe(topic, qos=1)
    listener.on_subscribe = lambda *args: subscribed.set()
    listener.on_message = lambda c, u, m: received.put((m.topic, m.qos, json.loads(m.payload)))
    listener.connect("127.0.0.1", 1883)
    listener.loop_start()
    try:
        assert subscribed.wait(5), f"no subscription to {topic}"
        yield received
    finally:
        listener.loop_stop()
        listener.disconnect()


def read_capture(*, actor, station, image, metadata=None, ext=".jpg", source="api"):
    """A capture of ``image`` (BGR) sent through the API path (or as ``source`` says: "browser",
    a person's photo from the capture page) and read by the real pipeline."""
    import cv2

    from ocr.services import create_capture, perform_reading

    capture, _ = create_capture(
        actor=actor,
        data=cv2.imencode(ext, image)[1].tobytes(),
        source=source,
        station=station,
        metadata=metadata or {},
    )
    perform_reading(job_id=capture.job.pk)
    capture.refresh_from_db()
    return capture
