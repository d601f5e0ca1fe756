"""Label verification (optical character verification): what a label says, printed and encoded,
against what it should say. Plain Python over one reading's lines and codes.

Per field a three-way check: the printed text, the code, and the expected value (from the
database, or sent by the line) must agree. The reason says which of them differs:
``missing`` (neither form, or one form the label must carry), ``check_digit`` (a GS1 number that
fails its own check), ``date_format`` (a date that is no calendar date), ``misread`` (the text
differs from code and database but was read unsurely: look again before blaming the printer),
``misprinted`` (surely read text that differs from code and database, or a code that differs
from surely read text and the database), ``mismatch`` (what the label says, in every form it
says it, is not what was expected: the wrong lot, the wrong serial), ``expired``. Required marks
(CE with a notified body, Rx only, a UDI, country of origin) are rules with a name each."""

import datetime as dt
import re
from dataclasses import dataclass

from ocr.pipeline.checks import CHECK_DIGIT_FIELDS, DATE_FIELDS, as_date, gs1_check_digit_ok, same_value
from ocr.pipeline.fields import anchored, from_codes, from_line
from ocr.pipeline.types import CodeRead, TextLine

UDI_PRODUCTION_AIS = ("10", "11", "17", "21")  # lot, production date, expiry, serial


@dataclass(frozen=True)
class MarkRule:
    """Content a product's label must carry. ``kind`` "text": ``pattern`` (a regex) is found in
    the label's text; "udi": a GS1 code with a valid GTIN and at least one production identifier
    (and ``pattern``, if given, matches the code's content)."""

    name: str
    kind: str = "text"
    pattern: str = ""


@dataclass(frozen=True)
class FieldVerdict:
    field: str
    ok: bool
    reason: str  # "" when ok; else one of the reasons in the module docstring
    expected: str = ""
    printed: str = ""
    encoded: str = ""
    detail: str = ""


@dataclass(frozen=True)
class MarkVerdict:
    name: str
    ok: bool
    found: str = ""


@dataclass(frozen=True)
class Verdict:
    ok: bool
    fields: tuple[FieldVerdict, ...]
    marks: tuple[MarkVerdict, ...]

    @property
    def reasons(self) -> tuple[str, ...]:
        """One line a person can act on per failure."""
        lines = [
            f"{v.field}: {v.reason}" + (f" ({v.detail})" if v.detail else "") for v in self.fields if not v.ok
        ]
        lines += [f"mark missing: {m.name}" for m in self.marks if not m.ok]
        return tuple(lines)


def _problem(name: str, value: str) -> str:
    if name in CHECK_DIGIT_FIELDS and not (
        len(value) in CHECK_DIGIT_FIELDS[name] and gs1_check_digit_ok(value)
    ):
        return "check_digit"
    if name in DATE_FIELDS and as_date(value) is None:
        return "date_format"
    return ""


def verify_field(
    name: str, expected: str, printed, encoded, *, both_forms: bool, sure: float, today: dt.date | None
) -> FieldVerdict:
    """The three-way check of one field. ``printed`` and ``encoded`` are the Fields read (or
    None); ``sure``: text read at or above this confidence is taken as what is printed."""
    text = printed.value if printed else ""
    code = encoded.value if encoded else ""
    verdict = {"field": name, "expected": expected, "printed": text, "encoded": code}
    if not text and not code:
        return FieldVerdict(**verdict, ok=False, reason="missing", detail="not on the label")
    if both_forms and not (text and code):
        which = "printed text" if not text else "code"
        return FieldVerdict(**verdict, ok=False, reason="missing", detail=f"the {which} does not carry it")
    for source, value in (("code", code), ("printed text", text)):
        if value and (problem := _problem(name, value)):
            return FieldVerdict(**verdict, ok=False, reason=problem, detail=f"in the {source}: {value}")
    text_ok = not text or not expected or same_value(name, text, expected)
    code_ok = not code or not expected or same_value(name, code, expected)
    agree = not (text and code) or same_value(name, text, code)
    if text_ok and code_ok and agree:
        if name == "expiry" and today and (when := as_date(code or text)) and when < today:
            return FieldVerdict(**verdict, ok=False, reason="expired", detail=f"expired {code or text}")
        return FieldVerdict(**verdict, ok=True, reason="")
    if not expected or (not text_ok and not code_ok and agree):
        detail = (
            f"the label says {code or text}, expected {expected}"
            if expected
            else "printed and encoded differ"
        )
        return FieldVerdict(**verdict, ok=False, reason="mismatch", detail=detail)
    if code_ok and not text_ok:  # the code agrees with the database: the text is the odd one
        unsure = printed.confidence < sure
        reason = "misread" if unsure else "misprinted"
        detail = f"printed {text} (read at {printed.confidence:.2f}), code and database {expected}"
        return FieldVerdict(**verdict, ok=False, reason=reason, detail=detail)
    if text_ok and not code_ok:
        return FieldVerdict(
            **verdict,
            ok=False,
            reason="misprinted",
            detail=f"encoded {code}, printed and database {expected}",
        )
    return FieldVerdict(
        **verdict, ok=False, reason="mismatch", detail=f"printed {text}, encoded {code}, expected {expected}"
    )


def _udi_present(codes: tuple[CodeRead, ...], pattern: str) -> str:
    for code in codes:
        ais = {element.ai: element.value for element in code.gs1}
        gtin = ais.get("01", "")
        if not (len(gtin) == 14 and gs1_check_digit_ok(gtin)):
            continue
        if any(ai in ais for ai in UDI_PRODUCTION_AIS) and (not pattern or re.search(pattern, code.text)):
            return code.text
    return ""


def check_marks(lines: tuple[TextLine, ...], codes: tuple[CodeRead, ...], rules) -> tuple[MarkVerdict, ...]:
    text = " ".join(re.sub(r"\s+", " ", line.text) for line in lines)
    verdicts = []
    for rule in rules:
        if rule.kind == "udi":
            found = _udi_present(codes, rule.pattern)
        else:
            match = re.search(rule.pattern, text, re.IGNORECASE)
            found = match.group() if match else ""
        verdicts.append(MarkVerdict(rule.name, bool(found), found))
    return tuple(verdicts)


def printed_value(lines: tuple[TextLine, ...], name: str, expected: str):
    """What the label prints for ``name``: an anchored value (``LOT …``) before an unanchored
    guess, and among several of a kind the one that is the expected value, if one is."""
    anchored_ones, guesses = [], []
    for line in lines:
        found = from_line(line)  # the anchored values first, then the guesses
        with_anchor = len(anchored(line)[0])
        anchored_ones += [f for f in found[:with_anchor] if f.name == name]
        guesses += [f for f in found[with_anchor:] if f.name == name]
    for group in (anchored_ones, guesses):
        if group:
            return next((f for f in group if expected and same_value(name, f.value, expected)), group[0])
    return None


def verify_label(
    lines: tuple[TextLine, ...],
    codes: tuple[CodeRead, ...],
    expected: dict[str, str],
    marks: tuple[MarkRule, ...] = (),
    *,
    both_forms: tuple[str, ...] = (),
    sure: float = 0.9,
    today: dt.date | None = None,
) -> Verdict:
    """Every expected field checked three ways, every required mark looked for. ``both_forms``:
    fields the label must carry printed and encoded (a UDI's device and production identifiers);
    ``today``: an expiry before it fails."""
    encoded = {field.name: field for field in from_codes(codes)}
    fields = tuple(
        verify_field(
            name,
            str(value),
            printed_value(lines, name, str(value)),
            encoded.get(name),
            both_forms=name in both_forms,
            sure=sure,
            today=today,
        )
        for name, value in expected.items()
    )
    mark_verdicts = check_marks(lines, codes, marks)
    return Verdict(all(v.ok for v in fields) and all(m.ok for m in mark_verdicts), fields, mark_verdicts)
