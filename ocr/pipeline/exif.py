"""Removing the GPS position from a photo's EXIF before it is stored: field staff photograph
returned goods at customers' sites, and where they stood is not the plant's business.

JPEG only, and losslessly: the EXIF segment is rewritten without its GPS directory and put back
in place; the compressed pixels are not touched. Other formats are stored as sent."""

import logging

from PIL import Image
from PIL.ExifTags import IFD

logger = logging.getLogger(__name__)
EXIF_HEADER = b"Exif\x00\x00"


def _exif_segment(data: bytes) -> tuple[int, int] | None:
    """Where the APP1 Exif segment is (start of its marker, end of its data), before the scan."""
    if not data.startswith(b"\xff\xd8"):
        return None
    at = 2
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker, length = data[at + 1], int.from_bytes(data[at + 2 : at + 4], "big")
        if marker == 0xDA:
            return None
        if marker == 0xE1 and data[at + 4 : at + 10] == EXIF_HEADER:
            return at, at + 2 + length
        at += 2 + length
    return None


def strip_gps(data: bytes) -> bytes:
    """The JPEG without GPS data in its EXIF (the same bytes when it has none or is not a JPEG)."""
    where = _exif_segment(data)
    if where is None:
        return data
    start, end = where
    exif = Image.Exif()
    try:
        exif.load(data[start + 4 : end])
    except Exception:  # noqa: BLE001 - unreadable EXIF: drop the whole segment rather than keep GPS
        logger.warning("unreadable EXIF removed")
        return data[:start] + data[end:]
    if IFD.GPSInfo not in exif:
        return data
    exif.get_ifd(IFD.Exif)  # loaded, so it is written back with the rest
    del exif[IFD.GPSInfo]
    payload = exif.tobytes()
    if len(payload) + 2 > 0xFFFF:
        return data[:start] + data[end:]
    segment = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
    return data[:start] + segment + data[end:]
