"""Scale-out across hosts (issue 11): two reader hosts, each a network namespace of its own with a
veth link to this one, consume from one Redis and one PostgreSQL; each photo is read once, and
the two read in parallel. Each host runs one worker process with one ONNX Runtime thread (one
core), and the photos are queued before the readers start, so the web server takes no CPU from
them while they read. Figures go to test-artifacts/faults.json.

The target (two hosts at least 1.8 times one) is a speed figure, for the benchmark
(`bench load --scale 80`), not for a test: on 2026-12-01 this test gave 1.97 run alone and 1.73
inside the whole suite, right after the fault tests."""

import os

import pytest

from ocr.bench.load import scale_out, scale_stack
from ocr.bench.netns import NetnsUnavailable
from tests.faults.conftest import fail_or_skip, require_stack
from tests.faults.test_faults import assert_each_read_once, record
from tests.services import PG_URL

pytestmark = [pytest.mark.faults, pytest.mark.timeout(1200)]
PHOTOS = int(os.environ.get("SCALE_PHOTOS", "80"))


def test_two_reader_hosts_each_read_their_share_in_parallel_and_nothing_twice(tmp_path):
    require_stack()
    try:
        context, stack, hosts = scale_stack(tmp_path, PG_URL)
    except NetnsUnavailable as exc:
        fail_or_skip(f"network namespaces cannot be made here: {exc}")
    with context:
        figures = scale_out(stack, hosts, PHOTOS, stack.device_tokens(1)[0])
        ids = {pk for (pk,) in stack.sql("SELECT id FROM ocr_capture")}
        assert len(ids) == 2 * PHOTOS
        assert_each_read_once(stack, ids)
        assert all(relay.connections for host in hosts for relay in host.relays), "a host bypassed its link"
        record("scale_out", {key.removeprefix("scale_out."): value for key, value in figures.items()})
        # in parallel: hosts serialised on one lock, or one taking every message, give about 1.0;
        # inside the whole suite on 2026-12-02 two hosts gave 1.49, so the guard sits at 1.3
        assert figures["scale_out.speedup"] >= 1.3, figures
