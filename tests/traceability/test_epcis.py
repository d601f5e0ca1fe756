"""The outside world's test: GS1's own example documents go in through the capture interface,
and what comes out of the query validates against GS1's schema and equals what went in."""

import copy
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.http import QueryDict

from accounts.choices import Role
from tests.factories import SIGNED, ProductFactory
from traceability import services
from traceability.epcis.capture import capture_document, document_events
from traceability.epcis.query import page, query_document
from traceability.epcis.schema import schema_errors
from traceability.events import EventError, verify_chain
from traceability.models import TraceEvent

pytestmark = pytest.mark.django_db
EXAMPLES = Path(settings.EPCIS_SCHEMA_PATH).parent / "examples"
FILES = sorted(EXAMPLES.glob("*.jsonld")) if EXAMPLES.is_dir() else []


@pytest.fixture
def actor(make_user):
    return make_user(Role.SUPERVISOR)


def comparable(event: dict, original: dict) -> dict:
    event = copy.deepcopy(event)
    event.pop("recordTime", None)
    if "eventID" not in original:
        event.pop("eventID", None)
    return event


def test_the_gs1_examples_are_here():
    assert len(FILES) == 29, f"expected GS1's 29 examples under {EXAMPLES}"


@pytest.mark.parametrize("path", FILES, ids=[p.stem[:50] for p in FILES])
def test_every_gs1_example_is_captured_queried_and_round_trips(path, actor):
    document = json.loads(path.read_text())
    originals = [e for e in document_events(document)]
    stored = capture_document(document, actor=actor)
    assert len(stored) == len(originals)
    rows, next_token = page(
        QueryDict(f"GE_recordTime={stored[0].record_time.isoformat().replace('+', '%2B')}")
    )
    assert next_token is None
    result = query_document(rows)
    assert schema_errors(result) == []
    returned = result["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert [comparable(e, o) for e, o in zip(returned, originals, strict=True)] == [
        {k: v for k, v in o.items() if k != "recordTime"} for o in originals
    ]
    assert verify_chain().ok


def test_query_filters(actor):
    for path in FILES:
        document = json.loads(path.read_text())
        try:
            capture_document(document, actor=actor)
        except EventError as exc:
            assert exc.code == "duplicate_event"  # several examples reuse the same eventIDs

    def count(query):
        rows, _ = page(QueryDict(query))
        return len(rows)

    assert (
        count("eventType=AggregationEvent")
        == TraceEvent.objects.filter(event_type="AggregationEvent").count()
        > 0
    )
    assert count("EQ_bizStep=shipping") == TraceEvent.objects.filter(biz_step="shipping").count() > 0
    assert count("MATCH_epc=urn:epc:id:sgtin:0614141.107346.2017") >= 1
    assert count("GE_eventTime=2030-01-01T00:00:00Z") == 0
    rows, token = page(QueryDict("perPage=3"))
    assert len(rows) == 3 and token == str(rows[-1].id)
    with pytest.raises(EventError) as raised:
        page(QueryDict("EQ_nonsense=1"))
    assert raised.value.code == "query_parameter"


def test_own_events_export_as_valid_epcis(actor):
    product = ProductFactory(gtin="09501101020917")
    parent = services.commission_unit(product=product, serial="P1", actor=actor)
    child = services.commission_unit(product=product, serial="C1", actor=actor)
    lot = services.receive_lot(product=ProductFactory(), code="L1", quantity=10, actor=actor)
    services.record_assembly(parent=parent, components=[child], lots=[(lot, 2)], actor=actor)
    services.split_lot(lot=lot, code="L1-B", quantity=3, actor=actor)
    services.pack_units(
        container=services.commission_unit(product=product, serial="CASE1", actor=actor),
        units=[parent],
        actor=actor,
    )
    services.ship_unit(unit=parent, customer="ACME", actor=actor)
    services.inspect_unit(unit=child, passed=False, notes="scratch", actor=actor)
    services.associate(unit=parent, children=["urn:epc:id:giai:4000001.SENSOR7"], actor=actor)
    other = services.receive_lot(product=ProductFactory(), code="L2", quantity=4, actor=actor)
    services.set_lot_status(lot=other, status="quarantined", reason="supplier notice", actor=actor)
    services.set_lot_status(lot=other, status="released", reason="cleared", actor=actor, signature=SIGNED)
    services.open_recall(number="R1", lots=[lot], reason="x", actor=actor, signature=SIGNED)
    result = query_document(list(TraceEvent.objects.order_by("id")))
    assert schema_errors(result) == []
    rows, _ = page(QueryDict(f"MATCH_anyEPC={child.uri}"))
    assert [r.code for r in rows] == ["commission", "assemble", "inspect"]
    codes = set(TraceEvent.objects.values_list("code", flat=True))
    assert {"inspect", "associate", "hold", "release"} <= codes


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda d: d["epcisBody"]["eventList"][0].pop("eventTime"), "schema"),
        (lambda d: d["epcisBody"]["eventList"][0].update(eventTime="2005-04-03T20:33:31.116"), "naive_time"),
        (lambda d: d["epcisBody"].update(eventList=[]), "empty_document"),
        (lambda d: d.update(type="Nonsense"), "not_epcis"),
    ],
)
def test_bad_documents_are_refused_whole(actor, mutate, code):
    document = json.loads((EXAMPLES / "Example_9.6.1-ObjectEvent.jsonld").read_text())
    mutate(document)
    with pytest.raises(EventError) as raised:
        capture_document(document, actor=actor)
    assert raised.value.code in (code, "schema")
    assert TraceEvent.objects.count() == 0


def test_a_repeated_event_id_is_refused(actor):
    document = json.loads((EXAMPLES / "Example_9.6.1-ObjectEvent.jsonld").read_text())
    capture_document(document, actor=actor)
    with pytest.raises(EventError) as raised:
        capture_document(document, actor=actor)
    assert raised.value.code == "duplicate_event"
    assert TraceEvent.objects.count() == len(document_events(document))


def _document(*events):
    return {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-03-01T08:00:00+01:00",
        "epcisBody": {"eventList": list(events)},
    }


def test_partner_events_naming_our_units_become_genealogy(actor):
    """A partner's TransformationEvent installs our units and consumes our lot into our
    parent; their AggregationEvent packs the parent into a case: traces see both."""
    from traceability import selectors

    product = ProductFactory(gtin="09501101020917")
    parent = services.commission_unit(product=product, serial="P1", actor=actor)
    board = services.commission_unit(product=product, serial="B1", actor=actor)
    case = services.commission_unit(product=product, serial="CASE9", actor=actor)
    lot = services.receive_lot(product=ProductFactory(), code="L7", quantity=50, actor=actor)
    moment = {"eventTime": "2026-03-01T08:00:00+01:00", "eventTimeZoneOffset": "+01:00"}
    assemble = {
        "type": "TransformationEvent",
        **moment,
        "inputEPCList": [board.uri, "urn:epc:id:sgtin:4012345.011111.999"],
        "inputQuantityList": [{"epcClass": lot.uri, "quantity": 2.5, "uom": "KGM"}],
        "outputEPCList": [parent.uri],
    }
    pack = {
        "type": "AggregationEvent",
        **moment,
        "action": "ADD",
        "parentID": case.uri,
        "childEPCs": [parent.uri],
    }
    capture_document(_document(assemble, pack), actor=actor)

    tree = selectors.unit_trace_backward(case)
    below = {(n.kind, n.label, n.relation) for n in tree.walk()}
    assert ("unit", "P1", "packed_in") in below
    assert ("unit", "B1", "installed_in") in below
    assert ("lot", "L7", "consumed_into") in below
    assert {row[1] for row in selectors.lot_where_used(lot)} == {"P1", "CASE9"}

    # the same board cannot go into a second parent, and the refusal writes nothing
    other = services.commission_unit(product=product, serial="P2", actor=actor)
    before = TraceEvent.objects.count()
    again = {**assemble, "outputEPCList": [other.uri], "inputQuantityList": []}
    with pytest.raises(EventError) as raised:
        capture_document(_document(again), actor=actor)
    assert raised.value.code == "already_installed"
    assert TraceEvent.objects.count() == before
