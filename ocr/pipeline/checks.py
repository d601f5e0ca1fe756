"""Checks on the fields a reading produced. A field that fails one, or is read below the
confidence threshold, sends the capture to review with the reasons; the rest are accepted.

- GS1 check digits (GTIN, SSCC, GLN) on values from codes and text
- dates that are real calendar dates, and expiry after manufacture
- product formats (the template's or product's serial and lot patterns)
- text against code: when a label prints a field and encodes it, the two must agree"""

import datetime as dt
import re

from ocr.pipeline.types import Check, Field, FieldRule

CHECK_DIGIT_FIELDS = {"gtin": (8, 12, 13, 14), "sscc": (18,), "gln": (13,)}
DATE_FIELDS = ("mfg", "expiry", "date")
COMPARED = ("gtin", "lot", "serial", "mfg", "expiry", "qty", "part_number")


def gs1_check_digit_ok(digits: str) -> bool:
    """GS1 mod-10: weights 3 and 1 from the right, the last digit makes the sum a multiple of 10."""
    if not digits.isdigit() or len(digits) < 2:
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def as_date(value: str) -> dt.date | None:
    """An ISO date, or a year and month (taken as the month's last day, as labels mean it)."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return dt.date.fromisoformat(value)
        if m := re.fullmatch(r"(\d{4})-(\d{2})", value):
            year, month = int(m[1]), int(m[2])
            if not 1 <= month <= 12:
                return None
            return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    except ValueError:
        return None
    return None


def same_value(name: str, a: str, b: str) -> bool:
    if name in DATE_FIELDS:  # "2028-03" printed, "2028-03-31" encoded: the same expiry
        return a[:7] == b[:7] if min(len(a), len(b)) == 7 else a == b
    if name == "qty":
        return a.lstrip("0") == b.lstrip("0")
    squash = lambda v: re.sub(r"[\s\-./]", "", v.upper())  # noqa: E731
    return squash(a) == squash(b)


def check_fields(
    fields: tuple[Field, ...],
    text_fields: tuple[Field, ...] = (),
    patterns: tuple[tuple[str, str], ...] = (),
    min_confidence: float = 0.95,
    rules: tuple[FieldRule, ...] = (),
) -> tuple[Check, ...]:
    """Every check that applies to the chosen ``fields``. ``text_fields`` are the anchored text
    values, compared with what the codes say; ``rules`` (a label template) add required fields
    and their own confidence thresholds."""
    checks = []
    by_name = {f.name: f for f in fields}
    thresholds = {r.name: r.min_confidence for r in rules if r.min_confidence is not None}
    for rule in rules:
        if rule.required and rule.name not in by_name:
            checks.append(
                Check("required", rule.name, False, f"the template requires {rule.name}; none was read")
            )
    for f in fields:
        if f.name in CHECK_DIGIT_FIELDS:
            ok = len(f.value) in CHECK_DIGIT_FIELDS[f.name] and gs1_check_digit_ok(f.value)
            checks.append(
                Check("check_digit", f.name, ok, "" if ok else f"{f.value} fails the GS1 check digit")
            )
        if f.name in DATE_FIELDS:
            ok = as_date(f.value) is not None
            checks.append(Check("valid_date", f.name, ok, "" if ok else f"{f.raw!r} is not a calendar date"))
        threshold = thresholds.get(f.name, min_confidence)
        ok = f.confidence >= threshold
        detail = "" if ok else f"read at {f.confidence:.2f}, below {threshold:.2f}"
        checks.append(Check("confidence", f.name, ok, detail))
    mfg, expiry = by_name.get("mfg"), by_name.get("expiry")
    if mfg and expiry and as_date(mfg.value) and as_date(expiry.value):
        ok = as_date(expiry.value) > as_date(mfg.value)
        checks.append(
            Check(
                "expiry_after_mfg",
                "expiry",
                ok,
                "" if ok else f"expiry {expiry.value} is not after {mfg.value}",
            )
        )
    for name, pattern in dict(patterns).items():  # a name checked once, the template's pattern last
        found = by_name.get(name)
        if found is None:
            checks.append(Check("pattern", name, False, f"no {name} matching {pattern} was read"))
        else:
            ok = re.fullmatch(pattern, found.value) is not None
            checks.append(Check("pattern", name, ok, "" if ok else f"{found.value} does not match {pattern}"))
    for text in text_fields:
        coded = by_name.get(text.name)
        if text.name in COMPARED and coded is not None and coded.source == "code":
            ok = same_value(text.name, text.value, coded.value)
            detail = "" if ok else f"printed {text.value}, encoded {coded.value}"
            checks.append(Check("text_matches_code", text.name, ok, detail))
    return tuple(checks)


def review_reasons(checks: tuple[Check, ...]) -> list[str]:
    """One line per failed check, for the review queue."""
    return [f"{c.field}: {c.name}" + (f" ({c.detail})" if c.detail else "") for c in checks if not c.ok]


def accepted(field: Field, checks: tuple[Check, ...]) -> bool:
    return all(c.ok for c in checks if c.field == field.name)
