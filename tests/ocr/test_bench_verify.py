"""`bench verify` end to end on a few labels, and each rendered defect doing what it says."""

import json
import random

import numpy as np
from django.core.management import call_command

from ocr.bench.verify import DEFECTS, MARKS, TODAY, _values, photograph, render
from ocr.pipeline import ReadConfig, decode_image, read_image
from ocr.pipeline.verify import verify_label


def test_bench_verify_writes_false_accept_and_reject_with_the_code_only_peer(tmp_path):
    out = tmp_path / "verify.json"
    call_command("bench", "verify", "--labels", "14", "--json", str(out))
    figures = json.loads(out.read_text())
    assert figures["verify.labels"] == 14 and figures["verify.defective_labels"] == 7
    assert figures["verify.false_accept_pct"] == 0.0
    assert set(figures["peers"]) >= {"zxing_code_only.false_accept_pct", "zxing_code_only.false_reject_pct"}


def test_every_defect_is_refused_with_the_reason_it_was_made_for():
    rng = random.Random(3)
    expected_reason = {
        "wrong_lot": "lot: mismatch",
        "text_code_disagree": "lot: mis",
        "check_digit": "gtin: check_digit",
        "expired": "expiry: expired",
        "missing_mark": "mark missing: CE",
        "smudged_digit": "lot: mis",
    }
    for kind in DEFECTS:
        values = _values(rng)
        image = decode_image(photograph(render(values, kind, rng), rng), max_pixels=10**8)
        result = read_image(np.ascontiguousarray(image), ReadConfig())
        verdict = verify_label(
            result.lines, result.codes, values, MARKS, both_forms=("lot", "serial"), today=TODAY
        )
        assert not verdict.ok, kind
        assert any(reason.startswith(expected_reason[kind]) for reason in verdict.reasons), (
            kind,
            verdict.reasons,
        )
