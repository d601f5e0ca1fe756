"""Hostile text read from a label (script tags, template syntax, SQL, spreadsheet formulas) is
shown inertly on every server-rendered page and exported safely."""

import numpy as np
import pytest
from django.test import Client

from accounts.choices import Role
from ocr.models import Reading
from tests.factories import ProductFactory
from tests.services import read_capture
from traceability import services

pytestmark = pytest.mark.django_db
SCRIPT = "<script>alert(1)</script>"
TEMPLATE = "{{ 7|add:7 }}{% now 'Y' %}"
SQL = "L1'; DROP TABLE ocr_capture;--"
FORMULA = '=HYPERLINK("http://evil.example","open")'
PAYLOADS = [SCRIPT, TEMPLATE, SQL, FORMULA]


def page_as(make_user, role):
    client = Client()
    client.force_login(make_user(role))
    return client


def inert(html: str) -> None:
    assert SCRIPT not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{ 7|add:7 }}" in html and "{% now" in html  # shown as typed, never evaluated
    assert "DROP TABLE ocr_capture;--" in html.replace("&#x27;", "'")


@pytest.fixture
def hostile_capture(make_user, station):
    capture = read_capture(
        actor=make_user(), station=station, image=np.full((200, 300, 3), 255, np.uint8), ext=".png"
    )
    Reading.objects.filter(capture=capture).update(
        lines=[{"text": text, "confidence": 0.9, "box": [], "chars": []} for text in PAYLOADS],
        fields=[
            {"name": "lot", "value": SQL, "source": "text", "confidence": 0.5, "raw": SCRIPT, "box": []},
            {
                "name": "serial",
                "value": TEMPLATE,
                "source": "text",
                "confidence": 0.5,
                "raw": FORMULA,
                "box": [],
            },
        ],
        checks=[],
    )
    capture.needs_review, capture.review_reasons = True, [f"low confidence: {SCRIPT}"]
    capture.save(update_fields=["needs_review", "review_reasons"])
    return capture


def test_read_text_is_inert_in_the_review_pages(make_user, hostile_capture):
    supervisor = page_as(make_user, Role.SUPERVISOR)
    queue = supervisor.get("/review/").content.decode()
    assert SCRIPT not in queue
    page = supervisor.get(f"/review/{hostile_capture.pk}/").content.decode()
    inert(page)
    assert FORMULA.replace('"', "&quot;") in page
    answer = supervisor.post(
        f"/review/{hostile_capture.pk}/", {"field-lot": SQL, "field-serial": SCRIPT}, follow=True
    )
    assert answer.status_code == 200 and SCRIPT not in answer.content.decode()
    assert Reading.objects.filter(capture=hostile_capture).exists()  # nothing was dropped


def test_hostile_serials_are_inert_in_the_audit_trail_and_its_export(make_user):
    actor = make_user(Role.SUPERVISOR, username="mallory")
    product = ProductFactory()
    for serial in (SCRIPT, FORMULA, "+1+cmd|' /C calc'!A0"):
        services.commission_unit(product=product, serial=serial, actor=actor)
    auditor = page_as(make_user, Role.AUDITOR)
    html = auditor.get("/audit/").content.decode()
    assert SCRIPT not in html and "&lt;script&gt;" in html
    exported = b"".join(auditor.get("/audit/", {"export": "csv"}).streaming_content).decode()
    cells = [cell for line in exported.splitlines() for cell in line.split(",")]
    assert not any(cell.lstrip('"').startswith(("=", "+", "@")) for cell in cells)
    assert "'=HYPERLINK" in exported and "'+1+cmd" in exported
    found = auditor.get("/genealogy/", {"q": SCRIPT}, follow=True).content.decode()
    assert SCRIPT not in found
