"""The peers ``bench meters`` measures in the same run, on the same photos, each as it comes.

General text engines read the whole photo and the crop around the digits' row our reader found
(does an engine do better once the display is found?); the number with the most digits in the
text they give is their reading. RapidOCR runs with its package's own defaults; Tesseract is the
command-line program with its default page segmentation; EasyOCR (the gpu extra, on the GPU
where torch sees one) loads its weights from MODELS_DIR/easyocr and joins only when a models
folder is given: on two CPU cores it takes about 17 s a photo. ssocr reads the whole photo file
(``ssocr -d -1``). No Django here: the same code runs on a machine that has only the engines."""

import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from inspection.vision.sevenseg import parse_number

Text = Callable[[np.ndarray], str]


def text_engines(models: str = "") -> dict[str, Text]:
    """The text engines that can run here, by name; EasyOCR when ``models`` is given."""
    engines: dict[str, Text] = {"rapidocr": _rapidocr}
    if shutil.which("tesseract"):
        engines["tesseract"] = _tesseract
    if models:
        from ocr.pipeline.text import get_engine

        easyocr = get_engine("easyocr", models)  # says what is missing rather than download it
        engines["easyocr"] = lambda image: " ".join(line.text for line in easyocr.read(image))
    return engines


def measure(engines: dict[str, Text], image: np.ndarray, path: Path, box) -> dict[str, tuple]:
    """Each peer's (reading, milliseconds) on one photo: ``name`` on the whole photo,
    ``name_on_row`` on the row at ``box`` (None and no time when our reader found no row), and
    ``ssocr`` on the photo's file where ssocr is installed."""
    found = {}
    for name, text in engines.items():
        found[name] = _timed(text, image)
        found[f"{name}_on_row"] = _timed(text, crop(image, box)) if box is not None else (None, None)
    if ssocr := shutil.which("ssocr"):
        found["ssocr"] = _timed(lambda _: _ssocr(ssocr, path), image)
    return found


def _timed(text: Text, image: np.ndarray) -> tuple[float | None, float]:
    start = time.perf_counter()
    value = parse_number(text(image) or "")
    return value, (time.perf_counter() - start) * 1000


def crop(image: np.ndarray, box, margin: float = 0.25) -> np.ndarray:
    x, y, w, h = box
    mx, my = int(margin * h), int(margin * h)
    return image[max(0, y - my) : y + h + my, max(0, x - mx) : x + w + mx]


_engine = None


def _rapidocr(image: np.ndarray) -> str:
    global _engine
    if _engine is None:
        from rapidocr import RapidOCR

        _engine = RapidOCR(params={"Global.log_level": "error"})  # the package's own defaults
    result = _engine(image)
    return " ".join(result.txts or ()) if result is not None and result.txts else ""


def _tesseract(image: np.ndarray) -> str:
    ok, png = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        return ""
    command = ["tesseract", "stdin", "stdout"]
    done = subprocess.run(command, input=png.tobytes(), capture_output=True, timeout=120)
    return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else ""


def _ssocr(binary: str, path: Path) -> str:
    try:
        done = subprocess.run([binary, "-d", "-1", str(path)], capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        return ""
    return done.stdout if done.returncode == 0 else ""
