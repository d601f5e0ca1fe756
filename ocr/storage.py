"""The image store: files named by their SHA-256 under MEDIA_ROOT/images/, written atomically."""

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings

EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/tiff": "tif",
    "image/bmp": "bmp",
    "image/heif": "heic",
}


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def relative_path(sha256: str, mime_type: str) -> str:
    return f"images/{sha256[:2]}/{sha256[2:4]}/{sha256}.{EXTENSIONS[mime_type]}"


def absolute_path(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


def write_once(relative: str, data: bytes) -> None:
    """Write the file unless it is already there; a crash never leaves a partial file in place."""
    target = absolute_path(relative)
    if target.exists() and target.stat().st_size == len(data):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_bytes(relative: str) -> bytes:
    return absolute_path(relative).read_bytes()
