"""Appending to the audit trail. The only code that writes TraceEvent rows.

Each event's hash is SHA-256 over the previous event's hash and a canonical JSON of the event's
content; a single head row (``AuditChainHead``) is locked while appending, so the chain has one
order, and it also records the last hash, so deleting the newest event is detected too."""

import datetime as dt
import hashlib
import json
import os
import time
import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db import connection, transaction
from django.utils import timezone

from traceability.choices import EventType
from traceability.context import current_correlation_id
from traceability.models import AuditChainHead, EventIdentifier, TraceEvent

GENESIS = "0" * 64
COPY_THRESHOLD = 200  # from this many events on PostgreSQL, COPY beats multi-row INSERT ~3x

EVENT_COLUMNS = [
    "id",
    "event_id",
    "event_type",
    "code",
    "action",
    "biz_step",
    "disposition",
    "event_time",
    "event_time_zone_offset",
    "record_time",
    "read_point",
    "biz_location",
    "station_id",
    "unit_id",
    "lot_id",
    "capture_id",
    "actor_id",
    "actor_name",
    "correlation_id",
    "epcis",
    "context",
    "prev_hash",
    "hash",
]


class EventError(ValueError):
    """An event cannot be recorded as given; ``code`` is stable for API clients."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class EventDraft:
    event_type: str
    code: str
    epcis: dict
    event_time: dt.datetime
    event_time_zone_offset: str = "+00:00"
    event_id: str = ""
    action: str = ""
    biz_step: str = ""
    disposition: str = ""
    read_point: str = ""
    biz_location: str = ""
    station_id: int | None = None
    unit_id: int | None = None
    lot_id: int | None = None
    capture_id: int | None = None
    actor: object = None
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    context: list = field(default_factory=list)


def time_ordered_uuid() -> uuid.UUID:
    """A UUIDv7 (RFC 9562): milliseconds since the epoch, then random bits. New event ids land
    at the right edge of the eventID index instead of on a random page of it."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return uuid.UUID(int=value)


def zone_offset(moment: dt.datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise EventError("Event times must carry a time zone.", "naive_time")
    minutes = int(moment.utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def content_of(event: TraceEvent) -> dict:
    """What the hash covers: every column that carries meaning."""
    return {
        "event_id": event.event_id,
        "event_type": event.event_type,
        "code": event.code,
        "action": event.action,
        "biz_step": event.biz_step,
        "disposition": event.disposition,
        "event_time": _iso(event.event_time),
        "event_time_zone_offset": event.event_time_zone_offset,
        "record_time": _iso(event.record_time),
        "read_point": event.read_point,
        "biz_location": event.biz_location,
        "station": event.station_id,
        "unit": event.unit_id,
        "lot": event.lot_id,
        "capture": event.capture_id,
        "actor": event.actor_id,
        "actor_name": event.actor_name,
        "correlation_id": event.correlation_id,
        "epcis": event.epcis,
        "context": event.context,
    }


def chain_hash(prev_hash: str, event: TraceEvent) -> str:
    canonical = json.dumps(content_of(event), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


class EventRow(SimpleNamespace):
    """An event as written by COPY: the same attributes as a TraceEvent, ``pk`` once stored."""

    pk = None


def append_record(
    code: str,
    details: dict,
    *,
    actor=None,
    station_id=None,
    unit_id=None,
    lot_id=None,
    capture_id=None,
) -> TraceEvent:
    """One audit record in the chain, now: not an EPCIS event (the EPCIS interface never serves
    it) but what the trail must show beside them: a machine's reading with its engine, model,
    thresholds and image hash; a person's review with the values before and after; a sign-in.
    ``details`` keys are ``tracelens:`` names. Commits with the caller's transaction."""
    moment = timezone.now()
    offset = zone_offset(moment)
    body = {
        "type": EventType.RECORD.value,
        "eventTime": _iso(moment),
        "eventTimeZoneOffset": offset,
        **details,
    }
    draft = EventDraft(
        event_type=EventType.RECORD,
        code=code,
        epcis=body,
        event_time=moment,
        event_time_zone_offset=offset,
        station_id=station_id,
        unit_id=unit_id,
        lot_id=lot_id,
        capture_id=capture_id,
        actor=actor,
    )
    with transaction.atomic():
        return append_events([draft])[0]


def append_events(drafts: list[EventDraft]) -> list:
    """Write the events in order, chained. Must run inside the caller's transaction, so the
    events commit or roll back with the change they record. Returns TraceEvent instances, or
    for a large batch on PostgreSQL plain rows with the same attributes (and ``pk``)."""
    if not connection.in_atomic_block:
        raise RuntimeError("append_events must run inside transaction.atomic()")
    if not drafts:
        return []
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    prev = head.last_hash
    now = timezone.now()
    correlation = current_correlation_id()
    bulk = connection.vendor == "postgresql" and len(drafts) >= COPY_THRESHOLD
    # COPY needs only the values: plain rows skip the cost of model instances (a third of ingest)
    make = EventRow if bulk else TraceEvent
    events = []
    for draft in drafts:
        actor = draft.actor
        event = make(
            event_id=draft.event_id or f"urn:uuid:{time_ordered_uuid()}",
            event_type=draft.event_type,
            code=draft.code,
            action=draft.action,
            biz_step=draft.biz_step,
            disposition=draft.disposition,
            event_time=draft.event_time,
            event_time_zone_offset=draft.event_time_zone_offset,
            record_time=now,
            read_point=draft.read_point,
            biz_location=draft.biz_location,
            station_id=draft.station_id,
            unit_id=draft.unit_id,
            lot_id=draft.lot_id,
            capture_id=draft.capture_id,
            actor_id=getattr(actor, "pk", None),
            actor_name=getattr(actor, "username", "") or "",
            correlation_id=correlation,
            epcis=draft.epcis,
            context=draft.context,
            prev_hash=prev,
        )
        event.hash = prev = chain_hash(event.prev_hash, event)
        events.append(event)
    identifiers = [
        (event, role, uri)
        for event, draft in zip(events, drafts, strict=True)
        for role, uri in draft.identifiers
    ]
    if bulk:
        _copy_events(events, identifiers)
    else:
        TraceEvent.objects.bulk_create(events, batch_size=2000)
        EventIdentifier.objects.bulk_create(
            [EventIdentifier(event=event, role=role, uri=uri) for event, role, uri in identifiers],
            batch_size=5000,
        )
    head.last_hash = prev
    head.last_event_id = events[-1].pk
    head.count += len(events)
    head.save(update_fields=["last_hash", "last_event_id", "count"])
    return events


def event_row(e) -> tuple:
    """One event as a COPY row, in ``EVENT_COLUMNS`` order (a TraceEvent or anything shaped like one)."""
    return (
        e.pk,
        e.event_id,
        e.event_type,
        e.code,
        e.action,
        e.biz_step,
        e.disposition,
        e.event_time,
        e.event_time_zone_offset,
        e.record_time,
        e.read_point,
        e.biz_location,
        e.station_id,
        e.unit_id,
        e.lot_id,
        e.capture_id,
        e.actor_id,
        e.actor_name,
        e.correlation_id,
        json.dumps(e.epcis),
        json.dumps(e.context),
        e.prev_hash,
        e.hash,
    )


def _copy_events(events: list[TraceEvent], identifiers: list[tuple]) -> None:
    """Large appends on PostgreSQL: ids from the sequence, then COPY (same rows as bulk_create)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('traceability_traceevent', 'id')) "
            "FROM generate_series(1, %s)",
            [len(events)],
        )
        for event, (pk,) in zip(events, cursor.fetchall(), strict=True):
            event.pk = event.id = pk
        raw = cursor.connection.cursor()
        with raw.copy(f"COPY traceability_traceevent ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
            for event in events:
                copy.write_row(event_row(event))
        with raw.copy("COPY traceability_eventidentifier (event_id, role, uri) FROM STDIN") as copy:
            for event, role, uri in identifiers:
                copy.write_row((event.pk, role, uri))


@dataclass(frozen=True)
class ChainVerdict:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str = ""


def verify_chain(batch: int = 5000) -> ChainVerdict:
    """Recompute every hash in order. Finds a changed row (its hash no longer matches), a
    deleted or reordered row (the next row's prev_hash no longer matches), and a deleted tail
    (the head's count or last hash no longer matches)."""
    prev = GENESIS
    checked = 0
    last_id = 0
    with transaction.atomic():
        head = AuditChainHead.objects.filter(pk=1).first()
        while True:
            rows = list(TraceEvent.objects.filter(pk__gt=last_id).order_by("pk")[:batch])
            if not rows:
                break
            for event in rows:
                if event.prev_hash != prev:
                    return ChainVerdict(
                        False,
                        checked,
                        event.pk,
                        "previous hash does not match: a row was deleted or reordered",
                    )
                if chain_hash(prev, event) != event.hash:
                    return ChainVerdict(
                        False, checked, event.pk, "content does not match its hash: the row was changed"
                    )
                prev = event.hash
                checked += 1
            last_id = rows[-1].pk
    expected = head.count if head else 0
    if checked != expected or (head and head.last_hash != prev and checked):
        return ChainVerdict(
            False,
            checked,
            None,
            f"chain head records {expected} events, found {checked}: events were deleted",
        )
    return ChainVerdict(True, checked)
