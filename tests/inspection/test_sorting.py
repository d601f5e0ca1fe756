"""Sort decisions: rules over defects, detected classes and colour give each part a bin; the
decision is stored once, pushed to the station's live group and published to its MQTT topic
(a real Mosquitto on loopback), and a broker that is down loses nothing."""

import cv2
import numpy as np
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.choices import Role
from inspection.demo import board, with_defects
from inspection.models import DefectCheck, SortDecision, SortRule
from inspection.services import inspect_capture, sort_capture
from inspection.vision.sorting import Facts, SortRuleError, check_rules, decide, dominant_colour
from ocr.choices import CaptureSource
from ocr.services import create_capture, perform_reading, store_image
from tests.factories import ProductFactory
from tests.services import free_port, mqtt_listener
from traceability import mqtt as publisher

COLOURS = {"red": [200, 30, 30], "blue": [30, 60, 200], "grey": [128, 128, 128]}
RULES = [
    {"if": {"defect": True}, "bin": "reject"},
    {"if": {"missing": ["screw"]}, "bin": "rework"},
    {"if": {"colour": "red"}, "bin": "red"},
]


def part(colour_bgr, size=(240, 320)) -> np.ndarray:
    image = np.full((*size, 3), (60, 60, 60), np.uint8)  # the belt
    cv2.rectangle(image, (90, 60), (230, 180), colour_bgr, -1)
    return image


def test_rules_decide_in_order():
    facts = Facts(defect=False, classes=frozenset({"screw"}), colour="red")
    assert decide(RULES, facts, "pass").bin == "red"
    assert decide(RULES, Facts(defect=True, classes=frozenset(), colour="red"), "pass").bin == "reject"
    rework = decide(RULES, Facts(defect=False, classes=frozenset(), colour="red"), "pass")
    assert (rework.bin, rework.rule, rework.reasons) == ("rework", 1, ("missing screw",))
    assert (
        decide(RULES, Facts(defect=None, classes=frozenset({"screw"}), colour="blue"), "pass").bin == "pass"
    )


def test_colour_is_the_parts_not_the_belts():
    assert dominant_colour(part((40, 40, 210)), COLOURS)[0] == "red"
    assert dominant_colour(part((200, 70, 30)), COLOURS)[0] == "blue"
    assert dominant_colour(part((40, 40, 210)), COLOURS, region=(0, 0, 0.2, 0.2))[0] == "grey"


def test_malformed_rules_are_named():
    with pytest.raises(SortRuleError, match="rule 1: unknown condition shape"):
        check_rules([{"if": {"shape": "round"}, "bin": "x"}], {})
    with pytest.raises(SortRuleError, match="rule 2: colour 'green' has no reference"):
        check_rules([RULES[0], {"if": {"colour": "green"}, "bin": "g"}], COLOURS)


@pytest.mark.django_db
def test_a_read_capture_is_sorted_once(make_user, station, settings):
    settings.MQTT_URL = ""
    SortRule.objects.create(
        product=ProductFactory(),
        station=station,
        name="by colour",
        rules=RULES[2:],
        colours=COLOURS,
        default_bin="other",
    )
    capture, _ = create_capture(
        actor=make_user(),
        data=cv2.imencode(".png", part((40, 40, 210)))[1].tobytes(),
        source=CaptureSource.API,
        station=station,
        metadata={"trigger_id": "T-17"},
    )
    perform_reading(job_id=capture.job.pk)
    decision = SortDecision.objects.get(capture=capture)
    assert (decision.bin, decision.trigger, decision.facts["colour"]) == ("red", "T-17", "red")
    assert decision.published_at is None  # no broker configured: stored, not published
    assert sort_capture(capture=capture) is None
    client = APIClient()
    client.force_authenticate(make_user(Role.SUPERVISOR))
    listed = client.get("/api/sort-decisions/?trigger=T-17").json()["results"]
    assert [d["bin"] for d in listed] == ["red"]


@pytest.mark.django_db
@pytest.mark.integration
def test_decisions_reach_the_line_controller_over_mqtt(
    make_user, station, settings, unit, django_capture_on_commit_callbacks
):
    settings.MQTT_URL = "mqtt://127.0.0.1:1883"
    publisher._reset()
    topic = publisher.topic(station, "sort")
    try:
        with mqtt_listener(topic) as received:
            DefectCheck.objects.create(
                product=unit.product, name="board", method="golden", template=store_image(data=_png(board()))
            )
            SortRule.objects.create(product=unit.product, station=station, name="reject bad", rules=RULES[:1])
            capture, _ = create_capture(
                actor=make_user(),
                data=_png(with_defects(board(seed=1), ["short"])),
                source=CaptureSource.API,
                station=station,
                metadata={"product": unit.product.part_number, "trigger_id": "T-99"},
            )
            inspect_capture(capture=capture)
            with django_capture_on_commit_callbacks(execute=True):
                decision = sort_capture(capture=capture, product_id=unit.product_id)
            got_topic, qos, payload = received.get(timeout=5)
        assert (
            got_topic
            == topic
            == f"tracelens/{station.line.site.code}/{station.line.code}/{station.code}/sort"
        )
        assert qos == 1
        assert (payload["bin"], payload["trigger"], payload["capture"]) == ("reject", "T-99", capture.pk)
        decision.refresh_from_db()
        assert decision.published_at is not None
    finally:
        publisher._reset()


@pytest.mark.django_db
def test_a_broker_that_is_down_loses_nothing(
    make_user, station, settings, django_capture_on_commit_callbacks
):
    settings.MQTT_URL = f"mqtt://127.0.0.1:{free_port()}"  # nothing listens there
    publisher._reset()
    SortRule.objects.create(
        product=ProductFactory(), station=station, name="all", rules=[], default_bin="pass"
    )
    capture, _ = create_capture(
        actor=make_user(), data=_png(part((40, 40, 210))), source=CaptureSource.API, station=station
    )
    with django_capture_on_commit_callbacks(execute=True):
        decision = sort_capture(capture=capture)
    decision.refresh_from_db()
    assert decision.bin == "pass" and decision.published_at is None
    publisher._reset()


def _png(image) -> bytes:
    return cv2.imencode(".png", image)[1].tobytes()


@pytest.mark.django_db
def test_a_stations_own_rule_wins_over_the_products(make_user, station, settings):
    from inspection.services.sorting import rule_for

    settings.MQTT_URL = ""
    product = ProductFactory()
    SortRule.objects.create(product=product, name="everywhere", rules=[], default_bin="a")
    own = SortRule.objects.create(product=product, station=station, name="here", rules=[], default_bin="b")
    SortRule.objects.create(product=product, name="everywhere too", rules=[], default_bin="c")
    capture, _ = create_capture(
        actor=make_user(), data=_png(part((40, 40, 210))), source=CaptureSource.API, station=station
    )
    assert rule_for(capture, product.pk) == own


@pytest.mark.django_db
@pytest.mark.integration
def test_decisions_the_broker_missed_go_out_once_it_is_back_while_they_still_matter(
    make_user, station, settings, django_capture_on_commit_callbacks
):
    import datetime as dt

    from inspection.services.republish import republish

    settings.MQTT_URL = f"mqtt://127.0.0.1:{free_port()}"  # the broker is away
    publisher._reset()
    SortRule.objects.create(
        product=ProductFactory(), station=station, name="all", rules=[], default_bin="pass"
    )
    decisions = []
    for n in range(2):
        capture, _ = create_capture(
            actor=make_user(), data=_png(part((40, 40, 200 + n))), source=CaptureSource.API, station=station
        )
        with django_capture_on_commit_callbacks(execute=True):
            decisions.append(sort_capture(capture=capture))
    assert republish() == {"sort": 0, "alerts": 0, "readings": 0}  # still away: nothing marked sent
    old = timezone.now() - dt.timedelta(seconds=settings.SORT_REPUBLISH_S + 5)
    SortDecision.objects.filter(pk=decisions[0].pk).update(created_at=old)  # its part has left
    settings.MQTT_URL = "mqtt://127.0.0.1:1883"  # back
    publisher._reset()
    try:
        with mqtt_listener(publisher.topic(station, "sort")) as received:
            assert republish() == {"sort": 1, "alerts": 0, "readings": 0}
            _, qos, payload = received.get(timeout=5)
        assert qos == 1 and payload["capture"] == decisions[1].capture_id
        assert [d.published_at is not None for d in SortDecision.objects.order_by("pk")] == [False, True]
        assert republish() == {"sort": 0, "alerts": 0, "readings": 0}  # sent once
    finally:
        publisher._reset()
