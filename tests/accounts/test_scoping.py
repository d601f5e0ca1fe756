"""People scoped to lines or sites see only those lines: captures (API, pages, review queue),
the dashboard's figures and live feed, equipment. Their own uploads stay theirs; unscoped
people see every line, as before."""

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient

from accounts.choices import Role
from frontend.routing import websocket_urlpatterns
from inspection.models import Equipment
from ocr.choices import CaptureSource
from ocr.services import create_capture, perform_reading
from tests.factories import StationFactory


@pytest.fixture
def plant(db, make_user, label_png):
    a, b = StationFactory(code="a-pack", line__code="LA"), StationFactory(code="b-pack", line__code="LB")
    operator = make_user(Role.OPERATOR)
    captures = {}
    for station in (a, b):
        captures[station.line.code], _ = create_capture(
            actor=operator, data=label_png, source=CaptureSource.BROWSER, station=station
        )
    Equipment.objects.create(code="OVEN-A", name="Oven A", line=a.line)
    Equipment.objects.create(code="OVEN-B", name="Oven B", line=b.line)
    lead = make_user(Role.SUPERVISOR, username="lead-a")
    lead.lines.add(a.line)
    return {"a": a, "b": b, "captures": captures, "lead": lead}


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_a_lead_scoped_to_a_line_sees_its_captures_dashboard_and_machines_only(plant, client, make_user):
    lead, b = plant["lead"], plant["b"]
    mine, theirs = plant["captures"]["LA"], plant["captures"]["LB"]
    listed = [c["id"] for c in api(lead).get("/api/captures/").json()["results"]]
    assert listed == [mine.pk]
    assert api(lead).get(f"/api/captures/{theirs.pk}/").status_code == 404
    assert api(lead).get("/api/dashboard/").json()["captures"] == 1  # the one line is the default
    assert api(lead).get("/api/dashboard/", {"line": b.line.pk}).status_code == 404
    assert [e["code"] for e in api(lead).get("/api/equipment/").json()["results"]] == ["OVEN-A"]
    client.force_login(lead)
    assert client.get(f"/captures/{theirs.pk}/").status_code in (403, 404)
    assert client.get(f"/captures/{mine.pk}/").status_code == 200
    dashboard = client.get("/dashboard/").content.decode()
    # the line options by their codes: a bare "LB" may turn up inside the page's random CSRF token
    assert 'data-code="LA"' in dashboard and 'data-code="LB"' not in dashboard
    assert ">All lines<" not in dashboard
    assert "OVEN-B" not in client.get("/equipment/").content.decode()

    everyone = make_user(Role.SUPERVISOR)  # no lines, no sites: every line, as before
    assert len(api(everyone).get("/api/captures/").json()["results"]) == 2
    assert api(everyone).get("/api/dashboard/").json()["captures"] == 2


@pytest.mark.django_db
def test_a_site_scope_covers_its_lines_and_several_lines_need_one_named(plant, make_user):
    a, b = plant["a"], plant["b"]
    b.line.site = a.line.site
    b.line.save()
    site_lead = make_user(Role.AUDITOR)
    site_lead.sites.add(a.line.site)
    assert len(api(site_lead).get("/api/captures/").json()["results"]) == 2
    assert api(site_lead).get("/api/dashboard/").status_code == 400
    assert api(site_lead).get("/api/dashboard/", {"line": b.line.pk}).json()["captures"] == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_live_dashboard_feed_carries_only_the_leads_lines(plant):
    comm = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/dashboard/")
    comm.scope["user"] = plant["lead"]
    connected, _ = await comm.connect()
    assert connected
    for capture in plant["captures"].values():
        await sync_to_async(perform_reading)(job_id=capture.job.pk)
    rows = []
    while sum(r["status"] == "done" for r in rows) < 1:
        rows += (await comm.receive_json_from(timeout=10))["captures"]
    assert {r["line"] for r in rows} == {"LA"}
    assert await comm.receive_nothing(timeout=1)
    await comm.disconnect()


@pytest.mark.django_db
def test_a_lead_scoped_to_a_line_writes_into_that_line_only(plant):
    """Machines, displays and rules: naming another line's, or putting one on it, is refused as
    naming one that does not exist; within the lead's line it is done."""
    from inspection.models import Display

    lead = api(plant["lead"])
    oven_a, oven_b = Equipment.objects.get(code="OVEN-A"), Equipment.objects.get(code="OVEN-B")
    theirs = Display.objects.create(equipment=oven_b, name="zone 1")
    refused = {
        "a machine on line LB": lead.post("/api/equipment/", {"code": "X", "name": "x", "line": "LB"}),
        "a machine at LB's station": lead.post(
            "/api/equipment/", {"code": "X", "name": "x", "line": "LA", "station": "b-pack"}
        ),
        "OVEN-A moved to LB": lead.patch(f"/api/equipment/{oven_a.pk}/", {"line": "LB"}),
        "a display on OVEN-B": lead.post("/api/displays/", {"equipment": "OVEN-B", "name": "z"}),
        "a rule on OVEN-B's display": lead.post(
            "/api/alert-rules/", {"display": theirs.pk, "name": "t", "kind": "threshold", "high": 1}
        ),
        "a part at LB's station": lead.post("/api/part-triggers/", {"station": "b-pack", "part_id": "SN-1"}),
    }
    for what, answer in refused.items():
        assert answer.status_code == 400, what
        assert "does not exist" in str(answer.json()), what
    mine = lead.post("/api/displays/", {"equipment": "OVEN-A", "name": "zone 1"})
    assert mine.status_code == 201
    moved = lead.patch(f"/api/displays/{mine.json()['id']}/", {"equipment": "OVEN-B"})
    assert moved.status_code == 400
    rule = {"display": mine.json()["id"], "name": "t", "kind": "threshold", "high": 1}
    assert lead.post("/api/alert-rules/", rule).status_code == 201
    assert (
        lead.post(
            "/api/equipment/", {"code": "X", "name": "x", "line": "LA", "station": "a-pack"}
        ).status_code
        == 201
    )
    assert Display.objects.filter(equipment=oven_b).count() == 1


@pytest.mark.django_db
def test_a_machine_s_station_is_on_its_line(plant, make_user):
    admin = api(make_user(Role.ADMIN))
    answer = admin.post("/api/equipment/", {"code": "X", "name": "x", "line": "LA", "station": "b-pack"})
    assert answer.status_code == 400
    assert answer.json()["station"] == ["station b-pack is not on line LA"]


def test_an_admin_s_lines_limit_the_api_and_not_the_admin_site(plant, client, make_user):
    """The Django admin site is plant-wide, as docs/roles.md says: an admin there manages every
    user, their own lines included, so a scope there would guard nothing."""
    admin = make_user(Role.ADMIN, username="line-admin")
    admin.lines.add(plant["a"].line)
    codes = [row["code"] for row in api(admin).get("/api/equipment/").json()["results"]]
    assert codes == ["OVEN-A"]
    client.force_login(admin)
    listed = client.get("/admin/inspection/equipment/")
    assert listed.status_code == 200
    assert b"OVEN-A" in listed.content and b"OVEN-B" in listed.content
