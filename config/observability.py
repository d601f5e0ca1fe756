"""What the processes say about themselves: JSON log lines with the correlation id, the
correlation id carried from a request into the tasks it sends, and each worker's heartbeat
(resident memory, tasks run) for the metrics."""

import ctypes
import ctypes.util
import json
import logging
import os
import socket
import time

from celery.signals import before_task_publish, task_postrun, task_prerun
from django.utils import timezone

from traceability.context import correlation_id, current_correlation_id

BEAT_EVERY_S = 10.0


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, correlation id, and the
    exception where there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": current_correlation_id(),
            "process": record.process,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


JsonFormatter.converter = time.gmtime


def _malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to give back this way
        return None


_TRIM = _malloc_trim()


def release_memory() -> None:
    """Hand the allocator's free pages back to the system. Without it glibc keeps the peaks of
    earlier images in its arenas, and a reading process grows by tens of MB over thousands of
    readings (352 → 401 MB over 5,000). The trim costs the pages the next reading faults in
    again: after every task it took 2 to 3 % of a worker's throughput (bench e2e, 2.19 against
    2.12-2.15 captures/s), so it runs with the heartbeat, every ``BEAT_EVERY_S``, which keeps
    the growth away as well."""
    if _TRIM is not None:
        _TRIM(0)


def resident_bytes() -> int:
    """This process's resident memory now (Linux), else its peak."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@before_task_publish.connect
def carry_correlation_id(headers=None, **kwargs):
    if headers is not None and "correlation_id" not in headers and current_correlation_id():
        headers["correlation_id"] = current_correlation_id()


_tokens: dict = {}


@task_prerun.connect
def take_correlation_id(task_id=None, task=None, **kwargs):
    value = getattr(task.request, "correlation_id", None) or (task.request.headers or {}).get(
        "correlation_id"
    )
    _tokens[task_id] = correlation_id.set(value or f"task-{task_id}")


_state = {"tasks": 0, "beat_at": 0.0, "started_at": None}


@task_postrun.connect
def heartbeat(task_id=None, task=None, **kwargs):
    """After each task: the correlation id is put back, and at most every ``BEAT_EVERY_S``
    the allocator is trimmed and this worker's heartbeat row written (its resident memory
    measured after the trim, as the trims leave it)."""
    token = _tokens.pop(task_id, None)
    if token is not None:
        correlation_id.reset(token)
    _state["tasks"] += 1
    _state["started_at"] = _state["started_at"] or timezone.now()
    now = time.monotonic()
    if now - _state["beat_at"] < BEAT_EVERY_S:
        return
    _state["beat_at"] = now
    release_memory()
    from ocr.models import WorkerBeat

    queues = getattr(task.request, "delivery_info", None) or {}
    try:
        WorkerBeat.objects.update_or_create(
            name=f"{socket.gethostname()}:{os.getpid()}",
            defaults={
                "queues": str(queues.get("routing_key") or "")[:200],
                "resident_bytes": resident_bytes(),
                "tasks": _state["tasks"],
                "started_at": _state["started_at"],
                "seen_at": timezone.now(),
            },
        )
    except Exception:  # noqa: BLE001 - a heartbeat must never fail the task it follows
        logging.getLogger(__name__).warning("worker heartbeat not written", exc_info=True)
