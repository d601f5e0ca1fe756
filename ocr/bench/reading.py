"""``bench reading --dataset DIR``: the reading pipeline on real photos, beside the raw engines a
user would otherwise run by hand (zxing-cpp, RapidOCR, Tesseract as they come), same images,
same run.

DIR is one dataset folder (images + labels.jsonl) or a folder of them. Each labels row is
scored on the keys it carries, whatever the folder is called:
- ``codes``: every labelled code read exactly; on ``[]`` rows, no code reported;
- ``text``: character accuracy of the transcription (1 − edit distance / length);
- ``fields``: each labelled field exact; a reported field the row does not list is invented;
- ``pattern`` with ``text``: the code matching the pattern found in the photo exactly.
Rows whose codes are GS1 are also scored on the fields the pipeline derives from them."""

import json
import multiprocessing
import os
import re
import resource
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from pathlib import Path

import numpy as np
import zxingcpp
from django.core.management.base import CommandError
from PIL import Image

from ocr.bench.fixed import run_fixed_camera
from ocr.bench.peers import raw_rapidocr, raw_tesseract
from ocr.pipeline import ReadConfig, decode_image, inspect_image, read_image
from ocr.pipeline.checks import accepted as field_accepted
from ocr.pipeline.codes import GS1_IDENTIFIERS, parse_gs1
from ocr.pipeline.fields import FIELD_NAMES, from_codes
from ocr.pipeline.intake import READ_SIDE
from ocr.pipeline.text import thread_options
from ocr.pipeline.types import CodeRead


def add_arguments(parser):
    parser.add_argument("--dataset", required=True, help="a dataset folder or a folder of them")
    parser.add_argument("--limit", type=int, default=0, help="at most this many rows per dataset")
    parser.add_argument("--no-peers", action="store_true", help="skip the raw engines")
    parser.add_argument(
        "--workers", type=int, default=2, help="worker processes for the throughput figure (0: skip it)"
    )
    parser.add_argument(
        "--fixed-camera", type=int, default=40, help="fixed-camera frames the bench renders (0: skip)"
    )
    parser.add_argument("--engine", default="rapidocr", help="text engine: rapidocr, tesseract, easyocr")
    parser.add_argument("--models", default="", help="MODELS_DIR for engines with weight files (easyocr)")


def bench_config(options, *, read_text: bool, pattern: str = "", threads: int = 0) -> ReadConfig:
    """The reading the bench measures: a labelled format stands for the product template that
    would carry it; ``threads``: ONNX Runtime threads per process (0: all cores)."""
    engine = options.get("engine", "rapidocr")
    return ReadConfig(
        engine=engine,
        model_dir=options.get("models", ""),
        engine_options=thread_options(threads) if engine == "rapidocr" else (),
        read_text=read_text,
        patterns=(("serial", pattern),) if pattern else (),
    )


def find_datasets(root: Path) -> list[Path]:
    if (root / "labels.jsonl").is_file():
        return [root]
    found = sorted(p.parent for p in root.glob("*/labels.jsonl"))
    if not found:
        raise CommandError(f"no labels.jsonl in {root} or its subfolders")
    return found


def readable(rows: list[dict]) -> bool:
    return any(("codes" in r or "text" in r or "fields" in r) for r in rows)


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def normalise_text(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class Tally:
    def __init__(self):
        self.n = {}

    def add(self, key, value=1):
        self.n[key] = self.n.get(key, 0) + value

    def __getitem__(self, key):
        return self.n.get(key, 0)


def _ms(start) -> float:
    return (time.perf_counter() - start) * 1000


def raw_zxing(image) -> list[str]:
    return [b.text for b in zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)]


def _pattern_hit(text: str, pattern: str, want: str) -> bool:
    compact = re.sub(r"\s+", "", text.upper())
    return want.upper() in {m.group().upper() for m in re.finditer(pattern, compact, re.IGNORECASE)}


def read_photo(data: bytes, config: ReadConfig):
    """As the reading worker does it: a large JPEG decoded reduced, the full photo only if a
    code region needs it."""
    image = decode_image(data, max_pixels=200_000_000, reduce_to=READ_SIDE)
    info = inspect_image(data, max_pixels=200_000_000)
    reduced = max(image.shape[:2]) < max(info.width, info.height)
    full = cache(lambda: decode_image(data, max_pixels=200_000_000)) if reduced else None
    return image, read_image(image, config, full_resolution=full)


def run_dataset(folder: Path, options, out) -> dict:
    rows = [json.loads(line) for line in (folder / "labels.jsonl").read_text().splitlines() if line.strip()]
    if options["limit"]:
        rows = rows[: options["limit"]]
    if not readable(rows):
        out.write(f"{folder.name}: labels carry no codes, text or fields; not a reading dataset, skipped")
        return {}
    ours, peers = Tally(), Tally()
    times = {"pipeline": [], "zxing": [], "rapidocr": [], "tesseract": []}
    text_rows = any("text" in r for r in rows)
    for row in rows:
        config = bench_config(options, read_text=text_rows, pattern=row.get("pattern", ""))
        path = folder / row["image"]
        data = path.read_bytes()
        start = time.perf_counter()
        image, result = read_photo(data, config)
        times["pipeline"].append(_ms(start))
        found_codes = sorted({c.text for c in result.codes})
        text = " ".join(line.text for line in result.lines)
        if "codes" in row:
            _score_codes(ours, found_codes, row["codes"])
            if not options["no_peers"]:
                start = time.perf_counter()
                peer_codes = sorted(
                    set(raw_zxing(np.asarray(Image.open(path).convert("RGB"))[:, :, ::-1].copy()))
                )
                times["zxing"].append(_ms(start))
                _score_codes(peers, peer_codes, row["codes"], prefix="zxing.")
            expected = expected_gs1_fields(row)
            if expected:
                _score_fields(ours, result, expected, prefix="gs1_fields.")
        if "text" in row:
            want = normalise_text(row["text"])
            if "pattern" in row:
                ours.add("pattern.rows")
                serial = next((f for f in result.fields if f.name == "serial"), None)
                ours.add("pattern.exact", serial is not None and serial.value == want)
                ours.add(
                    "pattern.repaired", serial is not None and serial.raw.replace(" ", "") != serial.value
                )
                ours.add("pattern.to_review", serial is None or not field_accepted(serial, result.checks))
            else:
                ours.add("text.chars", len(want))
                ours.add("text.errors", min(len(want), edit_distance(normalise_text(text), want)))
            if not options["no_peers"]:
                start = time.perf_counter()
                rapid = raw_rapidocr(decode_image(data, max_pixels=200_000_000))
                times["rapidocr"].append(_ms(start))
                start = time.perf_counter()
                tess = raw_tesseract(path)
                tess = normalise_text(tess) if tess is not None else None
                if tess is not None:
                    times["tesseract"].append(_ms(start))
                for name, peer_text in (("rapidocr", rapid), ("tesseract", tess)):
                    if peer_text is None:
                        continue
                    if "pattern" in row:
                        peers.add(f"{name}.pattern.exact", _pattern_hit(peer_text, row["pattern"], want))
                    else:
                        peers.add(
                            f"{name}.text.errors",
                            min(len(want), edit_distance(normalise_text(peer_text), want)),
                        )
        if "fields" in row:
            _score_fields(ours, result, row["fields"], prefix="fields.")
    figures = _figures(folder.name, ours, peers, times, len(rows))
    if options.get("workers"):
        figures.update(throughput(folder, rows, options, text_rows))
    return figures


def _worker_read(job) -> tuple[float, int]:
    """One image read in a worker process, with one ONNX Runtime thread as reading workers
    that share the cores run: (milliseconds, the process's peak RSS in MB)."""
    path, options, read_text, pattern = job
    start = time.perf_counter()
    read_photo(
        Path(path).read_bytes(), bench_config(options, read_text=read_text, pattern=pattern, threads=1)
    )
    return _ms(start), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _worker_warm(job) -> int:
    """Load the engine once per worker before the clock starts, as a running worker has it."""
    options, read_text = job
    if read_text:
        read_image(np.full((64, 256, 3), 255, np.uint8), bench_config(options, read_text=True, threads=1))
    return os.getpid()


MIN_JOBS = 20  # a small dataset is read several times over, so the rate is not one image's


def throughput(folder: Path, rows: list[dict], options: dict, read_text: bool) -> dict:
    """Images per second with ``workers`` reading processes (each on its own core), and the
    largest resident memory any worker reached."""
    workers = options["workers"]
    plain = {"engine": options.get("engine", "rapidocr"), "models": options.get("models", "")}
    jobs = [(str(folder / row["image"]), plain, read_text, row.get("pattern", "")) for row in rows]
    jobs *= -(-MIN_JOBS // len(jobs))
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_worker_warm, [(plain, read_text)] * workers * 2))
        start = time.perf_counter()
        results = list(pool.map(_worker_read, jobs))
        seconds = time.perf_counter() - start
    name = folder.name
    return {
        f"{name}.images_per_s_{workers}_workers": round(len(jobs) / seconds, 2),
        f"{name}.worker_peak_rss_mb": max(rss for _, rss in results),
    }


def expected_gs1_fields(row: dict) -> dict:
    """The fields a row's labelled codes carry, where the labels say the codes are GS1."""
    if row.get("contentType") != "GS1" and row.get("symbologyIdentifier") not in GS1_IDENTIFIERS:
        return {}
    codes = tuple(CodeRead("", text, (), "", parse_gs1(text)) for text in row["codes"])
    return {field.name: field.value for field in from_codes(codes)}


def _score_codes(tally, found, wanted, prefix=""):
    if wanted:
        tally.add(prefix + "codes.rows")
        tally.add(prefix + "codes.all_found", set(wanted) <= set(found))
        tally.add(prefix + "codes.exact", set(wanted) == set(found))
    else:
        tally.add(prefix + "codes.empty_rows")
        tally.add(prefix + "codes.false_positive_rows", bool(found))


def _score_fields(tally, result, expected: dict, prefix):
    """A field counts as accepted when the pipeline's own checks pass it (what a user would see
    accepted without review)."""
    got = {f.name: f for f in result.fields if f.name in FIELD_NAMES}
    for name, value in expected.items():
        tally.add(prefix + "labelled")
        tally.add(prefix + "exact", name in got and got[name].value == value)
    tally.add(prefix + "invented", len(set(got) - set(expected)))
    for name, field in got.items():
        accepted = field_accepted(field, result.checks)
        tally.add(prefix + "reported")
        tally.add(prefix + "accepted", accepted)
        tally.add(prefix + "accepted_right", accepted and expected.get(name) == field.value)


def _pct(a, b):
    return round(100 * a / b, 2) if b else None


def _figures(name, ours, peers, times, n) -> dict:
    figures = {f"{name}.images": n}
    peer_figures = {}
    if ours["codes.rows"] or ours["codes.empty_rows"]:
        figures[f"{name}.codes.exact_rows"] = f"{ours['codes.exact']}/{ours['codes.rows']}"
        figures[f"{name}.codes.all_found_rows"] = f"{ours['codes.all_found']}/{ours['codes.rows']}"
        figures[f"{name}.codes.false_positive_rows"] = (
            f"{ours['codes.false_positive_rows']}/{ours['codes.empty_rows']}"
        )
        if peers["zxing.codes.rows"] or peers["zxing.codes.empty_rows"]:
            peer_figures[f"zxing.{name}.codes.exact_rows"] = (
                f"{peers['zxing.codes.exact']}/{peers['zxing.codes.rows']}"
            )
            peer_figures[f"zxing.{name}.codes.false_positive_rows"] = (
                f"{peers['zxing.codes.false_positive_rows']}/{peers['zxing.codes.empty_rows']}"
            )
    if ours["text.chars"]:
        figures[f"{name}.char_accuracy"] = round(1 - ours["text.errors"] / ours["text.chars"], 4)
        for peer in ("rapidocr", "tesseract"):
            if times[peer]:
                peer_figures[f"{peer}.{name}.char_accuracy"] = round(
                    1 - peers[f"{peer}.text.errors"] / ours["text.chars"], 4
                )
    if ours["pattern.rows"]:
        figures[f"{name}.pattern_exact"] = f"{ours['pattern.exact']}/{ours['pattern.rows']}"
        figures[f"{name}.pattern_sent_to_review"] = ours["pattern.to_review"]
        for peer in ("rapidocr", "tesseract"):
            if times[peer]:
                peer_figures[f"{peer}.{name}.pattern_exact"] = (
                    f"{peers[f'{peer}.pattern.exact']}/{ours['pattern.rows']}"
                )
    for prefix in ("fields.", "gs1_fields."):
        if ours[prefix + "labelled"]:
            key = f"{name}.{prefix}"
            figures[key + "exact_pct"] = _pct(ours[prefix + "exact"], ours[prefix + "labelled"])
            figures[key + "invented"] = ours[prefix + "invented"]
            figures[key + "auto_accept_precision_pct"] = _pct(
                ours[prefix + "accepted_right"], ours[prefix + "accepted"]
            )
            figures[key + "review_share_pct"] = _pct(
                ours[prefix + "reported"] - ours[prefix + "accepted"], ours[prefix + "reported"]
            )
    for who, values in times.items():
        if values:
            target = figures if who == "pipeline" else peer_figures
            label = f"{name}.ms" if who == "pipeline" else f"{who}.{name}.ms"
            target[label + "_p50"] = round(statistics.median(values), 1)
            target[label + "_p95"] = round(sorted(values)[int(0.95 * (len(values) - 1))], 1)
    figures["_peers"] = peer_figures
    return figures


def run(options, out) -> dict:
    figures, peers = {}, {}
    for folder in find_datasets(Path(options["dataset"])):
        out.write(f"reading {folder.name} …")
        result = run_dataset(folder, options, out)
        peers.update(result.pop("_peers", {}))
        figures.update(result)
    if options.get("fixed_camera"):
        out.write(f"reading {options['fixed_camera']} rendered fixed-camera frames …")
        figures.update(run_fixed_camera(options["fixed_camera"]))
    figures["engine"] = options.get("engine", "rapidocr")
    figures["peers"] = peers
    return figures
