""" "Part present" triggers: a line controller names the part at a station (MQTT or the API), and
the station's next fixed-camera capture is bound to it, in order of arrival, until it expires.
Against the real Mosquitto: the listener stores triggers, answers bad messages on ``/error``,
and gets the triggers sent while it was away; the reading goes out on ``.../reading``."""

import json
import threading
import time
import uuid
from datetime import timedelta

import paho.mqtt.client as mqtt_client
import pytest
from django.db import OperationalError
from django.utils import timezone

from accounts.choices import Role
from integrations import listener
from integrations.models import PartTrigger, TriggerStatus
from integrations.triggers import TriggerRefused, accept, handle_message, parse
from ocr.labels import label_bytes
from tests.factories import UnitFactory
from tests.ocr.test_captures import upload
from tests.services import mqtt_listener, require
from traceability import mqtt


def topic_of(station, kind="part-present") -> str:
    return mqtt.topic(station, kind)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"part 7 present", "not_json"),
        (b"\xff\xfe", "not_json"),
        (b"[1, 2]", "not_object"),
        (b"{}", "bad_part_id"),
        (b'{"part_id": "  "}', "bad_part_id"),
        (json.dumps({"part_id": "x" * 101}).encode(), "bad_part_id"),
        (b'{"part_id": "SN1", "expected": ["a"]}', "bad_expected"),
        (b'{"part_id": "SN1", "ttl_s": 0}', "bad_ttl"),
        (b'{"part_id": "SN1", "ttl_s": true}', "bad_ttl"),
    ],
)
def test_bad_messages_are_named(raw, code):
    with pytest.raises(TriggerRefused) as refused:
        parse(raw)
    assert refused.value.code == code


@pytest.mark.django_db
def test_a_topic_must_name_a_known_station(station):
    for topic, code in [
        ("tracelens/x/y/z/part-present", "unknown_station"),
        (topic_of(station, "sort"), "bad_topic"),
        ("other/a/b/c/part-present", "bad_topic"),
    ]:
        with pytest.raises(TriggerRefused) as refused:
            handle_message(topic, b'{"part_id": "SN1"}')
        assert refused.value.code == code
    assert PartTrigger.objects.count() == 0
    trigger = handle_message(topic_of(station), b'{"part_id": "SN1", "trigger_id": 17, "ttl_s": 5}')
    assert (trigger.station, trigger.part_id, trigger.trigger_id) == (station, "SN1", "17")
    assert 4.9 <= (trigger.expires_at - trigger.received_at).total_seconds() <= 5.1


def _label(n: int) -> bytes:
    return label_bytes([f"LOT L9-{n:04d}", "QTY 10"])


@pytest.mark.django_db
def test_the_next_camera_captures_are_bound_in_order_of_arrival(device, device_client, station, make_user):
    first = accept(
        station=station, payload={"part_id": "SN-A", "trigger_id": "T1", "expected": {"lot": "L9"}}
    )
    second = accept(station=station, payload={"part_id": "SN-B"})
    stale = accept(station=station, payload={"part_id": "SN-OLD"})
    hour_ago = timezone.now() - timedelta(hours=1)
    PartTrigger.objects.filter(pk=stale.pk).update(
        received_at=hour_ago, expires_at=hour_ago + timedelta(seconds=60)
    )
    response = upload(device_client, _label(1), station=station.code)
    assert response.status_code == 201
    meta = response.json()["metadata"]
    assert (meta["part_id"], meta["trigger_id"], meta["expected"]) == ("SN-A", "T1", {"lot": "L9"})
    again = upload(device_client, _label(2), station=station.code, metadata=json.dumps({"trigger_id": "own"}))
    assert (again.json()["metadata"]["part_id"], again.json()["metadata"]["trigger_id"]) == ("SN-B", "own")
    third = upload(device_client, _label(3), station=station.code)
    assert "part_id" not in third.json()["metadata"]  # none left waiting; the stale one expired
    statuses = dict(PartTrigger.objects.values_list("part_id", "status"))
    assert statuses == {"SN-A": "bound", "SN-B": "bound", "SN-OLD": "expired"}
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.capture_id, second.capture_id) == (response.json()["id"], again.json()["id"])


@pytest.mark.django_db
def test_only_fixed_cameras_take_triggers_and_a_named_part_wins(device_client, station, make_user):
    from ocr.choices import CaptureSource
    from ocr.services import create_capture

    accept(station=station, payload={"part_id": "SN-A"})
    capture, _ = create_capture(
        actor=make_user(Role.OPERATOR), data=_label(4), source=CaptureSource.BROWSER, station=station
    )
    assert "part_id" not in capture.metadata
    named = upload(device_client, _label(5), station=station.code, metadata=json.dumps({"part_id": "SN-Z"}))
    assert named.json()["metadata"]["part_id"] == "SN-Z"
    assert PartTrigger.objects.get().status == TriggerStatus.WAITING


@pytest.mark.django_db
def test_the_api_takes_triggers_from_devices_for_their_own_stations(device_client, station, make_user):
    from rest_framework.test import APIClient

    from tests.factories import StationFactory

    sent = device_client.post(
        "/api/part-triggers/", {"station": station.code, "part_id": "SN-7", "ttl_s": 30}, format="json"
    )
    assert sent.status_code == 201 and sent.json()["status"] == "waiting" and sent.json()["source"] == "api"
    other = StationFactory()
    refused = device_client.post(
        "/api/part-triggers/", {"station": other.code, "part_id": "SN-8"}, format="json"
    )
    assert refused.status_code == 403
    bad = device_client.post(
        "/api/part-triggers/", {"station": station.code, "part_id": "SN-9", "ttl_s": 99999}, format="json"
    )
    assert bad.status_code == 400 and "ttl_s" in json.dumps(bad.json())
    auditor = APIClient()
    auditor.force_authenticate(make_user(Role.AUDITOR))
    listed = auditor.get(f"/api/part-triggers/?station={station.code}").json()
    assert [t["part_id"] for t in listed["results"]] == ["SN-7"]


@pytest.mark.django_db
def test_a_label_naming_another_unit_than_the_lines_part_goes_to_review(make_user, station):
    from tests.services import read_capture

    UnitFactory(serial="SN100001")
    UnitFactory(serial="SN100002")
    device = make_user(Role.DEVICE)
    device.stations.add(station)
    accept(station=station, payload={"part_id": "SN100001"})
    accept(station=station, payload={"part_id": "SN100001"})
    image = _image(["S/N SN100002"])
    wrong = read_capture(actor=device, station=station, image=image)
    assert wrong.needs_review and wrong.unit is None
    assert any(
        "the line said part SN100001; the label names unit SN100002" in r for r in wrong.review_reasons
    )
    right = read_capture(actor=device, station=station, image=_image(["S/N SN100001"]))
    assert not right.needs_review and right.unit.serial == "SN100001"


def _image(lines):
    import cv2
    import numpy as np

    return cv2.imdecode(np.frombuffer(label_bytes(lines), np.uint8), cv2.IMREAD_COLOR)


@pytest.fixture
def broker_listener(settings):
    """The listener in a thread against the real broker, with a client id of this test's own."""
    require("Mosquitto", "127.0.0.1", 1883)
    settings.MQTT_URL = "mqtt://127.0.0.1:1883"
    settings.MQTT_CLIENT_ID = f"tracelens-test-{uuid.uuid4().hex[:8]}"
    running = []

    def start():
        stop, ready = threading.Event(), threading.Event()
        thread = threading.Thread(
            target=listener.listen, args=(stop,), kwargs={"on_ready": ready.set}, daemon=True
        )
        thread.start()
        assert ready.wait(10), "the listener did not subscribe"
        running.append((stop, thread))
        return lambda: (stop.set(), thread.join(10))

    yield start
    for stop, thread in running:
        stop.set()
        thread.join(10)
    mqtt._reset()


def publish(topic: str, payload: bytes) -> None:
    client = mqtt_client.Client(mqtt_client.CallbackAPIVersion.VERSION2)
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    client.publish(topic, payload, qos=1).wait_for_publish(5)
    client.loop_stop()
    client.disconnect()


def wait_for(condition, timeout=10.0):
    """Polls ``condition``; the test database is SQLite shared between threads, which answers
    "table is locked" while the listener's thread writes, so that is polled again too."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except OperationalError:
            pass
        time.sleep(0.05)
    return False


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_triggers_over_mqtt_both_ways(
    broker_listener, make_user, station, django_capture_on_commit_callbacks
):
    stop = broker_listener()
    with mqtt_listener(topic_of(station) + "/error") as errors:
        publish(topic_of(station), b"part present!")
        _, qos, answer = errors.get(timeout=10)
    assert qos == 1 and answer["error"] == "not_json" and answer["payload"] == "part present!"
    publish(topic_of(station), json.dumps({"part_id": "SN100001", "trigger_id": "PLC-1"}).encode())
    assert wait_for(lambda: PartTrigger.objects.filter(part_id="SN100001").exists())
    assert wait_for(lambda: PartTrigger.objects.count() == 1)  # the bad message stored nothing

    stop()  # away: the broker keeps the session and the QoS 1 message sent meanwhile
    publish(topic_of(station), json.dumps({"part_id": "SN100002", "trigger_id": "PLC-2"}).encode())
    broker_listener()
    assert wait_for(lambda: PartTrigger.objects.filter(part_id="SN100002").exists())

    from tests.services import read_capture

    UnitFactory(serial="SN100001")
    device = make_user(Role.DEVICE)
    device.stations.add(station)
    with mqtt_listener(topic_of(station, "reading")) as readings:
        with django_capture_on_commit_callbacks(execute=True):
            capture = read_capture(
                actor=device, station=station, image=_image(["S/N SN100001", "LOT L9-0001"])
            )
        got_topic, qos, payload = readings.get(timeout=10)
    assert got_topic.endswith(f"/{station.code}/reading") and qos == 1
    assert (payload["capture"], payload["part_id"], payload["trigger_id"]) == (
        capture.pk,
        "SN100001",
        "PLC-1",
    )
    assert payload["unit"] == "SN100001" and capture.unit.serial == "SN100001"
