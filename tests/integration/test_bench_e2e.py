"""`bench e2e` as a smoke check on the real stack (its own PostgreSQL database and Redis, the ASGI
server and a two-process Celery worker): every posted capture ends pushed, every dashboard gets
every published result, the JSON is written and the database dropped. No timing assertions."""

import json
import os

import psycopg
import pytest

from tests.faults.conftest import require_stack
from tests.services import PG_URL, manage

# the bench waits up to 300 s for the pushes alone, beside its warm-up, fan-out and peer runs:
# the suite's default 300 s would cut it short on a loaded machine before it can say what it saw
pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]


def test_bench_e2e_smoke(tmp_path):
    require_stack()
    before = stack_databases()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "E2E_POSTGRES_URL": PG_URL}
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_URL", None)
    out = tmp_path / "e2e.json"
    args = ["bench", "e2e", "--cameras", "3", "--captures", "6", "--dashboards", "3", "--fanout", "20"]
    result = manage(env, *args, "--json", str(out))
    figures = json.loads(out.read_text())
    assert figures["e2e.captures_posted"] == 6 and figures["e2e.post_errors"] == 0
    assert figures["e2e.results_pushed"] == 6, result.stdout
    assert figures["fanout.delivered_to_every_dashboard"] is True
    assert (
        figures["e2e.upload_to_push_ms_p95"] > 0
        and "bare_pipeline_2_processes.images_per_s" in figures["peers"]
    )
    assert stack_databases() == before, "the stack's database was left behind"


def stack_databases() -> int:
    with psycopg.connect(PG_URL) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'tracelens_stack_%'"
        ).fetchone()[0]
