"""`bench meters` on display photos the test renders: every display set under the folder is
scored together, recognised by its labels' keys; the misses are written for audit."""

import json

import cv2
import numpy as np
import pytest
from django.core.management import CommandError, call_command

from inspection.bench.meters import VARIANTS, _variants
from inspection.demo import board, display_photo, text_display_photo
from inspection.vision.sevenseg import DisplayConfig, DisplayReading, read_display
from ocr.management.commands.install_models import install_easyocr, packaged_easyocr_weights
from ocr.pipeline.text import get_engine, thread_options


def _dataset(folder, photos: dict[str, tuple[np.ndarray, dict]]) -> None:
    (folder / "images").mkdir(parents=True)
    rows = []
    for name, (image, row) in photos.items():
        cv2.imwrite(str(folder / "images" / name), image)
        rows.append({"image": f"images/{name}", **row})
    (folder / "labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_bench_meters_pools_display_sets_and_writes_the_misses(tmp_path):
    _dataset(
        tmp_path / "pumps",
        {
            "a.jpg": (display_photo("128.40", seed=1), {"value": 128, "quality": "HQ"}),
            "b.jpg": (display_photo("37.50", polarity="light", seed=2), {"value": 38, "quality": "HQ"}),
        },
    )
    blank = np.full((480, 640, 3), 200, np.uint8)
    _dataset(
        tmp_path / "meters-b",
        {
            "c.jpg": (display_photo("905", slant=0.1, seed=3), {"value": 905, "quality": "LQ"}),
            "blank.jpg": (blank, {"value": 12, "quality": "LQ"}),
        },
    )
    panel = text_display_photo("T= 42.7 C", tilt=0.1, turn=3, seed=3)
    _dataset(tmp_path / "ovens", {"d.jpg": (panel, {"value": 42.7, "kind": "dot_matrix"})})
    # sets of other kinds (codes, boards) in the same folder are not display sets: their photos
    # have no display, and are read as photos with none
    _dataset(tmp_path / "codes", {"code.png": (blank, {"codes": []})})
    _dataset(tmp_path / "boards", {"board.png": (board(), {"boxes": []})})
    (tmp_path / "boards" / "images" / "broken.png").write_bytes(b"not an image")  # the intake refuses it
    with (tmp_path / "boards" / "labels.jsonl").open("a") as labels:
        labels.write(json.dumps({"image": "images/broken.png", "boxes": []}) + "\n")
    out, misses = tmp_path / "meters.json", tmp_path / "misses.jsonl"
    call_command(
        "bench",
        "meters",
        "--dataset",
        str(tmp_path),
        "--series",
        "2",
        "--json",
        str(out),
        "--misses",
        str(misses),
    )
    figures = json.loads(out.read_text())
    assert figures["meters.HQ.photos"] == 2 and figures["meters.LQ.photos"] == 2
    assert figures["meters.HQ.exact"] == 1.0 and figures["meters.HQ.silent_wrong"] == 0
    # the blank photo has no display: no reading, flagged, never a silent number
    assert figures["meters.LQ.exact"] == 0.5 and figures["meters.LQ.flagged"] == 0.5
    assert figures["meters.LQ.silent_wrong"] == 0
    assert figures["meters.median_ms"] > 0
    assert figures["meters.no_display.photos"] == 3 and figures["meters.no_display.silent"] == 0
    assert figures["meters.no_display.no_reading"] + figures["meters.no_display.flagged"] == 1.0
    assert figures["meters.no_display.no_reading"] >= 0.333  # the broken file at least
    assert "rapidocr.HQ.exact" in figures["peers"] and "rapidocr_on_row.LQ.exact" in figures["peers"]
    assert "tesseract.HQ.exact" in figures["peers"] and "tesseract_on_row.median_ms" in figures["peers"]
    assert "easyocr.HQ.exact" not in figures["peers"]  # only with --models
    # a dot-matrix panel goes to its own reader; the other readers are measured on it too
    assert figures["meters.dot_matrix.exact"] == 1.0 and figures["meters.dot_matrix.silent_wrong"] == 0
    assert "meters.dot_matrix.sevenseg_route_exact" in figures and "meters.HQ.text_route_exact" in figures
    # photographed as a 7-segment display, the panel gives no number, or a flagged one
    assert figures["meters.dot_matrix.sevenseg_route_silent_wrong"] == 0
    # a 7-segment display registered as another kind: the text reading is checked by the segment reader
    assert figures["meters.HQ.text_route_silent_wrong"] == 0
    assert figures["meters.HQ.dots_route_silent_wrong"] == 0
    assert figures["alerting.series"] == 2 and figures["alerting.missed"] == 0
    lines = [json.loads(line) for line in misses.read_text().splitlines()]
    [miss] = [m for m in lines if m["kind"] != "no display"]
    assert miss["image"].endswith("meters-b/images/blank.jpg")
    assert (miss["value"], miss["read"], miss["right"]) == (12, "", False)
    assert miss["reason"]


def test_a_number_read_in_a_photo_with_no_display_is_listed_with_the_misses(tmp_path):
    # a set of another kind whose photo shows a display all the same: its number is no display's
    # reading, and is listed for a look beside the photo, here unflagged (a silent number)
    _dataset(tmp_path / "codes", {"meter.png": (display_photo("4711", seed=4), {"codes": []})})
    out, misses = tmp_path / "meters.json", tmp_path / "misses.jsonl"
    call_command(
        "bench", "meters", "--dataset", str(tmp_path), "--no-peers", "--series", "1",
        "--json", str(out), "--misses", str(misses),
    )  # fmt: skip
    assert json.loads(out.read_text())["meters.no_display.silent"] == 1.0
    [miss] = [json.loads(line) for line in misses.read_text().splitlines()]
    assert miss["image"].endswith("codes/images/meter.png")
    assert (miss["kind"], miss["value"], miss["read"], miss["right"], miss["reason"]) == (
        "no display", None, "4711", False, "",
    )  # fmt: skip


def test_bench_meters_reads_the_photos_as_a_display_registered_with_fixed_decimals(tmp_path):
    # the second photo lost its last digit and its point (73.00 shows as 730): unregistered, a
    # silent 730; registered with 2 decimals and its point lit, the point is placed and flagged
    _dataset(
        tmp_path / "pumps",
        {
            "a.jpg": (display_photo("73.00", seed=1), {"value": 73, "quality": "HQ"}),
            "b.jpg": (display_photo("730", seed=2), {"value": 73, "quality": "HQ"}),
        },
    )
    figures = {}
    for decimals in ([], ["--decimals", "2"]):
        out = tmp_path / f"meters{len(decimals)}.json"
        call_command(
            "bench", "meters", "--dataset", str(tmp_path), "--no-peers", "--series", "1",
            "--json", str(out), *decimals,
        )  # fmt: skip
        figures[bool(decimals)] = json.loads(out.read_text())
    assert figures[False]["meters.HQ.exact"] == 0.5 and figures[False]["meters.HQ.silent_wrong"] == 0.5
    assert figures[True]["meters.HQ.exact"] == 0.5 and figures[True]["meters.HQ.silent_wrong"] == 0
    assert figures[True]["meters.HQ.flagged"] == 0.5


def test_bench_meters_names_a_photo_it_cannot_read(tmp_path):
    folder = tmp_path / "displays"
    folder.mkdir()
    (folder / "labels.jsonl").write_text(json.dumps({"image": "images/gone.jpg", "value": 3}) + "\n")
    with pytest.raises(CommandError, match="gone.jpg"):
        call_command("bench", "meters", "--dataset", str(folder), "--no-peers", "--series", "1")


def test_bench_meters_measures_easyocr_with_its_weights_from_the_models_folder(tmp_path):
    install_easyocr(packaged_easyocr_weights(), tmp_path / "models" / "easyocr")
    _dataset(tmp_path / "panel", {"a.png": (display_photo("905", seed=1), {"value": 905})})
    out = tmp_path / "meters.json"
    models = str(tmp_path / "models")
    call_command(
        "bench", "meters", "--dataset", str(tmp_path / "panel"), "--models", models, "--json", str(out)
    )
    peers = json.loads(out.read_text())["peers"]
    assert peers["easyocr.all.exact"] == 1.0  # EasyOCR reads this clean rendered panel as a whole
    assert peers["easyocr.median_ms"] > 0 and "easyocr_on_row.all.exact" in peers


def test_bench_meters_reads_each_photo_again_taken_worse(tmp_path):
    # the first label is wrong (the display shows 128.40): a silent error in every variant, but
    # the photo's own as it is, not one the variant made
    _dataset(
        tmp_path / "pumps",
        {
            "a.jpg": (display_photo("128.40", seed=1), {"value": 129, "quality": "HQ"}),
            "b.jpg": (display_photo("37.50", polarity="light", seed=2), {"value": 38, "quality": "HQ"}),
        },
    )
    out = tmp_path / "meters.json"
    call_command(
        "bench",
        "meters",
        "--dataset",
        str(tmp_path),
        "--no-peers",
        "--series",
        "1",
        "--variants",
        "--json",
        str(out),
    )
    figures = json.loads(out.read_text())
    assert figures["meters.HQ.silent_wrong"] == 0.5
    for name in VARIANTS:
        assert figures[f"meters.variants.{name}.photos"] == 2
        assert figures[f"meters.variants.{name}.exact"] == 0.5
        assert figures[f"meters.variants.{name}.new_silent_wrong"] == 0
    # held upside down, each display is read turned round and flagged, never silently
    assert figures["meters.variants.turned.flagged"] == 1.0
    assert (
        figures["meters.variants.dark.silent_wrong"] == 0.5 and figures["meters.variants.dark.flagged"] == 0
    )


def test_a_variants_silent_error_is_its_own_where_the_photo_as_it_is_read_otherwise(tmp_path):
    path = tmp_path / "a.png"
    cv2.imwrite(str(path), display_photo("128.40", seed=1))
    words = get_engine("rapidocr", options=thread_options(1)).recognise
    row = {"value": 129}
    same = read_display(cv2.imread(str(path)), DisplayConfig(), words=words)
    assert (same.text, same.reason) == ("128.40", "")
    other = DisplayReading("12.84", 12.84, 1.0)  # as it is, the photo gave another number
    misses: list[dict] = []
    figures = [
        _variants([(path, row, as_is)], words, DisplayConfig(), seed=0, misses=misses)
        for as_is in (same, other)
    ]
    assert [f["meters.variants.dark.silent_wrong"] for f in figures] == [1.0, 1.0]
    assert [f["meters.variants.dark.new_silent_wrong"] for f in figures] == [0.0, 1.0]
    # each silent error is listed with its variant and what the photo as it is gave
    dark = [(m["read"], m["as_is"]) for m in misses if m["variant"] == "dark"]
    assert dark == [("128.40", "128.40"), ("128.40", "12.84")]
    assert all(m["value"] == 129 and not m["right"] and m["reason"] == "" for m in misses)
