"""Labelled defect images in and out: YOLO folders (``data.yaml`` or ``classes.txt``, as Label
Studio exports them), COCO JSON, and the TraceLens form (images with pixel boxes and class
names). Everything is checked before anything is written: a label with coordinates outside the
image, an unknown class or a missing image is a clear error naming the file and line.

Plain Python (no ORM): the app's labelling pages and the benchmark both go through here."""

import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import cv2

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


class DatasetError(ValueError):
    """The dataset is malformed; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Box:
    x1: float
    y1: float
    x2: float
    y2: float
    label: str


@dataclass(frozen=True)
class LabelledImage:
    path: Path
    width: int
    height: int
    boxes: tuple[Box, ...] = ()


@dataclass(frozen=True)
class Dataset:
    classes: tuple[str, ...]
    images: tuple[LabelledImage, ...] = field(default=())

    def content_hash(self) -> str:
        """SHA-256 over every image's bytes and its boxes, in a fixed order: the training data
        hash a model's manifest records."""
        digest = hashlib.sha256(json.dumps(self.classes).encode())
        for image in sorted(self.images, key=lambda i: i.path.name):
            digest.update(hashlib.sha256(image.path.read_bytes()).digest())
            digest.update(json.dumps([[b.x1, b.y1, b.x2, b.y2, b.label] for b in image.boxes]).encode())
        return digest.hexdigest()


def _size(path: Path) -> tuple[int, int]:
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise DatasetError(f"{path.name}: not an image OpenCV can read")
    return image.shape[1], image.shape[0]


def _classes_of(root: Path) -> list[str]:
    for name in ("data.yaml", "dataset.yaml"):
        if (root / name).exists():
            return _yaml_names(root / name)
    if (root / "classes.txt").exists():
        return [line.strip() for line in (root / "classes.txt").read_text().splitlines() if line.strip()]
    raise DatasetError(f"{root}: no data.yaml or classes.txt naming the classes")


def _yaml_names(path: Path) -> list[str]:
    import yaml  # PyYAML comes with Celery's and DRF's schema tooling

    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise DatasetError(f"{path.name}: not valid YAML ({exc})") from exc
    names = data.get("names")
    if isinstance(names, dict):
        return [names[key] for key in sorted(names)]
    if isinstance(names, list) and names:
        return [str(name) for name in names]
    raise DatasetError(f"{path.name}: no 'names' list")


def read_yolo(root: Path | str) -> Dataset:
    """A YOLO folder: ``images/`` and ``labels/`` side by side (any sub-folders, such as
    ``train``/``val``), each image's ``.txt`` holding ``class cx cy w h`` normalised to 0..1."""
    root = Path(root)
    classes = _classes_of(root)
    image_root = root / "images"
    if not image_root.is_dir():
        raise DatasetError(f"{root}: no images/ folder")
    images = []
    for path in sorted(p for p in image_root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES):
        width, height = _size(path)
        label_path = root / "labels" / path.relative_to(image_root).with_suffix(".txt")
        boxes = []
        if label_path.exists():
            for number, line in enumerate(label_path.read_text().splitlines(), 1):
                if not line.strip():
                    continue
                where = f"{label_path.relative_to(root)} line {number}"
                parts = line.split()
                if len(parts) != 5:
                    raise DatasetError(f"{where}: expected 'class cx cy w h', got {line!r}")
                try:
                    index, cx, cy, w, h = int(parts[0]), *map(float, parts[1:])
                except ValueError as exc:
                    raise DatasetError(f"{where}: not numbers: {line!r}") from exc
                if not 0 <= index < len(classes):
                    raise DatasetError(f"{where}: class {index}, the dataset has {len(classes)}")
                x1, y1, x2, y2 = cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2
                if w <= 0 or h <= 0 or min(x1, y1) < -1e-6 or max(x2, y2) > 1 + 1e-6:
                    raise DatasetError(f"{where}: box outside the image (coordinates are 0..1): {line!r}")
                boxes.append(Box(x1 * width, y1 * height, x2 * width, y2 * height, classes[index]))
        images.append(LabelledImage(path, width, height, tuple(boxes)))
    if not images:
        raise DatasetError(f"{image_root}: no images")
    return Dataset(tuple(classes), tuple(images))


def read_coco(annotations: Path | str, image_dir: Path | str | None = None) -> Dataset:
    """A COCO detection file; images are looked up beside it (or in ``image_dir``)."""
    annotations = Path(annotations)
    image_dir = Path(image_dir) if image_dir else annotations.parent
    try:
        data = json.loads(annotations.read_text())
        categories = {c["id"]: c["name"] for c in data["categories"]}
        entries = {i["id"]: i for i in data["images"]}
        notes = data.get("annotations", [])
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise DatasetError(f"{annotations.name}: not a COCO detection file ({exc})") from exc
    boxes: dict[int, list[Box]] = {key: [] for key in entries}
    for note in notes:
        image = entries.get(note.get("image_id"))
        if image is None or note.get("category_id") not in categories:
            raise DatasetError(
                f"{annotations.name}: annotation {note.get('id')} names an unknown image or category"
            )
        x, y, w, h = note["bbox"]
        if (
            w <= 0
            or h <= 0
            or x < 0
            or y < 0
            or x + w > image["width"] + 0.5
            or y + h > image["height"] + 0.5
        ):
            raise DatasetError(f"{annotations.name}: annotation {note.get('id')} lies outside its image")
        boxes[image["id"]].append(Box(x, y, x + w, y + h, categories[note["category_id"]]))
    images = []
    for key, entry in entries.items():
        path = image_dir / entry["file_name"]
        if not path.exists() and (image_dir / "images" / entry["file_name"]).exists():
            path = image_dir / "images" / entry["file_name"]
        if not path.exists():
            raise DatasetError(f"{annotations.name}: image {entry['file_name']} is not in {image_dir}")
        images.append(LabelledImage(path, int(entry["width"]), int(entry["height"]), tuple(boxes[key])))
    return Dataset(tuple(categories[key] for key in sorted(categories)), tuple(images))


def unpack(archive: Path | str, target: Path | str) -> Path:
    """Extract a dataset archive (.zip) into ``target``, refusing members that would land
    outside it, links, and archives that are not whole; the folder holding ``images/`` (or a
    ``.json``) is returned."""
    import zipfile

    archive, target = Path(archive), Path(target).resolve()
    try:
        with zipfile.ZipFile(archive) as bundle:
            broken = bundle.testzip()
            if broken:
                raise DatasetError(f"{archive.name}: {broken} is damaged")
            for member in bundle.infolist():
                destination = (target / member.filename).resolve()
                if (
                    not destination.is_relative_to(target)
                    or (member.external_attr >> 16) & 0o170000 == 0o120000
                ):
                    raise DatasetError(
                        f"{archive.name}: {member.filename} would be written outside the dataset"
                    )
            bundle.extractall(target)
    except (zipfile.BadZipFile, EOFError) as exc:
        raise DatasetError(f"{archive.name}: not a readable zip archive ({exc})") from exc
    for folder in [target, *sorted(p for p in target.rglob("*") if p.is_dir())]:
        if (folder / "images").is_dir() or any(folder.glob("*.json")):
            return folder
    raise DatasetError(f"{archive.name}: no images/ folder or COCO .json inside")


def _staged(target: Path):
    """A temporary folder beside ``target`` that replaces it whole once written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))


def _swap_in(staging: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)


def write_yolo(
    dataset: Dataset, target: Path | str, *, splits: dict[str, list[LabelledImage]] | None = None
) -> Path:
    """Write ``dataset`` as a YOLO folder with ``data.yaml`` (one split ``train`` unless
    ``splits`` names them; ``val`` falls back to ``train``). Written to a temporary folder and
    moved into place, so a failure leaves nothing half-written."""
    target = Path(target)
    splits = splits or {"train": list(dataset.images)}
    staging = _staged(target)
    try:
        for split, images in splits.items():
            (staging / "images" / split).mkdir(parents=True)
            (staging / "labels" / split).mkdir(parents=True)
            for image in images:
                shutil.copyfile(image.path, staging / "images" / split / image.path.name)
                lines = []
                for box in image.boxes:
                    if box.label not in dataset.classes:
                        raise DatasetError(
                            f"{image.path.name}: class {box.label!r} is not in {list(dataset.classes)}"
                        )
                    cx = (box.x1 + box.x2) / 2 / image.width
                    cy = (box.y1 + box.y2) / 2 / image.height
                    w, h = (box.x2 - box.x1) / image.width, (box.y2 - box.y1) / image.height
                    lines.append(f"{dataset.classes.index(box.label)} {cx:.6f} {cy:.6f} {w:.6f} {h:.6f}")
                (staging / "labels" / split / f"{image.path.stem}.txt").write_text(
                    "\n".join(lines) + "\n" if lines else ""
                )
        names = "\n".join(f"  {i}: {json.dumps(name)}" for i, name in enumerate(dataset.classes))
        val = "val" if "val" in splits else "train"
        (staging / "data.yaml").write_text(
            f"path: {target.resolve()}\ntrain: images/train\nval: images/{val}\nnames:\n{names}\n"
        )
        _swap_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def coco_json(dataset: Dataset) -> dict:
    """``dataset`` as a COCO detection document (file names relative to the image folder)."""
    categories = [{"id": i + 1, "name": name} for i, name in enumerate(dataset.classes)]
    images, notes = [], []
    for image_id, image in enumerate(dataset.images, 1):
        images.append(
            {"id": image_id, "file_name": image.path.name, "width": image.width, "height": image.height}
        )
        for box in image.boxes:
            w, h = box.x2 - box.x1, box.y2 - box.y1
            notes.append(
                {
                    "id": len(notes) + 1,
                    "image_id": image_id,
                    "category_id": dataset.classes.index(box.label) + 1,
                    "bbox": [round(box.x1, 2), round(box.y1, 2), round(w, 2), round(h, 2)],
                    "area": round(w * h, 2),
                    "iscrowd": 0,
                }
            )
    return {"images": images, "annotations": notes, "categories": categories}
