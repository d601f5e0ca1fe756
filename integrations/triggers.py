""" "Part present" from the line: a PLC publishes a part id for a station (MQTT topic
``tracelens/<site>/<line>/<station>/part-present``, or ``POST /api/part-triggers/``), and the
station's next fixed-camera capture is bound to that part: its metadata carries the part id, the
trigger id and any expected values, and it is linked to the unit of that serial. Triggers wait in
order of arrival until they expire; a capture whose label names another unit goes to review."""

import json
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.choices import Role
from integrations.models import PartTrigger, TriggerStatus
from traceability.models import Station

TOPIC = "tracelens/+/+/+/part-present"
MAX_TTL_S = 3600


class TriggerRefused(ValueError):
    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message, self.code = message, code


def station_of(topic: str) -> Station:
    """The station a ``tracelens/<site>/<line>/<station>/part-present`` topic names."""
    parts = topic.split("/")
    if len(parts) != 5 or parts[0] != "tracelens" or parts[4] != "part-present":
        raise TriggerRefused(f"not a part-present topic: {topic!r}", "bad_topic")
    station = Station.objects.filter(code=parts[3], line__code=parts[2], line__site__code=parts[1]).first()
    if station is None:
        raise TriggerRefused(f"no station {'/'.join(parts[1:4])}", "unknown_station")
    return station


def parse(raw: bytes | str | dict) -> dict:
    """The message's fields, checked: ``part_id`` (required), ``trigger_id``, ``expected`` (an
    object of field → value) and ``ttl_s`` (1 to 3600)."""
    if isinstance(raw, dict):
        payload = raw
    else:
        try:
            payload = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise TriggerRefused(f"the message is not JSON: {exc}", "not_json") from None
    if not isinstance(payload, dict):
        raise TriggerRefused("the message must be a JSON object", "not_object")
    part_id = payload.get("part_id")
    if not isinstance(part_id, str) or not part_id.strip() or len(part_id) > 100:
        raise TriggerRefused("part_id must be a non-empty string of at most 100 characters", "bad_part_id")
    trigger_id = payload.get("trigger_id", "")
    if not isinstance(trigger_id, str | int) or len(str(trigger_id)) > 100:
        raise TriggerRefused("trigger_id must be a string of at most 100 characters", "bad_trigger_id")
    expected = payload.get("expected") or {}
    if not isinstance(expected, dict) or not all(isinstance(v, str | int) for v in expected.values()):
        raise TriggerRefused("expected must be an object of field names to values", "bad_expected")
    ttl = payload.get("ttl_s", settings.TRIGGER_TTL_S)
    if isinstance(ttl, bool) or not isinstance(ttl, int | float) or not 1 <= ttl <= MAX_TTL_S:
        raise TriggerRefused(f"ttl_s must be a number of seconds from 1 to {MAX_TTL_S}", "bad_ttl")
    return {
        "part_id": part_id.strip(),
        "trigger_id": str(trigger_id),
        "expected": {str(k): str(v) for k, v in expected.items()},
        "ttl_s": float(ttl),
    }


def accept(*, station: Station, payload, source: str = "mqtt") -> PartTrigger:
    fields = parse(payload)
    now = timezone.now()
    return PartTrigger.objects.create(
        station=station,
        part_id=fields["part_id"],
        trigger_id=fields["trigger_id"],
        expected=fields["expected"],
        source=source,
        received_at=now,
        expires_at=now + timedelta(seconds=fields["ttl_s"]),
    )


def handle_message(topic: str, raw: bytes) -> PartTrigger:
    """One MQTT message: the trigger stored, or TriggerRefused saying why (nothing stored)."""
    return accept(station=station_of(topic), payload=raw)


def claim_next(station: Station) -> PartTrigger | None:
    """The station's oldest waiting trigger, locked for the caller's transaction; overdue ones
    are marked expired on the way."""
    now = timezone.now()
    waiting = PartTrigger.objects.filter(station=station, status=TriggerStatus.WAITING)
    waiting.filter(expires_at__lte=now).update(status=TriggerStatus.EXPIRED)
    return (
        waiting.filter(expires_at__gt=now)
        .order_by("received_at", "pk")
        .select_for_update(skip_locked=True)
        .first()
    )


def bound_metadata(trigger: PartTrigger, metadata: dict) -> dict:
    """The capture's metadata with the trigger's part; what the camera sent itself wins."""
    found = {"part_id": trigger.part_id, "trigger_id": trigger.trigger_id or str(trigger.pk)}
    if trigger.expected:
        found["expected"] = trigger.expected
    return {**found, **metadata}


def bind(trigger: PartTrigger, capture) -> None:
    trigger.status, trigger.capture = TriggerStatus.BOUND, capture
    trigger.save(update_fields=["status", "capture"])


def take_for(station: Station | None, actor, metadata: dict) -> PartTrigger | None:
    """For a fixed camera's capture (a device account) at a station, unless the camera named a
    part itself: the trigger it is bound to. Call inside the capture's transaction."""
    if station is None or actor.role != Role.DEVICE or metadata.get("part_id"):
        return None
    assert transaction.get_connection().in_atomic_block  # noqa: S101 - the claim must share the capture's commit
    return claim_next(station)
