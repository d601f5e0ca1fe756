"""The coarse look for values of known format in large photos: images made by the test."""

import numpy as np
import pytest
from PIL import Image

from ocr.labels import render_label
from ocr.pipeline import ReadConfig, read_image
from ocr.pipeline.coarse import directions, straight_crop, turned_box

SERIAL = ("serial", "1[GWX][0-9]{4}H")


def photo_with_marking(turn: int) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A 2000 × 1500 grey, textured 'part face' with a marking turned by ``turn`` degrees
    (counter-clockwise) pasted in it; also the marking's place (x0, y0, x1, y1)."""
    marking = render_label(["1X2102H"], font_size=90).rotate(turn, expand=True)
    rng = np.random.default_rng(turn)
    face = np.clip(rng.normal(150, 12, (1500, 2000)), 0, 255).astype(np.uint8)
    canvas = Image.fromarray(face).convert("RGB")
    x0, y0 = 700, 500
    canvas.paste(marking.convert("RGB"), (x0, y0))
    place = (x0, y0, x0 + marking.width, y0 + marking.height)
    return np.ascontiguousarray(np.asarray(canvas)[:, :, ::-1]), place


@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_a_marking_at_any_quarter_turn_is_read_by_the_coarse_look(turn):
    image, (x0, y0, x1, y1) = photo_with_marking(turn)
    result = read_image(image, ReadConfig(read_codes=False, patterns=(SERIAL,)))
    serial = next(f for f in result.fields if f.name == "serial")
    assert serial.value == "1X2102H"
    assert result.text_variant.startswith("coarse@")
    xs = [x for x, _ in serial.box]
    ys = [y for _, y in serial.box]
    assert x0 - 40 <= min(xs) and max(xs) <= x1 + 40 and y0 - 40 <= min(ys) and max(ys) <= y1 + 40
    # the box starts where the text starts: left for upright text, right for text upside down
    first_x, first_y = serial.box[0]
    expected = {0: (x0, y0), 90: (x0, y1), 180: (x1, y1), 270: (x1, y0)}[turn]
    assert abs(first_x - expected[0]) < 80 and abs(first_y - expected[1]) < 80


def test_a_photo_without_the_value_falls_back_to_the_full_read():
    image = np.full((1500, 2000, 3), 150, np.uint8)
    result = read_image(image, ReadConfig(read_codes=False, patterns=(SERIAL,)))
    assert "serial" not in {f.name for f in result.fields}
    assert not result.text_variant.startswith("coarse@")


def test_crops_are_level_and_boxes_follow_the_turn():
    image = np.zeros((100, 200), np.uint8)
    quad = np.float32([[10, 20], [110, 20], [110, 50], [10, 50]])
    crop = straight_crop(image, quad)
    assert crop.shape == (30, 100)
    assert directions(crop) == (0,)
    assert directions(crop.T) == (1,)
    assert directions(np.zeros((40, 50))) == (0, 1)
    assert turned_box(quad, 0)[0] == (10.0, 20.0)
    assert turned_box(quad, 1)[0] == (110.0, 20.0)  # a quarter turn: the top-right corner leads
    assert turned_box(quad, 2)[0] == (110.0, 50.0)
