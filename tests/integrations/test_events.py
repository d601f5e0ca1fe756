"""Each hand-off event writes its delivery with the change it reports: a label read (and sent to
review), a failed label verification, a recall opened, a unit shipped."""

import pytest

from accounts.choices import Role
from inspection.models import ComplianceRule
from inspection.services import verify_capture
from integrations.choices import WebhookEvent
from integrations.models import Delivery, Webhook
from ocr.labels import label_bytes
from tests.factories import SIGNED
from tests.services import read_capture
from traceability import services

pytestmark = pytest.mark.django_db
GTIN = "09501101020917"


@pytest.fixture
def hook():
    return Webhook.objects.create(name="erp", url="http://127.0.0.1:9/", events=list(WebhookEvent.values))


def sent(event):
    return [d.payload for d in Delivery.objects.filter(event=event).order_by("pk")]


def test_a_read_label_and_a_failed_verification_are_sent(hook, make_user, unit, station):
    import cv2
    import numpy as np

    unit.product.gtin = GTIN
    unit.product.save()
    ComplianceRule.objects.create(product=unit.product, name="CE", pattern=r"\bCE\s*\d{4}\b")
    png = label_bytes(
        ["LOT L2026-9999", f"S/N {unit.serial}"], code=f"(01){GTIN}(10)L2026-9999(21){unit.serial}", gs1=True
    )
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    operator = make_user(Role.OPERATOR)
    capture = read_capture(actor=operator, station=station, image=image, ext=".png")
    [completed] = sent(WebhookEvent.READING_COMPLETED)
    assert completed["capture"] == capture.pk and completed["fields"]["lot"] == "L2026-9999"
    assert completed["station"] == station.code
    record = verify_capture(capture=capture, actor=operator, unit=unit)
    [failed] = sent(WebhookEvent.VERIFICATION_FAILED)
    assert not record.ok and failed["verification"] == record.pk and failed["unit"] == unit.serial
    assert failed["reasons"] == list(record.reasons)


def test_a_capture_sent_to_review_is_announced(hook, make_user, station):
    import numpy as np

    blank = np.full((200, 300, 3), 255, np.uint8)
    capture = read_capture(actor=make_user(), station=station, image=blank, ext=".png")
    [review] = sent(WebhookEvent.REVIEW_NEEDED)
    assert review["capture"] == capture.pk and review["reasons"] == capture.review_reasons


def test_a_recall_and_a_shipment_are_sent(hook, make_user, unit):
    admin = make_user(Role.ADMIN)
    services.ship_unit(unit=unit, customer="ACME", actor=admin)
    [shipped] = sent(WebhookEvent.UNIT_SHIPPED)
    assert (shipped["unit"], shipped["customer"], shipped["override"]) == (unit.serial, "ACME", False)
    services.open_recall(
        number="R-7", lots=[unit.lot], reason="capacitor leaks", actor=admin, signature=SIGNED
    )
    [recall] = sent(WebhookEvent.RECALL_OPENED)
    assert (recall["recall"], recall["lots"], recall["reason"]) == ("R-7", [unit.lot.code], "capacitor leaks")
