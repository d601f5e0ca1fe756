"""Label templates as stored (JSON a person edits in the admin or sends to the API) turned into
the pipeline's frozen rules, with a clear message for anything that would not work."""

import re

from ocr.pipeline.fields import FIELD_NAMES
from ocr.pipeline.types import FieldRule

TEMPLATE_FIELDS = (*FIELD_NAMES, "supplier", "ref", "udi", "sscc")
RULE_KEYS = {"name", "ai", "anchors", "pattern", "region", "required", "min_confidence"}


class TemplateError(ValueError):
    pass


def _rule(index: int, item) -> FieldRule:
    where = f"field {index + 1}"
    if not isinstance(item, dict):
        raise TemplateError(f"{where}: each field is an object with a name")
    unknown = set(item) - RULE_KEYS
    if unknown:
        raise TemplateError(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(RULE_KEYS)}")
    name = item.get("name")
    if name not in TEMPLATE_FIELDS:
        raise TemplateError(f"{where}: name must be one of {', '.join(TEMPLATE_FIELDS)}")
    ai = str(item.get("ai", ""))
    if ai and not re.fullmatch(r"\d{2,4}", ai):
        raise TemplateError(f"{where} ({name}): ai is a GS1 application identifier of 2 to 4 digits")
    anchors = item.get("anchors", [])
    if not isinstance(anchors, list) or not all(isinstance(a, str) and a.strip() for a in anchors):
        raise TemplateError(f"{where} ({name}): anchors is a list of words printed before the value")
    pattern = item.get("pattern", "")
    try:
        re.compile(pattern)
    except (re.error, TypeError) as exc:
        raise TemplateError(f"{where} ({name}): pattern is not a regular expression: {exc}") from None
    region = item.get("region")
    if region is not None:
        ok = (
            isinstance(region, list)
            and len(region) == 4
            and all(isinstance(v, int | float) and 0 <= v <= 1 for v in region)
            and region[0] < region[2]
            and region[1] < region[3]
        )
        if not ok:
            raise TemplateError(f"{where} ({name}): region is [left, top, right, bottom], fractions 0 to 1")
        region = tuple(float(v) for v in region)
    threshold = item.get("min_confidence")
    if threshold is not None and not (isinstance(threshold, int | float) and 0 <= threshold <= 1):
        raise TemplateError(f"{where} ({name}): min_confidence is between 0 and 1")
    if not (ai or anchors or pattern or region):
        raise TemplateError(f"{where} ({name}): give an ai, anchors, a pattern or a region to find it by")
    return FieldRule(
        name=name,
        ai=ai,
        anchors=tuple(a.strip() for a in anchors),
        pattern=pattern,
        region=region,
        required=bool(item.get("required", False)),
        min_confidence=float(threshold) if threshold is not None else None,
    )


def rules_from_json(data) -> tuple[FieldRule, ...]:
    if not isinstance(data, list):
        raise TemplateError("fields is a list of field rules")
    rules = tuple(_rule(i, item) for i, item in enumerate(data))
    names = [r.name for r in rules]
    if len(names) != len(set(names)):
        raise TemplateError("each field name may appear once")
    return rules
