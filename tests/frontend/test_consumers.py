import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from accounts.choices import Role
from frontend.routing import websocket_urlpatterns
from ocr.choices import CaptureSource
from ocr.services import create_capture, perform_reading

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

app = URLRouter(websocket_urlpatterns)


def communicator(capture_id, user):
    comm = WebsocketCommunicator(app, f"/ws/captures/{capture_id}/")
    comm.scope["user"] = user
    return comm


async def test_result_is_pushed_to_the_capture_group(make_user, label_png, unit):
    operator = await sync_to_async(make_user)(Role.OPERATOR)
    capture, _ = await sync_to_async(create_capture)(
        actor=operator, data=label_png, source=CaptureSource.BROWSER
    )
    comm = communicator(capture.pk, operator)
    connected, _ = await comm.connect()
    assert connected
    snapshot = await comm.receive_json_from(timeout=5)
    assert snapshot["type"] == "capture.updated" and snapshot["capture"]["job"]["status"] == "pending"
    await sync_to_async(perform_reading)(job_id=capture.job.pk)
    pushed = await comm.receive_json_from(timeout=10)
    assert pushed["capture"]["job"]["status"] == "done"
    assert pushed["capture"]["unit"]["serial"] == unit.serial
    assert any(unit.serial in line["text"] for line in pushed["capture"]["reading"]["lines"])
    await comm.disconnect()


async def test_anonymous_and_other_users_are_refused(make_user, label_png):
    owner = await sync_to_async(make_user)(Role.OPERATOR)
    stranger = await sync_to_async(make_user)(Role.OPERATOR)
    capture, _ = await sync_to_async(create_capture)(
        actor=owner, data=label_png, source=CaptureSource.BROWSER
    )
    for user, code in ((AnonymousUser(), 4401), (stranger, 4403)):
        comm = communicator(capture.pk, user)
        connected, close_code = await comm.connect()
        assert not connected and close_code == code


async def test_unknown_capture_is_refused(make_user):
    admin = await sync_to_async(make_user)(Role.ADMIN)
    connected, code = await communicator(999999, admin).connect()
    assert not connected and code == 4403


async def test_dashboard_receives_every_capture_and_refuses_other_roles(make_user, label_png, unit):
    supervisor = await sync_to_async(make_user)(Role.SUPERVISOR)
    comm = WebsocketCommunicator(app, "/ws/dashboard/")
    comm.scope["user"] = supervisor
    connected, _ = await comm.connect()
    assert connected
    operator = await sync_to_async(make_user)(Role.OPERATOR)
    capture, _ = await sync_to_async(create_capture)(
        actor=operator, data=label_png, source=CaptureSource.BROWSER
    )
    await sync_to_async(perform_reading)(job_id=capture.job.pk)
    rows = []
    while not rows or rows[-1]["status"] != "done":
        frame = await comm.receive_json_from(timeout=10)
        assert frame["type"] == "dashboard.captures"
        rows += frame["captures"]
    row = rows[-1]
    assert {r["id"] for r in rows} == {capture.pk} and row["status"] == "done" and row["unit"] == unit.serial
    await comm.disconnect()
    await _refused("/ws/dashboard/", operator)


async def test_station_page_gets_each_verification_and_devices_are_refused(
    make_user, label_png, unit, station
):
    operator = await sync_to_async(make_user)(Role.OPERATOR)
    comm = WebsocketCommunicator(app, f"/ws/stations/{station.pk}/")
    comm.scope["user"] = operator
    connected, _ = await comm.connect()
    assert connected
    capture, _ = await sync_to_async(create_capture)(
        actor=operator,
        data=label_png,
        source=CaptureSource.BROWSER,
        station=station,
        metadata={"verify": True, "lot": unit.lot.code},
    )
    await sync_to_async(perform_reading)(job_id=capture.job.pk)
    message = await comm.receive_json_from(timeout=10)
    assert message["type"] == "verification.done"
    assert (
        message["verification"]["capture"] == capture.pk and message["verification"]["lot"] == unit.lot.code
    )
    await comm.disconnect()
    device = await sync_to_async(make_user)(Role.DEVICE)
    for user, path, code in (
        (device, f"/ws/stations/{station.pk}/", 4403),
        (operator, "/ws/stations/999999/", 4403),
        (AnonymousUser(), f"/ws/stations/{station.pk}/", 4401),
    ):
        other = WebsocketCommunicator(app, path)
        other.scope["user"] = user
        connected, close_code = await other.connect()
        assert not connected and close_code == code


async def test_a_machine_page_gets_each_reading_of_its_displays(make_user, station, settings):
    from inspection.models import Display, Equipment
    from inspection.services.meters import record_meter_reading
    from inspection.vision.sevenseg import DisplayReading

    settings.MQTT_URL = ""
    operator = await sync_to_async(make_user)(Role.OPERATOR)
    oven = await sync_to_async(Equipment.objects.create)(
        code="OVEN-9", name="Oven 9", line=station.line, station=station
    )
    display = await sync_to_async(Display.objects.create)(
        equipment=oven, name="zone 1", unit="°C", max_value=300
    )
    comm = WebsocketCommunicator(app, f"/ws/stations/{station.pk}/")
    comm.scope["user"] = operator
    assert (await comm.connect())[0]
    read = sync_to_async(record_meter_reading)
    kept = await read(display=display, reading=DisplayReading("212.5", 212.5, 0.99))
    message = await comm.receive_json_from(timeout=5)
    assert (message["type"], message["reading"], message["display"]) == ("meter.read", kept.pk, display.pk)
    assert (message["value"], message["status"], message["reasons"]) == (212.5, "accepted", [])
    await read(display=display, reading=DisplayReading("862.5", 862.5, 0.99))
    message = await comm.receive_json_from(timeout=5)
    assert message["status"] == "review" and message["reasons"] == [
        "862.5 is above the display's range (300)"
    ]
    await comm.disconnect()


async def test_a_person_scoped_to_a_line_watches_only_its_stations(make_user, station):
    from tests.factories import StationFactory

    elsewhere = await sync_to_async(StationFactory)(code="far-pack", line__code="LFAR")
    lead = await sync_to_async(make_user)(Role.SUPERVISOR, username="lead-near")
    await sync_to_async(lead.lines.add)(station.line)
    for station_id, connects in ((station.pk, True), (elsewhere.pk, False)):
        comm = WebsocketCommunicator(app, f"/ws/stations/{station_id}/")
        comm.scope["user"] = lead
        connected, code = await comm.connect()
        assert connected == connects and (connected or code == 4403)
        if connected:
            await comm.disconnect()


async def test_dashboards_get_each_alert_and_reading_on_their_lines_wherever_the_machine_stands(
    make_user, station, settings
):
    """An alert, and the meter reading that raised it, reach the dashboards that see its line at
    once, even for a machine at no station (no station page would hear them); a dashboard scoped
    to another line gets neither."""
    from inspection.models import AlertRule, Display, Equipment
    from inspection.services.meters import record_meter_reading
    from inspection.vision.sevenseg import DisplayReading

    settings.MQTT_URL = ""
    press = await sync_to_async(Equipment.objects.create)(code="PRESS-9", name="Press 9", line=station.line)
    display = await sync_to_async(Display.objects.create)(equipment=press, name="oil", unit="°C")
    await sync_to_async(AlertRule.objects.create)(display=display, name="hot", kind="threshold", high=80)
    lead = await _on_far_line(make_user, Role.SUPERVISOR, "lead-far")
    sockets = await _connected(
        ("/ws/dashboard/", await sync_to_async(make_user)(Role.SUPERVISOR)), ("/ws/dashboard/", lead)
    )
    plant, elsewhere = sockets
    await sync_to_async(record_meter_reading)(display=display, reading=DisplayReading("95", 95.0, 0.99))
    heard = {}
    for _ in range(2):
        message = await plant.receive_json_from(timeout=5)
        heard[message["type"]] = message
    meter = heard["dashboard.meter"]["meter"]
    assert (meter["display"], meter["equipment_id"], meter["line"]) == (
        display.pk,
        press.pk,
        station.line.code,
    )
    assert (meter["value"], meter["status"]) == (95.0, "accepted")
    alert = heard["dashboard.alert"]["alert"]
    assert (alert["equipment"], alert["equipment_id"], alert["line"]) == (
        "PRESS-9",
        press.pk,
        station.line.code,
    )
    assert alert["display"] == "oil" and alert["message"].startswith("95 °C is above 80")
    assert await elsewhere.receive_nothing(timeout=0.5)
    for comm in sockets:
        await comm.disconnect()


async def test_the_equipment_lists_socket_takes_operators_and_carries_no_captures(
    make_user, station, label_png, settings
):
    """``ws/equipment/`` feeds the equipment list of every role that may open it, operators on
    a meter round included: a meter reading on their line reaches them, and nobody's capture does
    (an operator sees only their own), while a dashboard beside it gets both. A camera device
    and nobody signed in are refused; an operator on another line hears nothing."""
    from inspection.models import Display, Equipment
    from inspection.services.meters import record_meter_reading
    from inspection.vision.sevenseg import DisplayReading

    settings.MQTT_URL = ""
    press = await sync_to_async(Equipment.objects.create)(code="PRESS-4", name="Press 4", line=station.line)
    display = await sync_to_async(Display.objects.create)(equipment=press, name="oil", unit="°C")
    sockets = await _connected(
        ("/ws/equipment/", await sync_to_async(make_user)(Role.OPERATOR)),
        ("/ws/equipment/", await _on_far_line(make_user, Role.OPERATOR, "op-far")),
        ("/ws/dashboard/", await sync_to_async(make_user)(Role.SUPERVISOR)),
    )
    operator, far_operator, dashboard = sockets
    someone = await sync_to_async(make_user)(Role.OPERATOR, username="op-other")
    capture, _ = await sync_to_async(create_capture)(
        actor=someone, data=label_png, source=CaptureSource.BROWSER
    )
    await sync_to_async(perform_reading)(job_id=capture.job.pk)
    rows = []
    while not rows or rows[-1]["status"] != "done":
        rows += (await dashboard.receive_json_from(timeout=10))["captures"]
    assert {r["id"] for r in rows} == {capture.pk}
    await sync_to_async(record_meter_reading)(display=display, reading=DisplayReading("72", 72.0, 0.99))
    heard = await operator.receive_json_from(timeout=5)
    assert heard["type"] == "dashboard.meter"
    assert (heard["meter"]["display"], heard["meter"]["value"]) == (display.pk, 72.0)
    assert await operator.receive_nothing(timeout=0.5)  # the capture never came
    assert await far_operator.receive_nothing(timeout=0.5)
    for comm in sockets:
        await comm.disconnect()
    await _refused("/ws/equipment/", await sync_to_async(make_user)(Role.DEVICE))


async def test_a_machine_or_display_added_or_removed_reaches_the_equipment_lists_on_its_line(
    make_user, station, settings
):
    """A machine set up or removed, or a display added to it, through the API (as the pages
    write) reaches the equipment lists that see its line, once committed, so a list open on a
    wall shows a new machine without a reload; a list on another line hears nothing of it. A
    machine moved between lines reaches the lists of both: one adds it, the other drops it."""
    from rest_framework.test import APIClient

    supervisor = await sync_to_async(make_user)(Role.SUPERVISOR)
    client = APIClient()
    client.force_authenticate(supervisor)
    far = await _on_far_line(make_user, Role.OPERATOR, "op-far")
    here = await sync_to_async(make_user)(Role.OPERATOR, username="op-near")
    await sync_to_async(here.lines.add)(station.line)
    sockets = await _connected(("/ws/equipment/", here), ("/ws/equipment/", far))
    near, far_list = sockets

    async def heard() -> dict:
        message = await near.receive_json_from(timeout=5)
        assert message["type"] == "dashboard.equipment" and message["equipment"]["line"] == station.line.code
        return message["equipment"]

    machine = {"code": "PRESS-5", "name": "Press 5", "line": station.line.code}
    made = await sync_to_async(client.post)("/api/equipment/", machine, format="json")
    assert made.status_code == 201
    assert (await heard()) == {
        "code": "PRESS-5",
        "equipment_id": made.json()["id"],
        "line": station.line.code,
    }
    far_code = await sync_to_async(lambda: far.lines.get().code)()
    for line in (far_code, station.line.code):  # there and back
        moved = await sync_to_async(client.patch)(f"/api/equipment/{made.json()['id']}/", {"line": line})
        assert moved.status_code == 200
        assert (await heard())["code"] == "PRESS-5"
        assert (await far_list.receive_json_from(timeout=5))["equipment"]["line"] == far_code
    machine_path = f"/api/equipment/{made.json()['id']}/"
    renamed = await sync_to_async(client.patch)(machine_path, {"name": "Press five"})
    assert renamed.status_code == 200
    assert (await heard())["code"] == "PRESS-5"
    assert await near.receive_nothing(timeout=0.5)  # changed on its line: told once
    display = await sync_to_async(client.post)(
        "/api/displays/", {"equipment": "PRESS-5", "name": "oil"}, format="json"
    )
    assert display.status_code == 201
    assert (await heard())["code"] == "PRESS-5"
    # a stale rule (the list shows a display unread for as long as it allows), added and changed
    rule = {"display": display.json()["id"], "name": "quiet", "kind": "stale", "minutes": 30}
    made_rule = await sync_to_async(client.post)("/api/alert-rules/", rule, format="json")
    assert made_rule.status_code == 201
    assert (await heard())["code"] == "PRESS-5"
    rule_path = f"/api/alert-rules/{made_rule.json()['id']}/"
    assert (await sync_to_async(client.patch)(rule_path, {"minutes": 10})).status_code == 200
    assert (await heard())["code"] == "PRESS-5"
    for path in (f"/api/displays/{display.json()['id']}/", f"/api/equipment/{made.json()['id']}/"):
        assert (await sync_to_async(client.delete)(path)).status_code == 204
        assert (await heard())["equipment_id"] == made.json()["id"]
    assert await far_list.receive_nothing(timeout=0.5)
    # a machine whose display has readings is kept (409): nothing was removed, nobody is told
    from inspection.models import Display, Equipment, MeterReading

    kept = await sync_to_async(Equipment.objects.create)(code="PRESS-6", name="Press 6", line=station.line)
    oil = await sync_to_async(Display.objects.create)(equipment=kept, name="oil")
    await sync_to_async(MeterReading.objects.create)(display=oil, value=1.0, status="accepted")
    assert (await sync_to_async(client.delete)(f"/api/equipment/{kept.pk}/")).status_code == 409
    assert await near.receive_nothing(timeout=0.5)
    for comm in sockets:
        await comm.disconnect()


async def _on_far_line(make_user, role, username):
    """A person of ``role`` limited to another line (LFAR, with its station far-pack)."""
    from tests.factories import StationFactory

    far = await sync_to_async(StationFactory)(code="far-pack", line__code="LFAR")
    person = await sync_to_async(make_user)(role, username=username)
    await sync_to_async(person.lines.add)(far.line)
    return person


async def _connected(*sockets):
    """Each (path, user) as a socket, connected."""
    connected = []
    for path, user in sockets:
        comm = WebsocketCommunicator(app, path)
        comm.scope["user"] = user
        assert (await comm.connect())[0]
        connected.append(comm)
    return connected


async def _refused(path, user):
    """Nobody signed in (4401) and ``user`` (4403) are refused the socket at ``path``."""
    for who, code in ((AnonymousUser(), 4401), (user, 4403)):
        comm = WebsocketCommunicator(app, path)
        comm.scope["user"] = who
        connected, close_code = await comm.connect()
        assert not connected and close_code == code


async def test_a_machine_saved_or_removed_in_the_admin_reaches_the_equipment_lists(make_user, station):
    """The Django admin's machine form, with its displays inline, and its delete view tell the
    equipment lists on the machine's line too; so does its "delete selected" action."""
    from django.test import Client

    from inspection.models import Equipment

    admin = await sync_to_async(make_user)(Role.ADMIN, is_superuser=True)
    client = Client()
    await sync_to_async(client.force_login)(admin)
    (near,) = await _connected(("/ws/equipment/", await sync_to_async(make_user)(Role.OPERATOR)))
    form = {"code": "PRESS-7", "name": "Press 7", "line": station.line.pk, "station": "", "description": ""}
    inline = {"displays-TOTAL_FORMS": "1", "displays-INITIAL_FORMS": "0", "displays-0-name": "oil"}
    inline |= {"displays-0-kind": "7seg_lcd", "displays-0-frames": "1", "displays-0-camera_turn": "0"}
    inline |= {"displays-0-min_confidence": "0.51", "displays-0-point_shown": "on"}
    added = await sync_to_async(client.post)("/admin/inspection/equipment/add/", form | inline)
    assert added.status_code == 302
    machine = await sync_to_async(Equipment.objects.get)(code="PRESS-7")
    assert await sync_to_async(machine.displays.count)() == 1
    heard = await near.receive_json_from(timeout=5)
    assert heard["type"] == "dashboard.equipment" and heard["equipment"]["equipment_id"] == machine.pk
    # moved to another line: the lists of both lines hear of it
    far = await _on_far_line(make_user, Role.OPERATOR, "op-far")
    (far_list,) = await _connected(("/ws/equipment/", far))
    oil = await sync_to_async(machine.displays.get)()
    inline |= {"displays-INITIAL_FORMS": "1", "displays-0-id": oil.pk, "displays-0-equipment": machine.pk}
    far_line = await sync_to_async(lambda: far.lines.get().pk)()
    moved = await sync_to_async(client.post)(
        f"/admin/inspection/equipment/{machine.pk}/change/", form | inline | {"line": far_line}
    )
    assert moved.status_code == 302
    assert (await far_list.receive_json_from(timeout=5))["equipment"]["code"] == "PRESS-7"
    lines = {(await near.receive_json_from(timeout=5))["equipment"]["line"] for _ in range(2)}
    assert lines == {station.line.code, "LFAR"}
    await far_list.disconnect()
    removed = await sync_to_async(client.post)(
        f"/admin/inspection/equipment/{machine.pk}/delete/", {"post": "yes"}
    )
    assert removed.status_code == 302
    assert (await near.receive_json_from(timeout=5))["equipment"]["equipment_id"] == machine.pk
    other = await sync_to_async(Equipment.objects.create)(code="PRESS-8", name="Press 8", line=station.line)
    action = {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"}
    assert (await sync_to_async(client.post)("/admin/inspection/equipment/", action)).status_code == 302
    assert (await near.receive_json_from(timeout=5))["equipment"]["code"] == "PRESS-8"
    assert not await sync_to_async(Equipment.objects.filter(code__in=["PRESS-7", "PRESS-8"]).exists)()
    await near.disconnect()
