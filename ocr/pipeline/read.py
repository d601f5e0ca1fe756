"""One image in, one ReadResult out: text lines in reading order, codes, and the fields they give."""

import re
import time

import cv2
import numpy as np

from ocr.pipeline import fields as field_rules
from ocr.pipeline.codes import read_codes
from ocr.pipeline.enhance import ink_dot_size, text_variants
from ocr.pipeline.layout import group_lines
from ocr.pipeline.text import TextEngine, get_engine
from ocr.pipeline.types import ReadConfig, ReadResult, TextLine

LABEL_CHARACTER = re.compile(r"[A-Za-z0-9 /.:,()#+\-]")


def _scaled(image: np.ndarray, scale: float) -> np.ndarray:
    if scale == 1.0:
        return image
    height, width = image.shape[:2]
    return cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)


def _unscale(lines: tuple[TextLine, ...], scale: float) -> tuple[TextLine, ...]:
    if scale == 1.0:
        return lines
    return tuple(
        TextLine(text=ln.text, confidence=ln.confidence, box=tuple((x / scale, y / scale) for x, y in ln.box))
        for ln in lines
    )


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


def read_text(image: np.ndarray, engine: TextEngine, config: ReadConfig) -> tuple[tuple[TextLine, ...], str]:
    """Lines in reading order, in the image's own pixels. When the first look scores below
    ``config.retry_below``, or the print is made of dots, enhanced variants are read too and the
    one that explains most text wins."""
    scale = min(1.0, config.max_text_side / max(image.shape[:2]))
    best = _unscale(group_lines(engine.read(_scaled(image, scale))), scale)
    best_name, best_score = "original", text_evidence(best)
    hard = text_quality(best) < config.retry_below or ink_dot_size(image) is not None
    if config.retry_text and hard:
        for name, variant, variant_scale in text_variants(_scaled(image, scale)):
            lines = _unscale(group_lines(engine.read(variant)), scale * variant_scale)
            score = text_evidence(lines)
            if score > best_score:
                best, best_name, best_score = lines, name, score
    return best, best_name


def read_image(image: np.ndarray, config: ReadConfig | None = None) -> ReadResult:
    config = config or ReadConfig()
    height, width = image.shape[:2]
    timings = {}
    codes = ()
    lines = ()
    variant = ""
    engine_name = engine_version = ""
    if config.read_codes:
        start = time.perf_counter()
        codes = read_codes(image)
        timings["codes"] = round((time.perf_counter() - start) * 1000, 1)
    if config.read_text:
        engine = get_engine(config.engine)
        engine_name, engine_version = engine.name, engine.version
        start = time.perf_counter()
        lines, variant = read_text(image, engine, config)
        timings["text"] = round((time.perf_counter() - start) * 1000, 1)
    found = field_rules.extract(lines, codes)
    return ReadResult(
        width=width,
        height=height,
        lines=lines,
        codes=codes,
        fields=tuple(found.values()),
        engine=engine_name,
        engine_version=engine_version,
        text_variant=variant,
        timings_ms=timings,
    )
