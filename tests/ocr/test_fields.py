"""Dates, fields and reading order: pure functions, no images."""

import pytest

from ocr.pipeline.dates import normalise_date
from ocr.pipeline.fields import extract
from ocr.pipeline.layout import group_lines
from ocr.pipeline.types import CodeRead, GS1Element, TextLine


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("07/2020", "2020-07"),
        ("2028-03", "2028-03"),
        ("1FEB2020", "2020-02-01"),
        ("280313", "2028-03-13"),
        ("20190601", "2019-06-01"),
        ("JUN 2021", "2021-06"),
        ("08 2020", "2020-08"),
        ("09/20", "2020-09"),
        ("280300", "2028-03"),
        ("13.03.2028", "2028-03-13"),
        ("SEPT 25", "2025-09"),
        ("13/20", None),
        ("hello", None),
        ("310229", None),
    ],
)
def test_label_dates_normalise_to_iso(text, iso):
    assert normalise_date(text) == iso


def line(text, confidence=0.99, box=((0, 0), (10, 0), (10, 10), (0, 10))):
    return TextLine(text, confidence, box)


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("LOT R03718-M2", {"lot": "R03718-M2"}),
        ("EXP: 09/2020", {"expiry": "2020-09"}),
        ("BEST IF USED BY JUN 2021", {"expiry": "2021-06"}),
        ("LOT 18186AX51 EXP. 06/20", {"lot": "18186AX51", "expiry": "2020-06"}),
        ("P112104 09/20", {"lot": "P112104", "date": "2020-09"}),
        ("S/N SN000123", {"serial": "SN000123"}),
        ("P/N TL-1000", {"part_number": "TL-1000"}),
        ("MFG 1FEB2020", {"mfg": "2020-02-01"}),
        ("QTY 25", {"qty": "25"}),
        ("03/2020", {"date": "2020-03"}),
        ("Controller board", {}),
    ],
)
def test_fields_from_text(text, fields):
    assert {name: f.value for name, f in extract((line(text),), ()).items()} == fields


def test_code_fields_win_over_text_and_dates_are_iso():
    code = CodeRead(
        "DataMatrix",
        "",
        (),
        "]d2",
        (
            GS1Element("01", "09501101020917"),
            GS1Element("17", "280331"),
            GS1Element("10", "A1"),
            GS1Element("30", "0025"),
        ),
    )
    found = extract((line("LOT B2"),), (code,))
    assert {k: (f.value, f.source) for k, f in found.items()} == {
        "gtin": ("09501101020917", "code"),
        "expiry": ("2028-03-31", "code"),
        "lot": ("A1", "code"),
        "qty": ("25", "code"),
    }


def test_words_are_grouped_into_lines_in_reading_order():
    def box(x, y, w=40, h=20):
        return ((x, y), (x + w, y), (x + w, y + h), (x, y + h))

    pieces = (
        TextLine("09/20", 0.9, box(100, 52)),
        TextLine("LOT", 1.0, box(0, 0)),
        TextLine("P1121", 0.8, box(0, 50)),
        TextLine("A7", 1.0, box(60, 3)),
    )
    lines = group_lines(pieces)
    assert [ln.text for ln in lines] == ["LOT A7", "P1121 09/20"]
    assert lines[1].box[0] == (0, 50) and lines[1].box[2] == (140, 72)
    assert 0.8 < lines[1].confidence < 0.9


@pytest.mark.parametrize(
    ("text", "value", "repaired"),
    [
        ("1X2100H", "1X2100H", 0),
        ("Q 162050H", "1G2050H", 1),
        ("11X2102H", "1X2102H", 0),
        ("1W2O02H", "1W2002H", 1),
        ("1202H", None, None),
        ("XX99", None, None),
    ],
)
def test_values_of_known_format_are_found_or_repaired_with_lower_confidence(text, value, repaired):
    from ocr.pipeline.patterns import match_value

    match = match_value(text, "1[GWX][0-9]{4}H", 0.9)
    assert (match.value, match.repaired) == (value, repaired) if value else match is None
    if match and match.repaired:
        assert match.confidence < 0.9


def test_unrotate_maps_boxes_back_for_every_quarter_turn():
    import numpy as np

    from ocr.pipeline.read import _unrotate

    image = np.zeros((30, 50), np.uint8)
    image[7, 11] = 1
    for turns in range(4):
        y, x = map(int, np.argwhere(np.rot90(image, turns))[0])
        assert _unrotate((line("a", box=((x, y),)),), turns, image.shape)[0].box == ((11, 7),)


def test_a_date_glued_to_a_lot_is_split_where_a_month_starts():
    from ocr.pipeline.fields import from_line
    from ocr.pipeline.types import TextLine

    fields = {f.name: f.value for f in from_line(TextLine("P11208809/21", 0.99, ()))}
    assert fields == {"lot": "P112088", "date": "2021-09"}


def test_dates_with_letters_for_digits_and_misread_expiry_phrases():
    from ocr.pipeline.fields import from_line
    from ocr.pipeline.types import TextLine

    def fields(text):
        return {f.name: (f.value, f.confidence) for f in from_line(TextLine(text, 1.0, ()))}

    expiry, confidence = fields("6EST IF LISED BY JUN 2O21")["expiry"]
    assert expiry == "2021-06" and confidence < 0.95  # repaired twice: reviewed, not accepted
    assert fields("EXP 2O28-03")["expiry"][0] == "2028-03"
    assert "expiry" not in fields("MADE BY 2021-03")
    assert fields("LOT A1O5") == {"lot": ("A1O5", 1.0)}  # codes are never "repaired"
