"""``manage.py fit_surface_model NAME IMAGE_DIR``: learn an OK-only surface model from good
images (no defect examples needed) and register it in the models folder, ready for a surface
check (DefectCheck method ``surface``, model_name NAME)."""

import tempfile
from pathlib import Path

import cv2
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from inspection.services.defects import NAME
from inspection.vision import registry
from inspection.vision.anomaly import AnomalyModelError, SurfaceModel
from inspection.vision.datasets import IMAGE_SUFFIXES


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("images", help="a folder of good images")

    def handle(self, *args, name, images, **options):
        if not NAME.match(name):
            raise CommandError("a model name is letters, digits, - and _")
        paths = sorted(p for p in Path(images).rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        loaded = [(p, cv2.imread(str(p), cv2.IMREAD_GRAYSCALE)) for p in paths]
        unreadable = [p.name for p, image in loaded if image is None]
        if unreadable:
            raise CommandError(f"not images: {', '.join(unreadable[:5])}")
        try:
            model = SurfaceModel.fit([image for _, image in loaded])
        except AnomalyModelError as exc:
            raise CommandError(str(exc)) from exc
        with tempfile.TemporaryDirectory() as work:
            path = Path(work) / f"{name}.npz"
            path.write_bytes(model.save())
            entry = registry.register(
                settings.MODELS_DIR,
                path,
                name=name,
                kind="surface-npz",
                metrics={"good_images": len(loaded), "threshold": round(model.threshold, 4)},
            )
        self.stdout.write(
            f"surface model {entry.name} v{entry.version} from {len(loaded)} images; {entry.file}"
        )
