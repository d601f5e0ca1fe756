"""The EPCIS 2.0 event query: the usual SimpleEventQuery filters, results as an
EPCISQueryDocument that validates against GS1's schema."""

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from traceability.choices import EventType
from traceability.epcis.capture import STANDARD_CONTEXT, parse_time
from traceability.events import EventError
from traceability.models import TraceEvent

EQ_FIELDS = {
    "eventType": "event_type",
    "EQ_action": "action",
    "EQ_bizStep": "biz_step",
    "EQ_disposition": "disposition",
    "EQ_readPoint": "read_point",
    "EQ_bizLocation": "biz_location",
    "EQ_eventID": "event_id",
}
TIME_FIELDS = {
    "GE_eventTime": "event_time__gte",
    "LT_eventTime": "event_time__lt",
    "GE_recordTime": "record_time__gte",
    "LT_recordTime": "record_time__lt",
}
MATCH_ROLES = {
    "MATCH_epc": ["epc"],
    "MATCH_parentID": ["parent"],
    "MATCH_inputEPC": ["input"],
    "MATCH_outputEPC": ["output"],
    "MATCH_epcClass": ["epc_class"],
    "MATCH_anyEPC": ["epc", "parent", "child", "input", "output"],
}
KNOWN = {*EQ_FIELDS, *TIME_FIELDS, *MATCH_ROLES, "perPage", "nextPageToken"}


def _values(params, key) -> list[str]:
    values = params.getlist(key) if hasattr(params, "getlist") else [params[key]]
    return [v for value in values for v in str(value).split(",") if v]


def filter_events(params) -> QuerySet[TraceEvent]:
    unknown = sorted(set(params) - KNOWN)
    if unknown:
        raise EventError(f"Unknown query parameter(s): {', '.join(unknown)}.", "query_parameter")
    events = TraceEvent.objects.exclude(event_type=EventType.RECORD)  # the trail's own records
    for key, column in EQ_FIELDS.items():
        if key in params:
            events = events.filter(**{f"{column}__in": _values(params, key)})
    for key, lookup in TIME_FIELDS.items():
        if key in params:
            events = events.filter(**{lookup: parse_time(params[key], key)})
    for key, roles in MATCH_ROLES.items():
        if key in params:
            events = events.filter(identifiers__role__in=roles, identifiers__uri__in=_values(params, key))
    return events.distinct().order_by("id")


def page(params, default_size=1000, max_size=10000):
    events = filter_events(params)
    try:
        size = min(int(params.get("perPage", default_size)), max_size)
        after = int(params.get("nextPageToken", 0))
    except ValueError:
        raise EventError("perPage and nextPageToken must be integers.", "query_parameter") from None
    rows = list(events.filter(id__gt=after)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (str(rows[-1].id) if more else None)


def export_event(event: TraceEvent) -> dict:
    data = dict(event.epcis)
    data.setdefault("eventID", event.event_id)
    data["recordTime"] = event.record_time.astimezone(dt.UTC).isoformat(timespec="milliseconds")
    return data


def query_document(events: list[TraceEvent]) -> dict:
    context = [STANDARD_CONTEXT]
    for event in events:
        for entry in event.context:
            if entry not in context:
                context.append(entry)
    return {
        "@context": context,
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": timezone.now().astimezone(dt.UTC).isoformat(timespec="milliseconds"),
        "epcisBody": {
            "queryResults": {
                "queryName": "SimpleEventQuery",
                "resultsBody": {"eventList": [export_event(event) for event in events]},
            }
        },
    }
