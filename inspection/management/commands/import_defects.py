"""``manage.py import_defects SOURCE NAME``: a labelled defect dataset (a YOLO folder with
data.yaml or classes.txt, as Ultralytics and Label Studio's YOLO export write it, or a COCO
JSON file, or either zipped) checked whole and written as the YOLO dataset NAME under
TRAINING_DATA_DIR, ready for a training job. A malformed dataset is refused with the file and
line at fault, and nothing is written."""

import random
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from inspection.services.defects import NAME
from inspection.vision.datasets import DatasetError, read_coco, read_yolo, unpack, write_yolo


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "source", help="a YOLO folder, a COCO .json file (images beside it), or a .zip of either"
        )
        parser.add_argument("name", help="the dataset's name (letters, digits, - and _)")
        parser.add_argument("--val", type=float, default=0.2, help="share of images held out for validation")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, source, name, val, seed, **options):
        if not NAME.match(name):
            raise CommandError("a dataset name is letters, digits, - and _")
        with tempfile.TemporaryDirectory() as work:
            try:
                source = Path(source)
                if source.suffix.lower() == ".zip":
                    source = unpack(source, work)
                    yolo = any((source / n).exists() for n in ("data.yaml", "dataset.yaml", "classes.txt"))
                    coco = sorted(p for p in source.glob("*.json") if p.name != "notes.json")
                    source = coco[0] if coco and not yolo else source
                dataset = read_coco(source) if source.suffix.lower() == ".json" else read_yolo(source)
            except DatasetError as exc:
                raise CommandError(str(exc)) from exc
            self._write(dataset, name, val, seed)

    def _write(self, dataset, name, val, seed):
        images = list(dataset.images)
        random.Random(seed).shuffle(images)
        cut = max(1, round(len(images) * val)) if len(images) > 1 and val > 0 else 0
        splits = {"train": images[cut:], **({"val": images[:cut]} if cut else {})}
        target = write_yolo(dataset, Path(settings.TRAINING_DATA_DIR) / name, splits=splits)
        boxes = sum(len(i.boxes) for i in images)
        self.stdout.write(
            f"dataset {name}: {len(images)} images ({len(images) - cut} train, {cut} val), {boxes} boxes, "
            f"classes {', '.join(dataset.classes)}; written to {target}"
        )
