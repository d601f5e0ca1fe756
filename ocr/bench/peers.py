"""The raw peers the benchmarks measure beside our readers, as they come, in one place:
RapidOCR with its package's own defaults (one call, its own box order, no retries) and the
Tesseract command-line program with its default page segmentation. No Django here: the meter
bench's peers run on a machine that has only the engines."""

import shutil
import subprocess
from functools import cache
from pathlib import Path

import cv2
import numpy as np


@cache
def _plain_rapidocr():
    from rapidocr import RapidOCR

    return RapidOCR(params={"Global.log_level": "error"})  # the package's own defaults


def raw_rapidocr(image: np.ndarray) -> str:
    """RapidOCR's lines on ``image`` (BGR), joined by spaces."""
    result = _plain_rapidocr()(image)
    return " ".join(result.txts or ()) if result is not None else ""


def raw_tesseract(source: Path | np.ndarray) -> str | None:
    """Tesseract's text as the program prints it, for an image file (read by Tesseract itself)
    or a BGR array (sent as PNG); "" when it fails, None where it is not installed."""
    if shutil.which("tesseract") is None:
        return None
    command, data = ["tesseract", str(source), "-"], None
    if isinstance(source, np.ndarray):
        ok, png = cv2.imencode(".png", source, [cv2.IMWRITE_PNG_COMPRESSION, 1])
        if not ok:
            return ""
        command, data = ["tesseract", "stdin", "stdout"], png.tobytes()
    done = subprocess.run(command, input=data, capture_output=True, timeout=120)
    return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else ""
