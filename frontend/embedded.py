"""The embedded reading worker: a Celery worker in a thread of the server process, consuming the
in-memory transport. Used when no REDIS_URL is set, so one process serves pages, WebSockets and
readings, and reading still never runs inside an HTTP request."""

import logging
import threading

from celery.worker import WorkController

from config.celery import app

logger = logging.getLogger(__name__)

QUEUES = ("ocr", "gpu", "default")


def start_embedded_worker(timeout: float = 30.0) -> WorkController:
    ready = threading.Event()
    worker = WorkController(
        app=app,
        hostname="embedded@localhost",
        pool_cls="solo",
        concurrency=1,
        queues=list(QUEUES),
        without_heartbeat=True,
        without_mingle=True,
        without_gossip=True,
        ready_callback=lambda consumer: ready.set(),
        loglevel="WARNING",
    )
    thread = threading.Thread(target=worker.start, name="embedded-worker", daemon=True)
    thread.start()
    if not ready.wait(timeout):
        raise RuntimeError("the embedded reading worker did not start")
    logger.info("embedded reading worker consuming %s", ", ".join(QUEUES))
    return worker


def start_embedded_beat(stop: threading.Event | None = None) -> threading.Thread:
    """The beat schedule (``CELERY_BEAT_SCHEDULE``, fixed intervals) for the embedded setup: a
    thread that sends each periodic task to the in-process worker when it is due. Each is due
    once as the app starts, then at its interval: the audit chain is verified, and displays gone
    silent are found, when the app comes up (after a stop, or freshly seeded), not an hour on."""
    from django.conf import settings

    stop = stop or threading.Event()
    entries = {name: float(entry["schedule"]) for name, entry in settings.CELERY_BEAT_SCHEDULE.items()}
    tasks = {name: entry["task"] for name, entry in settings.CELERY_BEAT_SCHEDULE.items()}

    def run():
        due = dict(entries)  # seconds since each last ran: every one is due at the first tick
        while not stop.wait(1.0):
            for name, every in entries.items():
                due[name] += 1.0
                if due[name] >= every:
                    due[name] = 0.0
                    app.send_task(tasks[name])

    thread = threading.Thread(target=run, name="embedded-beat", daemon=True)
    thread.start()
    return thread


def start_embedded_relay(stop: threading.Event | None = None, every: float = 1.0) -> threading.Thread:
    """The webhook relay in a thread of its own: a slow receiver holds this thread, never the
    reading worker."""
    from django.db import close_old_connections

    from integrations.services import recover_stuck, relay_due

    stop = stop or threading.Event()

    def run():
        recover_stuck(older_than_s=0)  # a relay that died with the last process left these
        while not stop.wait(every):
            try:
                relay_due()
            except Exception:  # noqa: BLE001 - the relay must outlive one bad round
                logger.exception("webhook relay round failed")
            finally:
                close_old_connections()

    thread = threading.Thread(target=run, name="embedded-webhook-relay", daemon=True)
    thread.start()
    return thread
