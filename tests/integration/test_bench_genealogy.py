"""`bench genealogy` at N = 10,000 on PostgreSQL, as a smoke check: it runs, writes its JSON, the
traces equal a brute-force walk and plain SQL, and the audit chain still verifies. No timing
assertions: speed is the benchmark's to report."""

import json
import os
import uuid

import psycopg
import pytest

from tests.services import PG_URL, manage, require

pytestmark = pytest.mark.integration


@pytest.fixture
def bench_env():
    require("PostgreSQL", "127.0.0.1", 5432)
    name = f"tracelens_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": PG_URL.rsplit("/", 1)[0] + "/" + name,
    }
    env.pop("REDIS_URL", None)
    yield env
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_bench_genealogy_smoke(bench_env, tmp_path):
    manage(bench_env, "migrate", "--noinput", "-v0")
    out = tmp_path / "genealogy.json"
    result = manage(
        bench_env,
        "bench",
        "genealogy",
        "--units",
        "10000",
        "--samples",
        "100",
        "--verify",
        "50",
        "--epcis-docs",
        "2",
        "--json",
        str(out),
    )
    assert "backward_trace.p95_ms" in result.stdout
    figures = json.loads(out.read_text())
    assert figures["genealogy.units"] == 10000
    assert figures["traces.recall_pct"] == 100.0
    assert figures["forward_trace_10k.equal_to_plain_sql"] is True
    assert figures["recall_10k.units_held"] == 20000
    assert figures["epcis_ingest.events"] == 2000
    assert {"plain_sql_backward.p95_ms", "plain_sql_forward_trace_10k.ms"} <= set(figures["peers"])
    assert "intact" in manage(bench_env, "verify_audit_chain").stdout
