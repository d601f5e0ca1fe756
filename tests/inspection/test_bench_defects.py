"""`bench defects` on datasets the test makes, in the shared datasets' format, recognised by
their label keys (not their folder names): figures under plain keys, peers beside them."""

import json

import cv2
from django.core.management import call_command

from inspection.demo import DEFECTS, board, with_defects
from tests.inspection.test_anomaly import pitted, scratched, surface


def _board_set(root):
    (root / "images").mkdir(parents=True)
    rows = []
    for seed in range(4):
        template, test = f"images/{seed}_temp.png", f"images/{seed}_test.png"
        cv2.imwrite(str(root / template), board())
        cv2.imwrite(str(root / test), with_defects(board(seed=seed + 1), ["short", "spurious_copper"]))
        boxes = []
        for kind, number in (("short", 2), ("spurious_copper", 5)):
            x, y = DEFECTS[kind][1]
            boxes.append([x - 22, y - 14, x + 22, y + 14, number])
        rows.append({"image": test, "template": template, "boxes": boxes})
    (root / "labels.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")


def _surface_set(root):
    (root / "images").mkdir(parents=True)
    rows = []
    for seed in range(8):
        cv2.imwrite(str(root / f"images/ok{seed}.png"), surface(seed))
        rows.append({"image": f"images/ok{seed}.png", "label": "ok", "class": "free"})
    for seed, (name, make) in enumerate([("pit", pitted), ("scratch", scratched)] * 2):
        cv2.imwrite(str(root / f"images/{name}{seed}.png"), make(40 + seed))
        rows.append({"image": f"images/{name}{seed}.png", "label": "defect", "class": name})
    (root / "labels.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")


def test_bench_defects_measures_both_methods_and_their_peers(tmp_path):
    _board_set(tmp_path / "data" / "a")
    _surface_set(tmp_path / "data" / "b")
    out = tmp_path / "defects.json"
    call_command("bench", "defects", "--dataset", str(tmp_path / "data"), "--json", str(out))
    figures = json.loads(out.read_text())
    assert figures["golden.images"] == 4 and figures["golden.defects"] == 8
    assert figures["golden.agnostic_f1"] == 1.0 and figures["golden.class_f1"] == 1.0
    assert figures["golden.templates_flagged"] == 0
    assert figures["surface.ok_test"] == 4 and figures["surface.defects"] == 4
    assert figures["surface.auroc"] == 1.0
    assert set(figures["peers"]) >= {"absdiff.agnostic_f1", "pixel_zscore.auroc"}
    assert "yolo.map50" not in figures  # trained only when asked (--yolo-epochs)
