"""``bench defects --dataset DIR``: the defect detectors on real images.

DIR is one dataset folder (images + labels.jsonl) or a folder of them, recognised by label keys:
- rows with ``template`` and ``boxes`` ([x1, y1, x2, y2, type]; type 1..6 in the PCB vocabulary
  open, short, mousebite, spur, spurious copper, pin-hole, or a class name): the golden-template
  method, precision/recall/F1 at IoU > 0.33 with and without the class, templates as OK images;
  and, with ``--yolo-epochs N``, a YOLO detector trained on a split of them (the rest held out
  for mAP@0.5), its ONNX latency on 2 CPU threads, its size and training time;
- rows with ``label`` ok/defect: the OK-only surface model trained on part of the OK images,
  image AUROC on the other OK images and the defects.

Peers in the same run: the textbook comparison (absolute difference, a fixed threshold, contours)
for the golden template, and a per-pixel z-score of the image against the good images' grey
levels for the surface model."""

import json
import random
import statistics
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from inspection.vision.anomaly import SurfaceModel
from inspection.vision.golden import KINDS, GoldenConfig, compare
from ocr.bench.reading import find_datasets

MATCH_IOU = 0.33


def add_arguments(parser):
    parser.add_argument("--dataset", required=True, help="a dataset folder, or a folder of them")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--yolo-epochs", type=int, default=0, help="train a YOLO detector for this many epochs (0: skip)"
    )
    parser.add_argument("--yolo-size", type=int, default=640)
    parser.add_argument("--device", default="cpu", help="training device: cpu, or a CUDA index such as 0")
    parser.add_argument(
        "--ok-train", type=float, default=0.5, help="share of OK images the surface model learns from"
    )


def _rows(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "labels.jsonl").read_text().splitlines() if line.strip()]


def _kind(value) -> str:
    return KINDS[int(value) - 1] if isinstance(value, int) or str(value).isdigit() else str(value)


def iou(a, b) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def matched(found, truth, *, same_class: bool) -> int:
    """True positives: each found box (most confident first) takes the best unused truth box
    above the IoU rule."""
    used, hits = set(), 0
    for box in sorted(found, key=lambda f: -f[5]):
        best, best_iou = None, MATCH_IOU
        for index, want in enumerate(truth):
            if index in used or (same_class and box[4] != want[4]):
                continue
            overlap = iou(box, want)
            if overlap > best_iou:
                best, best_iou = index, overlap
        if best is not None:
            used.add(best)
            hits += 1
    return hits


def _prf(hits, found, truth) -> tuple[float, float, float]:
    p = hits / found if found else 0.0
    r = hits / truth if truth else 0.0
    return round(p, 4), round(r, 4), round(2 * p * r / (p + r), 4) if p + r else 0.0


def _scores(prefix: str, tallies: dict, found: int, truth: int) -> dict:
    figures = {}
    for rule, hits in tallies.items():
        p, r, f1 = _prf(hits, found, truth)
        figures.update(
            {f"{prefix}.{rule}_precision": p, f"{prefix}.{rule}_recall": r, f"{prefix}.{rule}_f1": f1}
        )
    return figures


def _p50(values) -> float:
    return round(statistics.median(values), 1) if values else 0.0


def absdiff_peer(image, template) -> list[tuple]:
    """What the OpenCV tutorials do: difference, a fixed threshold (50 grey levels), one box per
    external contour."""
    difference = cv2.absdiff(image, template)
    _, mask = cv2.threshold(difference, 50, 255, cv2.THRESH_BINARY)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    boxes = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        boxes.append((x, y, x + w, y + h, "", float(cv2.contourArea(contour))))
    return boxes


def bench_golden(rows: list[tuple[Path, dict]], out) -> tuple[dict, dict]:
    truth_count = found_count = peer_found = flagged = peer_flagged = 0
    tally = {"agnostic": 0, "class": 0}
    peer_tally = {"agnostic": 0}
    times, peer_times = [], []
    for folder, row in rows:
        image = cv2.imread(str(folder / row["image"]), cv2.IMREAD_GRAYSCALE)
        template = cv2.imread(str(folder / row["template"]), cv2.IMREAD_GRAYSCALE)
        truth = [(*b[:4], _kind(b[4])) for b in row["boxes"]]
        started = time.perf_counter()
        result = compare(image, template, GoldenConfig())
        times.append((time.perf_counter() - started) * 1000)
        found = [(*d.box, d.kind, d.score) for d in result.defects]
        tally["agnostic"] += matched(found, truth, same_class=False)
        tally["class"] += matched(found, truth, same_class=True)
        truth_count += len(truth)
        found_count += len(found)
        flagged += not compare(template, template, GoldenConfig()).ok
        started = time.perf_counter()
        peer = absdiff_peer(image, template)
        peer_times.append((time.perf_counter() - started) * 1000)
        peer_tally["agnostic"] += matched(peer, truth, same_class=False)
        peer_found += len(peer)
        peer_flagged += bool(absdiff_peer(template, template))
    out.write(f"golden template: {len(rows)} images, {truth_count} defects")
    figures = {"golden.images": len(rows), "golden.defects": truth_count}
    figures.update(_scores("golden", tally, found_count, truth_count))
    figures["golden.templates_flagged"] = flagged
    figures["golden.pass_fail_accuracy"] = round(
        (len(rows) - flagged + sum(1 for _, r in rows if r["boxes"])) / (2 * len(rows)), 4
    )
    figures["golden.ms_p50"] = _p50(times)
    peers = _scores("absdiff", peer_tally, peer_found, truth_count)
    peers["absdiff.templates_flagged"] = peer_flagged
    peers["absdiff.ms_p50"] = _p50(peer_times)
    return figures, peers


def auroc(good: list[float], bad: list[float]) -> float:
    """Probability that a defect scores above a good image (ties count half)."""
    if not good or not bad:
        return 0.0
    wins = sum((b > g) + 0.5 * (b == g) for b in bad for g in good)
    return round(wins / (len(good) * len(bad)), 4)


def bench_surface(rows: list[tuple[Path, dict]], options, out) -> tuple[dict, dict]:
    rng = random.Random(options["seed"])
    good = [(f, r) for f, r in rows if r["label"] == "ok"]
    bad = [(f, r) for f, r in rows if r["label"] != "ok"]
    rng.shuffle(good)
    cut = max(3, int(len(good) * options["ok_train"]))
    learn, held = good[:cut], good[cut:]
    load = lambda item: cv2.imread(str(item[0] / item[1]["image"]), cv2.IMREAD_GRAYSCALE)  # noqa: E731
    out.write(
        f"surface model: learns from {len(learn)} OK images; scores {len(held)} OK and {len(bad)} defects"
    )
    started = time.perf_counter()
    model = SurfaceModel.fit([load(item) for item in learn], seed=options["seed"])
    fit_s = time.perf_counter() - started
    times, scores = [], {}
    for item in held + bad:
        image = load(item)
        started = time.perf_counter()
        scores[id(item)] = model.score(image)
        times.append((time.perf_counter() - started) * 1000)
    good_scores = [scores[id(i)].score for i in held]
    bad_scores = [scores[id(i)].score for i in bad]
    figures = {
        "surface.ok_train": len(learn),
        "surface.ok_test": len(held),
        "surface.defects": len(bad),
        "surface.auroc": auroc(good_scores, bad_scores),
        "surface.ok_flagged": int(sum(scores[id(i)].anomalous for i in held)),
        "surface.defects_flagged": int(sum(scores[id(i)].anomalous for i in bad)),
        "surface.fit_s": round(fit_s, 1),
        "surface.ms_p50": _p50(times),
    }
    for name in sorted({r.get("class", "defect") for _, r in bad}):
        own = [scores[id(i)].score for i in bad if i[1].get("class", "defect") == name]
        figures[f"surface.auroc.{name}"] = auroc(good_scores, own)
    peer = _pixel_zscore_peer([load(i) for i in learn])
    peers = {"pixel_zscore.auroc": auroc([peer(load(i)) for i in held], [peer(load(i)) for i in bad])}
    return figures, peers


def _pixel_zscore_peer(images):
    """Grey levels of the good images; an image's score is its most extreme pixel (lightly
    blurred) in those units."""
    values = np.concatenate([image.ravel() for image in images]).astype(np.float32)
    mean, std = float(values.mean()), float(values.std()) + 1e-6
    return lambda image: float(
        np.abs(cv2.GaussianBlur(image, (5, 5), 0).astype(np.float32) - mean).max() / std
    )


def bench_yolo(rows: list[tuple[Path, dict]], options, out) -> tuple[dict, dict]:
    from inspection.vision.datasets import Box, Dataset, LabelledImage, write_yolo
    from inspection.vision.yolo import OnnxDetector, train

    rng = random.Random(options["seed"])
    items = list(rows)
    rng.shuffle(items)
    cut = int(len(items) * 0.7)
    labelled = []
    for folder, row in items:
        path = folder / row["image"]
        height, width = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE).shape
        boxes = tuple(Box(*map(float, b[:4]), _kind(b[4])) for b in row["boxes"])
        labelled.append(LabelledImage(path, width, height, boxes))
    present = {b.label for i in labelled for b in i.boxes}
    classes = tuple(k for k in KINDS if k in present) + tuple(sorted(present - set(KINDS)))
    dataset = Dataset(classes, tuple(labelled))
    with tempfile.TemporaryDirectory(prefix="tracelens-yolo-") as work:
        # Training validates on its own split; the held-out split is only seen at the end.
        root = write_yolo(
            dataset, Path(work) / "data", splits={"train": labelled[:cut], "eval": labelled[cut:]}
        )
        evaluate = root / "eval.yaml"
        evaluate.write_text((root / "data.yaml").read_text().replace("val: images/train", "val: images/eval"))
        out.write(f"YOLO: {options['yolo_epochs']} epochs on {cut} images, evaluated on {len(items) - cut}")
        result = train(
            root / "data.yaml",
            Path(work) / "runs",
            epochs=options["yolo_epochs"],
            input_size=options["yolo_size"],
            device=options["device"],
            seed=options["seed"],
            evaluate=evaluate,
        )
        detector = OnnxDetector(result.onnx, classes, input_size=options["yolo_size"], threads=2)
        held = labelled[cut:]
        detector.detect(cv2.imread(str(held[0].path)))  # warm-up
        times, found_count, hits = [], 0, 0
        for image in held:
            pixels = cv2.imread(str(image.path))
            started = time.perf_counter()
            found = detector.detect(pixels)
            times.append((time.perf_counter() - started) * 1000)
            truth = [(b.x1, b.y1, b.x2, b.y2, b.label) for b in image.boxes]
            found = [(*d.box, d.label, d.score) for d in found]
            hits += matched(found, truth, same_class=True)
            found_count += len(found)
        truth_count = sum(len(i.boxes) for i in held)
        p, r, f1 = _prf(hits, found_count, truth_count)
        figures = {
            "yolo.train_images": cut,
            "yolo.eval_images": len(held),
            "yolo.epochs": result.epochs,
            "yolo.map50": result.metrics["map50"],
            "yolo.map50_95": result.metrics["map50_95"],
            "yolo.class_precision": p,
            "yolo.class_recall": r,
            "yolo.class_f1": f1,
            "yolo.train_s": round(result.seconds, 1),
            "yolo.onnx_mb": round(result.onnx.stat().st_size / 1e6, 2),
            "yolo.onnx_ms_p50": _p50(times),
        }
    return figures, {}


def run(options, out) -> dict:
    golden, surface = [], []
    for folder in find_datasets(Path(options["dataset"])):
        for row in _rows(folder):
            if "template" in row and "boxes" in row:
                golden.append((folder, row))
            elif row.get("label") in ("ok", "defect"):
                surface.append((folder, row))
    figures, peers = {}, {}
    if golden:
        f, p = bench_golden(golden, out)
        figures.update(f)
        peers.update(p)
        if options["yolo_epochs"]:
            f, p = bench_yolo(golden, options, out)
            figures.update(f)
    if surface:
        f, p = bench_surface(surface, options, out)
        figures.update(f)
        peers.update(p)
    if not figures:
        out.write("no rows with template+boxes or ok/defect labels")
    figures["peers"] = peers
    return figures
