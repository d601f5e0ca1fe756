"""A straightened row cut into digit cells on the digits' regular pitch, and the decimal point
between two of them."""

import cv2
import numpy as np

from .strokes import _runs

# An edge lies on the digits' grid within this share of the pitch. Looser, a wrong pitch catches
# broken strokes' edges (glare, a reflection) a few pixels off; tighter, a display that leaves
# a little more room at its decimal point falls off its own grid.
ON_GRID = 0.08

# A point joined to a digit has ink of its own at the baseline, beside the digits' upright strokes:
# at least this many stroke-width squares (a round point a stroke wide has 0.8, blurred on a small
# display 0.46; the segment ends that a "1" before a "2" leaves there, 0.15 at most on rendered
# displays). The end of a bottom bar that no upright stands on (a 3's, 5's or 9's left, a 2's right)
# is not counted (``_bar_ends``): it left up to 0.44, and made 473 read 47.3. With one gap, none to
# compare it with, more, and the bar's end counted.
POINT_OWN, LONE_GAP_OWN = 0.4, 0.55

# A bottom bar's end that lies past the digit's strokes above it by up to BAR_LEAN of a stroke is
# still the bar's: a digit that leans a little more than the row's slant, small and blurred (a
# rendered 737 read 7.37: its 3's bar ran half a stroke past its top bar, into the gap). A point
# joined to the bar stands out past them by its own width, a stroke or more. At 0.25, that 3;
# at 0.6, nothing changed on the dataset's photos under six variants (942 readings).
BAR_LEAN = 0.6

# A gap that would hold a joined point at MAYBE_POINT of those floors (and stands as clear of the
# other gaps) may hold one, blurred into the digit beside it: a reading without a point is then
# flagged. Rendered, small and blurred, 9.4 read 94 and 8.12 read 812, unflagged; at 0.5 they
# are flagged, and of 60 rendered displays without a point one more is (43: "may be 4.3").
MAYBE_POINT = 0.5

# A decimal point is centred in the gap between two digits: weighing marks for it by that, one off
# the centre by POINT_SPREAD of the pitch counts for 1/e as much. A mark in another gap weighing
# POINT_RIVAL of the chosen one's or more makes the point unsure.
POINT_SPREAD, POINT_RIVAL = 0.15, 0.8
# A point whose mark weighs under POINT_CENTRED so (a solid mark an eighth of the pitch or more
# off its gap's centre, or a less solid one nearer) is unsure. On the dataset's photos as they are
# and in eight variants (1,300 readings with a point from a mark), every unflagged one under 0.3
# was wrong (7: a reflection's or a speck's mark, the real point lost, 108.00 read 10.800). Later,
# over 2,512 readings (the 157 photos as they are and in 15 variants), 5 were wrong from marks of
# 0.3 to 0.35 (108.00 read 10.800 four times, from a reflection's cut-off edge; 51 read 7.0), and
# none right under 0.4; the first right one flagged comes at 0.5. Rendered, 1 of 800 right (9.5,
# small, blurred and tilted: 0.39) is flagged.
POINT_CENTRED = 0.4

# Upside down, a display's point stands at the digits' top. A mark there weighing this much
# (solid, centred in its gap), and more than any baseline mark's weight over POINT_RIVAL, is that
# point. On the dataset's photos turned round the point weighed 0.66 to 0.97 (once 0.43) and
# the mark at the baseline half as much at most; the right way up, glare at the top weighed up to
# 0.65, beside a point of 0.62.
TOP_POINT = 0.5

# A "1" at the row's end may be the window's edge: beside its bar lies the housing, not the
# display's ground. Past the bar, pixels NOT_GROUND times the bar's contrast with the ground on
# its other side, away from the ground on the side away from the ink, are not ground. Over the
# dataset's photos, real 1s: at most 1.0 (the ground lit unevenly by a reflection); a window's
# edge read as a 1, upside down: 7.7 to 15. Bars fainter than FAINT grey levels are not judged.
NOT_GROUND, FAINT = 3.0, 8

# A digit's segments end at the digits' top and bottom; an upright stroke that runs on past both
# by this share of their height is an edge, not a 1.
PAST = 0.12


def _cells(upright: np.ndarray, top: int, bottom: int, stroke: float, inside: tuple[int, int]):
    """Split the straightened row into digit cells (left, width) by its empty columns, and find
    the digits' true top and bottom there. A "1" lights only the right-hand segments, so its cell
    is a full digit width ending at its strokes. ``inside``: the columns the region's pixels
    fill at mid-height (straightening a slant pads them). Returns (cells, top, bottom)."""
    height = bottom - top
    y0 = max(0, top - int(0.15 * height))
    band = upright[y0 : bottom + int(0.15 * height)] > 0
    # Columns are split by their ink above the baseline, so a decimal point cannot join or
    # widen the digits beside it.
    counts = band[: top - y0 + int(0.72 * height)].sum(axis=0)
    runs = _runs(counts >= max(2, 0.4 * stroke), bridge=max(1, int(0.2 * stroke)))
    digits, firsts, lasts = [], [], []
    for a, b in runs:
        rows = np.flatnonzero(band[:, a:b].sum(axis=1) >= max(1, 0.3 * stroke))
        if rows.size and rows[-1] - rows[0] + 1 >= 0.55 * height:
            digits.append((a, b))
            firsts.append(rows[0])
            lasts.append(rows[-1])
    if not digits:
        return [], top, bottom
    edge = band.shape[0] - 1
    if 2 * sum(f == 0 and last == edge for f, last in zip(firsts, lasts, strict=True)) > len(digits):
        return [], top, bottom  # the strokes run past the band both ways: the row's blobs were fragments
    top, bottom = y0 + int(np.median(firsts)), y0 + int(np.median(lasts)) + 1
    height = bottom - top
    wide = [b - a for a, b in digits if 0.4 * height <= b - a <= 0.9 * height]
    width = int(np.median(wide)) if wide else int(0.55 * height)
    # Right edges for the pitch: each blob's, and each tall vertical stroke's (b and c end every
    # digit on the right), so two digits whose blobs touch still give their own edges.
    strokes = _runs(band.sum(axis=0) >= 0.38 * height, bridge=max(1, int(0.2 * stroke)))
    grid = _grid([b for _, b in digits], width, [b for _, b in strokes])
    if grid is not None:
        pitch, phase = grid
        ink = np.flatnonzero(counts >= max(2, 0.4 * stroke))
        first = int(np.floor((ink[0] - phase) / pitch))
        last = int(np.ceil((ink[-1] - phase) / pitch))
        cells = []
        for k in range(first, last + 1):
            right = int(round(phase + k * pitch))
            left = right - width
            if left < inside[0] or right > inside[1]:
                continue  # a cell cut by the region's edge: the frame, not a digit
            if counts[left:right].sum() >= 0.3 * height * stroke:
                cells.append((left, right - left))
        return cells, top, bottom
    gaps = [c - b for (_, b), (c, _) in zip(digits, digits[1:], strict=False) if 0 < c - b < width]
    gap = int(np.median(gaps)) if gaps else int(0.3 * width)
    cells = []
    for a, b in digits:
        for left, right in _split(counts, a, b, width, gap):
            cells.append((right - width, width) if right - left < 0.7 * width else (left, right - left))
    return cells, top, bottom


def _cut_off(mask: np.ndarray, cells, top: int, bottom: int, stroke: float, inside: tuple[int, int]):
    """Whether the region's edge cuts a digit off just before the first cell and just after the
    last (left, right): the cell one pitch beyond lies partly past the edge, and what is left of
    it holds part of a digit (a frame's edge is one upright stroke)."""
    if not cells:
        return False, False
    height = bottom - top
    width = int(np.median([w for _, w in cells]))
    pitch = float(np.median(np.diff([left for left, _ in cells]))) if len(cells) > 1 else 1.3 * width
    first, last = cells[0][0], cells[-1][0] + cells[-1][1]
    before = (int(round(first - pitch)), int(round(first - pitch + width)))
    after = (int(round(last + pitch - width)), int(round(last + pitch)))
    ends = []
    for a, b in (before, after):
        cut = a < inside[0] < b - stroke or a + stroke < inside[1] < b
        bar = (int(a + 0.65 * width), b)  # where a 1 before the row has its strokes, b and c
        a, b = max(a, inside[0], 0), min(b, inside[1], mask.shape[1])
        digit = b > a and _part_of_digit(mask[top:bottom, a:b] > 0, height, stroke)
        one = not ends and a <= bar[0] and _a_one(mask, bar, top, bottom)
        ends.append(cut and (digit or one))
    return ends[0], ends[1]


def _a_one(
    mask: np.ndarray,
    bar: tuple[int, int],
    top: int,
    bottom: int,
    one_end: bool = False,
    lines: np.ndarray | None = None,
    along: float = 0.7,
) -> bool:
    """An upright stroke in the columns ``bar`` down most of the digits' height (``along`` of it:
    a segment gap, and the top and bottom bars' thickness, may be missing) that stops at their
    top and bottom: a 1's b and c. A frame's edge runs on past them (``PAST``). ``one_end``: a
    stroke that runs on at one end only is a 1 too (one touching a window's edge, or smeared by
    a moving hand).
    ``lines``: the mask's rows that a line across crosses (a patch's edge along the digits' top
    or foot): ink there is the line's, not the stroke running on."""
    a, b = max(0, bar[0]), min(mask.shape[1], bar[1])
    height = bottom - top
    margin = int(PAST * height)
    if b <= a or margin < 2 or top - margin < 0 or bottom + margin > mask.shape[0]:
        return False
    lit = (mask[:, a:b] > 0).any(axis=1)
    runs_on = lit if lines is None else lit & ~lines
    past = [runs_on[top - margin : top].mean() >= 0.5, runs_on[bottom : bottom + margin].mean() >= 0.5]
    return bool(lit[top:bottom].mean() >= along and not (all(past) if one_end else any(past)))


def _part_of_digit(ink: np.ndarray, height: int, stroke: float) -> bool:
    """``ink`` (a cut cell's visible part) runs down most of the digits' height and holds a bar's
    stub (a run across one and a half strokes wide at the height of a, g or d), which an upright
    edge has not. Texture beside a window's frame passes too: a reading is flagged, not lost."""
    rows = np.flatnonzero(ink.sum(axis=1) >= max(1, 0.3 * stroke))
    if not rows.size or rows[-1] - rows[0] + 1 < 0.55 * height:
        return False
    wide = [any(b - a >= 1.5 * stroke for a, b in _runs(line, bridge=1)) for line in ink]
    zones = [wide[int(r0 * height) : int(r1 * height)] for r0, r1 in ((0, 0.2), (0.4, 0.6), (0.8, 1))]
    return any(map(any, zones))


def _grid(rights: list[int], width: int, strokes: list[int]) -> tuple[float, float] | None:
    """Digits sit on a regular pitch, and every digit's right edge is lit (b or c): fit the pitch
    and phase that put the most right edges on the grid. ``strokes``: right edges of tall
    strokes, which count half (a left-hand e or f is one too). None with fewer than three blobs."""
    if len(rights) < 3:
        return None
    edges = np.array([*rights, *strokes], np.float64)
    weights = np.array([1.0] * len(rights) + [0.5] * len(strokes))
    # every (pitch, phase) candidate at once: pitches x phases (each edge's) x edges
    pitches = np.arange(1.05 * width, 2.2 * width, 0.5)[:, None, None]
    phases = edges[None, :, None] % pitches
    offset = (edges[None, None, :] - phases) / pitches
    residual = np.abs(offset - np.round(offset)) * pitches
    fits = residual <= ON_GRID * pitches
    count = (fits * weights).sum(axis=2)
    spread = np.where(fits, residual, 0).sum(axis=2)
    key = count * 1e6 - spread  # most edges on the grid, then the tightest fit
    p, q = np.unravel_index(int(np.argmax(key)), key.shape)
    if count[p, q] < 3:
        return None
    pitch, phase = float(pitches[p, 0, 0]), float(phases[p, q, 0])
    # least squares on the edges that fit, for a sub-pixel pitch and phase
    k = np.round((edges - phase) / pitch)
    fit = np.abs(edges - (phase + k * pitch)) <= ON_GRID * pitch
    if fit.sum() >= 3 and np.ptp(k[fit]) > 0:
        pitch, phase = np.polyfit(k[fit], edges[fit], 1, w=weights[fit])
    return float(pitch), float(phase)


def _split(counts: np.ndarray, a: int, b: int, width: int, gap: int) -> list[tuple[int, int]]:
    """A run wider than a digit holds several touching ones: cut at the emptiest columns near
    each expected boundary."""
    parts = int(round((b - a + gap) / (width + gap))) if b - a > 1.5 * width else 1
    if parts <= 1:
        return [(a, b)]
    cuts, step, slack = [a], (b - a) / parts, max(1, width // 4)
    for k in range(1, parts):
        guess = int(a + k * step)
        lo, hi = max(cuts[-1] + 1, guess - slack), min(b - 1, guess + slack)
        cuts.append(lo + int(np.argmin(counts[lo:hi])) if hi > lo else guess)
    return list(zip(cuts, [*cuts[1:], b], strict=True))


def _decimal_point(solid: dict[int, float], centred: dict[int, float]):
    """The decimal point, from the marks at the baseline (``_marks``): (index of the digit it
    follows, index of a rival or None, whether it stands off its gap's centre). The point is a
    small solid mark near the baseline, between that digit and the next; the most solid one
    wins. A display lights one point, centred in its gap: weighed also by how centred it is
    (``POINT_SPREAD``), a mark in another gap at ``POINT_RIVAL`` of the winner's weight or more
    is a rival (a speck of dirt or glare, the end of a segment), and which of the two is the
    point cannot be told; and a winner weighing under ``POINT_CENTRED`` so is off centre."""
    if not solid:
        return None, None, False
    point = max(solid, key=solid.get)
    others = [i for i in centred if i != point]
    rival = max(others, key=centred.get) if others else None
    if rival is not None and centred[rival] < POINT_RIVAL * centred[point]:
        rival = None
    return point, rival, centred[point] < POINT_CENTRED


def _marks(upright: np.ndarray, cells, top: int, bottom: int, stroke: float):
    """The point-like marks at the baseline, per gap (the index of the digit before it): the
    most solid one's solidity, and its weight centred in the gap."""
    height = bottom - top
    n, _, stats, centroids = cv2.connectedComponentsWithStats(upright, connectivity=8)
    solid: dict[int, float] = {}
    centred: dict[int, float] = {}
    largest = max(0.25 * height, 2.5 * stroke)
    for (_, _, w, h, area), (cx, cy) in zip(stats[1:], centroids[1:], strict=True):
        if not (0.5 * stroke <= w <= largest and 0.5 * stroke <= h <= largest and 0.5 <= w / h <= 2):
            continue
        if not top + 0.75 * height <= cy <= bottom + 0.2 * height:
            continue
        for i in range(len(cells) - 1):
            (l0, w0), (l1, w1) = cells[i], cells[i + 1]
            if l0 + 0.75 * w0 <= cx <= l1 + 0.25 * w1:
                off = (cx - (l0 + w0 + l1) / 2) / (l1 - l0)
                score = area / (w * h)
                solid[i] = max(solid.get(i, 0.0), score)
                centred[i] = max(centred.get(i, 0.0), score * float(np.exp(-((off / POINT_SPREAD) ** 2))))
    return solid, centred


def _point_at_top(
    upright: np.ndarray, cells, top: int, bottom: int, stroke: float, below, point: int | None
) -> bool:
    """A mark between two digits at their top, where a decimal point stands when the display is
    upside down (the row turned half round has it at its baseline): weighed as a point is, at
    least ``TOP_POINT`` and clearly more than any mark at the baseline (``below``: their
    centred weights, from ``_marks``); or, where the baseline has no point (``point``: the one
    found there), a point joined to a digit's top bar (``_point_in_gaps``, turned round)."""
    flipped, turned, turned_top, turned_bottom = _half_turned(upright, cells, top, bottom)
    _, above = _marks(flipped, turned, turned_top, turned_bottom, stroke)
    weight = max(above.values(), default=0.0)
    if weight >= TOP_POINT and POINT_RIVAL * weight > max(below.values(), default=0.0):
        return True
    return point is None and _point_in_gaps(flipped, turned, turned_top, turned_bottom, stroke)[0] is not None


def _half_turned(mask: np.ndarray, cells, top: int, bottom: int):
    """The row turned half round: its mask, its cells (left to right again), top and bottom."""
    height, width = mask.shape
    turned = [(width - left - w, w) for left, w in reversed(cells)]
    return mask[::-1, ::-1].copy(), turned, height - bottom, height - top


def _point_in_gaps(
    mask: np.ndarray, cells, top: int, bottom: int, stroke: float
) -> tuple[int | None, int | None]:
    """A decimal point joined to a digit beside it: the gap between two cells whose baseline
    holds clearly more ink than every other gap's (a display has one point). The segment ends
    of a digit lighting c and of the next lighting e (a "1" before a "2") fill that baseline too,
    so the gap needs ink of its own, in columns that do not run up the digits (``POINT_OWN``).
    Where such segment ends make another gap as heavy, the point's gap is still the one with
    by far the most ink of its own. Returns that gap, and where there is none, a gap that passes
    at ``MAYBE_POINT`` of the floors (it may hold a point blurred into a digit)."""
    height = bottom - top
    base = bottom - int(1.5 * stroke)  # a point is at most this high
    low_rows = slice(base, bottom + int(0.15 * height))
    above_rows = slice(base - max(2, int(0.15 * height)), base)
    total, own = [], []
    lows, aboves, uppers = mask[low_rows] > 0, mask[above_rows] > 0, mask[top : base - int(stroke)] > 0
    runs = None  # each baseline row's runs, found once when a gap needs them
    for (l0, w0), (l1, w1) in zip(cells, cells[1:], strict=False):
        a = max(0, int(l0 + w0 - 0.1 * w0))
        b = max(a + 1, int(l1 + 0.1 * w0))
        low, above = lows[:, a:b], aboves[:, a:b]
        upright = above.mean(axis=0) >= 0.5 if above.shape[0] else np.zeros(low.shape[1], bool)
        total.append(float(low.sum()) / (stroke * stroke))
        # a bar's end is no ink of a point's; a lone gap's higher floor already stands clear of one
        # (taking it away there lost a faint point joined to a 5's bar, small and blurred: 9.5)
        if len(cells) > 2 and low[:, ~upright].any():
            if runs is None:
                runs = [_runs(line, bridge=1) for line in lows]
            low = low & ~_bar_ends(runs, lows.shape, aboves, uppers, (l0, w0), (l1, w1), stroke)[:, a:b]
        own.append(float(low[:, ~upright].sum()) / (stroke * stroke))
    point = _clear_gap(total, own, 1.0)
    return point, None if point is not None else _clear_gap(total, own, MAYBE_POINT)


def _clear_gap(total: list[float], own: list[float], floor: float) -> int | None:
    """The gap whose baseline ink (``total``), or ink of its own (``own``), passes ``floor`` of
    its floor and leads every other gap's (``_point_in_gaps``)."""
    least_own = floor * (POINT_OWN if len(own) > 1 else LONE_GAP_OWN)
    for scores, lead, least in ((total, 1.5, floor), (own, 3.0, least_own)):
        order = np.argsort(scores)[::-1]
        best = scores[order[0]]
        second = scores[order[1]] if len(scores) > 1 else 0.0
        if best >= least and best >= lead * second and own[order[0]] >= least_own:
            return int(order[0])
    return None


def _bar_ends(runs, shape, above, upper, before, after, stroke: float) -> np.ndarray:
    """The ink of a row's baseline rows (``runs``: each one's runs; ``shape``: theirs) that is the
    end of a bottom bar with no upright stroke standing on it (``above``: the rows just over the
    baseline): a 3, 5 or 9 has no e on its bar's left end, a 2 no c on its right end, so that end
    lies in the gap's margin as a point would. It is the part, in the cell ``before`` or
    ``after`` (left, width) the gap, of runs that reach a quarter of the digit's width into it
    and stop where its strokes higher up (``upper``: its a and g) stop; a point joined to the bar
    stands out past them, and is kept."""
    out = BAR_LEAN * stroke  # past the digit's strokes by this much, a run stands out into the gap
    ends = np.zeros(shape, bool)
    for (left, width), far in ((before, True), (after, False)):
        half = int(left + 0.5 * width)
        part = slice(max(0, half), left + width) if far else slice(max(0, left), max(0, half))
        if above[:, part].mean(axis=0).max(initial=0.0) >= 0.5:
            continue  # c (or e) stands on the bar's end: the point's columns are told from it
        lit = np.flatnonzero(upper[:, part].any(axis=0))
        if not lit.size:
            continue
        edge = part.start + (int(lit[-1]) + 1 if far else int(lit[0]))
        for r, line in enumerate(runs):
            for start, end in line:
                if far and start <= left + 0.75 * width and end <= edge + out:
                    ends[r, part.start : end] = True
                if not far and end >= left + 0.25 * width and start >= edge - out:
                    ends[r, start : part.stop] = True
    return ends


def _on_frame(gray: np.ndarray, ink: np.ndarray, cells, n: int, top: int, bottom: int) -> bool:
    """Whether the ``n``-th cell (the row's first or last, read as a "1") stands on the window's
    edge: past its bar (before it in the cell, for the first; after the cell, for the last) the
    straightened row's pixels ``gray`` (NaN where the straightening padded) are ``NOT_GROUND``,
    against the ground on the bar's other side (the gap to the next cell, for the first; the
    cell before the bar, for the last) and the bar's ink. ``ink``: the row's stroke mask."""
    if len(cells) < 2:
        return False
    band, lit = gray[top:bottom], ink[top:bottom] > 0
    left, width = cells[n]
    cell = slice(max(0, left), left + width)
    if n == 0:
        far = band[:, cell][:, : int(0.45 * width)]
        near = slice(left + width, cells[1][0])
    else:
        far = band[:, left + width : left + width + int(0.3 * width)]
        near = slice(max(0, left), left + int(0.45 * width))
    ground = band[:, near][~lit[:, near]]
    bar = band[:, cell][lit[:, cell]]
    if not (np.isfinite(far).any() and np.isfinite(ground).any() and np.isfinite(bar).any()):
        return False
    ground_level = np.nanmedian(ground)
    contrast = ground_level - np.nanmedian(bar)
    return abs(contrast) >= FAINT and (np.nanmedian(far) - ground_level) / contrast >= NOT_GROUND


# Of the way from a cell's ground to its strokes' ink: a row this dark across the cell's middle,
# and less than half as dark in the gaps beside it, is a bar's. Tight windows rendered here: the
# bars lost at the edge 1.0, the gaps 0.0 to 0.05; the dataset's photos, where an LCD's unlit
# segment shows faintly in the shade along its window's edge: up to 0.63.
RIM_INK = 0.8


def _dark_at_rim(gray: np.ndarray, ink: np.ndarray, cell, top: int, bottom: int, rim) -> tuple[bool, bool]:
    """Whether the zones of the cell's top bar (a) and bottom bar (d), where the row's top and
    foot are at its region's edge (``rim``), have a row ``RIM_INK`` of the way from the cell's
    ground to its strokes' ink across the cell's middle, and not half that in the gaps either
    side, in the straightened row's pixels ``gray`` (NaN where the straightening padded): a bar
    that is there, its contrast lost at the edge (a frame's edge or a shadow runs on over the
    gaps). ``ink``: the row's stroke mask."""
    left, width = cell
    columns = slice(max(0, left), left + width)
    band, lit = gray[top:bottom, columns], ink[top:bottom, columns] > 0
    strokes, ground = band[lit], band[~lit]
    if not (np.isfinite(strokes).any() and np.isfinite(ground).any()):
        return False, False
    ground_level = float(np.nanmedian(ground))
    contrast = ground_level - float(np.nanmedian(strokes))
    if abs(contrast) < FAINT:
        return False, False
    zone, side = int(0.15 * (bottom - top)), max(1, int(0.25 * width))
    middle = (left + int(0.3 * width), left + int(0.7 * width) + 1)
    gaps = ((left - side, left), (left + width, left + width + side))
    dark = []
    for near, rows in zip(rim, (slice(0, top + zone), slice(bottom - zone, None)), strict=True):
        if not near:
            dark.append(False)
            continue
        bar = _share_dark(gray[rows], middle, ground_level, contrast)
        beside = [_share_dark(gray[rows], gap, ground_level, contrast) for gap in gaps]
        beside = [b for b in beside if np.isfinite(b).any()]
        clear = np.all([np.nan_to_num(b, nan=1.0) < RIM_INK / 2 for b in beside], axis=0) if beside else False
        dark.append(bool(np.any((np.nan_to_num(bar) >= RIM_INK) & clear)))
    return dark[0], dark[1]


def _share_dark(rows: np.ndarray, columns: tuple[int, int], ground: float, contrast: float) -> np.ndarray:
    """Each row's mean over ``columns`` as a share of the way from ``ground`` to the strokes'
    ink (``contrast`` below it); NaN for a row with no pixel there."""
    part = rows[:, max(0, columns[0]) : max(0, columns[1])]
    seen = np.isfinite(part)
    count = seen.sum(axis=1)
    mean = np.where(seen, part, 0).sum(axis=1) / np.maximum(count, 1)
    return np.where(count > 0, (ground - mean) / contrast, np.nan)


def _groups(cells) -> list[tuple[int, int]]:
    """Digits sit on a regular pitch; a blob further off than that (a mark beside the display,
    a second display) starts a new group."""
    rights = [left + width for left, width in cells]
    steps = np.diff(rights)
    if not len(steps):
        return [(0, len(cells))]
    pitch = float(np.median(steps))
    groups, start = [], 0
    for i, step in enumerate(steps):
        if step > 1.6 * pitch:
            groups.append((start, i + 1))
            start = i + 1
    groups.append((start, len(cells)))
    return groups


def _level(band: np.ndarray, least: float) -> float:
    """The level that splits strokes from background in ``band`` (Otsu), at least ``least``."""
    level, _ = cv2.threshold(band, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return max(float(level), least)
