"""Text engines behind one interface. RapidOCR is the default: PP-OCR models shipped inside the
package, run by ONNX Runtime, nothing downloaded."""

import logging
from functools import cache
from importlib.metadata import version
from typing import Protocol

import numpy as np

from ocr.pipeline.types import TextLine

logger = logging.getLogger(__name__)


class TextEngine(Protocol):
    name: str
    version: str

    def read(self, image: np.ndarray) -> tuple[TextLine, ...]: ...


def align_chars(text: str, scores: list[float]) -> tuple[float, ...]:
    """Per-character confidences laid over ``text``: the engine scores the characters it drew
    (not spaces), in order; when the counts disagree the scores are not trusted."""
    if len(scores) != sum(1 for c in text if not c.isspace()):
        return ()
    it = iter(scores)
    return tuple(1.0 if c.isspace() else round(next(it), 4) for c in text)


class RapidOcrEngine:
    name = "rapidocr"

    def __init__(self):
        from rapidocr import RapidOCR

        self.version = version("rapidocr")
        self._ocr = RapidOCR(params={"Global.log_level": "warning"})

    def read(self, image: np.ndarray) -> tuple[TextLine, ...]:
        result = self._ocr(image, return_word_box=True, return_single_char_box=True)
        if result.boxes is None or result.txts is None:
            return ()
        words = result.word_results or [()] * len(result.txts)
        return tuple(
            TextLine(
                text=text,
                confidence=round(float(score), 4),
                box=tuple(map(tuple, box.tolist())),
                chars=align_chars(text, [float(piece[1]) for piece in chars]),
            )
            for box, text, score, chars in zip(result.boxes, result.txts, result.scores, words, strict=True)
        )


ENGINES = {"rapidocr": RapidOcrEngine}


class UnknownEngine(ValueError):
    pass


@cache
def get_engine(name: str) -> TextEngine:
    """One engine instance per process: models load once, on first use."""
    if name not in ENGINES:
        raise UnknownEngine(f"unknown text engine {name!r}; choose from {sorted(ENGINES)}")
    logger.info("loading text engine %s", name)
    return ENGINES[name]()
