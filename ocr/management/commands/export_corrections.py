"""``python manage.py export_corrections DIR``: the review queue's labelled examples as a dataset
in the benchmark's format (``images/`` + ``labels.jsonl``), one crop per field a person
confirmed or corrected, with the true text, the value read, the engine and its version."""

import json
from pathlib import Path

import cv2
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ocr import storage
from ocr.models import Correction
from ocr.pipeline import ImageRejected, decode_image

MARGIN = 0.15  # of the box's height, around it


class Command(BaseCommand):
    help = "Export reviewed fields (image crop + true text) as a dataset for retraining."

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--changed-only", action="store_true", help="only fields a person corrected")

    def handle(self, directory, changed_only=False, **options):
        out = Path(directory)
        if out.exists() and any(out.iterdir()):
            raise CommandError(f"{out} is not empty; export into a new directory")
        (out / "images").mkdir(parents=True, exist_ok=True)
        corrections = Correction.objects.select_related("capture__image").exclude(box=[]).exclude(value="")
        if changed_only:
            corrections = corrections.filter(changed=True)
        rows, images = [], {}
        for c in corrections.iterator():
            stored = c.capture.image
            if stored.sha256 not in images:
                try:
                    data = storage.absolute_path(stored.path).read_bytes()
                    images[stored.sha256] = decode_image(data, max_pixels=settings.MAX_IMAGE_PIXELS)
                except (FileNotFoundError, ImageRejected) as exc:
                    self.stderr.write(f"capture {c.capture_id}: image unusable ({exc}); skipped")
                    images[stored.sha256] = None
            image = images[stored.sha256]
            if image is None:
                continue
            height, width = image.shape[:2]
            sx, sy = (width / c.frame[0], height / c.frame[1]) if c.frame else (1.0, 1.0)
            xs = [x * sx for x, _ in c.box]
            ys = [y * sy for _, y in c.box]
            pad = MARGIN * (max(ys) - min(ys))
            x0, y0 = max(0, int(min(xs) - pad)), max(0, int(min(ys) - pad))
            x1, y1 = min(width, int(max(xs) + pad)), min(height, int(max(ys) + pad))
            if x1 - x0 < 2 or y1 - y0 < 2:
                continue
            name = f"images/correction-{c.pk}.png"
            cv2.imwrite(str(out / name), image[y0:y1, x0:x1])
            rows.append(
                {
                    "image": name,
                    "text": c.value,
                    "field": c.field,
                    "read": c.read_value,
                    "corrected": c.changed,
                    "engine": c.engine,
                    "engine_version": c.engine_version,
                    "source_sha256": c.image_sha256,
                }
            )
        (out / "labels.jsonl").write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
        self.stdout.write(f"{len(rows)} labelled examples written to {out}")
