"""The real stack of ``ocr.bench.stack`` with handles to break it: a Redis of its own (so it can
be stopped and started again, with its append-only file as in production), a fresh PostgreSQL
database, the ASGI server, `celery worker` and `celery beat` as subprocesses."""

import os
import shutil

import pytest

from ocr.bench.stack import Stack
from tests.services import PG_URL, require

CAMERAS = 20


def fail_or_skip(message: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def require_stack():
    require("PostgreSQL", "127.0.0.1", 5432)
    if not shutil.which("redis-server"):
        fail_or_skip("redis-server is not installed (the fault tests run a Redis of their own)")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    require_stack()
    logs = tmp_path_factory.mktemp("faults")
    timing = {"RELAY_EVERY_S": "2", "JOB_TIME_LIMIT": "20", "JOB_REDISPATCH_SECONDS": "60"}
    with Stack(PG_URL, logs, QUEUE_LIMIT="100000", **timing) as stack:
        stack.tokens = stack.device_tokens(CAMERAS)
        stack.start_server()
        stack.start_worker()
        stack.start_beat()
        yield stack
