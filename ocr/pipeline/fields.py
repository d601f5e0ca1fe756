"""Fields from what was read: GS1 application identifiers from codes, anchored and unanchored
values from text lines. Each field keeps its source, confidence and the raw reading."""

import difflib
import re

from ocr.pipeline.dates import MONTH_NAMES, normalise_date
from ocr.pipeline.types import CodeRead, Field, TextLine

FIELD_NAMES = ("part_number", "lot", "serial", "mfg", "expiry", "date", "qty", "gtin")

GS1_FIELDS = {
    "01": "gtin",
    "10": "lot",
    "21": "serial",
    "11": "mfg",
    "17": "expiry",
    "30": "qty",
    "37": "qty",
    "240": "part_number",
}
GS1_DATES = {"11", "17"}
MH10_FIELDS = {
    "P": "part_number",
    "1P": "part_number",
    "S": "serial",
    "1T": "lot",
    "T": "lot",
    "Q": "qty",
    "14D": "expiry",
    "16D": "mfg",
    "V": "supplier",
    "25S": "udi",
}

# Anchors, longest first so "BEST IF USED BY" wins over "BY". Values follow the anchor.
ANCHORS = [
    (r"BEST\s*(?:IF\s*)?(?:USED\s*)?(?:BEFORE|BY)", "expiry"),
    (r"USE\s*(?:BY|BEFORE)", "expiry"),
    (r"EXP(?:IRY|IRES|\.)?(?:\s*DATE)?", "expiry"),
    (r"MFG(?:\s*DATE)?|MFD|MANUFACTURED|PROD(?:UCED)?", "mfg"),
    (r"LOT(?:\s*NO)?|BATCH(?:\s*NO)?|CH\.?-?B\.?", "lot"),
    (r"S/?N|SERIAL(?:\s*NO)?", "serial"),
    (r"P/?N|PART(?:\s*NO)?|REF", "part_number"),
    (r"QTY|QUANTITY", "qty"),
]
ANCHOR_RE = re.compile(
    r"(?<![A-Z0-9])(" + "|".join(f"(?:{a})" for a, _ in ANCHORS) + r")(?![A-Z0-9])\s*[:.#]?\s*", re.I
)
DATE_TOKEN = re.compile(
    r"\d{4}[-/.]\d{1,2}(?:[-/.]\d{1,2})?|\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})|\d{1,2}[-/ ]\d{4}"
    rf"|\d{{1,2}}/\d{{2}}|\d{{1,2}}\s?(?:{MONTH_NAMES})\s?\d{{2,4}}|(?:{MONTH_NAMES})\s?\d{{2,4}}|\d{{8}}|\d{{6}}",
    re.I,
)
EXPIRY_PHRASES = ("BEST IF USED BY", "BEST BEFORE", "USE BY", "USE BEFORE", "EXPIRY DATE", "EXPIRES")
# A code with a month/year printed straight after it, the space lost to the print or the reader
# ("P11208809/21" is lot P112088 and 09/21): split where a valid month starts the date.
GLUED_DATE = re.compile(r"\b([A-Z][A-Z0-9]*\d)((?:0[1-9]|1[0-2])[/.](?:\d{4}|\d{2}))\b")
CODE_TOKEN = re.compile(r"^[A-Z0-9][A-Z0-9-]{3,}[A-Z0-9]$")


def _anchor_field(anchor: str) -> str:
    for pattern, name in ANCHORS:
        if re.fullmatch(pattern, anchor.strip(), re.I):
            return name
    raise ValueError(anchor)


def from_codes(codes: tuple[CodeRead, ...]) -> list[Field]:
    fields = []
    for code in codes:
        for element in code.gs1:
            name = GS1_FIELDS.get(element.ai)
            if name is None:
                continue
            value = element.value
            if element.ai in GS1_DATES:
                value = normalise_date(value) or value
            if name == "qty":
                value = value.lstrip("0") or "0"
            fields.append(Field(name, value, "code", 1.0, f"({element.ai}){element.value}", code.box))
        for element in code.data_identifiers:
            name = MH10_FIELDS.get(element.ai)
            if name is None:
                continue
            value = element.value
            if element.ai in ("14D", "16D", "D"):
                value = normalise_date(value) or value
            fields.append(Field(name, value, "code", 1.0, f"{element.ai}{element.value}", code.box))
    return fields


def _date_at_start(text: str) -> tuple[str, str] | None:
    """A date at the start of ``text``: (normalised, the raw text it used)."""
    for match in sorted(DATE_TOKEN.finditer(text), key=lambda m: -len(m.group())):
        if match.start() == 0 and (value := normalise_date(match.group())):
            return value, match.group()
    return None


def anchored(line: TextLine) -> tuple[list[Field], str]:
    """Values that follow an anchor (LOT X, EXP 07/20, S/N ...), and the text left over."""
    text = GLUED_DATE.sub(r"\1 \2", re.sub(r"\s+", " ", line.text.upper()).strip())
    fields, rest = [], text
    anchors = list(ANCHOR_RE.finditer(text))
    for i, anchor in enumerate(anchors):
        name = _anchor_field(anchor.group(1))
        end = anchors[i + 1].start() if i + 1 < len(anchors) else len(text)
        value_text = text[anchor.end() : end].strip(" :.,")
        rest = rest.replace(text[anchor.start() : end], " ", 1)
        if not value_text:
            continue
        if name in ("expiry", "mfg"):
            found = _date_at_start(value_text)
            confidence = line.confidence
            if not found and (found := _date_at_start(digits_repaired(value_text))):
                confidence = round(confidence * 0.9, 4)
            if found:
                fields.append(Field(name, found[0], "text", confidence, found[1], line.box))
            continue
        value = value_text.split(" ")[0]
        fields.append(Field(name, value, "text", line.confidence, value, line.box))
    return fields, rest


def digits_repaired(text: str) -> str:
    """O and Q read where a digit stands beside digits (``2O21``) as 0, I and L as 1: only used
    to find dates, whose value is then reviewed at a lower confidence."""
    text = re.sub(r"(?<=\d)[OQ]|[OQ](?=\d)", "0", text)
    return re.sub(r"(?<=\d)[IL](?=\d)", "1", text)


def _expiry_phrase(prefix: str) -> bool:
    """The words before a date read like an expiry phrase with a letter or two misread."""
    words = re.sub(r"[^A-Z0-9 ]", "", prefix).strip()
    return bool(words) and any(
        difflib.SequenceMatcher(None, words[-len(phrase) - 2 :], phrase).ratio() >= 0.8
        for phrase in EXPIRY_PHRASES
    )


def from_line(line: TextLine) -> list[Field]:
    """Anchored values, then unanchored dates (digits misread as letters repaired, at a lower
    confidence; a date after a misread expiry phrase is an expiry) and code tokens."""
    fields, rest = anchored(line)
    searchable = digits_repaired(rest)
    for token_match in DATE_TOKEN.finditer(searchable):
        value = normalise_date(token_match.group())
        if value and not re.fullmatch(r"\d{6,8}", token_match.group()):
            raw = rest[token_match.start() : token_match.end()]
            confidence = line.confidence if raw == token_match.group() else round(line.confidence * 0.9, 4)
            name = "expiry" if _expiry_phrase(rest[: token_match.start()]) else "date"
            if name == "expiry":
                confidence = round(confidence * 0.9, 4)  # the phrase itself was misread
            fields.append(Field(name, value, "text", confidence, raw, line.box))
            rest = rest[: token_match.start()] + " " * len(raw) + rest[token_match.end() :]
    for token in rest.split():
        token = token.strip(" :.,")
        if CODE_TOKEN.match(token) and re.search(r"\d", token) and not re.fullmatch(r"(19|20)\d\d", token):
            fields.append(Field("lot", token, "text", line.confidence, token, line.box))
    return fields


def anchored_text(lines: tuple[TextLine, ...]) -> tuple[Field, ...]:
    """The first anchored text value of each name: what the label prints for a field."""
    chosen: dict[str, Field] = {}
    for line in lines:
        for field in anchored(line)[0]:
            chosen.setdefault(field.name, field)
    return tuple(chosen.values())


def extract(lines: tuple[TextLine, ...], codes: tuple[CodeRead, ...]) -> dict[str, Field]:
    """One field per name: a code's value beats text (it carries its own check), an anchored
    text value beats an unanchored guess (anchored ones come first from ``from_line``)."""
    chosen: dict[str, Field] = {}
    for field in from_codes(codes):
        chosen.setdefault(field.name, field)
    for line in lines:
        for field in from_line(line):
            chosen.setdefault(field.name, field)
    return chosen
