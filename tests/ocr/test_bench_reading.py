"""`bench reading` on a dataset the test makes: labels recognised by their keys, figures and
peers written as JSON."""

import json

from django.core.management import call_command
from PIL import Image

from ocr.labels import render_label


def test_bench_reading_scores_codes_text_and_fields(tmp_path):
    folder = tmp_path / "any-name"
    (folder / "images").mkdir(parents=True)
    render_label(["LOT K4471", "EXP 08/2027"], code="(01)09501101020917(10)K4471(17)270831", gs1=True).save(
        folder / "images" / "label.png"
    )
    Image.new("RGB", (500, 300), "white").save(folder / "images" / "blank.jpg")
    rows = [
        {
            "image": "images/label.png",
            "codes": ["010950110102091710K4471\x1d17270831"],
            "contentType": "GS1",
            "text": "LOT K4471 EXP 08/2027",
            "fields": {"lot": "K4471", "expiry": "2027-08-31", "gtin": "09501101020917"},
        },
        {"image": "images/blank.jpg", "codes": []},
        {"image": "images/blank.jpg", "value": 12, "quality": "HQ"},
    ]
    (folder / "labels.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    out = tmp_path / "reading.json"
    call_command("bench", "reading", "--dataset", str(tmp_path), "--json", str(out))
    figures = json.loads(out.read_text())
    assert figures["any-name.codes.exact_rows"] == "1/1"
    assert figures["any-name.codes.false_positive_rows"] == "0/1"
    assert figures["any-name.char_accuracy"] == 1.0
    assert figures["any-name.fields.invented"] == 0
    assert figures["any-name.gs1_fields.exact_pct"] == 100.0
    assert figures["peers"]["zxing.any-name.codes.exact_rows"] == "1/1"
    assert "rapidocr.any-name.char_accuracy" in figures["peers"]
    assert figures["any-name.images_per_s_2_workers"] > 0
    assert 0 < figures["any-name.worker_peak_rss_mb"] < 4096
    assert figures["fixed_camera.frames"] == 40 and figures["fixed_camera.fields_exact_pct"] >= 90
