"""The model folder's manifest (``models/manifest.json``): which model files TraceLens may load,
with their hash, classes, training data hash and metrics. Registering copies the file in under a
name of its own and rewrites the manifest atomically; loading refuses a file whose hash differs
from its entry, and names what is missing. Nothing is ever downloaded."""

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

MANIFEST = "manifest.json"


class ModelError(ValueError):
    """A model is missing, unregistered, or not the file its manifest describes."""


@dataclass(frozen=True)
class ModelEntry:
    name: str
    version: int
    file: str  # relative to the models folder
    sha256: str
    kind: str  # "yolo-onnx", "surface-npz"
    classes: tuple[str, ...] = ()
    training_data_sha256: str = ""
    metrics: dict = field(default_factory=dict)
    input_size: int = 0  # square input side for detectors


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read(models_dir: Path) -> list[dict]:
    path = models_dir / MANIFEST
    if not path.exists():
        return []
    try:
        return list(json.loads(path.read_text())["models"])
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ModelError(f"{path}: not a model manifest ({exc})") from exc


def _write(models_dir: Path, entries: list[dict]) -> None:
    handle, temporary = tempfile.mkstemp(dir=models_dir, prefix=".manifest-")
    with os.fdopen(handle, "w") as out:
        json.dump({"models": entries}, out, indent=2, sort_keys=True)
        out.write("\n")
    os.replace(temporary, models_dir / MANIFEST)


def entries(models_dir: Path | str) -> list[ModelEntry]:
    return [_entry(raw) for raw in _read(Path(models_dir))]


def _entry(raw: dict) -> ModelEntry:
    return ModelEntry(**{**raw, "classes": tuple(raw.get("classes", ()))})


def register(
    models_dir: Path | str,
    source: Path | str,
    *,
    name: str,
    kind: str,
    classes=(),
    training_data_sha256: str = "",
    metrics: dict | None = None,
    input_size: int = 0,
) -> ModelEntry:
    """Copy ``source`` into the models folder as the next version of ``name`` and add its entry."""
    models_dir, source = Path(models_dir), Path(source)
    if not source.is_file():
        raise ModelError(f"{source}: no such model file")
    models_dir.mkdir(parents=True, exist_ok=True)
    known = _read(models_dir)
    version = 1 + max((raw["version"] for raw in known if raw["name"] == name), default=0)
    file = f"{name}-v{version}{source.suffix}"
    handle, temporary = tempfile.mkstemp(dir=models_dir, prefix=f".{file}-")
    os.close(handle)
    try:
        shutil.copyfile(source, temporary)
        entry = ModelEntry(
            name=name,
            version=version,
            file=file,
            sha256=file_sha256(Path(temporary)),
            kind=kind,
            classes=tuple(classes),
            training_data_sha256=training_data_sha256,
            metrics=dict(metrics or {}),
            input_size=input_size,
        )
        os.replace(temporary, models_dir / file)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _write(models_dir, [*known, {**asdict(entry), "classes": list(entry.classes)}])
    return entry


def find(models_dir: Path | str, name: str, version: int | None = None) -> ModelEntry:
    """The entry for ``name`` (its newest version unless one is named)."""
    matches = [e for e in entries(models_dir) if e.name == name and (version is None or e.version == version)]
    if not matches:
        wanted = f"{name} v{version}" if version else name
        raise ModelError(f"no model {wanted} in {Path(models_dir) / MANIFEST}: train or register it first")
    return max(matches, key=lambda e: e.version)


def verified_path(models_dir: Path | str, entry: ModelEntry) -> Path:
    """The entry's file, after checking it is there and is the file the manifest describes."""
    path = Path(models_dir) / entry.file
    if not path.is_file():
        raise ModelError(f"model {entry.name} v{entry.version}: {path} is missing; copy it into {models_dir}")
    actual = file_sha256(path)
    if actual != entry.sha256:
        raise ModelError(
            f"model {entry.name} v{entry.version}: {path.name} has SHA-256 {actual[:12]}…, the manifest "
            f"says {entry.sha256[:12]}…; refusing to load a file that is not the registered one"
        )
    return path
