"""Label templates: a product's, supplier's or label type's own rules for where each field is
(GS1 AI, anchors, format, region). Rules are tried before generic extraction; a value a rule
finds carries the rule's confidence threshold into the checks."""

import re

from ocr.pipeline.codes import parse_gs1
from ocr.pipeline.dates import normalise_date
from ocr.pipeline.patterns import match_value
from ocr.pipeline.types import CodeRead, Field, FieldRule, TextLine

DATE_NAMES = ("mfg", "expiry", "date")


def _inside(line: TextLine, region, width: int, height: int) -> bool:
    if region is None:
        return True
    xs = [x for x, _ in line.box]
    ys = [y for _, y in line.box]
    cx, cy = sum(xs) / len(xs) / width, sum(ys) / len(ys) / height
    left, top, right, bottom = region
    return left <= cx <= right and top <= cy <= bottom


def _from_code(rule: FieldRule, codes: tuple[CodeRead, ...]) -> Field | None:
    for code in codes:
        for element in code.gs1 or parse_gs1(code.text):
            if element.ai == rule.ai:
                value = element.value
                if rule.name in DATE_NAMES:
                    value = normalise_date(value) or value
                return Field(rule.name, value, "code", 1.0, f"({element.ai}){element.value}", code.box)
    return None


def _after_anchor(rule: FieldRule, line: TextLine) -> Field | None:
    anchors = "|".join(re.escape(a) for a in sorted(rule.anchors, key=len, reverse=True))
    m = re.search(rf"(?<![A-Z0-9])(?:{anchors})(?![A-Z0-9])\s*[:.#]?\s*(\S+(?:\s\S+)?)", line.text, re.I)
    if not m:
        return None
    candidates = [m[1], m[1].split(" ")[0]]
    if rule.name in DATE_NAMES:
        for candidate in candidates:
            if value := normalise_date(candidate):
                return Field(rule.name, value, "text", line.confidence, candidate, line.box)
        return None
    for candidate in candidates:
        if not rule.pattern:
            return Field(rule.name, candidate.strip(" :.,"), "text", line.confidence, candidate, line.box)
        if hit := match_value(candidate, rule.pattern, line.confidence):
            return Field(rule.name, hit.value, "text", hit.confidence, candidate, line.box)
    return None


def _by_pattern(rule: FieldRule, line: TextLine) -> Field | None:
    if hit := match_value(line.text, rule.pattern, line.confidence, line.alternatives):
        return Field(rule.name, hit.value, "text", hit.confidence, line.text, line.box)
    return None


def region_pixels(region, width: int, height: int) -> tuple[int, int, int, int]:
    left, top, right, bottom = region
    return round(left * width), round(top * height), round(right * width), round(bottom * height)


def recognise_regions(image, engine, rules: tuple[FieldRule, ...]) -> tuple[TextLine, ...]:
    """A fixed camera's frame: each rule's region cut out and recognised as one line, all in one
    batch, without a detector pass. Engines without batch recognition read each crop."""
    height, width = image.shape[:2]
    boxes = [region_pixels(rule.region, width, height) for rule in rules if rule.region]
    crops = [image[y0:y1, x0:x1] for x0, y0, x1, y1 in boxes]
    if hasattr(engine, "recognise"):
        texts = engine.recognise(crops)
    else:
        texts = []
        for crop in crops:
            found = engine.read(crop)
            texts.append((" ".join(t.text for t in found), min((t.confidence for t in found), default=0.0)))
    return tuple(
        TextLine(text, score, ((x0, y0), (x1, y0), (x1, y1), (x0, y1)))
        for (text, score), (x0, y0, x1, y1) in zip(texts, boxes, strict=True)
        if text.strip()
    )


def _whole(rule: FieldRule, line: TextLine) -> Field:
    value = line.text.strip()
    if rule.name in DATE_NAMES:
        value = normalise_date(value) or value
    return Field(rule.name, value, "text", line.confidence, line.text, line.box)


def apply_rules(
    rules: tuple[FieldRule, ...],
    lines: tuple[TextLine, ...],
    codes: tuple[CodeRead, ...],
    size: tuple[int, int],
) -> dict[str, Field]:
    """The fields the template's rules find: from a code when the rule names an AI, else after
    an anchor, else by format, only from lines inside the rule's region."""
    width, height = size
    found: dict[str, Field] = {}
    for rule in rules:
        field = _from_code(rule, codes) if rule.ai else None
        candidates = [line for line in lines if _inside(line, rule.region, width, height)]
        if field is None and rule.anchors:
            field = next((f for line in candidates if (f := _after_anchor(rule, line))), None)
        if field is None and rule.pattern and not rule.anchors:
            field = next((f for line in candidates if (f := _by_pattern(rule, line))), None)
        if field is None and rule.region and not (rule.anchors or rule.pattern or rule.ai) and candidates:
            field = _whole(rule, candidates[0])  # the region holds just the value
        if field is not None:
            found[rule.name] = field
    return found
