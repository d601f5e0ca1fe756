"""The quality gate: is this photo good enough to read, and if not, why. Measured on a small
grey copy before reading (sharpness, exposure, contrast, glare) and completed after reading with
the resolution the text and codes were found at (pixels per character, per code module), so the
capture page can ask for a retake with a reason the operator can act on."""

import re

import cv2
import numpy as np

from ocr.pipeline.types import CodeRead, Issue, Quality, TextLine

SIDE = 1024  # measurements are made at this size, so thresholds do not depend on the camera
TILES = 8
MIN_SHARPNESS = 20.0  # 90th-percentile tile variance of the Laplacian, at SIDE
MIN_CONTRAST = 40  # spread between the 2nd and 98th percentiles of grey
DARK, BRIGHT = 40, 215  # median grey beyond these, with no highlight or shadow: badly exposed
GLARE_LEVEL, GLARE_HALO, MIN_GLARE_SHARE, MAX_GLARE_SHARE = 250, 150, 0.01, 0.3
MIN_CHAR_PX = 12.0  # text line height in the original photo
MIN_MODULE_PX = 2.0  # 2D code module size in the original photo


def with_resolution(quality: Quality, lines: tuple[TextLine, ...], codes: tuple[CodeRead, ...]) -> Quality:
    """Add what only a reading can tell: how many pixels a character or a module got."""
    char_px = _char_height(lines)
    module_px = _module_size(codes)
    issues = list(quality.issues)
    if char_px is not None and char_px < MIN_CHAR_PX:
        issues.append(
            Issue(
                "text_too_small",
                f"Text is {char_px:.0f} px high; come closer or zoom so it is at least {MIN_CHAR_PX:.0f} px.",
            )
        )
    if module_px is not None and module_px < MIN_MODULE_PX:
        issues.append(
            Issue(
                "code_too_small",
                f"Code modules are {module_px:.1f} px; come closer so each is at least "
                f"{MIN_MODULE_PX:.0f} px.",
            )
        )
    return Quality(
        ok=not issues,
        issues=tuple(issues),
        sharpness=quality.sharpness,
        median_grey=quality.median_grey,
        contrast=quality.contrast,
        glare_share=quality.glare_share,
        char_px=char_px,
        module_px=module_px,
    )


def _grey(image: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    scale = SIDE / max(grey.shape[:2])
    if scale < 1:
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return grey


def _sharpness(grey: np.ndarray) -> float:
    """Laplacian variance per tile, 90th percentile: a sharp label on a soft background passes,
    a photo blurred everywhere does not."""
    laplacian = cv2.Laplacian(grey, cv2.CV_32F)
    height, width = grey.shape
    tiles = max(1, min(TILES, height // 16, width // 16))
    tiles_of = (
        laplacian[
            r * height // tiles : (r + 1) * height // tiles, c * width // tiles : (c + 1) * width // tiles
        ]
        for r in range(tiles)
        for c in range(tiles)
    )
    values = [float(tile.var()) for tile in tiles_of if tile.size > 1]
    if not values:
        return 0.0
    return float(np.percentile(values, 90))


def _glare_share(grey: np.ndarray) -> float:
    """Share of the photo under specular highlights: clipped blobs inside the frame that fade
    into a bright halo. Clipped paper or background reaches the frame's edge, and the white
    between printed marks ends at hard edges against ink, so neither counts."""
    clipped = (grey >= GLARE_LEVEL).astype(np.uint8)
    if not clipped.any():
        return 0.0
    count, labels, stats, _ = cv2.connectedComponentsWithStats(clipped, connectivity=8)
    height, width = grey.shape
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
    share = 0
    for i in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[i])
        if area < grey.size * 0.001 or x == 0 or y == 0 or x + w >= width or y + h >= height:
            continue
        x0, y0, x1, y1 = max(0, x - 4), max(0, y - 4), min(width, x + w + 4), min(height, y + h + 4)
        blob = (labels[y0:y1, x0:x1] == i).astype(np.uint8)
        rim = cv2.dilate(blob, kernel).astype(bool) & ~blob.astype(bool)
        halo = grey[y0:y1, x0:x1][rim]
        if halo.size and float(np.percentile(halo, 10)) >= GLARE_HALO:
            share += area
    return share / grey.size


def assess(image: np.ndarray) -> Quality:
    """Before reading: sharpness, exposure, contrast and glare, each with a reason when poor."""
    grey = _grey(image)
    low, median, high = np.percentile(grey, (2, 50, 98))
    sharpness = _sharpness(grey)
    glare = _glare_share(grey)
    issues = []
    if high - low < MIN_CONTRAST:
        issues.append(Issue("low_contrast", "The photo has almost no contrast; light the label evenly."))
    if median < DARK and high < 130:
        issues.append(
            Issue("underexposed", "The photo is too dark; add light or hold the phone still longer.")
        )
    elif median > BRIGHT and low > BRIGHT - 60:
        issues.append(Issue("overexposed", "The photo is washed out; reduce light or avoid the flash."))
    if sharpness < MIN_SHARPNESS:
        issues.append(Issue("blurred", "The photo is blurred; hold still and tap to focus on the label."))
    if MIN_GLARE_SHARE <= glare <= MAX_GLARE_SHARE:
        issues.append(
            Issue(
                "glare", f"Glare covers {glare:.0%} of the photo; tilt the phone or move away from the light."
            )
        )
    return Quality(
        ok=not issues,
        issues=tuple(issues),
        sharpness=round(sharpness, 1),
        median_grey=float(median),
        contrast=float(high - low),
        glare_share=round(glare, 4),
    )


def _char_height(lines: tuple[TextLine, ...]) -> float | None:
    heights = []
    for line in lines:
        if len(line.text.strip()) < 2 or line.confidence < 0.5:
            continue
        xs = [x for x, _ in line.box]
        ys = [y for _, y in line.box]
        heights.append(min(max(xs) - min(xs), max(ys) - min(ys)))  # rotated lines: the short side
    return round(float(np.median(heights)), 1) if heights else None


QR_VERSION = re.compile(r"^(\d+)$")
MATRIX_VERSION = re.compile(r"^(\d+)x(\d+)$")


def _module_size(codes: tuple[CodeRead, ...]) -> float | None:
    sizes = []
    for code in codes:
        modules = _modules_across(code)
        if modules and len(code.box) == 4:
            (x0, y0), (x1, y1) = code.box[0], code.box[1]
            sizes.append(float(np.hypot(x1 - x0, y1 - y0)) / modules)
    return round(min(sizes), 2) if sizes else None


def _modules_across(code: CodeRead) -> int | None:
    if m := MATRIX_VERSION.match(code.version):  # Data Matrix "rows x columns"
        return int(m[2])
    if (m := QR_VERSION.match(code.version)) and "QR" in code.symbology and "Micro" not in code.symbology:
        return 17 + 4 * int(m[1])
    return None
