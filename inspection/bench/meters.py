"""``bench meters [--dataset DIR]``: the meter readers on real photos, and the maintenance
alerting on synthetic series.

DIR is one dataset folder (images + labels.jsonl) or a folder of them; a folder whose rows carry
a numeric ``value`` is a display set (``quality`` gives the tier, if any; ``kind``, a display kind,
sends the photo to that kind's reader as ``read_meter`` does, 7-segment where none is given). The
photos of every display set found are scored together. A photo counts as read when
round(reading) == value, half up. Figures per tier (per kind for dot-matrix and general digital
photos): exact share, the share the reader flagged as unsure (it goes to review), and the share
wrong and not flagged (a silent error); with the peers, each other kind's reader on the same
photos too: its exact share, and its silent errors (a display photographed as one of another
kind must give no number, or a flagged one). ``--misses FILE`` writes one JSON line per photo
not read exactly or flagged (its path, label, reading and reason), one per photo with no
display that gave a number (kind "no display"), and with ``--variants`` one per silent error of a
variant (``variant`` names it; ``as_is`` is what the photo as it is gave), so that each miss can be
looked at beside its photo: a reader's error, or a label's.

``--variants``: every photo sent to the 7-segment reader is read again taken worse, each way in
``VARIANTS`` (darker, a low-quality JPEG, sensor noise, turned half round, underexposed, shrunk
to a fixed camera's 640-px frame, tilted, seen from the side, out of focus and shaken), and
scored as above per way (``meters.variants.dark.silent_wrong``), with the silent errors that
are the variant's own: another number than the photo as it is gave (a label's error would count
in every variant). A harder photo may lose a reading to review; it must not give a wrong number
unflagged. Not timed, and without the peers.

``--decimals N``: every photo sent to the 7-segment reader is read as a display registered with
N fixed decimals and its point lit (``Display.decimals``, ``Display.point_shown``), as
``read_meter`` reads such a display's captures; without it, as an unregistered display.

A folder whose rows carry no ``value`` at all (codes, printed labels, surfaces) holds photos with
no display: each is read as a photo sent to a 7-segment display is, and must give no number, or
a flagged one (``meters.no_display``: the shares with no reading, flagged, and silent numbers).

Peers in the same run, on the same photos (``meter_peers``): RapidOCR and Tesseract as they
come, on the whole photo and on the digits' row our reader found (does a general engine do better
once the display is found?), EasyOCR the same way when ``--models DIR`` holds its weights, and
ssocr as it comes (``ssocr -d -1``) on the whole photo.

Alerting: series of in-control noise with a known drift injected at a known point; CUSUM
detection delay (points after the drift starts) and false alarms per 10,000 in-control points,
and the time-to-limit estimate at detection against the true crossing."""

import datetime as dt
import json
import math
import statistics
import time
from dataclasses import asdict
from pathlib import Path

import cv2
import numpy as np
from django.conf import settings
from django.core.management.base import CommandError

from inspection import series
from inspection.bench import meter_peers
from inspection.services.meters import reader_for
from inspection.vision.sevenseg import DisplayConfig, DisplayReading, read_display
from inspection.vision.text_display import number_in_text, read_text_display
from ocr.bench.reading import find_datasets
from ocr.pipeline import ReadConfig, decode_image, read_image
from ocr.pipeline.intake import READ_SIDE, ImageRejected
from ocr.pipeline.text import get_engine, thread_options


def add_arguments(parser):
    parser.add_argument("--dataset", help="a dataset folder, or a folder of them (omit: alerting only)")
    parser.add_argument("--limit", type=int, default=0, help="at most this many photos per folder (0: all)")
    parser.add_argument("--no-peers", action="store_true", help="skip the general engines and ssocr")
    parser.add_argument("--models", help="MODELS_DIR with EasyOCR's weights: it joins the peers")
    parser.add_argument("--series", type=int, default=20, help="synthetic drift series for the alerting")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--misses", help="write each photo not read exactly, or flagged, as a JSON line here")
    parser.add_argument("--variants", action="store_true", help="read each 7-segment photo again taken worse")
    parser.add_argument(
        "--decimals",
        type=int,
        help="read every photo sent to the 7-segment reader as a display registered with these fixed "
        "decimals, its point lit (omit: unregistered)",
    )


def run(options, out) -> dict:
    figures: dict = {"peers": {}}
    misses: list[dict] = []  # --misses: each photo not read exactly, or flagged
    if options.get("dataset"):
        photos, blanks = [], []
        for folder in find_datasets(Path(options["dataset"])):
            rows = _rows(folder)[: options.get("limit") or None]
            if rows and all(isinstance(r.get("value"), int | float) for r in rows):
                out.write(f"{folder.name}: {len(rows)} photos\n")
                photos += [(folder / row["image"], row) for row in rows]
            elif rows and not any("value" in r for r in rows):
                out.write(f"{folder.name}: {len(rows)} photos with no display\n")
                blanks += [folder / row["image"] for row in rows if "image" in row]
        config = DisplayConfig(decimals=options.get("decimals"))  # as display_config() makes it
        if photos:
            _displays(photos, options, config, figures, misses)
        if blanks:
            figures.update(_no_display(blanks, config, misses))
    if options.get("misses"):
        Path(options["misses"]).write_text("".join(json.dumps(m) + "\n" for m in misses))
    figures.update(_alerting(options.get("series", 20), options.get("seed", 0)))
    return figures


def _rows(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "labels.jsonl").read_text().splitlines() if line.strip()]


def half_up(value: float) -> int:
    return math.floor(value + 0.5)


def _hit(value: float | None, row: dict) -> bool:
    """A reading counts when it rounds, half up, to the label's value (rounded the same way)."""
    return value is not None and half_up(value) == half_up(row["value"])


UNSURE = DisplayConfig().min_confidence


def _displays(
    photos: list[tuple[Path, dict]], options, config: DisplayConfig, figures: dict, misses: list[dict]
) -> None:
    engines = {} if options.get("no_peers") else meter_peers.text_engines(options.get("models") or "")
    ours: dict[str, list] = {}
    words = get_engine("rapidocr", options=thread_options(1)).recognise  # as the workers load it
    words([np.full((32, 96, 3), 255, np.uint8)])  # its first call loads the model: not timed
    times: list[float] = []
    peer_hits: dict[str, dict[str, list]] = {}
    peer_times: dict[str, list[float]] = {}
    other_route: dict[str, dict[str, list]] = {}
    as_is: list[tuple[Path, dict, DisplayReading]] = []  # the 7-segment photos, for --variants
    for path, row in photos:
        kind = str(row.get("kind", ""))
        route = reader_for(kind) if kind else "sevenseg"  # as read_meter routes a display's photo
        group = str(row.get("quality", "all")) if route == "sevenseg" else kind
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise CommandError(f"{path}: no such image, or not one OpenCV can read")
        start = time.perf_counter()
        reading = _read(route, image, path, words, config)
        times.append((time.perf_counter() - start) * 1000)
        right, flagged = _hit(reading.value, row), _flagged(reading)
        ours.setdefault(group, []).append((right, flagged))
        if flagged or not right:
            misses.append(_miss(path, row, reading, right))
        if options.get("variants") and route == "sevenseg":
            as_is.append((path, row, reading))
        if not engines:
            continue
        box = reading.box  # the peers on the row: the row the 7-segment reader found
        for other in [r for r in ("sevenseg", "dots", "text") if r != route]:
            other_reading = _read(other, image, path, words, config)
            other_route.setdefault(group, {}).setdefault(other, []).append(
                (_hit(other_reading.value, row), _flagged(other_reading))
            )
            box = other_reading.box if other == "sevenseg" else box
        for peer, (value, ms) in meter_peers.measure(engines, image, path, box).items():
            peer_hits.setdefault(peer, {}).setdefault(group, []).append(_hit(value, row))
            if ms is not None:
                peer_times.setdefault(peer, []).append(ms)
    prefix = "meters"
    for tier, results in sorted(ours.items()):
        n = len(results)
        figures[f"{prefix}.{tier}.photos"] = n
        figures[f"{prefix}.{tier}.exact"] = round(sum(r for r, _ in results) / n, 3)
        figures[f"{prefix}.{tier}.flagged"] = round(sum(f for _, f in results) / n, 3)
        figures[f"{prefix}.{tier}.silent_wrong"] = round(sum((not r) and not f for r, f in results) / n, 3)
        figures[f"{prefix}.{tier}.exact_unflagged"] = round(
            sum(r for r, f in results if not f) / max(1, sum(not f for _, f in results)), 3
        )
    for group, routes in sorted(other_route.items()):
        for route, results in routes.items():
            n = len(results)
            figures[f"{prefix}.{group}.{route}_route_exact"] = round(sum(r for r, _ in results) / n, 3)
            # a display photographed for another kind: a wrong number not flagged would enter a series
            silent = sum((not r) and not f for r, f in results)
            figures[f"{prefix}.{group}.{route}_route_silent_wrong"] = round(silent / n, 3)
    figures[f"{prefix}.median_ms"] = round(statistics.median(times), 1)
    figures[f"{prefix}.p95_ms"] = round(sorted(times)[int(0.95 * (len(times) - 1))], 1)
    for peer, tiers in peer_hits.items():
        for tier, hits in sorted(tiers.items()):
            figures["peers"][f"{peer}.{tier}.exact"] = round(sum(hits) / len(hits), 3)
        if peer_times.get(peer):
            figures["peers"][f"{peer}.median_ms"] = round(statistics.median(peer_times[peer]), 1)
    if as_is:
        figures.update(_variants(as_is, words, config, options.get("seed", 0), misses))


# Each 7-segment photo taken worse (``--variants``): a dim room (35 % of the light), a phone's
# upload at JPEG quality 25, sensor noise (sigma 12 grey levels), the phone held upside down,
# underexposed mid-tones (gamma 2.2), a fixed camera's frame (``FRAME_PX`` on its long side, where
# the photo is larger), the phone held ``TILT_DEGREES`` off level, the display seen from one side
# (its far edge ``FAR_SIDE`` as tall as its near one), out of focus (a Gaussian blur of
# ``BLUR_SIGMA`` of the photo's long side) and a shaking hand (a level smear over ``SHAKE`` of it).
# Each takes the photo and a random generator.
FRAME_PX = 640
TILT_DEGREES = 8
FAR_SIDE = 0.8
BLUR_SIGMA = 0.0015
SHAKE = 0.007
VARIANTS = {
    "dark": lambda image, rng: (image * 0.35).astype(np.uint8),
    "jpeg": lambda image, rng: cv2.imdecode(
        cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 25])[1], cv2.IMREAD_COLOR
    ),
    "noise": lambda image, rng: np.clip(image + rng.normal(0, 12, image.shape), 0, 255).astype(np.uint8),
    "turned": lambda image, rng: cv2.rotate(image, cv2.ROTATE_180),
    "gamma": lambda image, rng: (255 * (image / 255.0) ** 2.2).astype(np.uint8),
    "frame": lambda image, rng: _long_side(image, FRAME_PX),
    "tilt": lambda image, rng: _tilted(image, TILT_DEGREES),
    "side": lambda image, rng: _from_the_side(image, FAR_SIDE),
    "blur": lambda image, rng: cv2.GaussianBlur(image, (0, 0), BLUR_SIGMA * max(image.shape[:2])),
    "shake": lambda image, rng: _smeared(image, SHAKE),
}


def _tilted(image: np.ndarray, degrees: float) -> np.ndarray:
    """``image`` turned ``degrees`` anticlockwise about its centre, its edges carried on."""
    h, w = image.shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(image, turn, (w, h), borderMode=cv2.BORDER_REPLICATE)


def _from_the_side(image: np.ndarray, far: float) -> np.ndarray:
    """``image`` as seen from its right: its left edge ``far`` as tall as its right one."""
    h, w = image.shape[:2]
    inset = (1 - far) / 2 * h
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    seen = np.float32([[0, inset], [w, 0], [w, h], [0, h - inset]])
    view = cv2.getPerspectiveTransform(corners, seen)
    return cv2.warpPerspective(image, view, (w, h), borderMode=cv2.BORDER_REPLICATE)


def _smeared(image: np.ndarray, share: float) -> np.ndarray:
    """``image`` smeared level over ``share`` of its long side, as a hand moving sideways does."""
    n = max(3, int(share * max(image.shape[:2])) | 1)
    kernel = np.zeros((n, n), np.float32)
    kernel[n // 2, :] = 1 / n
    return cv2.filter2D(image, -1, kernel)


def _long_side(image: np.ndarray, px: int) -> np.ndarray:
    """``image`` shrunk to ``px`` on its long side, as a camera that size would see it; a smaller
    one as it is."""
    scale = px / max(image.shape[:2])
    return cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else image


def _variants(
    photos: list[tuple[Path, dict, DisplayReading]],
    words,
    config: DisplayConfig,
    seed: int,
    misses: list[dict],
) -> dict:
    """``photos`` (each with its label and its reading as it is) read again in each of
    ``VARIANTS``: exact, flagged and silently wrong shares, and the share silently wrong with
    another number than the photo as it is gave (``new_silent_wrong``): a label's error, or the
    number the photo as it is gave, counts in every variant, and is not the variant's. Each
    silent error is a miss, with its variant and the photo's reading as it is."""
    rngs = {name: np.random.default_rng(seed) for name in VARIANTS}
    results: dict[str, list[tuple[bool, bool, bool, bool]]] = {name: [] for name in VARIANTS}
    for path, row, as_is in photos:  # read from its file once more: 157 phone photos are 1 GB held
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        for name, vary in VARIANTS.items():
            reading = _read("sevenseg", vary(image, rngs[name]), path, words, config)
            right, flagged = _hit(reading.value, row), _flagged(reading)
            silent = not right and not flagged
            results[name].append((right, flagged, silent, silent and reading.text != as_is.text))
            if silent:
                misses.append({**_miss(path, row, reading, right), "variant": name, "as_is": as_is.text})
    figures: dict = {}
    for name, rows in results.items():
        prefix = f"meters.variants.{name}"
        figures[f"{prefix}.photos"] = len(rows)
        for key, column in (("exact", 0), ("flagged", 1), ("silent_wrong", 2), ("new_silent_wrong", 3)):
            figures[f"{prefix}.{key}"] = round(sum(r[column] for r in rows) / len(rows), 3)
    return figures


def _no_display(paths: list[Path], config: DisplayConfig, misses: list[dict]) -> dict:
    """Photos with no display, each decoded and read as ``read_meter`` reads a 7-segment
    display's capture: the shares that give no reading (a photo the intake refuses gives none),
    a flagged one, and a number not flagged (a silent error). Each that gave a number is a miss."""
    words = get_engine("rapidocr", options=thread_options(1)).recognise
    counts = {"no_reading": 0, "flagged": 0, "silent": 0}
    for path in paths:
        try:
            image = decode_image(path.read_bytes(), max_pixels=settings.MAX_IMAGE_PIXELS)
        except ImageRejected:
            counts["no_reading"] += 1
            continue
        reading = _read("sevenseg", image, path, words, config)
        counts["no_reading" if reading.value is None else "flagged" if _flagged(reading) else "silent"] += 1
        if reading.value is not None:
            misses.append(_miss(path, {"kind": "no display", "value": None}, reading, False))
    figures = {"meters.no_display.photos": len(paths)}
    figures.update({f"meters.no_display.{k}": round(v / len(paths), 3) for k, v in counts.items()})
    return figures


def _flagged(reading: DisplayReading) -> bool:
    """What judge() sends to review for a display with the default threshold."""
    return reading.value is None or bool(reading.reason) or reading.confidence < UNSURE


def _read(route: str, image: np.ndarray, path: Path, words, config: DisplayConfig) -> DisplayReading:
    """A display photo read as ``read_meter`` reads one of a kind that goes to ``route``: the
    7-segment reader (for a display registered as ``config`` says), or the text display reader:
    a dot-matrix panel read as it is and with its dots merged, a general digital panel's number
    in the reading job's text lines (the photo decoded as the job decodes it) and, where its ink
    is made of dots, merged too; both checked against the 7-segment reader.
    RapidOCR runs on one thread throughout."""
    if route == "sevenseg":
        return read_display(image, config, words=words)
    engine = get_engine("rapidocr", options=thread_options(1))
    as_read = None
    if route == "text":
        image = decode_image(path.read_bytes(), max_pixels=settings.MAX_IMAGE_PIXELS, reduce_to=READ_SIDE)
        result = read_image(image, ReadConfig(engine="rapidocr", engine_options=thread_options(1)))
        as_read = number_in_text(asdict(line) for line in result.lines)
    return read_text_display(image, engine.read, words, as_read)


def _miss(path: Path, row: dict, reading, right: bool) -> dict:
    """A photo not read exactly, or flagged: what it shows by its label, what was read, and why
    the reader was unsure (a flagged reading goes to review, a silent one would enter a series)."""
    return {
        "image": str(path),
        "quality": row.get("quality"),
        "kind": row.get("kind"),
        "value": row["value"],
        "read": reading.text,
        "right": right,
        "reason": reading.reason,
        "box": list(reading.box) if reading.box is not None else None,
    }


def drift_series(rng: np.random.Generator, *, points: int, start: int, slope: float) -> np.ndarray:
    """Level 50 with unit noise; from ``start`` the level rises by ``slope`` per point."""
    values = 50 + rng.normal(0, 1, points)
    values[start:] += slope * np.arange(points - start)
    return values


def _alerting(count: int, seed: int) -> dict:
    """CUSUM with the rule's defaults (k=0.5, h=8, baseline 100) on ``count`` series of 3,000
    points (one a minute), a drift of 0.02 sd per point starting at point 1,500; and
    10,000-point in-control series for the false-alarm rate. Time to limit at detection: the
    drift's line (``series.drift_trend``, as the drift rule's alert tells it) projected to 60
    (10 sd above the level), against the hours until the drifting level really reaches it; how
    often there was a projection at all, and its median and 90th-percentile absolute error."""
    rng = np.random.default_rng(seed)
    delays, errors, missed = [], [], 0
    start, slope = 1500, 0.02
    for _ in range(count):
        values = drift_series(rng, points=3000, start=start, slope=slope)
        detector = series.Cusum()
        alarms = detector.run(list(values))
        after = [(i, since) for i, d, since in alarms if i >= start and d == "up"]
        if not after:
            missed += 1
            continue
        found, since = after[0]
        delays.append(found - start)
        seen = values[: found + 1]
        drift = series.drift_trend(
            [_at(i / 60) for i in range(found + 1)], list(seen), mean=detector.mean, since=since, high=60.0
        )
        true_hours = (start + 10 / slope - found) / 60
        if drift and drift[0].hours_to_limit is not None:
            errors.append(drift[0].hours_to_limit - true_hours)
    false_alarms = []
    for _ in range(count):
        values = 50 + rng.normal(0, 1, 10_100)
        false_alarms.append(len(series.Cusum().run(list(values))))

    def pick(values, q):
        return float(sorted(values)[int(q * (len(values) - 1))]) if values else None

    return {
        "alerting.series": count,
        "alerting.detection_delay_median_points": pick(delays, 0.5),
        "alerting.detection_delay_p95_points": pick(delays, 0.95),
        "alerting.missed": missed,
        "alerting.false_alarms_per_10k": round(statistics.mean(false_alarms), 2),
        "alerting.time_to_limit_projected": round(len(errors) / max(1, count - missed), 3),
        "alerting.time_to_limit_error_median_h": round(statistics.median(errors), 2) if errors else None,
        "alerting.time_to_limit_abs_error_median_h": round(statistics.median(abs(e) for e in errors), 2)
        if errors
        else None,
        "alerting.time_to_limit_abs_error_p90_h": round(pick([abs(e) for e in errors], 0.9), 2)
        if errors
        else None,
        "alerting.true_hours_to_limit_at_detection_median": round(
            statistics.median((start + 10 / slope - (start + d)) / 60 for d in delays), 2
        )
        if delays
        else None,
    }


def _at(hours: float):
    return dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=float(hours))
