"""The reading pipeline: plain Python over numpy images. No ORM, no Django settings."""

from ocr.pipeline.intake import ImageInfo, ImageRejected, decode_image, inspect_image
from ocr.pipeline.read import read_image
from ocr.pipeline.types import CodeRead, Field, GS1Element, ReadConfig, ReadResult, TextLine

__all__ = [
    "CodeRead",
    "Field",
    "GS1Element",
    "ImageInfo",
    "ImageRejected",
    "ReadConfig",
    "ReadResult",
    "TextLine",
    "decode_image",
    "inspect_image",
    "read_image",
]
