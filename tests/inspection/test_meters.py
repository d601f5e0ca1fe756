"""Meter readings through the services and the API: a plausible value joins the series, an
implausible or unsure one waits for review with its photo, rules raise alerts that open
maintenance tickets, and supervisors acknowledge and close them."""

import datetime as dt

import cv2
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.choices import Role
from inspection.choices import AlertKind, ReadingStatus
from inspection.demo import display_photo, text_display_photo
from inspection.models import Alert, AlertRule, Display, Equipment, MaintenanceTicket, MeterReading
from inspection.services.meters import check_stale, display_config, record_meter_reading, review_meter_reading
from inspection.vision.sevenseg import DisplayReading, mapped, read_display, stood_up
from tests.factories import StationFactory
from tests.services import free_port, mqtt_listener, read_capture
from traceability import mqtt as publisher

T0 = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def display(station):
    equipment = Equipment.objects.create(code="PRESS-1", name="Press 1", line=station.line, station=station)
    return Display.objects.create(
        equipment=equipment, name="oil temp", unit="°C", min_value=0, max_value=150, max_rate_per_hour=20
    )


def value(number: float, confidence: float = 1.0) -> DisplayReading:
    return DisplayReading(f"{number:g}", number, confidence)


@pytest.mark.django_db
def test_a_plausible_reading_joins_the_series_an_implausible_one_waits(display):
    first = record_meter_reading(display=display, reading=value(40), at=T0)
    jump = record_meter_reading(display=display, reading=value(90), at=T0 + dt.timedelta(minutes=30))
    unsure = record_meter_reading(display=display, reading=value(41, 0.2), at=T0 + dt.timedelta(minutes=40))
    none = record_meter_reading(
        display=display, reading=DisplayReading("", None, 0.0, reason="no display digits found"), at=T0
    )
    assert first.status == ReadingStatus.ACCEPTED
    assert (jump.status, jump.reasons) == (
        ReadingStatus.REVIEW,
        ["changed 100/h since the last reading (at most 20/h)"],
    )
    assert unsure.status == ReadingStatus.REVIEW and "unsure digit" in unsure.reasons[0]
    assert none.reasons == ["no display digits found"]


@pytest.mark.django_db
def test_a_capture_of_a_display_is_read_and_an_implausible_one_reaches_the_review_queue(
    display, make_user, station, settings
):
    settings.MQTT_URL = ""
    capture = read_capture(
        actor=make_user(), station=station, image=display_photo("172.5"), metadata={"display": display.pk}
    )
    reading = MeterReading.objects.get(capture=capture)
    assert (reading.value, reading.status) == (172.5, ReadingStatus.REVIEW)
    assert reading.reasons == ["172.5 is above the display's range (150)"]
    assert (
        capture.needs_review
        and "meter oil temp: 172.5 is above the display's range (150)" in capture.review_reasons
    )
    client = APIClient()
    client.force_authenticate(make_user(Role.AUDITOR))
    assert client.post(f"/api/meter-readings/{reading.pk}/review/", {"accept": False}).status_code == 403
    client.force_authenticate(make_user(Role.SUPERVISOR))
    answer = client.post(
        f"/api/meter-readings/{reading.pk}/review/", {"accept": True, "value": 72.5}, format="json"
    )
    assert answer.status_code == 200, answer.content
    assert (answer.json()["value"], answer.json()["original_value"], answer.json()["status"]) == (
        72.5,
        172.5,
        "accepted",
    )
    again = client.post(f"/api/meter-readings/{reading.pk}/review/", {"accept": True}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "meter_refused"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "turn, rotate",
    [(90, cv2.ROTATE_90_CLOCKWISE), (180, cv2.ROTATE_180), (270, cv2.ROTATE_90_COUNTERCLOCKWISE)],
)
def test_a_fixed_camera_mounted_turned_reads_its_display_upright(
    display, make_user, station, settings, turn, rotate
):
    """A display registered as standing turned in its fixed camera's photos is read from them
    turned back: into the series, unflagged, its digits boxed in the photo's own pixels. A
    person's photo from the browser is not turned: seen so, it waits for review."""
    settings.MQTT_URL = ""
    display.camera_turn = turn
    display.save()
    photo = display_photo("72.5")
    seen = cv2.rotate(photo, rotate)
    capture = read_capture(actor=make_user(), station=station, image=seen, metadata={"display": display.pk})
    reading = MeterReading.objects.get(capture=capture)
    assert (reading.value, reading.status, reading.reasons) == (72.5, ReadingStatus.ACCEPTED, [])
    _, back = stood_up(seen, turn)
    upright = mapped(read_display(photo, display_config(display)), back)  # the same digits, in the photo
    assert len(reading.digits) == len(upright.digits) == 3
    for stored, expected in zip(reading.digits, upright.digits, strict=True):
        assert max(abs(a - b) for a, b in zip(stored["box"], expected.box, strict=True)) <= 3
    assert all(
        0 <= x and x + w <= seen.shape[1] and 0 <= y and y + h <= seen.shape[0]
        for x, y, w, h in [reading.box]
    )
    by_hand = read_capture(
        actor=make_user(username="walker"),
        station=station,
        image=seen,
        metadata={"display": display.pk},
        source="browser",
    )
    assert MeterReading.objects.get(capture=by_hand).status == ReadingStatus.REVIEW


@pytest.mark.django_db
def test_a_display_photo_is_no_part_photo_and_one_naming_no_display_goes_to_review(
    display, make_user, station, unit, settings
):
    from inspection.demo import board
    from inspection.models import DefectCheck
    from ocr.services import store_image

    settings.MQTT_URL = ""
    template = store_image(data=cv2.imencode(".png", board())[1].tobytes())
    DefectCheck.objects.create(  # bound to the station: it checks every photo there of no known product
        product=unit.product, station=station, name="boards here", method="golden", template=template
    )
    capture = read_capture(
        actor=make_user(), station=station, image=display_photo("72.5"), metadata={"display": display.pk}
    )
    assert MeterReading.objects.get(capture=capture).value == 72.5
    assert not capture.defect_inspections.exists() and not capture.needs_review  # the station's check left it
    lost = read_capture(
        actor=make_user(), station=station, image=display_photo("72.5"), metadata={"display": 999999}
    )
    assert not lost.meter_readings.exists() and not lost.defect_inspections.exists()
    assert lost.needs_review and "meter: display 999999 does not exist" in lost.review_reasons
    # an operator limited to another line names this display: not into its series, to review
    elsewhere = make_user(username="op-far")
    elsewhere.lines.add(StationFactory(code="far", line__code="LFAR").line)
    stray = read_capture(
        actor=elsewhere, station=station, image=display_photo("72.5"), metadata={"display": display.pk}
    )
    assert not stray.meter_readings.exists() and stray.needs_review
    assert f"meter: display {display.pk} does not exist on the lines of op-far" in stray.review_reasons


@pytest.mark.django_db
def test_a_display_that_lights_its_point_sends_a_reading_without_one_to_review(
    display, make_user, station, settings
):
    settings.MQTT_URL = ""
    display.decimals = 1
    display.save()
    capture = read_capture(
        actor=make_user(), station=station, image=display_photo("725"), metadata={"display": display.pk}
    )
    reading = MeterReading.objects.get(capture=capture)
    assert (reading.value, reading.status) == (72.5, ReadingStatus.REVIEW)
    assert reading.reasons[0].startswith("no decimal point seen, where the display lights one (decimals: 1)")
    display.point_shown = False  # the decimals are implied: no point is lit
    display.save()
    capture = read_capture(
        actor=make_user(), station=station, image=display_photo("726"), metadata={"display": display.pk}
    )
    reading = MeterReading.objects.get(capture=capture)
    assert (reading.value, reading.status, reading.reasons) == (72.6, ReadingStatus.ACCEPTED, [])


@pytest.mark.django_db
def test_a_threshold_alert_opens_one_ticket_until_it_is_closed(display, make_user, settings):
    settings.MQTT_URL = ""
    display.max_rate_per_hour = None
    display.save()
    AlertRule.objects.create(display=display, name="hot", kind=AlertKind.THRESHOLD, high=80)
    for minutes, number in ((0, 70), (10, 82), (20, 85)):
        record_meter_reading(display=display, reading=value(number), at=T0 + dt.timedelta(minutes=minutes))
    alert = Alert.objects.get()
    assert alert.message == "82 °C is above 80"
    ticket = alert.ticket
    client = APIClient()
    client.force_authenticate(make_user(Role.OPERATOR))
    assert client.post(f"/api/maintenance-tickets/{ticket.pk}/acknowledge/").status_code == 403
    client.force_authenticate(make_user(Role.SUPERVISOR))
    assert (
        client.post(f"/api/maintenance-tickets/{ticket.pk}/acknowledge/").json()["status"] == "acknowledged"
    )
    assert client.post(f"/api/maintenance-tickets/{ticket.pk}/close/", {"note": " "}).status_code == 400
    closed = client.post(f"/api/maintenance-tickets/{ticket.pk}/close/", {"note": "cooler cleaned"})
    assert closed.json()["status"] == "closed" and closed.json()["note"] == "cooler cleaned"
    record_meter_reading(display=display, reading=value(84), at=T0 + dt.timedelta(minutes=30))
    assert Alert.objects.count() == 2 and MaintenanceTicket.objects.filter(status="open").count() == 1
    assert [
        a["message"] for a in client.get(f"/api/alerts/?display={display.pk}&open=1").json()["results"]
    ] == ["84 °C is above 80"]
    line = display.equipment.line_id
    (shown,) = client.get(f"/api/alerts/?line={line}&open=1").json()["results"]  # the dashboard's list
    assert (shown["equipment"], shown["equipment_id"], shown["display_name"]) == (
        "PRESS-1",
        display.equipment_id,
        "oil temp",
    )
    assert shown["ticket"]["status"] == "open"
    assert client.get(f"/api/alerts/?line={line + 1}&open=1").json()["results"] == []


@pytest.mark.django_db
def test_drift_and_time_to_limit_rules_warn_before_the_limit(display, settings, make_user):
    settings.MQTT_URL = ""
    display.max_rate_per_hour = None
    display.save()
    AlertRule.objects.create(display=display, name="drift", kind=AlertKind.DRIFT, baseline=30)
    AlertRule.objects.create(
        display=display, name="soon hot", kind=AlertKind.TIME_TO_LIMIT, high=100, hours=4, window_hours=2
    )
    for i in range(120):  # steady for an hour, then rising 0.5 °C a minute
        level = 60 + (0.3 if i % 2 else -0.3) + max(0, i - 60) * 0.5
        record_meter_reading(display=display, reading=value(round(level, 1)), at=T0 + dt.timedelta(minutes=i))
    kinds = {a.rule.name: a for a in Alert.objects.select_related("rule")}
    assert set(kinds) == {"drift", "soon hot"}
    assert kinds["drift"].details["direction"] == "up"
    assert kinds["drift"].reading.read_at < T0 + dt.timedelta(minutes=65)  # within minutes of the start
    # the drift's own line: from its onset (09:00, as made) at about the 30 °C/h it rises, to the
    # nearest limit ahead (the trend rule's 100 °C, before the display's range of 150)
    drift = kinds["drift"]
    assert drift.details["onset"] == (T0 + dt.timedelta(minutes=60)).isoformat()
    assert 25 < drift.details["slope_per_hour"] < 35 and drift.details["limit"] == 100
    minutes_in = (drift.reading.read_at - T0).total_seconds() / 60 - 60
    truth = (100 - 60 - 0.5 * minutes_in) / 30
    assert abs(drift.details["hours_to_limit"] - truth) < 0.25
    assert (
        "since about 2026-11-01 09:00, +" in drift.message and "°C/h: reaches 100 °C in 1." in drift.message
    )
    assert kinds["soon hot"].details["hours_to_limit"] < 4


@pytest.mark.django_db
def test_state_gives_the_last_reading_what_waits_and_when_the_trend_reaches_its_limit(
    display, make_user, settings
):
    settings.MQTT_URL = ""
    AlertRule.objects.create(display=display, name="hot", kind=AlertKind.THRESHOLD, low=10, high=90)
    AlertRule.objects.create(
        display=display, name="soon hot", kind=AlertKind.TIME_TO_LIMIT, high=100, hours=4, window_hours=6
    )
    start = timezone.now().replace(microsecond=0) - dt.timedelta(hours=5)
    for hour, level in enumerate([60, 62, 64, 66, 68]):  # 2 °C an hour: 100 °C 16 h after the last
        record_meter_reading(display=display, reading=value(level), at=start + dt.timedelta(hours=hour))
    record_meter_reading(display=display, reading=value(420), at=start + dt.timedelta(hours=4, minutes=30))
    client = APIClient()
    client.force_authenticate(make_user(Role.AUDITOR))
    state = client.get(f"/api/displays/{display.pk}/state/").json()
    last = MeterReading.objects.get(value=68)
    assert state["last"]["reading"] == last.pk and state["last"]["value"] == 68
    assert state["waiting"] == 1  # 420, above the display's range
    [trend] = state["trends"]
    assert round(trend["trend"]["slope_per_hour"], 6) == 2 and trend["trend"]["limit"] == 100
    assert round(trend["trend"]["hours_to_limit"], 6) == 16
    reaches_at = dt.datetime.fromisoformat(trend["reaches_at"].replace("Z", "+00:00"))
    assert abs(reaches_at - (last.read_at + dt.timedelta(hours=16))) < dt.timedelta(seconds=1)
    assert state["limits"] == [10, 90, 100]
    assert [r["condition"] for r in state["rules"]] == [
        "below 10 °C or above 90 °C",
        "a trend fitted over 6 h reaches 100 °C within 4 h",
    ]


@pytest.mark.django_db
def test_state_says_when_the_trend_has_too_few_points_or_heads_away(display, make_user, settings):
    settings.MQTT_URL = ""
    AlertRule.objects.create(
        display=display,
        name="soon cold",
        kind=AlertKind.TIME_TO_LIMIT,
        low=20,
        high=120,
        hours=4,
        window_hours=3,
    )
    client = APIClient()
    client.force_authenticate(make_user(Role.AUDITOR))
    empty = client.get(f"/api/displays/{display.pk}/state/").json()
    assert empty["last"] is None and empty["trends"][0]["trend"] is None
    start = timezone.now().replace(microsecond=0) - dt.timedelta(hours=2)
    for hour, level in enumerate([70, 70, 70]):  # flat: heading for neither limit
        record_meter_reading(display=display, reading=value(level), at=start + dt.timedelta(hours=hour))
    [flat] = client.get(f"/api/displays/{display.pk}/state/").json()["trends"]
    assert flat["trend"]["hours_to_limit"] is None and flat["reaches_at"] is None
    rule = AlertRule.objects.get()
    assert rule.condition == "a trend fitted over 3 h reaches 20 °C (falling) or 120 °C (rising) within 4 h"


@pytest.mark.django_db
def test_stale_rule_raises_when_readings_stop(display, settings):
    settings.MQTT_URL = ""
    AlertRule.objects.create(display=display, name="silent", kind=AlertKind.STALE, minutes=30)
    record_meter_reading(display=display, reading=value(50), at=T0)
    assert check_stale(now=T0 + dt.timedelta(minutes=20)) == []
    [alert] = check_stale(now=T0 + dt.timedelta(minutes=45))
    assert alert.message == "no reading for 30 min"
    assert check_stale(now=T0 + dt.timedelta(minutes=90)) == []  # its ticket is still open


@pytest.mark.django_db
def test_series_is_downsampled_for_long_ranges(display, make_user):
    MeterReading.objects.bulk_create(
        MeterReading(display=display, read_at=T0 + dt.timedelta(minutes=i), value=i % 60, status="accepted")
        for i in range(3 * 60)
    )
    client = APIClient()
    client.force_authenticate(make_user(Role.AUDITOR))
    raw = client.get(f"/api/displays/{display.pk}/series/?max_points=500").json()
    assert raw["bucket"] is None and len(raw["points"]) == 180 and raw["points"][0]["reading"]
    hourly = client.get(f"/api/displays/{display.pk}/series/?max_points=100").json()
    assert hourly["bucket"] == "hour" and [p["n"] for p in hourly["points"]] == [60, 60, 60]
    assert [p["min"] for p in hourly["points"]] == [0, 0, 0] and hourly["points"][0]["max"] == 59
    start = (T0 + dt.timedelta(minutes=170)).isoformat()
    tail = client.get(f"/api/displays/{display.pk}/series/", {"start": start}).json()
    assert [p["value"] for p in tail["points"]] == [50, 51, 52, 53, 54, 55, 56, 57, 58, 59]
    assert client.get(f"/api/displays/{display.pk}/series/?start=yesterday").status_code == 400
    impossible = client.get(f"/api/displays/{display.pk}/series/?start=2026-13-45T00:00:00")
    assert impossible.status_code == 400 and impossible.json()["code"] == "bad_time"  # not a 500
    naive = client.get(f"/api/displays/{display.pk}/series/", {"start": "2026-11-01T10:50:00"}).json()
    assert len(naive["points"]) == 10  # a time naming no zone is the site's (UTC here)


@pytest.mark.django_db
def test_registry_refuses_impossible_settings(make_user, station):
    client = APIClient()
    client.force_authenticate(make_user(Role.SUPERVISOR))
    made = client.post("/api/equipment/", {"code": "OVEN-2", "name": "Oven 2", "line": station.line.code})
    assert made.status_code == 201, made.content
    bad = client.post("/api/displays/", {"equipment": "OVEN-2", "name": "t", "min_value": 10, "max_value": 5})
    assert bad.status_code == 400 and "max_value" in bad.json()
    good = client.post(
        "/api/displays/",
        {"equipment": "OVEN-2", "name": "t", "kind": "7seg_led", "decimals": 1},
        format="json",  # a form leaving a box out unticks it (DRF's rule for HTML checkboxes)
    )
    assert good.status_code == 201 and good.json()["point_shown"] is True  # a lit point by default
    rule = client.post("/api/alert-rules/", {"display": good.json()["id"], "name": "r", "kind": "stale"})
    assert rule.status_code == 400 and "minutes" in str(rule.json())
    settings_refused = {
        "digits": ({"digits": 0}, "at least 1 (empty: any number of digits)"),
        "decimals": ({"digits": 3, "decimals": 4}, "cannot be more than the display's 3 digits"),
        "max_rate_per_hour": ({"max_rate_per_hour": -2}, "must be above 0 (empty: no limit)"),
        "frames": ({"frames": 0}, "at least 1"),
        "min_confidence": ({"min_confidence": 1.5}, "between 0 and 1"),
    }
    for field, (change, reason) in settings_refused.items():
        answer = client.patch(f"/api/displays/{good.json()['id']}/", change, format="json")
        assert answer.status_code == 400 and answer.json()[field] == [reason], field
    rules_refused = {
        "high": ({"kind": "threshold", "low": 100, "high": 50}, "must be above low"),
        "hours": ({"kind": "time_to_limit", "high": 50, "hours": -1}, "must be above 0"),
        "window_hours": (
            {"kind": "time_to_limit", "high": 50, "hours": 8, "window_hours": 0},
            "must be above 0",
        ),
        "minutes": ({"kind": "stale", "minutes": 0}, "must be above 0"),
    }
    for field, (settings, reason) in rules_refused.items():
        body = {"display": good.json()["id"], "name": f"r-{field}", **settings}
        answer = client.post("/api/alert-rules/", body, format="json")
        assert answer.status_code == 400 and answer.json()[field] == [reason], field
    client.force_authenticate(make_user(Role.AUDITOR))
    assert (
        client.post("/api/equipment/", {"code": "X", "name": "X", "line": station.line.code}).status_code
        == 403
    )
    assert client.get("/api/equipment/").json()["results"][0]["code"] == "OVEN-2"


@pytest.mark.django_db
def test_a_display_with_history_is_not_deleted_and_names_stay_one_per_machine(display, make_user):
    """Deleting a display (or its machine) would orphan its readings, and a rule its alerts:
    refused with what still refers to it (409), nothing gone. A second display of the same name
    on a machine: 400."""
    for number, hour in ((70.0, 8), (71.0, 9)):
        record_meter_reading(display=display, reading=value(number), at=T0.replace(hour=hour))
    client = APIClient()
    client.force_authenticate(make_user(Role.SUPERVISOR))
    for url in (f"/api/displays/{display.pk}/", f"/api/equipment/{display.equipment_id}/"):
        answer = client.delete(url)
        assert answer.status_code == 409, url
        assert answer.json() == {
            "detail": "Not deleted: 2 meter readings still refer to it, and their history is kept.",
            "code": "in_use",
        }
    assert MeterReading.objects.filter(display=display).count() == 2
    again = client.post("/api/displays/", {"equipment": display.equipment.code, "name": display.name})
    assert again.status_code == 400 and "unique" in str(again.json())
    empty = Display.objects.create(equipment=display.equipment, name="spare")
    assert client.delete(f"/api/displays/{empty.pk}/").status_code == 204
    rule = AlertRule.objects.create(display=display, name="hot", kind=AlertKind.THRESHOLD, high=80)
    record_meter_reading(display=display, reading=value(85), at=T0.replace(hour=10))
    answer = client.delete(f"/api/alert-rules/{rule.pk}/")  # one alert: said in the singular
    assert answer.status_code == 409 and answer.json()["detail"] == (
        "Not deleted: 1 alert still refers to it, and its history is kept."
    )


@pytest.mark.django_db
@pytest.mark.integration
def test_an_alert_reaches_the_broker(display, settings, django_capture_on_commit_callbacks):
    settings.MQTT_URL = "mqtt://127.0.0.1:1883"
    publisher._reset()
    try:
        with mqtt_listener(publisher.topic(display.equipment.station, "alert")) as received:
            AlertRule.objects.create(display=display, name="hot", kind=AlertKind.THRESHOLD, high=80)
            with django_capture_on_commit_callbacks(execute=True):
                record_meter_reading(display=display, reading=value(95), at=timezone.now())
            got_topic, qos, payload = received.get(timeout=5)
        assert got_topic.endswith("/alert") and qos == 1
        assert (payload["equipment"], payload["rule"], payload["message"]) == (
            "PRESS-1",
            "hot",
            "95 °C is above 80",
        )
        assert Alert.objects.get().published_at is not None
    finally:
        publisher._reset()


@pytest.mark.django_db
@pytest.mark.integration
def test_each_reading_and_its_review_reach_the_broker(
    display, settings, make_user, django_capture_on_commit_callbacks
):
    settings.MQTT_URL = "mqtt://127.0.0.1:1883"
    publisher._reset()
    try:
        with mqtt_listener(publisher.topic(display.equipment.station, "meter")) as received:
            with django_capture_on_commit_callbacks(execute=True):
                kept = record_meter_reading(display=display, reading=value(95), at=timezone.now())
                odd = record_meter_reading(display=display, reading=value(195), at=timezone.now())
            first, second = received.get(timeout=5), received.get(timeout=5)
            with django_capture_on_commit_callbacks(execute=True):
                review_meter_reading(reading=odd, actor=make_user(Role.SUPERVISOR), value=95.5, accept=True)
            reviewed = received.get(timeout=5)
        assert first[0].endswith("/meter") and first[1] == 1
        assert (first[2]["reading"], first[2]["value"], first[2]["status"]) == (kept.pk, 95, "accepted")
        assert (second[2]["value"], second[2]["status"]) == (195, "review")
        assert second[2]["reasons"] == ["195 is above the display's range (150)"]
        assert (reviewed[2]["reading"], reviewed[2]["value"], reviewed[2]["status"]) == (
            odd.pk,
            95.5,
            "accepted",
        )
    finally:
        publisher._reset()


@pytest.mark.django_db
@pytest.mark.integration
def test_readings_the_broker_missed_go_out_once_it_is_back_as_they_are_now(
    display, settings, make_user, django_capture_on_commit_callbacks
):
    from inspection.services.republish import republish

    settings.MQTT_URL = f"mqtt://127.0.0.1:{free_port()}"  # the broker is away
    publisher._reset()
    with django_capture_on_commit_callbacks(execute=True):
        kept = record_meter_reading(display=display, reading=value(95), at=timezone.now())
        odd = record_meter_reading(display=display, reading=value(195), at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        review_meter_reading(reading=odd, actor=make_user(Role.SUPERVISOR), value=95.5, accept=True)
    assert republish() == {"sort": 0, "alerts": 0, "readings": 0}  # still away: nothing marked sent
    assert not MeterReading.objects.filter(published_at__isnull=False).exists()
    settings.MQTT_URL = "mqtt://127.0.0.1:1883"  # back
    publisher._reset()
    try:
        with mqtt_listener(publisher.topic(display.equipment.station, "meter")) as received:
            assert republish() == {"sort": 0, "alerts": 0, "readings": 2}
            got = [received.get(timeout=5)[2] for _ in range(2)]
        assert [(m["reading"], m["value"], m["status"]) for m in got] == [
            (kept.pk, 95, "accepted"),
            (odd.pk, 95.5, "accepted"),  # as reviewed
        ]
        assert republish() == {"sort": 0, "alerts": 0, "readings": 0}  # sent once
    finally:
        publisher._reset()


@pytest.mark.django_db(transaction=True)
def test_the_embedded_beat_sends_the_stale_check_as_the_app_starts(display, settings, monkeypatch):
    import threading

    from frontend import embedded

    sent = []
    monkeypatch.setattr(embedded.app, "send_task", lambda name: sent.append(name))
    settings.CELERY_BEAT_SCHEDULE = {
        "stale": {"task": "inspection.tasks.check_stale_displays", "schedule": 3600.0}
    }  # hourly: sent as the app starts all the same
    stop = threading.Event()
    thread = embedded.start_embedded_beat(stop)
    try:
        for _ in range(50):
            if sent:
                break
            stop.wait(0.1)
    finally:
        stop.set()
        thread.join(5)
    assert sent[0] == "inspection.tasks.check_stale_displays"
    AlertRule.objects.create(display=display, name="silent", kind=AlertKind.STALE, minutes=1)
    from inspection.tasks import check_stale_displays

    assert check_stale_displays() == 1  # no reading yet: stale


@pytest.mark.django_db
def test_a_general_digital_display_is_read_by_the_text_engine(station, make_user, settings):
    import numpy as np

    settings.MQTT_URL = ""
    equipment = Equipment.objects.create(code="PUMP-1", name="Pump", line=station.line, station=station)
    display = Display.objects.create(equipment=equipment, name="flow", kind="digital", unit="L/min")
    image = np.full((240, 720, 3), 255, np.uint8)
    cv2.putText(image, "FLOW 42.7 L/min", (30, 140), cv2.FONT_HERSHEY_SIMPLEX, 2.0, (0, 0, 0), 5)
    capture = read_capture(
        actor=make_user(), station=station, image=image, metadata={"display": display.pk}, ext=".png"
    )
    reading = MeterReading.objects.get(capture=capture)
    assert (reading.value, reading.status) == (42.7, ReadingStatus.ACCEPTED)
    assert capture.reading.lines  # the text engine ran for this kind


@pytest.mark.django_db
def test_a_dot_matrix_display_is_read_with_its_dots_merged_and_its_box(station, make_user, settings):
    settings.MQTT_URL = ""
    equipment = Equipment.objects.create(code="OVEN-1", name="Oven", line=station.line, station=station)
    display = Display.objects.create(equipment=equipment, name="zone 1", kind="dot_matrix", unit="kPa")
    photo = text_display_photo("P 92.6 KPA", turn=-3, seed=3)
    capture = read_capture(actor=make_user(), station=station, image=photo, metadata={"display": display.pk})
    reading = MeterReading.objects.get(capture=capture)
    assert (reading.value, reading.status) == (92.6, ReadingStatus.ACCEPTED)
    assert capture.reading.lines == []  # the meter reader read it; the text pipeline did not
    x, y, w, h = reading.box
    assert 150 <= x and x + w <= 1100 and 200 <= y and y + h <= 500  # the panel's line, not the photo


@pytest.mark.django_db
def test_a_dot_matrix_panel_registered_as_general_digital_is_read_with_its_dots_merged(
    station, make_user, settings
):
    settings.MQTT_URL = ""
    equipment = Equipment.objects.create(code="OVEN-2", name="Oven", line=station.line, station=station)
    display = Display.objects.create(equipment=equipment, name="zone 2", kind="digital", unit="C")
    photo = text_display_photo("T= 42.7 C", tilt=0.1, turn=3, seed=3)
    capture = read_capture(actor=make_user(), station=station, image=photo, metadata={"display": display.pk})
    reading = MeterReading.objects.get(capture=capture)
    assert (reading.value, reading.status) == (42.7, ReadingStatus.ACCEPTED)
    from inspection.vision.text_display import number_in_text

    assert number_in_text(capture.reading.lines).value is None  # the text pipeline's lines hold none


@pytest.mark.django_db
def test_a_display_s_camera_turn_is_one_of_four(display, make_user):
    client = APIClient()
    client.force_authenticate(make_user(Role.SUPERVISOR))
    url = f"/api/displays/{display.pk}/"
    assert client.get(url).json()["camera_turn"] == 0
    answer = client.patch(url, {"camera_turn": "180"}, format="json")  # as the page's form sends it
    assert answer.status_code == 200 and answer.json()["camera_turn"] == 180
    refused = client.patch(url, {"camera_turn": 45}, format="json")
    assert refused.status_code == 400 and "camera_turn" in refused.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind, text, value", [("digital", "T= 42.7 C", 42.7), ("dot_matrix", "P 92.6 KPA", 92.6)]
)
def test_a_text_display_s_fixed_camera_mounted_turned_is_read_upright(
    station, make_user, settings, kind, text, value
):
    """The text display readers read the photo turned back too, and the number the reading
    job found in the photo as it came is placed in the upright copy's pixels."""
    settings.MQTT_URL = ""
    equipment = Equipment.objects.create(code="OVEN-3", name="Oven", line=station.line, station=station)
    display = Display.objects.create(equipment=equipment, name="zone", kind=kind, camera_turn=90)
    photo = cv2.rotate(text_display_photo(text, seed=3), cv2.ROTATE_90_CLOCKWISE)
    capture = read_capture(actor=make_user(), station=station, image=photo, metadata={"display": display.pk})
    reading = MeterReading.objects.get(capture=capture)
    assert (reading.value, reading.status) == (value, ReadingStatus.ACCEPTED)
    x, y, w, h = reading.box
    assert 0 <= x and x + w <= photo.shape[1] and 0 <= y and y + h <= photo.shape[0]


@pytest.mark.django_db
def test_a_7_segment_photo_skips_the_text_engine(display, station, make_user, settings):
    settings.MQTT_URL = ""
    capture = read_capture(
        actor=make_user(), station=station, image=display_photo("88.5"), metadata={"display": display.pk}
    )
    assert capture.reading.lines == [] and not capture.needs_review
    assert MeterReading.objects.get(capture=capture).value == 88.5


@pytest.mark.django_db
def test_a_large_photo_is_read_once_and_its_boxes_are_in_the_photos_pixels(
    display, station, make_user, settings
):
    settings.MQTT_URL = ""
    photo = display_photo("88.5", size=(4000, 2250), digit_height=400)
    capture = read_capture(actor=make_user(), station=station, image=photo, metadata={"display": display.pk})
    reading = MeterReading.objects.get(capture=capture)
    x, y, w, h = reading.box
    assert (
        reading.value == 88.5 and 350 <= h <= 450 and x + w <= 4000
    )  # full-size pixels, not the reduced copy's
