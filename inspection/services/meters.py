"""Meter readings: read a display off a capture, keep a plausible value in the display's series
(an implausible or unsure one goes to the review queue instead), evaluate the display's alert
rules, and run the maintenance tickets that alerts open."""

import datetime as dt
import logging
from dataclasses import asdict

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from inspection import series
from inspection.choices import AlertKind, AlertStatus, DisplayKind, ReadingStatus
from inspection.models import Alert, AlertRule, Display, MaintenanceTicket, MeterReading
from inspection.selectors import accepted_points, limits_ahead, rule_trend
from inspection.vision.sevenseg import DisplayConfig, DisplayReading, mapped, read_display, scaled, stood_up
from inspection.vision.text_display import number_in_text, read_text_display
from integrations.choices import WebhookEvent
from integrations.services import emit
from ocr import storage
from ocr.choices import CaptureSource
from ocr.pipeline import decode_image
from ocr.pipeline.text import get_engine, thread_options
from ocr.services import hold_for_review
from traceability import mqtt
from traceability.choices import EventCode
from traceability.events import append_record

logger = logging.getLogger(__name__)
READER = "sevenseg/1"
# Where a fixed camera's photos come from (a display's ``camera_turn`` applies to them); a
# person's photo comes from the capture page, held the right way up.
FIXED_CAMERAS = (CaptureSource.API, CaptureSource.FOLDER)


class MeterRefused(ValueError):
    def __init__(self, message: str, code: str = "meter_refused"):
        super().__init__(message)
        self.message, self.code = message, code


def display_config(display: Display) -> DisplayConfig:
    return DisplayConfig(
        polarity=display.polarity,
        digits=display.digits,
        decimals=display.decimals,
        point_shown=display.point_shown,
        signed=display.signed,
        min_confidence=display.min_confidence,
    )


def read_meter(*, display: Display, capture, image: np.ndarray | None = None) -> MeterReading:
    """Read ``display`` in the capture's photo and record the result (never raises for a photo
    with no display in it: that is a reading with no value, sent to review). ``image``: the photo
    as the reading job decoded it (orientation applied, maybe reduced); boxes are stored in the
    stored photo's pixels either way. A number a text engine read is checked against the
    7-segment reader (``read_text_display``). A photo from a fixed camera (``FIXED_CAMERAS``) is
    turned back upright by the display's ``camera_turn`` first."""
    reader = reader_for(display.kind)
    if image is None:
        image = decode_image(storage.read_bytes(capture.image.path), max_pixels=settings.MAX_IMAGE_PIXELS)
    turn = display.camera_turn if capture.source in FIXED_CAMERAS else 0
    upright, back = stood_up(image, turn)
    if reader == "sevenseg":
        reading = read_display(upright, display_config(display), words=text_engine().recognise)
    else:
        as_read = None  # a dot-matrix panel: the text pipeline did not read it
        if reader == "text":
            text = getattr(capture, "reading", None)
            as_read = number_in_text((text.lines if text is not None else []) or [])
            if as_read.box and text.width and text.width != image.shape[1]:
                as_read = scaled(as_read, image.shape[1] / text.width)  # the lines' pixels, the image's
            if as_read.box and turn:
                as_read = mapped(as_read, np.linalg.inv(back))
        reading = read_text_display(upright, text_engine().read, text_engine().recognise, as_read)
    if turn:
        reading = mapped(reading, back)
    scale = (capture.image.width or image.shape[1]) / image.shape[1]
    if scale != 1:
        reading = scaled(reading, scale)
    return record_meter_reading(display=display, reading=reading, capture=capture, at=capture.created_at)


def reader_for(kind: str) -> str:
    """Which reader a display's photo goes to: ``sevenseg`` (the segment reader), ``dots`` (a
    dot-matrix panel, read by the text display reader) or ``text`` (a general digital panel: the
    number in the reading job's own text lines, and the panel with its dots merged where its
    ink is made of dots)."""
    if kind.startswith("7seg"):
        return "sevenseg"
    return "dots" if kind == DisplayKind.DOT_MATRIX else "text"


def text_engine():
    """RapidOCR, the reading jobs' own engine instance, loaded once per process. Its recognition
    tells the segment reader a printed word beside a display (LITRES, TOTAL) from its digits;
    it reads dot-matrix panels whole."""
    return get_engine("rapidocr", options=thread_options(settings.OCR_THREADS))


def _last_accepted(display: Display, before) -> tuple[float, object] | None:
    row = (
        MeterReading.objects.filter(display=display, status=ReadingStatus.ACCEPTED, read_at__lte=before)
        .order_by("-read_at", "-pk")
        .values_list("value", "read_at")
        .first()
    )
    return tuple(row) if row else None


def limits_of(display: Display) -> series.Limits:
    return series.Limits(display.min_value, display.max_value, display.max_rate_per_hour, display.counter)


def judge(display: Display, reading: DisplayReading, at) -> tuple[str, list[str]]:
    """The status a new reading gets, and why."""
    if reading.value is None:
        return ReadingStatus.REVIEW, [reading.reason or "no value read"]
    if reading.reason:  # the reader's own doubt: unsure digit, two displays in the photo
        return ReadingStatus.REVIEW, [reading.reason]
    if reading.confidence < display.min_confidence:
        return ReadingStatus.REVIEW, [f"unsure digit (confidence {reading.confidence:.2f})"]
    if display.digits and len(reading.text.replace(".", "").replace("-", "")) > display.digits:
        return ReadingStatus.REVIEW, [f"more digits than the display has ({display.digits})"]
    why = series.implausible(reading.value, at, _last_accepted(display, at), limits_of(display))
    if why:
        return ReadingStatus.REVIEW, [why]
    if display.frames > 1:
        recent = list(
            MeterReading.objects.filter(display=display, read_at__lte=at)
            .order_by("-read_at", "-pk")
            .values_list("value", flat=True)[: display.frames - 1]
        )[::-1]
        agreed = series.consensus([*recent, reading.value], display.frames)
        if agreed != reading.value:
            return ReadingStatus.REJECTED, [f"the last {display.frames} frames do not agree yet"]
    return ReadingStatus.ACCEPTED, []


def record_meter_reading(*, display: Display, reading: DisplayReading, capture=None, at=None) -> MeterReading:
    at = at or timezone.now()
    status, reasons = judge(display, reading, at)
    with transaction.atomic():
        row = MeterReading.objects.create(
            display=display,
            capture=capture,
            read_at=at,
            value=reading.value,
            text=reading.text[:40],
            confidence=reading.confidence,
            digits=[{"char": d.char, "confidence": d.confidence, "box": list(d.box)} for d in reading.digits],
            box=list(reading.box) if reading.box else None,
            status=status,
            reasons=reasons,
            read_by=READER,
        )
        if status == ReadingStatus.REVIEW and capture is not None:
            hold_for_review(capture=capture, reasons=[f"meter {display.name}: {r}" for r in reasons])
        if status == ReadingStatus.ACCEPTED:
            evaluate_rules(display=display, reading=row)
        _audit_meter_reading(row, capture)
        transaction.on_commit(lambda: announce_reading(row.pk))
    logger.info("display %s read %r: %s %s", display.pk, reading.text, status, reasons)
    return row


def _audit_meter_reading(row: MeterReading, capture) -> None:
    """A display reading in the audit trail: the reader, the display's thresholds, the value and
    verdict, the image it came from."""
    display = row.display
    append_record(
        EventCode.READ,
        {
            "tracelens:imageSha256": capture.image.sha256 if capture is not None else "",
            "tracelens:engine": row.read_by,
            "tracelens:display": f"{display.equipment.code}/{display.name}",
            "tracelens:thresholds": {
                "minConfidence": display.min_confidence,
                "range": [display.min_value, display.max_value],
                "maxRatePerHour": display.max_rate_per_hour,
                "counter": display.counter,
                "frames": display.frames,
            },
            "tracelens:value": row.value,
            "tracelens:text": row.text,
            "tracelens:confidence": row.confidence,
            "tracelens:status": row.status,
            "tracelens:reasons": row.reasons,
        },
        station_id=getattr(capture, "station_id", None),
        capture_id=getattr(capture, "pk", None),
    )


def review_meter_reading(*, reading: MeterReading, actor, value: float | None, accept: bool) -> MeterReading:
    """A person's verdict on a reading in review: accept it (with the corrected value) into the
    series, or reject it. The machine's value is kept beside the person's."""
    if reading.status != ReadingStatus.REVIEW:
        raise MeterRefused(f"reading {reading.pk} is {reading.status}, not waiting for review")
    if accept and value is None and reading.value is None:
        raise MeterRefused("give the value shown on the photo to accept a reading with none")
    with transaction.atomic():
        reading.original_value = reading.value
        if value is not None:
            reading.value = value
        reading.status = ReadingStatus.ACCEPTED if accept else ReadingStatus.REJECTED
        reading.reviewed_by = actor
        reading.read_by = f"person:{actor.username}"[:60] if value is not None else reading.read_by
        reading.published_at = None  # the broker has it as it was: it gets the verdict
        reading.save()
        append_record(
            EventCode.REVIEW,
            {
                "tracelens:display": f"{reading.display.equipment.code}/{reading.display.name}",
                "tracelens:corrections": [
                    {"field": "value", "before": reading.original_value, "after": reading.value}
                ],
                "tracelens:status": reading.status,
            },
            actor=actor,
            capture_id=reading.capture_id,
        )
        if accept:
            evaluate_rules(display=reading.display, reading=reading)
        if reading.capture_id:
            _clear_capture_review(reading.capture, actor)
        transaction.on_commit(lambda: announce_reading(reading.pk))
    return reading


def announce_reading(reading_id: int, *, live: bool = True) -> bool:
    """Push a reading, as it is now, to its station's live group (``meter.read``) and to the
    dashboards (``dashboard.meter``, whichever station, or none, its machine stands at; neither
    when ``live`` is False: a reading the broker missed, sent again), and to its MQTT topic
    (``.../meter``). Whether the broker has it."""
    from frontend.live import notify, station_group

    row = MeterReading.objects.select_related(
        "display__equipment__line", "display__equipment__station__line__site"
    ).get(pk=reading_id)
    machine = row.display.equipment
    station = machine.station
    payload = {
        "type": "meter.read",
        "reading": row.pk,
        "equipment": row.display.equipment.code,
        "display": row.display_id,
        "name": row.display.name,
        "value": row.value,
        "status": row.status,
        "reasons": row.reasons,
        "read_at": row.read_at.isoformat(),
    }
    if live and station is not None:
        notify(station_group(station.pk), payload)
    if live:
        _tell_dashboards("meter", payload, machine)
    sent = mqtt.publish(mqtt.topic(station, "meter"), payload)
    if sent:
        MeterReading.objects.filter(pk=reading_id).update(published_at=timezone.now())
    return sent


def _tell_dashboards(kind: str, payload: dict, machine) -> None:
    """``payload`` (an alert's, a reading's) to the dashboards as ``dashboard.<kind>``, with its
    machine and line: the hub sends it on at once to the sockets whose lines hold the machine
    (the dashboards' and the equipment lists')."""
    from frontend.live import DASHBOARD_GROUP, notify

    notify(DASHBOARD_GROUP, _dashboard_message(kind, payload, machine))


def _dashboard_message(kind: str, payload: dict, machine, line=None) -> dict:
    row = {**payload, "equipment_id": machine.pk, "line": (line or machine.line).code}
    return {"type": f"dashboard.{kind}", kind: row}


def announce_machine(machine, was=None) -> None:
    """A machine, or one of its displays or alert rules, added, changed or about to be removed:
    once that is committed, the equipment lists whose lines hold the machine read their table
    again (``dashboard.equipment``); so do those of ``was``, the line it stood on before the
    change, where it moved. Taken now, while a machine to be removed still has its id."""
    from frontend.live import DASHBOARD_GROUP, notify

    lines = [None] if was is None or was.pk == machine.line_id else [None, was]
    for line in lines:
        message = _dashboard_message("equipment", {"code": machine.code}, machine, line)
        transaction.on_commit(lambda message=message: notify(DASHBOARD_GROUP, message))


def _clear_capture_review(capture, actor) -> None:
    """A capture held for its display readings alone leaves the review queue once none waits."""
    if capture.meter_readings.filter(status=ReadingStatus.REVIEW).exists():
        return
    if capture.needs_review and all(r.startswith("meter ") for r in capture.review_reasons):
        capture.needs_review = False
        capture.reviewed_by, capture.reviewed_at = actor, timezone.now()
        capture.save(update_fields=["needs_review", "reviewed_by", "reviewed_at"])


def _open_ticket(rule: AlertRule) -> bool:
    return MaintenanceTicket.objects.filter(alert__rule=rule).exclude(status=AlertStatus.CLOSED).exists()


def evaluate_rules(*, display: Display, reading: MeterReading) -> list[Alert]:
    """Each active rule of the display against its series, now that ``reading`` joined it."""
    raised = []
    for rule in display.alert_rules.filter(active=True).exclude(kind=AlertKind.STALE):
        if _open_ticket(rule):
            continue
        found = _check(rule, reading)
        if found:
            message, details = found
            raised.append(raise_alert(rule=rule, message=message, details=details, reading=reading))
    return raised


def _check(rule: AlertRule, reading: MeterReading) -> tuple[str, dict] | None:
    value, unit = reading.value, rule.display.unit
    if rule.kind == AlertKind.THRESHOLD:
        if rule.high is not None and value > rule.high:
            return f"{value:g} {unit} is above {rule.high:g}", {"value": value, "limit": rule.high}
        if rule.low is not None and value < rule.low:
            return f"{value:g} {unit} is below {rule.low:g}", {"value": value, "limit": rule.low}
        return None
    if rule.kind == AlertKind.DRIFT:
        times, values = accepted_points(display=rule.display, at=reading.read_at)
        if len(values) < rule.baseline + 1:
            return None
        detector = series.Cusum(k=rule.k, h=rule.h, baseline=rule.baseline)
        alarms = detector.run(values)
        if alarms and alarms[-1][0] == len(values) - 1:
            _, direction, since = alarms[-1]
            message = f"the level drifted {direction} from {detector.mean:.4g} {unit} (CUSUM)"
            details = {"direction": direction, "baseline_mean": detector.mean, "baseline_sd": detector.sd}
            low, high = limits_ahead(display=rule.display, value=value)
            drift = series.drift_trend(times, values, mean=detector.mean, since=since, low=low, high=high)
            if drift is not None:
                trend, onset = drift
                began = f"{timezone.localtime(onset):%Y-%m-%d %H:%M}"
                message += f" since about {began}, {trend.slope_per_hour:+.3g} {unit}/h"
                if trend.hours_to_limit is not None:
                    message += f": reaches {trend.limit:g} {unit} in {trend.hours_to_limit:.1f} h"
                details.update(asdict(trend), onset=onset.isoformat())
            return message, details
        return None
    if rule.kind == AlertKind.TIME_TO_LIMIT:
        trend = rule_trend(rule=rule, at=reading.read_at)
        if trend and trend.hours_to_limit is not None and trend.hours_to_limit < rule.hours:
            return f"trend reaches {trend.limit:g} {unit} in {trend.hours_to_limit:.1f} h", asdict(trend)
    return None


def check_stale(*, now=None) -> list[Alert]:
    """Stale rules: a display with no accepted reading for ``minutes`` (run on a schedule)."""
    now = now or timezone.now()
    raised = []
    for rule in AlertRule.objects.filter(active=True, kind=AlertKind.STALE).select_related("display"):
        if _open_ticket(rule):
            continue
        last = _last_accepted(rule.display, now)
        idle = (now - last[1]).total_seconds() / 60 if last else None
        if unread(last[1] if last else None, rule.minutes, now):
            message = f"no reading for {rule.minutes} min" if last else "no reading yet"
            raised.append(raise_alert(rule=rule, message=message, details={"idle_minutes": idle}))
    return raised


def unread(last_at, minutes: int, now) -> bool:
    """A stale rule's breach: no accepted reading yet (``last_at`` None), or none for ``minutes``."""
    return last_at is None or now - last_at >= dt.timedelta(minutes=minutes)


def raise_alert(
    *, rule: AlertRule, message: str, details: dict, reading: MeterReading | None = None
) -> Alert:
    display = rule.display
    with transaction.atomic():
        alert = Alert.objects.create(
            rule=rule, display=display, reading=reading, message=message[:300], details=details
        )
        MaintenanceTicket.objects.create(
            alert=alert,
            equipment=display.equipment,
            title=f"{display.equipment.code} {display.name}: {message}"[:300],
        )
        emit(WebhookEvent.ALERT_RAISED, alert_payload(alert))
        transaction.on_commit(lambda: announce_alert(alert.pk))
    logger.warning("alert on display %s (%s): %s", display.pk, rule.name, message)
    return alert


def alert_payload(alert: Alert) -> dict:
    return {
        "type": "alert.raised",
        "alert": alert.pk,
        "equipment": alert.display.equipment.code,
        "display": alert.display.name,
        "rule": alert.rule.name,
        "kind": alert.rule.kind,
        "message": alert.message,
        "raised_at": alert.raised_at.isoformat(),
    }


def announce_alert(alert_id: int) -> bool:
    """Publish an alert to its station's MQTT topic (``.../alert``) and live group, and to the
    dashboards (whichever station, or none, its machine stands at)."""
    from frontend.live import notify, station_group

    alert = Alert.objects.select_related(
        "rule", "display__equipment__line", "display__equipment__station__line__site"
    ).get(pk=alert_id)
    machine = alert.display.equipment
    station = machine.station
    payload = alert_payload(alert)
    if station is not None:
        notify(station_group(station.pk), payload)
    _tell_dashboards("alert", payload, machine)
    sent = mqtt.publish(mqtt.topic(station, "alert"), payload)
    if sent:
        Alert.objects.filter(pk=alert_id).update(published_at=timezone.now())
    return sent


def acknowledge_ticket(*, ticket: MaintenanceTicket, actor) -> MaintenanceTicket:
    if ticket.status != AlertStatus.OPEN:
        raise MeterRefused(f"ticket {ticket.pk} is {ticket.status}")
    ticket.status = AlertStatus.ACKNOWLEDGED
    ticket.acknowledged_by, ticket.acknowledged_at = actor, timezone.now()
    ticket.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
    return ticket


def close_ticket(*, ticket: MaintenanceTicket, actor, note: str) -> MaintenanceTicket:
    if ticket.status == AlertStatus.CLOSED:
        raise MeterRefused(f"ticket {ticket.pk} is already closed")
    if not note.strip():
        raise MeterRefused("say what was done to close the ticket")
    now = timezone.now()
    if ticket.acknowledged_at is None:
        ticket.acknowledged_by, ticket.acknowledged_at = actor, now
    ticket.status, ticket.closed_by, ticket.closed_at, ticket.note = AlertStatus.CLOSED, actor, now, note
    ticket.save()
    return ticket
