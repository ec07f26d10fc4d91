"""Dates in articles: ISO, "June 19, 2023" and "19 June 2023" strings, date lines and prefixes."""

from __future__ import annotations

import datetime
import re

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"  # noqa: E501
_WEEKDAY = (
    r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|rsday|urday)?\.?,?\s+)?"
)
_DATE = (
    rf"(?:(?P<iso>\d{{4}}-\d{{2}}-\d{{2}})(?:[T ]\d{{2}}:\d{{2}}(?::\d{{2}}(?:\.\d+)?)?(?:Z|[+-]\d{{2}}:?\d{{2}})?)?"  # noqa: E501
    rf"|{_WEEKDAY}(?P<mdy_m>{_MONTH})\s+(?P<mdy_d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<mdy_y>\d{{4}})"
    rf"|{_WEEKDAY}(?P<dmy_d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<dmy_m>{_MONTH}),?\s+(?P<dmy_y>\d{{4}}))"
)
_TIME = r"(?:(?:,|\s+at|\s*[-|•])?\s*\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s*\(?[a-z]{2,5}\)?)?)?"
_DATE_ONLY = re.compile(_DATE, re.IGNORECASE)
# A whole paragraph that only states a date ("Updated: June 19, 2023, 5:06 PM").
_DATE_LINE = re.compile(
    r"\(?\s*(?P<kw>(?:last\s+)?(?:updated|published|posted|modified|first\s+published|date)"
    rf"(?:\s+on)?\s*:?\s*)?{_DATE}{_TIME}\s*\)?",
    re.IGNORECASE,
)
# "date 2023-06-19 " at the very start of the text.
_DATE_PREFIX = re.compile(rf"date:?\s+{_DATE}\s+", re.IGNORECASE)


def parse_date(text: str) -> datetime.date | None:
    """The date in an ISO, "June 19, 2023" or "19 June 2023" string, or None."""
    m = _DATE_ONLY.search(text)
    return _date_from_match(m) if m else None


def _date_from_match(m: re.Match[str]) -> datetime.date | None:
    try:
        if m.group("iso"):
            return datetime.date.fromisoformat(m.group("iso"))
        if m.group("mdy_m"):
            month = _MONTHS[m.group("mdy_m").lower().rstrip(".")]
            return datetime.date(int(m.group("mdy_y")), month, int(m.group("mdy_d")))
        month = _MONTHS[m.group("dmy_m").lower().rstrip(".")]
        return datetime.date(int(m.group("dmy_y")), month, int(m.group("dmy_d")))
    except (ValueError, KeyError):
        return None


def _date_rank(keyword: str | None) -> int:
    """Lower is better: publication dates before update dates."""
    kw = (keyword or "").lower()
    return 3 if ("updated" in kw or "modified" in kw) else 1
