"""The audit trail: one append-only table of trace events shaped after GS1 EPCIS 2.0.

Each row keeps the whole EPCIS event (``epcis``), the columns queries filter on, explicit links
to TraceLens records, the actor's name as it was, the correlation id of the request or job, and
a SHA-256 chained to the previous row, so ``verify_audit_chain`` finds any change, deletion or
reordering. Only ``traceability.events.append_events`` writes here; on PostgreSQL a trigger
refuses UPDATE, DELETE and TRUNCATE."""

import json

from django.conf import settings
from django.db import models

from traceability.choices import EventCode, EventType


def _short(value, limit=300) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= limit else text[: limit - 1] + "…"


class TraceEvent(models.Model):
    event_id = models.CharField(max_length=200)
    event_type = models.CharField(max_length=24, choices=EventType.choices)
    code = models.CharField(max_length=16, choices=EventCode.choices)
    action = models.CharField(max_length=8, blank=True)
    biz_step = models.CharField(max_length=200, blank=True)
    disposition = models.CharField(max_length=200, blank=True)
    event_time = models.DateTimeField()
    event_time_zone_offset = models.CharField(max_length=6)
    record_time = models.DateTimeField()
    read_point = models.CharField(max_length=200, blank=True)
    biz_location = models.CharField(max_length=200, blank=True)
    # Each link is indexed once, with event_time, in Meta.indexes: every index on this table is
    # paid on every insert, and at plant scale the random-key ones cost a disk read each.
    # The links carry no database foreign key: PostgreSQL checks one at COMMIT for every row and
    # locks the referenced unit for it, which more than halved EPCIS ingest at a million units.
    # Only append_events writes here, with ids resolved in the same transaction, and the rows it
    # points at are never deleted (PROTECT); the hash chain covers the ids.
    station = models.ForeignKey(
        "traceability.Station",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        db_constraint=False,
    )
    unit = models.ForeignKey(
        "traceability.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,
        db_constraint=False,
    )
    lot = models.ForeignKey(
        "traceability.Lot",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,
        db_constraint=False,
    )
    capture = models.ForeignKey(
        "ocr.Capture", null=True, blank=True, on_delete=models.PROTECT, db_index=False, db_constraint=False
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, db_constraint=False
    )
    actor_name = models.CharField(max_length=150, blank=True)
    correlation_id = models.CharField(max_length=64, blank=True)
    epcis = models.JSONField(help_text="The event as an EPCIS 2.0 JSON-LD event object.")
    context = models.JSONField(
        default=list, blank=True, help_text="Extension @context entries it was captured with."
    )
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["event_time"]),
            models.Index(fields=["unit", "event_time"]),
            models.Index(fields=["lot", "event_time"]),
            models.Index(fields=["station", "event_time"]),
            models.Index(fields=["code", "event_time"]),
            models.Index(fields=["record_time"]),
            models.Index(fields=["event_id"], name="event_epcis_id"),
            models.Index(fields=["capture"], name="event_capture", condition=models.Q(capture__isnull=False)),
        ]

    def __str__(self):
        return f"{self.code} {self.event_id}"

    def details(self) -> list[tuple[str, str]]:
        """What the event says beyond its columns (its ``tracelens:`` entries: a reading's
        engine and image hash, a review's before and after, a signature), as short text."""
        return [
            (key.removeprefix("tracelens:"), _short(value))
            for key, value in (self.epcis or {}).items()
            if key.startswith("tracelens:")
        ]


class EventIdentifier(models.Model):
    """Every identifier an event names, for EPCIS queries (MATCH_epc, MATCH_anyEPC, ...)."""

    class Role(models.TextChoices):
        EPC = "epc", "epcList / childEPCs / input / output EPC"
        PARENT = "parent", "parentID"
        CHILD = "child", "childEPCs"
        INPUT = "input", "inputEPCList"
        OUTPUT = "output", "outputEPCList"
        EPC_CLASS = "epc_class", "quantity element class"

    event = models.ForeignKey(  # written with its event by append_events; no COMMIT-time check
        TraceEvent, on_delete=models.PROTECT, related_name="identifiers", db_constraint=False
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    uri = models.CharField(max_length=300)

    class Meta:
        indexes = [models.Index(fields=["uri", "role"])]

    def __str__(self):
        return f"{self.role} {self.uri}"


class AuditChainHead(models.Model):
    """The single row locked while events are appended: the newest hash and the count."""

    last_hash = models.CharField(max_length=64, default="0" * 64)
    last_event_id = models.BigIntegerField(null=True)
    count = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"audit chain head: {self.count} events"


class ChainVerification(models.Model):
    """Each run of ``verify_audit_chain``: its verdict, kept so pages show the latest without
    recomputing millions of hashes."""

    ran_at = models.DateTimeField(auto_now_add=True)
    ok = models.BooleanField()
    checked = models.PositiveBigIntegerField()
    first_bad_id = models.BigIntegerField(null=True, blank=True)
    problem = models.TextField(blank=True)

    class Meta:
        ordering = ["-ran_at", "-id"]

    def __str__(self):
        return f"{'intact' if self.ok else 'BROKEN'} ({self.checked} events, {self.ran_at:%Y-%m-%d %H:%M})"
