"""EPCIS 2.0 query subscriptions: a partner's repository names a query and a ``dest``, and the
events that match and are new since the last report are POSTed there as an EPCISQueryDocument
(``queryResults.subscriptionID`` set), as they are recorded (``stream``) or on a ``schedule``.
Reports are deliveries of the webhook outbox: signed, retried with backoff, dead-lettered and
replayable, and a slow partner never holds anything else up.

The cursor is the last event id reported. Events are appended one transaction at a time under
the audit chain's head lock, so ids commit in order and an event is never skipped."""

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from integrations.choices import WebhookEvent
from integrations.models import Delivery, EpcisQuery, EpcisSubscription
from integrations.services import nudge_relay
from traceability.epcis.query import filter_events, query_document

logger = logging.getLogger(__name__)

BATCH = 1000  # events per report; more wait for the next run
FIELDS = {  # schedule field: (datetime attribute, lowest, highest)
    "second": ("second", 0, 59),
    "minute": ("minute", 0, 59),
    "hour": ("hour", 0, 23),
    "dayOfMonth": ("day", 1, 31),
    "month": ("month", 1, 12),
    "dayOfWeek": ("isoweekday", 1, 7),  # 1 Monday … 7 Sunday
}
LOOKBACK_S = 3600  # a schedule missed for longer (the service was down) fires once, not per slot


class SubscriptionRefused(ValueError):
    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message, self.code = message, code


def _values(spec: str, low: int, high: int) -> set[int]:
    """One schedule field: ``5``, ``1,15,30``, ``[1-5]`` or ``1-5``, ``*``, ``*/10``."""
    found = set()
    for part in str(spec).replace(" ", "").split(","):
        part = part.strip("[]")
        try:
            if part == "*":
                found.update(range(low, high + 1))
            elif part.startswith("*/"):
                found.update(range(low, high + 1, int(part[2:])))
            elif "-" in part:
                first, last = (int(v) for v in part.split("-", 1))
                found.update(range(first, last + 1))
            else:
                found.add(int(part))
        except ValueError:
            raise SubscriptionRefused(f"schedule value {spec!r} is not understood", "bad_schedule") from None
    if not found or min(found) < low or max(found) > high:
        raise SubscriptionRefused(f"schedule value {spec!r} is outside {low}–{high}", "bad_schedule")
    return found


def parse_schedule(schedule: dict) -> dict[str, set[int]]:
    """The schedule's allowed values per field; ``second`` defaults to 0, the rest to any."""
    if not isinstance(schedule, dict):
        raise SubscriptionRefused("schedule must be an object", "bad_schedule")
    unknown = sorted(set(schedule) - set(FIELDS))
    if unknown:
        raise SubscriptionRefused(f"unknown schedule field(s): {', '.join(unknown)}", "bad_schedule")
    merged = {"second": "0", **schedule}
    return {
        name: _values(merged[name], low, high) for name, (_, low, high) in FIELDS.items() if name in merged
    }


def _matches(moment: dt.datetime, allowed: dict[str, set[int]]) -> bool:
    for name, values in allowed.items():
        attribute = FIELDS[name][0]
        value = getattr(moment, attribute)
        if (value() if callable(value) else value) not in values:
            return False
    return True


def due(subscription: EpcisSubscription, now: dt.datetime) -> bool:
    """Stream: every run. Schedule: when a second it names passed since the last run (UTC)."""
    if subscription.stream:
        return True
    allowed = parse_schedule(subscription.schedule)
    since = subscription.last_run_at or subscription.created_at
    start = max(since, now - dt.timedelta(seconds=LOOKBACK_S)).astimezone(dt.UTC).replace(microsecond=0)
    moment = start + dt.timedelta(seconds=1)
    end = now.astimezone(dt.UTC)
    while moment <= end:
        if _matches(moment, allowed):
            return True
        moment += dt.timedelta(seconds=1)
    return False


def subscribe(
    *, query: EpcisQuery, dest: str, stream=False, schedule=None, report_if_empty=False,
    initial_record_time=None, signature_token="", actor=None,
) -> EpcisSubscription:  # fmt: skip
    if bool(stream) == bool(schedule):
        raise SubscriptionRefused("give either stream: true or a schedule", "stream_or_schedule")
    if schedule:
        parse_schedule(schedule)
    if not dest.startswith(("http://", "https://")):
        raise SubscriptionRefused("dest must be an http or https URL", "bad_dest")
    subscription = EpcisSubscription(
        query=query,
        url=dest,
        stream=bool(stream),
        schedule=schedule or {},
        report_if_empty=bool(report_if_empty) and not stream,
        initial_record_time=initial_record_time,
        created_by=actor,
    )
    if signature_token:
        subscription.secret = signature_token
    subscription.full_clean()
    subscription.save()
    return subscription


def query_params(query) -> dict:
    """A named query's parameters as the event query takes them (a list becomes ``a,b``);
    refuses what it does not know (EventError names the parameters)."""
    if not isinstance(query, dict):
        raise SubscriptionRefused("query must be an object of SimpleEventQuery parameters", "bad_query")
    params = {k: ",".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in query.items()}
    filter_events(params).exists()
    return params


def run(now: dt.datetime | None = None) -> int:
    """Every subscription that is due reports its new events; returns the reports written."""
    now = now or timezone.now()
    written = 0
    for pk in EpcisSubscription.objects.values_list("pk", flat=True):
        with transaction.atomic():
            subscription = (
                EpcisSubscription.objects.select_for_update(skip_locked=True)
                .select_related("query")
                .filter(pk=pk)
                .first()
            )
            if subscription is None or not due(subscription, now):
                continue
            written += _report(subscription, now)
    return written


def _report(subscription: EpcisSubscription, now) -> int:
    events = filter_events(query_params(subscription.query.query)).filter(pk__gt=subscription.cursor)
    if subscription.initial_record_time:
        events = events.filter(record_time__gte=subscription.initial_record_time)
    events = list(events.order_by("pk")[:BATCH])
    subscription.last_run_at = now
    if events:
        subscription.cursor = events[-1].pk
    subscription.save(update_fields=["last_run_at", "cursor"])
    if not events and not subscription.report_if_empty:
        return 0
    document = query_document(events)
    document["epcisBody"]["queryResults"]["subscriptionID"] = str(subscription.pk)
    Delivery.objects.create(subscription=subscription, event=WebhookEvent.EPCIS_QUERY, payload=document)
    transaction.on_commit(nudge_relay)
    logger.info("EPCIS subscription %s: %d event(s) reported", subscription.pk, len(events))
    return 1
