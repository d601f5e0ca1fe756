"""A detector trained from its definition (no pretrained weights, nothing downloaded) on a tiny
dataset the test makes, exported to ONNX, run with ONNX Runtime alone, registered with its
manifest. One epoch at 64 px: this proves the path, not the accuracy (bench defects measures)."""

import cv2
import numpy as np
import pytest

from inspection.vision import registry
from inspection.vision.datasets import Box, Dataset, LabelledImage, read_yolo, write_yolo
from inspection.vision.yolo import Detection, OnnxDetector, letterbox, train


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("yolo")
    rng = np.random.default_rng(0)
    labelled = []
    for index in range(8):
        image = np.full((64, 64, 3), 220, np.uint8)
        x, y = (int(v) for v in rng.integers(8, 40, 2))
        cv2.rectangle(image, (x, y), (x + 16, y + 16), (30, 30, 30), -1)
        path = root / f"board{index}.png"
        cv2.imwrite(str(path), image)
        labelled.append(LabelledImage(path, 64, 64, (Box(x, y, x + 16, y + 16, "blob"),)))
    data = write_yolo(Dataset(("blob",), tuple(labelled)), root / "data")
    return train(data / "data.yaml", root / "runs", epochs=1, input_size=64, batch=4), data


def test_training_exports_an_onnx_model_with_metrics(trained):
    result, _ = trained
    assert result.onnx.suffix == ".onnx" and result.onnx.stat().st_size > 100_000
    assert set(result.metrics) == {"map50", "map50_95", "precision", "recall"}
    assert all(0.0 <= value <= 1.0 for value in result.metrics.values())
    assert result.epochs == 1 and result.seconds > 0


def test_onnx_runtime_runs_the_registered_model(trained, tmp_path):
    result, data = trained
    dataset = read_yolo(data)
    entry = registry.register(
        tmp_path,
        result.onnx,
        name="blobs",
        kind="yolo-onnx",
        classes=dataset.classes,
        training_data_sha256=dataset.content_hash(),
        metrics=result.metrics,
        input_size=64,
    )
    path = registry.verified_path(tmp_path, entry)
    detector = OnnxDetector(path, entry.classes, input_size=64, confidence=0.0)
    found = detector.detect(cv2.imread(str(dataset.images[0].path)))
    assert found and all(isinstance(d, Detection) and d.label == "blob" for d in found)
    for d in found:
        x1, y1, x2, y2 = d.box
        assert 0 <= x1 <= x2 <= 64 and 0 <= y1 <= y2 <= 64
    wrong = OnnxDetector(path, ("blob", "scratch"), input_size=64)
    with pytest.raises(ValueError, match="predicts 1 classes, its manifest names 2"):
        wrong.detect(np.zeros((64, 64), np.uint8))


def test_letterbox_keeps_the_aspect_and_says_how():
    padded, scale, (left, top) = letterbox(np.zeros((100, 200, 3), np.uint8), 64)
    assert padded.shape == (64, 64, 3)
    assert scale == pytest.approx(0.32) and (left, top) == (0, 16)


def test_training_leaves_pillow_as_it_was(trained):
    """Ultralytics patches PIL.Image.open on import; our intake must still refuse bad bytes."""
    from ocr.pipeline.intake import ImageRejected, inspect_image

    with pytest.raises(ImageRejected):
        inspect_image(b"this is a text file, not a photo", max_pixels=10**8)
