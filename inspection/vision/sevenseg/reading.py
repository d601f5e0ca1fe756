"""What a reading is: the display's configuration, the digits and reading the reader returns, and
how two readings of one place compare."""

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import cv2
import numpy as np

# Which segments (a b c d e f g) each character lights.
PATTERNS: dict[str, str] = {
    "0": "1111110",
    "1": "0110000",
    "2": "1101101",
    "3": "1111001",
    "4": "0110011",
    "5": "1011011",
    "6": "1011111",
    "7": "1110000",
    "8": "1111111",
    "9": "1111011",
}

# Displays draw 6 without its top bar, 7 with f and 9 without d on some models.
VARIANTS: dict[str, str] = {"0011111": "6", "1110010": "7", "1110011": "9"}


# A digit's confidence (``decode._decode``) with one whole segment off its pattern, and the next
# pattern one more off. At a threshold of 0.5 such digits passed as sure: of the dataset's 157
# photos with gamma 2.2 (an underexposed, shaded panel), 5 gave wrong numbers so, unflagged, and
# 1 darkened to 35 %; as they are, 1 right reading (223.01) is now flagged.
SEGMENT_OFF = 0.5


@dataclass(frozen=True)
class DisplayConfig:
    polarity: str = "auto"  # "dark" (LCD: dark segments), "light" (LED), or "auto"
    digits: int | None = None  # digits the display has; None: as many as are lit
    decimals: int | None = None  # fixed decimals; None: from the decimal point seen
    # with fixed decimals, the display lights its point: a reading with none seen is flagged (the
    # point, or a digit with it, may be lost); False: the decimals are implied, no point is lit
    point_shown: bool = True
    signed: bool = False  # a minus sign may be lit
    work_px: int = 960  # long side of the working copy
    min_digit_height: float = 0.03  # of the working copy's short side
    # a digit below this makes the reading uncertain, as one whole segment off its pattern does
    # (a 0 whose top bar is lost in shade)
    min_confidence: float = SEGMENT_OFF + 0.01


@dataclass(frozen=True)
class Digit:
    char: str  # "0"-"9", "-", or "?" when no pattern fits
    confidence: float
    box: tuple[int, int, int, int]  # x, y, w, h in the photo's pixels
    segments: tuple[float, ...] = ()  # lit share of a..g
    glare: str = ""  # other characters it may be: glare lies where an unlit segment would be
    joined: str = ""  # other characters it may be: ink running in from beside it lies on a (and f or b)
    halves: str = ""  # other characters it may be: a lit bar across is lit along one half only


@dataclass(frozen=True)
class DisplayReading:
    text: str  # e.g. "-12.50"; "" when nothing was read
    value: float | None
    confidence: float  # the least sure digit's
    digits: tuple[Digit, ...] = ()
    box: tuple[int, int, int, int] | None = None  # the digits' row in the photo
    polarity: str = ""
    decimal_seen: bool = False
    reason: str = ""  # why there is no value, or why it is uncertain
    rows: int = 0  # places in the photo that gave a sure reading (two displays: flagged)


# A text engine's recognition of one line per crop: (text, score) each.
Words = Callable[[list[np.ndarray]], list[tuple[str, float]]]


def scaled(reading: DisplayReading, factor: float) -> DisplayReading:
    """The reading with its boxes in pixels ``factor`` times larger (a reduced copy was read)."""
    return mapped(reading, np.diag([factor, factor, 1.0]))


def stood_up(image: np.ndarray, turn: int) -> tuple[np.ndarray, np.ndarray]:
    """``image``, in which the display stands turned by ``turn`` degrees clockwise (0, 90, 180
    or 270: a fixed camera mounted so), turned back upright; with the matrix that takes the
    upright copy's pixels to ``image``'s (for ``mapped``)."""
    if turn == 0:
        return image, np.eye(3)
    height, width = image.shape[:2]
    rotation, back = {  # how to turn it back, and the upright copy's pixels to the photo's
        90: (cv2.ROTATE_90_COUNTERCLOCKWISE, [[0.0, -1.0, width], [1.0, 0.0, 0.0]]),
        180: (cv2.ROTATE_180, [[-1.0, 0.0, width], [0.0, -1.0, height]]),
        270: (cv2.ROTATE_90_CLOCKWISE, [[0.0, 1.0, 0.0], [-1.0, 0.0, height]]),
    }[turn]
    return cv2.rotate(image, rotation), np.array([*back, [0.0, 0.0, 1.0]])


def mapped(reading: DisplayReading, matrix: np.ndarray) -> DisplayReading:
    """Boxes from the region's pixels to the photo's."""

    def box(b):
        x, y, w, h = b
        pts = np.float32([[x, y], [x + w, y], [x + w, y + h], [x, y + h]]).reshape(-1, 1, 2)
        out = cv2.perspectiveTransform(pts, matrix.astype(np.float64)).reshape(-1, 2)
        x0, y0 = out.min(axis=0)
        x1, y1 = out.max(axis=0)
        return (int(x0), int(y0), int(x1 - x0), int(y1 - y0))

    digits = tuple(replace(d, box=box(d.box)) for d in reading.digits)
    return replace(reading, digits=digits, box=box(reading.box) if reading.box else None)


def _rank(reading: DisplayReading) -> tuple:
    """The most sure digits; then a value; then, among equals, the surer digits; then the more
    evidence (a sure 1 counts half: a 7 over the 1 that a region which lost its top bar reads).
    An unsure digit beside sure ones (a frame edge, a mark on the housing) adds nothing."""
    sure = [d.confidence for d in reading.digits if d.confidence >= 0.5]
    return (len(sure), reading.value is not None, reading.confidence >= 0.5, sum(sure), _evidence(reading))


def _evidence(reading: DisplayReading) -> float:
    """How much the sure digits show a display: a sure "1" counts half. It is one upright bar,
    which any frame edge, shadow border or printed I also is; every other digit is a pattern of
    segments."""
    return sum(0.5 if d.char == "1" else 1.0 for d in reading.digits if d.confidence >= 0.5)


def _display_like(reading: DisplayReading) -> tuple:
    """For choosing among places: the evidence; then a value; then the longer row; then, among
    equals, the surer digits."""
    sure = [d.confidence for d in reading.digits if d.confidence >= 0.5]
    return (
        _evidence(reading),
        reading.value is not None,
        len(reading.digits),
        reading.confidence >= 0.5,
        sum(sure),
    )


NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def parse_number(text: str) -> float | None:
    """The number with the most digits in a text engine's line (for displays an engine reads,
    and the benchmark's engine peers): "TOTAL 12,50 L" -> 12.5."""
    found = number_text(text)
    return None if found is None else float(found.replace(",", "."))


def number_text(text: str) -> str | None:
    """The number ``parse_number`` takes from ``text``, as it stands there once spaces are
    dropped (an engine may space out the digits)."""
    found = NUMBER.findall(text.replace(" ", ""))
    return max(found, key=lambda t: sum(c.isdigit() for c in t)) if found else None
