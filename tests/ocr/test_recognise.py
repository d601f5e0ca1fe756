"""Recognition alone on crops a caller already located (a template's regions, the 7-segment
reader's word check): colour and grey crops alike."""

import cv2
import numpy as np

from ocr.pipeline.text import get_engine


def _line(text: str) -> np.ndarray:
    crop = np.full((70, 360, 3), 235, np.uint8)
    cv2.putText(crop, text, (12, 52), cv2.FONT_HERSHEY_SIMPLEX, 1.6, (20, 20, 20), 4)
    return crop


def test_a_grey_crop_is_read_as_its_colour_copy_is():
    colour = _line("LOT 4711")
    grey = cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY)
    (from_colour, score), (from_grey, grey_score) = get_engine("rapidocr").recognise([colour, grey])
    assert from_colour.replace(" ", "") == "LOT4711" and score > 0.9
    assert from_grey == from_colour and abs(grey_score - score) < 0.05


def test_rapidocr_is_one_instance_with_or_without_a_model_directory(tmp_path):
    # the reading job passes the models directory; the meter reader's word check does not
    assert get_engine("rapidocr", str(tmp_path)) is get_engine("rapidocr")
