"""A digit cell to a character: the lit share of each segment, the character whose pattern fits
best and how sure; and the row's digits, point and sign composed into a reading."""

import numpy as np

from .cells import _half_turned
from .reading import PATTERNS, VARIANTS, Digit, DisplayReading
from .strokes import _runs

# Displays leave leading digits blank, unless registered with a fixed count of digits (an
# odometer's 000123): a 0 before another whole digit is a digit lost before it (a photo's edge,
# a finger), or a display upside down, whose trailing 0 leads (650 turned round reads 059).
LEADING_ZERO = (
    "a leading 0, where displays leave leading digits blank: a digit before it may be lost, "
    "or the display upside down"
)

UNCERTAIN = "uncertain digit"
# A point seen where a display registered with fixed decimals has none: what was seen is still
# where the point was seen (``reader._point_elsewhere`` weighs it).
POINT_OFF = "a decimal point {seen} digits from the end, where the display has {registered}"

# Turned half round, a 3 shows a, d, e, f, g (a 6 without c), a 4 shows c, e, f, g (a 6 without
# its top bar and d), and a 7 shows d, e, f: no digit, but one segment from one.
TURNED_DIGIT = "a digit is a 3, 4 or 7 turned round: the display may be upside down"
# Turned round, a display's minus sign stands after its digits.
SIGN_AFTER = "a minus sign after the digits: the display may be upside down"
HALF_TURN = [3, 4, 5, 0, 1, 2, 6]  # the segment each segment shows turned round (a<->d, b<->e, c<->f)

LIT = 0.6  # a segment's lit share from which it is wholly lit (``_lit``)
GLARE_HIDES = 0.5  # share of a segment's zone under glare that may hide it
# Ink in the gap before a cell (or after the row's last), at the digits' top (a gap holds no
# segment), that fills this share of the gap's top rows and of its far column, and crosses its
# near column, beside the cell, in CROSSES of those rows, runs into the cell: it is not the
# digit's own. Over the dataset's photos, cropped three ways, it flagged 1s read as 7 and
# nothing read right; after the row, it flags nothing on the photos or their variants.
JOINED, CROSSES = 0.3, 0.1
# The least lit share of each half of a lit bar's zone (``_half_bars``). Over the dataset's 157
# photos as they are and in the bench's five variants (942 readings), it flagged 3 wrong numbers
# that were silent (a noisy 129 read 729, a noisy 75 read 35, a dark 48 read 49) and 7 right
# readings that were not flagged (a 7 whose italic top bar leaves the zone's left half part
# empty, an 8); on 300 rendered displays, none.
HALF_BAR = 0.5


# The rows each bar across (a, g, d) lies in, as shares of a cell's height; it is measured in
# the columns from 0.3 to 0.7 of the cell's width.
ACROSS = {0: (0.0, 0.22), 6: (0.36, 0.64), 3: (0.78, 1.0)}


def _cell(mask: np.ndarray, left: int, top: int, width: int, height: int) -> np.ndarray:
    """A cell of the 0/255 ``mask``, lit as 0..1."""
    return mask[top : top + height, max(0, left) : left + width].astype(np.float32) / 255


def _across_band(cell: np.ndarray, segment: int, columns: tuple[float, float] = (0.3, 0.7)) -> np.ndarray:
    """The zone of bar ``segment`` (a key of ``ACROSS``) in a ``_cell``: its rows, in the share
    ``columns`` of its width (the middle, clear of the upright bars, by default)."""
    h, w = cell.shape
    r0, r1 = ACROSS[segment]
    c0 = int(columns[0] * w)
    return cell[int(r0 * h) : max(int(r0 * h) + 1, int(r1 * h)), c0 : max(c0 + 1, int(columns[1] * w))]


def _segments(mask: np.ndarray, left: int, top: int, width: int, height: int) -> list[float]:
    """Lit share of each segment a..g: the best-covered line across the segment's zone."""
    cell = _cell(mask, left, top, width, height)
    h, w = cell.shape
    if h < 3 or w < 2:
        return [0.0] * 7

    def across(segment: int) -> float:  # a horizontal bar somewhere in its rows
        return float(_across_band(cell, segment).mean(axis=1).max())

    def down(c0: float, c1: float, r0: float, r1: float) -> float:  # a vertical bar in cols c0..c1
        band = cell[int(r0 * h) : int(r1 * h), int(c0 * w) : max(int(c0 * w) + 1, int(c1 * w))]
        return float(band.mean(axis=0).max())

    def hole(r0: float, r1: float) -> float:  # a digit's counters are never lit
        return float(
            cell[
                int(r0 * h) : max(int(r0 * h) + 1, int(r1 * h)),
                int(0.35 * w) : max(int(0.35 * w) + 1, int(0.65 * w)),
            ].mean()
        )

    return [
        across(0),  # a
        down(0.65, 1.0, 0.15, 0.4),  # b
        down(0.65, 1.0, 0.6, 0.85),  # c
        across(3),  # d
        down(0.0, 0.35, 0.6, 0.85),  # e
        down(0.0, 0.35, 0.15, 0.4),  # f
        across(6),  # g
        hole(0.24, 0.34),
        hole(0.66, 0.76),
    ]


_CODES = [(char, np.array([int(c) for c in code], np.float32)) for char, code in PATTERNS.items()] + [
    (char, np.array([int(c) for c in code], np.float32)) for code, char in VARIANTS.items()
]


def _decode(shares: list[float]) -> tuple[str, float]:
    """The character whose segments best match, and how sure: the margin to the next best."""
    # Ink where no segment is (glare, a finger, a printed mark) makes any reading less sure.
    clean = float(np.clip(1 - (max(shares[7:], default=0.0) - 0.15) / 0.35, 0, 1))
    costs = _costs(_lit(shares))
    ranked = sorted(costs.items(), key=lambda kv: kv[1])
    (char, best), (_, second) = ranked[0], ranked[1]
    confidence = float(np.clip(second - best, 0, 1) * np.clip(1.5 - best, 0, 1)) * clean
    return (char if best <= 1.5 else "?"), round(confidence, 3)


def _lit(shares: list[float]) -> np.ndarray:
    return np.clip((np.array(shares[:7], np.float32) - 0.25) / 0.35, 0, 1)


def _costs(lit: np.ndarray, seen: np.ndarray | None = None) -> dict[str, float]:
    """Each character's mismatch with the segments, over the ``seen`` ones (default: all)."""
    costs: dict[str, float] = {}
    for char, code in _CODES:
        diff = np.abs(lit - code) if seen is None else np.abs(lit - code) * seen
        costs[char] = min(float(diff.sum()), costs.get(char, float("inf")))
    return costs


# Some displays draw a 7 with f, a 9 without d or a 6 without a (``VARIANTS``). Read so, a digit
# is that display's drawing, or another digit with a segment half seen: specks over a 1's top left
# read as a 7 with f, a reflection's edge over a 4's top as a 9 without d, an 8 whose d and e fade
# as a 9 without d. A segment lit less than ``WHOLE`` and more than ``BLANK`` is half seen. Over
# the dataset's photos as they are, in the bench's variants and in five harsher views (2,512
# readings), digits read by a variant were in 11 silent errors and 2 right readings, whose
# segments were clear; at these bounds 6 of the errors are flagged (the other 5 are one photo's
# 53.95, right but for its label, with clear segments). On 2,000 renders of displays drawing the
# variants, blurred and as small as 40 px, unlit segments reached 0.25; of 5,222 variant digits
# read right, 2 had a segment half seen, and neither fits another digit: none is flagged.
WHOLE, BLANK = 0.85, 0.3


def _odd_drawing(segments, char: str) -> str:
    """Other characters a digit read only by a display's own drawing (``VARIANTS``) may be, its
    half-seen segments not counted ("": none, or the digit fits a common pattern as well)."""
    if char not in PATTERNS:
        return ""
    lit = _lit(list(segments))
    common = float(np.abs(lit - np.array([int(c) for c in PATTERNS[char]], np.float32)).sum())
    if common <= _costs(lit)[char]:
        return ""
    shares = np.array(segments[:7], np.float32)
    return _others(lit, char, (shares > BLANK) & (shares < WHOLE), fit=0.5)


def _turned_digit(segments) -> str:
    """The 3, 4 or 7 that a digit's ``segments`` show turned half round, when that fits them
    clearly better (by half a segment) than any character as they stand ("": none)."""
    lit = _lit(list(segments))
    standing = min(_costs(lit).values())
    turned = _costs(lit[HALF_TURN])
    char = min("347", key=turned.get)
    return char if turned[char] + 0.5 <= standing else ""


def _under_glare(shares: list[float], glare: list[float], char: str) -> str:
    """Other characters the digit may be: an unlit segment whose zone lies under glare may be a
    lit one washed out (a 9 whose b is under glare reads as a 5)."""
    lit = _lit(shares)
    return _others(lit, char, (np.array(glare[:7], np.float32) >= GLARE_HIDES) & (lit < 0.5))


def _joined(
    mask: np.ndarray, shares: list[float], char: str, cell: tuple[int, int, int, int], room: tuple[int, int]
) -> str:
    """Other characters the digit may be when ink runs into its cell's top from beside it (a
    reflection, a window's corner): bars across the cell's edge in the top rows, in the ``room``
    columns before it (the gap to the cell before, or to the region's edge) and after it (0
    where a bar crossing the gap is ``_bridged``). Segments a and f, lit there from the left,
    or a and b from the right, may be that ink: a 1 beside it reads as a 7, a 3 as a 9 (from
    the left), a 5 or 6 as a 9 or an 8 (from the right)."""
    left, top, width, height = cell
    rows = slice(top, top + int(0.3 * height))
    lit = _lit(shares)
    for space, segments, side in ((room[0], [0, 5], -1), (room[1], [0, 1], 1)):
        strip = min(space, int(0.25 * width))
        start = left - strip if side < 0 else left + width
        if strip < 2 or start < 0 or start + strip > mask.shape[1]:
            continue
        band = mask[rows, start : start + strip][:, ::-side] > 0  # its far column first
        if band.size == 0 or min(band.mean(), band[:, 0].mean()) < JOINED or band[:, -1].mean() < CROSSES:
            continue
        unseen = np.zeros(7, bool)
        unseen[segments] = lit[segments] >= 0.5
        others = _others(lit, char, unseen, fit=0.5)  # one that fits the other segments well
        if others:
            return others
    return ""


def _half_bars(mask: np.ndarray, shares: list[float], char: str, cell: tuple[int, int, int, int]) -> str:
    """Other characters the digit may be when one of its lit bars across (a, g, d) is lit along
    one half of its zone and not the other: specks or a reflection's edge beside an unlit bar (a
    1 with specks over its top left reads as a 7). A bar's two halves are each at least
    ``HALF_BAR`` lit in the row where the bar is most lit."""
    lit = _lit(shares)
    pixels = _cell(mask, *cell)
    h, w = pixels.shape
    if h < 3 or w < 5:  # under 5 px, a bar's zone has no two halves
        return ""
    split = int(0.5 * w) - int(0.3 * w)  # the cell's middle, in the zone's columns
    unseen = np.zeros(7, bool)
    for segment in ACROSS:
        band = _across_band(pixels, segment)
        row = band[int(np.argmax(band.mean(axis=1)))]
        halves = (float(row[:split].mean()), float(row[split:].mean()))
        unseen[segment] = lit[segment] >= 0.5 and min(halves) < HALF_BAR
    return _others(lit, char, unseen, fit=0.5)


def _others(lit: np.ndarray, char: str, unseen: np.ndarray, fit: float = np.inf) -> str:
    """The characters that fit as well as ``char`` (within half a segment's mismatch), and at
    most ``fit`` off, when the ``unseen`` segments are not counted."""
    if char == "?" or not unseen.any():
        return ""
    costs = _costs(lit, ~unseen)
    bound = min(costs[char] + 0.5, fit)
    return "".join(sorted(c for c, cost in costs.items() if c != char and cost <= bound))


def _trim(digits: list[Digit], start: int, end: int) -> tuple[int, int]:
    """Drop blobs that fit no digit at either end of the row: the display's frame, a finger, a
    label. A digit that is only unsure stays (and makes the reading unsure): dropping it would
    give a silently wrong number."""
    while start < end and digits[start].char == "?":
        start += 1
    while end > start and digits[end - 1].char == "?":
        end -= 1
    return start, end


def _lost(dropped: list[Digit]) -> bool:
    """A cell dropped at the row's end lit like part of a digit (three segments or more), not like
    a frame's edge (one vertical stroke: two at most)."""
    return any(sum(share >= LIT for share in d.segments) >= 3 for d in dropped)


def _minus(mask, first, top: int, bottom: int) -> bool:
    """A bar about mid-height before the first digit, within two digit widths of it: lit across
    a third of a digit's width or more, with nothing near the digits' top and bottom above and
    below it (a digit's g has upright strokes there, a frame's edge is upright)."""
    height, (x1, width) = bottom - top, first
    x0 = max(0, x1 - 2 * width)
    zone = mask[top + int(0.3 * height) : top + int(0.7 * height), x0 : max(0, x1)]
    if zone.size == 0:
        return False
    lit = zone.mean(axis=0) > 60
    runs = _runs(lit, bridge=1)
    if not runs:
        return False
    a, b = max(runs, key=lambda run: run[1] - run[0])
    above = mask[top + int(0.05 * height) : top + int(0.2 * height), x0 + a : x0 + b]
    below = mask[top + int(0.8 * height) : top + int(0.95 * height), x0 + a : x0 + b]
    beside = [band.mean() / 255 for band in (above, below) if band.size]
    return b - a >= 0.3 * width and max(beside, default=0.0) < 0.2


def _minus_after(mask, last, top: int, bottom: int) -> bool:
    """A minus sign after the ``last`` digit's cell (``_minus`` on the row turned round)."""
    flipped, (turned,), turned_top, turned_bottom = _half_turned(mask, [last], top, bottom)
    return _minus(flipped, turned, turned_top, turned_bottom)


def _compose(digits, point, minus, polarity, config) -> DisplayReading:
    chars = "".join(d.char for d in digits)
    decimal_seen = point is not None
    if point is None and config.decimals:
        point = len(chars) - config.decimals - 1
    if config.digits and len(chars) > config.digits:
        return DisplayReading(
            chars,
            None,
            0.0,
            tuple(digits),
            polarity=polarity,
            reason=f"{len(chars)} digits where the display has {config.digits}",
        )
    text = chars if point is None or point < 0 else chars[: point + 1] + "." + chars[point + 1 :]
    text = ("-" if minus else "") + text
    confidence = min(d.confidence for d in digits)
    box = _union([d.box for d in digits])
    if "?" in chars:
        return DisplayReading(
            text, None, confidence, tuple(digits), box, polarity, decimal_seen, "a digit fits no pattern"
        )
    reason = "" if confidence >= config.min_confidence else UNCERTAIN
    whole = chars if point is None or point < 0 else chars[: point + 1]
    if not reason and whole[:1] == "0" and len(whole) > 1 and len(chars) != config.digits:
        reason = LEADING_ZERO
    decimals = len(chars) - point - 1 if decimal_seen else None
    if not reason and decimals is not None and config.decimals is not None and decimals != config.decimals:
        reason = POINT_OFF.format(seen=decimals, registered=config.decimals)
    return DisplayReading(text, float(text), confidence, tuple(digits), box, polarity, decimal_seen, reason)


def _union(boxes):
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return (x0, y0, x1 - x0, y1 - y0)


def _unshear_box(x, y, w, h, s, crop_h, pad, x0, y0):
    corners = [(x, y), (x + w, y), (x, y + h), (x + w, y + h)]
    xs = [cx - pad - s * (cy - crop_h / 2) for cx, cy in corners]
    left, right = int(min(xs)), int(max(xs))
    return (left + x0, y + y0, right - left, h)
