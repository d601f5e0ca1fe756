"""Defect checks on captures, and training the detectors they run.

``inspect_capture`` runs after a capture is read (ocr.services), outside the reading's
transaction: it never fails the reading. Each check writes one DefectInspection with its
detections; a check that cannot run (a template of another size, the wrong product in the
frame, a model file whose hash differs from its manifest) is stored with its error and sends the
capture to review. A defect found on a known unit writes a failed inspection event on it (the
unit goes on hold, traceability.services.inspect_unit)."""

import functools
import logging
import re
import time
from pathlib import Path

import cv2
import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from inspection.choices import DefectMethod, TrainingStatus
from inspection.models import DefectCheck, DefectInspection, Detection, TrainingJob
from inspection.vision import registry
from inspection.vision.anomaly import AnomalyModelError, SurfaceModel
from inspection.vision.datasets import DatasetError, read_yolo
from inspection.vision.golden import GoldenConfig, TemplateError, compare
from inspection.vision.registry import ModelError
from inspection.vision.yolo import OnnxDetector, TrainingError
from ocr import storage
from ocr.services import hold_for_review
from traceability import services as trace

logger = logging.getLogger(__name__)

CHECK_ERRORS = (TemplateError, ModelError, AnomalyModelError, ValueError, FileNotFoundError)


class TrainingRefused(ValueError):
    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.message, self.code = message, code


def product_of(capture) -> int | None:
    """The capture's product: from its unit, its lot, or ``metadata.product`` (a part number)."""
    product_id = None
    if capture.unit_id:
        product_id = capture.unit.product_id
    elif capture.lot_id:
        product_id = capture.lot.product_id
    elif (capture.metadata or {}).get("product"):
        from traceability.models import Product

        product_id = (
            Product.objects.filter(part_number=capture.metadata["product"])
            .values_list("pk", flat=True)
            .first()
        )
    return product_id


def checks_for(capture) -> list[DefectCheck]:
    """The active checks of the capture's product that apply at its station; for a capture of
    no known product (a fixed camera over a conveyor), the checks bound to its station."""
    product_id = product_of(capture)
    active = DefectCheck.objects.filter(active=True).select_related("template").order_by("pk")
    if product_id is not None:
        return list(
            active.filter(product_id=product_id).filter(
                Q(station__isnull=True) | Q(station_id=capture.station_id)
            )
        )
    if capture.station_id is not None:
        return list(active.filter(station_id=capture.station_id))
    return []


def _golden_config(check: DefectCheck) -> GoldenConfig:
    known = GoldenConfig.__dataclass_fields__
    unknown = set(check.settings) - set(known) - {"confidence"}
    if unknown:
        raise ValueError(f"check {check.name}: unknown settings {', '.join(sorted(unknown))}")
    return GoldenConfig(**{k: v for k, v in check.settings.items() if k in known})


@functools.lru_cache(maxsize=8)
def _template(path: str) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(storage.read_bytes(path), np.uint8), cv2.IMREAD_GRAYSCALE)


@functools.lru_cache(maxsize=8)
def _loaded(models_dir: str, name: str, version: int | None, sha256_hint: str):
    """A registered model, loaded once per process (the hint makes a re-registered file a new
    cache entry); the file's hash is checked against the manifest before it is used."""
    entry = registry.find(models_dir, name, version)
    path = registry.verified_path(models_dir, entry)
    if entry.kind == "yolo-onnx":
        return entry, OnnxDetector(path, entry.classes, input_size=entry.input_size or 640, threads=1)
    if entry.kind == "surface-npz":
        return entry, SurfaceModel.load(path.read_bytes())
    raise ModelError(f"model {name}: kind {entry.kind!r} is not a defect model")


def _model(check: DefectCheck):
    models_dir = str(settings.MODELS_DIR)
    entry = registry.find(models_dir, check.model_name, check.model_version)
    return _loaded(models_dir, check.model_name, check.model_version, entry.sha256)


def run_check(check: DefectCheck, image: np.ndarray) -> dict:
    """One check on a BGR image: verdict, score, detections, heat map (PNG bytes or None),
    details, model name and version. Raises one of CHECK_ERRORS when it cannot run."""
    started = time.perf_counter()
    if check.method == DefectMethod.GOLDEN:
        if check.template is None:
            raise TemplateError(f"check {check.name} has no template image")
        result = compare(image, _template(check.template.path), _golden_config(check))
        found = [{"label": d.kind, "score": d.score, "box": d.box, "area": d.area} for d in result.defects]
        outcome = {
            "ok": result.ok,
            "score": max((d.score for d in result.defects), default=0.0),
            "detections": found,
            "heat": None,
            "model_name": "",
            "model_version": None,
            "details": {"correlation": round(result.correlation, 4), "shift": list(result.shift)},
        }
    elif check.method == DefectMethod.DETECTOR:
        entry, detector = _model(check)
        minimum = float(check.settings.get("confidence", 0.25))
        found = [
            {"label": d.label, "score": d.score, "box": d.box, "area": None}
            for d in detector.detect(image)
            if d.score >= minimum
        ]
        outcome = {
            "ok": not found,
            "score": max((d["score"] for d in found), default=0.0),
            "detections": found,
            "heat": None,
            "model_name": entry.name,
            "model_version": entry.version,
            "details": {"confidence": minimum},
        }
    else:
        entry, model = _model(check)
        anomaly = model.score(image)
        found = []
        if anomaly.anomalous and anomaly.box:
            found = [{"label": "anomaly", "score": anomaly.score, "box": anomaly.box, "area": None}]
        outcome = {
            "ok": not anomaly.anomalous,
            "score": anomaly.score,
            "detections": found,
            "heat": anomaly.heat_png(),
            "model_name": entry.name,
            "model_version": entry.version,
            "details": {"threshold": round(anomaly.threshold, 4)},
        }
    outcome["details"]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return outcome


def inspect_capture(*, capture, checks=None) -> list[DefectInspection]:
    """Run the capture's defect checks (each once: a check already run is skipped)."""
    from ocr.services import store_image

    checks = checks if checks is not None else checks_for(capture)
    if checks:  # the checks already run are looked up only when there is any to run
        done = set(DefectInspection.objects.filter(capture=capture).values_list("defect_check_id", flat=True))
        checks = [c for c in checks if c.pk not in done]
    if not checks:
        return []
    image = cv2.imdecode(np.frombuffer(storage.read_bytes(capture.image.path), np.uint8), cv2.IMREAD_COLOR)
    written = []
    for check in checks:
        try:
            outcome = run_check(check, image)
            error = ""
        except CHECK_ERRORS as exc:
            logger.warning(
                "capture %s check %s (%s) could not run: %s", capture.pk, check.pk, check.name, exc
            )
            outcome, error = None, str(exc)
        heat = store_image(data=outcome["heat"]) if outcome and outcome["heat"] else None
        with transaction.atomic():
            record = DefectInspection.objects.create(
                capture=capture,
                defect_check=check,
                method=check.method,
                model_name=outcome["model_name"] if outcome else check.model_name,
                model_version=outcome["model_version"] if outcome else check.model_version,
                ok=outcome["ok"] if outcome else None,
                score=outcome["score"] if outcome else None,
                heat_map=heat,
                details=outcome["details"] if outcome else {},
                error=error,
            )
            Detection.objects.bulk_create(
                Detection(
                    inspection=record,
                    capture=capture,
                    station_id=capture.station_id,
                    label=d["label"],
                    score=float(d["score"]),
                    x1=float(d["box"][0]),
                    y1=float(d["box"][1]),
                    x2=float(d["box"][2]),
                    y2=float(d["box"][3]),
                    area=d["area"],
                )
                for d in (outcome["detections"] if outcome else [])
            )
            _consequences(capture, check, record, outcome, error)
        written.append(record)
    return written


def _consequences(capture, check, record, outcome, error) -> None:
    if error:
        reason = f"defect check {check.name}: {error}"
    elif not outcome["ok"]:
        labels = sorted({d["label"] for d in outcome["detections"]}) or ["anomaly"]
        reason = f"defect check {check.name}: {', '.join(labels)}"
        if capture.unit_id:
            model = f"{record.model_name} v{record.model_version}" if record.model_name else check.method
            trace.inspect_unit(
                unit=capture.unit,
                passed=False,
                actor=capture.uploaded_by,
                station=capture.station,
                capture=capture,
                notes=f"{reason} ({model}, score {outcome['score']:.3f})",
            )
    else:
        return
    hold_for_review(capture=capture, reasons=[reason])


NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def start_training(
    *,
    product,
    model_name: str,
    dataset: str,
    actor,
    epochs: int = 100,
    input_size: int = 640,
    device: str = "cpu",
) -> TrainingJob:
    """Check the dataset (a YOLO folder named ``dataset`` under TRAINING_DATA_DIR; a name, never
    a path), write the job row, and hand it to the ``gpu`` queue after commit. A malformed
    dataset is refused here, before any job exists."""
    if not NAME.match(dataset) or not NAME.match(model_name):
        raise TrainingRefused("dataset and model names are letters, digits, - and _", "bad_name")
    dataset_dir = Path(settings.TRAINING_DATA_DIR) / dataset
    if not dataset_dir.is_dir():
        raise TrainingRefused(
            f"no dataset {dataset!r}; import it first (manage.py import_defects)", "no_dataset"
        )
    try:
        labelled = read_yolo(dataset_dir)
    except DatasetError as exc:
        raise TrainingRefused(str(exc), "bad_dataset") from exc
    if not any(image.boxes for image in labelled.images):
        raise TrainingRefused("the dataset has no labelled boxes", "bad_dataset")
    job = TrainingJob.objects.create(
        product=product,
        model_name=model_name,
        dataset_dir=str(Path(dataset_dir).resolve()),
        dataset_sha256=labelled.content_hash(),
        epochs=epochs,
        input_size=input_size,
        device=device,
        requested_by=actor,
    )
    transaction.on_commit(lambda: _dispatch(job.pk))
    return job


def _dispatch(job_id: int) -> None:
    from inspection.tasks import train_detector

    try:
        train_detector.apply_async(args=[job_id], queue="gpu")
    except Exception:  # noqa: BLE001 - a broker failure leaves the job pending, to be sent again
        logger.exception("training job %s could not be dispatched; it stays pending", job_id)


def run_training(*, job_id: int) -> str:
    """Claim the job, train, export to ONNX, register the model in the models folder with its
    classes, training data hash and metrics. A failure is stored on the row with its reason."""
    claimed = TrainingJob.objects.filter(pk=job_id, status=TrainingStatus.PENDING).update(
        status=TrainingStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return "skipped"
    job = TrainingJob.objects.get(pk=job_id)
    from inspection.vision.yolo import train

    try:
        dataset = read_yolo(job.dataset_dir)
        if dataset.content_hash() != job.dataset_sha256:
            raise DatasetError("the dataset changed after the job was requested; request it again")
        work = Path(settings.MEDIA_ROOT) / "training" / f"job-{job.pk}"
        result = train(
            Path(job.dataset_dir) / "data.yaml",
            work,
            epochs=job.epochs,
            input_size=job.input_size,
            device=job.device,
        )
        entry = registry.register(
            settings.MODELS_DIR,
            result.onnx,
            name=job.model_name,
            kind="yolo-onnx",
            classes=dataset.classes,
            training_data_sha256=job.dataset_sha256,
            metrics=result.metrics,
            input_size=job.input_size,
        )
    except (DatasetError, TrainingError, ModelError, OSError) as exc:
        logger.error("training job %s failed: %s", job_id, exc)
        TrainingJob.objects.filter(pk=job_id).update(
            status=TrainingStatus.FAILED, error=str(exc), finished_at=timezone.now()
        )
        return TrainingStatus.FAILED
    TrainingJob.objects.filter(pk=job_id).update(
        status=TrainingStatus.DONE,
        finished_at=timezone.now(),
        result={
            "model": entry.name,
            "version": entry.version,
            "sha256": entry.sha256,
            "metrics": result.metrics,
            "seconds": round(result.seconds, 1),
        },
    )
    logger.info("training job %s registered %s v%s", job_id, entry.name, entry.version)
    return TrainingStatus.DONE
