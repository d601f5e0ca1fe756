"""The reading's hard time limit (ocr.watchdog): timed inside the reading process, so it holds
while the worker's main loop is away reconnecting to the broker; never in the embedded worker's
thread, which shares the server's process."""

import subprocess
import sys
import time

from tests.services import ROOT

HUNG = """
import time
from celery.signals import worker_process_init
from ocr.watchdog import hard_limit
if {in_pool}:
    worker_process_init.send(sender=None)  # as the prefork pool does in each of its processes
with hard_limit(1):
    time.sleep({sleep})
print("finished")
time.sleep({after})  # past the limit, outside the block: a timer left running would end it here
print("after")
"""


def run(in_pool: bool, sleep: float, after: float = 0) -> tuple[subprocess.CompletedProcess, float]:
    began = time.monotonic()
    code = HUNG.format(in_pool=in_pool, sleep=sleep, after=after)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    return done, time.monotonic() - began


def test_a_read_hung_past_the_limit_ends_its_pool_process_and_logs_where_it_hung():
    done, took = run(in_pool=True, sleep=30)
    assert done.returncode == 1 and "finished" not in done.stdout
    assert took < 15  # the limit (1 s), not the 30 s sleep
    assert "Timeout (0:00:01)!" in done.stderr
    assert '<string>", line 8' in done.stderr  # the hung line, in the worker's log


def test_a_read_within_the_limit_is_left_alone_and_the_timer_is_cancelled():
    done, _ = run(in_pool=True, sleep=0.1, after=1.5)
    assert done.returncode == 0 and done.stdout.split() == ["finished", "after"]
    assert "Timeout" not in done.stderr


def test_outside_a_pool_process_the_limit_never_ends_the_process():
    done, took = run(in_pool=False, sleep=2.5)
    assert done.returncode == 0 and done.stdout.split() == ["finished", "after"] and took >= 2.5
