"""Dates as labels print them, normalised to ISO: ``YYYY-MM-DD`` where a day is printed,
``YYYY-MM`` where only month and year are."""

import datetime as dt
import re

MONTHS = {
    m: i
    for i, m in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1
    )
}
MONTHS.update({"SEPT": 9, "MAI": 5, "OKT": 10, "DEZ": 12, "MRZ": 3})
MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))

# Each pattern names its groups: y (2 or 4 digits), m (number or name), d (optional).
PATTERNS = [
    re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})(?:[-/.](?P<d>\d{1,2}))?$"),  # 2028-03, 2028-03-13
    re.compile(r"^(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4}|\d{2})$"),  # 13/03/2028 (day first)
    re.compile(r"^(?P<m>\d{1,2})[-/. ](?P<y>\d{4}|\d{2})$"),  # 07/2020, 07/20, 08 2020
    re.compile(rf"^(?P<d>\d{{1,2}})[-/. ]?(?P<m>{MONTH_NAMES})[-/. ]?(?P<y>\d{{4}}|\d{{2}})$"),  # 1FEB2020
    re.compile(rf"^(?P<m>{MONTH_NAMES})[-/. ]?(?P<y>\d{{4}}|\d{{2}})$"),  # JUN 2021, JUN21
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),  # 20190601
    re.compile(r"^(?P<y>\d{2})(?P<m>\d{2})(?P<d>\d{2})$"),  # 280313 (GS1 YYMMDD)
]


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def normalise_date(text: str) -> str | None:
    """``'07/2020'`` → ``'2020-07'``; ``'1FEB2020'`` → ``'2020-02-01'``; None when it is no date.
    GS1's day ``00`` (end of month) keeps only the month."""
    cleaned = re.sub(r"\s+", " ", text.strip().upper().rstrip("."))
    for pattern in PATTERNS:
        match = pattern.match(cleaned)
        if not match:
            continue
        parts = match.groupdict()
        month = MONTHS.get(parts["m"]) or int(parts["m"])
        year = _year(parts["y"])
        if not (1 <= month <= 12 and 1990 <= year <= 2099):
            continue
        day = parts.get("d")
        if day is None or int(day) == 0:
            return f"{year:04d}-{month:02d}"
        try:
            return dt.date(year, month, int(day)).isoformat()
        except ValueError:
            continue
    return None
