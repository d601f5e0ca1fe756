"""A 7-segment reader built for the job: find the display's digits in a full photo, straighten
their slant, decode each digit from its segments, find the decimal point and minus sign, and give
a confidence per digit.

Plain Python: a numpy image in, a frozen ``DisplayReading`` out. It works at a fixed scale (the
photo is shrunk so its long side is ``work_px``) and measures everything else from the strokes it
finds: the stroke width sets the closing that joins a digit's segments, the digits' height sets
where the decimal point may sit. LCDs (dark segments on grey) and LEDs (light on dark) are read
the same way with the polarity flipped; ``polarity="auto"`` tries both and keeps the clearer.

Nothing here knows a particular meter: the layout of the seven segments is the standard one
(a top, b top right, c bottom right, d bottom, e bottom left, f top left, g middle)."""

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
LEVELS = (1.0, 0.8, 0.65)  # of Otsu's level: where display windows are looked for
COVERED = 0.7  # share of a cell as dark as the segments: something lies over it
SMALL_DIGITS = 48  # px in the working copy
SECOND = 240  # px: the height the second look reads its row at
FITS = 4  # digits up to this many kernels high are read with it
WORD_CHECKED = 3  # places a text engine is asked about, while each one before was a word
SAME_PLACE = 0.3  # overlap (IoU) from which two readings are of one place: a window's and the photo's
WORD_SURE = 0.9  # a text engine's score from which a line of letters is a printed word
# An edge lies on the digits' grid within this share of the pitch. Looser, a wrong pitch catches
# broken strokes' edges (glare, a reflection) a few pixels off; tighter, a display that leaves
# a little more room at its decimal point falls off its own grid.
ON_GRID = 0.08
CLIPPED = 235  # grey level from which a pixel counts as clipped (JPEG keeps it a little under 255)
GLARE_HIDES = 0.5  # share of a segment's zone under glare that may hide it
# A point joined to a digit has ink of its own at the baseline, beside the digits' upright strokes:
# at least this many stroke-width squares (a round point a stroke wide has 0.8; the segment
# ends that a "1" before a "2" leaves there, 0.15 at most on rendered displays).
POINT_OWN = 0.4
MIN_TILT, MAX_TILT = 2.0, 20  # degrees: a photo turned by less is read as it is; by more, not levelled


@dataclass(frozen=True)
class DisplayConfig:
    polarity: str = "auto"  # "dark" (LCD: dark segments), "light" (LED), or "auto"
    digits: int | None = None  # digits the display has; None: as many as are lit
    decimals: int | None = None  # fixed decimals; None: from the decimal point seen
    signed: bool = False  # a minus sign may be lit
    work_px: int = 960  # long side of the working copy
    min_digit_height: float = 0.03  # of the working copy's short side
    min_confidence: float = 0.5  # a digit below this makes the reading uncertain


@dataclass(frozen=True)
class Digit:
    char: str  # "0"-"9", "-", or "?" when no pattern fits
    confidence: float
    box: tuple[int, int, int, int]  # x, y, w, h in the photo's pixels
    segments: tuple[float, ...] = ()  # lit share of a..g
    glare: str = ""  # other characters it may be: glare lies where an unlit segment would be


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


def read_display(
    image: np.ndarray, config: DisplayConfig = DisplayConfig(), words: Words | None = None
) -> DisplayReading:
    """The display's reading in ``image``. ``words``: a text engine's recognition, to tell a
    printed word beside the display (LITRES, TOTAL) from its digits (None: not told)."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
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
    regions = [(w, to_photo @ back, max(15, w.shape[0] * 2 // 9) | 1, False) for w, back in _windows(small)]
    whole = [(small, to_photo, False)]
    tilt = _tilt(small)
    if abs(tilt) >= MIN_TILT:
        turned, back = _turned(small, tilt)
        whole.append((turned, to_photo @ back, True))
    fine, coarse = max(15, max(small.shape) // 30) | 1, max(15, max(small.shape) // 12) | 1
    regions += [(region, back, fine, level) for region, back, level in whole]
    regions.append((whole[-1][0], whole[-1][1], coarse, whole[-1][2]))
    places: list[_Found] = []  # the best reading at each place in the photo, most display-like first
    for n, (region, back, kernel, levelled) in enumerate(regions):
        if n == len(regions) - 1 and _settled(places, config) and _fits(places[0], fine, scale):
            break  # the larger kernel only when nothing sure was read, or digits large for the finer
        for polarity in polarities:
            for row in _read_polarity(region, polarity, config, kernel):
                reading = _map(row, back)
                # the second look reads a levelled row level, any other along the photo's axes: in
                # a straightened window the frame would stand beside the digits as upright as a "1"
                found = _Found(reading, row.box, back) if levelled else _Found(reading, reading.box, _SAME)
                _keep(places, found, _rank if kernel != coarse else _evidence)
    if words is not None:
        places = _not_printed(gray, places, words)
        if not places:
            return DisplayReading("", None, 0.0, reason="printed text only: no display digits found")
    best = places[0].reading
    # Read again around the row, from the full photo: when unsure, or when the digits were small in
    # the working copy (a decimal point of two or three pixels is easily lost there).
    if best.box is not None and (not _settled(places, config) or best.box[3] * scale < SMALL_DIGITS):
        best = _second_look(gray, places[0], polarities, config)
    glared = [d for d in best.digits if d.glare]
    if best.value is not None and not best.reason and glared:
        best = replace(
            best,
            reason=f"glare over a digit: {glared[0].char} may be {' or '.join(glared[0].glare)}",
        )
    if best.value is not None and not best.reason and best.polarity == "dark" and _covered(gray, best):
        best = replace(
            best,
            reason="something dark lies over or beside the digits (a finger?): a digit may be hidden",
        )
    # other places read as surely: other displays, unless printed words (asked only then)
    others = [p for p in places[1:] if _sure(p.reading) and not (words and _printed(gray, p, words))]
    displays = _distinct([place.reading for place in places[:1] + others if _sure(place.reading)])
    if displays > 1:
        return replace(best, rows=displays, reason=f"{displays} displays in the photo: the clearest was read")
    return replace(best, rows=displays)


_SAME = np.eye(3)


@dataclass(frozen=True)
class _Found:
    reading: DisplayReading  # boxes in the photo's pixels
    row: tuple[int, int, int, int] | None  # the digits' row in the region's pixels
    back: np.ndarray  # the region's pixels to the photo's


def _settled(places: list[_Found], config: DisplayConfig) -> bool:
    """The best reading so far has a value, every digit sure enough and nothing flagged."""
    best = places[0].reading if places else None
    return (
        best is not None
        and best.value is not None
        and best.confidence >= config.min_confidence
        and not best.reason
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


def _keep(places: list[_Found], found: _Found, better) -> None:
    """Keep ``found`` among ``places`` (most display-like first) if it is ``better`` than what was
    read at its place so far (a reading that mostly overlaps it is of the same place: the same
    display in a window and in the whole photo)."""
    box = found.reading.box
    for i, place in enumerate(places):
        if box is not None and place.reading.box is not None and _iou(place.reading.box, box) >= SAME_PLACE:
            if better(found.reading) <= better(place.reading):
                return
            del places[i]
            break
    places.append(found)
    places.sort(key=lambda place: _display_like(place.reading), reverse=True)


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
    pitch = float(np.median(np.diff([b[0] for b in boxes]))) if len(boxes) > 1 else 0.7 * boxes[0][3]
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
        if cell.size and (cell <= level).mean() >= COVERED:
            return True
    return False


def _second_look(gray: np.ndarray, found: _Found, polarities, config: DisplayConfig) -> DisplayReading:
    """An unsure reading read again from the full-resolution photo around its digits' row, with
    room above and below for the segments and the decimal point a tight window cut off. A row
    read in a levelled photo is taken level; any other along the photo's axes."""
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
    kernel = max(15, region.shape[0] // 9) | 1
    best = found.reading
    for polarity in polarities:
        for reading in _read_polarity(region, polarity, config, kernel):
            reading = _map(reading, back)
            if _rank(reading) > _rank(best):
                best = reading
    return best


def _crop(gray: np.ndarray, box: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray] | None:
    """The row ``box`` of the photo with room around it, ``SECOND`` pixels high, and the matrix
    from its pixels to the photo's."""
    x, y, w, h = box
    x0, x1 = max(0, x - h), min(gray.shape[1], x + w + h)
    y0, y1 = max(0, y - h // 2), min(gray.shape[0], y + h + h // 2)
    crop = gray[y0:y1, x0:x1]
    if crop.size == 0:
        return None
    factor = SECOND / max(1, crop.shape[0])
    region = cv2.resize(
        crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    )
    return region, np.array([[1 / factor, 0, x0], [0, 1 / factor, y0], [0, 0, 1]], np.float64)


def _resample(
    gray: np.ndarray, matrix: np.ndarray, size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray] | None:
    """The ``size`` (w, h) image that ``matrix`` (its pixels to ``gray``'s) sees of ``gray``, cut
    to the part inside the photo, and the matrix from its pixels to ``gray``'s. A photo shrunk on
    the way is averaged first (area resampling), not sampled."""
    w, h = size
    photo = np.float32([[0, 0], [gray.shape[1], 0], [gray.shape[1], gray.shape[0]], [0, gray.shape[0]]])
    inside = cv2.perspectiveTransform(photo.reshape(-1, 1, 2), np.linalg.inv(matrix)).reshape(-1, 2)
    u0, v0 = np.maximum(np.floor(inside.min(axis=0)), 0).astype(int)
    u1, v1 = np.minimum(np.ceil(inside.max(axis=0)), (w, h)).astype(int)
    if u1 - u0 < 2 or v1 - v0 < 2:
        return None
    matrix = matrix @ np.array([[1, 0, u0], [0, 1, v0], [0, 0, 1]], np.float64)
    w, h = int(u1 - u0), int(v1 - v0)
    seen = cv2.perspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]).reshape(-1, 1, 2), matrix)
    seen = seen.reshape(-1, 2)
    (x0, y0), (x1, y1) = np.floor(seen.min(axis=0)).astype(int), np.ceil(seen.max(axis=0)).astype(int)
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(gray.shape[1], x1), min(gray.shape[0], y1)
    source = gray[y0:y1, x0:x1]
    shrink = min(1.0, float(np.sqrt(w * h / max(1.0, cv2.contourArea(seen)))))  # output px per photo px
    to_source = np.array([[shrink, 0, 0], [0, shrink, 0], [0, 0, 1]]) @ np.array(
        [[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64
    )
    if shrink < 1:
        source = cv2.resize(source, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
    pixels = cv2.warpPerspective(
        source,
        to_source @ matrix,
        (w, h),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return pixels, matrix


def _sure(reading: DisplayReading) -> bool:
    return reading.value is not None and len(reading.digits) >= 2 and reading.confidence >= 0.9


def _distinct(readings: list[DisplayReading]) -> int:
    """How many places in the photo gave a sure reading (places that touch count once)."""
    places: list[tuple[int, int, int, int]] = []
    for reading in readings:
        if not any(_overlap(reading.box, box) for box in places):
            places.append(reading.box)
    return len(places)


def _windows(gray: np.ndarray, height: int = 180) -> list[tuple[np.ndarray, np.ndarray]]:
    """Display windows: large dark rectangles against a lighter housing, each warped to an
    upright rectangle ``height`` pixels high (perspective corrected), with the matrix that takes
    its pixels back to ``gray``. Largest first.

    The dark parts are cut at Otsu's level and at two lower ones: a shadow across the housing
    can be as dark as Otsu's level and join the window, but is lighter than the window itself."""
    blur = cv2.GaussianBlur(gray, (0, 0), 3)
    otsu, _ = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    k = max(3, int(min(gray.shape) / 60)) | 1
    found: list[tuple[float, tuple[int, int, int, int], np.ndarray]] = []
    for level in LEVELS:
        dark = (blur <= level * otsu).astype(np.uint8) * 255
        dark = cv2.morphologyEx(dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
        contours, _ = cv2.findContours(dark, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            area = cv2.contourArea(contour)
            if area < 0.01 * gray.size or area > 0.9 * gray.size:
                continue
            (cx, cy), (w, h), angle = cv2.minAreaRect(contour)
            if w * h == 0 or area / (w * h) < 0.6 or not 1.2 <= max(w, h) / min(w, h) <= 10:
                continue
            box = cv2.boundingRect(contour)
            if not any(_iou(box, seen) > 0.5 for _, seen, _ in found):
                found.append((area, box, _corners(contour)))
    found.sort(key=lambda item: -item[0])
    return [_warp(gray, quad, height) for _, _, quad in found[:3]]


def _tilt(gray: np.ndarray) -> float:
    """Degrees to turn ``gray`` by (counter-clockwise, as OpenCV turns) to level its digits: the
    turn that stacks the strokes' pixels into the sharpest rows. The bars a, g and d of every
    digit in a row line up when it is level; an italic slant leaves them horizontal."""
    k = max(15, max(gray.shape) // 30) | 1
    ys, xs = np.nonzero(_stroke_map(cv2.add(_contrast(gray, "dark", k), _contrast(gray, "light", k))))
    if ys.size < 50:
        return 0.0
    step = max(1, ys.size // 15000)
    ys, xs = ys[::step].astype(np.float32), xs[::step].astype(np.float32)

    def sharpness(degrees: float) -> float:
        t = np.deg2rad(degrees)
        rows = ys * np.cos(t) - xs * np.sin(t)
        # bins of whole pixels: any other width favours the untouched grid (0 degrees)
        counts = np.bincount((rows - rows.min()).astype(np.int32))
        return float((counts.astype(np.float64) ** 2).sum())

    coarse = max(np.arange(-MAX_TILT, MAX_TILT + 1, 1.0), key=sharpness)
    return float(max(np.arange(coarse - 0.75, coarse + 0.8, 0.25), key=sharpness))


def _turned(gray: np.ndarray, degrees: float) -> tuple[np.ndarray, np.ndarray]:
    """``gray`` turned by ``degrees`` on a canvas that holds all of it (the corners filled with
    its median grey), and the matrix that takes its pixels back to ``gray``."""
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    size = (int(w * cos + h * sin), int(w * sin + h * cos))
    matrix[:, 2] += (size[0] - w) / 2, (size[1] - h) / 2
    turned = cv2.warpAffine(gray, matrix, size, flags=cv2.INTER_LINEAR, borderValue=int(np.median(gray)))
    return turned, np.linalg.inv(np.vstack([matrix, [0, 0, 1]]))


def _iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over union: the same window found at two levels overlaps almost wholly, but
    a window inside a larger dark region (a shadow joined to it at Otsu's level) is its own."""
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    inter = max(0, w) * max(0, h)
    return inter / max(1, a[2] * a[3] + b[2] * b[3] - inter)


def _corners(contour: np.ndarray) -> np.ndarray:
    """The window's four corners, top-left first, clockwise: from a four-sided approximation of
    its hull when there is one, else its minimum-area rectangle."""
    hull = cv2.convexHull(contour)
    quad = cv2.approxPolyDP(hull, 0.03 * cv2.arcLength(hull, True), True).reshape(-1, 2)
    if len(quad) != 4:
        quad = cv2.boxPoints(cv2.minAreaRect(contour))
    quad = np.array(quad, np.float32)
    centre = quad.mean(axis=0)
    order = np.argsort(np.arctan2(quad[:, 1] - centre[1], quad[:, 0] - centre[0]))
    quad = quad[order]  # clockwise from the left-most upper corner, in image coordinates
    start = int(np.argmin(quad.sum(axis=1)))
    return np.roll(quad, -start, axis=0)


def _warp(gray: np.ndarray, quad: np.ndarray, height: int) -> tuple[np.ndarray, np.ndarray]:
    top = np.linalg.norm(quad[1] - quad[0])
    side = np.linalg.norm(quad[3] - quad[0])
    if side > top:  # a window standing on its side: keep the reading direction along the long edge
        quad = np.roll(quad, -1, axis=0)
        top, side = side, top
    width = max(int(height * top / max(side, 1)), height)
    # An inset of 4 % keeps the frame's top and bottom edges out; 6 % more at either end keeps
    # digits that glare cut off the dark window in.
    mx, my = 0.04 * width, 0.04 * height
    target = np.float32([[-mx, -my], [width + mx, -my], [width + mx, height + my], [-mx, height + my]])
    matrix = cv2.getPerspectiveTransform(quad, target)
    window = cv2.warpPerspective(gray, matrix, (width, height), flags=cv2.INTER_LINEAR)
    return window, np.linalg.inv(matrix)


def scaled(reading: DisplayReading, factor: float) -> DisplayReading:
    """The reading with its boxes in pixels ``factor`` times larger (a reduced copy was read)."""
    return _map(reading, np.diag([factor, factor, 1.0]))


def _map(reading: DisplayReading, matrix: np.ndarray) -> DisplayReading:
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
    """The most sure digits; then a value; then, among equals, the surer digits. An unsure digit
    beside sure ones (a frame edge, a mark on the housing) adds nothing."""
    sure = [d.confidence for d in reading.digits if d.confidence >= 0.5]
    return (len(sure), reading.value is not None, reading.confidence >= 0.5, sum(sure))


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


def _read_polarity(
    gray: np.ndarray, polarity: str, config: DisplayConfig, kernel: int
) -> list[DisplayReading]:
    """One reading per row of digit-like blobs in ``gray``."""
    hat = _contrast(gray, polarity, kernel)
    rows = _digit_rows(_without_lines(_stroke_map(hat)), config)
    if not rows:
        return [DisplayReading("", None, 0.0, polarity=polarity, reason="no display digits found")]
    # Glare is looked for on LCDs only: on an LED panel the lit segments are the clipped pixels.
    lcd = gray if polarity == "dark" else None
    return [_read_row(hat, row, polarity, config, lcd) for row in rows]


def _contrast(gray: np.ndarray, polarity: str, k: int) -> np.ndarray:
    """How much darker (or lighter) than its surroundings each pixel is: thin strokes stand out,
    broad shading and glare do not. ``k``: a little wider than the broadest stroke."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    op = cv2.MORPH_BLACKHAT if polarity == "dark" else cv2.MORPH_TOPHAT
    return cv2.morphologyEx(cv2.GaussianBlur(gray, (3, 3), 0), op, kernel)


def _stroke_map(hat: np.ndarray) -> np.ndarray:
    """Strokes as a 0/255 mask, each pixel compared with the strongest stroke near it."""
    k = max(15, int(max(hat.shape) / 30)) | 1
    # Contrast varies across a display (glare, shade): compare each pixel with the strongest
    # stroke near it, not with one level for the whole photo.
    near = cv2.dilate(hat, cv2.getStructuringElement(cv2.MORPH_RECT, (3 * k, 3 * k)))
    near = cv2.blur(near, (2 * k + 1, 2 * k + 1))
    mask = (hat.astype(np.float32) > 0.45 * near) & (hat > 10)
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


def _shear(mask: np.ndarray, s: float) -> np.ndarray:
    h, w = mask.shape
    pad = int(abs(s) * h / 2) + 1
    matrix = np.float32([[1, s, pad - s * h / 2], [0, 1, 0]])
    return cv2.warpAffine(mask, matrix, (w + 2 * pad, h), flags=cv2.INTER_NEAREST)


def _read_row(
    hat: np.ndarray, row: _Row, polarity: str, config: DisplayConfig, gray: np.ndarray | None = None
) -> DisplayReading:
    """The row's digits, decimal point and sign. ``gray``: the region's pixels, where clipped
    glare over a digit is looked for (None: not looked for)."""
    stroke = row.stroke
    tall = list(filter(_upright, row.boxes))  # not digits joined into a wide blob
    top = int(np.median([b[1] for b in tall]))
    bottom = int(np.median([b[1] + b[3] for b in tall]))
    height = bottom - top
    x0 = max(0, min(b[0] for b in row.boxes) - 2 * height)
    x1 = min(hat.shape[1], max(b[0] + b[2] for b in row.boxes) + 2 * height)
    y0, y1 = max(0, top - int(0.2 * height)), min(hat.shape[0], bottom + int(0.2 * height))
    level = _level(hat[top:bottom, x0:x1])
    crop = (hat[y0:y1, x0:x1] > level).astype(np.uint8) * 255
    s = _slant(crop[top - y0 : bottom - y0])
    upright = _shear(crop, s)
    glare = None if gray is None else _glare(gray[y0:y1, x0:x1])
    bright = None if glare is None else _shear(glare, s)
    pad = (upright.shape[1] - crop.shape[1]) // 2
    top, bottom = top - y0, bottom - y0
    # the digits' cells and their top and bottom, without a frame edge or shadow border along them
    cells, top, bottom = _cells(_without_lines(upright, 1.5 * (bottom - top)), top, bottom, stroke)
    height = bottom - top
    point = _decimal_point(upright, cells, top, bottom, stroke)
    if point is None and len(cells) > 1:
        point = _point_in_gaps(upright, cells, top, bottom, stroke)
    if not cells:
        return DisplayReading("", None, 0.0, polarity=polarity, reason="no display digits found")
    digits: list[Digit] = []
    for left, width in cells:
        shares = _segments(upright, left, top, width, height)
        char, conf = _decode(shares)
        glare = (
            "" if bright is None else _under_glare(shares, _segments(bright, left, top, width, height), char)
        )
        box = _unshear_box(left, top, width, height, s, upright.shape[0], pad, x0, y0)
        digits.append(Digit(char, conf, box, tuple(round(v, 2) for v in shares[:7]), glare))
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
        if best is None or _rank(reading) > _rank(best):
            best = reading
    return best or DisplayReading("", None, 0.0, polarity=polarity, reason="no display digits found")


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


def _level(band: np.ndarray) -> float:
    """The level that splits strokes from background in ``band`` (Otsu), at least 8."""
    level, _ = cv2.threshold(band, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return max(float(level), 8.0)


def _cells(upright: np.ndarray, top: int, bottom: int, stroke: float):
    """Split the straightened row into digit cells (left, width) by its empty columns, and find
    the digits' true top and bottom there. A "1" lights only the right-hand segments, so its cell
    is a full digit width ending at its strokes. Returns (cells, top, bottom)."""
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
            if left < 0 or right > len(counts):
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


def _decimal_point(upright: np.ndarray, cells, top: int, bottom: int, stroke: float) -> int | None:
    """Index of the digit the decimal point follows: a small solid mark near the baseline,
    between that digit and the next."""
    height = bottom - top
    n, _, stats, centroids = cv2.connectedComponentsWithStats(upright, connectivity=8)
    best, best_score = None, 0.0
    largest = max(0.25 * height, 2.5 * stroke)
    for (_, _, w, h, area), (cx, _cy) in zip(stats[1:], centroids[1:], strict=True):
        if not (0.5 * stroke <= w <= largest and 0.5 * stroke <= h <= largest and 0.5 <= w / h <= 2):
            continue
        if not top + 0.75 * height <= _cy <= bottom + 0.2 * height:
            continue
        for i in range(len(cells) - 1):
            (l0, w0), (l1, w1) = cells[i], cells[i + 1]
            if l0 + 0.75 * w0 <= cx <= l1 + 0.25 * w1:
                score = area / (w * h)
                if score > best_score:
                    best, best_score = i, score
    return best


def _point_in_gaps(mask: np.ndarray, cells, top: int, bottom: int, stroke: float) -> int | None:
    """A decimal point joined to a digit beside it: the gap between two cells whose baseline
    holds clearly more ink than every other gap's (a display has one point). The segment ends
    of a digit lighting c and of the next lighting e (a "1" before a "2") fill that baseline too,
    so the gap needs ink of its own, in columns that do not run up the digits (``POINT_OWN``).
    Where such segment ends make another gap as heavy, the point's gap is still the one with
    by far the most ink of its own."""
    height = bottom - top
    base = bottom - int(1.5 * stroke)  # a point is at most this high
    low_rows = slice(base, bottom + int(0.15 * height))
    above_rows = slice(base - max(2, int(0.15 * height)), base)
    total, own = [], []
    for (l0, w0), (l1, _) in zip(cells, cells[1:], strict=False):
        a = max(0, int(l0 + w0 - 0.1 * w0))
        b = max(a + 1, int(l1 + 0.1 * w0))
        low = mask[low_rows, a:b] > 0
        above = mask[above_rows, a:b] > 0
        upright = above.mean(axis=0) >= 0.5 if above.shape[0] else np.zeros(low.shape[1], bool)
        total.append(float(low.sum()) / (stroke * stroke))
        own.append(float(low[:, ~upright].sum()) / (stroke * stroke))
    for scores, lead, least in ((total, 1.5, 1.0), (own, 3.0, POINT_OWN)):
        order = np.argsort(scores)[::-1]
        best = scores[order[0]]
        second = scores[order[1]] if len(scores) > 1 else 0.0
        if best >= least and best >= lead * second and own[order[0]] >= POINT_OWN:
            return int(order[0])
    return None


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


def _segments(mask: np.ndarray, left: int, top: int, width: int, height: int) -> list[float]:
    """Lit share of each segment a..g: the best-covered line across the segment's zone."""
    cell = mask[top : top + height, max(0, left) : left + width].astype(np.float32) / 255
    h, w = cell.shape
    if h < 3 or w < 2:
        return [0.0] * 7

    def across(r0: float, r1: float) -> float:  # a horizontal bar somewhere in rows r0..r1
        band = cell[
            int(r0 * h) : max(int(r0 * h) + 1, int(r1 * h)),
            int(0.3 * w) : max(int(0.3 * w) + 1, int(0.7 * w)),
        ]
        return float(band.mean(axis=1).max())

    def down(c0: float, c1: float, r0: float, r1: float) -> float:  # a vertical bar in cols c0..c1
        band = cell[int(r0 * h) : int(r1 * h), int(c0 * w) : max(int(c0 * w) + 1, int(c1 * w))]
        return float(band.mean(axis=0).max())

    def hole(r0: float, r1: float) -> float:  # a digit's counters are never lit
        return float(
            cell[int(r0 * h) : int(r1 * h), int(0.35 * w) : max(int(0.35 * w) + 1, int(0.65 * w))].mean()
        )

    return [
        across(0.0, 0.22),  # a
        down(0.65, 1.0, 0.15, 0.4),  # b
        down(0.65, 1.0, 0.6, 0.85),  # c
        across(0.78, 1.0),  # d
        down(0.0, 0.35, 0.6, 0.85),  # e
        down(0.0, 0.35, 0.15, 0.4),  # f
        across(0.36, 0.64),  # g
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


def _under_glare(shares: list[float], glare: list[float], char: str) -> str:
    """Other characters the digit may be: an unlit segment whose zone lies under glare may be a
    lit one washed out (a 9 whose b is under glare reads as a 5)."""
    lit = _lit(shares)
    unseen = (np.array(glare[:7], np.float32) >= GLARE_HIDES) & (lit < 0.5)
    if char == "?" or not unseen.any():
        return ""
    costs = _costs(lit, ~unseen)  # half a segment's mismatch: as good a fit
    return "".join(sorted(c for c, cost in costs.items() if c != char and cost <= costs[char] + 0.5))


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
    return any(sum(share >= 0.6 for share in d.segments) >= 3 for d in dropped)


def _minus(mask, first, top: int, bottom: int) -> bool:
    """A short bar at mid-height just left of the first digit."""
    height, (x1, width) = bottom - top, first
    zone = mask[top + int(0.4 * height) : top + int(0.6 * height), max(0, x1 - int(1.2 * width)) : x1]
    if zone.size == 0:
        return False
    return bool((zone.mean(axis=0) > 60).mean() > 0.35)


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
    reason = "" if confidence >= config.min_confidence else "uncertain digit"
    decimals = len(chars) - point - 1 if decimal_seen else None
    if not reason and decimals is not None and config.decimals is not None and decimals != config.decimals:
        reason = f"a decimal point {decimals} digits from the end, where the display has {config.decimals}"
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


NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def parse_number(text: str) -> float | None:
    """The number with the most digits in a text engine's line (for displays an engine reads,
    and the benchmark's engine peers): "TOTAL 12,50 L" -> 12.5."""
    found = NUMBER.findall(text.replace(" ", ""))
    if not found:
        return None
    return float(max(found, key=lambda t: sum(c.isdigit() for c in t)).replace(",", "."))
