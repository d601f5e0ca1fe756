"""QR codes whose modules carry texture (designed codes with a picture in them, speckled print):
flecks of the other tone inside the modules defeat a plain read; the reader evens them out."""

import cv2
import numpy as np
import pytest
import zxingcpp

from ocr.pipeline.codes import read_codes

CONTENT = "https://example.com/lot/K4471?serial=S1234"


def speckled(seed: int, scale: int = 8, share: float = 0.2, fleck: int = 2) -> np.ndarray:
    """The code with ``share`` of its area covered by ``fleck``-pixel flecks of the other tone;
    the three finder patterns stay clean, as designed codes keep them."""
    barcode = zxingcpp.create_barcode(CONTENT, zxingcpp.BarcodeFormat.QRCode, ec_level="H")
    sym = np.asarray(barcode.to_image(scale=1, add_quiet_zones=True))
    size = sym.shape[0] * scale
    modules = cv2.resize(sym, (size, size), interpolation=cv2.INTER_NEAREST)
    rng = np.random.default_rng(seed)
    flecks = np.kron(rng.uniform(size=(size // fleck + 1,) * 2) < share, np.ones((fleck, fleck)))
    image = np.where(flecks[:size, :size].astype(bool), 255 - modules, modules)
    finder = 11 * scale  # 7 modules, the quiet zone's 4 included
    for y, x in ((0, 0), (0, size - finder), (size - finder, 0)):
        image[y : y + finder, x : x + finder] = modules[y : y + finder, x : x + finder]
    return image.astype(np.uint8)


@pytest.mark.parametrize("seed", range(4))
def test_a_code_with_flecks_in_its_modules_is_read_exactly(seed):
    image = speckled(seed)
    assert zxingcpp.read_barcodes(image) == []  # the plain read fails: this is a hard case
    assert [code.text for code in read_codes(image)] == [CONTENT]
