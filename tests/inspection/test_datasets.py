"""Defect datasets in and out (YOLO, Label Studio's YOLO export, COCO) and the model manifest:
malformed input is refused naming the file and line, nothing is half-written, a model file
that is not the registered one is refused."""

import json

import cv2
import numpy as np
import pytest

from inspection.vision import registry
from inspection.vision.datasets import (
    Box,
    Dataset,
    DatasetError,
    LabelledImage,
    coco_json,
    read_coco,
    read_yolo,
    write_yolo,
)


def images(folder, count=3):
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for index in range(count):
        path = folder / f"part{index}.png"
        cv2.imwrite(str(path), np.full((100, 200), 200, np.uint8))
        made.append(
            LabelledImage(path, 200, 100, (Box(20, 10, 60, 50, "scratch"), Box(100, 40, 120, 90, "dent")))
        )
    return made


def test_yolo_round_trip_keeps_pixel_boxes(tmp_path):
    dataset = Dataset(("scratch", "dent"), tuple(images(tmp_path / "src")))
    write_yolo(
        dataset, tmp_path / "out", splits={"train": list(dataset.images[:2]), "val": list(dataset.images[2:])}
    )
    again = read_yolo(tmp_path / "out")
    assert again.classes == ("scratch", "dent")
    assert len(again.images) == 3
    box = again.images[0].boxes[0]
    assert (box.label, round(box.x1), round(box.y1), round(box.x2), round(box.y2)) == (
        "scratch",
        20,
        10,
        60,
        50,
    )
    assert again.content_hash() == read_yolo(tmp_path / "out").content_hash()
    assert "val: images/val" in (tmp_path / "out" / "data.yaml").read_text()


def test_label_studio_export_with_classes_txt(tmp_path):
    root = tmp_path / "ls"
    images(root / "images", 1)
    (root / "labels").mkdir()
    (root / "labels" / "part0.txt").write_text("1 0.5 0.5 0.2 0.2\n")
    (root / "classes.txt").write_text("scratch\ndent\n")
    (root / "notes.json").write_text("{}")
    dataset = read_yolo(root)
    assert dataset.images[0].boxes[0].label == "dent"


@pytest.mark.parametrize(
    "line, message",
    [
        ("0 0.9 0.5 0.4 0.2", "box outside the image"),
        ("5 0.5 0.5 0.1 0.1", "class 5, the dataset has 2"),
        ("0 0.5 0.5", "expected 'class cx cy w h'"),
        ("0 a b c d", "not numbers"),
    ],
)
def test_a_bad_yolo_label_names_its_file_and_line(tmp_path, line, message):
    root = tmp_path / "bad"
    images(root / "images", 1)
    (root / "labels").mkdir()
    (root / "labels" / "part0.txt").write_text(f"0 0.5 0.5 0.1 0.1\n{line}\n")
    (root / "classes.txt").write_text("scratch\ndent\n")
    with pytest.raises(DatasetError, match=rf"labels/part0.txt line 2: {message}"):
        read_yolo(root)


def test_coco_in_and_out(tmp_path):
    dataset = Dataset(("scratch", "dent"), tuple(images(tmp_path)))
    document = coco_json(dataset)
    (tmp_path / "coco.json").write_text(json.dumps(document))
    again = read_coco(tmp_path / "coco.json")
    assert sorted(again.classes) == ["dent", "scratch"]
    assert [len(i.boxes) for i in again.images] == [2, 2, 2]
    document["annotations"][0]["bbox"] = [190, 10, 40, 10]  # past the right edge
    (tmp_path / "coco.json").write_text(json.dumps(document))
    with pytest.raises(DatasetError, match="annotation 1 lies outside its image"):
        read_coco(tmp_path / "coco.json")


def test_a_failed_write_leaves_nothing(tmp_path):
    dataset = Dataset(("scratch",), tuple(images(tmp_path / "src")))  # "dent" is not a class
    with pytest.raises(DatasetError, match="class 'dent' is not in"):
        write_yolo(dataset, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["src"]


def test_registry_versions_and_refuses_a_changed_file(tmp_path):
    source = tmp_path / "model.onnx"
    source.write_bytes(b"first")
    models = tmp_path / "models"
    first = registry.register(
        models, source, name="pcb", kind="yolo-onnx", classes=["open"], metrics={"map50": 0.5}
    )
    source.write_bytes(b"second")
    second = registry.register(models, source, name="pcb", kind="yolo-onnx", classes=["open"])
    assert (first.version, second.version) == (1, 2)
    assert registry.find(models, "pcb") == second
    assert registry.find(models, "pcb", 1).metrics == {"map50": 0.5}
    assert registry.verified_path(models, first).read_bytes() == b"first"
    (models / first.file).write_bytes(b"tampered")
    with pytest.raises(registry.ModelError, match="refusing to load a file that is not the registered one"):
        registry.verified_path(models, first)
    (models / second.file).unlink()
    with pytest.raises(registry.ModelError, match="is missing"):
        registry.verified_path(models, second)
    with pytest.raises(registry.ModelError, match="no model other"):
        registry.find(models, "other")


def test_import_and_export_commands_round_trip_through_zip_and_coco(settings, tmp_path):
    import zipfile

    from django.core.management import CommandError, call_command

    settings.TRAINING_DATA_DIR = tmp_path / "datasets"
    dataset = Dataset(("scratch", "dent"), tuple(images(tmp_path / "src", 5)))
    write_yolo(dataset, tmp_path / "yolo")
    bundle = tmp_path / "labelled.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        for path in (tmp_path / "yolo").rglob("*"):
            archive.write(path, f"export/{path.relative_to(tmp_path / 'yolo')}")
    call_command("import_defects", str(bundle), "parts")
    imported = read_yolo(settings.TRAINING_DATA_DIR / "parts")
    assert len(imported.images) == 5 and imported.classes == ("scratch", "dent")
    call_command("export_defects", "parts", str(tmp_path / "coco"), "--format", "coco")
    again = read_coco(tmp_path / "coco" / "annotations.json")
    assert sum(len(i.boxes) for i in again.images) == 10

    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CommandError, match="not a readable zip archive"):
        call_command("import_defects", str(tmp_path / "broken.zip"), "broken")
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as archive:
        archive.writestr("../../escape.txt", "x")
    with pytest.raises(CommandError, match="would be written outside the dataset"):
        call_command("import_defects", str(tmp_path / "evil.zip"), "evil")
    assert not (tmp_path / "escape.txt").exists()
    assert sorted(p.name for p in settings.TRAINING_DATA_DIR.iterdir()) == ["parts"]
