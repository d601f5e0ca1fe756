"""Where digits may be: display windows (dark rectangles against a lighter housing, perspective
corrected), the photo levelled when it was taken at an angle, and a row cut again from the
full-resolution photo. Each region comes with the matrix that takes its pixels back to the
photo's."""

import cv2
import numpy as np

LEVELS = (1.0, 0.8, 0.65)  # of Otsu's level: where display windows are looked for
MIN_TILT, MAX_TILT = 2.0, 20  # degrees: a photo turned by less is read as it is; by more, not levelled
SECOND = 240  # px: the height the second look reads its row at
# The share of the photo on the dark side of Otsu's level from which the housing is taken to be
# on it too. The dataset's phone photos of LCDs in light housings: at most 0.72; a black LED
# panel in a dark red bezel: 0.96.
DARK_HOUSING = 0.8


def _windows(gray: np.ndarray, height: int = 180) -> list[tuple[np.ndarray, np.ndarray, bool]]:
    """Display windows: large rectangles darker than the housing around them (an LCD in a light
    housing, an LED panel) or lighter (an LCD in a black bezel), each warped to an upright
    rectangle ``height`` pixels high (perspective corrected), with the matrix that takes its
    pixels back to ``gray`` and whether it is the half-turned view of the window before it (see
    ``_warp``). The three largest dark ones, then the two largest light ones."""
    blur = cv2.GaussianBlur(gray, (0, 0), 3)
    dark = _rectangles(blur, housing_too=True)
    light = [
        item for item in _rectangles(255 - blur) if not any(_iou(item[1], seen) > 0.5 for _, seen, _ in dark)
    ]
    return [view for _, _, quad in dark[:3] + light[:2] for view in _warp(gray, quad, height)]


def _rectangles(
    blur: np.ndarray, housing_too: bool = False
) -> list[tuple[float, tuple[int, int, int, int], np.ndarray]]:
    """Large dark rectangles in ``blur``, largest first: (area, bounding box, corners). The dark
    parts are cut at Otsu's level and at two lower ones: a shadow across the housing can be as
    dark as Otsu's level and join the window, but is lighter than the window itself.
    ``housing_too``: where most of the photo is on the dark side of Otsu's level
    (``DARK_HOUSING``), the housing is dark too (an LED panel in a dark bezel, whose lit
    segments alone are light), and the dark side is cut again at its own level."""
    otsu, _ = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    k = max(3, int(min(blur.shape) / 60)) | 1
    cuts = [level * otsu for level in LEVELS]
    if housing_too and (darker := blur[blur <= otsu]).size >= DARK_HOUSING * blur.size:
        cuts.append(cv2.threshold(darker.reshape(1, -1), 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[0])
    found: list[tuple[float, tuple[int, int, int, int], np.ndarray]] = []
    for cut in cuts:
        dark = (blur <= cut).astype(np.uint8) * 255
        dark = cv2.morphologyEx(dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
        contours, _ = cv2.findContours(dark, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            area = cv2.contourArea(contour)
            if area < 0.01 * blur.size or area > 0.9 * blur.size:
                continue
            (cx, cy), (w, h), angle = cv2.minAreaRect(contour)
            if w * h == 0 or area / (w * h) < 0.6 or not 1.2 <= max(w, h) / min(w, h) <= 10:
                continue
            box = cv2.boundingRect(contour)
            if not any(_iou(box, seen) > 0.5 for _, seen, _ in found):
                found.append((area, box, _corners(contour)))
    found.sort(key=lambda item: -item[0])
    return found


def _tilt(gray: np.ndarray) -> float:
    """Degrees to turn ``gray`` by (counter-clockwise, as OpenCV turns) to level its digits: the
    direction most of its strong, near-horizontal edges share. The bars a, g and d of every digit,
    the ends of its upright strokes and the display's frame run level when the photo is; an
    italic slant leaves them so. (Stacking the strokes' pixels into the sharpest rows instead is
    pulled towards laying the upright strokes flat where a row has few bars.)"""
    blur = cv2.GaussianBlur(gray, (0, 0), 1.5)
    gx = cv2.Sobel(blur, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(blur, cv2.CV_32F, 0, 1, ksize=3)
    strength = cv2.magnitude(gx, gy)
    # strong edges nearer horizontal than vertical (their gradient runs more up than across)
    edge = (np.abs(gy) > np.abs(gx)) & (strength >= max(20.0, float(np.percentile(strength, 95))))
    if np.count_nonzero(edge) < 50:
        return 0.0
    angles = np.degrees(np.arctan(gx[edge] / gy[edge]))
    bins = np.arange(-MAX_TILT - 1, MAX_TILT + 1.01, 0.25)
    votes, _ = np.histogram(angles, bins=bins, weights=strength[edge])
    votes = np.convolve(votes, np.ones(5) / 5, mode="same")  # over about a degree
    return -float(bins[int(np.argmax(votes))] + 0.125)


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


def _warp(gray: np.ndarray, quad: np.ndarray, height: int) -> list[tuple[np.ndarray, np.ndarray, bool]]:
    """The window ``quad`` straightened, with the matrix back to ``gray``. A window standing on
    its side is read along its long edge both ways up: the photo may have been turned either
    way (a phone held sideways, a camera mounted so), and which way the digits stand only
    reading them tells (upside down, most of them fit no pattern)."""
    top = np.linalg.norm(quad[1] - quad[0])
    side = np.linalg.norm(quad[3] - quad[0])
    standing = side > top
    if standing:
        quad = np.roll(quad, -1, axis=0)
        top, side = side, top
    width = max(int(height * top / max(side, 1)), height)
    # An inset of 4 % keeps the frame's top and bottom edges out; 6 % more at either end keeps
    # digits that glare cut off the dark window in.
    mx, my = 0.04 * width, 0.04 * height
    target = np.float32([[-mx, -my], [width + mx, -my], [width + mx, height + my], [-mx, height + my]])
    matrix = cv2.getPerspectiveTransform(quad, target)
    window = cv2.warpPerspective(gray, matrix, (width, height), flags=cv2.INTER_LINEAR)
    back = np.linalg.inv(matrix)
    if not standing:
        return [(window, back, False)]
    half_turn = np.array([[-1, 0, width - 1], [0, -1, height - 1], [0, 0, 1]], np.float64)
    return [(window, back, False), (cv2.rotate(window, cv2.ROTATE_180), back @ half_turn, True)]


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
