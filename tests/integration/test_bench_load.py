"""`bench load` as a smoke check on the real stack: every photo the cameras post is read once, the
figures and the peer's are written, the stack's database is dropped. No timing assertions (the
fault suite measures the load and the scale-out)."""

import json
import os

import pytest

from tests.faults.conftest import require_stack
from tests.integration.test_bench_e2e import stack_databases
from tests.services import PG_URL, manage

pytestmark = pytest.mark.integration


def test_bench_load_smoke(tmp_path):
    require_stack()
    before = stack_databases()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_URL", None)
    out = tmp_path / "load.json"
    result = manage(
        env, "bench", "load", "--cameras", "3", "--per-camera", "2", "--postgres", PG_URL, "--json", str(out)
    )
    figures = json.loads(out.read_text())
    assert figures["load.captures"] == 6 and figures["load.cameras"] == 3, result.stdout
    assert figures["load.captures_per_s"] > 0 and figures["load.upload_to_result_s_p95"] > 0
    assert figures["peers"]["bare_pipeline_1_thread.images_per_s"] > 0
    assert "load.captures_per_s" in result.stdout  # the table
    assert stack_databases() == before
