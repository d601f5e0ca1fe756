"""One region read: its rows of digit-like blobs, each straightened, cut into cells and decoded."""

from dataclasses import replace

import numpy as np

from .cells import (
    _cells,
    _cut_off,
    _dark_at_rim,
    _decimal_point,
    _groups,
    _level,
    _marks,
    _on_frame,
    _point_at_top,
    _point_in_gaps,
)
from .decode import (
    LEADING_ZERO,
    SIGN_AFTER,
    TURNED_DIGIT,
    UNCERTAIN,
    _compose,
    _decode,
    _half_bars,
    _joined,
    _lost,
    _minus,
    _minus_after,
    _segments,
    _trim,
    _turned_digit,
    _under_glare,
    _unshear_box,
)
from .reading import Digit, DisplayConfig, DisplayReading, _rank
from .strokes import (
    _contrast,
    _digit_rows,
    _floor,
    _glare,
    _Row,
    _shear,
    _slant,
    _stroke_map,
    _upright,
    _without_lines,
)

CUT_OFF = "the photo's edge cuts a digit off: one may be missing"
# A band across a gap at the digits' top this thick, of the bars' thickness beside it, joins them.
# On the dataset's photos glare's band was as thick in the gap as over the digits (1.0); a shadow's
# sliver joining a 7's and a 6's real top bars, 0.3 to 0.45.
BRIDGE = 0.6
# A point-like mark in a gap at this share of the strokes' level, where the row has no point, may
# be a point fainter than the segments: the reading without one is flagged. Rendered LCDs with
# the point's contrast cut to 60, 50, 40, 30 % (JPEG-coded, a speck at the top of another gap)
# read without it, unflagged, 7, 18, 37, 46 times in about 80 each; now 3, 2, 4, 17. Of 600
# rendered integer displays, dimmed, noisy and JPEG-coded, 4 more are flagged.
FAINT_POINT = 0.5
# A row whose top (or foot) lies less than a stroke from its region's edge: a bar along that edge
# is dark right up to it, and the contrast against the surroundings, measured across a stroke
# each way, sees no surroundings beyond the edge (a window drawn tight round its digits read 9s
# as 4s). A digit there without that bar, which is dark in the photo there (``_dark_at_rim``),
# may have lost it; the second look, with room round the row, reads it again.
AT_RIM = "a digit reaches the edge of where it was read, and a bar by it may be lost: {char} may be {other}"
OFF_CENTRE = "the decimal point is unsure: its mark stands off its gap's centre (a speck, a reflection?)"
UPSIDE_DOWN = "a point-like mark at the digits' top, between two of them: the display may be upside down"


def _read_polarity(
    gray: np.ndarray,
    polarity: str,
    config: DisplayConfig,
    kernel: int,
    edges: tuple[bool, bool] = (False, False),
) -> list[DisplayReading]:
    """One reading per row of digit-like blobs in ``gray``. ``edges``: whether its left and right
    edges are the photo's (a digit cut there is cut off)."""
    hat = _contrast(gray, polarity, kernel)
    floor = _floor(hat)
    rows = _digit_rows(_without_lines(_stroke_map(hat, floor)), config)
    if not rows:
        return [DisplayReading("", None, 0.0, polarity=polarity, reason="no display digits found")]
    return [_read_row(hat, row, polarity, config, floor, gray, edges) for row in rows]


def _read_row(
    hat: np.ndarray,
    row: _Row,
    polarity: str,
    config: DisplayConfig,
    floor: float,
    gray: np.ndarray,
    edges: tuple[bool, bool] = (False, False),
) -> DisplayReading:
    """The row's digits, decimal point and sign. ``floor``: the least contrast of a stroke in
    ``hat``; ``gray``: the region's pixels."""
    stroke = row.stroke
    tall = list(filter(_upright, row.boxes))  # not digits joined into a wide blob
    top = int(np.median([b[1] for b in tall]))
    bottom = int(np.median([b[1] + b[3] for b in tall]))
    height = bottom - top
    x0 = max(0, min(b[0] for b in row.boxes) - 2 * height)
    x1 = min(hat.shape[1], max(b[0] + b[2] for b in row.boxes) + 2 * height)
    y0, y1 = max(0, top - int(0.2 * height)), min(hat.shape[0], bottom + int(0.2 * height))
    level = _level(hat[top:bottom, x0:x1], 0.8 * floor)
    crop = (hat[y0:y1, x0:x1] > level).astype(np.uint8) * 255
    s = _slant(crop[top - y0 : bottom - y0])
    upright = _shear(crop, s)
    # Glare is looked for on LCDs only: on an LED panel the lit segments are the clipped pixels.
    glare = _glare(gray[y0:y1, x0:x1]) if polarity == "dark" else None
    bright = None if glare is None else _shear(glare, s)
    pad = (upright.shape[1] - crop.shape[1]) // 2
    top, bottom = top - y0, bottom - y0
    # the digits' cells and their top and bottom, without a frame edge or shadow border along them
    inside = (pad, pad + crop.shape[1])
    unlined = _without_lines(upright, 1.5 * (bottom - top))
    cells, top, bottom = _cells(unlined, top, bottom, stroke, inside)
    height = bottom - top
    solid, centred = _marks(upright, cells, top, bottom, stroke)
    point, rival, off_centre = _decimal_point(solid, centred)
    maybe = None  # a gap with some ink of a point's, too little to say it is one
    if point is None and len(cells) > 1:
        point, maybe = _point_in_gaps(upright, cells, top, bottom, stroke)
    # a point fainter than the strokes' level, looked for when a reading would be given without one
    faint = point is None and maybe is None and len(cells) > 1
    turned = len(cells) > 1 and _point_at_top(upright, cells, top, bottom, stroke, centred, point)
    if not cells:
        return DisplayReading("", None, 0.0, polarity=polarity, reason="no display digits found")
    digits: list[Digit] = []
    before = pad  # where the room before a cell starts: the region's edge, then the cell before
    pixels = None  # the straightened row's pixels, when a "1" at an end may be the window's edge
    bridged = _bridged(upright, cells, top, height)
    for n, (left, width) in enumerate(cells):
        shares = _segments(upright, left, top, width, height)
        char, conf = _decode(shares)
        across = ""  # what the digit reads with a top bar that runs on across a gap counted
        if n in bridged:
            bare = [0.0, *shares[1:]]
            bare_char, bare_conf = _decode(bare)
            if bare_char != "?" and bare_char != char:
                across, char, conf, shares = char, bare_char, bare_conf, bare
        if char == "1" and n in (0, len(cells) - 1):
            if pixels is None:
                pixels = _shear(gray[y0:y1, x0:x1].astype(np.float32), s, padding=np.nan)
            if _on_frame(pixels, upright, cells, n, top, bottom):
                char = "?"  # dropped, as the row's ends that fit no digit are
        glare = (
            "" if bright is None else _under_glare(shares, _segments(bright, left, top, width, height), char)
        )
        # from the right, only at the row's end: between digits, a bar crossing the gap is ``_bridged``
        room = (left - before, inside[1] - left - width if n == len(cells) - 1 else 0)
        joined = across or _joined(unlined, shares, char, (left, top, width, height), room)
        halves = _half_bars(upright, shares, char, (left, top, width, height))
        before = left + width
        box = _unshear_box(left, top, width, height, s, upright.shape[0], pad, x0, y0)
        digits.append(Digit(char, conf, box, tuple(round(v, 2) for v in shares[:7]), glare, joined, halves))
    # the photo's edges, where a digit beyond the row would be cut off (a window's or a crop's
    # are not: a frame's edge or glare lies there)
    left = pad if edges[0] and x0 == 0 else -upright.shape[1]
    right = pad + crop.shape[1] if edges[1] and x1 == hat.shape[1] else 2 * upright.shape[1]
    cut = _cut_off(unlined, cells, top, bottom, stroke, (left, right))
    rim = (y0 + top < stroke, hat.shape[0] - (y0 + bottom) < stroke)
    best = None
    for first, last in _groups(cells):
        start, end = _trim(digits, first, last)
        if start >= end:
            continue
        dot = point - start if point is not None and start <= point < end - 1 else None
        minus = config.signed and _minus(upright, cells[start], top, bottom)
        reading = _compose(digits[start:end], dot, minus, polarity, config)
        if reading.value is not None and not reading.reason and _lost(digits[first:start] + digits[end:last]):
            reading = replace(
                reading, reason="a digit at the end of the row fits no pattern: it may be missing"
            )
        if (
            reading.value is not None
            and not reading.reason
            and dot is not None
            and rival is not None
            and start <= rival < end - 1
        ):
            reading = replace(reading, reason=_unsure_point(reading.text, rival - start))
        # upside down, a 3, 4 or 7 fits no pattern and a 1 stands on the wrong side of its cell
        unsure = "?" in reading.text or reading.confidence < config.min_confidence
        if turned and (unsure or (reading.value is not None and reading.reason in ("", LEADING_ZERO))):
            reading = replace(reading, reason=UPSIDE_DOWN)
        # a digit that fits better turned round, unsure or not (a 3 turned is a 6 without c)
        if (
            reading.value is not None
            and reading.reason in ("", LEADING_ZERO, UNCERTAIN)
            and any(_turned_digit(d.segments) for d in reading.digits)
        ):
            reading = replace(reading, reason=TURNED_DIGIT)
        if (
            config.signed
            and not minus
            and reading.value is not None
            and reading.reason in ("", LEADING_ZERO, TURNED_DIGIT)
            and _minus_after(upright, cells[end - 1], top, bottom)
        ):
            reading = replace(reading, reason=SIGN_AFTER)
        if (
            reading.value is not None
            # a digit cut off leaves a 0 leading, or a part of it as an unsure digit
            and reading.reason in ("", LEADING_ZERO, UNCERTAIN)
            and ((cut[0] and start == first == 0) or (cut[1] and end == last == len(cells)))
        ):
            reading = replace(reading, reason=CUT_OFF)
        if reading.value is not None and not reading.reason and any(rim):
            if pixels is None:
                pixels = _shear(gray[y0:y1, x0:x1].astype(np.float32), s, padding=np.nan)
            if bare := _lost_at_rim(pixels, upright, cells[start:end], digits[start:end], top, bottom, rim):
                reading = replace(reading, reason=AT_RIM.format(char=bare[0], other=bare[1]))
        if faint and reading.value is not None and not reading.reason:
            maybe, faint = _faint_point(hat[y0:y1, x0:x1], level, s, cells, top, bottom, stroke), False
        if (
            reading.value is not None
            and not reading.reason
            and dot is None
            and maybe is not None
            and start <= maybe < end - 1
        ):
            reading = replace(reading, reason=_unsure_point(reading.text, maybe - start))
        # last, where nothing else tells more; where the display's decimals are registered, a
        # point read there is borne out by them
        if off_centre and dot is not None and config.decimals is None and reading.value is not None:
            reading = replace(reading, reason=reading.reason or OFF_CENTRE)
        if best is None or _rank(reading) > _rank(best):
            best = reading
    return best or DisplayReading("", None, 0.0, polarity=polarity, reason="no display digits found")


def _lost_at_rim(
    gray: np.ndarray, ink: np.ndarray, cells, digits, top: int, bottom: int, rim
) -> tuple[str, str] | None:
    """The first digit that reads as another with the bars dark at the region's edge
    (``_dark_at_rim``) counted lit, and that other digit: (digit, other); None where none does."""
    for cell, digit in zip(cells, digits, strict=True):
        if not digit.char.isdigit():
            continue
        top_bar, bottom_bar = _dark_at_rim(gray, ink, cell, top, bottom, rim)
        if not (top_bar or bottom_bar):
            continue
        lit = list(digit.segments)
        lit[0], lit[3] = (1.0 if top_bar else lit[0]), (1.0 if bottom_bar else lit[3])
        other = _decode(lit)[0]
        if other.isdigit() and other != digit.char:
            return digit.char, other
    return None


def _faint_point(
    hat: np.ndarray, level: float, slant: float, cells, top: int, bottom: int, stroke: float
) -> int | None:
    """The gap of a point-like mark at ``FAINT_POINT`` of the strokes' ``level`` in ``hat`` (the
    row's contrast, before straightening by ``slant``): a point fainter than the segments (glare
    over it, a point segment lit less), too faint to place, too clear to read the row as sure
    without it. None where there is none."""
    faint = _shear((hat > FAINT_POINT * level).astype(np.uint8) * 255, slant)
    return _decimal_point(*_marks(faint, cells, top, bottom, stroke))[0]


def _bridged(mask: np.ndarray, cells, top: int, height: int) -> set[int]:
    """The cells whose top bar runs on across the gap into the next cell's, or the cell before's,
    as thick there as over the digits: a digit's a never does. Glare that stops short of the
    window's top leaves a dark band along it (a 4 under it reads as a 9). Two digits' a joined
    by a sliver in their gap (a shadow's edge) stay apart: the sliver is thin. Only rows of the
    a's zone are looked at (a decimal point may join two digits' bottom bars)."""
    zone = mask[top : top + int(0.22 * height)] > 0
    thick = zone.sum(axis=0)
    found: set[int] = set()
    for i, ((l0, w0), (l1, w1)) in enumerate(zip(cells, cells[1:], strict=False)):
        if l1 <= l0 + w0:
            continue  # touching cells: no gap to cross
        middles = [
            thick[max(0, int(x + 0.3 * w)) : max(0, int(x + 0.7 * w) + 1)] for x, w in ((l0, w0), (l1, w1))
        ]
        bar = min(float(np.median(m)) if m.size else 0.0 for m in middles)
        gap = thick[max(0, l0 + w0) : l1]
        if not bar or not gap.size or gap.min() < BRIDGE * bar:
            continue
        # a row lit from the first digit's last quarter to the second's first (one-pixel breaks
        # bridged)
        band = zone[:, max(0, int(l0 + 0.75 * w0)) : int(l1 + 0.25 * w1) + 1]
        if band.shape[1] and (band[:, 0] & band[:, -1] & (band[:, :-1] | band[:, 1:]).all(axis=1)).any():
            found.update((i, i + 1))
    return found


def _unsure_point(text: str, rival: int) -> str:
    """The reason for a reading whose point has a rival mark after digit ``rival`` (where the
    registry's fixed decimals placed the point there, the mark is all that shows it)."""
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    digits = digits.replace(".", "")
    other = sign + digits[: rival + 1] + "." + digits[rival + 1 :]
    if other == text:
        return f"the decimal point is unsure: only a faint mark where {text} has it"
    return f"the decimal point is unsure: {text} may be {other}"
