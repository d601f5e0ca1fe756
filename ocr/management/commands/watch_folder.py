"""``python manage.py watch_folder DIR --station S --user CAMERA``: ingest photos a fixed camera
drops into a folder (a network share). Each file becomes one capture, even across restarts: the
idempotency key is the file's SHA-256, so a file seen again (the process stopped before moving it)
returns the first capture. Done files move to ``DIR/done/``; refused ones to ``DIR/refused/`` with
the reason beside them. A file still being written (its size changing) waits for the next pass."""

import hashlib
import logging
import shutil
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.choices import WRITE_ROLES, Role
from accounts.models import User
from ocr.choices import CaptureSource
from ocr.services import CaptureRefused, create_capture
from traceability.models import Station

logger = logging.getLogger(__name__)
SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp", ".heic", ".heif"}


class Command(BaseCommand):
    help = "Ingest photos dropped into a folder by a fixed camera, once each."

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--station", required=True, help="station code the camera belongs to")
        parser.add_argument("--user", required=True, help="the camera's device account")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between passes")
        parser.add_argument("--once", action="store_true", help="one pass, then exit")

    def handle(self, directory, station, user, interval, once, **options):
        folder = Path(directory)
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a directory")
        station_obj = Station.objects.filter(code=station).first()
        if station_obj is None:
            raise CommandError(f"no station {station!r}")
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user {user!r}")
        if actor.role not in WRITE_ROLES:  # the role matrix holds here as in the API
            raise CommandError(f"{user!r} is a {actor.role}: that role may not upload photos")
        if actor.role == Role.DEVICE and not actor.stations.filter(pk=station_obj.pk).exists():
            raise CommandError(f"device {user!r} may not post captures for station {station!r}")
        for sub in ("done", "refused"):
            (folder / sub).mkdir(exist_ok=True)
        sizes: dict[Path, int] = {}
        self.stdout.write(f"watching {folder} for station {station} as {user}")
        while True:
            ingested = self.one_pass(folder, station_obj, actor, sizes, settle=not once)
            if once:
                self.stdout.write(f"{ingested} file(s) ingested")
                return
            time.sleep(interval)

    def one_pass(self, folder: Path, station, actor, sizes: dict, settle: bool) -> int:
        count = 0
        for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES):
            size = path.stat().st_size
            if settle and sizes.get(path) != size:  # seen for the first time, or still growing
                sizes[path] = size
                continue
            sizes.pop(path, None)
            try:
                if path.is_symlink():  # a link could point anywhere on this machine: never followed
                    raise CaptureRefused("A link is not a photo; copy the file itself.", "symlink")
                data = path.read_bytes()
                key = "file-" + hashlib.sha256(data).hexdigest()[:64]
                capture, created = create_capture(
                    actor=actor,
                    data=data,
                    source=CaptureSource.API,
                    station=station,
                    idempotency_key=key,
                    original_name=path.name,
                    metadata={"watch_folder": str(folder), "file": path.name},
                )
            except CaptureRefused as exc:
                logger.warning("watch_folder: %s refused: %s", path.name, exc.message)
                target = _free(folder / "refused" / path.name)
                shutil.move(str(path), target)
                target.with_name(target.name + ".reason.txt").write_text(f"{exc.code}: {exc.message}\n")
                continue
            shutil.move(str(path), _free(folder / "done" / path.name))
            count += created
            self.stdout.write(f"{path.name} → capture {capture.pk}" + ("" if created else " (seen before)"))
        return count


def _free(target: Path) -> Path:
    """``target``, or ``name-1.ext``, ``name-2.ext`` ... if a file of that name is already there."""
    candidate, n = target, 0
    while candidate.exists():
        n += 1
        candidate = target.with_name(f"{target.stem}-{n}{target.suffix}")
    return candidate
