"""The print quality trend: per station and day, from the readings' Data Matrix indicators."""

import pytest
from rest_framework.test import APIClient

from accounts.choices import Role
from ocr.choices import CaptureSource
from ocr.labels import label_bytes
from ocr.services import create_capture, perform_reading

pytestmark = pytest.mark.django_db


def test_trend_per_station_with_the_plain_note_and_roles(make_user, station):
    operator = make_user(Role.OPERATOR)
    for serial in ("S1", "S2"):
        data = label_bytes([f"S/N {serial}"], code=f"(01)09501101020917(21){serial}", gs1=True)
        capture, _ = create_capture(actor=operator, data=data, source=CaptureSource.BROWSER, station=station)
        perform_reading(job_id=capture.job.pk)
    client = APIClient()
    client.force_authenticate(operator)
    assert client.get("/api/print-quality/").status_code == 403
    client.force_authenticate(make_user(Role.AUDITOR))
    trend = client.get("/api/print-quality/?days=7").json()
    assert "not an ISO/IEC 15415 grade" in trend["note"]
    (series,) = trend["series"]
    assert series["station"] == station.code and series["line"] == station.line.code
    (point,) = series["points"]
    assert point["codes"] == 2 and point["unused_ec"] == 1.0 and point["contrast"] > 0.8
    assert point["pattern_damage"] == 0.0 and point["module_px"] > 2
