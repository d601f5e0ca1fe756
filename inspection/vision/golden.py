"""Golden-template comparison for parts with a fixed appearance (bare boards, stamped parts,
printed panels): register the photo to the reference, compare with a tolerance for one pixel of
misregistration, clean up, and report each defect region with its box, area and a class read
from what the defect does to the part's topology.

Plain Python: numpy images in, frozen dataclasses out. The part is the dark ink or copper on a
light ground (``dark_part=False`` for light marks on dark).

Classes (the PCB vocabulary, from topology, so they hold for any board):
- material missing: ``open`` (it cuts a conductor in two), ``pin_hole`` (a hole with material all
  round it), ``mousebite`` (a bite out of an edge);
- material extra: ``short`` (it joins two conductors), ``spur`` (it sticks out of one),
  ``spurious_copper`` (it touches none)."""

from dataclasses import dataclass

import cv2
import numpy as np

KINDS = ("open", "short", "mousebite", "spur", "spurious_copper", "pin_hole")


class TemplateError(ValueError):
    """The template cannot be compared with this image (size, registration, wrong product)."""


@dataclass(frozen=True)
class GoldenConfig:
    threshold: int = 0  # grey-level difference that counts; 0: half the part/ground contrast
    tolerance_px: int = 1  # misregistration the comparison forgives
    min_area: int = 8  # smallest defect region, pixels at the image's scale
    min_width: float = 3.0  # thinner regions are an edge drawn a little wider, not a defect
    merge_px: int = 3  # regions closer than this are one defect
    box_margin: int = 10  # the reported box shows the defect with this much context
    min_box: int = 20  # and is at least this wide and high
    align: bool = True  # refine registration (ECC); off for images aligned upstream
    min_correlation: float = 0.5  # below this after registration: not the same part
    dark_part: bool = True


@dataclass(frozen=True)
class Defect:
    box: tuple[int, int, int, int]  # x1, y1, x2, y2 in the image's pixels
    area: int  # differing pixels
    kind: str  # one of KINDS, or "missing" / "extra" where the part has no topology to read
    score: float  # 0..1: how far the region differs (mean difference over full contrast)

    def as_json(self) -> dict:
        return {"box": list(self.box), "area": self.area, "kind": self.kind, "score": round(self.score, 3)}


@dataclass(frozen=True)
class Comparison:
    defects: tuple[Defect, ...]
    correlation: float  # of the registered image with the template
    shift: tuple[float, float]  # registration translation, pixels

    @property
    def ok(self) -> bool:
        return not self.defects

    def as_json(self) -> dict:
        return {
            "ok": self.ok,
            "correlation": round(self.correlation, 4),
            "shift": [round(v, 2) for v in self.shift],
            "defects": [d.as_json() for d in self.defects],
        }


def _grey(image: np.ndarray) -> np.ndarray:
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if image.dtype != np.uint8:
        raise TemplateError(f"expected an 8-bit image, got {image.dtype}")
    return image


def register(
    image: np.ndarray, template: np.ndarray, config: GoldenConfig
) -> tuple[np.ndarray, float, tuple]:
    """The image warped onto the template (affine ECC on a blurred copy), its correlation with
    the template, and the translation found. Raises TemplateError where they do not match."""
    if image.shape != template.shape:
        raise TemplateError(
            f"the template is {template.shape[1]}×{template.shape[0]} px and the image "
            f"{image.shape[1]}×{image.shape[0]} px: photograph the part at the template's framing "
            "or register a template for this camera"
        )
    warp = np.eye(2, 3, dtype=np.float32)
    aligned = image
    if config.align:
        small_t = cv2.GaussianBlur(template, (0, 0), 2).astype(np.float32)
        small_i = cv2.GaussianBlur(image, (0, 0), 2).astype(np.float32)
        criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 50, 1e-4)
        try:
            _, warp = cv2.findTransformECC(small_t, small_i, warp, cv2.MOTION_AFFINE, criteria, None, 5)
        except cv2.error as exc:  # ECC did not converge
            raise TemplateError(
                "the image does not register to the template: another product, or the part is "
                "not in the frame"
            ) from exc
        if not np.allclose(warp, np.eye(2, 3), atol=1e-3):
            aligned = cv2.warpAffine(
                image,
                warp,
                (template.shape[1], template.shape[0]),
                flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                borderMode=cv2.BORDER_REPLICATE,
            )
    correlation = (
        float(np.corrcoef(aligned.ravel(), template.ravel())[0, 1])
        if aligned.std() and template.std()
        else 0.0
    )
    if correlation < config.min_correlation:
        raise TemplateError(
            f"the image matches the template poorly (correlation {correlation:.2f} < "
            f"{config.min_correlation}): another product, or the part is not in the frame"
        )
    return aligned, correlation, (float(warp[0, 2]), float(warp[1, 2]))


def compare(image: np.ndarray, template: np.ndarray, config: GoldenConfig = GoldenConfig()) -> Comparison:
    """Defects of ``image`` against the defect-free ``template`` (same framing); boxes are in
    the template's pixels."""
    image, template = _grey(image), _grey(template)
    aligned, correlation, shift = register(image, template, config)
    if not config.dark_part:
        aligned, template = 255 - aligned, 255 - template
    level = _level(template)
    threshold = config.threshold or max(20, int(_contrast(template) / 2))
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * config.tolerance_px + 1,) * 2)
    # Material missing: lighter than the lightest template pixel nearby; extra: darker than
    # the darkest. A one-pixel registration error moves an edge but never passes both tests.
    lightest = cv2.dilate(template, kernel)
    darkest = cv2.erode(template, kernel)
    a = aligned.astype(np.int16)
    missing = ((a - lightest.astype(np.int16)) > threshold).astype(np.uint8)
    extra = ((darkest.astype(np.int16) - a) > threshold).astype(np.uint8)
    opening = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    missing = cv2.morphologyEx(missing, cv2.MORPH_OPEN, opening)
    extra = cv2.morphologyEx(extra, cv2.MORPH_OPEN, opening)
    part_t = (template < level).astype(np.uint8)
    part_i = (aligned < level).astype(np.uint8)
    defects = _regions(missing, extra, part_t, part_i, np.abs(a - template.astype(np.int16)), config)
    return Comparison(defects=defects, correlation=correlation, shift=shift)


def _level(grey: np.ndarray) -> int:
    level, _ = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return int(level)


def _contrast(grey: np.ndarray) -> float:
    level = _level(grey)
    dark, light = grey[grey < level], grey[grey >= level]
    if not dark.size or not light.size:
        return 255.0
    return float(np.median(light)) - float(np.median(dark))


def _regions(missing, extra, part_t, part_i, difference, config) -> tuple[Defect, ...]:
    either = missing | extra
    grown = cv2.dilate(either, np.ones((2 * config.merge_px + 1,) * 2, np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(grown, connectivity=8)
    _, parts_t = cv2.connectedComponents(part_t, connectivity=8)
    contrast = max(1.0, float(difference.max()))
    h, w = missing.shape
    found = []
    for index in range(1, count):
        x, y, bw, bh, _ = stats[index]
        window = (slice(y, y + bh), slice(x, x + bw))
        member = (labels[window] == index) & (either[window] > 0)
        area = int(member.sum())
        if area < config.min_area or _width(member) < config.min_width:
            continue
        lost = (labels[window] == index) & (missing[window] > 0)
        added = (labels[window] == index) & (extra[window] > 0)
        kind = _kind(lost, added, window, part_t, part_i, parts_t)
        cx, cy = x + bw / 2, y + bh / 2
        half_w = max(bw / 2 + config.box_margin, config.min_box / 2)
        half_h = max(bh / 2 + config.box_margin, config.min_box / 2)
        box = (
            max(0, int(cx - half_w)),
            max(0, int(cy - half_h)),
            min(w, int(round(cx + half_w))),
            min(h, int(round(cy + half_h))),
        )
        score = float(difference[window][member].mean()) / contrast
        found.append(Defect(box=box, area=area, kind=kind, score=min(1.0, score)))
    found.sort(key=lambda d: (d.box[1], d.box[0]))
    return tuple(found)


def _kind(lost, added, window, part_t, part_i, parts_t) -> str:
    """What the change does to the part, read from the template's and the image's material
    around the defect (``parts_t``: the template's conductors, labelled)."""
    y, x = window
    pad = 6
    conductor_t = _padded(part_t, y, x, pad).astype(bool)
    if lost.sum() >= added.sum():
        conductor_i = _padded(part_i, y, x, pad).astype(bool)
        hole = np.pad(lost, pad)
        if not conductor_t[hole].any():
            return "missing"
        # Open: near the defect, the template's conductor is now in more pieces.
        if _pieces(conductor_t) < _pieces(conductor_i & conductor_t):
            return "open"
        # Pin-hole: the hole's ground does not reach out of the window: material all round.
        _, ground = cv2.connectedComponents((~conductor_i).astype(np.uint8), connectivity=4)
        inside = set(np.unique(ground[hole])) - {0}
        border = set(np.unique(np.concatenate([ground[0], ground[-1], ground[:, 0], ground[:, -1]])))
        if inside and not inside & border:
            return "pin_hole"
        return "mousebite"
    blob = np.pad(added, pad)
    rim = (cv2.dilate(blob.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0) & ~blob
    touched = set(np.unique(_padded(parts_t, y, x, pad)[rim])) - {0}
    if not touched:
        return "spurious_copper"
    return "short" if len(touched) >= 2 else "spur"


def _width(mask: np.ndarray) -> float:
    """Twice the largest distance from inside the region to its outside."""
    inside = cv2.distanceTransform(np.pad(mask, 1).astype(np.uint8), cv2.DIST_L2, 3)
    return 2.0 * float(inside.max())


def _pieces(mask: np.ndarray) -> int:
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    return int((stats[1:, cv2.CC_STAT_AREA] >= 4).sum())


def _padded(array: np.ndarray, y: slice, x: slice, pad: int) -> np.ndarray:
    """``array[y, x]`` with ``pad`` pixels more on every side (zeros past the image's edge)."""
    h, w = array.shape
    y0, y1, x0, x1 = y.start - pad, y.stop + pad, x.start - pad, x.stop + pad
    out = np.zeros((y1 - y0, x1 - x0), dtype=array.dtype)
    sy0, sx0 = max(0, y0), max(0, x0)
    sy1, sx1 = min(h, y1), min(w, x1)
    out[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = array[sy0:sy1, sx0:sx1]
    return out
