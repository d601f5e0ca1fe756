"""Genealogy and audit pages: a seeded unit found by serial with its as-built tree, a lot's
where-used list and recall button for supervisors, the audit trail filtered, exported and
showing the chain verdict; text from records rendered inertly."""

import pytest
from django.core.management import call_command

from accounts.choices import Role
from tests.factories import PASSWORD, ProductFactory, StationFactory
from traceability import services
from traceability.models import Recall

pytestmark = pytest.mark.django_db


@pytest.fixture
def plant(make_user):
    actor = make_user(Role.SUPERVISOR, username="sue")
    station = StationFactory(code="final")
    parent = services.commission_unit(
        product=ProductFactory(part_number="PUMP"), serial="P-100", actor=actor, station=station
    )
    board = services.commission_unit(
        product=ProductFactory(part_number="BOARD"), serial="<script>B-7</script>", actor=actor
    )
    lot = services.receive_lot(
        product=ProductFactory(part_number="SCREW"), code="L-55", quantity=100, actor=actor
    )
    services.record_assembly(parent=parent, components=[board], lots=[(lot, 4)], actor=actor, station=station)
    return parent, board, lot


def test_find_a_unit_by_serial_and_see_its_tree(client, make_user, plant):
    parent, board, lot = plant
    client.force_login(make_user(Role.AUDITOR))
    found = client.get("/genealogy/", {"q": "P-100"})
    assert found.status_code == 302 and found.url == f"/genealogy/units/{parent.pk}/"
    page = client.get(found.url).content.decode()
    assert "L-55" in page and f"/genealogy/lots/{lot.pk}/" in page
    assert "× 4<" in page and "× 4.000" not in page  # the lot's quantity in the pump
    assert "&lt;script&gt;B-7&lt;/script&gt;" in page and "<script>B-7" not in page
    assert "Assembled" in page


def test_a_lot_shows_where_it_went_and_a_supervisor_recalls_it(client, make_user, plant):
    parent, board, lot = plant
    client.force_login(make_user(Role.AUDITOR))
    page = client.get(f"/genealogy/lots/{lot.pk}/").content.decode()
    assert "P-100" in page and "recall-form" not in page
    assert "quantity 100 " in page or "quantity 100<" in page  # not 100.000
    assert client.post(f"/genealogy/lots/{lot.pk}/recall/", {"reason": "x"}).status_code == 403
    client.force_login(make_user(Role.SUPERVISOR))
    assert "recall-form" in client.get(f"/genealogy/lots/{lot.pk}/").content.decode()
    done = client.post(
        f"/genealogy/lots/{lot.pk}/recall/",
        {"number": "R-1", "reason": "cracked screws", "sign-password": PASSWORD},
    )
    assert done.status_code == 302
    recall = Recall.objects.get(number="R-1")
    assert recall.items.filter(unit=parent).exists()
    assert "Recall R-1" in client.get(f"/genealogy/lots/{lot.pk}/").content.decode()


def test_audit_trail_filters_exports_and_shows_the_chain_verdict(client, make_user, plant):
    client.force_login(make_user(Role.AUDITOR))
    assert "not verified yet" in client.get("/audit/").content.decode()
    call_command("verify_audit_chain")
    page = client.get("/audit/", {"unit": "P-100"}).content.decode()
    assert "Hash chain intact" in page and "P-100" in page and "L-55" not in page.split("<tbody>")[1]
    by_type = client.get("/audit/", {"type": "receive"}).content.decode()
    assert "lot L-55" in by_type and "P-100" not in by_type.split("<tbody>")[1]
    exported = b"".join(client.get("/audit/", {"user": "sue", "export": "csv"}).streaming_content).decode()
    assert exported.splitlines()[0].startswith("id,event_time,code") and "P-100" in exported
    impossible = client.get("/audit/", {"since": "2026-13-45T00:00", "unit": "P-100"})  # not a 500:
    assert impossible.status_code == 200 and "P-100" in impossible.content.decode()  # no bound
    later = client.get("/audit/", {"since": "2999-01-01T00:00", "unit": "P-100"}).content.decode()
    assert "P-100" not in later.split("<tbody>")[1]  # a time naming no zone is the site's
    client.force_login(make_user(Role.OPERATOR))
    assert client.get("/audit/").status_code == 403


def test_the_scheduled_chain_check_shows_on_the_dashboard(client, make_user, plant, settings):
    from traceability.models import TraceEvent
    from traceability.tasks import verify_audit_chain

    assert settings.CELERY_BEAT_SCHEDULE["audit-chain"]["task"] == "traceability.tasks.verify_audit_chain"
    client.force_login(make_user(Role.SUPERVISOR))
    assert "Audit chain not verified yet" in client.get("/dashboard/").content.decode()
    assert verify_audit_chain() is True
    assert "Audit chain intact" in client.get("/dashboard/").content.decode()
    event = TraceEvent.objects.order_by("pk")[1]
    TraceEvent.objects.filter(pk=event.pk).update(biz_step="tampered")  # changed behind the services' back
    assert verify_audit_chain() is False
    assert f"Audit chain BROKEN at event {event.pk}" in client.get("/dashboard/").content.decode()
