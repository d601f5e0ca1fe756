"""Displays a text engine reads: the number among its lines, flagged when the engine was
unsure; a dot-matrix panel read with its dots merged into strokes, which the engine reads where
it finds no number in the separate dots; a number the 7-segment reader reads otherwise is
flagged."""

from dataclasses import asdict

import numpy as np

from inspection.demo import display_photo, text_display_photo
from inspection.vision.sevenseg import DisplayReading
from inspection.vision.text_display import (
    SURE,
    checked_by_segments,
    merged_dots,
    number_in_text,
    read_text_display,
)
from ocr.pipeline.text import get_engine


def test_the_line_with_the_most_digits_gives_the_number_and_an_unsure_one_is_flagged():
    lines = [{"text": "FLOW", "confidence": 0.99}, {"text": "12,50 L/min", "confidence": 0.97}]
    reading = number_in_text(lines)
    assert (reading.value, reading.reason) == (12.5, "")
    unsure = number_in_text([{"text": "12.50", "confidence": SURE - 0.1}])
    assert unsure.value == 12.5 and "unsure" in unsure.reason
    assert number_in_text([{"text": "OVEN", "confidence": 1.0}]).value is None


def test_a_line_that_may_be_misread_is_flagged():
    # "FLOW 707 L/MIN" and -909.96 read upside down, scored 0.87: no value on the panel
    for text, reason in [
        ("NIWZ7202M073", "the line holds other numbers beside 7202 (073)"),
        ("96606-", "a minus sign after 96606"),
    ]:
        reading = number_in_text([{"text": text, "confidence": 0.87}])
        assert reading.value is not None and reading.reason.startswith(reason)
    # a label or a sign before the value, a unit after it (with its own digit), spaces the
    # engine put within the number or left out
    for text, value in [("T=-5.2C", -5.2), ("P-378 KPA", -378), ("P 1 2.5 KPA", 12.5), ("FLOW 5 M3/H", 5)]:
        reading = number_in_text([{"text": text, "confidence": 0.9}])
        assert (reading.value, reading.reason) == (value, ""), text


def test_a_dot_matrix_panel_is_read_with_its_dots_merged():
    engine = get_engine("rapidocr")
    photo = text_display_photo("T= 42.7 C", tilt=0.1, turn=3, seed=3)
    # the engine finds no number in the separate dots of the photo as it is
    assert number_in_text(asdict(line) for line in engine.read(photo)).value is None
    reading = read_text_display(photo, engine.read)
    assert (reading.value, reading.reason) == (42.7, "")


def test_a_dot_matrix_reading_the_other_look_shows_more_of_is_flagged():
    # read as they are, the engine is surest of 2.9 and 225.9; with the dots merged, 802.9, -225.9
    engine = get_engine("rapidocr")
    for text, look in [
        ("802.9", dict(polarity="dark", char_height=105, tilt=0.02, turn=-1.5, blur=1.35, seed=384887726)),
        ("-225.9", dict(polarity="light", char_height=96, tilt=0.035, turn=3.9, blur=1.16, seed=801247902)),
    ]:
        reading = read_text_display(text_display_photo(text, **look), engine.read)
        assert reading.value != float(text) and f"the panel shows {text}" in reading.reason, text


def test_a_photo_with_no_dots_is_not_merged():
    assert merged_dots(np.full((480, 640, 3), 200, np.uint8)) is None
    assert merged_dots(text_display_photo("42.7", seed=1)) is not None


def test_a_number_the_segment_reader_reads_otherwise_is_flagged():
    # a 7-segment display registered as a general digital one: the text engine's 38.5 for 88.5
    photo = display_photo("88.5", seed=2)
    misread = checked_by_segments(DisplayReading("38.5", 38.5, 0.95), photo)
    assert misread.value == 38.5 and "as a 7-segment display it shows 88.5" in misread.reason
    right = DisplayReading("88.5", 88.5, 0.95)
    assert checked_by_segments(right, photo) == right
    # a dot-matrix panel: the segment reader flags its dots, and the text reading stands
    panel = text_display_photo("T= 42.7 C", tilt=0.1, turn=3, seed=3)
    reading = DisplayReading("T=42.7C", 42.7, 0.95)
    assert checked_by_segments(reading, panel) == reading
    # a reading already flagged is not read again
    unsure = DisplayReading("38.5", 38.5, 0.6, reason="the text engine is unsure of it (score 0.60)")
    assert checked_by_segments(unsure, photo) == unsure


def test_the_segment_readers_point_flags_a_text_reading_of_the_same_digits_without_it():
    # a 7-segment display read as a dot-matrix one: the text engine drops the point (224.00 as
    # 22400); the segment reader, unsure only because the photo's edge cuts a digit, has it
    from dataclasses import replace

    from inspection.vision.sevenseg.reader import DOTTED
    from inspection.vision.text_display import _segments_disagree

    text = DisplayReading("22400", 22400.0, 0.99)
    cut = DisplayReading("224.00", 224.0, 1.0, reason="the photo's edge cuts a digit off: one may be missing")
    assert _segments_disagree(text, cut) == (
        "read as a 7-segment display the point is elsewhere: 22400 may be 224.00"
    )
    assert "it shows 224.00" in _segments_disagree(text, replace(cut, reason=""))  # sure of it
    # unsure, of other digits, or finding the panel made of dots: it says nothing
    assert _segments_disagree(text, replace(cut, text="2.2500", value=2.25)) == ""
    assert _segments_disagree(text, replace(cut, reason=DOTTED)) == ""
    assert _segments_disagree(text, replace(cut, text="22400", value=22400.0)) == ""


def test_a_text_reading_with_a_digit_more_or_less_than_the_segment_readers_is_flagged():
    # a fuel pump's 225 registered as dot-matrix read 2250 through the merged dots; the segment
    # reader saw 225 and, after it, a cell that fits no digit: they disagree on how many digits
    # the panel shows, so neither number is given unflagged
    from dataclasses import replace

    from inspection.vision.text_display import _segments_disagree

    missing = "a digit at the end of the row fits no pattern: it may be missing"
    seen = DisplayReading("225", 225.0, 0.65, reason=missing)
    said = "read as a 7-segment display it shows 225: a digit at an end may be missing or extra"
    assert _segments_disagree(DisplayReading("2250", 2250.0, 0.86), seen) == said
    assert "it shows 225: " in _segments_disagree(DisplayReading("1225", 1225.0, 0.9), seen)  # before
    assert "it shows 2250: " in _segments_disagree(
        DisplayReading("225", 225.0, 0.9), replace(seen, text="2250", value=2250.0)
    )
    # other digits, two more, or one more in the middle: as before, nothing
    for other in ("2350", "22500", "2205"):
        assert _segments_disagree(DisplayReading(other, float(other), 0.9), seen) == "", other
