"""``bench genealogy --units N``: a plant's worth of genealogy on PostgreSQL, then the traces,
the recall and EPCIS ingest measured through TraceLens's own selectors and services.

Each finished unit has 5 subassemblies, each made of 4 components consumed from supplier lots:
component lots are sized so that one lot feeds 100,000 finished units, one 10,000 and the rest
1,000. The rows are the ones the services write (units, lots, events chained by hash, event
identifiers, genealogy edges, the lot→unit index), streamed with COPY so a million units take
minutes, not hours. The raw peer is plain recursive SQL over the edge table."""

import datetime as dt
import math
import random
import secrets
import statistics
import time
import uuid
from contextlib import contextmanager
from types import SimpleNamespace

from django.core.management.base import CommandError
from django.db import connection, transaction

from accounts.choices import Role
from accounts.models import User
from traceability import selectors, services
from traceability.choices import EventCode, LotStatus, Relation
from traceability.epcis import build
from traceability.epcis.capture import capture_document
from traceability.events import EVENT_COLUMNS, chain_hash, event_row
from traceability.models import AuditChainHead, Line, Lot, Product, Site, Station, Supplier, TraceEvent, Unit
from traceability.models.genealogy import node
from traceability.models.master import lot_uri, unit_uri

SUBS, PER_SUB = 5, 4
COMPONENTS = SUBS * PER_SUB
LOT_BLOCK = {0: 100_000, 1: 10_000}  # component position → finished units per lot; others 1,000
GTIN = "09501101020917"
T0 = dt.datetime(2026, 1, 5, 6, 0, tzinfo=dt.UTC)


def add_arguments(parser):
    parser.add_argument("--units", type=int, default=10_000, help="finished units to generate")
    parser.add_argument("--samples", type=int, default=500, help="backward traces to time")
    parser.add_argument("--verify", type=int, default=200, help="units compared with a brute-force walk")
    parser.add_argument(
        "--epcis-docs", type=int, default=5, help="EPCIS documents of 1,000 events to capture"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the plant the last run generated in this database instead of generating one",
    )


def block(position: int) -> int:
    return LOT_BLOCK.get(position, 1_000)


class Plan:
    """Deterministic ids for everything generated, so each table is one COPY pass."""

    def __init__(self, n: int, base: dict):
        self.n = n
        self.lots_per = [math.ceil(n / block(p)) for p in range(COMPONENTS)]
        self.lot_start = [sum(self.lots_per[:p]) for p in range(COMPONENTS)]
        self.total_lots = sum(self.lots_per)
        self.base = base

    def lot_id(self, p: int, i: int) -> int:
        return self.base["lot"] + self.lot_start[p] + i // block(p)

    def finished_id(self, i: int) -> int:
        return self.base["unit"] + i * (SUBS + 1)

    def sub_id(self, i: int, k: int) -> int:
        return self.finished_id(i) + 1 + k

    def lot_event(self, lot_index: int) -> int:
        return self.base["event"] + lot_index

    def unit_event(self, i: int, slot: int) -> int:
        """slot 0-4 sub commissions, 5-9 sub assemblies, 10 finished commission, 11 finished assembly."""
        return self.base["event"] + self.total_lots + i * 12 + slot


def _copy(table: str, columns: list[str], rows) -> int:
    count = 0
    with connection.cursor() as cursor:
        with cursor.connection.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def _next_id(model) -> int:
    return (model.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1


def _reset_sequences(tables):
    with connection.cursor() as cursor:
        for table in tables:
            # table names are this module's constants, never input
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "  # noqa: S608
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))",
                [table],
            )


LOADED_TABLES = [
    "traceability_lot",
    "traceability_unit",
    "traceability_traceevent",
    "traceability_eventidentifier",
    "traceability_genealogyedge",
    "traceability_lotunitindex",
]


@contextmanager
def bulk_load(tables):
    """pg_restore's way: foreign keys and secondary indexes dropped while COPY runs, then built
    once and checked in one pass each. Kept in place, a deferred foreign key queues a check per
    row until COMMIT, which at a million units took longer than the load itself."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
            [tables],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))",
            [tables],
        )
        indexes = cursor.fetchall()
        # names below come from the catalog, never from input
        for table, name, _ in foreign_keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        for _, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def generate(n: int, actor, out) -> dict:
    site = Site.objects.create(code=f"bench-{uuid.uuid4().hex[:6]}", name="Bench plant")
    line = Line.objects.create(site=site, code="l1", name="Line 1")
    station = Station.objects.create(line=line, code=f"asm-{site.code}", name="Assembly")
    suppliers = [Supplier.objects.create(code=f"{site.code}-s{s}", name=f"Supplier {s}") for s in range(10)]
    finished = Product.objects.create(part_number=f"FG-{site.code}", name="Finished", gtin=GTIN)
    subs = [Product.objects.create(part_number=f"SA{k}-{site.code}", name=f"Sub {k}") for k in range(SUBS)]
    parts = [
        Product.objects.create(part_number=f"C{p:02d}-{site.code}", name=f"Part {p}")
        for p in range(COMPONENTS)
    ]
    plan = Plan(
        n,
        {
            "lot": _next_id(Lot),
            "unit": _next_id(Unit),
            "event": _next_id(TraceEvent),
        },
    )
    head = AuditChainHead.objects.get_or_create(pk=1)[0]
    now = dt.datetime.now(dt.UTC)
    lots = [(p, j) for p in range(COMPONENTS) for j in range(plan.lots_per[p])]
    lot_code = lambda p, j: f"P{p:02d}-{j:06d}"  # noqa: E731
    lot_uris = [lot_uri("", parts[p].part_number, lot_code(p, j)) for p, j in lots]
    timings = {}

    start = time.perf_counter()
    _copy(
        "traceability_lot",
        ["id", "product_id", "code", "supplier_id", "quantity", "status"],
        (
            (
                plan.base["lot"] + x,
                parts[p].pk,
                lot_code(p, j),
                suppliers[p % 10].pk,
                block(p) * 2,
                "released",
            )
            for x, (p, j) in enumerate(lots)
        ),
    )

    def unit_rows():
        for i in range(n):
            yield (plan.finished_id(i), finished.pk, f"FG{i:08d}", None, "finished", station.pk, "", None)
            for k in range(SUBS):
                yield (plan.sub_id(i, k), subs[k].pk, f"SA{i:08d}{k}", None, "finished", None, "", None)

    _copy(
        "traceability_unit",
        ["id", "product_id", "serial", "lot_id", "status", "station_id", "customer", "shipped_at"],
        unit_rows(),
    )
    timings["units_and_lots_s"] = time.perf_counter() - start

    # Events, in the order the services would write them, each hash chained to the one before.
    def event_specs():
        for x, (p, _j) in enumerate(lots):
            epcis = build.object_event(
                moment=T0,
                action="ADD",
                biz_step="receiving",
                disposition="in_progress",
                quantities=[(lot_uris[x], block(p) * 2)],
            )
            yield plan.lot_event(x), EventCode.RECEIVE, "ObjectEvent", epcis, None, plan.base["lot"] + x, None
        for i in range(n):
            moment = T0 + dt.timedelta(seconds=i)
            fin_uri = unit_uri(GTIN, finished.part_number, f"FG{i:08d}")
            sub_uris = [unit_uri("", subs[k].part_number, f"SA{i:08d}{k}") for k in range(SUBS)]
            for k in range(SUBS):
                epcis = build.object_event(
                    moment=moment,
                    action="ADD",
                    biz_step="commissioning",
                    disposition="active",
                    epcs=[sub_uris[k]],
                )
                yield (
                    plan.unit_event(i, k),
                    EventCode.COMMISSION,
                    "ObjectEvent",
                    epcis,
                    plan.sub_id(i, k),
                    None,
                    None,
                )
            for k in range(SUBS):
                inputs = [(lot_uris[plan.lot_id(4 * k + j, i) - plan.base["lot"]], 1) for j in range(PER_SUB)]
                epcis = build.transformation_event(
                    moment=moment, inputs=[], input_quantities=inputs, outputs=[sub_uris[k]]
                )
                yield (
                    plan.unit_event(i, 5 + k),
                    EventCode.ASSEMBLE,
                    "TransformationEvent",
                    epcis,
                    plan.sub_id(i, k),
                    None,
                    None,
                )
            epcis = build.object_event(
                moment=moment,
                action="ADD",
                biz_step="commissioning",
                disposition="active",
                epcs=[fin_uri],
                station_code=station.code,
            )
            yield (
                plan.unit_event(i, 10),
                EventCode.COMMISSION,
                "ObjectEvent",
                epcis,
                plan.finished_id(i),
                None,
                station.pk,
            )
            epcis = build.transformation_event(
                moment=moment,
                inputs=sub_uris,
                input_quantities=[],
                outputs=[fin_uri],
                station_code=station.code,
            )
            yield (
                plan.unit_event(i, 11),
                EventCode.ASSEMBLE,
                "TransformationEvent",
                epcis,
                plan.finished_id(i),
                None,
                station.pk,
            )

    start = time.perf_counter()
    state = {"prev": head.last_hash, "last": None, "count": 0}

    def event_rows():
        for event_id, code, kind, epcis, unit_id, lot_id, station_id in event_specs():
            row = SimpleNamespace(
                pk=event_id,
                event_id=f"urn:uuid:{uuid.UUID(int=event_id)}",
                event_type=kind,
                code=code,
                action=epcis.get("action", ""),
                biz_step=epcis["bizStep"],
                disposition=epcis.get("disposition", ""),
                event_time=dt.datetime.fromisoformat(epcis["eventTime"]),
                event_time_zone_offset="+00:00",
                record_time=now,
                read_point=epcis.get("readPoint", {}).get("id", ""),
                biz_location="",
                station_id=station_id,
                unit_id=unit_id,
                lot_id=lot_id,
                capture_id=None,
                actor_id=actor.pk,
                actor_name=actor.username,
                correlation_id="bench",
                epcis=epcis,
                context=[],
                prev_hash=state["prev"],
            )
            row.hash = digest = chain_hash(state["prev"], row)
            yield event_row(row)
            state["prev"], state["last"] = digest, event_id
            state["count"] += 1

    _copy(
        "traceability_traceevent",
        EVENT_COLUMNS,
        event_rows(),
    )
    AuditChainHead.objects.filter(pk=head.pk).update(
        last_hash=state["prev"], last_event_id=state["last"], count=head.count + state["count"]
    )
    timings["events_s"] = time.perf_counter() - start

    def identifier_rows():
        for x in range(len(lots)):
            yield plan.lot_event(x), "epc_class", lot_uris[x]
        for i in range(n):
            fin_uri = unit_uri(GTIN, finished.part_number, f"FG{i:08d}")
            sub_uris = [unit_uri("", subs[k].part_number, f"SA{i:08d}{k}") for k in range(SUBS)]
            for k in range(SUBS):
                yield plan.unit_event(i, k), "epc", sub_uris[k]
                for j in range(PER_SUB):
                    yield (
                        plan.unit_event(i, 5 + k),
                        "epc_class",
                        lot_uris[plan.lot_id(4 * k + j, i) - plan.base["lot"]],
                    )
                yield plan.unit_event(i, 5 + k), "output", sub_uris[k]
            yield plan.unit_event(i, 10), "epc", fin_uri
            for k in range(SUBS):
                yield plan.unit_event(i, 11), "input", sub_uris[k]
            yield plan.unit_event(i, 11), "output", fin_uri

    def edge_rows():
        for i in range(n):
            for k in range(SUBS):
                sub = plan.sub_id(i, k)
                for j in range(PER_SUB):
                    lot = plan.lot_id(4 * k + j, i)
                    yield (
                        Relation.CONSUMED_INTO,
                        sub,
                        None,
                        None,
                        lot,
                        1,
                        plan.unit_event(i, 5 + k),
                        node(sub, None),
                        node(None, lot),
                    )
            for k in range(SUBS):
                sub = plan.sub_id(i, k)
                yield (
                    Relation.INSTALLED_IN,
                    plan.finished_id(i),
                    None,
                    sub,
                    None,
                    None,
                    plan.unit_event(i, 11),
                    node(plan.finished_id(i), None),
                    node(sub, None),
                )

    def index_rows():
        for i in range(n):
            for k in range(SUBS):
                for j in range(PER_SUB):
                    lot = plan.lot_id(4 * k + j, i)
                    yield lot, plan.sub_id(i, k)
                    yield lot, plan.finished_id(i)

    start = time.perf_counter()
    _copy("traceability_eventidentifier", ["event_id", "role", "uri"], identifier_rows())
    timings["identifiers_s"] = time.perf_counter() - start
    start = time.perf_counter()
    _copy(
        "traceability_genealogyedge",
        [
            "relation",
            "parent_unit_id",
            "parent_lot_id",
            "child_unit_id",
            "child_lot_id",
            "quantity",
            "event_id",
            "parent_node",
            "child_node",
        ],
        edge_rows(),
    )
    _copy("traceability_lotunitindex", ["lot_id", "unit_id"], index_rows())
    timings["genealogy_s"] = time.perf_counter() - start
    _reset_sequences(["traceability_lot", "traceability_unit", "traceability_traceevent"])
    out.write(
        f"generated {n:,} finished units, {n * SUBS:,} subassemblies, {len(lots):,} lots, "
        f"{state['count']:,} events"
    )
    return {"plan": plan, "finished": finished, "parts": parts, "timings": timings, "station": station}


def existing(out) -> dict:
    """The plant an earlier run generated, found again from its rows (the newest bench site)."""
    site = Site.objects.filter(code__startswith="bench-").order_by("-id").first()
    if site is None:
        raise CommandError("--reuse: no generated plant in this database; run without --reuse first")
    finished = Product.objects.get(part_number=f"FG-{site.code}")
    parts = [Product.objects.get(part_number=f"C{p:02d}-{site.code}") for p in range(COMPONENTS)]
    units = Unit.objects.filter(product=finished)
    n = units.count()
    base_unit = units.order_by("id").values_list("id", flat=True).first()
    base_lot = Lot.objects.filter(product__in=parts).order_by("id").values_list("id", flat=True).first()
    plan = Plan(n, {"lot": base_lot, "unit": base_unit, "event": 0})
    out.write(f"reusing {n:,} finished units of {site.code}")
    station = Station.objects.get(code=f"asm-{site.code}")
    return {"plan": plan, "finished": finished, "parts": parts, "timings": {}, "station": station}


def _percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


PLAIN_FORWARD = """
WITH RECURSIVE up(node) AS (
    SELECT parent_node FROM traceability_genealogyedge WHERE child_node = %s
  UNION
    SELECT e.parent_node FROM traceability_genealogyedge e JOIN up ON e.child_node = up.node
)
SELECT u.id, u.serial FROM up JOIN traceability_unit u ON u.id = up.node / 2 WHERE up.node %% 2 = 0
"""

PLAIN_BACKWARD = """
WITH RECURSIVE down(node) AS (
    SELECT child_node FROM traceability_genealogyedge WHERE parent_node = %s
  UNION ALL
    SELECT e.child_node FROM traceability_genealogyedge e JOIN down ON e.parent_node = down.node
)
SELECT node FROM down
"""


def _timed(fn, repeat=1):
    best = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best.append((time.perf_counter() - start) * 1000)
    return result, min(best)


def run(options, out) -> dict:
    if connection.vendor != "postgresql":
        raise CommandError("bench genealogy measures PostgreSQL: set DATABASE_URL to a PostgreSQL database")
    n = options["units"]
    rng = random.Random(options["seed"])
    actor, _ = User.objects.get_or_create(username="bench", defaults={"role": Role.ADMIN})
    password = secrets.token_urlsafe(16)  # the recall below is signed, as every recall is
    actor.set_password(password)
    actor.save(update_fields=["password"])
    start = time.perf_counter()
    if options["reuse"]:
        data = existing(out)
        n = data["plan"].n
    else:
        with transaction.atomic():
            with bulk_load(LOADED_TABLES):
                data = generate(n, actor, out)
        with connection.cursor() as cursor:
            # A live plant's autovacuum keeps the visibility map set; a fresh bulk load has none.
            cursor.execute(
                "VACUUM (ANALYZE) traceability_genealogyedge, traceability_lotunitindex, "
                "traceability_unit, traceability_lot, traceability_traceevent, traceability_eventidentifier"
            )
    generation_s = time.perf_counter() - start
    plan = data["plan"]

    # Backward traces of random finished units, through the selector, fetching the unit first.
    sample = [plan.finished_id(rng.randrange(n)) for _ in range(options["samples"])]
    durations = []
    for unit_id in sample:
        begin = time.perf_counter()
        tree = selectors.unit_trace_backward(Unit.objects.select_related("product").get(pk=unit_id))
        durations.append((time.perf_counter() - begin) * 1000)
        assert len(list(tree.walk())) == 1 + SUBS + COMPONENTS
    peer_back = []
    with connection.cursor() as cursor:
        for unit_id in sample[:200]:
            begin = time.perf_counter()
            cursor.execute(PLAIN_BACKWARD, [node(unit_id, None)])
            cursor.fetchall()
            peer_back.append((time.perf_counter() - begin) * 1000)

    # Correctness: selector trees and where-used lists against a brute-force walk.
    checked = equal = 0
    for unit_id in rng.sample(sample, min(options["verify"], len(sample))):
        tree = selectors.unit_trace_backward(Unit.objects.select_related("product").get(pk=unit_id))
        found = {node(n_.id, None) if n_.kind == "unit" else node(None, n_.id) for n_ in tree.walk()} - {
            node(unit_id, None)
        }
        checked += 1
        equal += found == selectors.brute_force_backward(unit_id)
    lots_checked = lots_equal = 0
    check_lots = [plan.lot_id(1, 0)] + [plan.lot_id(p, rng.randrange(n)) for p in range(2, COMPONENTS, 3)]
    for lot_id in check_lots:
        lots_checked += 1
        fast = {row[0] for row in selectors.lot_where_used(Lot.objects.get(pk=lot_id))}
        lots_equal += fast == selectors.brute_force_forward(lot_id)

    figures = {"genealogy.units": n, "genealogy.subassemblies": n * SUBS, "genealogy.lots": plan.total_lots}
    figures["backward_trace.p50_ms"] = round(statistics.median(durations), 3)
    figures["backward_trace.p95_ms"] = round(_percentile(durations, 95), 3)
    figures["traces.units_equal_brute_force"] = f"{equal}/{checked}"
    figures["traces.lots_equal_brute_force"] = f"{lots_equal}/{lots_checked}"
    figures["traces.recall_pct"] = round(100 * (equal + lots_equal) / max(1, checked + lots_checked), 2)
    peers = {"plain_sql_backward.p95_ms": round(_percentile(peer_back, 95), 3)}

    for label, position in (("forward_trace_10k", 1), ("forward_trace_100k", 0)):
        finished_units = min(n, block(position))
        if position == 0 and n < 100_000:
            label = f"forward_trace_{finished_units // 1000}k_lot0"
        lot = Lot.objects.select_related("product").get(pk=plan.lot_id(position, 0))
        rows, ms = _timed(lambda lot=lot: selectors.lot_where_used(lot), repeat=3)
        figures[f"{label}.finished_units"] = finished_units
        figures[f"{label}.rows"] = len(rows)
        figures[f"{label}.ms"] = round(ms, 1)
        with connection.cursor() as cursor:

            def plain(lot=lot):
                cursor.execute(PLAIN_FORWARD, [node(None, lot.pk)])
                return cursor.fetchall()

            peer_rows, peer_ms = _timed(plain, repeat=3)
        peers[f"plain_sql_{label}.ms"] = round(peer_ms, 1)
        figures[f"{label}.equal_to_plain_sql"] = {r[0] for r in rows} == {r[0] for r in peer_rows}

    # EPCIS capture: documents of 1,000 observation events of generated units.
    docs = []
    for d in range(options["epcis_docs"]):
        events = []
        for e in range(1000):
            i = rng.randrange(n)
            moment = T0 + dt.timedelta(days=30, seconds=d * 1000 + e)
            event = build.object_event(
                moment=moment,
                action="OBSERVE",
                biz_step="inspecting",
                disposition="active",
                epcs=[unit_uri(GTIN, data["finished"].part_number, f"FG{i:08d}")],
                station_code=data["station"].code,
            )
            event["eventID"] = f"urn:uuid:{uuid.uuid4()}"
            events.append(event)
        docs.append(
            {
                "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
                "type": "EPCISDocument",
                "schemaVersion": "2.0",
                "creationDate": moment.isoformat(),
                "epcisBody": {"eventList": events},
            }
        )
    begin = time.perf_counter()
    captured = sum(len(capture_document(doc, actor=actor)) for doc in docs)
    ingest_s = time.perf_counter() - begin
    figures["epcis_ingest.events"] = captured
    figures["epcis_ingest.events_per_s"] = round(captured / ingest_s)

    # Recall of the lot that feeds 10,000 finished units: every hold and event written.
    # the first lot at that position not recalled yet (a reused plant may have had recalls)
    lot = next(
        candidate
        for k in range(0, n, block(1))
        if (candidate := Lot.objects.get(pk=plan.lot_id(1, k))).status == LotStatus.RELEASED
    )
    begin = time.perf_counter()
    recall = services.open_recall(
        number=f"BENCH-{uuid.uuid4().hex[:8]}",
        lots=[lot],
        reason="bench",
        actor=actor,
        signature={"password": password},
    )
    figures["recall_10k.seconds"] = round(time.perf_counter() - begin, 3)
    figures["recall_10k.units_held"] = recall.items.filter(unit__isnull=False).count()

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        figures["database.size_mb"] = round(cursor.fetchone()[0] / 2**20)
    if not options["reuse"]:
        figures["generation.seconds"] = round(generation_s, 1)
    for key, value in data["timings"].items():
        figures[f"generation.{key}"] = round(value, 1)
    figures["peers"] = peers
    return figures
