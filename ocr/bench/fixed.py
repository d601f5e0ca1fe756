"""Fixed-camera frames of a known label layout, made by the benchmark: the label is rendered with
new values each frame, placed where the camera always sees it, with sensor noise and a light
change, and sent as JPEG. The template locates the fields (regions), so only recognition runs.
Figures: exact fields, p50/p95 per frame (decode included), frames per second in one process."""

import random
import statistics
import time

import cv2
import numpy as np

from ocr.labels import render_label
from ocr.pipeline import ReadConfig, decode_image, read_image
from ocr.templates import rules_from_json

FRAME = (1280, 720)
LABEL_AT = (120, 160)
FONT, LINE, TOP = 44, 66, 40  # render_label's geometry


def _rules(label_size: tuple[int, int]) -> tuple:
    width, height = FRAME
    rules = []
    for i, (name, anchor) in enumerate((("lot", "LOT"), ("expiry", "EXP"), ("serial", "S/N"))):
        y0 = LABEL_AT[1] + TOP + i * LINE - 10
        region = [LABEL_AT[0] / width, y0 / height, (LABEL_AT[0] + 520) / width, (y0 + FONT + 22) / height]
        rules.append({"name": name, "anchors": [anchor], "region": [round(v, 4) for v in region]})
    return rules_from_json(rules)


def _frame(rng: random.Random) -> tuple[bytes, dict]:
    values = {
        "lot": f"K{rng.randrange(10000, 99999)}",
        "expiry": f"{rng.randrange(2026, 2031)}-{rng.randrange(1, 13):02d}",
        "serial": f"{rng.randrange(100000, 999999)}",
    }
    label = np.asarray(
        render_label([f"LOT {values['lot']}", f"EXP {values['expiry']}", f"S/N {values['serial']}"])
    )
    frame = np.full((FRAME[1], FRAME[0], 3), 90, np.uint8)
    h, w = label.shape[:2]
    frame[LABEL_AT[1] : LABEL_AT[1] + h, LABEL_AT[0] : LABEL_AT[0] + w] = label[:, :, ::-1]
    light = rng.uniform(0.8, 1.05)
    noisy = frame.astype(np.float32) * light + np.random.default_rng(rng.randrange(1 << 30)).normal(
        0, 6, frame.shape
    )
    ok, jpeg = cv2.imencode(".jpg", np.clip(noisy, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return jpeg.tobytes(), values


def run_fixed_camera(frames: int, seed: int = 11) -> dict:
    rng = random.Random(seed)
    config = ReadConfig(rules=_rules(FRAME), fixed_layout=True, read_codes=False, template="bench-fixed")
    read_image(decode_image(_frame(rng)[0], max_pixels=10**8), config)  # engine loaded before the clock
    times, exact, total = [], 0, 0
    for _ in range(frames):
        data, values = _frame(rng)
        start = time.perf_counter()
        result = read_image(decode_image(data, max_pixels=10**8), config)
        times.append((time.perf_counter() - start) * 1000)
        got = {f.name: f.value for f in result.fields}
        exact += sum(got.get(name) == value for name, value in values.items())
        total += len(values)
    return {
        "fixed_camera.frames": frames,
        "fixed_camera.fields_exact_pct": round(100 * exact / total, 2),
        "fixed_camera.ms_p50": round(statistics.median(times), 1),
        "fixed_camera.ms_p95": round(sorted(times)[int(0.95 * (len(times) - 1))], 1),
        "fixed_camera.frames_per_s_1_process": round(1000 * len(times) / sum(times), 1),
    }
