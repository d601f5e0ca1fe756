"""Data Matrix print indicators on symbols the test prints, clean and damaged."""

import cv2
import numpy as np
import zxingcpp

from ocr.pipeline.codes import read_codes


def printed(scale=8, fade=0, damage=False):
    barcode = zxingcpp.create_barcode(
        "(01)09501101020917(10)K4471(21)S1234", zxingcpp.BarcodeFormat.DataMatrix, gs1=True
    )
    sym = np.asarray(barcode.to_image(scale=scale, add_quiet_zones=True)).astype(np.float32)
    sym = np.where(sym < 128, 0 + fade, 255 - fade / 2)  # a fading printer: dark modules turn grey
    if damage:  # a scratch through the solid L at the bottom-left
        h, w = sym.shape
        sym[h - 2 * scale : h - scale, 3 * scale : 6 * scale] = 255
    page = np.full((sym.shape[0] + 80, sym.shape[1] + 80), 235, np.float32)
    page[40 : 40 + sym.shape[0], 40 : 40 + sym.shape[1]] = sym
    return cv2.GaussianBlur(page, (3, 3), 0).astype(np.uint8)


def quality(image):
    (code,) = read_codes(image)
    return code.quality


def test_a_clean_symbol_has_full_margin_and_no_pattern_damage():
    q = quality(printed())
    assert q.unused_ec == 1.0 and q.pattern_damage == 0.0
    assert 7.5 < q.module_px < 8.5 and q.contrast > 0.9 and q.margin > 0.8


def test_fading_lowers_contrast_and_margin_and_damage_is_counted():
    clean, faded = quality(printed()), quality(printed(fade=100))
    assert faded.contrast < clean.contrast - 0.3
    scratched = quality(printed(damage=True))
    assert scratched.pattern_damage > 0.03  # three modules of the L gone
    assert scratched.unused_ec is None or scratched.unused_ec <= 1.0
