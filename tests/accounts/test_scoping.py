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
