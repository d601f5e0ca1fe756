"""A value of known format in a large photo (a part marking, a serial painted or engraved on a
face), found without reading the whole photo several times.

The detector runs once on a small copy (large markings are found there better than at full
size: on engraved steel the 960 px look finds nothing, the 512 px look finds the code), each
region is cut straight from the photo at its own resolution, tight and with a margin, and
recognised at every orientation its shape allows, all crops in one batch. A photo at any
rotation costs one detection and one recognition batch instead of a detection per quarter
turn."""

import cv2
import numpy as np

from ocr.pipeline.enhance import rectify
from ocr.pipeline.types import TextLine

COARSE_SIDES = (512, 800)  # detector inputs for the coarse looks, long side in pixels
GROWS = (1.0, 1.15)  # each region is also recognised with a margin: the two disagree where a
# character is doubtful, and the choice between them settles it
SQUARE = 1.5  # a region less elongated than this may hold text in any of the four directions
SURE_SIDE = 0.9  # the angle classifier's probability above which the other way is not read


def straight_crop(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The quadrilateral cut out and warped to an upright rectangle, first edge on top: bicubic,
    as small crops are recognised better so."""
    return rectify(image, quad, flags=cv2.INTER_CUBIC, border=cv2.BORDER_REPLICATE)[0]


def directions(crop: np.ndarray) -> tuple[int, ...]:
    """Quarter turns (counter-clockwise) that lay the crop's long side level: a long region
    holds a line along it; a squarish one may hold it either way."""
    height, width = crop.shape[:2]
    if width >= SQUARE * height:
        return (0,)
    if height >= SQUARE * width:
        return (1,)
    return (0, 1)


def turned_box(quad: np.ndarray, turns: int) -> tuple[tuple[float, float], ...]:
    """The region's corners starting at the top-left of the text read after ``turns``."""
    corners = [tuple(map(float, point)) for point in quad]
    # a counter-clockwise quarter turn brings the crop's top-right corner to the top-left
    return tuple(corners[(i + turns) % 4] for i in range(4))


def grown(quad: np.ndarray, factor: float) -> np.ndarray:
    centre = quad.mean(axis=0)
    return centre + (quad - centre) * factor


def coarse_lines(image: np.ndarray, engine, choose, side: int, min_ratio: float = 0.0):
    """One line per region the detector finds at ``side`` pixels, in the orientation and margin
    ``choose`` prefers: it gets a region's candidate readings as (text, score) pairs and returns
    the index of the best. Regions less elongated than ``min_ratio`` (too short for the value
    sought) are not read. Each level crop is read the way up the angle classifier says, or
    both ways where it is unsure."""
    scale = min(1.0, side / max(image.shape[:2]))
    small = image
    if scale < 1.0:
        small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    quads = [quad / scale for quad in engine.detect(small)]
    level, owners = [], []
    for index, quad in enumerate(quads):
        for factor in GROWS:
            crop = straight_crop(image, grown(quad, factor))
            if max(crop.shape[:2]) < min_ratio * min(crop.shape[:2]):
                continue
            for turns in directions(crop):
                level.append(np.ascontiguousarray(np.rot90(crop, turns)))
                owners.append((index, turns))
    crops, turned = [], []
    for crop, (index, turns), flip in zip(level, owners, engine.upside_down(level), strict=True):
        for upside_down in (False, True):
            if (flip if upside_down else 1.0 - flip) >= 1.0 - SURE_SIDE:
                crops.append(crop[::-1, ::-1] if upside_down else crop)
                turned.append((index, turns + 2 * upside_down))
    readings = engine.recognise([np.ascontiguousarray(crop) for crop in crops])
    lines = []
    for index, quad in enumerate(quads):
        options = [
            (read, turns) for read, (owner, turns) in zip(readings, turned, strict=True) if owner == index
        ]
        if not options:
            continue
        (text, score), turns = options[choose([read for read, _ in options])]
        if text.strip():
            lines.append(TextLine(text, score, turned_box(quad, turns)))
    return tuple(lines)
