"""Webhooks against a receiver the test starts on loopback: signed deliveries, retries with
backoff into the dead-letter list, replay, and the delivery log; readings never wait for it."""

import datetime as dt
import hashlib
import hmac
import http.server
import json
import threading
import time

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.choices import Role
from inspection.models import AlertRule, Display, Equipment
from inspection.services.meters import record_meter_reading
from inspection.vision.sevenseg import DisplayReading
from integrations.models import Delivery, Webhook
from integrations.services import MAX_ATTEMPTS, relay_due
from tests.services import free_port

T0 = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)


class Receiver:
    """A local HTTP receiver: answers ``status`` (after ``delay`` seconds) and keeps requests."""

    def __init__(self):
        self.status, self.delay, self.requests = 200, 0.0, []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((self.headers, body))  # case-insensitive, as HTTP says
                time.sleep(receiver.delay)
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def hot_display(station, settings):
    settings.MQTT_URL = ""
    oven = Equipment.objects.create(code="OVEN-9", name="Oven", line=station.line, station=station)
    display = Display.objects.create(equipment=oven, name="zone", unit="°C")
    AlertRule.objects.create(display=display, name="hot", kind="threshold", high=200)
    return display


def raise_alert(display, value=250.0, at=T0):
    record_meter_reading(display=display, reading=DisplayReading(f"{value:g}", value, 1.0), at=at)


def verify(secret: str, headers, body: bytes) -> bool:
    fields = dict(part.split("=", 1) for part in headers["X-TraceLens-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"]) and abs(time.time() - int(fields["t"])) < 300


@pytest.mark.django_db
def test_an_alert_is_delivered_signed(receiver, hot_display):
    hook = Webhook.objects.create(name="cmms", url=receiver.url, events=["alert.raised"])
    Webhook.objects.create(name="other", url=receiver.url, events=["unit.shipped"])
    raise_alert(hot_display)
    assert relay_due() == 1
    [(headers, body)] = receiver.requests
    assert verify(hook.secret, headers, body)
    assert not verify("not-the-secret", headers, body)
    message = json.loads(body)
    assert (headers["X-TraceLens-Event"], message["event"]) == ("alert.raised", "alert.raised")
    assert message["data"]["message"] == "250 °C is above 200" and message["data"]["equipment"] == "OVEN-9"
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("delivered", 1, 200)
    assert relay_due() == 0  # delivered once


@pytest.mark.django_db
def test_a_failing_receiver_is_retried_with_backoff_then_dead_lettered_and_replayed(
    receiver, hot_display, make_user
):
    Webhook.objects.create(name="cmms", url=receiver.url, events=["alert.raised"])
    receiver.status = 503
    raise_alert(hot_display)
    delays = []
    for _ in range(MAX_ATTEMPTS):
        before = timezone.now()
        assert relay_due() == 1
        delivery = Delivery.objects.get()
        delays.append((delivery.next_attempt_at - before).total_seconds())
        assert relay_due() == 0  # not due again before its backoff
        Delivery.objects.update(next_attempt_at=timezone.now())
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("dead", MAX_ATTEMPTS, "HTTP 503")
    assert len(delivery.log) == MAX_ATTEMPTS and all(entry["status"] == 503 for entry in delivery.log)
    assert 4 <= delays[0] <= 6.5 and 8 <= delays[1] <= 12.5 and 16 <= delays[2] <= 24.5  # doubling
    client = APIClient()
    client.force_authenticate(make_user(Role.SUPERVISOR))
    assert client.get("/api/webhook-deliveries/?status=dead").status_code == 403
    assert client.post(f"/api/webhook-deliveries/{delivery.pk}/replay/").status_code == 403
    client.force_authenticate(make_user(Role.ADMIN))
    dead = client.get("/api/webhook-deliveries/?status=dead").json()["results"]
    assert [d["id"] for d in dead] == [delivery.pk]
    receiver.status = 204
    assert client.post(f"/api/webhook-deliveries/{delivery.pk}/replay/").json()["status"] == "pending"
    assert client.post(f"/api/webhook-deliveries/{delivery.pk}/replay/").status_code == 400
    assert relay_due() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status) == ("delivered", 204)


@pytest.mark.django_db
def test_a_dead_or_slow_receiver_never_holds_a_reading(receiver, hot_display):
    Webhook.objects.create(name="slow", url=receiver.url, events=["alert.raised"])
    Webhook.objects.create(name="gone", url=f"http://127.0.0.1:{free_port()}/", events=["alert.raised"])
    receiver.delay = 3.0
    start = time.perf_counter()
    raise_alert(hot_display)
    assert time.perf_counter() - start < 1.0  # the reading wrote its deliveries and returned
    assert Delivery.objects.filter(status="pending").count() == 2
    relay_due()
    gone = Delivery.objects.get(webhook__name="gone")
    assert (
        gone.status == "pending" and gone.attempts == 1 and gone.last_error
    )  # connection refused, retried later


@pytest.mark.django_db
def test_only_admins_manage_subscriptions(make_user, receiver):
    client = APIClient()
    client.force_authenticate(make_user(Role.SUPERVISOR))
    assert (
        client.post(
            "/api/webhooks/", {"name": "x", "url": receiver.url, "events": ["alert.raised"]}
        ).status_code
        == 403
    )
    client.force_authenticate(make_user(Role.ADMIN))
    bad = client.post(
        "/api/webhooks/", {"name": "x", "url": receiver.url, "events": ["alert.rised"]}, format="json"
    )
    assert bad.status_code == 400 and "alert.rised" in str(bad.json())
    made = client.post(
        "/api/webhooks/", {"name": "x", "url": receiver.url, "events": ["alert.raised"]}, format="json"
    )
    assert made.status_code == 201 and len(made.json()["secret"]) >= 32
    assert (
        client.post(
            "/api/webhooks/",
            {"name": "y", "url": "file:///etc/passwd", "events": ["alert.raised"]},
            format="json",
        ).status_code
        == 400
    )


@pytest.mark.django_db(transaction=True)
def test_the_embedded_relay_thread_sends_what_is_due(receiver, hot_display):
    from frontend.embedded import start_embedded_relay

    Webhook.objects.create(name="cmms", url=receiver.url, events=["alert.raised"])
    raise_alert(hot_display)
    stop = threading.Event()
    thread = start_embedded_relay(stop, every=0.1)
    try:
        for _ in range(50):
            if Delivery.objects.filter(status="delivered").exists():
                break
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join(5)
    assert len(receiver.requests) == 1 and Delivery.objects.get().status == "delivered"


@pytest.mark.django_db
def test_dead_letters_are_listed_and_replayed_from_the_deliveries_page(receiver, hot_display, make_user):
    from django.test import Client

    from tests.factories import PASSWORD

    Webhook.objects.create(name="cmms", url=receiver.url, events=["alert.raised"])
    raise_alert(hot_display)
    Delivery.objects.update(status="dead", attempts=MAX_ATTEMPTS, last_status=503, last_error="HTTP 503")
    delivery = Delivery.objects.get()
    auditor, admin = Client(), Client()
    assert auditor.login(username=make_user(Role.AUDITOR).username, password=PASSWORD)
    assert admin.login(username=make_user(Role.ADMIN).username, password=PASSWORD)
    seen = auditor.get("/deliveries/").content.decode()
    assert "cmms" in seen and "HTTP 503" in seen and "Replay" not in seen
    assert auditor.post("/deliveries/", {"delivery": delivery.pk}).status_code == 403
    assert Delivery.objects.get().status == "dead"  # an auditor's post changes nothing
    assert "Replay" in admin.get("/deliveries/").content.decode()
    admin.post("/deliveries/", {"delivery": delivery.pk})
    assert relay_due() == 1
    assert Delivery.objects.get().status == "delivered"
