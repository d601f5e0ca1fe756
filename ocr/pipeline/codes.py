"""Barcodes and 2D codes with zxing-cpp, GS1 element strings parsed with biip."""

import logging
from collections import Counter
from dataclasses import replace
from importlib.metadata import version

import cv2
import numpy as np
import zxingcpp
from biip import ParseError
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_messages import GS1Message

from ocr.pipeline.print_quality import datamatrix_quality
from ocr.pipeline.types import CodeRead, GS1Element

CODE_READER_VERSION = version("zxing-cpp")
logger = logging.getLogger(__name__)

# Symbology identifiers (ISO/IEC 15424) that announce GS1 data.
GS1_IDENTIFIERS = ("]C1", "]d2", "]Q3", "]e0", "]J1")


def parse_gs1(text: str) -> tuple[GS1Element, ...]:
    """Split a GS1 element string (FNC1 as U+001D) into application identifiers."""
    try:
        message = GS1Message.parse(text.lstrip("\x1d"))
    except ParseError:
        return ()
    return tuple(
        GS1Element(ai=es.ai.ai, value=es.value, description=es.ai.data_title)
        for es in message.element_strings
    )


def parse_digital_link(text: str) -> tuple[GS1Element, ...]:
    """The application identifiers in a GS1 Digital Link URI (path keys and query attributes)."""
    if not text.lower().startswith(("http://", "https://")):
        return ()
    try:
        link = GS1DigitalLinkURI.parse(text)
    except ParseError:
        return ()
    return tuple(
        GS1Element(ai=es.ai.ai, value=es.value, description=es.ai.data_title) for es in link.element_strings
    )


# ANSI MH10.8.2 data identifiers most labels carry (ISO 15434 format 06), longest first.
DATA_IDENTIFIERS = {
    "25S": "UDI / unique item identifier",
    "1P": "supplier part number",
    "30P": "part number (alt.)",
    "1T": "lot / batch",
    "14D": "expiry date (YYYYMMDD)",
    "16D": "production date (YYYYMMDD)",
    "4L": "country of origin",
    "1K": "order number",
    "3S": "package id",
    "12V": "manufacturer id",
    "P": "part number",
    "S": "serial number",
    "T": "traceability (lot) number",
    "Q": "quantity",
    "V": "supplier id",
    "D": "date (YYMMDD)",
    "K": "order number",
}
ENVELOPE = "[)>\x1e"


def parse_iso15434(text: str) -> tuple[tuple[GS1Element, ...], tuple[GS1Element, ...]]:
    """An ISO/IEC 15434 message (``[)>`` RS format GS fields RS ... EOT): format 05 holds GS1
    element strings, format 06 ANSI MH10 data identifiers. Returns (gs1, data identifiers)."""
    if not text.startswith(ENVELOPE):
        return (), ()
    gs1, identifiers = [], []
    for envelope in text[len(ENVELOPE) :].rstrip("\x04").split("\x1e"):
        fmt, *fields = envelope.split("\x1d")
        if fmt == "05":
            gs1.extend(parse_gs1("\x1d".join(fields)))
        elif fmt == "06":
            for field in fields:
                key = next(
                    (k for k in sorted(DATA_IDENTIFIERS, key=len, reverse=True) if field.startswith(k)), None
                )
                if key is not None and len(field) > len(key):
                    identifiers.append(
                        GS1Element(ai=key, value=field[len(key) :], description=DATA_IDENTIFIERS[key])
                    )
    return tuple(gs1), tuple(identifiers)


def elements_of(text: str, is_gs1: bool) -> tuple[tuple[GS1Element, ...], tuple[GS1Element, ...]]:
    """GS1 elements and MH10 data identifiers of a code's content, whichever syntax it uses."""
    if text.startswith(ENVELOPE):
        return parse_iso15434(text)
    if link := parse_digital_link(text):
        return link, ()
    return (parse_gs1(text) if is_gs1 else ()), ()


def _polygon(position, scale: float = 1.0) -> tuple:
    corners = (position.top_left, position.top_right, position.bottom_right, position.bottom_left)
    return tuple((float(p.x) / scale, float(p.y) / scale) for p in corners)


def _gray(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


DEBLUR_SIGMA = 2.0  # px: the blur the last second look undoes


def hard_case_variants(image: np.ndarray):
    """Second looks for codes the plain pass missed, each with its scale and zxing-cpp's
    binarizer: small symbols upscaled; dot-peen and laser marks on metal blurred or closed into
    solid modules; modules filled with texture or a picture (designed QR codes, speckled marks)
    evened out by a median and split at one level for the whole symbol (a local threshold would
    find the texture again); uneven light flattened by adaptive thresholding; a blurred symbol
    sharpened by deconvolution."""
    g = _gray(image)
    local = zxingcpp.Binarizer.LocalAverage
    if max(g.shape) <= 1600:
        yield cv2.resize(g, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC), 2.0, local
    yield cv2.GaussianBlur(g, (5, 5), 0), 1.0, local
    yield cv2.medianBlur(g, 5), 1.0, zxingcpp.Binarizer.GlobalHistogram
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    yield cv2.morphologyEx(g, cv2.MORPH_CLOSE, kernel), 1.0, local
    yield cv2.morphologyEx(g, cv2.MORPH_OPEN, kernel), 1.0, local
    yield cv2.adaptiveThreshold(g, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 5), 1.0, local
    yield _deblurred(g), 1.0, local


def _deblurred(g: np.ndarray, sigma: float = DEBLUR_SIGMA, iterations: int = 10) -> np.ndarray:
    """Richardson-Lucy deconvolution with a Gaussian blur of ``sigma`` pixels: an out-of-focus
    symbol's thin bars and modules, smeared into grey, stand out again. More iterations sharpen
    further but ring, and a ringing EAN can decode to another valid number."""
    observed = g.astype(np.float32) + 1.0
    estimate = observed.copy()
    for _ in range(iterations):
        ratio = observed / np.maximum(cv2.GaussianBlur(estimate, (0, 0), sigma), 1e-3)
        estimate *= cv2.GaussianBlur(ratio, (0, 0), sigma)
    return np.clip(estimate - 1.0, 0, 255).astype(np.uint8)


def _reads(
    image: np.ndarray, scale: float = 1.0, binarizer=zxingcpp.Binarizer.LocalAverage
) -> list[CodeRead]:
    reads = []
    for barcode in zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain, binarizer=binarizer):
        ident = barcode.symbology_identifier
        text = barcode.text
        is_gs1 = barcode.content_type == zxingcpp.ContentType.GS1 or ident in GS1_IDENTIFIERS
        gs1, identifiers = elements_of(text, is_gs1)
        reads.append(
            CodeRead(
                symbology=barcode.format.name,
                text=text,
                box=_polygon(barcode.position, scale),
                symbology_identifier=ident,
                gs1=gs1,
                data_identifiers=identifiers,
                version=str((barcode.extra or {}).get("Version", "")),
                unused_ec=(barcode.extra or {}).get("UEC"),
            )
        )
    return reads


SEARCH_SIDE = 1600  # large photos are searched at this size first
MAX_CANDIDATES = 4
FINE_DENSITY = 0.6  # share of edge pixels in a candidate too fine for the reduced image
FINE_GRADIENT = 60  # and the median edge strength there (grey levels)


def _shrunk(image: np.ndarray) -> tuple[np.ndarray, float]:
    g = _gray(image)
    scale = SEARCH_SIDE / max(g.shape)
    if scale >= 1:
        return g, 1.0
    return cv2.resize(g, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), scale


def candidates(small: np.ndarray) -> list[tuple[int, int, int, int, bool]]:
    """Regions that look like a code (dense, compact edges), as (x, y, w, h, fine) on ``small``,
    busiest first. ``fine``: nearly every pixel is a strong edge, the look of a symbol whose
    modules are at the reduced image's resolution limit; only such a region is worth cutting
    from the full photo (decoding a 12 MP JPEG costs 350-550 ms; metal or paper texture has
    weak edges on a third of its pixels and never needs it)."""
    gradient = cv2.morphologyEx(small, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    _, edges = cv2.threshold(gradient, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    blobs = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9)))
    contours, _ = cv2.findContours(blobs, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    area = small.shape[0] * small.shape[1]
    found = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if not (max(100, 0.0001 * area) <= w * h <= 0.25 * area) or max(w, h) > 8 * min(w, h):
            continue
        density = float(cv2.countNonZero(edges[y : y + h, x : x + w])) / (w * h)
        if density >= 0.25:
            fine = density >= FINE_DENSITY and np.median(gradient[y : y + h, x : x + w]) >= FINE_GRADIENT
            found.append((density * w * h, (x, y, w, h, bool(fine))))
    return [box for _, box in sorted(found, reverse=True)[:MAX_CANDIDATES]]


def _region(image, small, scale, box, full_resolution):
    """A candidate cut, with a margin, from ``image`` or, when it is fine and the photo was
    decoded reduced, from the full photo: (crop, x0, y0, crop pixels → image pixels)."""
    x, y, w, h, fine = box
    source = _gray(full_resolution()) if fine and full_resolution else _gray(image)
    back = image.shape[1] / source.shape[1]  # source pixels → image pixels
    factor = scale * back  # small pixels per source pixel
    pad = max(w, h) // 4
    x0, y0 = max(0, int((x - pad) / factor)), max(0, int((y - pad) / factor))
    x1 = min(source.shape[1], int((x + w + pad) / factor))
    y1 = min(source.shape[0], int((y + h + pad) / factor))
    return source[y0:y1, x0:x1], x0, y0, back


def _in_crop(reads: list[CodeRead], x0: int, y0: int) -> list[CodeRead]:
    return [replace(r, box=tuple((x + x0, y + y0) for x, y in r.box)) for r in reads]


def _rescaled(reads: list[CodeRead], factor: float) -> list[CodeRead]:
    if factor == 1.0:
        return reads
    return [replace(r, box=tuple((x * factor, y * factor) for x, y in r.box)) for r in reads]


def read_codes(image: np.ndarray, *, retry: bool = True, full_resolution=None) -> tuple[CodeRead, ...]:
    """Every code zxing-cpp finds in the image, with its exact content and corners.

    A large photo is searched at ``SEARCH_SIDE`` first; when that finds nothing, the regions
    that look like a code are read again at the image's own size (cut from the full photo where
    their modules are too fine for it), and the hard-case variants
    (upscaled, blurred, closed, opened, adaptive threshold) run on those regions only. A small
    image gets the variants over the whole image. The same content seen twice is reported once.
    ``full_resolution`` (a callable) gives the photo at its full size when ``image`` was decoded
    reduced (pass it only then); fine candidate regions are cut from it, and boxes come back
    in ``image``'s pixels."""
    small, scale = _shrunk(image)
    reads = _reads(small, scale)
    if not reads and retry:
        if scale == 1.0 and full_resolution is None:
            regions = [(small, 0, 0, 1.0)]
        else:
            regions = [_region(image, small, scale, box, full_resolution) for box in candidates(small)]
            for crop, x0, y0, factor in regions:
                reads += _rescaled(_in_crop(_reads(crop), x0, y0), factor)
        for crop, x0, y0, factor in regions:
            if reads:
                break
            for variant, variant_scale, binarizer in hard_case_variants(crop):
                reads = _rescaled(_in_crop(_reads(variant, variant_scale, binarizer), x0, y0), factor)
                if reads:
                    break
    unique = {}
    for read in reads:
        unique.setdefault((read.symbology, read.text), read)
    grey = _gray(image)
    return tuple(with_print_quality(read, grey) for read in settle_conflicts(list(unique.values()), grey))


def with_print_quality(read: CodeRead, grey: np.ndarray) -> CodeRead:
    """A Data Matrix with its print indicators measured in the photo it was read from."""
    if read.symbology != "DataMatrix":
        return read
    return replace(read, quality=datamatrix_quality(grey, read.box, read.version, read.unused_ec))


def _centre_and_span(box) -> tuple[float, float, float]:
    xs = [x for x, _ in box]
    ys = [y for _, y in box]
    return sum(xs) / len(xs), sum(ys) / len(ys), max(max(xs) - min(xs), max(ys) - min(ys), 1.0)


def settle_conflicts(reads: list[CodeRead], grey: np.ndarray) -> list[CodeRead]:
    """Two different contents of the same symbology read at the same place are one symbol read
    two ways (a linear code misread on some scan lines). The place is read again with the other
    binarizers; the contents confirmed most often are kept, and if none is confirmed, all are."""
    settled, seen = [], set()
    for i, read in enumerate(reads):
        if i in seen:
            continue
        cx, cy, span = _centre_and_span(read.box)
        group = [i] + [
            j
            for j in range(i + 1, len(reads))
            if reads[j].symbology == read.symbology
            and reads[j].text != read.text
            and np.hypot(*(np.subtract(_centre_and_span(reads[j].box)[:2], (cx, cy)))) < span / 2
        ]
        seen.update(group)
        if len(group) == 1:
            settled.append(read)
            continue
        xs = [x for j in group for x, _ in reads[j].box]
        ys = [y for j in group for _, y in reads[j].box]
        pad = int(span / 2)
        x0, y0 = max(0, int(min(xs)) - pad), max(0, int(min(ys)) - pad)
        crop = grey[y0 : int(max(ys)) + pad, x0 : int(max(xs)) + pad]
        votes = Counter(
            b.text
            for binarizer in (zxingcpp.Binarizer.FixedThreshold, zxingcpp.Binarizer.GlobalHistogram)
            for b in {
                x.text: x
                for x in zxingcpp.read_barcodes(crop, binarizer=binarizer, text_mode=zxingcpp.TextMode.Plain)
            }.values()
        )
        most = max((votes[reads[j].text] for j in group), default=0)
        kept = [reads[j] for j in group if most and votes[reads[j].text] == most]
        settled.extend(kept or [reads[j] for j in group])
    return settled
