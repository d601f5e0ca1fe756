"""A label photographed at an angle is read straight on: its quadrilateral found, warped to a
rectangle, read, and the boxes taken back to the photo."""

import cv2
import numpy as np
import pytest

from ocr.labels import render_label
from ocr.pipeline import ReadConfig, read_image
from ocr.pipeline.enhance import bright_quad, keystone, rectify

LINES = ["P/N 7X-4410-B", "LOT L58213", "S/N SN730316", "EXP 2028-03"]
WANT = {"part_number": "7X-4410-B", "lot": "L58213", "serial": "SN730316", "expiry": "2028-03"}


def angled_photo(squeeze: float, turn_deg: float = 5.0) -> tuple[np.ndarray, np.ndarray]:
    """The label on a dark bench, its far (top) edge ``squeeze`` shorter than its near edge,
    turned by ``turn_deg``; and where its corners landed."""
    label = cv2.cvtColor(np.asarray(render_label(LINES)), cv2.COLOR_RGB2BGR)
    h, w = label.shape[:2]
    rng = np.random.default_rng(3)
    photo = (80 + rng.integers(0, 20, (1200, 1600, 1))).astype(np.uint8).repeat(3, axis=2)
    cx, cy, hw, hh = 800, 600, 0.6 * w, 0.6 * h
    corners = np.float32(
        [
            [cx - hw * (1 - squeeze), cy - hh],
            [cx + hw * (1 - squeeze), cy - hh],
            [cx + hw, cy + hh],
            [cx - hw, cy + hh],
        ]
    )
    a = np.deg2rad(turn_deg)
    turn = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    corners = ((corners - [cx, cy]) @ turn.T + [cx, cy]).astype(np.float32)
    matrix = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), corners)
    cv2.warpPerspective(label, matrix, (1600, 1200), dst=photo, borderMode=cv2.BORDER_TRANSPARENT)
    return photo, corners


def test_the_label_and_its_keystone_are_found():
    photo, corners = angled_photo(0.35)
    quad = bright_quad(photo, 0.05)
    assert quad is not None and np.abs(quad - corners).max() < 12
    assert keystone(quad) == pytest.approx(0.35, abs=0.03)
    flat, back = rectify(photo, quad)
    assert flat.shape[1] == pytest.approx(np.linalg.norm(corners[2] - corners[3]), abs=15)  # the near edge
    assert np.allclose(cv2.perspectiveTransform(np.float32([[[0, 0]]]), back)[0, 0], quad[0], atol=1)


def test_a_rectangle_at_any_rotation_has_no_keystone():
    rectangle = cv2.boxPoints(((500, 400), (600, 200), 30)).astype(np.float32)
    assert keystone(rectangle) < 0.01


@pytest.mark.parametrize("squeeze", [0.2, 0.35])
def test_a_label_seen_at_an_angle_gives_its_fields(squeeze):
    photo, corners = angled_photo(squeeze)
    result = read_image(photo, ReadConfig())
    assert result.text_variant == "straight_on"
    assert {f.name: f.value for f in result.fields} == WANT
    inside = cv2.convexHull(corners.reshape(-1, 1, 2))
    for line in result.lines:  # boxes in the photo's pixels, on the label
        for x, y in line.box:
            assert cv2.pointPolygonTest(inside, (x, y), True) > -15


def test_a_label_seen_straight_on_is_read_once():
    photo, _ = angled_photo(0.0, turn_deg=0.0)
    result = read_image(photo, ReadConfig())
    assert result.text_variant != "straight_on"
    assert {f.name: f.value for f in result.fields} == WANT
