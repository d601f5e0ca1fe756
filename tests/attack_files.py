"""Hostile uploads, made by the tests themselves: decompression bombs (pixels, declared sizes,
compressed metadata), polyglots (an image that is also HTML, PHP or PDF), SVG with script,
markup under an image name, damaged and multi-page files. Each maps to the code it is refused
with."""

import io
import struct
import zlib

from PIL import Image


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def _png(size=(64, 32)) -> bytes:
    out = io.BytesIO()
    Image.new("L", size, 255).save(out, "PNG")
    return out.getvalue()


def _jpeg(size=(16, 16), **options) -> bytes:
    out = io.BytesIO()
    Image.new("L", size, 128).save(out, "JPEG", **options)
    return out.getvalue()


def _after_ihdr(png: bytes, chunk: bytes) -> bytes:
    return png[:33] + chunk + png[33:]  # 8-byte signature + 25-byte IHDR chunk


def attack_files() -> dict[str, tuple[bytes, str]]:
    """name → (bytes, the refusal code)."""
    png = _png()
    bomb = io.BytesIO()
    Image.new("1", (12_000, 12_000), 1).save(bomb, "PNG", optimize=True)  # 144 Mpx in ~30 kB
    declared = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", 65_500, 65_500, 8, 0, 0, 0, 0))
    declared += _chunk(b"IDAT", zlib.compress(b"\0" * 100)) + _chunk(b"IEND", b"")
    sof = bytearray(_jpeg())
    at = sof.find(b"\xff\xc0")
    sof[at + 5 : at + 9] = struct.pack(">HH", 65_500, 65_500)
    truncated = _jpeg((200, 100))
    pages = io.BytesIO()
    frames = [Image.new("L", (8, 8), v) for v in range(50)]
    frames[0].save(pages, "TIFF", save_all=True, append_images=frames[1:])
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
    return {
        "bomb-144mpx.png": (bomb.getvalue(), "too_many_pixels"),
        "bomb-declared-65500.png": (declared, "too_many_pixels"),
        "bomb-declared-65500.jpg": (bytes(sof), "too_many_pixels"),
        "bomb-ztxt-50mb.png": (
            _after_ihdr(png, _chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"A" * 50_000_000, 9))),
            "corrupt",
        ),
        "bomb-iccp-50mb.png": (
            _after_ihdr(png, _chunk(b"iCCP", b"icc\0\0" + zlib.compress(b"\0" * 50_000_000, 9))),
            "corrupt",
        ),
        "polyglot-png-html.png": (
            png + b"<html><script>alert(document.cookie)</script></html>",
            "embedded_content",
        ),
        "polyglot-png-pdf.png": (
            png + b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n%%EOF",
            "embedded_content",
        ),
        "polyglot-jpeg-php.jpg": (_jpeg(comment=b"<?php system($_GET['c']); ?>"), "embedded_content"),
        "polyglot-png-text-script.png": (
            _after_ihdr(png, _chunk(b"tEXt", b"Comment\0<script src=//x/a.js></script>")),
            "embedded_content",
        ),
        "polyglot-gif-js.gif": (b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00;*/=1;alert(1)//", "not_an_image"),
        "html-named.jpg": (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "not_an_image"),
        "script.svg": (svg, "not_an_image"),
        "script-svg-named.png": (svg, "not_an_image"),
        "truncated.jpg": (truncated[: len(truncated) // 2], "corrupt"),
        "truncated.png": (png[: len(png) // 2], "corrupt"),
        "fifty-pages.tiff": (pages.getvalue(), "animated"),
    }
