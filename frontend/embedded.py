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
