"""The equipment pages: machines with their open tickets, a machine's displays and alerts, and
tickets acknowledged and closed there by supervisors only."""

import datetime as dt

import pytest
from django.test import Client

from accounts.choices import Role
from inspection.models import AlertRule, Display, Equipment, MaintenanceTicket
from inspection.services.meters import record_meter_reading
from inspection.vision.sevenseg import DisplayReading
from tests.factories import StationFactory

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def ticket(station, settings):
    settings.MQTT_URL = ""
    oven = Equipment.objects.create(code="OVEN-1", name="Oven <1>", line=station.line, station=station)
    display = Display.objects.create(equipment=oven, name="zone 1", unit="°C")
    AlertRule.objects.create(display=display, name="hot", kind="threshold", high=200)
    record_meter_reading(display=display, reading=DisplayReading("210", 210.0, 1.0), at=T0)
    return MaintenanceTicket.objects.get()


def lead_of_another_line(make_user):
    """A supervisor limited to a line none of these tests' machines stand on, logged in."""
    lead = make_user(Role.SUPERVISOR, username="lead-far")
    lead.lines.add(StationFactory(code="far-pack", line__code="LFAR").line)
    client = Client()
    client.force_login(lead)
    return client


def page_as(make_user, role):
    client = Client()
    client.force_login(make_user(role))
    return client


def test_machines_and_their_open_tickets(make_user, ticket):
    listing = page_as(make_user, Role.AUDITOR).get("/equipment/")
    assert listing.status_code == 200
    assert b"OVEN-1" in listing.content and b"Oven &lt;1&gt;" in listing.content
    page = page_as(make_user, Role.OPERATOR).get(f"/equipment/{ticket.equipment_id}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-display="' in text and "210 °C is above 200" in text
    assert "210.0 °C · 2026-11-01 08:00" in text  # the last reading, in the series though an alert fired
    assert "Rule: hot" in text and "above 200 °C" in text and 'data-limits="200.0"' in text
    assert "Acknowledge" not in text  # operators see tickets, supervisors act on them


def test_the_machine_list_tells_where_each_display_stands(make_user, ticket, django_assert_max_num_queries):
    """Per display: its last accepted reading and how long ago (its photo a click away), its
    readings waiting for review, and a stale rule's breach; a machine without displays says so.
    The queries do not grow with the machines and displays."""
    oven = ticket.equipment
    zone = oven.displays.get()
    AlertRule.objects.create(display=zone, name="not read", kind="stale", minutes=30)
    record_meter_reading(
        display=zone, reading=DisplayReading("2?0", None, 0.1, reason="uncertain digit"), at=T0
    )
    quiet = Display.objects.create(equipment=oven, name="zone 2", unit="°C")
    AlertRule.objects.create(display=quiet, name="not read", kind="stale", minutes=10**6, active=True)
    Equipment.objects.create(code="PRESS-1", name="Press", line=oven.line)
    client = page_as(make_user, Role.AUDITOR)
    with django_assert_max_num_queries(12):
        text = client.get("/equipment/").content.decode()
    zone_row = text.split(f'data-display="{zone.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "210.0 °C · " in zone_row and " ago" in zone_row  # accepted though an alert fired
    assert 'title="2026-11-01 08:00"' in zone_row
    assert "no reading for 30 min or more" in zone_row and 'class="unread"' in text
    assert '<td class="waiting"><a href="/review/"><strong>1</strong></a></td>' in zone_row
    quiet_row = text.split(f'data-display="{quiet.pk}"', 1)[1].split("</tr>", 1)[0]
    assert '<strong class="fail-text">none yet</strong>' in quiet_row  # its stale rule alerts on that
    assert f'rowspan="2"><a href="/equipment/{oven.pk}/">OVEN-1</a>' in text
    assert "PRESS-1</a> · Press" in text and "no displays yet" in text
    for n in range(5):
        more = Equipment.objects.create(code=f"M-{n}", name="m", line=oven.line)
        Display.objects.create(equipment=more, name="d")
    with django_assert_max_num_queries(12):
        assert "M-4" in client.get("/equipment/").content.decode()


def test_supervisor_acknowledges_and_closes_a_ticket(make_user, ticket):
    operator = page_as(make_user, Role.OPERATOR)
    assert operator.post(f"/tickets/{ticket.pk}/", {"action": "acknowledge"}).status_code == 403
    supervisor = page_as(make_user, Role.SUPERVISOR)
    assert "Acknowledge" in supervisor.get(f"/equipment/{ticket.equipment_id}/").content.decode()
    supervisor.post(f"/tickets/{ticket.pk}/", {"action": "acknowledge"})
    ticket.refresh_from_db()
    assert ticket.status == "acknowledged"
    answer = supervisor.post(f"/tickets/{ticket.pk}/", {"action": "close", "note": ""}, follow=True)
    assert "say what was done" in answer.content.decode()
    supervisor.post(f"/tickets/{ticket.pk}/", {"action": "close", "note": "fan replaced"})
    ticket.refresh_from_db()
    assert (ticket.status, ticket.note) == ("closed", "fan replaced")


def test_an_implausible_reading_is_corrected_in_the_review_queue(make_user, station, settings):
    from inspection.demo import display_photo
    from inspection.models import MeterReading
    from tests.services import read_capture

    settings.MQTT_URL = ""
    oven = Equipment.objects.create(code="OVEN-2", name="Oven 2", line=station.line, station=station)
    display = Display.objects.create(equipment=oven, name="zone 2", unit="°C", max_value=300)
    capture = read_capture(
        actor=make_user(), station=station, image=display_photo("862.5"), metadata={"display": display.pk}
    )
    supervisor = page_as(make_user, Role.SUPERVISOR)
    assert f"/review/{capture.pk}/" in supervisor.get("/review/").content.decode()
    page = supervisor.get(f"/review/{capture.pk}/").content.decode()
    assert "862.5 is above the display&#x27;s range (300)" in page and 'name="meter-' in page
    reading = MeterReading.objects.get(capture=capture)
    bad = supervisor.post(f"/review/{capture.pk}/", {f"meter-{reading.pk}": "26x.5"})
    assert bad.status_code == 400 and "is not a number" in bad.content.decode()
    done = supervisor.post(f"/review/{capture.pk}/", {f"meter-{reading.pk}": "262,5"})
    assert done.status_code == 302, [m.message for m in done.context["messages"]]
    reading.refresh_from_db()
    capture.refresh_from_db()
    assert (reading.status, reading.value, reading.original_value) == ("accepted", 262.5, 862.5)
    assert not capture.needs_review, capture.review_reasons


def test_a_display_shows_when_its_trend_reaches_the_limit_and_what_waits_for_review(
    make_user, station, settings
):
    from django.utils import timezone

    settings.MQTT_URL = ""
    oven = Equipment.objects.create(code="OVEN-3", name="Oven 3", line=station.line, station=station)
    display = Display.objects.create(equipment=oven, name="zone 3", unit="°C", max_value=300)
    AlertRule.objects.create(display=display, name="hot soon", kind="time_to_limit", high=260, hours=8)
    start = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=4)
    for hour, level in enumerate([240, 241, 242, 243]):  # 1 °C an hour: 260 °C 17 h after the last
        record_meter_reading(
            display=display,
            reading=DisplayReading(str(level), level, 1.0),
            at=start + dt.timedelta(hours=hour),
        )
    record_meter_reading(
        display=display, reading=DisplayReading("862", 862.0, 1.0), at=start + dt.timedelta(hours=3)
    )
    text = page_as(make_user, Role.SUPERVISOR).get(f"/equipment/{oven.pk}/").content.decode()
    reaches = timezone.localtime(start + dt.timedelta(hours=3 + 17))
    trend = "+1.00 °C/h over the last 24 h (4 readings): reaches 260 °C in 17.0 h"
    assert f"{trend}, about {reaches:%Y-%m-%d %H:%M}" in text
    assert "1 reading · <a" in text  # 862, above the display's range, waits for review
    assert "a trend fitted over 24 h reaches 260 °C within 8 h" in text


def test_a_display_s_state_is_served_alone_for_the_page_to_redraw_within_the_person_s_lines(
    make_user, ticket
):
    display = ticket.alert.display
    piece = page_as(make_user, Role.AUDITOR).get(f"/equipment/displays/{display.pk}/state")
    assert piece.status_code == 200
    text = piece.content.decode()
    assert text.lstrip().startswith('<dl class="details now">') and "210.0 °C · 2026-11-01 08:00" in text
    assert "<html" not in text
    client = lead_of_another_line(make_user)
    assert client.get(f"/equipment/displays/{display.pk}/state").status_code == 404


def test_a_display_is_photographed_from_its_page_into_its_series_at_its_machine_s_station(
    make_user, ticket, settings
):
    import cv2
    from django.core.files.uploadedfile import SimpleUploadedFile

    from inspection.demo import display_photo
    from inspection.models import MeterReading
    from ocr.models import Capture
    from ocr.services import perform_reading

    display = ticket.alert.display
    operator = page_as(make_user, Role.OPERATOR)
    machine_page = operator.get(f"/equipment/{display.equipment_id}/").content.decode()
    assert f'href="/capture/?display={display.pk}"' in machine_page
    assert (
        "Photograph this display"
        not in page_as(make_user, Role.AUDITOR).get(f"/equipment/{display.equipment_id}/").content.decode()
    )  # auditors read, they do not capture
    form = operator.get(f"/capture/?display={display.pk}").content.decode()
    assert "Photograph OVEN-1 · zone 1" in form and f'name="display" value="{display.pk}"' in form
    photo = SimpleUploadedFile("zone.jpg", cv2.imencode(".jpg", display_photo("187.5"))[1].tobytes())
    sent = operator.post("/capture/", {"display": display.pk, "station": "", "image": photo})
    assert sent.status_code == 302
    capture = Capture.objects.get()
    assert capture.metadata == {"display": display.pk} and capture.station == display.equipment.station
    perform_reading(job_id=capture.job.pk)
    reading = MeterReading.objects.get(capture=capture)
    assert (reading.value, reading.status) == (187.5, "accepted")
    shown = operator.get(f"/api/captures/{capture.pk}/").json()["meters"]
    assert [(m["display"]["name"], m["value"], m["status"]) for m in shown] == [("zone 1", 187.5, "accepted")]
    assert shown[0]["box"] and len(shown[0]["digits"]) == 4

    client = lead_of_another_line(make_user)
    assert client.get(f"/capture/?display={display.pk}").status_code == 404
    assert client.get("/capture/?display=x").status_code == 404


def test_several_displays_are_compared_on_one_time_axis(make_user, ticket):
    """One display: no comparison. Two in one unit: compared in it. Units apart: each as a
    percentage of its range."""
    page = page_as(make_user, Role.AUDITOR)
    url = f"/equipment/{ticket.equipment_id}/"
    assert 'id="compare"' not in page.get(url).content.decode()
    oven = ticket.equipment
    belt = Display.objects.create(equipment=oven, name="zone 2", unit="°C")
    text = page.get(url).content.decode()
    assert 'id="compare" data-unit="°C"' in text and "on one time axis, in °C" in text
    assert f'<li data-display="{belt.pk}">' in text
    belt.unit = "cm/min"
    belt.save()
    text = page.get(url).content.decode()
    assert 'id="compare">' in text and "each as a percentage of its range" in text


def test_supervisors_get_the_settings_forms_within_their_lines(make_user, ticket):
    """The forms write through the API (api_form.js); the page offers them to admins and
    supervisors, and a scoped lead only their own lines and stations to put a machine on."""
    url = f"/equipment/{ticket.equipment_id}/"
    operator = page_as(make_user, Role.OPERATOR)
    assert "Add a display" not in operator.get(url).content.decode()
    assert "Add a machine" not in operator.get("/equipment/").content.decode()
    supervisor = page_as(make_user, Role.SUPERVISOR)
    text = supervisor.get(url).content.decode()
    assert "Add a display" in text and "Settings and rules" in text
    assert f'data-api="/api/displays/{ticket.alert.display_id}/" data-method="PATCH"' in text
    assert 'data-api="/api/alert-rules/' in text and "Turn off" in text
    machine = ticket.equipment
    assert f'data-api="/api/equipment/{machine.pk}/" data-method="PATCH"' in text  # its settings
    assert f'<option value="{machine.line.code}" selected>' in text
    assert f'<option value="{machine.station.code}" selected>' in text
    assert f'data-api="/api/equipment/{machine.pk}/" data-method="DELETE"' in text
    assert f'data-api="/api/displays/{ticket.alert.display_id}/" data-method="DELETE"' in text
    listing = supervisor.get("/equipment/").content.decode()
    assert "Add a machine" in listing and f'<option value="{ticket.equipment.line.code}">' in listing
    far = lead_of_another_line(make_user).get("/equipment/").content.decode()
    assert "Add a machine" in far and f'<option value="{ticket.equipment.line.code}">' not in far
    assert '<option value="LFAR">' in far and '<option value="far-pack">' in far


def test_a_display_s_readings_download_as_csv(make_user, ticket):
    """Every reading, oldest first, with its verdict and photo; a value below zero stays a number
    (only text cells are guarded against spreadsheet formulas); within the person's lines."""
    import csv
    import io

    from inspection.services.meters import review_meter_reading

    display = ticket.alert.display
    display.signed = True
    display.save()
    record_meter_reading(
        display=display, reading=DisplayReading("-5.5", -5.5, 1.0), at=T0 + dt.timedelta(hours=1)
    )
    doubtful = record_meter_reading(
        display=display, reading=DisplayReading("=9", 9.0, 0.2), at=T0 + dt.timedelta(hours=2)
    )
    review_meter_reading(
        reading=doubtful, actor=make_user(Role.SUPERVISOR, username="lead"), value=19.0, accept=True
    )
    url = f"/equipment/displays/{display.pk}/readings.csv"
    answer = page_as(make_user, Role.AUDITOR).get(url)
    assert (
        answer.status_code == 200
        and answer["Content-Disposition"] == 'attachment; filename="oven-1-zone-1-readings.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert [(r["value"], r["status"]) for r in rows] == [
        ("210.0", "accepted"),
        ("-5.5", "accepted"),
        ("19.0", "accepted"),
    ]
    assert (
        rows[2]["text"] == "'=9" and rows[2]["original_value"] == "9.0" and rows[2]["reviewed_by"] == "lead"
    )
    assert rows[0]["unit"] == "°C" and rows[1]["capture"] == "" and rows[1]["photo"] == ""
    since = page_as(make_user, Role.AUDITOR).get(url, {"start": (T0 + dt.timedelta(minutes=90)).isoformat()})
    assert len(list(csv.DictReader(io.StringIO(b"".join(since.streaming_content).decode())))) == 1
    for wrong in ("yesterday", "2026-13-45T00:00:00"):
        assert page_as(make_user, Role.AUDITOR).get(url, {"start": wrong}).status_code == 400
    assert lead_of_another_line(make_user).get(url).status_code == 404


def test_the_dashboard_lets_supervisors_acknowledge_alerts_and_auditors_read_them(make_user, ticket):
    """The dashboard's alert table (dashboard.js) offers Acknowledge to the tickets API's writers."""
    for role, offered in ((Role.SUPERVISOR, True), (Role.ADMIN, True), (Role.AUDITOR, False)):
        text = page_as(make_user, role).get("/dashboard/").content.decode()
        assert 'id="alerts"' in text and ('data-acknowledge="1"' in text) == offered, role
