"""Code contents in every syntax labels use: GS1 element strings, GS1 Digital Link URIs and
ISO/IEC 15434 messages (format 05 GS1, format 06 ANSI MH10 data identifiers)."""

import cv2
import numpy as np
import zxingcpp

from ocr.pipeline import ReadConfig, read_image
from ocr.pipeline.codes import elements_of, parse_iso15434

MH10 = "[)>\x1e06\x1d1PABC-123\x1dS778899\x1d1TLOT42\x1dQ10\x1d14D20280331\x1e\x04"


def symbol(content: str, fmt: str) -> np.ndarray:
    barcode = zxingcpp.create_barcode(content, zxingcpp.BarcodeFormat[fmt])
    image = np.asarray(barcode.to_image(scale=8, add_quiet_zones=True))
    return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)


def test_iso15434_format_06_data_identifiers():
    gs1, identifiers = parse_iso15434(MH10)
    assert gs1 == ()
    assert [(e.ai, e.value) for e in identifiers] == [
        ("1P", "ABC-123"),
        ("S", "778899"),
        ("1T", "LOT42"),
        ("Q", "10"),
        ("14D", "20280331"),
    ]


def test_iso15434_format_05_and_digital_link_give_gs1_elements():
    gs1, _ = elements_of("[)>\x1e05\x1d0109501101020917\x1d10ABC\x1e\x04", False)
    assert [(e.ai, e.value) for e in gs1] == [("01", "09501101020917"), ("10", "ABC")]
    link, _ = elements_of("https://id.gs1.org/01/09501101020917/21/X9?17=280301", False)
    assert [(e.ai, e.value) for e in link] == [("01", "09501101020917"), ("21", "X9"), ("17", "280301")]
    assert elements_of("https://example.com/not-a-link", False) == ((), ())


def test_fields_from_a_15434_data_matrix_and_a_digital_link_qr():
    result = read_image(symbol(MH10, "DataMatrix"), ReadConfig(read_text=False))
    fields = {f.name: f.value for f in result.fields}
    assert fields == {
        "part_number": "ABC-123",
        "serial": "778899",
        "lot": "LOT42",
        "qty": "10",
        "expiry": "2028-03-31",
    }
    link = "https://id.gs1.org/01/09501101020917/21/X9?17=280301"
    qr = read_image(symbol(link, "QRCode"), ReadConfig(read_text=False))
    assert {f.name: f.value for f in qr.fields} == {
        "gtin": "09501101020917",
        "serial": "X9",
        "expiry": "2028-03-01",
    }


def test_one_linear_symbol_read_two_ways_keeps_the_content_other_binarizers_confirm():
    from ocr.pipeline.codes import settle_conflicts
    from ocr.pipeline.types import CodeRead

    image = symbol("5030159003930", "EAN13")
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    h, w = grey.shape
    box = ((0.0, h / 2), (float(w), h / 2), (float(w), h / 2 + 1), (0.0, h / 2 + 1))
    misread = CodeRead("EAN13", "7034759003930", box)
    right = CodeRead("EAN13", "5030159003930", box)
    assert [r.text for r in settle_conflicts([misread, right], grey)] == ["5030159003930"]
    elsewhere = CodeRead("EAN13", "4006381333931", ((w * 5.0, 0), (w * 6.0, 0), (w * 6.0, 1), (w * 5.0, 1)))
    assert len(settle_conflicts([right, elsewhere], grey)) == 2


def test_a_large_jpeg_is_read_reduced_and_small_codes_from_the_full_photo():
    from functools import cache

    from ocr.pipeline import decode_image

    barcode = zxingcpp.create_barcode(
        "(01)09501101020917(10)K4471", zxingcpp.BarcodeFormat.DataMatrix, gs1=True
    )
    sym = np.asarray(barcode.to_image(scale=2, add_quiet_zones=True))
    photo = np.full((3000, 4000), 200, np.uint8)
    photo[1400 : 1400 + sym.shape[0], 2000 : 2000 + sym.shape[1]] = sym
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(photo, cv2.COLOR_GRAY2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
    data = jpeg.tobytes()
    reduced = decode_image(data, max_pixels=10**8, reduce_to=2000)
    assert reduced.shape[:2] == (1500, 2000)
    result = read_image(
        reduced,
        ReadConfig(read_text=False),
        full_resolution=cache(lambda: decode_image(data, max_pixels=10**8)),
    )
    assert [c.text for c in result.codes] == ["010950110102091710K4471"]
    (x, y) = result.codes[0].box[0]
    assert 990 < x < 1010 and 690 < y < 710  # in the reduced image's pixels
