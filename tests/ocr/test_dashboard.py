"""The dashboard's figures: captures, reads per minute, no-read and review rates, the latest
captures and WIP, for roles that see every capture."""

import pytest
from rest_framework.test import APIClient

from accounts.choices import Role
from ocr.choices import CaptureSource
from ocr.labels import label_bytes
from ocr.services import create_capture, perform_reading

pytestmark = pytest.mark.django_db


def test_dashboard_figures(device, station, unit, label_png, make_user):
    good, _ = create_capture(actor=device, data=label_png, source=CaptureSource.API, station=station)
    perform_reading(job_id=good.job.pk)
    blank, _ = create_capture(
        actor=device, data=label_bytes(["nothing to see"]), source=CaptureSource.API, station=station
    )
    perform_reading(job_id=blank.job.pk)
    client = APIClient()
    client.force_authenticate(make_user(Role.AUDITOR))
    stats = client.get("/api/dashboard/").json()
    assert stats["captures"] == 2 and stats["no_read_pct"] == 50.0
    assert [row["id"] for row in stats["recent"]] == [blank.pk, good.pk]
    assert stats["recent"][1]["unit"] == unit.serial and stats["recent"][1]["station"] == station.code
    assert sum(stats["per_minute"].values()) == 2
    assert any(w["station"] == station.code for w in stats["wip"])
    operator = APIClient()
    operator.force_authenticate(make_user(Role.OPERATOR))
    assert operator.get("/api/dashboard/").status_code == 403
