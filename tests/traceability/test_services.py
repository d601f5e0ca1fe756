"""Traceability services: the state change, its events and edges, and what they refuse."""

import datetime as dt

import pytest
from django.db import connection

from accounts.choices import Role
from tests.factories import SIGNED, LotFactory, ProductFactory, StationFactory, SupplierFactory
from traceability import selectors, services
from traceability.choices import EventCode, LotStatus, Relation, UnitStatus
from traceability.events import verify_chain
from traceability.models import GenealogyEdge, LotUnitIndex, Recall, TraceEvent, Unit

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))


@pytest.fixture
def actor(make_user):
    return make_user(Role.SUPERVISOR, username="sue")


@pytest.fixture
def bom(actor):
    """Two finished units, each with 2 subassemblies made of 2 supplier lots."""
    supplier = SupplierFactory()
    board = ProductFactory(part_number="BOARD", gtin="09501101020917")
    sub = ProductFactory(part_number="SUB")
    part = ProductFactory(part_number="CAP")
    lots = [
        services.receive_lot(product=part, code=f"C{i}", quantity=1000, supplier=supplier, actor=actor)
        for i in range(3)
    ]
    finished = []
    for f in range(2):
        top = services.commission_unit(product=board, serial=f"F{f}", actor=actor, event_time=T0)
        subs = []
        for s in range(2):
            unit = services.commission_unit(product=sub, serial=f"S{f}{s}", actor=actor)
            services.record_assembly(parent=unit, lots=[(lots[s], 2), (lots[2 if f else 0], 1)], actor=actor)
            subs.append(unit)
        services.record_assembly(parent=top, components=subs, actor=actor)
        finished.append(top)
    return {"finished": finished, "lots": lots}


def test_commission_writes_unit_and_event_with_actor_and_zone(actor):
    station = StationFactory(code="smt")
    product = ProductFactory(serial_pattern=r"SN\d{3}")
    unit = services.commission_unit(
        product=product, serial="SN001", actor=actor, station=station, event_time=T0
    )
    event = TraceEvent.objects.get(unit=unit)
    assert event.code == EventCode.COMMISSION and event.event_type == "ObjectEvent"
    assert event.actor_name == "sue" and event.event_time_zone_offset == "+01:00"
    assert event.read_point == "urn:tracelens:station:smt" and event.epcis["epcList"] == [unit.uri]
    assert event.identifiers.get().uri == unit.uri


def test_duplicate_serial_and_bad_format_are_refused_and_write_nothing(actor):
    product = ProductFactory(serial_pattern=r"SN\d{3}")
    services.commission_unit(product=product, serial="SN001", actor=actor)
    for serial, code in (("SN001", "duplicate_serial"), ("X-1", "format_mismatch")):
        with pytest.raises(services.TraceError) as raised:
            services.commission_unit(product=product, serial=serial, actor=actor)
        assert raised.value.code == code
    assert Unit.objects.count() == 1 and TraceEvent.objects.count() == 1


def test_naive_time_and_negative_quantity_are_refused(actor):
    product = ProductFactory()
    with pytest.raises(services.TraceError) as raised:
        services.commission_unit(product=product, serial="A", actor=actor, event_time=dt.datetime(2026, 1, 1))
    assert raised.value.code == "naive_time"
    parent = services.commission_unit(product=product, serial="P", actor=actor)
    with pytest.raises(services.TraceError) as raised:
        services.record_assembly(parent=parent, lots=[(LotFactory(), -1)], actor=actor)
    assert raised.value.code == "negative_quantity"
    with pytest.raises(services.TraceError):
        services.receive_lot(product=product, code="L", quantity=-5, actor=actor)
    assert GenealogyEdge.objects.count() == 0 and TraceEvent.objects.count() == 1


def test_assembly_writes_edges_event_and_where_used_index(bom):
    top = bom["finished"][0]
    event = TraceEvent.objects.filter(unit=top, code=EventCode.ASSEMBLE).get()
    assert event.event_type == "TransformationEvent" and event.epcis["outputEPCList"] == [top.uri]
    assert set(GenealogyEdge.objects.filter(event=event).values_list("relation", flat=True)) == {
        Relation.INSTALLED_IN
    }
    c0 = bom["lots"][0]
    used_in = set(LotUnitIndex.objects.filter(lot=c0).values_list("unit__serial", flat=True))
    assert used_in == {"F0", "S00", "S01", "F1", "S10"}


def test_backward_trace_is_the_full_tree(bom):
    tree = selectors.unit_trace_backward(bom["finished"][1])
    assert [c.label for c in tree.children] == ["S10", "S11"]
    assert sorted(n.label for n in tree.children[0].children) == ["C0", "C2"]
    assert all(n.supplier for n in tree.walk() if n.kind == "lot")
    assert {("unit" if n.kind == "unit" else "lot", n.id) for n in tree.walk()} - {("unit", tree.id)} == {
        ("unit" if n % 2 == 0 else "lot", n // 2) for n in selectors.brute_force_backward(tree.id)
    }


def test_forward_tree_shows_what_a_lot_went_into_and_stops_at_its_limit(bom):
    c0 = bom["lots"][0]
    tree, cut = selectors.lot_trace_forward(c0)
    assert not cut and (tree.kind, tree.id) == ("lot", c0.pk)
    assert sorted(child.label for child in tree.children) == ["S00", "S01", "S10"]
    assert {n.label for n in tree.walk() if n.kind == "unit"} == {
        row[1] for row in selectors.lot_where_used(c0)
    }
    s00 = next(child for child in tree.children if child.label == "S00")
    assert [n.label for n in s00.children] == ["F0"] and s00.relation == Relation.CONSUMED_INTO
    small, cut = selectors.lot_trace_forward(c0, limit=3)
    assert cut and len(list(small.walk())) == 3


def test_forward_trace_equals_brute_force(bom):
    for lot in bom["lots"]:
        fast = {row[0] for row in selectors.lot_where_used(lot)}
        assert fast == selectors.brute_force_forward(lot.pk)
    assert {r[1] for r in selectors.lot_where_used(bom["lots"][2])} == {"F1", "S10", "S11"}


def test_cycle_and_double_install_are_refused(bom, actor):
    top, other = bom["finished"]
    sub = Unit.objects.get(serial="S00")
    with pytest.raises(services.TraceError) as raised:
        services.record_assembly(parent=sub, components=[top], actor=actor)
    assert raised.value.code == "cycle"
    with pytest.raises(services.TraceError) as raised:
        services.record_assembly(parent=other, components=[sub], actor=actor)
    assert raised.value.code == "already_installed"
    with pytest.raises(services.TraceError) as raised:
        services.record_assembly(parent=top, components=[top], actor=actor)
    assert raised.value.code == "cycle"


def test_recall_holds_every_affected_unit_and_lot_in_one_go(bom, actor):
    lot = bom["lots"][2]
    recall = services.open_recall(
        number="R-1", lots=[lot], reason="capacitor leaks", actor=actor, signature=SIGNED
    )
    held = set(Unit.objects.filter(status=UnitStatus.ON_HOLD).values_list("serial", flat=True))
    assert held == {"F1", "S10", "S11"}
    lot.refresh_from_db()
    assert lot.status == LotStatus.RECALLED
    assert TraceEvent.objects.filter(code=EventCode.HOLD).count() == 3
    report = selectors.recall_report(recall)
    assert {r["serial"] for r in report if r["kind"] == "unit"} == held
    assert all(r["previous_status"] == UnitStatus.IN_PROGRESS for r in report if r["kind"] == "unit")
    with pytest.raises(services.TraceError):
        services.close_recall(recall=recall, reason="  ", actor=actor, signature=SIGNED)
    services.close_recall(recall=recall, reason="supplier replaced the lot", actor=actor, signature=SIGNED)
    assert Recall.objects.get().status == "closed"
    assert verify_chain().ok


def test_held_unit_cannot_ship(bom, actor):
    services.open_recall(number="R-2", lots=[bom["lots"][0]], reason="x", actor=actor, signature=SIGNED)
    with pytest.raises(services.TraceError) as raised:
        services.ship_unit(unit=Unit.objects.get(serial="F0"), customer="ACME", actor=actor)
    assert raised.value.code == "not_shippable"


def _sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_chain_detects_a_changed_row(bom):
    assert verify_chain().ok
    victim = TraceEvent.objects.order_by("id")[3]
    _sql("UPDATE traceability_traceevent SET actor_name = 'mallory' WHERE id = %s", [victim.pk])
    verdict = verify_chain()
    assert not verdict.ok and verdict.first_bad_id == victim.pk and "changed" in verdict.problem


def test_chain_detects_a_deleted_row_and_a_deleted_tail(bom):
    ids = list(TraceEvent.objects.order_by("id").values_list("id", flat=True))
    _sql("DELETE FROM traceability_eventidentifier")
    _sql("DELETE FROM traceability_genealogyedge")
    _sql("DELETE FROM traceability_traceevent WHERE id = %s", [ids[-1]])
    assert not verify_chain().ok  # the tail: the head still counts it
    _sql("DELETE FROM traceability_traceevent WHERE id = %s", [ids[2]])
    verdict = verify_chain()
    assert not verdict.ok and verdict.first_bad_id == ids[3]


def test_chain_detects_reordering(bom):
    first, second = TraceEvent.objects.order_by("id")[:2]
    _sql("UPDATE traceability_traceevent SET epcis = %s WHERE id = %s", [_json(second.epcis), first.pk])
    _sql("UPDATE traceability_traceevent SET epcis = %s WHERE id = %s", [_json(first.epcis), second.pk])
    assert not verify_chain().ok


def _json(value):
    import json

    return json.dumps(value)


def test_split_lot_is_traced_and_recalled_with_its_origin(actor):
    origin = services.receive_lot(product=ProductFactory(), code="REEL-1", quantity=1000, actor=actor)
    part = services.split_lot(lot=origin, code="REEL-1A", quantity=250, actor=actor)
    origin.refresh_from_db()
    assert (origin.quantity, part.quantity) == (750, 250)
    unit = services.commission_unit(product=ProductFactory(), serial="U-SPLIT", actor=actor)
    services.record_assembly(parent=unit, lots=[(part, 1)], actor=actor)
    assert [row[1] for row in selectors.lot_where_used(origin)] == ["U-SPLIT"]
    assert selectors.brute_force_forward(origin.pk) == {unit.pk}
    event = TraceEvent.objects.get(code=EventCode.SPLIT)
    assert event.epcis["outputQuantityList"] == [{"epcClass": part.uri, "quantity": 250}]
    for quantity, code in ((2000, "quantity_exceeded"), (0, "negative_quantity")):
        with pytest.raises(services.TraceError) as raised:
            services.split_lot(lot=origin, code="REEL-1B", quantity=quantity, actor=actor)
        assert raised.value.code == code
    services.open_recall(
        number="R-S", lots=[origin], reason="reel contaminated", actor=actor, signature=SIGNED
    )
    unit.refresh_from_db()
    part.refresh_from_db()
    assert unit.status == UnitStatus.ON_HOLD and part.status == LotStatus.RECALLED


def test_a_stations_dwell_counts_from_the_event_that_put_each_unit_there(actor):
    """A unit made at the first station waits there from its commissioning; seen at the next, it
    waits there from its arrival and no longer counts at the first."""
    first, second = StationFactory(code="smt", sequence=1), StationFactory(code="test", sequence=2)
    board = ProductFactory(part_number="BOARD")
    now = T0 + dt.timedelta(hours=2)
    made = services.commission_unit(product=board, serial="A", actor=actor, station=first, event_time=T0)
    services.commission_unit(
        product=board, serial="B", actor=actor, station=first, event_time=T0 + dt.timedelta(minutes=60)
    )
    wip = {w.station: w for w in selectors.wip_by_station(now=now)}
    assert wip["smt"].waiting == 2 and wip["smt"].mean_dwell_minutes == 90.0  # 120 and 60 min
    assert wip["test"].waiting == 0 and wip["test"].mean_dwell_minutes is None
    services.observe_unit(unit=made, station=second, actor=actor, event_time=now - dt.timedelta(minutes=15))
    wip = {w.station: w for w in selectors.wip_by_station(now=now)}
    assert wip["smt"].waiting == 1 and wip["smt"].mean_dwell_minutes == 60.0
    assert wip["test"].waiting == 1 and wip["test"].mean_dwell_minutes == 15.0
