"""Property tests (hypothesis) for the parsers: any GS1 element string, any ISO 15434 format 06
message and any date in the formats labels print comes back with exactly what was put in."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from ocr.pipeline.checks import gs1_check_digit_ok
from ocr.pipeline.codes import elements_of, parse_gs1, parse_iso15434
from ocr.pipeline.dates import normalise_date

GS = "\x1d"
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
EXAMPLES = settings(max_examples=300, deadline=None)


def check_digit(digits: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


gtins = st.text("0123456789", min_size=13, max_size=13).map(lambda d: d + check_digit(d))
yymmdd = st.dates(dt.date(2000, 1, 1), dt.date(2049, 12, 31)).map(lambda d: d.strftime("%y%m%d"))
codes = st.text(ALNUM + "-", min_size=1, max_size=20)


@EXAMPLES
@given(
    gtin=gtins,
    expiry=st.one_of(st.none(), yymmdd),
    lot=st.one_of(st.none(), codes),
    serial=st.one_of(st.none(), codes),
    count=st.one_of(st.none(), st.integers(1, 99_999_999).map(str)),
)
def test_gs1_element_strings_round_trip(gtin, expiry, lot, serial, count):
    fixed = [("01", gtin)] + ([("17", expiry)] if expiry else [])
    variable = [(ai, v) for ai, v in (("10", lot), ("21", serial), ("30", count)) if v]
    text = "".join(ai + v for ai, v in fixed) + GS.join(ai + v for ai, v in variable)
    parsed = {e.ai: e.value for e in parse_gs1(text)}
    assert parsed == dict(fixed + variable)
    assert {e.ai: e.value for e in elements_of(GS + text, is_gs1=True)[0]} == parsed  # leading FNC1


@EXAMPLES
@given(gtin=gtins, change=st.integers(1, 9), position=st.integers(0, 13))
def test_the_check_digit_catches_every_single_digit_error(gtin, change, position):
    """The parser keeps what the code says; the field check refuses it (ocr.pipeline.checks)."""
    assert gs1_check_digit_ok(gtin)
    wrong = gtin[:position] + str((int(gtin[position]) + change) % 10) + gtin[position + 1 :]
    assert not gs1_check_digit_ok(wrong)


identifiers = st.sampled_from(["P", "1P", "S", "1T", "Q", "V", "4L", "25S", "14D", "3S"])


@EXAMPLES
@given(fields=st.lists(st.tuples(identifiers, codes), min_size=1, max_size=6, unique_by=lambda f: f[0]))
def test_iso15434_format_06_round_trips(fields):
    message = "[)>\x1e06" + GS + GS.join(di + value for di, value in fields) + "\x1e\x04"
    gs1, found = parse_iso15434(message)
    assert gs1 == ()
    assert [(e.ai, e.value) for e in found] == fields


LABEL_FORMATS = [
    ("%m/%Y", "month"),
    ("%Y-%m", "month"),
    ("%Y-%m-%d", "day"),
    ("%d/%m/%Y", "day"),
    ("%d%b%Y", "day"),
    ("%b %Y", "month"),
    ("%Y%m%d", "day"),
    ("%y%m%d", "day"),
]


@EXAMPLES
@given(day=st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)), layout=st.sampled_from(LABEL_FORMATS))
def test_label_dates_normalise_to_iso(day, layout):
    pattern, precision = layout
    printed = day.strftime(pattern).upper()
    expected = day.isoformat() if precision == "day" else day.strftime("%Y-%m")
    assert normalise_date(printed) == expected
    assert normalise_date(f" {printed}. ") == expected  # spacing and a trailing stop as printed


@EXAMPLES
@given(text=st.text(max_size=30))
def test_the_parsers_never_crash_on_junk(text):
    parse_gs1(text)
    parse_iso15434("[)>\x1e" + text)
    assert normalise_date(text) is None or len(normalise_date(text)) in (7, 10)
