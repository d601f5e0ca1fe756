"""One image in, one ReadResult out: text lines and codes with their boxes."""

import time

import cv2
import numpy as np

from ocr.pipeline.codes import read_codes
from ocr.pipeline.text import get_engine
from ocr.pipeline.types import ReadConfig, ReadResult, TextLine


def _scaled_for_text(image: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    height, width = image.shape[:2]
    scale = min(1.0, max_side / max(height, width))
    if scale == 1.0:
        return image, 1.0
    size = (round(width * scale), round(height * scale))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), scale


def _unscale(lines: tuple[TextLine, ...], scale: float) -> tuple[TextLine, ...]:
    if scale == 1.0:
        return lines
    return tuple(
        TextLine(text=ln.text, confidence=ln.confidence, box=tuple((x / scale, y / scale) for x, y in ln.box))
        for ln in lines
    )


DEFAULT_CONFIG = ReadConfig()


def read_image(image: np.ndarray, config: ReadConfig = DEFAULT_CONFIG) -> ReadResult:
    height, width = image.shape[:2]
    timings = {}
    codes = ()
    lines = ()
    engine_name = engine_version = ""
    if config.read_codes:
        start = time.perf_counter()
        codes = read_codes(image)
        timings["codes"] = round((time.perf_counter() - start) * 1000, 1)
    if config.read_text:
        engine = get_engine(config.engine)
        engine_name, engine_version = engine.name, engine.version
        start = time.perf_counter()
        small, scale = _scaled_for_text(image, config.max_text_side)
        lines = _unscale(engine.read(small), scale)
        timings["text"] = round((time.perf_counter() - start) * 1000, 1)
    return ReadResult(
        width=width,
        height=height,
        lines=lines,
        codes=codes,
        engine=engine_name,
        engine_version=engine_version,
        timings_ms=timings,
    )
