"""Reads of traceability records: genealogy traversals (recursive CTEs over the edge table),
where-used through the maintained lot→unit index, recall reports and WIP."""

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Max, Q
from django.utils import timezone

from traceability.choices import EventCode, Relation, UnitStatus
from traceability.models import GenealogyEdge, Lot, LotUnitIndex, RecallItem, Station, TraceEvent, Unit
from traceability.models.genealogy import node

MAX_DEPTH = 64


def _rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


DOWN = """
WITH RECURSIVE tree(depth, parent_node, child_node, relation, quantity) AS (
    SELECT 1, e.parent_node, e.child_node, e.relation, e.quantity
    FROM traceability_genealogyedge e WHERE e.parent_node = %s
  UNION ALL
    SELECT t.depth + 1, e.parent_node, e.child_node, e.relation, e.quantity
    FROM traceability_genealogyedge e JOIN tree t ON e.parent_node = t.child_node
    WHERE t.depth < %s
)"""

UP = """
WITH RECURSIVE up(depth, node) AS (
    SELECT 1, e.parent_node FROM traceability_genealogyedge e WHERE e.child_node = %s
  UNION
    SELECT u.depth + 1, e.parent_node FROM traceability_genealogyedge e JOIN up u ON e.child_node = u.node
    WHERE u.depth < %s
)
SELECT DISTINCT node FROM up
"""


@dataclass
class TraceNode:
    kind: str  # "unit" or "lot"
    id: int
    label: str
    part_number: str
    status: str
    relation: str = ""
    quantity: float | None = None
    supplier: str = ""
    children: list["TraceNode"] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "id": self.id,
            "label": self.label,
            "part_number": self.part_number,
            "status": self.status,
            "relation": self.relation,
            "quantity": self.quantity,
            "supplier": self.supplier,
            "children": [child.to_dict() for child in self.children],
        }

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


TREE_ROWS = (
    DOWN  # noqa: S608 - constant SQL, parameters bound
    + """
SELECT t.parent_node, t.child_node, t.relation, t.quantity,
       COALESCE(u.serial, l.code), COALESCE(up.part_number, lp.part_number),
       COALESCE(u.status, l.status), s.name
FROM tree t
LEFT JOIN traceability_unit u ON t.child_node %% 2 = 0 AND u.id = t.child_node / 2
LEFT JOIN traceability_product up ON up.id = u.product_id
LEFT JOIN traceability_lot l ON t.child_node %% 2 = 1 AND l.id = t.child_node / 2
LEFT JOIN traceability_product lp ON lp.id = l.product_id
LEFT JOIN traceability_supplier s ON s.id = l.supplier_id
"""
)
# On PostgreSQL each node is looked up by primary key (LATERAL ... OFFSET 0 keeps the planner
# from turning a lookup into a hash join over the whole lot or unit table, whose size it cannot
# tell from the recursive CTE's estimate).
TREE_ROWS_PG = (
    DOWN  # noqa: S608 - constant SQL, parameters bound
    + """
SELECT t.parent_node, t.child_node, t.relation, t.quantity,
       COALESCE(u.serial, l.code), COALESCE(u.part_number, l.part_number),
       COALESCE(u.status, l.status), l.supplier
FROM tree t
LEFT JOIN LATERAL (
    SELECT x.serial, p.part_number, x.status FROM traceability_unit x
    JOIN traceability_product p ON p.id = x.product_id
    WHERE t.child_node %% 2 = 0 AND x.id = t.child_node / 2 OFFSET 0
) u ON true
LEFT JOIN LATERAL (
    SELECT x.code, p.part_number, x.status, s.name AS supplier FROM traceability_lot x
    JOIN traceability_product p ON p.id = x.product_id
    LEFT JOIN traceability_supplier s ON s.id = x.supplier_id
    WHERE t.child_node %% 2 = 1 AND x.id = t.child_node / 2 OFFSET 0
) l ON true
"""
)


def unit_trace_backward(unit: Unit) -> TraceNode:
    """The full as-built tree of a unit, down to supplier lots: one statement, the recursive
    walk over the edges joined to the units and lots it names (one round trip at any depth)."""
    root = TraceNode("unit", unit.pk, unit.serial, unit.product.part_number, unit.status)
    nodes = {node(unit.pk, None): root}
    sql = TREE_ROWS_PG if connection.vendor == "postgresql" else TREE_ROWS
    for parent, child, relation, qty, label, part, status, supplier in _rows(
        sql, [node(unit.pk, None), MAX_DEPTH]
    ):
        kind = "lot" if child % 2 else "unit"
        item = TraceNode(kind, child // 2, label, part, status, relation)
        if kind == "lot":
            item.quantity = float(qty) if qty is not None else None
            item.supplier = supplier or ""
        nodes[parent].children.append(item)
        nodes[child] = item
    return root


GRAPH_NODES = 300  # the forward tree a page draws stops here; the where-used list has them all


def lot_trace_forward(lot: Lot, limit: int = GRAPH_NODES) -> tuple[TraceNode, bool]:
    """What the lot went into, as a tree: the units (and split lots) holding it, then what holds
    those, level by level, at most ``limit`` nodes (True when cut there). Three indexed queries
    per level."""
    root = TraceNode("lot", lot.pk, lot.code, lot.product.part_number, lot.status)
    nodes, frontier, count = {node(None, lot.pk): root}, [node(None, lot.pk)], 1
    for _ in range(MAX_DEPTH):
        if not frontier:
            break
        edges = list(
            GenealogyEdge.objects.filter(child_node__in=frontier)
            .order_by("child_node", "parent_node")
            .values_list("child_node", "parent_node", "relation")
        )
        new = list(dict.fromkeys(parent for _, parent, _ in edges if parent not in nodes))
        fresh = new[: limit - count]
        units = {
            u.pk: u
            for u in Unit.objects.select_related("product").filter(
                pk__in=[n // 2 for n in fresh if n % 2 == 0]
            )
        }
        lots = {
            x.pk: x
            for x in Lot.objects.select_related("product").filter(
                pk__in=[n // 2 for n in fresh if n % 2 == 1]
            )
        }
        wanted, frontier = set(fresh), []
        for child, parent, relation in edges:
            if parent not in wanted or parent in nodes:
                continue
            found = lots.get(parent // 2) if parent % 2 else units.get(parent // 2)
            if found is None:
                continue
            kind, label = ("lot", found.code) if parent % 2 else ("unit", found.serial)
            item = TraceNode(kind, found.pk, label, found.product.part_number, found.status, relation)
            nodes[child].children.append(item)
            nodes[parent] = item
            frontier.append(parent)
            count += 1
        if len(new) > len(fresh):
            return root, True
    return root, False


def returned_units_with_lot(lot: Lot) -> int:
    """Returned units that contain the lot or were made in it: a cluster here calls for a recall."""
    inside = LotUnitIndex.objects.filter(lot=lot, unit__status=UnitStatus.RETURNED).values("unit")
    return Unit.objects.filter(Q(pk__in=inside) | Q(lot=lot), status=UnitStatus.RETURNED).count()


def label_verified(unit: Unit) -> bool:
    """The unit's latest label verification passed."""
    return bool(unit.label_verifications.order_by("-created_at", "-id").values_list("ok", flat=True).first())


def release_blockers(lot: Lot) -> list[str]:
    """Why ``lot`` may not be released yet: each active plan of its product that is required for
    release and whose latest record for the lot (lot plans) or for its units (unit plans, the
    plan's sample size or every unit) is missing or failed."""
    reasons = []
    for plan in lot.product.inspection_plans.filter(active=True, required_for_release=True).order_by("pk"):
        if plan.scope == "lot":
            latest = lot.inspection_records.filter(plan=plan).order_by("-created_at", "-id").first()
            if latest is None:
                reasons.append(f"{plan.name} has not been done")
            elif not latest.passed:
                reasons.append(f"{plan.name} failed (record {latest.pk})")
            continue
        latest_by_unit = {}
        for unit_id, passed in (
            plan.records.filter(unit__lot=lot)
            .order_by("unit_id", "-created_at", "-id")
            .values_list("unit_id", "passed")
        ):
            latest_by_unit.setdefault(unit_id, passed)
        failed = sum(1 for passed in latest_by_unit.values() if not passed)
        needed = plan.sample_size or lot.units.count()
        if failed:
            reasons.append(f"{plan.name} failed on {failed} unit(s)")
        elif len(latest_by_unit) < needed:
            reasons.append(f"{plan.name} done on {len(latest_by_unit)} of {needed} unit(s)")
    return reasons


def unit_ancestor_ids(unit_id: int) -> list[int]:
    """Every unit that ``unit_id`` is inside, at any depth."""
    return [n // 2 for (n,) in _rows(UP, [node(unit_id, None), MAX_DEPTH]) if n % 2 == 0]


def lots_split_from(lot_ids: list[int]) -> list[int]:
    """Lots made by splitting one of ``lot_ids``, transitively (over the indexed node columns)."""
    found, frontier = set(), set(lot_ids)
    while frontier:
        parents = GenealogyEdge.objects.filter(
            child_node__in=[node(None, lot_id) for lot_id in frontier], relation=Relation.SPLIT_FROM
        ).values_list("parent_node", flat=True)
        children = {n // 2 for n in parents if n % 2 == 1} - found
        found |= children
        frontier = children
    return sorted(found)


def units_containing_lots(lot_ids) -> list[int]:
    return list(LotUnitIndex.objects.filter(lot__in=lot_ids).values_list("unit_id", flat=True).distinct())


WHERE_USED_COLUMNS = ("id", "serial", "part_number", "status", "station", "customer")
UNIT_ROWS = """
SELECT u.id, u.serial, p.part_number, u.status, s.code, u.customer
FROM traceability_unit u
JOIN traceability_product p ON p.id = u.product_id
LEFT JOIN traceability_station s ON s.id = u.station_id
WHERE u.id = ANY(ARRAY(SELECT unit_id FROM traceability_lotunitindex WHERE lot_id = ANY(%s)))
"""


def lot_where_used(lot) -> list[tuple]:
    """Forward trace: every unit that contains ``lot`` (or a lot split from it), transitively,
    read from the maintained index. Rows are tuples in ``WHERE_USED_COLUMNS`` order: a lot in
    100,000 units gives 200,000 rows, and callers page them rather than pay for dicts.

    On PostgreSQL the unit ids are gathered once into an array (an init plan) and the units
    fetched by primary key: joined as a table, the planner scans the whole unit table once the
    plant is large, and sent through the client, 200,000 ids cost more than the lookup."""
    lot_ids = [lot.pk, *lots_split_from([lot.pk])]
    if connection.vendor != "postgresql":  # SQLite: no arrays, and a cap on bound parameters
        inside = LotUnitIndex.objects.filter(lot_id__in=lot_ids).values("unit_id")
        return list(
            Unit.objects.filter(pk__in=inside).values_list(
                "id", "serial", "product__part_number", "status", "station__code", "customer"
            )
        )
    return _rows(UNIT_ROWS, [lot_ids])


def _walk(start: int, *, down: bool) -> set[int]:
    """Reference walk for checking traces: one plain query per level, no CTE, no index table."""
    near, far = ("parent_node", "child_node") if down else ("child_node", "parent_node")
    seen, frontier = set(), {start}
    while frontier:
        found = GenealogyEdge.objects.filter(**{f"{near}__in": frontier}).values_list(far, flat=True)
        frontier = set(found) - seen
        seen |= frontier
    return seen


def brute_force_backward(unit_id: int) -> set[int]:
    """Every node (encoded) below the unit."""
    return _walk(node(unit_id, None), down=True)


def brute_force_forward(lot_id: int) -> set[int]:
    """Every unit above the lot."""
    return {n // 2 for n in _walk(node(None, lot_id), down=False) if n % 2 == 0}


REPORT_COLUMNS = ("kind", "part_number", "serial", "lot", "status", "previous_status", "location", "customer")


def recall_report(recall) -> list[dict]:
    """The affected list: every unit and lot, its status now, where it is, and the customer.
    Read as plain rows (a recall can hold tens of thousands of units)."""
    items = RecallItem.objects.filter(recall=recall).order_by("id")
    units = items.filter(unit__isnull=False).values_list(
        "unit__product__part_number",
        "unit__serial",
        "unit__lot__code",
        "unit__status",
        "previous_status",
        "unit__station__code",
        "unit__customer",
    )
    lots = items.filter(lot__isnull=False).values_list(
        "lot__product__part_number", "lot__code", "lot__status", "previous_status", "lot__supplier__name"
    )
    report = [
        dict(
            zip(
                REPORT_COLUMNS,
                ("unit", part, serial, lot or "", status, before, station or "", customer),
                strict=True,
            )
        )
        for part, serial, lot, status, before, station, customer in units
    ]
    report += [
        dict(zip(REPORT_COLUMNS, ("lot", part, "", code, status, before, supplier or "", ""), strict=True))
        for part, code, status, before, supplier in lots
    ]
    return report


@dataclass(frozen=True)
class StationWip:
    station: str
    name: str
    waiting: int
    throughput_per_hour: int
    mean_dwell_minutes: float | None
    expected_wait_hours: float | None


def wip_by_station(line=None, now: dt.datetime | None = None) -> list[StationWip]:
    """Per station: units there now, observations in the last hour, how long the units there
    have waited. Ranked later by expected wait (waiting / throughput) for the bottleneck."""
    now = now or timezone.now()
    hour_ago = now - dt.timedelta(hours=1)
    stations = Station.objects.all() if line is None else Station.objects.filter(line=line)
    stations = stations.annotate(
        waiting=Count("units", filter=Q(units__status=UnitStatus.IN_PROGRESS), distinct=True),
        throughput=Count(
            "traceevent",
            filter=Q(traceevent__code=EventCode.OBSERVE, traceevent__event_time__gte=hour_ago),
            distinct=True,
        ),
    ).order_by("line", "sequence", "code")
    result = []
    for station in stations:
        dwell = _mean_dwell_minutes(station, now)
        wait = round(station.waiting / station.throughput, 2) if station.throughput else None
        result.append(
            StationWip(station.code, station.name, station.waiting, station.throughput, dwell, wait)
        )
    return result


# The events that put a unit at a station (``Unit.station``): made there, or seen arriving.
ARRIVALS = (EventCode.COMMISSION, EventCode.OBSERVE)


def _mean_dwell_minutes(station, now) -> float | None:
    """How long, on average, the units at ``station`` now have been there: since the event that
    put each there. Units made at the first station wait there from their commissioning."""
    last_seen = (
        TraceEvent.objects.filter(
            code__in=ARRIVALS,
            station=station,
            unit__station=station,
            unit__status=UnitStatus.IN_PROGRESS,
        )
        .values("unit")
        .annotate(at=Max("event_time"))
        .values_list("at", flat=True)
    )
    minutes = [(now - at).total_seconds() / 60 for at in last_seen]
    return round(sum(minutes) / len(minutes), 1) if minutes else None


def bottlenecks(line=None, now=None) -> list[StationWip]:
    """Stations ranked by expected wait: the first is the current bottleneck."""
    stations = wip_by_station(line, now)
    return sorted(
        stations, key=lambda s: (s.expected_wait_hours is None, -(s.expected_wait_hours or 0), -s.waiting)
    )
