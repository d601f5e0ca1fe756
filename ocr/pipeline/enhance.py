"""Image variants that help engines on hard prints: dot-matrix and dot-peen marks (dots joined
into strokes, or blurred together at half size) and light-on-dark marks (inverted)."""

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
