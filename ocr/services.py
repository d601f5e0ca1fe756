"""Every state change of captures and readings. Side effects (dispatch, live push) run on commit."""

import datetime as dt
import errno
import logging
import time
from dataclasses import asdict
from functools import cache

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.choices import WRITE_ROLES, Role
from accounts.signatures import sign_decision
from integrations import triggers
from integrations.choices import WebhookEvent
from integrations.services import emit
from ocr import storage
from ocr.choices import JobStatus
from ocr.models import Capture, Correction, LabelTemplate, Reading, ReadingJob, StoredImage
from ocr.pipeline import ImageRejected, ReadConfig, decode_image, inspect_image, read_image
from ocr.pipeline.codes import CODE_READER_VERSION
from ocr.pipeline.exif import strip_gps
from ocr.pipeline.intake import READ_SIDE
from ocr.pipeline.text import QUEUES, EngineUnavailable, UnknownEngine, thread_options
from ocr.templates import TEMPLATE_FIELDS, rules_from_json
from traceability import mqtt
from traceability.choices import EventCode
from traceability.events import append_record
from traceability.models import Lot, Product, Station, Unit

logger = logging.getLogger(__name__)


class CaptureRefused(ValueError):
    """The upload cannot be accepted; nothing was written. ``code`` is stable for clients."""

    def __init__(self, message: str, code: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


STORAGE_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def store_image(*, data: bytes) -> StoredImage:
    """Check the header, remove the GPS position (``STRIP_GPS``), then store the bytes by
    content. The file is on disk before the row commits, so a committed capture always has its
    image."""
    if len(data) > settings.MAX_UPLOAD_BYTES:
        raise CaptureRefused(
            f"The file is {len(data):,} bytes, over the limit of {settings.MAX_UPLOAD_BYTES:,}.",
            "too_large",
            status=413,
        )
    try:
        info = inspect_image(data, max_pixels=settings.MAX_IMAGE_PIXELS)
    except ImageRejected as exc:
        status = 413 if exc.code == "too_many_pixels" else 400
        raise CaptureRefused(exc.reason, exc.code, status=status) from None
    if settings.STRIP_GPS and info.format in ("JPEG", "MPO"):
        data = strip_gps(data)
    digest = storage.sha256_of(data)
    path = storage.relative_path(digest, info.mime_type)
    try:
        storage.write_once(path, data)
    except OSError as exc:
        if exc.errno not in STORAGE_FULL:
            raise
        logger.error("photo storage full (%s): capture refused", exc)
        raise CaptureRefused(
            "The server's photo storage is full; nothing was stored. Send the photo again later and "
            "tell the administrator.",
            "storage_full",
            status=507,
        ) from None
    image, _ = StoredImage.objects.get_or_create(
        sha256=digest,
        defaults={
            "path": path,
            "mime_type": info.mime_type,
            "size_bytes": len(data),
            "width": info.width,
            "height": info.height,
        },
    )
    return image


def _check_uploader(actor, station: Station | None) -> None:
    """The role matrix for every way in (API, pages, watch_folder): who may upload, and a
    device only for its own stations."""
    if getattr(actor, "role", None) not in WRITE_ROLES:
        logger.warning("upload refused for %s (role %s)", actor.pk, getattr(actor, "role", None))
        raise CaptureRefused("Your role may not upload photos.", "forbidden", 403)
    if actor.role == Role.DEVICE:
        if station is None:
            raise CaptureRefused("A camera device must name its station.", "station_required")
        if not actor.stations.filter(pk=station.pk).exists():
            logger.warning("device %s refused for station %s", actor.pk, station.code)
            raise CaptureRefused(
                f"This device may not post captures for station {station.code}.", "station_forbidden", 403
            )


BACKLOG_CACHE_S = 1.0
_backlog: dict[str, tuple[float, int]] = {}


def queue_depth(queue: str) -> int:
    """Reading jobs waiting in ``queue`` (pending: not yet claimed by a worker), from the jobs'
    own rows, so it holds for every broker and for the embedded worker alike. Counted at most
    once a second per process."""
    now = time.monotonic()
    at, depth = _backlog.get(queue, (0.0, 0))
    if now - at > BACKLOG_CACHE_S:
        depth = ReadingJob.objects.filter(status=JobStatus.PENDING, queue=queue).count()
        _backlog[queue] = (now, depth)
    return depth


def _check_backlog(queue: str) -> None:
    """Backpressure: above ``QUEUE_LIMIT`` waiting jobs a new photo is refused (503 with
    Retry-After) rather than accepted into a backlog the workers cannot clear in time. A camera
    sends it again later; the capture page keeps it in its outbox and says so."""
    depth = queue_depth(queue)
    if depth >= settings.QUEUE_LIMIT:
        logger.warning(
            "capture refused: %s jobs waiting in %s (limit %s)", depth, queue, settings.QUEUE_LIMIT
        )
        raise CaptureRefused(
            f"The readers are {depth} photos behind; this one was not taken. Send it again in "
            f"{settings.BUSY_RETRY_AFTER_S} s (the capture page keeps it and does so by itself).",
            "busy",
            status=503,
        )


def create_capture(
    *,
    actor,
    data: bytes,
    source: str,
    station: Station | None = None,
    idempotency_key: str = "",
    original_name: str = "",
    metadata: dict | None = None,
) -> tuple[Capture, bool]:
    """Accept a photo: store the image, write the Capture and its pending ReadingJob in one
    transaction, and dispatch the job after commit. A repeated idempotency key from the same
    uploader returns the first capture and writes nothing (``created`` is False)."""
    if idempotency_key:
        existing = Capture.objects.filter(uploaded_by=actor, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    _check_uploader(actor, station)
    _check_backlog(QUEUES.get(settings.OCR_ENGINE, "ocr"))
    image = store_image(data=data)
    try:
        with transaction.atomic():
            metadata = metadata or {}
            trigger = triggers.take_for(station, actor, metadata)
            if trigger is not None:
                metadata = triggers.bound_metadata(trigger, metadata)
            capture = Capture.objects.create(
                image=image,
                station=station,
                uploaded_by=actor,
                source=source,
                idempotency_key=idempotency_key,
                original_name=original_name[:255],
                metadata=metadata,
            )
            if trigger is not None:
                triggers.bind(trigger, capture)
            job = ReadingJob.objects.create(
                capture=capture, engine=settings.OCR_ENGINE, queue=QUEUES.get(settings.OCR_ENGINE, "ocr")
            )
            transaction.on_commit(lambda: dispatch_reading(job_id=job.pk))
    except IntegrityError:
        # Two uploads with the same key raced; the other one won.
        existing = Capture.objects.filter(uploaded_by=actor, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing, False
    logger.info("capture %s accepted from %s (%s), job %s", capture.pk, actor.username, source, job.pk)
    return capture, True


def dispatch_reading(*, job_id: int) -> None:
    """Hand a job to the queue. A broker error leaves the job pending; it is sent again by
    ``redispatch_pending`` (at worker start in the embedded setup)."""
    from ocr.tasks import run_reading

    job = ReadingJob.objects.get(pk=job_id)
    try:
        run_reading.apply_async(args=[job.pk], queue=job.queue)
    except Exception:  # noqa: BLE001 - any broker failure: the row stays pending, nothing is lost
        logger.exception("job %s could not be dispatched; it stays pending", job_id)
        return
    ReadingJob.objects.filter(pk=job_id).update(dispatched_at=timezone.now())


def redispatch_pending() -> int:
    """Send every pending job again (after a restart of the embedded worker, for example).
    Claiming makes a second delivery of the same job harmless."""
    ids = list(ReadingJob.objects.filter(status=JobStatus.PENDING).values_list("pk", flat=True))
    for job_id in ids:
        dispatch_reading(job_id=job_id)
    return len(ids)


MAX_ATTEMPTS = 3  # a job whose worker died this many times fails with the reason
RELAY_GRACE_S = 5  # a new job is sent after its commit; the relay leaves it this long first
RELAY_BATCH = 1000


def relay_jobs(now=None) -> dict:
    """The reading jobs' outbox relay and reaper, run every few seconds:

    - a pending job the broker never took (its dispatch failed, or the process died between
      commit and dispatch) is sent again, and so is one sent ``JOB_REDISPATCH_SECONDS`` ago that
      no worker has claimed (a broker that lost its messages);
    - a job running past ``JOB_TIME_LIMIT`` (its worker was killed) goes back to pending and is
      sent again; after ``MAX_ATTEMPTS`` it fails with the reason.

    Claiming once makes every extra delivery harmless. Returns the counts."""
    now = now or timezone.now()
    stuck = ReadingJob.objects.filter(
        status=JobStatus.RUNNING, started_at__lt=now - dt.timedelta(seconds=settings.JOB_TIME_LIMIT)
    )
    failed = stuck.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=JobStatus.FAILED,
        error_code="worker_lost",
        error=f"The worker reading this photo stopped {MAX_ATTEMPTS} times; it was not read.",
        finished_at=now,
    )
    reaped = stuck.filter(attempts__lt=MAX_ATTEMPTS).update(status=JobStatus.PENDING, dispatched_at=None)
    due = ReadingJob.objects.filter(status=JobStatus.PENDING).filter(
        Q(dispatched_at__isnull=True, created_at__lt=now - dt.timedelta(seconds=RELAY_GRACE_S))
        | Q(dispatched_at__lt=now - dt.timedelta(seconds=settings.JOB_REDISPATCH_SECONDS))
    )
    ids = list(due.order_by("pk").values_list("pk", flat=True)[:RELAY_BATCH])
    for job_id in ids:
        dispatch_reading(job_id=job_id)
    if failed or reaped or ids:
        logger.warning("relay: %s job(s) sent again, %s reaped, %s failed for good", len(ids), reaped, failed)
    return {"sent": len(ids), "reaped": reaped, "failed": failed}


def _claim(job_id: int) -> bool:
    return bool(
        ReadingJob.objects.filter(pk=job_id, status=JobStatus.PENDING).update(
            status=JobStatus.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1
        )
    )


def _candidates(reading: Reading) -> set[str]:
    """Strings that may be a serial or a lot code: whole code contents, GS1 lot and serial
    values, and the words of each text line."""
    found = set()
    for code in reading.codes:
        found.add(code["text"])
        found.update(el["value"] for el in code["gs1"] if el["ai"] in ("10", "21"))
    for line in reading.lines:
        found.update(word.strip(":;,.") for word in line["text"].split())
    return {value for value in found if value}


def _link_records(capture: Capture, reading: Reading) -> None:
    """Link the capture to the unit or lot its accepted reading names. A reading waiting for
    review links nothing: confirmed values, not raw readings, feed traceability."""
    if capture.needs_review:
        return
    values = _candidates(reading)
    part = (capture.metadata or {}).get("part_id")
    if part:
        other = Unit.objects.filter(serial__in=values).exclude(serial=part).values_list("serial", flat=True)
        if other:
            reason = f"the line said part {part}; the label names unit {other[0]}"
            hold_for_review(capture=capture, reasons=[reason])
            return
        values.add(part)
    _link_values(capture, values)


def _link_values(capture: Capture, values: set[str]) -> None:
    if not values:
        return
    linked = (capture.unit_id, capture.lot_id)
    capture.unit = Unit.objects.filter(serial__in=values).select_related("lot").first()
    capture.lot = capture.unit.lot if capture.unit else Lot.objects.filter(code__in=values).first()
    if (capture.unit_id, capture.lot_id) != linked:
        capture.save(update_fields=["unit", "lot"])
    _assemble_into_parent(capture)


def _assemble_into_parent(capture: Capture) -> None:
    """Assembly capture: the operator photographed the parent's serial first, then each
    component's label. A component's unit (or lot, one piece) goes into the parent's unit as
    soon as it is known; a refusal (already installed, a cycle) sends the capture to review."""
    meta = capture.metadata or {}
    if meta.get("context") != "assembly" or not meta.get("parent_capture"):
        return
    parent = (
        Capture.objects.filter(pk=meta["parent_capture"], uploaded_by=capture.uploaded_by)
        .select_related("unit__product")
        .first()
    )
    if parent is None or parent.unit is None or (capture.unit is None and capture.lot is None):
        return
    from traceability import services as trace

    components = [capture.unit] if capture.unit and capture.unit != parent.unit else []
    lots = [(capture.lot, 1)] if not components and capture.lot else []
    if not components and not lots:
        return
    try:
        with transaction.atomic():
            trace.record_assembly(
                parent=parent.unit,
                components=components,
                lots=lots,
                station=capture.station,
                capture=capture,
                actor=capture.uploaded_by,
            )
    except trace.TraceError as exc:
        hold_for_review(capture=capture, reasons=[f"assembly into {parent.unit.serial}: {exc.message}"])


REVIEWER_ROLES = (Role.ADMIN, Role.SUPERVISOR)
REVIEW_MEANINGS = ("reviewed", "approved")


def failed_checks(reading: Reading) -> list[dict]:
    """The checks a reading failed on what was read (a check digit, a date, a format, text
    against code, a required field), as opposed to a low confidence, which a person settles by
    looking. Keeping a value that failed one is an approval that needs a signature."""
    return [c for c in reading.checks if not c.get("ok") and c.get("name") != "confidence"]


def kept_failures(reading: Reading, values: dict) -> list[str]:
    """The failed checks on fields the person confirms unchanged, as ``field: what failed``."""
    read = {f["name"]: f.get("value", "") for f in reading.fields}
    return sorted(
        {
            f"{c['field']}: {c.get('detail') or c['name']}"
            for c in failed_checks(reading)
            if c.get("field") in values and str(values[c["field"]]).strip() == read.get(c["field"], "")
        }
    )


def hold_for_review(*, capture: Capture, reasons: list[str]) -> None:
    """Send ``capture`` to the review queue, its ``reasons`` added to those it already has."""
    capture.needs_review = True
    capture.review_reasons = [*capture.review_reasons, *reasons]
    capture.save(update_fields=["needs_review", "review_reasons"])


def review_capture(*, capture: Capture, values: dict, reviewer, signature: dict | None = None) -> Capture:
    """A person confirms or corrects each field of a reading. Every field given is stored as a
    Correction (the value read and the value confirmed, the box, engine and image), the review
    flag is cleared, and the capture is linked to the unit or lot the confirmed values name.
    An empty value says the field is not on the label. Keeping a value that failed a check is
    an approval: it needs the reviewer's electronic signature (``signature``, what they gave:
    password again, meaning reviewed or approved, a reason), kept on the capture."""
    if getattr(reviewer, "role", None) not in REVIEWER_ROLES:
        logger.warning("review of capture %s refused for %s", capture.pk, getattr(reviewer, "username", "?"))
        raise CaptureRefused("Your role may not review readings.", "forbidden", 403)
    if not isinstance(values, dict) or not values:
        raise CaptureRefused("Send the fields as an object of name → value.", "no_fields")
    unknown = sorted(set(values) - set(TEMPLATE_FIELDS))
    if unknown:
        raise CaptureRefused(f"Unknown fields: {', '.join(map(str, unknown))}.", "unknown_field")
    if any(not isinstance(v, str) or len(v) > 200 for v in values.values()):
        raise CaptureRefused("Each value is text of at most 200 characters.", "bad_value")
    with transaction.atomic():
        capture = Capture.objects.select_for_update().select_related("image").get(pk=capture.pk)
        reading = Reading.objects.filter(capture=capture).first()
        if reading is None:
            raise CaptureRefused("This capture has no reading to review yet.", "no_reading", 409)
        if capture.reviewed_at is not None:
            raise CaptureRefused("This capture was already reviewed.", "already_reviewed", 409)
        kept = kept_failures(reading, values)
        signed = None
        if kept:
            signed = sign_decision(
                user=reviewer,
                given=signature,
                meanings=REVIEW_MEANINGS,
                reason="",
                record={
                    "action": "review",
                    "capture": capture.pk,
                    "image": capture.image.sha256,
                    "values": values,
                    "failed": kept,
                },
            )
        read = {f["name"]: f for f in reading.fields}
        Correction.objects.bulk_create(
            [
                Correction(
                    capture=capture,
                    field=name,
                    read_value=read.get(name, {}).get("value", ""),
                    value=value.strip(),
                    changed=value.strip() != read.get(name, {}).get("value", ""),
                    source=read.get(name, {}).get("source", ""),
                    confidence=read.get(name, {}).get("confidence"),
                    box=read.get(name, {}).get("box", []),
                    frame=[reading.width, reading.height] if reading.width else [],
                    engine=reading.engine,
                    engine_version=reading.engine_version,
                    image_sha256=capture.image.sha256,
                    reviewer=reviewer,
                )
                for name, value in values.items()
            ]
        )
        capture.needs_review = False
        capture.reviewed_by, capture.reviewed_at, capture.review_signature = reviewer, timezone.now(), signed
        capture.save(update_fields=["needs_review", "reviewed_by", "reviewed_at", "review_signature"])
        confirmed = {v.strip() for k, v in values.items() if k in ("serial", "lot") and v.strip()}
        _link_values(capture, confirmed)
        append_record(
            EventCode.REVIEW,
            {
                "tracelens:imageSha256": capture.image.sha256,
                "tracelens:corrections": [
                    {"field": name, "before": read.get(name, {}).get("value", ""), "after": value.strip()}
                    for name, value in values.items()
                ],
                **({"tracelens:signature": signed} if signed else {}),
            },
            actor=reviewer,
            station_id=capture.station_id,
            unit_id=capture.unit_id,
            lot_id=capture.lot_id,
            capture_id=capture.pk,
        )
        transaction.on_commit(lambda: publish_capture(capture_id=capture.pk))
    logger.info("capture %s reviewed by %s: %s", capture.pk, reviewer.username, sorted(values))
    return capture


def _fail(job_id: int, code: str, message: str) -> None:
    ReadingJob.objects.filter(pk=job_id).update(
        status=JobStatus.FAILED, error_code=code, error=message, finished_at=timezone.now()
    )


def template_for(capture: Capture) -> LabelTemplate | None:
    """The capture's template: named in its metadata (``template``), or the active template of
    the product it names (``product``, a part number)."""
    meta = capture.metadata or {}
    templates = LabelTemplate.objects.filter(active=True).select_related("product")
    if meta.get("template"):
        return templates.filter(name=str(meta["template"])).first()
    if meta.get("product"):
        return templates.filter(product__part_number=str(meta["product"])).first()
    return None


def read_config(capture: Capture, engine: str) -> ReadConfig:
    """What the reading of this capture runs with: the engine, the template's rules and
    threshold, and the serial and lot formats of the product the capture names."""
    template = template_for(capture)
    product = template.product if template and template.product else None
    if product is None and (capture.metadata or {}).get("product"):
        product = Product.objects.filter(part_number=str(capture.metadata["product"])).first()
    patterns = tuple(
        (name, pattern)
        for name, pattern in (
            ("serial", getattr(product, "serial_pattern", "")),
            ("lot", getattr(product, "lot_pattern", "")),
        )
        if pattern
    )
    return ReadConfig(
        engine=engine,
        read_text=_reads_text(capture),
        engine_options=thread_options(settings.OCR_THREADS) if engine == "rapidocr" else (),
        model_dir=str(settings.MODELS_DIR),
        patterns=patterns,
        rules=rules_from_json(template.fields) if template else (),
        template=template.name if template else "",
        fixed_layout=bool(template and template.fixed_layout),
        min_confidence=template.min_confidence if template else ReadConfig.min_confidence,
    )


def _emit_reading(capture: Capture, reading: Reading) -> None:
    """``reading.completed`` (and ``review.needed``) for the webhooks, with the reading's commit;
    the same to the station's MQTT topic (``.../reading``) once committed."""
    station = capture.station.code if capture.station_id else None
    meta = capture.metadata or {}
    payload = {
        "capture": capture.pk,
        "station": station,
        "part_id": meta.get("part_id", ""),
        "trigger_id": str(meta.get("trigger_id", "")),
        "fields": {f["name"]: f["value"] for f in reading.fields},
        "codes": [c["text"] for c in reading.codes],
        "needs_review": capture.needs_review,
        "review_reasons": capture.review_reasons,
        "unit": capture.unit.serial if capture.unit_id else None,
        "lot": capture.lot.code if capture.lot_id else None,
    }
    emit(WebhookEvent.READING_COMPLETED, payload)
    transaction.on_commit(lambda: mqtt.publish(mqtt.topic(capture.station, "reading"), payload))
    if capture.needs_review:
        emit(
            WebhookEvent.REVIEW_NEEDED,
            {"capture": capture.pk, "station": station, "reasons": capture.review_reasons},
        )


def _audit_reading(capture: Capture, reading: Reading, config: ReadConfig) -> None:
    """The reading in the audit trail: what was read, by which engine and model, with which
    thresholds, from which image (its SHA-256)."""
    append_record(
        EventCode.READ,
        {
            "tracelens:imageSha256": capture.image.sha256,
            "tracelens:engine": reading.engine or "codes only",
            "tracelens:engineVersion": reading.engine_version,
            "tracelens:model": reading.engine_model,
            "tracelens:codeReader": f"zxing-cpp {CODE_READER_VERSION}",
            "tracelens:thresholds": {
                "minConfidence": config.min_confidence,
                "fieldMinConfidence": {r.name: r.min_confidence for r in config.rules if r.min_confidence},
                "patterns": dict(config.patterns) | {r.name: r.pattern for r in config.rules if r.pattern},
                "template": config.template,
            },
            "tracelens:fields": {
                f["name"]: [f["value"], f["confidence"], f["source"]] for f in reading.fields
            },
            "tracelens:codes": [c["text"][:200] for c in reading.codes],
            "tracelens:failedChecks": [f"{c['field']}: {c['name']}" for c in reading.checks if not c["ok"]],
            "tracelens:needsReview": capture.needs_review,
        },
        station_id=capture.station_id,
        unit_id=capture.unit_id,
        lot_id=capture.lot_id,
        capture_id=capture.pk,
    )


def _reads_text(capture: Capture) -> bool:
    """A photo of a machine's 7-segment or dot-matrix display (``metadata.display``) is read by
    the inspection app's meter reader, not by the text pipeline (which reads those displays far
    worse); a general digital display's number comes from the text pipeline's lines."""
    display_id = (capture.metadata or {}).get("display")
    if not display_id:
        return True
    from inspection.models import Display
    from inspection.services.meters import reader_for

    kind = Display.objects.filter(pk=display_id).values_list("kind", flat=True).first()
    return kind is None or reader_for(kind) == "text"


def perform_reading(*, job_id: int) -> str:
    """Claim the job, read its image, store the Reading and link the capture to the unit or lot
    it shows. An unreadable image fails the job with a reason (no retry); a database error
    returns the job to pending and propagates, so the task can retry it."""
    if not _claim(job_id):
        logger.info("job %s not claimed (already taken or finished)", job_id)
        return "skipped"
    # the station with its line and site: the reading's webhook payload and MQTT topic name them
    job = ReadingJob.objects.select_related("capture__image", "capture__station__line__site").get(pk=job_id)
    capture = job.capture
    try:
        photo = storage.read_bytes(capture.image.path)
        image = decode_image(photo, max_pixels=settings.MAX_IMAGE_PIXELS, reduce_to=READ_SIDE)
        reduced = max(image.shape[:2]) < max(capture.image.width, capture.image.height)
        full = cache(lambda: decode_image(photo, max_pixels=settings.MAX_IMAGE_PIXELS)) if reduced else None
        config = read_config(capture, job.engine)
        result = read_image(image, config, full_resolution=full)
    except ImageRejected as exc:
        logger.warning("job %s capture %s unreadable: %s", job_id, capture.pk, exc.reason)
        _fail(job_id, exc.code, exc.reason)
    except (EngineUnavailable, UnknownEngine) as exc:
        logger.error("job %s capture %s: engine %s unavailable: %s", job_id, capture.pk, job.engine, exc)
        _fail(job_id, "engine_unavailable", str(exc))
    except FileNotFoundError:
        logger.error("job %s capture %s: image file missing", job_id, capture.pk)
        _fail(job_id, "image_missing", "The stored image file is missing.")
    except OperationalError:
        ReadingJob.objects.filter(pk=job_id).update(status=JobStatus.PENDING)
        raise
    except Exception as exc:  # noqa: BLE001 - an engine crash on one image must not stop the worker
        logger.exception("job %s capture %s: engine error", job_id, capture.pk)
        _fail(job_id, "engine_error", f"The reading engine failed on this image: {exc}")
    else:
        try:
            with transaction.atomic():
                data = result.to_dict()
                reading = Reading.objects.create(
                    capture=capture,
                    width=result.width,
                    height=result.height,
                    lines=data["lines"],
                    codes=data["codes"],
                    fields=data["fields"],
                    checks=data["checks"],
                    quality=data["quality"],
                    text_variant=result.text_variant,
                    engine=result.engine,
                    engine_version=result.engine_version,
                    engine_model=result.engine_model,
                    config=asdict(config),
                    timings_ms=result.timings_ms,
                )
                capture.needs_review = result.needs_review
                capture.review_reasons = list(result.review_reasons)
                capture.save(update_fields=["needs_review", "review_reasons"])
                _link_records(capture, reading)
                _audit_reading(capture, reading, config)
                if (capture.metadata or {}).get("verify"):
                    _verify(capture)
                ReadingJob.objects.filter(pk=job_id).update(status=JobStatus.DONE, finished_at=timezone.now())
                _emit_reading(capture, reading)
        except IntegrityError:  # a job sent again after its worker was taken for dead, which finished
            if not Reading.objects.filter(capture=capture).exists():
                raise
            logger.warning("job %s: capture %s was already read by an earlier delivery", job_id, capture.pk)
            ReadingJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
                status=JobStatus.DONE, finished_at=timezone.now()
            )
            return ReadingJob.objects.values_list("status", flat=True).get(pk=job_id)
        logger.info(
            "job %s capture %s read: %d lines, %d codes",
            job_id,
            capture.pk,
            len(result.lines),
            len(result.codes),
        )
        _inspect(capture, image)
    transaction.on_commit(lambda: publish_capture(capture_id=capture.pk))
    return ReadingJob.objects.values_list("status", flat=True).get(pk=job_id)


def _inspect(capture: Capture, image) -> None:
    """The inspection app's work on a read capture (defect checks, sorting, paper forms), after
    the reading committed: a slow or failing check never holds back or undoes the reading."""
    from inspection.services import after_reading

    try:
        after_reading(capture=capture, image=image)
    except Exception:  # noqa: BLE001 - an inspection bug must not undo a stored reading
        logger.exception("capture %s: inspection after reading failed", capture.pk)


def _verify(capture: Capture) -> None:
    """A capture sent for verification (metadata ``verify``) is checked as soon as it is read; a
    context the database does not know sends it to review with the reason, never fails the
    reading."""
    from inspection.services import VerificationRefused, verify_capture

    try:
        verify_capture(capture=capture, actor=capture.uploaded_by)
    except VerificationRefused as exc:
        logger.warning("capture %s not verified: %s", capture.pk, exc.message)
        hold_for_review(capture=capture, reasons=[f"verification: {exc.message}"])


def publish_capture(*, capture_id: int) -> None:
    """The dashboard group gets the capture's one-line row; the capture's page group only word
    that it changed, and each page's socket reads the capture for itself (frontend.consumers):
    most captures have no page open, and the whole capture is the costliest part to read."""
    from frontend.live import DASHBOARD_GROUP, capture_group, notify
    from ocr.dashboard import feed_captures, feed_row

    notify(capture_group(capture_id), {"type": "capture.changed", "capture": capture_id})
    notify(
        DASHBOARD_GROUP,
        {"type": "dashboard.capture", "capture": feed_row(feed_captures().get(pk=capture_id))},
    )
