"""Image variants that help engines on hard prints: dot-matrix and dot-peen marks (dots joined
into strokes, or blurred together at half size) and light-on-dark marks (inverted)."""

import math

import cv2
import numpy as np


def gray(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def dark_text_on_light(g: np.ndarray) -> np.ndarray:
    """Text engines expect dark ink on a light ground: invert when the ground is dark."""
    _, binary = cv2.threshold(g, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return 255 - g if np.count_nonzero(binary) < binary.size / 2 else g


def dot_size(ink: np.ndarray) -> float | None:
    """Median diameter of the ink's connected components when they look like dots."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if count < 12:
        return None
    sizes = stats[1:, cv2.CC_STAT_WIDTH : cv2.CC_STAT_HEIGHT + 1]
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = areas >= 4
    if keep.sum() < 12:
        return None
    widths, heights = sizes[keep, 0], sizes[keep, 1]
    roundish = np.abs(widths - heights) <= np.maximum(2, 0.5 * np.maximum(widths, heights))
    if roundish.mean() < 0.6:
        return None
    return float(np.median(np.maximum(widths, heights)))


def ink_dot_size(image: np.ndarray) -> float | None:
    """The dot size when the print is made of dots (dot-matrix, ink-jet, dot-peen), else None."""
    g = dark_text_on_light(gray(image))
    _, ink = cv2.threshold(g, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return dot_size(ink)


def standing_out(g: np.ndarray, ink: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Ink as what stands out from its neighbourhood (some 15 px around): darker (``ink``
    "dark") or lighter ("light"), or, where ``ink`` is not given, whichever stands out more (lit
    LED dots in a dark housing, dark LCD dots in a grey window: the image as a whole does not say
    which). The ink's mask, and the image dark ink on light."""
    level, g = standing_out_level(g, ink)
    return cv2.threshold(level, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1], g


def standing_out_level(g: np.ndarray, ink: str = "") -> tuple[np.ndarray, np.ndarray]:
    """How far each pixel stands out from its neighbourhood, the way ``standing_out`` finds
    the ink (0 where it does not), and the image dark ink on light."""
    darker = cv2.stackBlur(g, (91, 91)).astype(np.int16) - g  # about a Gaussian of sigma 15
    if ink:
        light = ink == "light"
    else:
        lightest, darkest = np.percentile(darker, (0.5, 99.5))
        light = -lightest > darkest
    if light:
        g, darker = 255 - g, -darker
    return np.clip(darker, 0, 255).astype(np.uint8), g


def contrast(g: np.ndarray) -> float:
    low, high = np.percentile(g, (2, 98))
    return float(high - low)


def text_variants(image: np.ndarray):
    """Second looks for a hard print, each with the scale it was made at: light-on-dark marks
    inverted; flat or unevenly lit prints denoised and equalised (CLAHE); half size (dot-matrix
    dots blur into strokes, oversized crops reach the detector's sweet spot) and dots closed into
    strokes by a kernel sized from the dots themselves."""
    g = dark_text_on_light(gray(image))
    if contrast(g) < 120:
        equalised = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8)).apply(cv2.medianBlur(g, 3))
        yield "contrast", cv2.cvtColor(equalised, cv2.COLOR_GRAY2BGR), 1.0
    half = cv2.resize(g, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    yield "half", cv2.cvtColor(half, cv2.COLOR_GRAY2BGR), 0.5
    _, ink = cv2.threshold(g, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    size = dot_size(ink)
    if size is not None:
        k = max(3, int(size * 0.6) | 1)
        closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
        yield "dots_closed", cv2.cvtColor(255 - closed, cv2.COLOR_GRAY2BGR), 1.0


def bright_quad(image: np.ndarray, min_share: float) -> np.ndarray | None:
    """The corners (top-left, top-right, bottom-right, bottom-left, in the image's pixels) of the
    largest four-cornered bright region covering at least ``min_share`` of the image: a label or
    a sheet against a darker background. None when there is none, or when it fills the image."""
    grey = gray(image)
    factor = 800 / max(grey.shape)
    small = cv2.resize(grey, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    _, mask = cv2.threshold(cv2.GaussianBlur(small, (5, 5), 0), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    region = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(region)
    if area < min_share * small.size or area > 0.97 * small.size:
        return None
    corners = cv2.approxPolyDP(region, 0.02 * cv2.arcLength(region, True), True)
    if len(corners) != 4 or not cv2.isContourConvex(corners):
        return None
    corners = _fitted_corners(region.reshape(-1, 2), corners.reshape(4, 2)) / factor
    total, diff = corners.sum(axis=1), np.diff(corners, axis=1).ravel()
    return np.float32(
        [corners[total.argmin()], corners[diff.argmin()], corners[total.argmax()], corners[diff.argmax()]]
    )


def _fitted_corners(outline: np.ndarray, rough: np.ndarray) -> np.ndarray:
    """Corners where lines fitted to the four sides meet: the polygon approximation's vertices
    are outline points, which a rounded or torn corner pulls off the true one."""
    index = [int(np.argmin(((outline - corner) ** 2).sum(axis=1))) for corner in rough]
    lines = []
    for k in range(4):
        a, b = index[k], index[(k + 1) % 4]
        side = outline[a : b + 1] if a <= b else np.concatenate([outline[a:], outline[: b + 1]])
        trim = len(side) // 10  # the ends bend into the corners
        side = side[trim : len(side) - trim] if len(side) > 10 else side
        if len(side) < 2:
            return rough.astype(np.float32)
        vx, vy, x, y = cv2.fitLine(side.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x, y]), np.array([vx, vy])))
    corners = []
    for k in range(4):  # corner k joins side k-1 and side k
        (p, d), (q, e) = lines[k - 1], lines[k]
        det = d[0] * -e[1] - d[1] * -e[0]
        if abs(det) < 1e-6:
            return rough.astype(np.float32)
        t = ((q - p)[0] * -e[1] - (q - p)[1] * -e[0]) / det
        corners.append(p + t * d)
    return np.float32(corners)


def keystone(quad: np.ndarray) -> float:
    """How far a quadrilateral is from a rectangle seen straight on: the larger relative
    difference between its opposite sides (0 for any rectangle, at any rotation)."""
    top, right = np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[2] - quad[1])
    bottom, left = np.linalg.norm(quad[2] - quad[3]), np.linalg.norm(quad[3] - quad[0])
    return float(max(abs(top - bottom) / max(top, bottom), abs(left - right) / max(left, right)))


def rectify(
    image: np.ndarray, quad: np.ndarray, *, flags: int = cv2.INTER_LINEAR, border: int = cv2.BORDER_CONSTANT
) -> tuple[np.ndarray, np.ndarray]:
    """The quadrilateral (first edge on top) warped to an upright rectangle seen straight on, as
    wide and high as its longer opposite sides, and the matrix that takes the rectangle's pixels
    back to the image's."""
    quad = np.asarray(quad, np.float32)
    width = max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[3] - quad[2]))
    height = max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2]))
    width, height = max(2, math.ceil(width)), max(2, math.ceil(height))
    target = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    matrix = cv2.getPerspectiveTransform(quad, target)
    flat = cv2.warpPerspective(image, matrix, (width, height), flags=flags, borderMode=border)
    return flat, np.linalg.inv(matrix)
