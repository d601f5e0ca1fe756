"""Turn uploaded bytes into a BGR numpy array, or refuse them with a reason a person can act on.

Pillow (with pillow-heif for phone HEIC photos) decodes; EXIF orientation is applied; 16-bit,
CMYK, palette and alpha images are normalised to 8-bit BGR. The pixel count is checked from the
header before any pixel is decoded, so a decompression bomb costs nothing.
"""

import io
import re
import struct
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

register_heif_opener()

# The formats a capture may be; the value is the MIME type the image is served with.
ACCEPTED_FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "TIFF": "image/tiff",
    "BMP": "image/bmp",
    "HEIF": "image/heif",
    "MPO": "image/jpeg",  # phones save some JPEGs as multi-picture objects; the first is the photo
}


class ImageRejected(ValueError):
    """The bytes are not an image TraceLens can read; ``reason`` says why, for the operator."""

    def __init__(self, reason: str, code: str):
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclass(frozen=True)
class ImageInfo:
    format: str
    mime_type: str
    width: int
    height: int


# What a damaged or hostile file makes Pillow raise while it reads headers or pixels.
DAMAGED = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError)

# Markup, script or another document inside an image: a polyglot, refused whatever its pixels.
FOREIGN = re.compile(
    rb"<(?:script|html|\?php|svg|!doctype|iframe|body|object|embed)\b|%PDF-|javascript:", re.IGNORECASE
)


def _open(data: bytes) -> Image.Image:
    if not data:
        raise ImageRejected("The file is empty (0 bytes).", "empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ImageRejected(
            "The image declares far more pixels than a photo has (a decompression bomb).", "too_many_pixels"
        ) from None
    except UnidentifiedImageError:
        raise ImageRejected(
            "The file is not an image in a supported format (JPEG, PNG, WebP, TIFF, BMP, HEIC).",
            "not_an_image",
        ) from None
    except DAMAGED as exc:
        raise ImageRejected(f"The image is damaged or cannot be read safely ({exc}).", "corrupt") from None


def _outside_pixels(data: bytes, fmt: str):
    """The parts of the file that are not compressed pixels, where a polyglot hides its other
    document: JPEG segments before the scan and anything after the last EOI; PNG chunks other
    than IDAT and anything after IEND; the whole file for other formats."""
    if fmt in ("JPEG", "MPO"):
        at = 2
        while at + 4 <= len(data) and data[at] == 0xFF:
            marker, length = data[at + 1], int.from_bytes(data[at + 2 : at + 4], "big")
            if marker == 0xDA:  # start of scan: entropy-coded pixels follow
                break
            at += 2 + length
        yield data[:at]
        end = data.rfind(b"\xff\xd9")
        yield data[end + 2 :] if end > at else b""
    elif fmt == "PNG":
        at = 8
        while at + 8 <= len(data):
            length, kind = int.from_bytes(data[at : at + 4], "big"), data[at + 4 : at + 8]
            if kind != b"IDAT":
                yield data[at : at + 12 + length]
            at += 12 + length
            if kind == b"IEND":
                break
        yield data[at:]
    else:
        yield data


def _refuse_foreign(data: bytes, fmt: str) -> None:
    for part in _outside_pixels(data, fmt):
        if FOREIGN.search(part):
            raise ImageRejected(
                "The file carries markup, script or another document beside the image (a polyglot); "
                "send the photo as the camera saved it.",
                "embedded_content",
            )


def inspect_image(data: bytes, *, max_pixels: int) -> ImageInfo:
    """Read only the header: format and size. Raises ImageRejected for empty, unknown, animated,
    oversized, damaged or polyglot images."""
    with _open(data) as img:
        fmt = img.format or ""
        if fmt not in ACCEPTED_FORMATS:
            raise ImageRejected(f"Image format {fmt or 'unknown'} is not accepted.", "unsupported_format")
        width, height = img.size
        if width < 1 or height < 1:
            raise ImageRejected("The image has no pixels.", "empty")
        if width * height > max_pixels:
            raise ImageRejected(
                f"The image is {width} × {height} pixels, over the limit of {max_pixels:,} pixels.",
                "too_many_pixels",
            )
        try:
            frames = getattr(img, "n_frames", 1)
            if fmt == "PNG":
                img.verify()  # every chunk there and its CRC right, without decoding the pixels
        except DAMAGED as exc:
            raise ImageRejected(
                f"The image is damaged or cannot be read safely ({exc}).", "corrupt"
            ) from None
        if fmt != "MPO" and frames > 1:
            raise ImageRejected("Animated or multi-page images are not accepted; send one photo.", "animated")
    _refuse_foreign(data, fmt)
    return ImageInfo(format=fmt, mime_type=ACCEPTED_FORMATS[fmt], width=width, height=height)


def _to_rgb(img: Image.Image) -> Image.Image:
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, dtype=np.float64)
        top = arr.max() or 1.0
        return Image.fromarray((arr * (255.0 / top)).astype(np.uint8)).convert("RGB")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return img.convert("RGB")


READ_SIDE = 2000  # JPEGs at least twice this long may be decoded reduced; text is read at this size


def decode_image(data: bytes, *, max_pixels: int, reduce_to: int = 0) -> np.ndarray:
    """Decode to an upright 8-bit BGR array. Raises ImageRejected with the reason.

    With ``reduce_to``, a JPEG whose long side is at least twice that is decoded at a reduced
    scale by the decoder itself (1/2, 1/4 or 1/8, never below ``reduce_to``): a 12 MP photo
    in about half the time."""
    inspect_image(data, max_pixels=max_pixels)
    try:
        with _open(data) as img:
            if reduce_to and img.format == "JPEG" and max(img.size) >= 2 * reduce_to:
                factor = 2 ** min(3, int(np.log2(max(img.size) / reduce_to)))
                img.draft("RGB", (img.width // factor, img.height // factor))
            img.load()
            upright = ImageOps.exif_transpose(img) or img
            rgb = _to_rgb(upright)
    except ImageRejected:
        raise
    except DAMAGED as exc:
        raise ImageRejected(f"The image is corrupt or truncated ({exc}).", "corrupt") from None
    return np.ascontiguousarray(np.asarray(rgb)[:, :, ::-1])
