"""``bench verify``: label verification on labels the benchmark renders, good ones and ones with
a known defect, each photographed through a camera model (perspective, blur, sensor noise,
light, glare, JPEG), read by the pipeline and checked three ways against the values the label
was meant to carry.

Figures: false accept rate on defective labels whose defect changes what the label says (wrong
lot, printed text that differs from the code, a GTIN check digit error, an expired date, a
missing mark, a digit smudged into another), and false reject rate on good labels. The peer is
what a vision system does alone: zxing-cpp reads the code and compares it with the values the
line hands it (no text, no marks), on the same photos."""

import datetime as dt
import random
import statistics
import time

import cv2
import numpy as np
import zxingcpp
from PIL import ImageDraw, ImageFont

from ocr.labels import render_label
from ocr.pipeline import ReadConfig, decode_image, read_image
from ocr.pipeline.codes import parse_gs1
from ocr.pipeline.verify import MarkRule, verify_label

GTIN = "09501101020917"
BAD_GTIN = "09501101020918"  # same digits, wrong check digit
MARKS = (MarkRule("CE with notified body", "text", r"\bCE\s*\d{4}\b"), MarkRule("UDI", "udi"))
DEFECTS = ("wrong_lot", "text_code_disagree", "check_digit", "expired", "missing_mark", "smudged_digit")
TODAY = dt.date(2026, 11, 22)


def add_arguments(parser):
    parser.add_argument("--labels", type=int, default=120, help="labels rendered (half good, half defective)")
    parser.add_argument("--seed", type=int, default=7)


def _values(rng: random.Random) -> dict:
    return {
        "gtin": GTIN,
        "lot": f"L{rng.randrange(2024, 2028)}-{rng.randrange(1000, 9999)}",
        "serial": f"SN{rng.randrange(100000, 999999)}",
        "expiry": f"{rng.randrange(2027, 2031)}-{rng.randrange(1, 13):02d}",
    }


def render(values: dict, defect: str, rng: random.Random):
    """The label the line meant to print, with ``defect`` put in (for ``expired`` the expected
    values change too: an expired lot, labelled as it is)."""
    printed, encoded, gtin, marks = dict(values), dict(values), GTIN, ["CE 0123", "Rx only"]
    if defect == "wrong_lot":
        printed["lot"] = encoded["lot"] = values["lot"][:-1] + str((int(values["lot"][-1]) + 1) % 10)
    elif defect == "text_code_disagree":
        printed["lot"] = values["lot"][:-2] + str((int(values["lot"][-2:]) + 37) % 100).zfill(2)
    elif defect == "check_digit":
        gtin = BAD_GTIN
    elif defect == "expired":  # the lot itself is past its date: the database agrees with the label
        values["expiry"] = printed["expiry"] = encoded["expiry"] = (
            f"{TODAY.year - 1}-{rng.randrange(1, 13):02d}"
        )
    elif defect == "missing_mark":
        marks = ["Rx only"]
    year, month = map(int, encoded["expiry"].split("-"))
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).strftime("%y%m%d")
    code = f"(01){gtin}(17){last}(10){encoded['lot']}(21){encoded['serial']}"
    label = render_label(
        [f"LOT {printed['lot']}", f"EXP {printed['expiry']}", f"S/N {printed['serial']}", *marks],
        code=code,
        gs1=True,
        font_size=40,
    )
    if defect == "smudged_digit":  # ink smeared over the lot's last digit: an 8 where a 3 was
        font = ImageFont.load_default(size=40)
        draw = ImageDraw.Draw(label)
        x = 40 + int(font.getlength(f"LOT {printed['lot'][:-1]}"))
        draw.rectangle((x, 40, x + int(font.getlength("0")) + 2, 86), fill="white")
        draw.text((x, 40), "8" if printed["lot"][-1] != "8" else "3", fill=(20, 20, 20), font=font)
    return label


def photograph(label, rng: random.Random) -> bytes:
    """A phone or fixed camera's view of the label: on a grey bench, at a small perspective,
    a little out of focus, with sensor noise, uneven light and sometimes a glare spot, as JPEG."""
    image = np.asarray(label.convert("RGB"))[:, :, ::-1]
    h, w = image.shape[:2]
    canvas_w, canvas_h = int(w * 1.3), int(h * 1.5)
    jitter = lambda: rng.uniform(-0.04, 0.04)  # noqa: E731
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    x0, y0 = (canvas_w - w) / 2, (canvas_h - h) / 2
    dst = np.float32(
        [[x0 + jitter() * w, y0 + jitter() * h], [x0 + w + jitter() * w, y0 + jitter() * h],
         [x0 + w + jitter() * w, y0 + h + jitter() * h], [x0 + jitter() * w, y0 + h + jitter() * h]]
    )  # fmt: skip
    bench = rng.randrange(60, 140)
    view = cv2.warpPerspective(
        image, cv2.getPerspectiveTransform(src, dst), (canvas_w, canvas_h), borderValue=(bench, bench, bench)
    ).astype(np.float32)
    view = cv2.GaussianBlur(view, (0, 0), rng.uniform(0.3, 1.4))
    ramp = np.linspace(rng.uniform(0.75, 1.0), rng.uniform(0.9, 1.1), canvas_w, dtype=np.float32)
    view *= ramp[None, :, None]
    if rng.random() < 0.3:  # a glare spot away from the text lines
        glare = np.zeros((canvas_h, canvas_w), np.float32)
        centre = (int(x0 + w * rng.uniform(0.45, 0.6)), int(y0 + h * rng.uniform(0.1, 0.9)))
        cv2.circle(glare, centre, int(h * 0.08), 1.0, -1)
        view += cv2.GaussianBlur(glare, (0, 0), h * 0.04)[:, :, None] * 120
    view += np.random.default_rng(rng.randrange(1 << 30)).normal(0, rng.uniform(2, 7), view.shape)
    ok, jpeg = cv2.imencode(
        ".jpg", np.clip(view, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, rng.randrange(70, 92)]
    )
    assert ok
    return jpeg.tobytes()


def code_only(image: np.ndarray, expected: dict) -> bool:
    """The peer: a vision system comparing the code with the values the line hands it."""
    reads = zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)
    for read in reads:
        ais = {e.ai: e.value for e in parse_gs1(read.text)}
        if (
            ais.get("01") == expected["gtin"]
            and ais.get("10") == expected["lot"]
            and ais.get("21") == expected["serial"]
        ):
            return True
    return False


def run(options, out) -> dict:
    rng = random.Random(options["seed"])
    n = options["labels"]
    plan = ["good"] * (n - n // 2) + [DEFECTS[i % len(DEFECTS)] for i in range(n // 2)]
    rng.shuffle(plan)
    accepted, peer_accepted, times, rejected = {}, {}, [], []
    for kind in plan:
        values = _values(rng)
        data = photograph(render(values, kind, rng), rng)
        start = time.perf_counter()
        image = decode_image(data, max_pixels=10**8)
        result = read_image(image, ReadConfig())
        verdict = verify_label(
            result.lines, result.codes, values, MARKS, both_forms=("lot", "serial", "expiry"), today=TODAY
        )
        times.append((time.perf_counter() - start) * 1000)
        accepted.setdefault(kind, []).append(verdict.ok)
        if kind == "good" and not verdict.ok:
            rejected.append("; ".join(verdict.reasons))
        peer_accepted.setdefault(kind, []).append(code_only(image, values))
    out.write(f"{n} labels photographed and verified")
    for reason in rejected:
        out.write(f"good label rejected: {reason}")
    return {**figures(accepted, peer_accepted, times), "verify.false_reject_reasons": rejected}


def _share(flags: list[bool]) -> str:
    return f"{sum(flags)}/{len(flags)}"


def _rate(flags: list[bool]) -> float:
    return round(100 * sum(flags) / len(flags), 2) if flags else 0.0


def figures(accepted: dict, peer_accepted: dict, times: list[float]) -> dict:
    good = accepted.get("good", [])
    bad = [flag for kind in DEFECTS for flag in accepted.get(kind, [])]
    peer_bad = [flag for kind in DEFECTS for flag in peer_accepted.get(kind, [])]
    result = {
        "verify.labels": len(good) + len(bad),
        "verify.good_labels": len(good),
        "verify.defective_labels": len(bad),
        "verify.false_accept_pct": _rate(bad),
        "verify.false_reject_pct": _rate([not ok for ok in good]),
        **{
            f"verify.accepted.{kind}": f"{sum(accepted.get(kind, []))}/{len(accepted.get(kind, []))}"
            for kind in DEFECTS
        },
        "verify.ms_p50": round(statistics.median(times), 1),
        "verify.ms_p95": round(sorted(times)[int(0.95 * (len(times) - 1))], 1),
    }
    result["peers"] = {
        "zxing_code_only.false_accept_pct": _rate(peer_bad),
        "zxing_code_only.false_reject_pct": _rate([not ok for ok in peer_accepted.get("good", [])]),
        **{f"zxing_code_only.accepted.{kind}": _share(peer_accepted.get(kind, [])) for kind in DEFECTS},
    }
    return result
