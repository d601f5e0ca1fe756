"""The pipeline alone: no database, images made by the test."""

import io

import numpy as np
import pytest
from PIL import Image

from ocr.labels import render_label
from ocr.pipeline import ImageRejected, ReadConfig, decode_image, inspect_image, read_image
from ocr.pipeline.codes import parse_gs1

LIMIT = 50_000_000


def bgr(image: Image.Image) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])


def encode(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def test_reads_text_and_gs1_code_from_a_rendered_label():
    label = render_label(["LOT A7731", "S/N 0042"], code="(01)09501101020917(10)A7731(21)0042", gs1=True)
    result = read_image(bgr(label))
    texts = [line.text for line in result.lines]
    assert "LOT A7731" in texts and "S/N 0042" in texts
    assert all(0.5 < line.confidence <= 1 for line in result.lines)
    [code] = result.codes
    assert code.symbology == "DataMatrix"
    assert code.text == "0109501101020917" + "10A7731\x1d210042"
    assert [(e.ai, e.value) for e in code.gs1] == [("01", "09501101020917"), ("10", "A7731"), ("21", "0042")]
    assert result.engine == "rapidocr" and result.engine_version
    assert len(code.box) == 4 and all(len(point) == 2 for point in code.box)


def test_several_codes_in_one_image():
    left = render_label([], code="FIRST-CODE", symbology="QRCode", width=400)
    right = render_label([], code="SECOND-123", symbology="Code128", width=700)
    canvas = Image.new("RGB", (1200, 400), "white")
    canvas.paste(left, (0, 20))
    canvas.paste(right, (450, 20))
    result = read_image(bgr(canvas), ReadConfig(read_text=False))
    assert sorted(code.text for code in result.codes) == ["FIRST-CODE", "SECOND-123"]
    assert result.lines == ()


def test_text_boxes_are_in_original_pixels_when_the_photo_is_scaled_down():
    label = render_label(["BATCH 99812"]).resize((4000, 1280))
    result = read_image(bgr(label), ReadConfig(read_codes=False, max_text_side=1000))
    [line] = [ln for ln in result.lines if "99812" in ln.text]
    xs = [x for x, _ in line.box]
    assert max(xs) > 1000  # scaled back to the 4000-pixel-wide original


def test_no_code_reported_on_a_plain_image():
    result = read_image(bgr(Image.new("RGB", (640, 480), "white")))
    assert result.codes == () and result.lines == ()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF", "BMP"])
def test_decode_formats(fmt):
    image = Image.new("RGB", (64, 32), (200, 10, 10))
    array = decode_image(encode(image, fmt), max_pixels=LIMIT)
    assert array.shape == (32, 64, 3)
    assert [int(v) for v in array[5, 5]] == pytest.approx([10, 10, 200], abs=12)  # BGR


def test_exif_orientation_is_applied():
    image = Image.new("RGB", (80, 40), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    array = decode_image(encode(image, "JPEG", exif=exif), max_pixels=LIMIT)
    assert array.shape[:2] == (80, 40)


def test_alpha_palette_and_16_bit_are_normalised():
    rgba = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    assert tuple(decode_image(encode(rgba, "PNG"), max_pixels=LIMIT)[0, 0]) == (255, 255, 255)
    palette = Image.new("P", (10, 10), 3)
    assert decode_image(encode(palette, "PNG"), max_pixels=LIMIT).shape == (10, 10, 3)
    deep = Image.fromarray(np.full((10, 10), 40000, dtype=np.uint16))
    assert decode_image(encode(deep, "PNG"), max_pixels=LIMIT).dtype == np.uint8
    cmyk = Image.new("CMYK", (10, 10), (0, 0, 0, 0))
    assert decode_image(encode(cmyk, "JPEG"), max_pixels=LIMIT).shape == (10, 10, 3)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"%PDF-1.4 not an image", "not_an_image"),
        (b"GIF89a" + b"\0" * 20, "not_an_image"),
    ],
)
def test_bad_bytes_are_rejected_with_a_reason(data, code):
    with pytest.raises(ImageRejected) as raised:
        inspect_image(data, max_pixels=LIMIT)
    assert raised.value.code == code and raised.value.reason


def test_pixel_limit_is_checked_from_the_header():
    big = encode(Image.new("L", (3000, 3000)), "PNG")
    with pytest.raises(ImageRejected) as raised:
        inspect_image(big, max_pixels=1_000_000)
    assert raised.value.code == "too_many_pixels"


def test_truncated_image_fails_at_decode():
    data = encode(Image.effect_noise((400, 400), 60).convert("RGB"), "JPEG")
    assert inspect_image(data[:800], max_pixels=LIMIT).format == "JPEG"
    with pytest.raises(ImageRejected) as raised:
        decode_image(data[:800], max_pixels=LIMIT)
    assert raised.value.code == "corrupt"


def test_animated_image_is_refused():
    frames = [Image.new("RGB", (20, 20), c) for c in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="WEBP", save_all=True, append_images=frames[1:])
    with pytest.raises(ImageRejected) as raised:
        inspect_image(buffer.getvalue(), max_pixels=LIMIT)
    assert raised.value.code == "animated"


def test_parse_gs1_keeps_variable_fields_apart():
    elements = parse_gs1("\x1d0109501101020917" + "10LOT-1\x1d17280331")
    assert [(e.ai, e.value) for e in elements] == [
        ("01", "09501101020917"),
        ("10", "LOT-1"),
        ("17", "280331"),
    ]
    assert parse_gs1("not gs1 at all") == ()


def dotted(text: str, pitch: int = 7, dot: int = 2) -> Image.Image:
    """Text printed as separate dots, like an ink-jet or dot-matrix coder."""
    solid = render_label([text], font_size=110, width=10).convert("L")
    ink = np.asarray(solid) < 128
    out = np.full(ink.shape, 255, np.uint8)
    for y in range(0, ink.shape[0], pitch):
        for x in range(0, ink.shape[1], pitch):
            if ink[y, x]:
                out[max(0, y - dot) : y + dot + 1, max(0, x - dot) : x + dot + 1] = 30
    return Image.fromarray(out).convert("RGB")


def test_dot_printed_text_is_read_with_its_fields():
    result = read_image(bgr(dotted("LOT K4471 EXP 08/27")), ReadConfig(read_codes=False))
    assert "".join(" ".join(line.text for line in result.lines).split()) == "LOTK4471EXP08/27"
    assert result.text_variant == "dots_closed"
    assert {f.name: f.value for f in result.fields} == {"lot": "K4471", "expiry": "2027-08"}


def test_a_turned_part_marking_of_known_format_is_read_as_that_field():
    marking = render_label(["Heat 77", "1W2002H"], font_size=60).rotate(90, expand=True)
    upright = read_image(bgr(marking), ReadConfig(read_codes=False))
    assert "serial" not in {f.name for f in upright.fields}
    result = read_image(bgr(marking), ReadConfig(read_codes=False, patterns=(("serial", "1[GWX][0-9]{4}H"),)))
    serial = next(f for f in result.fields if f.name == "serial")
    assert serial.value == "1W2002H" and serial.source == "text"
    xs = [x for x, _ in serial.box]
    assert max(xs) <= marking.width and min(xs) >= 0
