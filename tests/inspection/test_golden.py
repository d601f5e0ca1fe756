"""Golden-template comparison: every defect found and named by what it does to the board,
nothing on a good board, registration of a shifted photo, clear refusals."""

import cv2
import numpy as np
import pytest

from inspection.demo import DEFECTS, board, with_defects
from inspection.vision.golden import GoldenConfig, TemplateError, compare


def kind_at(result, point):
    x, y = point
    return [d.kind for d in result.defects if d.box[0] <= x <= d.box[2] and d.box[1] <= y <= d.box[3]]


def test_each_defect_is_found_once_with_its_kind():
    template = board()
    result = compare(with_defects(board(seed=1), DEFECTS), template)
    assert not result.ok
    assert len(result.defects) == len(DEFECTS)
    for kind, (_, point) in DEFECTS.items():
        assert kind_at(result, point) == [kind], kind
    for defect in result.defects:
        assert defect.area > 0 and 0 < defect.score <= 1
        assert defect.box[2] - defect.box[0] >= GoldenConfig().min_box


def test_a_good_board_passes_even_with_sensor_noise():
    assert compare(board(seed=3), board()).ok


def test_a_shifted_and_rotated_photo_is_registered_first():
    template = board()
    photo = with_defects(board(seed=2), ["spurious_copper"])
    turn = cv2.getRotationMatrix2D((160, 160), 0.6, 1.0)
    turn[:, 2] += (3, -2)
    moved = cv2.warpAffine(photo, turn, (320, 320), borderMode=cv2.BORDER_REPLICATE)
    result = compare(moved, template)
    assert [d.kind for d in result.defects] == ["spurious_copper"]
    assert result.correlation > 0.9
    assert abs(result.shift[0]) > 1


def test_light_marks_on_a_dark_part():
    template = 255 - board()
    photo = 255 - with_defects(board(seed=1), ["open"])
    result = compare(photo, template, GoldenConfig(dark_part=False))
    assert kind_at(result, DEFECTS["open"][1]) == ["open"]


def test_a_template_of_another_size_is_refused():
    with pytest.raises(TemplateError, match="template is 320×320 px and the image 300×320"):
        compare(board()[:, :300], board())


def test_an_image_of_another_product_is_refused():
    other = np.full((320, 320), 235, np.uint8)
    cv2.putText(other, "OTHER PART", (10, 160), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 25, 6)
    with pytest.raises(TemplateError, match="another product"):
        compare(other, board())
