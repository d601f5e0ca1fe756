"""Label verification alone: rendered labels read by the real pipeline, then checked three ways."""

import datetime as dt

import numpy as np
import pytest

from ocr.labels import render_label
from ocr.pipeline import ReadConfig, read_image
from ocr.pipeline.types import Field
from ocr.pipeline.verify import MarkRule, verify_field, verify_label

GTIN = "09501101020917"
EXPECTED = {"gtin": GTIN, "lot": "L2026-0042", "serial": "SN000011", "expiry": "2028-03"}
MARKS = (MarkRule("CE with notified body", "text", r"\bCE\s*\d{4}\b"), MarkRule("UDI", "udi"))


def read(text_lot="L2026-0042", code_lot="L2026-0042", extra=("CE 0123",), serial="SN000011"):
    label = render_label(
        ["TL-1000 Controller", f"LOT {text_lot}", "EXP 2028-03", f"S/N {serial}", *extra],
        code=f"(01){GTIN}(17)280331(10){code_lot}(21){serial}",
        gs1=True,
    )
    image = np.ascontiguousarray(np.asarray(label.convert("RGB"))[:, :, ::-1])
    return read_image(image, ReadConfig())


def test_a_good_label_passes_every_field_and_mark():
    result = read()
    verdict = verify_label(result.lines, result.codes, EXPECTED, MARKS, both_forms=("lot", "serial"))
    assert verdict.ok, verdict.reasons
    assert {v.field: (v.printed, v.encoded) for v in verdict.fields}["lot"] == ("L2026-0042", "L2026-0042")
    assert [m.found for m in verdict.marks] == ["CE 0123", verdict.marks[1].found] and verdict.marks[1].found


def test_the_wrong_lot_in_both_forms_is_a_mismatch():
    result = read(text_lot="L2026-0043", code_lot="L2026-0043")
    verdict = verify_label(result.lines, result.codes, EXPECTED, MARKS)
    lot = next(v for v in verdict.fields if v.field == "lot")
    assert not verdict.ok and (lot.ok, lot.reason) == (False, "mismatch")
    assert "L2026-0043" in lot.detail and "L2026-0042" in lot.detail


def test_printed_text_that_differs_from_code_and_database_is_misprinted():
    result = read(text_lot="L2026-0048")
    verdict = verify_label(result.lines, result.codes, EXPECTED, MARKS)
    lot = next(v for v in verdict.fields if v.field == "lot")
    assert (lot.ok, lot.reason, lot.printed, lot.encoded) == (False, "misprinted", "L2026-0048", "L2026-0042")


def test_a_missing_mark_is_named():
    result = read(extra=())
    verdict = verify_label(result.lines, result.codes, EXPECTED, MARKS)
    assert not verdict.ok and verdict.reasons == ("mark missing: CE with notified body",)


@pytest.mark.parametrize(
    ("name", "expected", "printed", "encoded", "reason"),
    [
        ("gtin", GTIN, None, "09501101020918", "check_digit"),
        ("expiry", "2028-03", "2028-13", None, "date_format"),
        ("lot", "L1", "L7", "L1", "misprinted"),
        ("lot", "L1", None, None, "missing"),
        ("expiry", "2020-01", "2020-01", "2020-01-31", "expired"),
        ("serial", "S1", "S1", "S1", ""),
    ],
)
def test_each_reason(name, expected, printed, encoded, reason):
    field = lambda value, source, confidence=0.99: value and Field(name, value, source, confidence, value)  # noqa: E731
    verdict = verify_field(
        name,
        expected,
        field(printed, "text"),
        field(encoded, "code"),
        both_forms=False,
        sure=0.9,
        today=dt.date(2026, 11, 22),
    )
    assert (verdict.ok, verdict.reason) == (reason == "", reason)


def test_unsure_text_that_differs_is_a_misread_and_one_missing_form_fails_when_both_are_required():
    unsure = Field("lot", "L7", "text", 0.6, "L7")
    code = Field("lot", "L1", "code", 1.0, "L1")
    assert verify_field("lot", "L1", unsure, code, both_forms=False, sure=0.9, today=None).reason == "misread"
    only_code = verify_field("lot", "L1", None, code, both_forms=True, sure=0.9, today=None)
    assert (only_code.ok, only_code.reason) == (False, "missing") and "printed text" in only_code.detail
