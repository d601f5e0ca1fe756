"""A hard time limit for one reading that holds when the broker is away.

Celery's own ``time_limit`` is timed by the worker's main loop, which stops while it reconnects
to the broker: after a 30 s Redis outage it declared two finished jobs past their 20 s limit and
killed the processes that had read them, and in CI that worker then stopped taking tasks. This
limit is timed inside the reading process, by ``faulthandler``'s own thread (no GIL needed, so a
read hung in C code is stopped too): past the limit every thread's stack goes to the worker's
log and the process exits; the pool starts another and the relay sends the job again."""

import faulthandler
import sys
from contextlib import contextmanager

from celery.signals import worker_process_init

_in_pool_process = False


@worker_process_init.connect
def _pool_process_started(**_) -> None:
    global _in_pool_process
    _in_pool_process = True


@contextmanager
def hard_limit(seconds: float):
    """Exit the process when the block runs past ``seconds``. Only in a prefork pool's process:
    the embedded worker runs in a thread of the server, which must never exit for one photo."""
    stream = sys.__stderr__
    if not _in_pool_process or stream is None:
        yield
        return
    faulthandler.dump_traceback_later(seconds, exit=True, file=stream)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
