"""Pixels to strokes: contrast against the surroundings, a stroke mask, glare, and the mask's
blobs grouped into rows of digit-like shapes; a row's slant."""

from dataclasses import dataclass

import cv2
import numpy as np

from .reading import DisplayConfig

CLIPPED = 235  # grey level from which a pixel counts as clipped (JPEG keeps it a little under 255)
# The least contrast a stroke has, in grey levels: at most FLOOR, at least LEAST_FLOOR (``_floor``)
FLOOR, LEAST_FLOOR, NOISE = 10.0, 4.0, 3.0


def _contrast(gray: np.ndarray, polarity: str, k: int) -> np.ndarray:
    """How much darker (or lighter) than its surroundings each pixel is: thin strokes stand out,
    broad shading and glare do not. ``k``: a little wider than the broadest stroke."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    op = cv2.MORPH_BLACKHAT if polarity == "dark" else cv2.MORPH_TOPHAT
    return cv2.morphologyEx(cv2.GaussianBlur(gray, (3, 3), 0), op, kernel)


def _floor(hat: np.ndarray) -> float:
    """The least contrast a stroke has in ``hat``. A photo taken in dim light, or a dim LCD, has
    weak strokes throughout (darkening the dataset's photos to 45 % lost a quarter of their
    readings at a fixed 10), so the floor follows the region's strongest contrast (its 99.9th
    percentile: small digits fill little of a photo), down to ``LEAST_FLOOR``; but it stays
    clear of the region's texture and sensor noise (``NOISE`` times the median contrast), or a
    region with no strokes of this polarity would read its noise as digits."""
    counts = cv2.calcHist([hat], [0], None, [256], [0, 256]).ravel().cumsum()
    median, strongest = np.searchsorted(counts, [0.5 * counts[-1], 0.999 * counts[-1]])
    return float(np.clip(max(strongest / 4, NOISE * median), LEAST_FLOOR, FLOOR))


def _stroke_map(hat: np.ndarray, floor: float) -> np.ndarray:
    """Strokes as a 0/255 mask, each pixel compared with the strongest stroke near it, and with
    ``floor``."""
    k = max(15, int(max(hat.shape) / 30)) | 1
    # Contrast varies across a display (glare, shade): compare each pixel with the strongest
    # stroke near it, not with one level for the whole photo.
    near = cv2.dilate(hat, cv2.getStructuringElement(cv2.MORPH_RECT, (3 * k, 3 * k)))
    near = cv2.blur(near, (2 * k + 1, 2 * k + 1))
    mask = (hat.astype(np.float32) > 0.45 * near) & (hat > floor)
    return mask.astype(np.uint8) * 255


def _glare(gray: np.ndarray) -> np.ndarray | None:
    """Glare as a 0/255 mask: pixels the camera clipped (None: none are). Light reflected off the
    glass adds to what the display shows, so a segment under glare stays darker than the glare
    around it until both are clipped; only there can a lit segment be lost."""
    clipped = gray >= CLIPPED
    return (clipped * 255).astype(np.uint8) if clipped.any() else None


def _without_lines(mask: np.ndarray, length: float | None = None) -> np.ndarray:
    """The mask less long, thin marks (eight times longer than thick, and longer than
    ``length``; by default a third of the mask's width, and then only horizontal ones): a
    window's frame edge or a shadow's border, which no digit's segment is, and which would join
    the digits near it into one blob or pass for a "1"."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    w, h = stats[1:, 2], stats[1:, 3]
    if length is None:
        long = (w > mask.shape[1] / 3) & (w > 8 * h)
    else:
        long = ((w > length) & (w > 8 * h)) | ((h > length) & (h > 8 * w))
    lines = np.flatnonzero(long) + 1
    if not lines.size:
        return mask
    return np.where(np.isin(labels, lines), 0, mask).astype(np.uint8)


@dataclass(frozen=True)
class _Row:
    boxes: tuple[tuple[int, int, int, int], ...]  # digit blobs, x y w h, left to right
    stroke: float  # stroke width, px


def _stroke_width(mask: np.ndarray) -> float:
    dist = cv2.distanceTransform(mask, cv2.DIST_L2, 3)
    ridge = dist[(dist >= 1) & (dist >= cv2.dilate(dist, np.ones((3, 3), np.uint8)))]
    return float(2 * np.median(ridge)) if ridge.size else 2.0


def _blobs(mask: np.ndarray, stroke: float) -> list[tuple[int, int, int, int]]:
    """A digit's segments joined into one blob: dilate by about one stroke width. A blob wider
    than tall may be digits joined through a decimal point between them: it is split at the
    columns with no ink above the baseline."""
    gap = max(1, int(round(stroke * 0.6)))
    joined = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 2 * gap + 1)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    out = []
    for label, (x, y, w, h, _) in enumerate(stats[1:], start=1):
        # take the box back to the undilated strokes
        box = (int(x + gap // 2), int(y + gap), int(max(1, w - gap)), int(max(1, h - 2 * gap)))
        out.extend(_apart(mask, labels, label, box, stroke) if not _upright(box) else [box])
    return out


def _apart(
    mask: np.ndarray, labels: np.ndarray, label: int, box, stroke: float
) -> list[tuple[int, int, int, int]]:
    """``box``'s strokes (those of blob ``label``) split at the columns with no ink above its
    baseline (a decimal point joins the digits beside it only there); the box itself when no
    such column parts it."""
    x, y, w, h = box
    ink = (mask[y : y + h, x : x + w] > 0) & (labels[y : y + h, x : x + w] == label)
    runs = _runs(ink[: int(0.72 * h)].sum(axis=0) > 0, bridge=max(1, int(0.2 * stroke)))
    parts = []
    for a, b in runs:
        rows = np.flatnonzero(ink[:, a:b].any(axis=1))
        parts.append((x + a, y + int(rows[0]), b - a, int(rows[-1] - rows[0]) + 1))
    if len(parts) < 2 or not all(_upright(p) and p[3] >= 0.8 * h for p in parts):
        return [box]
    return parts


def _digit_rows(mask: np.ndarray, config: DisplayConfig) -> list[_Row]:
    stroke = _stroke_width(mask)
    short = min(mask.shape)
    low, high = config.min_digit_height * short, 0.95 * short
    blobs = [b for b in _blobs(mask, stroke) if low <= b[3] <= high and b[3] >= 3 * stroke]
    tall = sorted(filter(_upright, blobs), key=lambda b: -b[3])
    rows: list[list[tuple[int, int, int, int]]] = []
    for box in tall:
        for row in rows:
            if _beside(row[0], box, 0.3):
                row.append(box)
                break
        else:
            rows.append([box])
    # Digits joined into one wide blob (a smear, glare across a gap) start no row, but belong to
    # the row beside them: without them the row would stop short of the digits after them.
    for box in blobs:
        if not _upright(box) and box[2] <= 4 * box[3]:
            for row in rows:
                if _beside(_middle(row), box, 0.1):
                    row.append(box)
                    break
    found = []
    for row in rows:
        for part in _split_gaps(sorted(row)):
            if any(map(_upright, part)):  # not joined digits alone
                found.append(_Row(tuple(part), stroke))
    return found


def _upright(box: tuple[int, int, int, int]) -> bool:
    """Shaped like one digit: clearly taller than wide."""
    return box[3] >= 1.1 * box[2]


def _middle(row: list) -> tuple[int, int, int, int]:
    """The row's blob of median height (the tallest may be a frame's edge)."""
    return sorted(row, key=lambda b: b[3])[len(row) // 2]


def _beside(ref: tuple[int, int, int, int], box: tuple[int, int, int, int], spread: float) -> bool:
    """``box`` lies level with ``ref`` and is as tall, within ``spread``."""
    overlap = min(ref[1] + ref[3], box[1] + box[3]) - max(ref[1], box[1])
    return overlap >= 0.7 * min(ref[3], box[3]) and 1 - spread <= box[3] / ref[3] <= 1 + spread


def _split_gaps(row: list) -> list[list]:
    """Blobs further apart than twice the digit height belong to different displays."""
    parts = [[row[0]]]
    for box in row[1:]:
        last = parts[-1][-1]
        height = max(box[3], last[3])
        if box[0] - (last[0] + last[2]) > 2 * height:
            parts.append([box])
        else:
            parts[-1].append(box)
    return parts


def _slant(mask: np.ndarray) -> float:
    """The shear that stands the row's vertical strokes upright (italic displays lean ~10°):
    a coarse search, then a fine one around the best."""

    def score(s: float) -> float:
        return _column_score(_shear(mask, float(s)))

    coarse = max(np.linspace(-0.4, 0.4, 21), key=score)
    return float(max(np.linspace(coarse - 0.02, coarse + 0.02, 5), key=score))


def _column_score(mask: np.ndarray) -> float:
    cols = cv2.reduce(mask, 0, cv2.REDUCE_SUM, dtype=cv2.CV_32S).astype(np.int64)
    return float((cols * cols).sum())


def _shear(mask: np.ndarray, s: float, padding: float = 0) -> np.ndarray:
    """``mask`` sheared by ``s`` (its columns' shift per row from its middle), padded at both
    sides with ``padding`` by the most a row shifts."""
    h, w = mask.shape
    pad = int(abs(s) * h / 2) + 1
    matrix = np.float32([[1, s, pad - s * h / 2], [0, 1, 0]])
    return cv2.warpAffine(mask, matrix, (w + 2 * pad, h), flags=cv2.INTER_NEAREST, borderValue=padding)


def _runs(flags: np.ndarray, bridge: int) -> list[tuple[int, int]]:
    """Runs of True, joining runs separated by at most ``bridge`` False."""
    idx = np.flatnonzero(flags)
    if idx.size == 0:
        return []
    runs, start, last = [], idx[0], idx[0]
    for i in idx[1:]:
        if i - last > bridge + 1:
            runs.append((int(start), int(last) + 1))
            start = i
        last = i
    runs.append((int(start), int(last) + 1))
    return runs
