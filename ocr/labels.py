"""Render product labels as images: demo captures, tests and benchmarks make their own pictures.

Pure Pillow + zxing-cpp; the font is Pillow's built-in scalable font, so nothing depends on what
fonts a machine has."""

import io

import numpy as np
import zxingcpp
from PIL import Image, ImageDraw, ImageFont


def render_label(
    lines: list[str],
    *,
    code: str | None = None,
    symbology: str = "DataMatrix",
    gs1: bool = False,
    width: int = 900,
    font_size: int = 44,
) -> Image.Image:
    """A white label with dark text lines on the left and, if given, a code on the right.
    With ``gs1`` the code content is GS1 HRI, e.g. ``(01)09501101020917(10)L42``."""
    font = ImageFont.load_default(size=font_size)
    line_height = int(font_size * 1.5)
    text_width = max((int(font.getlength(text)) for text in lines), default=0) + 80
    height = max(320, 60 + line_height * len(lines))
    symbol = None
    if code is not None:
        options = {"gs1": True} if gs1 else {}
        barcode = zxingcpp.create_barcode(code, zxingcpp.BarcodeFormat[symbology], **options)
        symbol = Image.fromarray(np.asarray(barcode.to_image(scale=8, add_quiet_zones=True)))
        box_height = height - 40
        scale = min(box_height / symbol.height, 1.5 * box_height / symbol.width)
        symbol = symbol.resize((round(symbol.width * scale), round(symbol.height * scale)), Image.NEAREST)
    width = max(width, text_width + (symbol.width + 40 if symbol else 0))
    label = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(label)
    for i, text in enumerate(lines):
        draw.text((40, 40 + i * line_height), text, fill=(20, 20, 20), font=font)
    if symbol is not None:
        label.paste(symbol.convert("RGB"), (width - symbol.width - 20, (height - symbol.height) // 2))
    return label


def label_bytes(lines: list[str], *, code: str | None = None, fmt: str = "PNG", **kwargs) -> bytes:
    buffer = io.BytesIO()
    render_label(lines, code=code, **kwargs).save(buffer, format=fmt)
    return buffer.getvalue()
