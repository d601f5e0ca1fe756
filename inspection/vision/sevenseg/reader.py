"""``read_display``: every place where digits may be is read (each display window, the whole photo,
the photo levelled), the most display-like kept; printed words beside the display are told
apart, an unsure or small row is read again from the full-resolution photo, and what cannot be
trusted (glare, something over the digits, two displays) is flagged."""

from dataclasses import dataclass, replace

import cv2
import numpy as np

from ocr.pipeline.enhance import standing_out, standing_out_level

from .cells import PAST, _a_one
from .decode import (
    ACROSS,
    LEADING_ZERO,
    LIT,
    POINT_OFF,
    SIGN_AFTER,
    TURNED_DIGIT,
    UNCERTAIN,
    _decode,
    _odd_drawing,
    _segments,
    _turned_digit,
)
from .places import MIN_TILT, SECOND, _crop, _iou, _resample, _tilt, _turned, _windows
from .reading import (
    PATTERNS,
    SEGMENT_OFF,
    Digit,
    DisplayConfig,
    DisplayReading,
    Words,
    _display_like,
    _evidence,
    _rank,
    mapped,
    stood_up,
)
from .row import AT_RIM, CUT_OFF, OFF_CENTRE, UPSIDE_DOWN, _read_polarity
from .strokes import _contrast

COVERED = 0.7  # share of a cell as dark as the segments: something lies over it
SMALL_DIGITS = 48  # px in the working copy
FITS = 4  # digits up to this many kernels high are read with it
WORD_CHECKED = 3  # places a text engine is asked about, while each one before was a word
SAME_PLACE = 0.3  # overlap (IoU) from which two readings are of one place: a window's and the photo's
WORD_SURE = 0.9  # a text engine's score from which a line of letters is a printed word
# How far, on average, a sure digit's segments lie from fully lit or unlit (their lit shares' distance
# to 0 or 1), from which the digits are not clearly made of segments. A display's segments are lit
# wholly or not at all: on the dataset's photos, as they are, darkened and with noise, unflagged
# readings reach 0.11. Streaks and specks of a texture (a machined, cast or rough surface) fill
# parts of the seven segments' zones: 0.07 to 0.18 on such photos read as digits.
FUZZY = 0.12
# The same for one digit, from which it is not clearly read: half-lit segments, where noise or a
# reflection lies over a digit. On the dataset's 157 photos, as they are and in the bench's five
# variants (942 readings), right unflagged readings' digits reach 0.17; with sensor noise a 225
# read 2256, its last "6" at 0.24.
FUZZY_DIGIT = 0.2
SAME_ROW = 0.6  # the least ratio of two rows' digit heights (either way) for one to be the other read again


# The reasons a row gives for a display that may be upside down: the photo is read turned round.
TOLD_TURNED = (UPSIDE_DOWN, LEADING_ZERO, TURNED_DIGIT, SIGN_AFTER)


def read_display(
    image: np.ndarray, config: DisplayConfig = DisplayConfig(), words: Words | None = None
) -> DisplayReading:
    """The display's reading in ``image``. ``words``: a text engine's recognition, to tell a
    printed word beside the display (LITRES, TOTAL) from its digits (None: not told). A display
    that seems upside down (its point at the digits' top, a leading 0, a digit that is a 3, 4 or
    7 turned round, a minus sign after the digits) is read again turned round: a clear reading
    that way is given, still flagged, since 0 1 2 5 6 8 9 are digits either way up. Digits not
    clearly made of segments (``_fuzzy``), or one digit (``_fuzzy_digit``), or a digit with a bar
    across lit along one half only (``Digit.halves``), or a digit read only as some displays draw
    it with a segment half lit (``_odd_drawing``), are flagged, where nothing more telling was
    found, and so is a reading with no decimal point seen on a display that lights one
    (``POINT_UNSEEN``), one whose digits stand further apart than a display's (``SPREAD``), one
    with an empty place between two digits (``HOLE``), one with a 1 at an end whose bar
    reaches the photo's edge (``_one_on_photo_edge``), and a lone digit on a display not
    registered with its digits (``LONE_DIGIT``)."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    reading = _either_way_up(gray, config, words)
    if _open_to_look(reading):  # the checks around the row look at it level
        window, level = _levelled(gray, reading)
        looked = _unread_beside(window, _ghosts_lit(window, _made_of_dots(window, level)))
        reading = replace(reading, reason=looked.reason)
    if _open(reading) and _fuzzy(reading):
        return replace(reading, reason=FUZZY_DIGITS)
    if _open(reading) and _fuzzy_digit(reading):
        return replace(reading, reason=FUZZY_DIGIT_SEEN)
    halved = [d for d in reading.digits if d.halves]
    if _open(reading) and halved:
        why = f"{halved[0].char} may be {' or '.join(halved[0].halves)}"
        return replace(reading, reason=f"{HALF_LIT_BAR}: {why}")
    if _open(reading) and (odd := _odd_drawings(reading)):
        return replace(reading, reason=odd)
    if _open(reading) and _point_unseen(reading, config):
        return replace(reading, reason=POINT_UNSEEN.format(decimals=config.decimals))
    if _open(reading) and _spread(reading):
        return replace(reading, reason=SPREAD_OUT)
    if _open(reading) and _gapped(reading):
        return replace(reading, reason=GAPPED)
    if _open(reading) and _one_on_photo_edge(gray, reading):
        return replace(reading, reason=ONE_ON_EDGE)
    if _open(reading) and len(reading.digits) == 1 and config.digits is None:
        return replace(reading, reason=LONE_DIGIT)
    return reading


# A lone digit that lines in the photo make as well: a top bar and a right-hand bar (the corner
# of a window or a box), or a closed outline (a box, a label, a pad on a board). A lone 1 is one
# upright bar (``_evidence``). A display registered with its digits shows a lone 0 at zero, its
# leading digits blank: only an unregistered display's is flagged.
LONE = {
    "7": "a lone 7: it may be a corner in the photo (a frame's), not a digit",
    "0": "a lone 0: it may be an outline in the photo (a box, a label, a pad), not a digit",
}
# A row's first digit read as a 1 whose bar is lit along one half only (b or c under
# ``SEGMENT_OFF``): a bar that stops halfway, with nothing of a digit to its left, is as likely
# an edge in the photo (a window's shade, a reflection's border) as a 1 whose other half is lost.
# Tilted 15 degrees, 223.01 read 1223.01 so (its 1's b lit 0.26), unflagged; in the dataset's 157
# photos, in 15 views each, no right reading began with such a 1.
HALF_FIRST_ONE = (
    "the first digit, a 1, is lit along half its height: it may be an edge in the photo, not a digit"
)


def _half_a_first_one(reading: DisplayReading) -> bool:
    """Whether the row's first digit, of two or more, is a 1 with b or c unlit (``HALF_FIRST_ONE``)."""
    first = reading.digits[0] if len(reading.digits) > 1 else None
    return first is not None and first.char == "1" and min(first.segments[1:3], default=1.0) < SEGMENT_OFF


# A lone digit of any other kind, on a display not registered with its digits: the others beside
# it may be lost, faint or under noise (sensor noise over a dim window lost 91.11's three 1s, and
# left a sure 9, in 7 of 300 seeds). Registered, a lone digit is the display's blank leading
# digits, and no reason to look again.
LONE_DIGIT = "a lone digit, on a display not registered with its digits: digits beside it may be lost"
FUZZY_DIGITS = "the digits are not clearly made of segments (a texture?): it may not be a display"
HALF_LIT_BAR = "a digit's bar is lit along one half only (specks, a reflection?)"
ODD_DRAWING = (
    "a digit reads only as some displays draw it (a 7 with f, a 9 without d, a 6 without a), "
    "with a segment half lit"
)
FUZZY_DIGIT_SEEN = "a digit's segments are half lit (noise or a reflection over it?): it may be misread"
# Where the point is not seen, the display's fixed decimals place it; but a reading that lost a
# digit lost its point with it as often as not (73.00 read 730 under glare would be 7.30).
POINT_UNSEEN = (
    "no decimal point seen, where the display lights one (decimals: {decimals}): it was placed "
    "there, but the point, or a digit with it, may be lost"
)


# A display's digits stand a digit's width and a narrow gap apart: their pitch is 0.6 to 1.1 of
# their height (on the dataset's 157 photos, as they are and shrunk to 480 to 800 px wide, at most
# 1.02; rendered displays 0.8). Streaks on a machined surface read as a 1 and a 7 1.8 apart.
SPREAD = 1.5
SPREAD_OUT = (
    f"the digits stand further apart than a display's (their pitch over {SPREAD} of their height): "
    "it may not be a display"
)


def _spread(reading: DisplayReading) -> bool:
    """Whether ``reading``'s digits are further apart than a display's (``SPREAD``)."""
    boxes = [d.box for d in reading.digits]
    return len(boxes) > 1 and _pitch(boxes) > SPREAD * float(np.median([b[3] for b in boxes]))


# A display's digits stand on one pitch. Where one step between two digits is this many times the
# smallest, a digit between them was not read (motion blur read 91.11 as 9.11, a 1 lost between
# the 9 and the next 1): on the dataset's 157 photos, as they are and taken worse in fifteen ways,
# no unflagged reading's steps differ by 1.6 times.
HOLE = 1.6
GAPPED = "a digit's place between two of the digits is empty: a digit there may not be read"


def _gapped(reading: DisplayReading) -> bool:
    """Whether one step between ``reading``'s digits is ``HOLE`` times the smallest or more
    (steps between their boxes' centres, along the row however it lies in the photo)."""
    centres = np.array([(x + w / 2, y + h / 2) for x, y, w, h in (d.box for d in reading.digits)])
    steps = np.hypot(*np.diff(centres, axis=0).T)
    return len(steps) > 1 and float(steps.max()) >= HOLE * float(steps.min())


ONE_BAR = 0.6  # of a cell's width: where a 1's bar begins (``_lone_one``'s too)
ON_EDGE = 0.05
ONE_ON_EDGE = "a 1 at the end of the row stands on the photo's edge: it may be the edge, not a digit"


def _one_on_photo_edge(gray: np.ndarray, reading: DisplayReading) -> bool:
    """Whether a 1 at either end of the row has its bar (its cell's right part, from ``ONE_BAR``)
    reaching the photo's left or right edge (within ``ON_EDGE`` of the cell's width: a box is
    whole pixels). A 1 is one upright bar, and so is the photo's edge where a row runs up to it:
    blurred, or seen levelled (whose canvas ends at the photo's edge), it read 1010.8 as 1010.81."""
    width = gray.shape[1]
    for digit in (reading.digits[0], reading.digits[-1]) if reading.digits else ():
        x, _, w, _ = digit.box
        if digit.char == "1" and (x + (ONE_BAR - ON_EDGE) * w <= 0 or x + (1 + ON_EDGE) * w >= width):
            return True
    return False


def _point_unseen(reading: DisplayReading, config: DisplayConfig) -> bool:
    """The display has fixed decimals and lights its point, and the reading shows none."""
    return bool(config.decimals) and config.point_shown and not reading.decimal_seen


DOTTED = "the digits are made of separate dots: a dot-matrix display, not a 7-segment one"
DOT = (0.07, 0.33)  # of the digits' height: a round piece of ink this size is a dot (a segment is longer)
DOT_SCALE = 64  # px: the digits' height the dot check looks at them in


def _made_of_dots(gray: np.ndarray, reading: DisplayReading) -> DisplayReading:
    """A reading whose digits' row is mostly round dots is flagged: a dot-matrix display read as
    7-segment (a display of the wrong kind) gives numbers that look right and are not. The row
    is looked at three digits' heights either side (a row read as one digit, or as a column of
    dots within a character), scaled to digits ``DOT_SCALE`` px high. Ink is what stands out
    from its neighbourhood, and its cores, halfway up to the ink's top level: dots blurred
    together stand apart there. Specks far smaller than a dot are left out."""
    if not _open_to_look(reading):
        return reading
    crop, _, _, h = _around(gray, reading.box, 3, 0.25)
    if not crop.size:
        return reading
    level = standing_out_level(crop)[0]
    threshold, ink = cv2.threshold(level, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if not ink.any():
        return reading
    cores = level > (threshold + np.percentile(level[ink > 0], 95)) / 2
    dotted = _mostly_dots(ink, h) or _mostly_dots(cores.astype(np.uint8), h)
    return replace(reading, reason=DOTTED) if dotted else reading


# An LCD shows its unlit segments faintly (ghosts); photographed with little contrast, or at an
# angle, they stand out up to half as much as the lit ones, and a row may read as all 8s: on
# synthetic LCDs whose ghosts stood out 0.3 to 0.5 as much as the lit segments, 33 of 80 read
# 8s only (27 as 888, 3.74 as 888.88), none flagged. There, the faintest segment stood out at most
# 0.50 times the strongest; on 60 rows of real 8s, blurred, tilted and turned, at least 0.78.
# On the dataset's 157 photos in 16 views each, one reading was all 8s (flagged, unsure).
EIGHTS = "every digit reads 8, some segments far fainter than others: an LCD's unlit segments may read as lit"
EVEN = 0.7  # of the row's strongest segment: the least its faintest stands out by, where all read 8


def _ghosts_lit(gray: np.ndarray, reading: DisplayReading) -> DisplayReading:
    """A reading whose digits are all 8s is flagged where its segments stand out unequally (the
    faintest less than ``EVEN`` times the strongest, each as ``_segments`` takes a segment, in
    what stands out within half a digit): ghosts read as lit (``EIGHTS``)."""
    if not _open_to_look(reading) or any(d.char != "8" for d in reading.digits):
        return reading
    crop, scale, (x0, y0), h = _around(gray, reading.box, 0.5, 0.5)
    if not crop.size:
        return reading
    hat = _contrast(crop, reading.polarity, int(0.5 * h) | 1)
    levels = []
    for digit in reading.digits:
        x, y = (int(round((v - v0) * scale)) for v, v0 in zip(digit.box[:2], (x0, y0), strict=True))
        w, tall = (int(round(v * scale)) for v in digit.box[2:])
        levels += _segments(hat, x, y, w, tall)[:7]
    return replace(reading, reason=EIGHTS) if min(levels) < EVEN * max(levels) else reading


def _open(reading: DisplayReading) -> bool:
    """A reading with a value that the checks after the row's look at: unflagged, or flagged
    only because its point's mark stands off its gap's centre (``OFF_CENTRE``), which anything
    they find tells more of (a digit lost between two others leaves its point off centre)."""
    return reading.value is not None and reading.reason in ("", OFF_CENTRE)


def _open_to_look(reading: DisplayReading) -> bool:
    """A reading with a value and a row that the checks around the row (``_made_of_dots``,
    ``_unread_beside``) look at: unflagged, or flagged only for an unsure digit or point, which
    is no reason to stop (a digit missing, or a display of another kind, says more)."""
    return (
        (_open(reading) or (reading.value is not None and reading.reason == UNCERTAIN))
        and reading.box is not None
        and bool(reading.digits)
    )


def _mostly_dots(ink: np.ndarray, h: float) -> bool:
    """10 or more round pieces of ink, each ``DOT`` of ``h``, hold most of the ink in pieces."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    sides = stats[1:, cv2.CC_STAT_WIDTH : cv2.CC_STAT_HEIGHT + 1]
    longest, area = sides.max(axis=1), stats[1:, cv2.CC_STAT_AREA]
    pieces = longest >= DOT[0] * h
    dots = pieces & (longest < DOT[1] * h) & (np.abs(sides[:, 0] - sides[:, 1]) <= 0.5 * longest)
    return bool(dots.sum() >= 10 and area[dots].sum() >= 0.5 * area[pieces].sum())


UNREAD = (
    "a character of the digits' size beside them is not read: a digit may be missing, "
    "or the display is not a 7-segment one"
)
CHARACTER = (0.7, 1.3, 0.2, 1.5)  # its least and most height, least and most width, of the digits' height
# in strokes standing out: no 1, whose bar a window's shaded edge is like (thick and upright)
WIDE_CHARACTER = (0.7, 1.15, 0.3, 1.5)
FADED = 0.25  # of the digits' contrast: the least a faded digit beside them stands out by


def _unread_beside(gray: np.ndarray, reading: DisplayReading) -> DisplayReading:
    """A reading is flagged where a character of its digits' height stands beside it, or
    between its digits, and is no digit of it: a digit the segment reader could not read (a
    general digital display's 5 or 7, a digit lost in glare), which would leave a shorter number
    that looks right. Ink is what stands out from its neighbourhood the way the display's
    digits do; a character is one piece of it, no line or frame edge (too thin or too tall),
    nor a filled block (under a fifth or over three quarters of its box inked), up to one and a
    half digits' heights either side, scaled as ``_made_of_dots`` scales. Ink is looked for two
    ways: against a wide neighbourhood, and against the strokes' own (``_strokes_standing_out``);
    and a digit is looked for in the cell one step, the digits' own, from either end of the row
    (``_digit_in_step``)."""
    if not _open_to_look(reading):
        return reading
    crop, scale, (x0, y0), h = _around(gray, reading.box, 1.5, 0.5)
    if not crop.size:
        return reading
    top = (reading.box[1] - y0) * scale
    spans = [((d.box[0] - x0) * scale, (d.box[0] + d.box[2] - x0) * scale) for d in reading.digits]
    hat = _contrast(crop, reading.polarity, int(0.5 * h) | 1)  # what stands out within half a digit
    strokes = _strokes_standing_out(hat, h, top)
    cells = _cells(reading.digits, spans)
    if (
        _characters_beside(standing_out(crop, reading.polarity)[0], h, top, spans)
        or _digit_beside(strokes, h, top, spans)
        or _digit_in_step(crop, hat, strokes, h, top, cells, _ghosts(hat, reading.digits, spans, top, h))
    ):
        return replace(reading, reason=UNREAD)
    if _filled_after(strokes, h, top, spans):
        return replace(reading, reason=FILLED_AFTER)
    return reading


# The cell one step after the row's last digit, where strokes fill at least this share of it and
# this many times the digits' own cells' median share, is filled by something over it: a
# reflection's edges and stripes, glare's rim, a shadow. A last digit under it is not read, and
# the row before it reads as a number: 230.00, a fuel pump's litres under a reflection over its
# last two digits, read 230.6 at 640 px, its 0 under the reflection's edge taken for a 6, and
# 230.0 as it is. On the dataset's 157 photos in 15 views each, no reading of all a display's
# digits had such a cell after it (the most: 0.58 of it, and 1.25 times its digits'); a cell before
# the row is not judged so: a window's shaded end fills it (226.00: 0.75).
FILLED = (0.5, 1.5)
FILLED_AFTER = (
    "something fills the place after the last digit (a reflection, glare, a shadow): a digit may be hidden"
)


# Which digits' boxes begin where their cells do (they light e, lowest on the left even italic;
# and a 5, whose end, c's, falls shorter of b's when italic than its start, f's and d's, of e's),
# and which are as wide as their cells (they light e and b). Stepping from cells found so
# (``_cells``), with the row's unlit segments taken by their lower quartile (``_ghosts``), on 200
# synthetic displays whose first digit faded to 0.3 of the others' contrast, 43 read without it
# unflagged before, 21 now (the cells alone: 38); whose last digit faded so, 10 before, 4 now.
# No clean render is newly flagged, nor any with an LCD's ghosts (at 0.04 to 0.45 of the lit
# contrast). Of the dataset's 157 photos in 16 views each (2,512 readings), 5 right readings are
# no longer flagged and 3 newly are (a 34.00 read 34.0 under gamma, its last 0 lost; a
# reflection before the row); no silent error changed. With 5s taken from their ends, a window's
# edge before an italic 85.00 was a digit lost.
FROM_LEFT = "02568"
WIDE = "028"


def _cells(digits, spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Where each digit's cell lies across (``spans`` are its box's): a 1's box is its bar, a 3's
    or 7's begins past the cell's left edge, and a 4's or 9's, italic, past it by the slant; each
    ends at b. A digit that lights e, or a 5, begins its cell (``FROM_LEFT``); any other's ends at
    its box's end, as wide for its height as the row's wide digits are (as the widest, where none
    is): a row seen at an angle has its near digits larger. Stepped from the boxes' starts, the
    cell before a row whose first digit is a 4 or a 3 lay off the digit lost there: a faded first
    8 read 84.394 as 4.394, and 834 as 34, unflagged."""
    pairs = list(zip(digits, spans, strict=True))
    shapes = [(b - a) / digit.box[3] for digit, (a, b) in pairs if digit.char in WIDE]
    shape = float(np.median(shapes)) if shapes else max((b - a) / digit.box[3] for digit, (a, b) in pairs)
    return [(a, b) if digit.char in FROM_LEFT else (b - shape * digit.box[3], b) for digit, (a, b) in pairs]


def _pitch_of(spans: list[tuple[float, float]]) -> tuple[float, int]:
    """The row's median step between its digits' starts, and its digits' median width."""
    return float(np.median(np.diff([a for a, _ in spans]))), int(
        round(float(np.median([b - a for a, b in spans])))
    )


def _filled_after(strokes: np.ndarray, h: float, top: float, spans: list[tuple[float, float]]) -> bool:
    """Whether the ``strokes`` fill the cell one step after the row's last digit (``FILLED``)."""
    if len(spans) < 2:
        return False
    step, width = _pitch_of(spans)
    x, y, tall = int(round(spans[-1][0] + step)), int(round(top)), int(round(h))
    if x + width > strokes.shape[1] or y < 0 or y + tall > strokes.shape[0]:
        return False  # the photo's edge cuts the cell
    inked = strokes[y : y + tall] > 0
    cells = [inked[:, max(0, int(a)) : int(b)] for a, b in spans]
    fills = [float(cell.mean()) for cell in cells if cell.size]  # a digit cut off by the crop: none
    if not fills:
        return False
    digits, share = float(np.median(fills)), float(inked[:, x : x + width].mean())
    least, times = FILLED
    return share >= least and share >= times * digits


def _characters_beside(
    ink: np.ndarray, h: float, top: float, spans: list[tuple[float, float]], shape=CHARACTER
) -> list[tuple[int, int, int, int]]:
    """The pieces of ``ink`` of a character's ``shape`` (``CHARACTER``'s kind) for digits ``h``
    high, level with the row whose top is at ``top``, and outside every digit's span across."""
    low, high, narrow, wide = shape
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    found = []
    for x, y, w, tall, area in stats[1:]:
        if not (
            low * h <= tall <= high * h and narrow * h <= w <= wide * h and 0.2 <= area / (w * tall) <= 0.75
        ):
            continue
        if min(y + tall, top + h) - max(y, top) >= 0.6 * h and all(x + w <= a or x >= b for a, b in spans):
            found.append((int(x), int(y), int(w), int(tall)))
    return found


def _digit_beside(strokes: np.ndarray, h: float, top: float, spans: list[tuple[float, float]]) -> bool:
    """A piece of the ``strokes`` beside the row (``_characters_beside``) that reads as a
    7-segment digit other than 1, at most one segment off (a window's shaded edge, a thick
    upright bar or two, reads as none, or with ink in a digit's counters)."""
    for x, y, w, tall in _characters_beside(strokes, h, top, spans, WIDE_CHARACTER):
        char, confidence = _decode(_segments(strokes, x, y, w, tall))
        if char not in "?1" and confidence >= SEGMENT_OFF:
            return True
    return False


def _digit_in_step(
    crop: np.ndarray,
    hat: np.ndarray,
    strokes: np.ndarray,
    h: float,
    top: float,
    spans: list[tuple[float, float]],
    ghosts: float | None = None,
) -> bool:
    """A digit, at most one segment off, in the cell one step before the row's first digit or
    after its last, the digits' own step and width apart. Looked for two ways: in the
    ``strokes`` (a digit joined to a window's edge or a speck, one piece with them too large for
    a character, which ``_digit_beside`` misses), and faded (a shade or reflection over it puts
    it below the strokes' level): ink as what stands out within the cell (Otsu on its contrast,
    ``hat``), at least ``FADED`` of the digits' own, with clean segments (``FUZZY``), and before
    the row no digit whose lit segments stand out less than ``GHOSTLY`` times as much as the
    row's own unlit segments (``_ghosts``): a blank digit's ghost 8, or part of one where the
    cell is off it (displays set their digits to the right: a blank one stands before them; after
    the row a faded 8 read 608 as 60). Where the row has no unlit segment, no 8 before it. A
    faded first 8 read 892 as 92 and 84.394 as 4.394. The cells are stepped from the digits'
    cells (``_cells``), not their boxes. Its lit
    segments must reach both halves of the cell: a window's edge along the digits' top lights a
    and b alone. A 1 is looked for in the
    strokes only (``_lone_one``): an upright bar that crosses the row is none (a 1 dropped beside a
    window's edge read 143.01 as 143.0, and motion blur 174.01 as 74.01), and a bar across the
    cell that runs on across the gap to the row (``_runs_on``: the window's shaded edge along
    the digits' foot) is no segment of its own (143.01, 65.01 and 54.01 read without
    their last 1). After the row's last digit, a 1 is also looked for faded (its bar down
    ``FADED_ALONG`` of the cell), and as half a 1
    (b or c alone: a reflection over the other half), unless the bar is the window's frame
    (``_frame``): a last 1 under a reflection read 255.01 as 255.0 and 225.01 as 225.0. Before
    the first digit these find a blank digit's ghost segments, or the bezel, not a lost 1."""
    if len(spans) < 2:
        return False
    least = FADED * float(np.median(hat[strokes > 0])) if strokes.any() else 255.0
    step, width = _pitch_of(spans)
    y, tall = int(round(top)), int(round(h))
    for left in _steps_beside(spans, step, width):
        x = int(round(left))
        if x < 0 or x + width > hat.shape[1] or y < 0 or y + tall > hat.shape[0]:
            continue  # the photo's edge cuts the cell
        # the gap between the cell and the row's end digit
        gap = (x + width, int(spans[0][0])) if left < spans[0][0] else (int(spans[-1][1]), x)
        cell = hat[y : y + tall, x : x + width]
        level = max(cv2.threshold(cell, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[0], least)
        faded = ((hat > level) * 255).astype(np.uint8)
        for ink, others in ((strokes, "?1"), (faded, "?1" if left > spans[-1][0] else "?18")):
            shares = _segments(ink, x, y, width, tall)
            char, confidence = _decode(shares)
            lit = [share >= LIT for share in shares[:7]]
            if ink is faded and left < spans[0][0] and ghosts is not None and any(lit):
                # lit, or a blank digit's ghost: an 8, or part of one where the cell is off it
                stand = [
                    out for out, on in zip(_segments(hat, x, y, width, tall)[:7], lit, strict=True) if on
                ]
                others = "?1" if min(stand) >= GHOSTLY * ghosts else "?0123456789"
            upper, lower = lit[0] or lit[1] or lit[5], lit[2] or lit[3] or lit[4]
            clean = ink is strokes or _fuzziness(shares[:7]) < FUZZY
            if char not in others and confidence >= SEGMENT_OFF and upper and lower and clean:
                return True
            # a bar across the cell (a, g or d) that runs on across the gap is a line (the
            # window's shaded edge along the digits), not a segment of the cell's own
            lines = _lit_across(ink, gap)
            lit = [on and not (i in ACROSS and _runs_on(lines, y, tall, i)) for i, on in enumerate(lit)]
            if ink is strokes and _lone_one(lit, strokes, x, y, width, tall, lines):
                return True
            if (
                left > spans[-1][0]
                and (
                    (ink is faded and _lone_one(lit, ink, x, y, width, tall, lines, FADED_ALONG))
                    or _half_one(lit, ink, x, y, width, tall)
                )
                and not _frame(crop, ink, (x, y, width, tall), _tones(crop, strokes, top, h, spans))
            ):
                return True
    return False


# How many times as much as the row's own unlit segments a faded digit's lit ones before the row
# stand out where it is lit, not a blank digit's ghost: an LCD shows its unlit segments faintly,
# a blank leading digit as a faint 8 and the row's digits' unlit segments as faint. On 200
# synthetic displays whose first digit faded to 0.3 of the others' contrast, 21 of the 52 read
# without it, unflagged, had lost an 8; 14 were flagged so. On 200 with blank leading digits and
# ghosts at 0.12 to 0.25, none read right was flagged so. Any digit, not only an 8, is judged
# so: a cell a little off a ghost 8 reads a 9 (its e half outside). With the cells' widths not
# yet scaled to each digit's height (``_cells``), a ghosted 33.5 was flagged so; with them, no
# synthetic reading depends on it.
GHOSTLY = 2.0


def _ghosts(hat: np.ndarray, digits, spans: list[tuple[float, float]], top: float, h: float) -> float | None:
    """How much the row's digits' unlit segments stand out in ``hat`` (a cell the row's median
    width, set to each digit's right end: a 1's box is its bar): their lower quartile, since a
    lit neighbour's edge, italic or blurred, falls into an unlit segment's place (a small 6405,
    blurred: its 4's a and its 5's b stood out as much as its faded first 6's faintest segment,
    and the median of the six unlit ones 0.7 times as much; the lower quartile, a fifth); None
    where no digit has an unlit segment (all 8s), or one digit only (no step beside it is looked
    at)."""
    if len(spans) < 2:
        return None
    _, width = _pitch_of(spans)
    levels, y, tall = [], int(round(top)), int(round(h))
    for digit, (_, right) in zip(digits, spans, strict=True):
        x, pattern = int(round(right)) - width, PATTERNS.get(digit.char, "1111111")
        if x < 0 or x + width > hat.shape[1] or y < 0 or y + tall > hat.shape[0]:
            continue  # the crop cuts the cell
        shares = _segments(hat, x, y, width, tall)
        seen = (digit.segments or (0.0,) * 7)[:7]
        levels += [s for s, on, lit in zip(shares[:7], pattern, seen, strict=True) if on == "0" and lit < LIT]
    return float(np.percentile(levels, 25)) if levels else None


# The least share of the cell's height that a faded 1's bar after the row runs down (a clear
# one's: 0.7, ``_a_one``). Faded to a third of the digits' contrast, a 1's tapered ends and the
# gap between b and c fall below the cell's level: on 200 synthetic displays whose last digit
# faded so, 5 of the 14 read without it, unflagged, had lost a 1, its bar down 0.69 of the cell;
# 4 are now flagged.
FADED_ALONG = 0.6


def _steps_beside(spans: list[tuple[float, float]], step: float, width: int) -> list[float]:
    """Where the cells one step before the row's first digit and after its last begin: the
    digits' median ``step`` away and, where the step grows towards that end (a row seen at an
    angle, its near end larger), also the end's own step carried on as it grows: the end's step
    times its ratio to the one before, where that lies a tenth of a cell or more further out. A
    display seen from its side read 213.00 as 21.3: the 0 after the point lay a fifth of a cell
    further on than the median step, and stood clear there. A step that shrinks towards an end
    is no angle's (a point's gap, a narrow 1's box): a cell carried on closer in would take the
    row's own last digit, or the window's frame, for one more."""
    cells = [spans[0][0] - step, spans[-1][0] + step]
    steps = np.diff([a for a, _ in spans])
    if len(steps) < 2 or steps.min() <= 0:
        return cells
    grown = [cells[0] + step - steps[0] ** 2 / steps[1], cells[1] - step + steps[-1] ** 2 / steps[-2]]
    further = (cells[0] - grown[0], grown[1] - cells[1])  # out from the row, past the median step's cell
    return cells + [float(g) for g, out in zip(grown, further, strict=True) if out >= 0.1 * width]


def _runs_on(lines: np.ndarray, y: int, tall: int, segment: int) -> bool:
    """Whether one of bar ``segment``'s rows (``ACROSS``, taken as ``_across_band`` takes them) in
    the cell at ``y`` is one of the ``lines`` lit right across the gap (``_lit_across``)."""
    r0, r1 = ACROSS[segment]
    start = int(r0 * tall)
    return bool(lines[y + start : y + max(start + 1, int(r1 * tall))].any())


def _lit_across(ink: np.ndarray, gap: tuple[int, int]) -> np.ndarray:
    """Which rows of ``ink`` are lit (``LIT``) right across the columns ``gap``: a line along the
    digits, where it crosses the gap between a cell and the row."""
    if gap[1] <= gap[0]:
        return np.zeros(ink.shape[0], bool)
    return (ink[:, gap[0] : gap[1]] > 0).mean(axis=1) >= LIT


def _lone_one(
    lit: list[bool],
    strokes: np.ndarray,
    x: int,
    y: int,
    width: int,
    tall: int,
    lines: np.ndarray,
    along: float = 0.7,
) -> bool:
    """A 1 in the ``strokes``' cell at ``x``, ``y`` (``lit``: its segments): b and c lit, d, e,
    f and g not (a window's edge along the digits' top may light a), and their bar stopping at
    the cell's top or bottom (``_a_one``), where an upright edge crossing the row (a window's
    side, a shadow's border) runs on past both. Ink past the bar's ends in the ``lines``, rows lit
    right across the gap to the row (``_lit_across``), is a line along the digits (a backlit
    patch's edge), not the bar running on: 175.00 seen from the side read 75.00, its 1 crossed
    at both ends so."""
    if not (lit[1] and lit[2]) or any(lit[i] for i in (3, 4, 5, 6)):
        return False
    bar = (x + int(ONE_BAR * width), x + width)
    return _a_one(strokes, bar, y, y + tall, one_end=True, lines=lines, along=along)


def _half_one(lit: list[bool], ink: np.ndarray, x: int, y: int, width: int, tall: int) -> bool:
    """Half a 1 in the ``ink``'s cell at ``x``, ``y``: b or c lit alone, its bar (from ``ONE_BAR``
    of the cell's width) down most of its half and stopping at the cell's top (b) or foot (c),
    where an upright edge crossing the row runs on (``PAST``)."""
    if lit[1] == lit[2] or any(lit[i] for i in (0, 3, 4, 5, 6)):
        return False
    margin, half = int(PAST * tall), tall // 2
    if y - margin < 0 or y + tall + margin > ink.shape[0]:
        return False
    rows = (ink[:, x + int(ONE_BAR * width) : x + width] > 0).any(axis=1)
    bar, past = (
        (rows[y : y + half], rows[y - margin : y])
        if lit[1]
        else (rows[y + half : y + tall], rows[y + tall : y + tall + margin])
    )
    return bool(bar.mean() >= 0.7 and past.mean() < 0.5)


# Beyond a window's frame lies the housing, which stands off the window's ground the other way
# from the digits (a light housing round an LCD's grey). Beyond a last 1 under a reflection lies
# more window, or the frame's shade. On the dataset's photos as they are and in 15 variants, a
# frame taken for a 1 stood 0.63 to 9.4 of the digits' contrast off the ground that way (a
# window tight round 198.6 in each view, three others seen from the side); the lost 1s caught,
# 0.55 to 1.44 the digits' way.
FRAME = 0.1


def _tones(
    crop: np.ndarray, strokes: np.ndarray, top: float, h: float, spans: list[tuple[float, float]]
) -> tuple[float, float] | None:
    """The window's ground and the digits' ink: the median grey of the row's pixels outside and
    inside the ``strokes`` (None where either is missing)."""
    rows = slice(max(0, int(round(top))), int(round(top + h)))
    columns = slice(max(0, int(spans[0][0])), int(spans[-1][1]))
    inked, grey = strokes[rows, columns] > 0, crop[rows, columns]
    if inked.all() or not inked.any():
        return None
    return float(np.median(grey[~inked])), float(np.median(grey[inked]))


def _frame(
    crop: np.ndarray, ink: np.ndarray, cell: tuple[int, int, int, int], tones: tuple[float, float] | None
) -> bool:
    """Whether the bar in the ``ink``'s ``cell`` after the row is the window's frame: the photo
    just beyond it (a tenth to four tenths of a cell's width) stands ``FRAME`` of the digits'
    contrast or more off the window's ground the other way from their ink (``tones``). Where
    this cannot be seen, it is no frame: the reading is flagged."""
    x, y, width, tall = cell
    columns = np.flatnonzero((ink[y : y + tall, x : x + width] > 0).mean(axis=0) >= 0.3)
    if not columns.size:
        return False
    right = x + int(columns.max()) + 1
    beyond = crop[y : y + tall, right + max(1, int(0.1 * width)) : right + int(0.4 * width)]
    if tones is None or beyond.shape[1] < 2 or abs(tones[1] - tones[0]) < 1:
        return False
    ground, ink_level = tones
    return (float(np.median(beyond)) - ground) / (ink_level - ground) <= -FRAME


def _strokes_standing_out(hat: np.ndarray, h: float, top: float) -> np.ndarray:
    """Ink in ``hat``, what stands out within half a digit's height (``h``): strokes, where a
    display's whole window stands out from a light bezel around it, and a wide neighbourhood sees the
    window as one piece (a digit in the window's shade, lost to the row, is then not seen). The
    level is set in the digits' band (from ``top``): print above or below the display (a label's
    bold LITRES) stands out far more than an LCD's digits, and would set it above them all."""
    band = hat[max(0, int(top)) : int(top + h)]
    level = cv2.threshold(band if band.size else hat, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[0]
    return ((hat > level) * 255).astype(np.uint8)


def _around(
    gray: np.ndarray, box, across: float, up: float
) -> tuple[np.ndarray, float, tuple[int, int], float]:
    """The photo around a row's ``box``: ``across`` digits' heights either side, ``up`` above
    and below, scaled to digits ``DOT_SCALE`` px high where they are higher; with the scale, the
    crop's origin in the photo and the digits' height in the crop."""
    x, y, w, h = box
    x0, y0 = max(0, x - int(across * h)), max(0, y - int(up * h))
    crop = gray[y0 : y + h + int(up * h), x0 : x + w + int(across * h)]
    scale = min(1.0, DOT_SCALE / h)
    if crop.size and scale < 1:
        crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return crop, scale, (x0, y0), h * scale


def _levelled(gray: np.ndarray, reading: DisplayReading) -> tuple[np.ndarray, DisplayReading]:
    """The photo around a row that runs at a slant, turned so that the row runs level, with the
    reading's boxes there; a row level already, or of one digit, as it is. The row slants where
    its digits' centres lie on a line ``MIN_TILT`` degrees or more off level, and the strong
    edges around it (``_tilt_around``) do too, by as much within ``AGREE``: it is turned by the
    edges' slant, which a few digits' boxes give less closely. The checks around the row
    (``_made_of_dots``, ``_unread_beside``) take the row's box as a digit's height; a slanting
    row's box in the photo is taller by its length times the slant's sine (at 15 degrees about
    twice a digit's height), and they looked for characters of twice a digit's size: a tilted
    photo whose last digit faded (119.02 read 119.0) went unflagged. Each digit's box in the photo
    holds the digit turned, so its own width and height are taken back out of it. The photo is
    taken as far as it reaches: where the turned window runs past its edge, the window is cut
    there, so a cell beyond the edge is cut off as it is upright. Scaled, where the digits are
    large, to twice ``DOT_SCALE``: ``_around`` scales on from there."""
    boxes = np.array([d.box for d in reading.digits], np.float64)
    centres = boxes[:, :2] + boxes[:, 2:] / 2 if len(boxes) > 1 and reading.box is not None else None
    if centres is None or np.ptp(centres[:, 0]) <= 0:
        return gray, reading
    slant = float(np.degrees(np.arctan(np.polyfit(centres[:, 0], centres[:, 1], 1)[0])))
    measured = _tilt_around(gray, reading.box) if abs(slant) >= MIN_TILT else 0.0
    if abs(measured) < MIN_TILT or abs(measured - slant) > AGREE:
        return gray, reading
    angle = float(np.radians(measured))
    cos, sin = np.cos(angle), np.sin(angle)
    # a w x h box turned by the angle is bounded by w cos + h |sin| across, w |sin| + h cos high
    square = cos * cos - sin * sin
    sizes = np.maximum(1.0, (boxes[:, 2:] * cos - boxes[:, :1:-1] * abs(sin)) / square)
    scale = min(1.0, 2 * DOT_SCALE / float(np.median(sizes[:, 1])))
    middle = centres.mean(axis=0)
    level = np.array([[cos, sin], [-sin, cos]])  # from the photo, about the row's middle, to level
    at, half = (centres - middle) @ level.T * scale, sizes * scale / 2
    margin = 7 * float(np.median(half[:, 1]))  # 3.5 digits' heights: _made_of_dots looks 3 either side
    low, high = (at - half).min(axis=0) - margin, (at + half).max(axis=0) + margin
    size = (int(np.ceil(high[0] - low[0])), int(np.ceil(high[1] - low[1])))
    # the window's pixel p lies at middle + level^T (p + low) / scale in the photo
    back = np.hstack([level.T / scale, (middle + level.T @ low / scale)[:, None]])
    window = cv2.warpAffine(
        gray, back, size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE
    )
    inside = cv2.warpAffine(np.ones_like(gray), back, size, flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP)
    at, tall = at - low, 2 * float(half[:, 1].max())
    band = slice(max(0, int(at[:, 1].min() - tall)), int(at[:, 1].max() + tall))
    x0, x1 = _run(inside[band].all(axis=0), int(at[:, 0].mean()))
    y0, y1 = _run(inside[:, x0:x1].all(axis=1), int(at[:, 1].mean()))
    corners = at - half - (x0, y0)
    digits = tuple(
        replace(d, box=tuple(int(round(v)) for v in (*corner, *side)))
        for d, corner, side in zip(reading.digits, corners, 2 * half, strict=True)
    )
    (left, top), (right, bottom) = corners.min(axis=0), (corners + 2 * half).max(axis=0)
    box = tuple(int(round(v)) for v in (left, top, right - left, bottom - top))
    return window[y0:y1, x0:x1], replace(reading, digits=digits, box=box)


# Degrees by which the slant of the digits' centres and that of the strong edges around the row
# (``_tilt``) may differ for the row to be turned level. A row read in the photo turned by a
# wrong tilt (stripes of a reflection took the photo's level edges) has its boxes level there,
# so slanted in the photo, while its digits and the edges around them stand level. Two or three
# digits' centres gave a turn of 7 to 15 degrees up to 1.6 degrees off the edges'.
AGREE = 3.0


def _tilt_around(gray: np.ndarray, box) -> float:
    """``_tilt`` of the photo around a row's ``box`` (a quarter of its height round it), the
    box taken at most 200 px high."""
    x, y, w, h = box
    crop = gray[max(0, y - h // 4) : y + h + h // 4, max(0, x - h // 4) : x + w + h // 4]
    scale = min(1.0, 200 / max(1, h))
    if crop.size and scale < 1:
        crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return _tilt(crop) if crop.size else 0.0


def _run(inside: np.ndarray, at: int) -> tuple[int, int]:
    """Where the run of True in ``inside`` that holds ``at`` starts and ends; all of it where
    ``at`` is not in one."""
    if not 0 <= at < len(inside) or not inside[at]:
        return 0, len(inside)
    outside = np.flatnonzero(~inside)
    before, after = outside[outside < at], outside[outside > at]
    return (int(before.max()) + 1 if before.size else 0), (int(after.min()) if after.size else len(inside))


def _either_way_up(gray: np.ndarray, config: DisplayConfig, words: Words | None) -> DisplayReading:
    """``read_display`` before the dot check: the photo as it stands, or turned round."""
    reading = _read(gray, config, words)
    if reading.reason not in TOLD_TURNED:
        return reading
    round_, back = stood_up(gray, 180)
    turned = _read(round_, config, words)
    if turned.value is None or turned.reason:
        return reading
    # a leading 0 or a digit that fits better turned round says little alone: turned round, the
    # digits must be the very same ones
    if reading.reason != UPSIDE_DOWN and _digits(turned.text) != _turned_round(reading.digits):
        return reading
    reason = f"the display is upside down in the photo: read turned round (as it stands, {reading.text})"
    return replace(mapped(turned, back), reason=reason)


# What each digit shows turned round: 3, 4 and 7 show no digit.
TURNED = str.maketrans("0125689", "0125986")


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _turned_round(digits: tuple[Digit, ...]) -> str | None:
    """The digits as the display turned round shows them: a 3, 4 or 7 where a digit's segments
    are one turned round (``_turned_digit``); None where a 3, 4 or 7 was read, which shows no
    digit turned round."""
    chars = []
    for digit in reversed(digits):
        shown = _turned_digit(digit.segments) or (
            digit.char.translate(TURNED) if digit.char in "0125689" else ""
        )
        if not shown:
            return None
        chars.append(shown)
    return "".join(chars)


def _read(gray: np.ndarray, config: DisplayConfig, words: Words | None) -> DisplayReading:
    """``read_display`` on the photo as it stands."""
    scale = min(1.0, config.work_px / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    to_photo = np.diag([1 / scale, 1 / scale, 1.0])
    polarities = ("dark", "light") if config.polarity == "auto" else (config.polarity,)
    # Each display window found, straightened; then the whole photo, for a display with no
    # frame of its own (LEDs on a panel) or a window cut short by glare; and, when the photo was
    # taken at an angle, the whole photo levelled (its digits' bars made horizontal): a window is
    # straightened by its own corners, but an LED panel or a close-up has none. Each region:
    # (pixels, matrix back to the photo, stroke kernel, whether it is the levelled photo). A
    # window's digits fill most of its height, so their strokes are about a tenth of it and the
    # kernel twice that; in the whole photo digits may be small or large, so two kernels.
    windows = _windows(small)
    regions = [(w, to_photo @ back, max(15, w.shape[0] * 2 // 9) | 1, False) for w, back, _ in windows]
    whole = [(small, to_photo, False)]
    tilt = _tilt(small)
    if abs(tilt) >= MIN_TILT:
        turned, back = _turned(small, tilt)
        whole.append((turned, to_photo @ back, True))
    fine, coarse = max(15, max(small.shape) // 30) | 1, max(15, max(small.shape) // 12) | 1
    regions += [(region, back, fine, level) for region, back, level in whole]
    regions.append((whole[-1][0], whole[-1][1], coarse, whole[-1][2]))
    places: list[_Found] = []  # the best reading at each place in the photo, most display-like first
    # a window standing on its side is two regions, one each way up: their best readings
    upright_and_turned = [(m - 1, m) for m, (_, _, half) in enumerate(windows) if half]
    sideways = {m for pair in upright_and_turned for m in pair}
    views: dict[int, DisplayReading] = {}
    for n, (region, back, kernel, levelled) in enumerate(regions):
        if n == len(regions) - 1 and _settled(places, config) and _fits(places[0], fine, scale):
            break  # the larger kernel only when nothing sure was read, or digits large for the finer
        # a window's ends are its frame, but where the photo cuts it; the whole photo's edges are
        # the photo's, the levelled photo's are its canvas's
        edges = _ends_on_edge(region, back, gray) if n < len(windows) else (region is small,) * 2
        for polarity in polarities:
            for row in _read_polarity(region, polarity, config, kernel, edges):
                reading = mapped(row, back)
                if n in sideways and (n not in views or _rank(reading) > _rank(views[n])):
                    views[n] = reading
                # the second look reads a levelled row level, any other along the photo's axes: in
                # a straightened window the frame would stand beside the digits as upright as a "1"
                cut = (reading.box,) if reading.reason == CUT_OFF else ()
                texts = (reading.text,) if reading.value is not None and _point_sighting(reading) else ()
                found = (
                    _Found(reading, row.box, back, cut=cut, texts=texts)
                    if levelled
                    else _Found(reading, reading.box, _SAME, cut=cut, texts=texts)
                )
                _keep(places, found, _rank if kernel != coarse else _coarse)
    if words is not None:
        places = _not_printed(gray, places, words)
        if not places:
            return DisplayReading("", None, 0.0, reason="printed text only: no display digits found")
    best = places[0].reading
    # Read again around the row, from the full photo: when unsure, or when the digits were small in
    # the working copy (a decimal point of two or three pixels is easily lost there).
    if best.box is not None and (not _settled(places, config) or best.box[3] * scale < SMALL_DIGITS):
        best = _second_look(gray, places[0], polarities, config)
    ways = _both_ways(best, upright_and_turned, views)
    told = [way for way in ways if way.reason not in TOLD_TURNED]
    if len(told) == 1 and not told[0].reason:
        best = told[0]  # the other way up has its point at the digits' top
    elif ways and not best.reason:
        one, other = (way.text for way in ways)
        reason = f"the display stands on its side: it reads {one} one way up, {other} the other"
        best = replace(best, reason=reason)
    if best.value is not None and not best.reason and _evidence(best) <= 0.5:
        best = replace(best, reason="a lone 1: it may be an edge in the photo, not a digit")
    if best.value is not None and not best.reason and all(d.char == "1" for d in best.digits):
        best = replace(best, reason="only 1s: they may be edges in the photo, not digits")
    if best.value is not None and not best.reason and _half_a_first_one(best):
        best = replace(best, reason=HALF_FIRST_ONE)
    glared = [d for d in best.digits if d.glare]
    if best.value is not None and not best.reason and glared:
        best = replace(
            best,
            reason=f"glare over a digit: {glared[0].char} may be {' or '.join(glared[0].glare)}",
        )
    joined = [d for d in best.digits if d.joined]
    if best.value is not None and not best.reason and joined:
        best = replace(
            best,
            reason="something runs into a digit from beside it (a reflection, the frame, glare's edge): "
            f"{joined[0].char} may be {' or '.join(joined[0].joined)}",
        )
    if best.value is not None and not best.reason and _beyond(best, places[0].seen):
        best = replace(best, reason="another reading of the row has a digit more at one end: one may be lost")
    if best.value is not None and not best.reason and (moved := _point_elsewhere(best, places[0].texts)):
        reason = f"another reading of the row puts the decimal point elsewhere: {best.text} may be {moved}"
        best = replace(best, reason=reason)
    if best.value is not None and not best.reason and (signed := _sign_elsewhere(best, places[0].texts)):
        reason = f"another reading of the row differs in its sign: {best.text} may be {signed}"
        best = replace(best, reason=reason)
    if best.value is not None and not best.reason and _read_short(best, places[0].cut):
        best = replace(best, reason=CUT_OFF)
    if best.value is not None and not best.reason and best.polarity == "dark" and _covered(gray, best):
        best = replace(
            best,
            reason="something dark lies over or beside the digits (a finger?): a digit may be hidden",
        )
    lone = best.digits[0].char if len(best.digits) == 1 else ""
    if best.value is not None and not best.reason and lone in LONE and (lone != "0" or config.digits is None):
        best = replace(best, reason=LONE[lone])
    # other places read as surely: other displays, unless printed words (asked only then)
    others = [p for p in places[1:] if _sure(p.reading) and not (words and _printed(gray, p, words))]
    displays = _distinct([place.reading for place in places[:1] + others if _sure(place.reading)])
    if displays > 1:
        return replace(best, rows=displays, reason=f"{displays} displays in the photo: the clearest was read")
    return replace(best, rows=displays)


_SAME = np.eye(3)
END_INSET = 0.06  # of a window's length: how far inside its quad a straightened window's ends lie


def _ends_on_edge(window: np.ndarray, back: np.ndarray, photo: np.ndarray) -> tuple[bool, bool]:
    """Whether the straightened ``window``'s left and right ends lie on the edge of ``photo``
    (``back``: the window's pixels to the photo's): there the photo cuts the window, and its
    end is the photo's edge, not its frame (a digit cut there is cut off)."""
    h, w = window.shape
    ends = cv2.perspectiveTransform(np.float32([[[0, h / 2]], [[w - 1, h / 2]]]), back).reshape(-1, 2)
    margin = END_INSET * float(np.linalg.norm(ends[1] - ends[0])) + 2
    height, width = photo.shape
    return tuple(
        bool(x <= margin or y <= margin or x >= width - 1 - margin or y >= height - 1 - margin)
        for x, y in ends
    )


@dataclass(frozen=True)
class _Found:
    reading: DisplayReading  # boxes in the photo's pixels
    row: tuple[int, int, int, int] | None  # the digits' row in the region's pixels
    back: np.ndarray  # the region's pixels to the photo's
    seen: tuple[tuple[Digit, ...], ...] = ()  # the sure digits of each other reading of this place
    cut: tuple[tuple[int, int, int, int], ...] = ()  # rows of this place read with a digit cut off past them
    texts: tuple[str, ...] = ()  # each reading of this place that places its point (_point_sighting)


def _settled(places: list[_Found], config: DisplayConfig) -> bool:
    """The best reading so far has a value, every digit sure enough, nothing flagged, and more
    than a lone "1" (one upright bar: any edge in the photo is one)."""
    best = places[0].reading if places else None
    return (
        best is not None
        and best.value is not None
        and best.confidence >= config.min_confidence
        and not best.reason
        and _evidence(best) > 0.5
    )


def _fits(found: _Found, kernel: int, scale: float) -> bool:
    """The place's digits are small enough for ``kernel`` (working-copy pixels; ``scale``: of
    the working copy to the photo): their strokes, about a seventh of their height, clearly
    narrower than it. A kernel narrower than the strokes hollows them out, and their edges read
    as 1s."""
    if found.reading.box is None:
        return True
    height = found.row[3] if found.back is not _SAME else found.reading.box[3] * scale
    return height <= FITS * kernel


def _coarse(reading: DisplayReading) -> float:
    """For the larger kernel's readings: the evidence, a value counting as one digit more. A
    wider row that fits no pattern (a mark on the housing read as a 1, glare as a digit) takes
    the place of a row read with a value only when it shows a whole digit more than it."""
    return _evidence(reading) + (reading.value is not None)


def _keep(places: list[_Found], found: _Found, better) -> None:
    """Keep ``found`` among ``places`` (most display-like first) if it is ``better`` than what was
    read at its place so far (a reading that mostly overlaps it is of the same place: the same
    display in a window and in the whole photo)."""
    box = found.reading.box
    for i, place in enumerate(places):
        if box is not None and place.reading.box is not None and _iou(place.reading.box, box) >= SAME_PLACE:
            cut, texts = place.cut + found.cut, place.texts + found.texts
            if better(found.reading) <= better(place.reading):
                places[i] = replace(
                    place, seen=place.seen + found.seen + _sure_digits(found.reading), cut=cut, texts=texts
                )
                return
            found = replace(
                found, seen=found.seen + place.seen + _sure_digits(place.reading), cut=cut, texts=texts
            )
            del places[i]
            break
    places.append(found)
    places.sort(key=lambda place: _display_like(place.reading), reverse=True)


def _both_ways(best: DisplayReading, pairs, views: dict[int, DisplayReading]) -> tuple[DisplayReading, ...]:
    """The two readings of the window standing on its side where ``best`` was read (``pairs``: its
    regions each way up), when both ways give a value, sure or not, with about as many sure digits
    other than 1 (upside down, 0 2 5 6 8 9 are still digits; a 1 stands either way; 3 4 7 fit no
    pattern); none when there are not."""
    if best.box is None:
        return ()
    for pair in pairs:
        ways = [views.get(n) for n in pair]
        if not all(ways) or not any(v.box is not None and _iou(v.box, best.box) >= SAME_PLACE for v in ways):
            continue
        shown = [sum(d.confidence >= 0.5 and d.char != "1" for d in v.digits) for v in ways]
        if (
            all(v.value is not None for v in ways)
            and ways[0].text != ways[1].text
            and min(shown) >= max(shown) - 1
        ):
            return tuple(ways)
    return ()


def _sure_digits(reading: DisplayReading) -> tuple[tuple[Digit, ...], ...]:
    sure = tuple(d for d in reading.digits if d.confidence >= 0.5 and d.char != "?")
    return (sure,) if sure else ()


def _beyond(reading: DisplayReading, seen: tuple[tuple[Digit, ...], ...]) -> bool:
    """Another reading of the place read the same row (one of the reading's digits or more, the
    same at the same place) and a clear digit more just past one end of it, not a "1" (any edge
    beside a row reads as one): the reading may have lost an end digit."""
    x, y, w, h = reading.box
    for other in seen:
        if not any(d.char == o.char and _iou(d.box, o.box) >= 0.5 for d in reading.digits for o in other):
            continue
        for o in other:
            bx, by, bw, bh = o.box
            centre = bx + bw / 2
            past = x - 1.5 * bw <= centre < x or x + w < centre <= x + w + 1.5 * bw
            level = min(y + h, by + bh) - max(y, by) >= 0.5 * bh
            if o.char != "1" and o.confidence >= 0.9 and past and level:
                return True
    return False


AT_RIM_HEAD = AT_RIM.split("{", 1)[0]  # how every AT_RIM reason, and no other, begins
POINT_OFF_HEAD = POINT_OFF.split("{", 1)[0]  # how every POINT_OFF reason, and no other, begins


def _point_sighting(reading: DisplayReading) -> bool:
    """Whether the reading's text tells where its point is, for ``_point_elsewhere`` and
    ``_sign_elsewhere``: it is unflagged, or flagged only because its point is not where the
    registry's fixed decimals put it (the point was seen there all the same: 73.00 read 73.0
    under glare, whose point, ignored, left a 7.30 read in the window unflagged), or because
    its point's mark stands off its gap's centre (``OFF_CENTRE``: a blurred 21.201 of this kind
    beside another view's 21201 was all that flagged it)."""
    return not reading.reason or reading.reason.startswith(POINT_OFF_HEAD) or reading.reason == OFF_CENTRE


def _point_elsewhere(reading: DisplayReading, texts: tuple[str, ...]) -> str | None:
    """Another reading of the place, unflagged (or flagged only for its point, ``_point_sighting``),
    of the very same digits with the decimal point in another gap (or with one where this reading
    has none): its text. The point is the least ink on a display; two readings that agree on
    every digit differ on it only when it is unsure."""
    digits = reading.text.replace(".", "")
    return next((t for t in texts if t != reading.text and t.replace(".", "") == digits and "." in t), None)


def _sign_elsewhere(reading: DisplayReading, texts: tuple[str, ...]) -> str | None:
    """Another reading of the place, unflagged, of the very same digits and point with a minus
    sign where this reading has none: its text. A minus is one short bar, which the photo
    levelled and as it stands may see differently (a tilted row's bar falls out of the band
    where a sign is looked for); a temperature read without its sign would enter a series
    silently wrong. The other way round is not flagged: a bar at mid-height before the digits,
    with nothing above or below it, is seldom anything but a minus (of 180 rendered signed
    displays, 3 right readings had a view without it, none a view with a minus not shown)."""
    return next((t for t in texts if t == "-" + reading.text), None)


def _read_short(reading: DisplayReading, cut: tuple[tuple[int, int, int, int], ...]) -> bool:
    """Another reading of the place, of the same digits as ``reading`` (its row's ends within half
    a pitch of the reading's), found a digit cut off by the photo's edge past one of its ends.
    A display window that the edge cuts is read short of the cut digit: its inset drops what
    the edge left of it."""
    pitch = _pitch([d.box for d in reading.digits])
    x, _, w, _ = reading.box
    return any(abs(x - cx) < pitch / 2 and abs(x + w - cx - cw) < pitch / 2 for cx, _, cw, _ in cut)


def _pitch(boxes: list[tuple[int, int, int, int]]) -> float:
    """The digits' pitch: the median step between their left edges (one digit: 0.7 of its height)."""
    return float(np.median(np.diff([b[0] for b in boxes]))) if len(boxes) > 1 else 0.7 * boxes[0][3]


def _not_printed(gray: np.ndarray, places: list[_Found], words: Words) -> list[_Found]:
    """``places`` less the printed words at their head: the first is asked about, and the next
    while the one before was a word (``WORD_CHECKED`` at most; one call costs ~30 ms)."""
    kept = list(places)
    for _ in range(WORD_CHECKED):
        if not kept or not _printed(gray, kept[0], words):
            break
        kept.pop(0)
    return kept


def _printed(gray: np.ndarray, place: _Found, words: Words) -> bool:
    """A text engine reads the place as a printed word. It may take a 7-segment digit for a
    letter (a 7 for a T, a 5 for an S), but not a row of them for a word with that sureness."""
    if place.reading.box is None:
        return False
    crop = _margin(gray, place.reading.box)
    return bool(crop.size) and _word(*words([crop])[0])


def _margin(gray: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    x, y, w, h = box
    m = h // 4
    return gray[max(0, y - m) : y + h + m, max(0, x - m) : x + w + m]


def _word(text: str, score: float) -> bool:
    letters = sum(c.isalpha() for c in text)
    return score >= WORD_SURE and letters >= 3 and letters > sum(c.isdigit() for c in text)


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return min(a[0] + a[2], b[0] + b[2]) > max(a[0], b[0]) and min(a[1] + a[3], b[1] + b[3]) > max(a[1], b[1])


def _covered(gray: np.ndarray, reading: DisplayReading) -> bool:
    """Something dark lies over a digit or just beside the row (an LCD's segments are dark, and
    so is a finger): a digit's cell, or the cell one pitch before the first or after the last,
    is mostly as dark as the segments' ink. Lit segments fill well under two thirds of a cell."""
    boxes = [d.box for d in reading.digits]
    pitch = _pitch(boxes)
    ink = np.concatenate([gray[y : y + h, x : x + w].ravel() for x, y, w, h in boxes])
    if ink.size == 0:
        return False
    level = float(np.percentile(ink, 15)) + 0.25 * (
        float(np.percentile(ink, 85)) - float(np.percentile(ink, 15))
    )
    first, last = boxes[0], boxes[-1]
    cells = [*boxes, (int(first[0] - pitch), *first[1:]), (int(last[0] + pitch), *last[1:])]
    for x, y, w, h in cells:
        cell = gray[max(0, y) : y + h, max(0, x) : x + w]
        # a cell the photo's edge cuts to under half is not judged: in a close-up, what is left
        # of the cell beside the row is the window's dark frame
        if cell.size >= 0.5 * w * h and (cell <= level).mean() >= COVERED:
            return True
    return False


def _second_look(gray: np.ndarray, found: _Found, polarities, config: DisplayConfig) -> DisplayReading:
    """An unsure reading read again from the full-resolution photo around its digits' row, with
    room above and below for the segments and the decimal point a tight window cut off. A row
    read in a levelled photo is taken level; any other along the photo's axes. Only a reading of
    digits about as high as the row's is of the row (a speck or glare's edge in the crop, read as
    a small digit, is not)."""
    if found.row is None:
        return found.reading
    if found.back is _SAME:
        cut = _crop(gray, found.row)
    else:
        x, y, w, h = found.row
        factor = SECOND / max(1, 2 * h)  # of the region's pixels
        to_region = np.array([[1 / factor, 0, x - h], [0, 1 / factor, y - h / 2], [0, 0, 1]], np.float64)
        cut = _resample(gray, found.back @ to_region, (int((w + 2 * h) * factor), SECOND))
    if cut is None:
        return found.reading
    region, back = cut
    # the crop's left and right edges where they are the photo's (a levelled row's never are)
    x0, x1 = back[0, 2], back[0, 2] + region.shape[1] * back[0, 0]
    edges = (False, False) if found.back is not _SAME else (x0 <= 0, x1 >= gray.shape[1] - 1)
    kernel = max(15, region.shape[0] // 9) | 1
    best = found.reading
    for polarity in polarities:
        for reading in _read_polarity(region, polarity, config, kernel, edges):
            reading = mapped(reading, back)
            if not _same_height(reading, found.reading):
                continue
            # a reading flagged for a bar lost at its region's edge gives way to one as good,
            # unflagged, read here with room round the row
            room = best.reason.startswith(AT_RIM_HEAD) and not reading.reason
            if _rank(reading) > _rank(best) or (room and _rank(reading) >= _rank(best)):
                best = reading
    return best


def _fuzzy(reading: DisplayReading) -> bool:
    """Whether ``reading``'s sure digits are on average ``FUZZY`` or more from clean segments."""
    shares = [s for d in reading.digits if d.confidence >= 0.5 for s in d.segments]
    return bool(shares) and _fuzziness(shares) >= FUZZY


def _fuzzy_digit(reading: DisplayReading) -> bool:
    """Whether one of ``reading``'s digits is ``FUZZY_DIGIT`` or more from clean segments."""
    return any(d.segments and _fuzziness(d.segments) >= FUZZY_DIGIT for d in reading.digits)


def _odd_drawings(reading: DisplayReading) -> str:
    """The reason to flag ``reading`` where a digit is read only as some displays draw it, with a
    segment half lit (``_odd_drawing``); "" where none is."""
    for digit in reading.digits:
        if others := _odd_drawing(digit.segments, digit.char):
            return f"{ODD_DRAWING}: {digit.char} may be {' or '.join(others)}"
    return ""


def _fuzziness(shares) -> float:
    """How far, on average, segments' lit ``shares`` lie from fully lit or unlit."""
    return float(np.mean([min(s, 1 - s) for s in shares]))


def _same_height(reading: DisplayReading, row: DisplayReading) -> bool:
    """Whether ``reading``'s digits are about as high as ``row``'s (``SAME_ROW``)."""
    if reading.box is None or row.box is None:
        return True
    ratio = reading.box[3] / max(1, row.box[3])
    return SAME_ROW <= ratio <= 1 / SAME_ROW


def _sure(reading: DisplayReading) -> bool:
    """A reading sure enough to count as a display: two digits or more, not all 1s (any parallel
    bars read as a row of 1s: a window frame's edges, stripes of light)."""
    return (
        reading.value is not None
        and len(reading.digits) >= 2
        and reading.confidence >= 0.9
        and any(d.char != "1" for d in reading.digits)
    )


def _distinct(readings: list[DisplayReading]) -> int:
    """How many places in the photo gave a sure reading (places that touch count once)."""
    places: list[tuple[int, int, int, int]] = []
    for reading in readings:
        if not any(_overlap(reading.box, box) for box in places):
            places.append(reading.box)
    return len(places)
