"""Words and numbers of time expressions (months, weekdays, seasons, number words) and calendar arithmetic."""

from __future__ import annotations

import calendar
import re
from datetime import date

MONTHS: dict[str, int] = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
    "nov": 11, "dec": 12,
}
WEEKDAYS: dict[str, int] = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}
_SMALL = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "a": 1, "an": 1, "single": 1,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_ORDINALS = {"final": 4, "first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_VAGUE_COUNT = ("few", "several", "some", "many", "couple", "number", "dozens", "hundreds", "thousands")
_SEASONS = {"spring": "SP", "summer": "SU", "fall": "FA", "autumn": "FA", "winter": "WI"}
_SEASON_START = {"SP": 3, "SU": 6, "FA": 9, "WI": 12}
_PARTS_OF_DAY = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI"}


def parse_number(token: str) -> int | None:
    """Return the integer a number phrase denotes ("twenty-four", "1,200", "a") or None when vague."""
    t = token.lower().replace(",", "").strip()
    t = re.sub(r"\s+", " ", t)
    if not t or any(v in t for v in _VAGUE_COUNT):
        return 2 if "couple" in t else None
    t = re.sub(r"\s+(?:and\s+a\s+half|1/2)$", "", t)
    if "half" in t or "/" in t:
        return None
    if t.replace(".", "", 1).isdigit():
        try:
            return int(float(t))
        except ValueError:
            return None
    if "dozen" in t:
        return 12
    if "hundred" in t:
        return 100
    if t.endswith(" thousand"):
        head = t[:-len(" thousand")]
        n = 1 if head in ("a", "one") else _SMALL.get(head)
        return n * 1000 if n else None
    total = 0
    for part in re.split(r"[- ]", t):
        if part in _TENS:
            total += _TENS[part]
        elif part in _SMALL:
            total += _SMALL[part]
        else:
            return None
    return total


def _spelled_year(text: str) -> int | None:
    t = text.lower().replace("the year", "").strip()
    if t.startswith("two thousand"):
        rest = t[len("two thousand"):].replace("and", "").strip()
        return 2000 + (parse_number(rest) or 0) if rest else 2000
    parts = re.split(r"[- ]", t, maxsplit=1)
    if len(parts) != 2:
        return None
    century = parse_number(parts[0])
    rest = parts[1]
    if rest.startswith("oh"):
        rest = rest[2:].strip("- ")
    tail = parse_number(rest)
    if century is None or tail is None:
        return None
    return century * 100 + tail


def _week_value(d: date) -> str:
    iso = d.isocalendar()
    return f"{iso[0]:04d}-W{iso[1]:02d}"


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    idx = year * 12 + (month - 1) + delta
    return idx // 12, idx % 12 + 1


def _quarter_of(d: date) -> int:
    return (d.month - 1) // 3 + 1


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def month_days(year: int, month: int) -> int:
    """Return the number of days in a month."""
    return calendar.monthrange(year, month)[1]
