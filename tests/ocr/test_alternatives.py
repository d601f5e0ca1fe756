"""The alternatives the engine saw: for each character RapidOCR reads, the other characters its
recogniser weighed at that position, kept with the reading and shown on the capture page."""

import cv2
import numpy as np
import pytest

from ocr.choices import CaptureSource
from ocr.labels import label_bytes
from ocr.pipeline.text import ALTERNATIVE_FLOOR, get_engine, step_alternatives
from ocr.services import create_capture, perform_reading


def test_each_kept_step_gives_its_runners_up_above_the_floor():
    character = ["blank", "A", "B", "8", "0", "O"]
    probs = np.array(
        [
            [0.9, 0.05, 0.02, 0.01, 0.01, 0.01],  # blank: not a character
            [0.0, 0.0, 0.6, 0.39, 0.0, 0.01],  # B, or 8
            [0.0, 0.0, 0.7, 0.3, 0.0, 0.0],  # B again: CTC merges the repeat
            [0.95, 0.0, 0.0, 0.0, 0.05, 0.0],
            [0.0, 0.0, 0.0, 0.0, 0.55, 0.445],  # 0, or O
            [0.0, 0.995, 0.002, 0.001, 0.001, 0.001],  # A: the rest under the floor
        ],
        dtype=np.float32,
    )
    alternatives = step_alternatives(probs, character)
    assert alternatives == ((("8", 0.39), ("O", 0.01)), (("O", 0.445),), ())
    assert all(p >= ALTERNATIVE_FLOOR for step in alternatives for _, p in step)


def test_rapidocr_reports_the_zero_it_weighed_against_a_letter_o():
    label = label_bytes(["LOT B7O77", "S/N SN7781", "EXP 2028-03"])
    image = cv2.imdecode(np.frombuffer(label, np.uint8), cv2.IMREAD_COLOR)
    line = get_engine("rapidocr").read(image)[0]
    assert line.text == "LOT B7O77" and len(line.alternatives) == len(line.text)
    letter_o = line.alternatives[line.text.index("O", 4)]
    assert "0" in [char for char, _ in letter_o]


@pytest.mark.django_db
def test_the_reading_keeps_the_alternatives(device, station):
    capture, _ = create_capture(
        actor=device,
        data=label_bytes(["LOT B7O77", "S/N SN7781", "EXP 2028-03"]),
        source=CaptureSource.API,
        station=station,
    )
    perform_reading(job_id=capture.job.pk)
    capture.reading.refresh_from_db()
    lot = next(line for line in capture.reading.lines if line["text"].startswith("LOT"))
    assert len(lot["alternatives"]) == len(lot["text"]) and any(lot["alternatives"])


def test_a_value_of_known_format_is_repaired_with_the_character_the_engine_weighed():
    from ocr.pipeline.patterns import match_value

    text = "LOT KU71"
    alternatives = tuple(((("4", 0.31),) if char == "U" else ()) for char in text)
    assert match_value(text, r"K\d{3}", 0.9) is None  # U is no look-alike of any digit
    repaired = match_value(text, r"K\d{3}", 0.9, alternatives)
    assert repaired.value == "K471" and repaired.repaired == 1 and repaired.confidence < 0.9  # reviewed
