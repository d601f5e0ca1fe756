"""Learned defect detectors: Ultralytics YOLO trained from a model definition on the user's own
labelled images (no pretrained weights, nothing downloaded), exported to ONNX, and run on CPU
workers with ONNX Runtime alone (no torch).

``train`` needs the ``gpu`` extra (torch, ultralytics) and runs on a GPU worker, or slowly on
CPU. ``OnnxDetector`` needs only numpy, OpenCV and onnxruntime."""

import os
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

DEFINITION = "yolo11n.yaml"  # the smallest YOLO11, built from its definition, random weights


class TrainingError(RuntimeError):
    """Training could not start or finish; the message says why."""


@dataclass(frozen=True)
class Detection:
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in the image's pixels
    label: str
    score: float

    def as_json(self) -> dict:
        return {"box": [round(v, 1) for v in self.box], "label": self.label, "score": round(self.score, 4)}


@dataclass(frozen=True)
class TrainResult:
    weights: Path  # Ultralytics checkpoint (for GPU workers)
    onnx: Path
    metrics: dict  # map50, map50_95, precision, recall on the validation split
    seconds: float
    epochs: int
    input_size: int


def train(
    data_yaml: Path | str,
    work_dir: Path | str,
    *,
    epochs: int = 100,
    input_size: int = 640,
    batch: int = 8,
    device: str = "cpu",
    seed: int = 0,
    definition: str = DEFINITION,
    evaluate: Path | str | None = None,
) -> TrainResult:
    """Train a detector on a YOLO folder's ``data.yaml`` and export it to ONNX. The metrics are
    measured on ``evaluate``'s ``val`` split where given (a held-out set), else on
    ``data.yaml``'s."""
    YOLO = _ultralytics()
    work_dir = Path(work_dir)
    started = time.perf_counter()
    model = YOLO(definition)
    try:
        model.train(
            data=str(data_yaml),
            epochs=epochs,
            imgsz=input_size,
            batch=batch,
            device=device,
            workers=0,
            plots=False,
            amp=False,
            pretrained=False,
            seed=seed,
            deterministic=True,
            project=str(work_dir),
            name="train",
            exist_ok=True,
            verbose=False,
            val=False,  # validating every epoch on the training split doubles the time
        )
    except (FileNotFoundError, ValueError, RuntimeError) as exc:
        raise TrainingError(f"training failed: {exc}") from exc
    best = work_dir / "train" / "weights" / "best.pt"
    if not best.exists():
        raise TrainingError(f"training wrote no weights under {work_dir}")
    trained = YOLO(str(best))
    scores = trained.val(
        data=str(evaluate or data_yaml),
        imgsz=input_size,
        batch=batch,
        device=device,
        workers=0,
        plots=False,
        verbose=False,
        project=str(work_dir),
        name="val",
        exist_ok=True,
    )
    metrics = {
        "map50": round(float(scores.box.map50), 4),
        "map50_95": round(float(scores.box.map), 4),
        "precision": round(float(scores.box.mp), 4),
        "recall": round(float(scores.box.mr), 4),
    }
    onnx = Path(trained.export(format="onnx", imgsz=input_size, simplify=False, dynamic=False, device="cpu"))
    return TrainResult(
        weights=best,
        onnx=onnx,
        metrics=metrics,
        seconds=time.perf_counter() - started,
        epochs=epochs,
        input_size=input_size,
    )


def _ultralytics():
    """Ultralytics' YOLO class, without the patch its import puts on ``PIL.Image.open``: that
    one answers an image Pillow cannot identify by trying to pip-install a HEIF plugin, which
    would turn our intake's clear refusal of a bad upload into a crash in any process that
    has trained a model (and reach for the network)."""
    os.environ.setdefault("YOLO_OFFLINE", "1")
    try:
        from ultralytics import YOLO
        from ultralytics.utils import patches
    except ImportError as exc:
        raise TrainingError("training needs the gpu extra (pip install 'tracelens[gpu]')") from exc
    from PIL import Image

    Image.open = patches._image_open
    return YOLO


def letterbox(image: np.ndarray, side: int) -> tuple[np.ndarray, float, tuple[int, int]]:
    """``image`` scaled to fit a ``side``-square, padded grey as Ultralytics does; the scale and
    the padding, to map boxes back."""
    h, w = image.shape[:2]
    scale = min(side / h, side / w)
    nh, nw = round(h * scale), round(w * scale)
    resized = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_LINEAR) if (nh, nw) != (h, w) else image
    top, left = (side - nh) // 2, (side - nw) // 2
    padded = cv2.copyMakeBorder(
        resized, top, side - nh - top, left, side - nw - left, cv2.BORDER_CONSTANT, value=(114, 114, 114)
    )
    return padded, scale, (left, top)


class OnnxDetector:
    """A registered YOLO ONNX model on ONNX Runtime (CPU)."""

    def __init__(
        self,
        path: Path | str,
        classes,
        *,
        input_size: int = 640,
        threads: int = 2,
        confidence: float = 0.25,
        overlap: float = 0.5,
    ):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name
        self.classes = tuple(classes)
        self.input_size = input_size
        self.confidence, self.overlap = confidence, overlap

    def detect(self, image: np.ndarray) -> tuple[Detection, ...]:
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        padded, scale, (left, top) = letterbox(image, self.input_size)
        blob = cv2.cvtColor(padded, cv2.COLOR_BGR2RGB).transpose(2, 0, 1)[None].astype(np.float32) / 255.0
        output = self.session.run(None, {self.input: blob})[0][0]  # (4 + classes, anchors)
        if output.shape[0] != 4 + len(self.classes):
            raise ValueError(
                f"the model predicts {output.shape[0] - 4} classes, its manifest names {len(self.classes)}"
            )
        scores = output[4:]
        best = scores.argmax(0)
        confidence = scores[best, np.arange(scores.shape[1])]
        keep = confidence >= self.confidence
        if not keep.any():
            return ()
        cx, cy, w, h = output[:4, keep]
        boxes = np.stack([cx - w / 2, cy - h / 2, w, h], 1)
        chosen = cv2.dnn.NMSBoxesBatched(
            boxes.tolist(), confidence[keep].tolist(), best[keep].tolist(), self.confidence, self.overlap
        )
        height, width = image.shape[:2]
        found = []
        for i in np.array(chosen).reshape(-1):
            x, y, bw, bh = boxes[i]
            x1 = float(np.clip((x - left) / scale, 0, width))
            y1 = float(np.clip((y - top) / scale, 0, height))
            x2 = float(np.clip((x + bw - left) / scale, 0, width))
            y2 = float(np.clip((y + bh - top) / scale, 0, height))
            found.append(Detection((x1, y1, x2, y2), self.classes[best[keep][i]], float(confidence[keep][i])))
        return tuple(sorted(found, key=lambda d: -d.score))
