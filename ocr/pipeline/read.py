"""One image in, one ReadResult out: text lines in reading order, codes, and the fields they give."""

import math
import re
import time
from dataclasses import replace

import cv2
import numpy as np

from ocr.pipeline import fields as field_rules
from ocr.pipeline.checks import check_fields, review_reasons
from ocr.pipeline.coarse import COARSE_SIDES, coarse_lines
from ocr.pipeline.codes import read_codes
from ocr.pipeline.enhance import bright_quad, ink_dot_size, keystone, rectify, text_variants
from ocr.pipeline.layout import group_lines
from ocr.pipeline.patterns import PatternMatch, match_value, positions
from ocr.pipeline.quality import assess, with_resolution
from ocr.pipeline.template import apply_rules, recognise_regions
from ocr.pipeline.text import TextEngine, get_engine
from ocr.pipeline.types import Field, ReadConfig, ReadResult, TextLine

LABEL_SHARE = 0.05  # a label found for straightening covers at least this share of the photo
KEYSTONE = 0.08  # opposite sides differing by this share or more: the label is seen at an angle
LABEL_CHARACTER = re.compile(r"[A-Za-z0-9 /.:,()#+\-]")


def _scaled(image: np.ndarray, scale: float) -> np.ndarray:
    if scale == 1.0:
        return image
    height, width = image.shape[:2]
    return cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)


def _unscale(lines: tuple[TextLine, ...], scale: float) -> tuple[TextLine, ...]:
    if scale == 1.0:
        return lines
    return tuple(replace(ln, box=tuple((x / scale, y / scale) for x, y in ln.box)) for ln in lines)


def _plausible(text: str) -> int:
    return sum(bool(LABEL_CHARACTER.match(c)) for c in text if not c.isspace())


def text_quality(lines: tuple[TextLine, ...]) -> float:
    """How clean a reading looks, 0..1: mean confidence times the share of characters labels
    print. Decides whether a second look is needed."""
    text = "".join(line.text for line in lines if line.text.strip())
    if not text:
        return 0.0
    return (
        float(np.mean([line.confidence for line in lines]))
        * _plausible(text)
        / len(text.replace(" ", "") or "x")
    )


def text_evidence(lines: tuple[TextLine, ...]) -> float:
    """How much plausible text a reading explains, weighted by confidence: picks between looks,
    so a look that reads less but surely does not beat one that reads all of it."""
    return sum(line.confidence * _plausible(line.text) for line in lines)


def _look(image: np.ndarray, engine: TextEngine, max_side: int) -> tuple[TextLine, ...]:
    scale = min(1.0, max_side / max(image.shape[:2]))
    return _unscale(group_lines(engine.read(_scaled(image, scale))), scale)


def _unrotate(lines: tuple[TextLine, ...], turns: int, shape) -> tuple[TextLine, ...]:
    """Boxes read on ``np.rot90(image, turns)`` mapped back onto the image."""
    height, width = shape[:2]

    def back(x, y):
        for step in range(turns % 4, 0, -1):
            # one counter-clockwise quarter turn sends (x, y) to (y, w - 1 - x), where w is the
            # width of the image before that turn; undo the turns one at a time
            w = width if (step - 1) % 2 == 0 else height
            x, y = w - 1 - y, x
        return x, y

    return tuple(replace(ln, box=tuple(back(x, y) for x, y in ln.box)) for ln in lines)


def pattern_hits(lines: tuple[TextLine, ...], patterns) -> list[tuple[str, PatternMatch, TextLine]]:
    hits = []
    for name, pattern in patterns:
        found = [
            (m, ln) for ln in lines if (m := match_value(ln.text, pattern, ln.confidence, ln.alternatives))
        ]
        if found:
            match, line = min(found, key=lambda item: (item[0].repaired, -item[0].confidence))
            hits.append((name, match, line))
    return hits


def search_orientations(image, engine, config, lines, variant):
    """For a value of known format that the upright reading did not give exactly: the other
    quarter turns, then smaller detector inputs, until a reading fits every pattern exactly."""
    best, best_name = lines, variant
    best_repairs = _repairs(lines, config.patterns)
    for side in (config.max_text_side, *config.search_sides):
        for turns in (0, 1, 2, 3):
            if side == config.max_text_side and turns == 0:
                continue
            found = _unrotate(
                _look(np.ascontiguousarray(np.rot90(image, turns)), engine, side), turns, image.shape
            )
            repairs = _repairs(found, config.patterns)
            if repairs < best_repairs:
                best, best_name, best_repairs = found, f"rot{turns * 90}@{side}", repairs
            if best_repairs == 0:
                return best, best_name
    return best, best_name


def _repairs(lines, patterns) -> float:
    return repairs_in(pattern_hits(lines, patterns), patterns)


def repairs_in(hits, patterns) -> float:
    """Characters repaired to fit the patterns; a pattern not found at all counts as many."""
    repaired = {name: match.repaired for name, match, _ in hits}
    return sum(repaired.get(name, 100) for name, _ in patterns)


def _pattern_chooser(patterns):
    """Among a region's readings at several orientations: the one that fits the patterns with
    fewest repairs, then the surest."""

    def choose(readings: list[tuple[str, float]]) -> int:
        def cost(i):
            text, score = readings[i]
            line = TextLine(text, score, ())
            return (_repairs((line,), patterns), -score)

        return min(range(len(readings)), key=cost)

    return choose


def read_text(
    image: np.ndarray, engine: TextEngine, config: ReadConfig, codes: tuple = ()
) -> tuple[tuple[TextLine, ...], str]:
    """Lines in reading order, in the image's own pixels. When the first look scores below
    ``config.retry_below``, or the print is made of dots, enhanced variants are read too and the
    one that explains most text wins. Values of known format not read exactly start an
    orientation search; before all that, a coarse look (one small detection, regions recognised
    at every orientation) settles it when it gives every value exactly."""
    coarse, coarse_repairs = (), math.inf
    if config.patterns and hasattr(engine, "detect"):
        coarse, variant, settled = coarse_read(image, engine, config)
        if settled:
            return coarse, variant
        coarse_repairs = _repairs(coarse, config.patterns)
    lines, variant = _read_upright(image, engine, config, codes)
    if config.patterns and _repairs(lines, config.patterns) > 0:
        lines, variant = search_orientations(image, engine, config, lines, variant)
    if config.patterns and coarse_repairs <= _repairs(lines, config.patterns):
        return coarse, "coarse"
    return lines, variant


def coarse_read(image, engine, config) -> tuple[tuple[TextLine, ...], str, bool]:
    """The coarse looks at each detector size in turn: (lines, look, settled). Settled when one
    look reads every value exactly at an accepted confidence, or when every look gives the same
    values and one of them reads them exactly (its confidence then decides review as usual)."""
    best, best_name, best_repairs, seen = (), "coarse", math.inf, set()
    for side in COARSE_SIDES:
        found = coarse_lines(image, engine, _pattern_chooser(config.patterns), side, _min_ratio(config))
        hits = pattern_hits(found, config.patterns)
        repairs = repairs_in(hits, config.patterns)
        if repairs == 0 and all(match.confidence >= config.min_confidence for _, match, _ in hits):
            return found, f"coarse@{side}", True
        seen.add(tuple(sorted((name, match.value) for name, match, _ in hits)))
        if repairs < best_repairs:
            best, best_name, best_repairs = found, f"coarse@{side}", repairs
    agreed = len(seen) == 1 and len(next(iter(seen))) == len(config.patterns)
    return best, best_name, agreed and best_repairs == 0


def _min_ratio(config) -> float:
    """How elongated a line holding the shortest sought value must at least be: a character is
    rarely narrower than a third of its height. 0 when a pattern's length is not fixed."""
    lengths = [len(slots or ()) for slots in (positions(pattern) for _, pattern in config.patterns)]
    return 0.3 * min(lengths) if lengths and all(lengths) else 0.0


def _without_codes(image: np.ndarray, codes) -> np.ndarray:
    """The image with its codes painted over: a Data Matrix's modules are dots too, and must not
    make a printed label look like dot-matrix print."""
    if not codes:
        return image
    masked = image.copy()
    for code in codes:
        if len(code.box) >= 3:
            polygon = np.array(code.box, dtype=np.float32)
            centre = polygon.mean(axis=0)
            grown = (centre + (polygon - centre) * 1.15).astype(np.int32)  # the quiet zone too
            cv2.fillPoly(masked, [grown], (255, 255, 255) if masked.ndim == 3 else 255)
    return masked


def _read_upright(image: np.ndarray, engine: TextEngine, config: ReadConfig, codes=()):
    scale = min(1.0, config.max_text_side / max(image.shape[:2]))
    best = _unscale(group_lines(engine.read(_scaled(image, scale))), scale)
    best_name, best_score = "original", text_evidence(best)
    hard = text_quality(best) < config.retry_below or ink_dot_size(_without_codes(image, codes)) is not None
    if config.retry_text and hard:
        for name, variant, variant_scale in text_variants(_scaled(image, scale)):
            lines = _unscale(group_lines(engine.read(variant)), scale * variant_scale)
            score = text_evidence(lines)
            if score > best_score:
                best, best_name, best_score = lines, name, score
    if best:
        best, best_name = _straight_on(image, engine, config, best, best_name)
    if not best and hasattr(engine, "recognise"):
        best, best_name = _whole_line(image, engine)
    return best, best_name


def _straight_on(image: np.ndarray, engine: TextEngine, config: ReadConfig, lines, name):
    """A label seen at an angle (its far edge shorter than its near one) is read again warped to
    a rectangle seen straight on: perspective squeezes the gaps between words, and an anchor
    run into its value ("LOTL12345") is no anchor. The straightened reading is kept unless it
    explains clearly less text; its boxes are taken back to the photo's pixels."""
    quad = bright_quad(image, LABEL_SHARE)
    if quad is None or keystone(quad) < KEYSTONE:
        return lines, name
    flat, back = rectify(image, quad)
    scale = min(1.0, config.max_text_side / max(flat.shape[:2]))
    straight = _unscale(group_lines(engine.read(_scaled(flat, scale))), scale)
    if text_evidence(straight) < 0.9 * text_evidence(lines):
        return lines, name
    return tuple(replace(line, box=_through(back, line.box)) for line in straight), "straight_on"


def _through(matrix: np.ndarray, box) -> tuple:
    points = cv2.perspectiveTransform(np.float32(box).reshape(-1, 1, 2), matrix).reshape(-1, 2)
    return tuple((float(x), float(y)) for x, y in points)


def _whole_line(image: np.ndarray, engine) -> tuple[tuple[TextLine, ...], str]:
    """Nothing detected in an image shaped like one line of text (a cropped marking): the whole
    image is recognised as that line."""
    height, width = image.shape[:2]
    if width < 2 * height or height > 400:
        return (), "original"
    text, score = engine.recognise([image])[0]
    if not text.strip():
        return (), "original"
    box = ((0.0, 0.0), (float(width), 0.0), (float(width), float(height)), (0.0, float(height)))
    return (TextLine(text, score, box),), "whole_line"


def read_image(image: np.ndarray, config: ReadConfig | None = None, full_resolution=None) -> ReadResult:
    """Quality gate, codes, text, fields and their checks. The quality verdict never stops the
    reading: a poor photo is still read, and the verdict says why it may need a retake.
    ``full_resolution``: when ``image`` was decoded reduced, a callable giving the full photo,
    for code regions too fine for the reduced one. Boxes are in ``image``'s pixels."""
    config = config or ReadConfig()
    height, width = image.shape[:2]
    timings = {}
    codes = ()
    lines = ()
    variant = ""
    engine_name = engine_version = engine_model = ""
    quality = None
    if config.assess_quality:
        start = time.perf_counter()
        quality = assess(image)
        timings["quality"] = round((time.perf_counter() - start) * 1000, 1)
    if config.read_codes and not (config.fixed_layout and not any(rule.ai for rule in config.rules)):
        start = time.perf_counter()
        codes = read_codes(image, full_resolution=full_resolution)
        timings["codes"] = round((time.perf_counter() - start) * 1000, 1)
    if config.read_text:
        engine = get_engine(config.engine, config.model_dir, config.engine_options)
        engine_name, engine_version, engine_model = engine.name, engine.version, engine.model
        start = time.perf_counter()
        if config.fixed_layout and any(rule.region for rule in config.rules):
            lines, variant = recognise_regions(image, engine, config.rules), "regions"
        else:
            lines, variant = read_text(image, engine, config, codes)
        timings["text"] = round((time.perf_counter() - start) * 1000, 1)
    found = apply_rules(config.rules, lines, codes, (width, height))
    for name, match, line in pattern_hits(lines, config.patterns):
        found.setdefault(name, Field(name, match.value, "text", match.confidence, line.text, line.box))
    ruled = {rule.name for rule in config.rules}  # a template's rule is the only way to its field
    generic = {} if config.fixed_layout else field_rules.extract(lines, codes)  # the template says all
    for name, field in generic.items():
        if name not in ruled:
            found.setdefault(name, field)
    fields = tuple(found.values())
    checks = check_fields(
        fields,
        field_rules.anchored_text(lines),
        config.patterns + tuple((r.name, r.pattern) for r in config.rules if r.pattern),
        config.min_confidence,
        rules=config.rules,
    )
    reasons = review_reasons(checks)
    if not fields and not codes and config.read_text:
        reasons.append("nothing read: no field and no code was found")
    return ReadResult(
        width=width,
        height=height,
        lines=lines,
        codes=codes,
        fields=fields,
        engine=engine_name,
        engine_version=engine_version,
        engine_model=engine_model,
        text_variant=variant,
        quality=with_resolution(quality, lines, codes) if quality else None,
        checks=checks,
        review_reasons=tuple(reasons),
        timings_ms=timings,
    )
