"""Barcodes and 2D codes with zxing-cpp, GS1 element strings parsed with biip."""

import logging

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


def _polygon(position) -> tuple:
    corners = (position.top_left, position.top_right, position.bottom_right, position.bottom_left)
    return tuple((float(p.x), float(p.y)) for p in corners)


def read_codes(image: np.ndarray) -> tuple[CodeRead, ...]:
    """Every code zxing-cpp finds in the image, with its exact content and corners."""
    found = zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)
    reads = []
    for barcode in found:
        ident = barcode.symbology_identifier
        text = barcode.text
        is_gs1 = barcode.content_type == zxingcpp.ContentType.GS1 or ident in GS1_IDENTIFIERS
        gs1 = parse_gs1(text) if is_gs1 else ()
        reads.append(
            CodeRead(
                symbology=barcode.format.name,
                text=text,
                box=_polygon(barcode.position),
                symbology_identifier=ident,
                gs1=gs1,
            )
        )
    return tuple(reads)
