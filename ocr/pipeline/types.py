"""What the pipeline returns: frozen, JSON-friendly dataclasses (no ORM, no settings)."""

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ocr.pipeline.print_quality import SymbolQuality

Point = tuple[float, float]
Polygon = tuple[Point, ...]


@dataclass(frozen=True)
class TextLine:
    text: str
    confidence: float
    box: Polygon
    chars: tuple[float, ...] = ()  # confidence of each character of ``text`` (spaces 1.0); () if unknown
    # per character of ``text``: the other characters the engine weighed there, with their
    # probability (at least 1%, best first); () when the engine does not say
    alternatives: tuple[tuple[tuple[str, float], ...], ...] = ()


@dataclass(frozen=True)
class GS1Element:
    ai: str
    value: str
    description: str = ""


@dataclass(frozen=True)
class CodeRead:
    symbology: str  # zxing-cpp's format name, e.g. "DataMatrix", "QRCode", "Code128"
    text: str  # exact content; GS1 separators as U+001D
    box: Polygon
    symbology_identifier: str = ""  # e.g. "]d2" for GS1 DataMatrix
    gs1: tuple[GS1Element, ...] = ()
    version: str = ""  # symbol size for 2D codes: Data Matrix "14x14", QR "3"
    data_identifiers: tuple[GS1Element, ...] = ()  # ISO 15434 format 06: ANSI MH10 DIs in ``ai``
    unused_ec: float | None = None  # share of error correction the decoder did not need
    quality: "SymbolQuality | None" = None  # Data Matrix print indicators (ocr.pipeline.print_quality)


@dataclass(frozen=True)
class FieldRule:
    """How a label template finds one field. Any of: a GS1 application identifier in a code,
    anchors printed before the value, a format the value must have, a region of the label
    (fractions of width and height: left, top, right, bottom)."""

    name: str
    ai: str = ""
    anchors: tuple[str, ...] = ()
    pattern: str = ""
    region: tuple[float, float, float, float] | None = None
    required: bool = False
    min_confidence: float | None = None


@dataclass(frozen=True)
class ReadConfig:
    """Everything one reading depends on. Frozen, so a worker can cache by it."""

    engine: str = "rapidocr"
    model_dir: str = ""  # where engines that need weight files find them (EasyOCR: <dir>/easyocr)
    engine_options: tuple[tuple[str, object], ...] = ()  # e.g. (("Det.limit_side_len", 960),)
    read_text: bool = True
    read_codes: bool = True
    max_text_side: int = 2000  # detector input: larger photos are scaled down for text
    retry_text: bool = True  # read enhanced variants when the first look is poor
    retry_below: float = 0.97
    # Expected formats, as (field name, regex): a product's serial or lot pattern from its template.
    # When no line fits, other orientations and detector sizes are searched.
    patterns: tuple[tuple[str, str], ...] = ()
    search_sides: tuple[int, ...] = (1280,)
    rules: tuple[FieldRule, ...] = ()  # the label template's fields, tried before generic extraction
    template: str = ""  # its name, kept with the reading
    fixed_layout: bool = False  # a fixed camera's frame: text only from the rules' regions, no detector
    assess_quality: bool = True
    min_confidence: float = 0.95  # fields read below this go to review


@dataclass(frozen=True)
class Field:
    """A structured value (lot, expiry, ...) with where it came from and the raw reading."""

    name: str
    value: str
    source: str  # "code" or "text"
    confidence: float
    raw: str
    box: Polygon = ()


@dataclass(frozen=True)
class Issue:
    code: str  # blurred, underexposed, overexposed, low_contrast, glare, text_too_small, code_too_small
    message: str


@dataclass(frozen=True)
class Quality:
    ok: bool
    issues: tuple[Issue, ...] = ()
    sharpness: float = 0.0
    median_grey: float = 0.0
    contrast: float = 0.0
    glare_share: float = 0.0
    char_px: float | None = None
    module_px: float | None = None


@dataclass(frozen=True)
class Check:
    name: str  # check_digit, valid_date, expiry_after_mfg, pattern, text_matches_code, confidence
    field: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class ReadResult:
    width: int
    height: int
    lines: tuple[TextLine, ...] = ()
    codes: tuple[CodeRead, ...] = ()
    fields: tuple[Field, ...] = ()
    engine: str = ""
    engine_version: str = ""
    engine_model: str = ""
    text_variant: str = ""  # which look at the image the text came from
    quality: Quality | None = None
    checks: tuple[Check, ...] = ()
    review_reasons: tuple[str, ...] = ()  # empty: every field accepted
    timings_ms: dict = field(default_factory=dict)

    @property
    def needs_review(self) -> bool:
        return bool(self.review_reasons)

    def to_dict(self) -> dict:
        return asdict(self)
