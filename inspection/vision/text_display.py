"""Displays a text engine reads: general digital panels (a plain face) and dot-matrix panels.

A text engine reads a dot-matrix panel badly as it is: each character is a 5x7 grid of separate
dots, and the engine sees specks or reads the panel upside down. Blurred by about half a dot's
size, the dots run together into strokes the engine reads like print. A panel whose ink is
made of dots, of either kind (a dot-matrix panel may be registered as general digital), is read
both ways and the surer reading is kept; a reading under ``SURE``, or from a line that may be
misread, goes to review, and so does one the 7-segment reader reads otherwise
(``checked_by_segments``): the display may be a 7-segment one registered as another kind."""

from collections.abc import Callable, Iterable
from dataclasses import asdict, replace

import cv2
import numpy as np

from inspection.vision.sevenseg import DisplayConfig, DisplayReading, Words, read_display
from inspection.vision.sevenseg.reader import DOTTED, _digits
from inspection.vision.sevenseg.reading import NUMBER, number_text
from ocr.pipeline.enhance import dot_size, gray, standing_out

SURE = 0.85  # a text engine's line scored below this is not trusted with a meter's value


def number_in_text(lines: Iterable[dict]) -> DisplayReading:
    """The line with the most digits among a text engine's lines (each with its text, confidence
    and, if known, its corner points ``box``): its number and box, flagged when the engine was
    unsure of it or when the line may be misread (``_misread``)."""
    best = None
    for line in lines:
        found = number_text(line.get("text", ""))
        if found is None:
            continue
        digits = sum(c.isdigit() for c in line["text"])
        if best is None or digits > best[0]:
            best = (digits, found, line)
    if best is None:
        return DisplayReading("", None, 0.0, reason="no number in the text read")
    _, number, line = best
    text, confidence = line["text"], float(line.get("confidence", 0.0))
    reason = "" if confidence >= SURE else f"the text engine is unsure of it (score {confidence:.2f})"
    if not reason:
        reason = _misread(text.replace(" ", ""), number)
    corners = np.asarray(line.get("box") or np.zeros((0, 2)), np.float32).reshape(-1, 2)
    box = tuple(int(v) for v in cv2.boundingRect(corners)) if len(corners) else None
    value = float(number.replace(",", "."))
    return DisplayReading(text[:40], value, confidence, box=box, reason=reason)


def _misread(text: str, number: str) -> str:
    """Why ``number`` in a line (spaces dropped) may not be the panel's value: other numbers
    in the line (a panel read upside down gives NIWZ7202M073; a unit's digit, m3 or CO2, is no
    number), or a minus sign after it (-909.96 upside down is 96606-)."""
    found = NUMBER.finditer(text)
    others = [
        m.group() for m in found if not (len(m.group()) == 1 and m.start() and text[m.start() - 1].isalpha())
    ]
    if number in others:
        others.remove(number)
    if others:
        return f"the line holds other numbers beside {number} ({', '.join(others)}): the text may be misread"
    if text[text.find(number) + len(number) :].startswith("-"):
        return f"a minus sign after {number}: the panel may have been read upside down"
    return ""


def merged_dots(image: np.ndarray) -> np.ndarray | None:
    """The photo with its dots blurred into strokes (dark on light, BGR), or None when no ink
    made of dots is found (ink: what stands out from its neighbourhood, ``standing_out``)."""
    ink, g = standing_out(gray(image))
    size = dot_size(ink)
    if size is None:
        return None
    return cv2.cvtColor(cv2.GaussianBlur(g, (0, 0), 0.5 * size), cv2.COLOR_GRAY2BGR)


def read_text_display(
    image: np.ndarray,
    read: Callable[[np.ndarray], Iterable],
    words: Words | None = None,
    as_read: DisplayReading | None = None,
) -> DisplayReading:
    """A dot-matrix or general digital panel read by ``read`` (a text engine's ``TextLine``s)
    as it is and, where its ink is made of dots, with its dots merged: the surer reading, the
    one with more digits where both are as sure, flagged when the other reading shows more of
    its number (``_partly_seen``) or the 7-segment reader reads another (``checked_by_segments``,
    with ``words``, the text engine's recognition). ``as_read``: the number in the lines a
    reading job already read in the photo (a general digital panel's), taken for the look as
    it is."""
    if as_read is None:
        as_read = number_in_text(asdict(line) for line in read(image))
    readings = [as_read]
    if (merged := merged_dots(image)) is not None:
        readings.append(number_in_text(asdict(line) for line in read(merged)))
    valued = [r for r in readings if r.value is not None]
    if not valued:
        return readings[0]
    best = max(valued, key=lambda r: (r.confidence, sum(c.isdigit() for c in r.text)))
    return checked_by_segments(_partly_seen(best, valued), image, words)


def _partly_seen(best: DisplayReading, readings: list[DisplayReading]) -> DisplayReading:
    """The surer look's reading, flagged when another look's number holds it and says more: the
    surer look may have seen part of the panel (2.9 as it is, 802.9 with the dots merged; 0KPA
    and P 824.0 KPA). A trailing zero more (420.90 and 420.9) is the same number."""
    if best.reason:
        return best
    mine = number_text(best.text) or ""
    for other in readings:
        theirs = number_text(other.text) or ""
        if other.value != best.value and mine in theirs:
            why = f"read another way the panel shows {other.text}: {mine} may be only part of it"
            return replace(best, reason=why)
    return best


def checked_by_segments(
    reading: DisplayReading, image: np.ndarray, words: Words | None = None
) -> DisplayReading:
    """A text engine's number checked against the 7-segment reader's reading of the same photo
    (``_segments_disagree``). One already flagged, or one the segment reader agrees with, flags
    or finds nothing in, is as it was."""
    if reading.value is None or reading.reason:
        return reading
    why = _segments_disagree(reading, read_display(image, DisplayConfig(), words=words))
    return replace(reading, reason=why) if why else reading


def _segments_disagree(reading: DisplayReading, segments: DisplayReading) -> str:
    """Why a text engine's ``reading`` of a photo is unsure, given the 7-segment reader's
    reading of it ("": it is not). A 7-segment display registered as another kind gives a text
    engine numbers that look right and are not (242.00 upside down read as 1002h2, 230.0 as
    23001, 161.01 as 161.0): the segment reader sure of another number flags the reading. Unsure
    for a reason of its own (a digit cut off at the photo's edge), it still flags the very same
    digits with the point elsewhere: an engine drops a point easily (224.00 read as 22400), the
    segment reader places one by its own rules; or the same digits with one more or fewer at an
    end (a fuel pump's 225 read 2250 through the dots, where the segment reader saw 225 and a
    cell after it that fits no digit): the two disagree on how many digits the panel shows. A
    panel it finds made of dots is no 7-segment display: its reading says nothing there."""
    if segments.value in (None, reading.value):
        return ""
    if not segments.reason and segments.confidence >= DisplayConfig().min_confidence:
        return f"read as a 7-segment display it shows {segments.text}: the display may be a 7-segment one"
    if segments.reason == DOTTED:
        return ""
    mine, theirs = _digits(reading.text), _digits(segments.text)
    if theirs == mine:
        return f"read as a 7-segment display the point is elsewhere: {reading.text} may be {segments.text}"
    if _one_more_at_an_end(mine, theirs):
        why = "a digit at an end may be missing or extra"
        return f"read as a 7-segment display it shows {segments.text}: {why}"
    return ""


def _one_more_at_an_end(a: str, b: str) -> bool:
    """Whether one of two digit strings is the other with one digit more before or after it."""
    short, long = sorted((a, b), key=len)
    return bool(short) and len(long) == len(short) + 1 and (long.startswith(short) or long.endswith(short))
