"""EAN-13 symbols out of focus: thin bars and spaces smeared into grey defeat a plain read; the
reader sharpens the symbol by deconvolution and reads it exactly."""

import cv2
import numpy as np
import pytest
import zxingcpp

from ocr.pipeline.codes import read_codes


def blurred(text: str, module: float, blur: float, seed: int = 0) -> np.ndarray:
    """The symbol with ``module`` pixels per module, printed grey on light paper, then blurred by
    a Gaussian of ``blur`` modules, with sensor noise."""
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.EAN13)
    sym = np.asarray(barcode.to_image(scale=1, add_quiet_zones=True)).astype(np.float32)
    image = cv2.resize(sym, None, fx=module, fy=module * 0.6, interpolation=cv2.INTER_AREA)
    image = cv2.copyMakeBorder(image, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=255)
    image = cv2.GaussianBlur(60 + image * (140 / 255), (0, 0), blur * module)
    noise = np.random.default_rng(seed).normal(0, 3, image.shape)
    return np.clip(image + noise, 0, 255).astype(np.uint8)


@pytest.mark.parametrize(
    ("text", "module"), [("5000213101025", 2.5), ("4006381333931", 3.0), ("9780201379624", 3.5)]
)
def test_an_out_of_focus_ean13_is_read_exactly(text, module):
    image = blurred(text, module, blur=0.6)
    assert zxingcpp.read_barcodes(image) == []  # the plain read fails: this is a hard case
    assert [code.text for code in read_codes(image)] == [text]
