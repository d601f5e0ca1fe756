"""``manage.py export_defects NAME OUT --format coco|yolo``: a dataset under TRAINING_DATA_DIR
written out for another tool (COCO JSON with the images beside it, or a YOLO folder)."""

import json
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from inspection.services.defects import NAME
from inspection.vision.datasets import DatasetError, coco_json, read_yolo, write_yolo


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("out", help="a folder to create (must not exist)")
        parser.add_argument("--format", choices=["coco", "yolo"], default="coco")

    def handle(self, *args, name, out, format, **options):
        if not NAME.match(name):
            raise CommandError("a dataset name is letters, digits, - and _")
        out = Path(out)
        if out.exists():
            raise CommandError(f"{out} exists; name a new folder")
        try:
            dataset = read_yolo(Path(settings.TRAINING_DATA_DIR) / name)
        except DatasetError as exc:
            raise CommandError(str(exc)) from exc
        if format == "yolo":
            write_yolo(dataset, out)
        else:
            (out / "images").mkdir(parents=True)
            for image in dataset.images:
                shutil.copyfile(image.path, out / "images" / image.path.name)
            (out / "annotations.json").write_text(json.dumps(coco_json(dataset), indent=1))
        self.stdout.write(f"{len(dataset.images)} images written to {out} ({format})")
