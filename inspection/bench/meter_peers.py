"""The peers ``bench meters`` measures in the same run, on the same photos, each as it comes
(RapidOCR and Tesseract from ``ocr.bench.peers``, as the reading bench runs them).

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

import numpy as np

from inspection.vision.sevenseg import parse_number
from ocr.bench.peers import raw_rapidocr, raw_tesseract

Text = Callable[[np.ndarray], str]


def text_engines(models: str = "") -> dict[str, Text]:
    """The text engines that can run here, by name; EasyOCR when ``models`` is given."""
    engines: dict[str, Text] = {"rapidocr": raw_rapidocr}
    if shutil.which("tesseract"):
        engines["tesseract"] = raw_tesseract
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


def _ssocr(binary: str, path: Path) -> str:
    try:
        done = subprocess.run([binary, "-d", "-1", str(path)], capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        return ""
    return done.stdout if done.returncode == 0 else ""
