"""What the broker missed: sort decisions, alerts and display readings whose MQTT publish failed
(``published_at`` empty) are published again on the beat schedule once the broker is back. A
sort decision goes out again only while it can still steer its part (``SORT_REPUBLISH_S``, 60 s):
later, the part has left the station and a late decision could move the wrong one. An alert or
a display reading, for a day (a reading as it is now: reviewed, if it was)."""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from inspection.models import Alert, MeterReading, SortDecision
from inspection.services.meters import announce_alert, announce_reading
from inspection.services.sorting import announce

ALERT_REPUBLISH = dt.timedelta(days=1)  # alerts and display readings


def republish(now: dt.datetime | None = None) -> dict:
    """Publish again what is unpublished and still worth sending; stops at the first failure
    (the broker is still away). Returns how many of each went out."""
    sent = {"sort": 0, "alerts": 0, "readings": 0}
    if not settings.MQTT_URL:
        return sent
    now = now or timezone.now()
    decisions = SortDecision.objects.filter(
        published_at__isnull=True, created_at__gte=now - dt.timedelta(seconds=settings.SORT_REPUBLISH_S)
    )
    for pk in decisions.order_by("created_at").values_list("pk", flat=True):
        if not announce(pk):
            return sent
        sent["sort"] += 1
    alerts = Alert.objects.filter(published_at__isnull=True, raised_at__gte=now - ALERT_REPUBLISH)
    for pk in alerts.order_by("raised_at").values_list("pk", flat=True):
        if not announce_alert(pk):
            return sent
        sent["alerts"] += 1
    readings = MeterReading.objects.filter(published_at__isnull=True, read_at__gte=now - ALERT_REPUBLISH)
    for pk in readings.order_by("read_at", "pk").values_list("pk", flat=True):
        if not announce_reading(pk, live=False):
            return sent
        sent["readings"] += 1
    return sent
