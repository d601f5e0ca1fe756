"""A 7-segment reader built for the job: find the display's digits in a full photo, straighten
their slant, decode each digit from its segments, find the decimal point and minus sign, and give
a confidence per digit.

Plain Python: a numpy image in, a frozen ``DisplayReading`` out. It works at a fixed scale (the
photo is shrunk so its long side is ``work_px``) and measures everything else from the strokes it
finds: the stroke width sets the closing that joins a digit's segments, the digits' height sets
where the decimal point may sit. LCDs (dark segments on grey) and LEDs (light on dark) are read
the same way with the polarity flipped; ``polarity="auto"`` tries both and keeps the clearer.

The package, in the order a photo goes through it: ``reader`` (the places to read, and what is
kept and flagged), ``places`` (display windows, the levelled photo, the second look's cut),
``row`` (one region's rows), ``strokes``, ``cells`` and ``decode``; ``reading`` holds the
results' types.

Nothing here knows a particular meter: the layout of the seven segments is the standard one
(a top, b top right, c bottom right, d bottom, e bottom left, f top left, g middle)."""

from .reader import read_display
from .reading import (
    PATTERNS,
    Digit,
    DisplayConfig,
    DisplayReading,
    Words,
    mapped,
    parse_number,
    scaled,
    stood_up,
)

__all__ = [
    "PATTERNS",
    "Digit",
    "DisplayConfig",
    "DisplayReading",
    "Words",
    "mapped",
    "parse_number",
    "read_display",
    "scaled",
    "stood_up",
]
