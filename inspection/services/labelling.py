"""Labelling: boxes drawn on captured images, and the YOLO dataset made from them for training."""

import logging
import random
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

from inspection.models import Annotation
from inspection.services.defects import NAME, TrainingRefused
from inspection.vision.datasets import Box, Dataset, LabelledImage, write_yolo
from ocr import storage

logger = logging.getLogger(__name__)


def annotate(*, capture, defect_class, box, actor) -> Annotation:
    """Add one box (image pixels x1 y1 x2 y2). Refused outside the image."""
    x1, y1, x2, y2 = (float(v) for v in box)
    annotation = Annotation(
        capture=capture, defect_class=defect_class, x1=x1, y1=y1, x2=x2, y2=y2, author=actor
    )
    try:
        annotation.clean()
    except ValidationError as exc:
        raise TrainingRefused(exc.messages[0], "bad_box") from exc
    annotation.save()
    return annotation


def export_dataset(*, product, name: str, val_share: float = 0.2, seed: int = 0) -> tuple[Path, Dataset]:
    """Every capture with boxes of ``product``'s classes, written as the YOLO dataset ``name``
    under TRAINING_DATA_DIR (replacing an older one of that name whole)."""
    if not NAME.match(name):
        raise TrainingRefused("a dataset name is letters, digits, - and _", "bad_name")
    classes = tuple(product.defect_classes.order_by("name").values_list("name", flat=True))
    boxes = (
        Annotation.objects.filter(defect_class__product=product)
        .select_related("capture__image", "defect_class")
        .order_by("capture_id", "pk")
    )
    by_capture: dict[int, list] = {}
    for annotation in boxes:
        by_capture.setdefault(annotation.capture_id, []).append(annotation)
    if not by_capture:
        raise TrainingRefused(f"no boxes drawn on {product.part_number}'s captures yet", "no_boxes")
    with tempfile.TemporaryDirectory() as work:
        images = []
        for capture_id, drawn in by_capture.items():
            stored = drawn[0].capture.image
            suffix = Path(stored.path).suffix or ".jpg"
            path = Path(work) / f"capture-{capture_id}{suffix}"
            path.write_bytes(storage.read_bytes(stored.path))
            images.append(
                LabelledImage(
                    path,
                    stored.width,
                    stored.height,
                    tuple(Box(a.x1, a.y1, a.x2, a.y2, a.defect_class.name) for a in drawn),
                )
            )
        random.Random(seed).shuffle(images)
        cut = round(len(images) * val_share) if len(images) >= 5 else 0
        splits = {"train": images[cut:], **({"val": images[:cut]} if cut else {})}
        dataset = Dataset(classes, tuple(images))
        target = write_yolo(dataset, Path(settings.TRAINING_DATA_DIR) / name, splits=splits)
    logger.info("dataset %s: %d images of %s exported", name, len(images), product.part_number)
    return target, dataset
