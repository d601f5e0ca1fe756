"""The quality gate and the field checks, on labels the tests render and then spoil."""

import cv2
import numpy as np
import pytest

from ocr.labels import render_label
from ocr.pipeline import ReadConfig, read_image
from ocr.pipeline.checks import check_fields, gs1_check_digit_ok, review_reasons
from ocr.pipeline.quality import assess, with_resolution
from ocr.pipeline.types import CodeRead, Field, TextLine


def photo(label, *, size=1600, background=110):
    """The label on a grey bench, as a camera would frame it (paper at about 220, not clipped)."""
    image = (cv2.cvtColor(np.asarray(label), cv2.COLOR_RGB2BGR) * 0.82 + 12).astype(np.uint8)
    height, width = image.shape[:2]
    canvas = np.full((height + 300, width + 300, 3), background, np.uint8)
    canvas[150 : 150 + height, 150 : 150 + width] = image
    scale = size / max(canvas.shape[:2])
    return cv2.resize(canvas, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


@pytest.fixture(scope="module")
def good():
    return photo(render_label(["LOT A1234", "EXP 2028-03"], code="(01)09501101020917(10)A1234", gs1=True))


def codes_of(quality):
    return {issue.code for issue in quality.issues}


def test_a_clean_photo_passes(good):
    quality = assess(good)
    assert quality.ok, quality.issues


@pytest.mark.parametrize(
    ("spoil", "expected"),
    [
        (lambda im: cv2.GaussianBlur(im, (0, 0), 6), "blurred"),
        (lambda im: (im * 0.12).astype(np.uint8), "underexposed"),
        (lambda im: np.clip(im.astype(int) * 0.15 + 215, 0, 255).astype(np.uint8), "overexposed"),
        (lambda im: np.clip(im.astype(int) * 0.08 + 120, 0, 255).astype(np.uint8), "low_contrast"),
    ],
)
def test_each_poor_photo_says_why(good, spoil, expected):
    assert expected in codes_of(assess(spoil(good)))


def test_a_specular_highlight_on_the_label_is_glare(good):
    glared = good.copy()
    mask = np.zeros(good.shape[:2], np.float32)
    cv2.circle(mask, (good.shape[1] // 3, good.shape[0] // 2), good.shape[0] // 7, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), good.shape[0] / 40)[..., None]
    glared = np.clip(glared * (1 - mask) + 255 * np.minimum(1, mask * 1.6), 0, 255).astype(np.uint8)
    quality = assess(glared)
    assert "glare" in codes_of(quality) and quality.glare_share > 0.01


def test_resolution_comes_from_what_was_read():
    base = assess(np.full((100, 100), 128, np.uint8))
    tiny_text = (TextLine("LOT 1234", 0.99, ((0, 0), (60, 0), (60, 8), (0, 8))),)
    small_code = (CodeRead("DataMatrix", "x", ((0, 0), (20, 0), (20, 20), (0, 20)), version="14x14"),)
    quality = with_resolution(base, tiny_text, small_code)
    assert {"text_too_small", "code_too_small"} <= codes_of(quality)
    assert quality.char_px == 8 and quality.module_px == pytest.approx(20 / 14, abs=0.01)


def test_gs1_check_digits():
    assert gs1_check_digit_ok("09501101020917")
    assert not gs1_check_digit_ok("09501101020918")
    assert gs1_check_digit_ok("4006381333931")  # EAN-13
    assert not gs1_check_digit_ok("ABC")


def field(name, value, source="text", confidence=0.99):
    return Field(name, value, source, confidence, value)


@pytest.mark.parametrize(
    ("fields", "text", "patterns", "failed"),
    [
        ((field("gtin", "09501101020918", "code", 1.0),), (), (), {("check_digit", "gtin")}),
        ((field("expiry", "2028-02-30"),), (), (), {("valid_date", "expiry")}),
        ((field("mfg", "2028-03-01"), field("expiry", "2027-01")), (), (), {("expiry_after_mfg", "expiry")}),
        ((field("serial", "SN-12"),), (), (("serial", r"SN\d{6}"),), {("pattern", "serial")}),
        ((), (), (("lot", r"L\d+"),), {("pattern", "lot")}),
        ((field("lot", "A1234", "code", 1.0),), (field("lot", "A1284"),), (), {("text_matches_code", "lot")}),
        ((field("lot", "A1234", confidence=0.6),), (), (), {("confidence", "lot")}),
    ],
)
def test_each_check_fails_with_its_name(fields, text, patterns, failed):
    checks = check_fields(fields, text, patterns)
    assert {(c.name, c.field) for c in checks if not c.ok} == failed
    assert review_reasons(checks)


def test_matching_text_and_code_pass():
    fields = (field("lot", "A1234", "code", 1.0), field("expiry", "2028-03-31", "code", 1.0))
    text = (field("lot", "A1234"), field("expiry", "2028-03"))
    checks = check_fields(fields, text)
    assert all(c.ok for c in checks) and {c.name for c in checks} >= {"text_matches_code", "valid_date"}


def test_a_label_whose_text_disagrees_with_its_code_goes_to_review():
    label = render_label(["LOT B7777", "EXP 2028-03"], code="(01)09501101020917(10)A1234", gs1=True)
    result = read_image(photo(label), ReadConfig())
    assert result.needs_review
    assert any("text_matches_code" in reason and "B7777" in reason for reason in result.review_reasons)
    assert result.quality is not None and result.quality.ok
    assert result.lines and all(len(line.chars) in (0, len(line.text)) for line in result.lines)
    assert any(line.chars for line in result.lines)


def test_a_consistent_label_is_accepted(good):
    result = read_image(good, ReadConfig())
    assert not result.needs_review, result.review_reasons
    assert {f.name: f.value for f in result.fields}["lot"] == "A1234"


def test_tesseract_engine_reads_a_label_with_boxes():
    from ocr.pipeline.text import get_engine

    label = cv2.cvtColor(np.asarray(render_label(["LOT A1234", "EXP 2028-03"])), cv2.COLOR_RGB2BGR)
    result = read_image(label, ReadConfig(engine="tesseract", read_codes=False, retry_text=False))
    assert result.engine == "tesseract" and result.engine_version == get_engine("tesseract").version
    assert {f.name: f.value for f in result.fields}.get("lot") == "A1234"
    assert all(len(line.box) == 4 for line in result.lines)


def test_easyocr_without_weights_says_what_is_missing_and_downloads_nothing(tmp_path):
    from ocr.pipeline.text import EngineUnavailable, get_engine

    with pytest.raises(EngineUnavailable) as raised:
        get_engine("easyocr", str(tmp_path))
    message = str(raised.value)
    assert "craft_mlt_25k.pth" in message and "english_g2.pth" in message and str(tmp_path) in message
    assert list(tmp_path.iterdir()) == []


def test_slanted_label_reads_line_by_line():
    """Words far apart on a line, photographed at 12 degrees: each word is its own box, and only
    grouping in the text's own frame puts them back on their lines."""
    gap = " " * 24
    label = np.asarray(render_label([f"LOT{gap}A1234", f"EXP{gap}2028-03", f"S/N{gap}99887"], width=1400))
    image = cv2.copyMakeBorder(
        cv2.cvtColor(label, cv2.COLOR_RGB2BGR), 300, 300, 100, 100, cv2.BORDER_CONSTANT, value=(255, 255, 255)
    )
    height, width = image.shape[:2]
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), 12, 1.0)
    slanted = cv2.warpAffine(image, turn, (width, height), borderValue=(255, 255, 255))
    result = read_image(slanted, ReadConfig(read_codes=False))
    assert [line.text.replace(" ", "") for line in result.lines][:3] == ["LOTA1234", "EXP2028-03", "S/N99887"]
    assert {f.name: f.value for f in result.fields}.items() >= {"lot": "A1234", "serial": "99887"}.items()


def test_faint_light_on_dark_marking_is_read():
    label = np.asarray(render_label(["LOT K4471"]).convert("L"))
    faint = (255 - label).astype(np.float32) * 0.25 + 40  # light strokes on a dark, flat ground
    image = cv2.cvtColor(faint.astype(np.uint8), cv2.COLOR_GRAY2BGR)
    result = read_image(image, ReadConfig(read_codes=False))
    assert {f.name: f.value for f in result.fields}.get("lot") == "K4471"
