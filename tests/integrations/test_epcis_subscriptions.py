"""EPCIS 2.0 query subscriptions against a receiver the test starts: a named query, a stream
subscription that reports each new matching event once (as a schema-valid EPCISQueryDocument,
signed), a schedule that fires on the seconds it names, and refusals for what is malformed."""

import datetime as dt
import hashlib
import hmac
import json

import pytest
from rest_framework.test import APIClient

from accounts.choices import Role
from integrations import epcis_subscriptions
from integrations.epcis_subscriptions import SubscriptionRefused, due, parse_schedule
from integrations.models import Delivery, EpcisSubscription
from integrations.services import relay_due
from tests.factories import ProductFactory, StationFactory
from tests.integrations.test_webhooks import receiver  # noqa: F401 - the fixture
from traceability import services as trace
from traceability.epcis.schema import schema_errors

TOKEN = "partner-signature-token-0001"


@pytest.fixture
def supervisor(make_user):
    client = APIClient()
    client.force_authenticate(make_user(Role.SUPERVISOR))
    return client


def test_schedules_are_parsed_and_checked():
    allowed = parse_schedule({"minute": "*/15", "hour": "[8-17]", "dayOfWeek": "1,2,3,4,5"})
    assert allowed["second"] == {0} and allowed["minute"] == {0, 15, 30, 45}
    assert allowed["hour"] == set(range(8, 18)) and allowed["dayOfWeek"] == {1, 2, 3, 4, 5}
    for bad in ({"minute": "61"}, {"minute": "x"}, {"fortnight": "1"}, {"hour": "5-30"}):
        with pytest.raises(SubscriptionRefused):
            parse_schedule(bad)


@pytest.mark.django_db
def test_a_schedule_is_due_when_a_second_it_names_has_passed(make_user):
    from integrations.models import EpcisQuery

    query = EpcisQuery.objects.create(name="all", query={})
    monday = dt.datetime(2026, 11, 23, 9, 59, 58, tzinfo=dt.UTC)
    sub = EpcisSubscription(
        query=query, url="http://x", schedule={"minute": "0", "hour": "10"}, last_run_at=monday
    )
    assert not due(sub, monday + dt.timedelta(seconds=1))
    assert due(sub, monday + dt.timedelta(seconds=3))  # 10:00:00 passed
    sub.last_run_at = monday + dt.timedelta(seconds=3)
    assert not due(sub, monday + dt.timedelta(minutes=30))
    sub.schedule = {"hour": "10", "dayOfWeek": "2"}  # Tuesdays only
    assert not due(sub, monday + dt.timedelta(minutes=30))


@pytest.mark.django_db
def test_a_stream_subscription_reports_each_matching_event_once(supervisor, receiver, make_user):  # noqa: F811
    actor, station = make_user(Role.SUPERVISOR), StationFactory()
    product = ProductFactory(gtin="09501101020917")
    bad = supervisor.post("/api/epcis/queries", {"name": "x", "query": {"EQ_colour": "red"}}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "query_parameter"
    made = supervisor.post(
        "/api/epcis/queries",
        {"name": "commissioning", "query": {"EQ_bizStep": ["commissioning"]}},
        format="json",
    )
    assert made.status_code == 201 and made["Location"].endswith("/api/epcis/queries/commissioning")
    trace.commission_unit(product=product, serial="SN0001", actor=actor, station=station)  # before: not sent
    subscribed = supervisor.post(
        "/api/epcis/queries/commissioning/subscriptions",
        {
            "dest": receiver.url,
            "stream": True,
            "signatureToken": TOKEN,
            "initialRecordTime": "2026-01-01T00:00:00Z",
        },
        format="json",
    )
    assert subscribed.status_code == 201, subscribed.json()
    sub_id = subscribed.json()["subscriptionID"]
    # everything since initialRecordTime, the first unit included; the shipment does not match
    unit = trace.commission_unit(product=product, serial="SN0002", actor=actor, station=station)
    trace.ship_unit(unit=unit, customer="C", actor=actor)
    assert epcis_subscriptions.run() == 1 and relay_due() == 1
    headers, body = receiver.requests[-1]
    document = json.loads(body)
    assert headers["Content-Type"] == "application/ld+json" and schema_errors(document) == []
    results = document["epcisBody"]["queryResults"]
    assert results["subscriptionID"] == sub_id
    assert [e["epcList"] for e in results["resultsBody"]["eventList"]] == [
        ["https://id.gs1.org/01/09501101020917/21/SN0001"],
        ["https://id.gs1.org/01/09501101020917/21/SN0002"],
    ]
    stamp, mac = (part.split("=", 1)[1] for part in headers["X-TraceLens-Signature"].split(","))
    assert mac == hmac.new(TOKEN.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()

    assert epcis_subscriptions.run() == 0  # nothing new: no report
    trace.commission_unit(product=product, serial="SN0003", actor=actor, station=station)
    assert epcis_subscriptions.run() == 1 and relay_due() == 1
    latest = json.loads(receiver.requests[-1][1])["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert [e["epcList"] for e in latest] == [["https://id.gs1.org/01/09501101020917/21/SN0003"]]
    assert Delivery.objects.filter(subscription_id=sub_id, status="delivered").count() == 2

    listed = supervisor.get("/api/epcis/queries/commissioning/subscriptions").json()
    assert [s["subscriptionID"] for s in listed] == [sub_id] and listed[0]["lastReportedEvent"]
    events = supervisor.get("/api/epcis/queries/commissioning/events").json()
    assert len(events["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 3
    assert supervisor.delete(f"/api/epcis/queries/commissioning/subscriptions/{sub_id}").status_code == 204
    assert not EpcisSubscription.objects.exists()


@pytest.mark.django_db
def test_a_scheduled_subscription_reports_if_empty_when_asked(supervisor, receiver):  # noqa: F811
    supervisor.post("/api/epcis/queries", {"name": "all", "query": {}}, format="json")
    sub = supervisor.post(
        "/api/epcis/queries/all/subscriptions",
        {"dest": receiver.url, "schedule": {"second": "*"}, "reportIfEmpty": True},
        format="json",
    ).json()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)
    assert epcis_subscriptions.run(now=later) == 1 and relay_due() == 1
    results = json.loads(receiver.requests[-1][1])["epcisBody"]["queryResults"]
    assert results["subscriptionID"] == sub["subscriptionID"] and results["resultsBody"]["eventList"] == []


@pytest.mark.django_db
def test_malformed_subscriptions_are_refused(supervisor, make_user):
    supervisor.post("/api/epcis/queries", {"name": "all", "query": {}}, format="json")
    url = "/api/epcis/queries/all/subscriptions"
    for body, code in [
        ({"dest": "http://r.example/x"}, "stream_or_schedule"),
        ({"dest": "http://r.example/x", "stream": True, "schedule": {"minute": "0"}}, "stream_or_schedule"),
        ({"dest": "http://r.example/x", "schedule": {"minute": "99"}}, "bad_schedule"),
        ({"dest": "http://r.example/x", "stream": True, "initialRecordTime": "yesterday"}, None),
    ]:
        response = supervisor.post(url, body, format="json")
        assert response.status_code == 400, body
        assert code is None or response.json()["code"] == code
    assert (
        supervisor.post(url, {"dest": "ftp://r.example/x", "stream": True}, format="json").status_code == 400
    )
    assert supervisor.post("/api/epcis/queries/none/subscriptions", {}, format="json").status_code == 404
    auditor = APIClient()
    auditor.force_authenticate(make_user(Role.AUDITOR))
    assert auditor.post(url, {"dest": "http://r.example/x", "stream": True}, format="json").status_code == 403
    assert not EpcisSubscription.objects.exists()
