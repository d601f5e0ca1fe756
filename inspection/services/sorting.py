"""Sorting: after a capture's defect checks, the product's sort rule gives the part a bin; the
decision is stored, then published to the station's MQTT topic (``.../sort``) and its live
group once committed. A broker that is down leaves ``published_at`` empty; the decision is
still in the API for the line controller to poll, and is published again once the broker is
back while it can still steer its part (``services.republish``)."""

import logging

import cv2
import numpy as np
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from inspection.models import DefectInspection, SortDecision, SortRule
from inspection.vision.sorting import Facts, decide, dominant_colour
from ocr import storage
from traceability import mqtt

logger = logging.getLogger(__name__)


def rule_for(capture, product_id) -> SortRule | None:
    rules = SortRule.objects.filter(active=True).select_related("station__line__site")
    if product_id is not None:
        rules = rules.filter(product_id=product_id).filter(
            Q(station__isnull=True) | Q(station_id=capture.station_id)
        )
    elif capture.station_id is not None:
        rules = rules.filter(station_id=capture.station_id)
    else:
        return None
    # a station's own rule before the product's (NULLs sort differently in SQLite and PostgreSQL)
    return rules.order_by(F("station_id").asc(nulls_first=True), "pk").last()


def facts_of(capture, rule: SortRule) -> Facts:
    inspections = list(DefectInspection.objects.filter(capture=capture).prefetch_related("detections"))
    ran = [i for i in inspections if i.ok is not None]
    classes = frozenset(d.label for i in inspections for d in i.detections.all())
    colour, distance = "", 0.0
    if rule.colours:
        image = cv2.imdecode(
            np.frombuffer(storage.read_bytes(capture.image.path), np.uint8), cv2.IMREAD_COLOR
        )
        colour, distance = dominant_colour(image, rule.colours, rule.region)
    return Facts(
        defect=(not all(i.ok for i in ran)) if ran else None,
        classes=classes,
        colour=colour,
        colour_distance=distance,
    )


def sort_capture(*, capture, product_id=None) -> SortDecision | None:
    """Decide the capture's bin (once: a capture already sorted keeps its decision)."""
    rule = rule_for(capture, product_id)
    if rule is None or SortDecision.objects.filter(capture=capture).exists():
        return None
    facts = facts_of(capture, rule)
    decision = decide(rule.rules, facts, rule.default_bin)
    with transaction.atomic():
        record = SortDecision.objects.create(
            capture=capture,
            rule=rule,
            station=capture.station,
            bin=decision.bin,
            reasons=list(decision.reasons),
            facts={
                "defect": facts.defect,
                "classes": sorted(facts.classes),
                "colour": facts.colour,
                "colour_distance": round(facts.colour_distance, 1),
            },
            trigger=str((capture.metadata or {}).get("trigger_id", ""))[:100],
        )
        transaction.on_commit(lambda: announce(record.pk))
    logger.info("capture %s sorted to %s by rule %s", capture.pk, record.bin, rule.pk)
    return record


def announce(decision_id: int) -> bool:
    """Publish a decision to its station's MQTT topic and live group; mark it published."""
    from frontend.live import notify, station_group

    record = SortDecision.objects.select_related("station__line__site").get(pk=decision_id)
    payload = record.payload()
    if record.station_id:
        notify(station_group(record.station_id), payload)
    sent = mqtt.publish(mqtt.topic(record.station, "sort"), payload)
    if sent:
        SortDecision.objects.filter(pk=decision_id).update(published_at=timezone.now())
    return sent
