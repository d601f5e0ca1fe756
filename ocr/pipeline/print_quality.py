"""How well a Data Matrix is printed, as a trend indicator (not an ISO/IEC 15415 grade): what a
photo and the decoder can say about the margin left before a code stops reading.

- ``unused_ec``: the share of error correction zxing-cpp did not need (1.0: no codeword wrong);
- ``module_px``: pixels per module in the photo (the reading's resolution, not the print's);
- ``contrast``: dark and light module centres apart, 0..1 of the grey range;
- ``margin``: how far module centres sit from the dark/light threshold, 0..1 (low: modules
  near grey, the first sign of a fading or smearing printer);
- ``pattern_damage``: the share of the outer finder (solid L) and clock (alternating) modules
  that are the wrong colour."""

import re
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class SymbolQuality:
    unused_ec: float | None
    module_px: float
    contrast: float
    margin: float
    pattern_damage: float


def module_grid(grey: np.ndarray, box, rows: int, cols: int) -> np.ndarray:
    """The symbol warped to one pixel per module, sampled at module centres (the box's corners
    are the outermost module pixels: top-left, top-right, bottom-right, bottom-left)."""
    scale = 8
    quad = np.float32(box)
    width, height = cols * scale, rows * scale
    target = np.float32([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]])
    flat = cv2.warpPerspective(
        grey, cv2.getPerspectiveTransform(quad, target), (width, height), flags=cv2.INTER_LINEAR
    ).astype(np.float32)
    # the mean of each module's middle, not one pixel: a little noise must not flip a module
    blurred = cv2.blur(flat, (scale // 2, scale // 2))
    return blurred[scale // 2 :: scale, scale // 2 :: scale][:rows, :cols]


def expected_border(rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """(mask of the outer finder and clock modules, their colour: True = dark)."""
    mask = np.zeros((rows, cols), bool)
    mask[0, :] = mask[:, -1] = mask[:, 0] = mask[-1, :] = True
    dark = np.zeros((rows, cols), bool)
    dark[0, :] = np.arange(cols) % 2 == 0  # the clock track, alternating from the top-left
    dark[:, -1] = np.arange(rows - 1, -1, -1) % 2 == 0  # and up from the bottom-right
    dark[:, 0] = dark[-1, :] = True  # the solid L
    return mask, dark


def datamatrix_quality(grey: np.ndarray, box, version: str, unused_ec: float | None) -> SymbolQuality | None:
    """The indicators for one Data Matrix read in ``grey`` (``version`` "rowsxcols")."""
    size = re.fullmatch(r"(\d+)x(\d+)", version or "")
    if not size or len(box) != 4:
        return None
    rows, cols = int(size[1]), int(size[2])
    grid = module_grid(grey, box, rows, cols)
    if grid.shape != (rows, cols):
        return None
    _, split = cv2.threshold(grid.astype(np.uint8), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    dark_mean = float(grid[split == 0].mean()) if (split == 0).any() else float(grid.min())
    light_mean = float(grid[split > 0].mean()) if (split > 0).any() else float(grid.max())
    threshold = (dark_mean + light_mean) / 2
    spread = max(light_mean - dark_mean, 1.0)
    margin = float(np.median(np.abs(grid - threshold)) / (spread / 2))
    mask, dark = expected_border(rows, cols)
    wrong = (grid < threshold) != dark
    across = np.linalg.norm(np.subtract(box[1], box[0])) / cols
    down = np.linalg.norm(np.subtract(box[3], box[0])) / rows
    side = (across + down) / 2
    return SymbolQuality(
        unused_ec=round(float(unused_ec), 3) if unused_ec is not None else None,
        module_px=round(float(side), 2),
        contrast=round(spread / 255, 3),
        margin=round(min(margin, 1.0), 3),
        pattern_damage=round(float(wrong[mask].mean()), 3),
    )
