"""Barcodes and 2D codes with zxing-cpp, GS1 element strings parsed with biip."""

import logging

import cv2
import numpy as np
import zxingcpp
from biip import ParseError
from biip.gs1_messages import GS1Message

from ocr.pipeline.types import CodeRead, GS1Element

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


def _polygon(position, scale: float = 1.0) -> tuple:
    corners = (position.top_left, position.top_right, position.bottom_right, position.bottom_left)
    return tuple((float(p.x) / scale, float(p.y) / scale) for p in corners)


def _gray(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def hard_case_variants(image: np.ndarray):
    """Second looks for codes the plain pass missed, each with its scale: small symbols
    upscaled; dot-peen and laser marks on metal blurred or closed into solid modules; uneven
    light flattened by adaptive thresholding."""
    g = _gray(image)
    if max(g.shape) <= 1600:
        yield cv2.resize(g, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC), 2.0
    yield cv2.GaussianBlur(g, (5, 5), 0), 1.0
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    yield cv2.morphologyEx(g, cv2.MORPH_CLOSE, kernel), 1.0
    yield cv2.morphologyEx(g, cv2.MORPH_OPEN, kernel), 1.0
    yield cv2.adaptiveThreshold(g, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 5), 1.0


def _reads(image: np.ndarray, scale: float = 1.0) -> list[CodeRead]:
    reads = []
    for barcode in zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain):
        ident = barcode.symbology_identifier
        text = barcode.text
        is_gs1 = barcode.content_type == zxingcpp.ContentType.GS1 or ident in GS1_IDENTIFIERS
        reads.append(
            CodeRead(
                symbology=barcode.format.name,
                text=text,
                box=_polygon(barcode.position, scale),
                symbology_identifier=ident,
                gs1=parse_gs1(text) if is_gs1 else (),
                version=str((barcode.extra or {}).get("Version", "")),
            )
        )
    return reads


def read_codes(image: np.ndarray, *, retry: bool = True) -> tuple[CodeRead, ...]:
    """Every code zxing-cpp finds in the image, with its exact content and corners. When the
    plain pass finds none, the hard-case variants are tried until one finds something. The same
    content seen twice (a symbol found at two scales) is reported once."""
    reads = _reads(image)
    if not reads and retry:
        for variant, scale in hard_case_variants(image):
            reads = _reads(variant, scale)
            if reads:
                break
    unique = {}
    for read in reads:
        unique.setdefault((read.symbology, read.text), read)
    return tuple(unique.values())
