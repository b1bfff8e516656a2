"""Normalising periods: years, quarters, decades, durations, sets and vague references to TIMEX3 values."""

from __future__ import annotations

import re
from datetime import timedelta

from digests.nlp.timex.anchors import _NARRATIVE, NAMED, Resolved, _anchor, _anchor_quarter, _Ctx
from digests.nlp.timex.lexicon import (
    _ORDINALS,
    _PARTS_OF_DAY,
    _SEASONS,
    MONTHS,
    _quarter_of,
    _safe_date,
    _shift_month,
    _week_value,
    month_days,
    parse_number,
)
from digests.nlp.timex.patterns import (
    _NOT_YEAR_AFTER,
    _NOT_YEAR_BEFORE,
    _RE_MONTH,
    _RE_NUM_LEAD,
    _RE_PARAGRAPH,
    _RE_POD,
    _RE_SHARE_OF,
    _RE_UNIT,
    _RE_UNIT_AFTER,
    _year_of,
)
from digests.nlp.timex.tense import _direction, _last_match


def _quarter_value(ctx: _Ctx, q: int, s: str, a: int) -> str:
    low = s.lower()
    year = _year_of(s)
    dct = ctx.dct
    if year is None:
        if dct is None:
            return f"XXXX-Q{q}"
        year = dct.year
        if "last year" in low or "year-ago" in low or "year-earlier" in low or "year ago" in low:
            year -= 1
        elif "next year" in low:
            year += 1
        elif q - _quarter_of(dct) >= 2 or (q > _quarter_of(dct) and _direction(ctx.text, a, a) < 0):
            year -= 1
    ctx.quarter = (year, q)
    ctx.quarter_pos = a
    return f"{year:04d}-Q{q}"


def _r_quarter(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    q = None
    for word in re.findall(r"[\w]+", s.lower()):
        if word in _ORDINALS:
            q = _ORDINALS[word]
    if q is None:
        return None
    return "DATE", _quarter_value(ctx, q, s, a)


def _r_qcode(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    if not s.startswith("Q"):
        return None
    return "DATE", _quarter_value(ctx, int(s[1]), s, a)


def _relative_year(ctx: _Ctx, low: str) -> int | None:
    year = _year_of(low)
    if year is not None:
        return year
    if ctx.dct is None:
        return None
    if "last year" in low:
        return ctx.dct.year - 1
    if "next year" in low:
        return ctx.dct.year + 1
    return ctx.dct.year


def _r_half(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    year = _relative_year(ctx, low)
    h = 1 if "first" in low else 2
    return "DATE", f"{year:04d}-H{h}" if year else f"XXXX-H{h}"


# (unit prefix, TIMEX3 unit, multiplier, is a time unit): "fortnight" is two weeks, "decade" ten years.
_UNIT_CODES: tuple[tuple[str, str, int, bool], ...] = (
    ("second", "S", 1, True), ("minute", "M", 1, True), ("hour", "H", 1, True), ("day", "D", 1, False),
    ("night", "D", 1, False), ("fortnight", "W", 2, False), ("week", "W", 1, False), ("month", "M", 1, False),
    ("quarter", "Q", 1, False), ("decade", "Y", 10, False), ("centur", "Y", 100, False),
    ("millenni", "Y", 1000, False),
)


def _unit_code(unit: str) -> tuple[str, int, bool]:
    """Return (TIMEX3 unit letter, multiplier, is clock unit) for a unit word."""
    u = unit.lower()
    for prefix, code, mult, is_time in _UNIT_CODES:
        if u.startswith(prefix):
            return code, mult, is_time
    return "Y", 1, False


def _duration_value(n: int | None, unit: str, half: bool = False) -> str:
    letter, mult, clock = _unit_code(unit)
    prefix = "PT" if clock else "P"
    if n is None:
        if mult == 10:
            return "PXDE"
        if mult == 100:
            return "PXC"
        return f"{prefix}X{letter}"
    if half and letter == "M" and clock:
        return f"PT{n}M30S"
    if half and letter == "H":
        return f"PT{n}H30M"
    if half and letter == "Y" and mult == 1:
        return f"P{n}Y6M"
    if half and letter == "D":
        return f"P{n}DT12H"
    return f"{prefix}{n * mult}{letter}"


def _count_and_unit(s: str) -> tuple[int | None, str, bool] | None:
    um = _last_match(_RE_UNIT, s)
    if um is None:
        return None
    head = s[:um.start()]
    head = re.sub(r"\b(?:more|additional|full|consecutive|straight|trading|business|calendar|long)\s*$", "",
                  head.strip(), flags=re.I).strip()
    nm = _last_match(_RE_NUM_LEAD, head + " ")
    n = parse_number(nm.group()) if nm else None
    if nm and re.search(r"\b(?:to|or)\b|\d-\d", head[nm.start() - 6 if nm.start() >= 6 else 0:], re.I):
        first = _RE_NUM_LEAD.search(head + " ")
        if first is not None and first.start() != nm.start():
            n = parse_number(first.group()) if "or" in head.lower().split() or " to " in head.lower() else n
    return n, um.group(), bool(re.search(r"\bhalf\b|\d\s+1/2\b", s, re.I))


def _r_ago(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    cu = _count_and_unit(re.sub(r"\s+(?:ago|earlier|before|later|from\s+now|hence)$", "", s, flags=re.I))
    if cu is None:
        return None
    n, unit, _ = cu
    low = s.lower()
    if re.search(r"\b(?:not|no)\s+$", ctx.text[max(0, a - 5):a], re.I):
        return None  # "not a day later" says "no later than", it names no time
    sign = 1 if re.search(r"later|from now|hence", low) else -1
    letter, mult, clock = _unit_code(unit)
    dct = ctx.dct
    if "before" in low.split()[-1:] or ("later" in low and not low.endswith("later")):
        return None
    if ctx.quarter and letter == "Y" and mult == 1 and n == 1 and a - ctx.quarter_pos < 600:
        y, q = ctx.quarter
        return "DATE", f"{y + sign * (n or 1) * mult:04d}-Q{q}"
    if dct is None or clock:
        if clock:
            return "DURATION", _duration_value(n, unit)
        return "DATE", "PAST_REF" if sign < 0 else "FUTURE_REF"
    if n is None:
        return "DATE", "PAST_REF" if sign < 0 else "FUTURE_REF"
    k = sign * n * mult
    if low.endswith(("later", "earlier")):
        # Anchor rule "offset": "later"/"earlier" count from the narrative's last named date ("in 1978 ...
        # Forty years later"), while "ago" and "from now" count from publication.
        base = _anchor(ctx, a, level=NAMED, day=letter in "DW", month=letter in "MQ", scope=_NARRATIVE)
        if base is not None:
            dct = _safe_date(base[0], base[1] or 1, base[2] or 1) or dct
            if base[2] and letter in "MY":
                # An offset from a named day lands on a day ("as of Sept. 30 ... a year earlier").
                y, m = _shift_month(base[0], base[1], k * (12 if letter == "Y" else 1))
                landed = _safe_date(y, m, min(base[2], month_days(y, m)))
                if landed is not None:
                    return "DATE", landed.isoformat()
    if letter == "D":
        return "DATE", (dct + timedelta(days=k)).isoformat()
    if letter == "W":
        return "DATE", _week_value(dct + timedelta(weeks=k))
    if letter == "M":
        y, m = _shift_month(dct.year, dct.month, k)
        return "DATE", f"{y:04d}-{m:02d}"
    if letter == "Q":
        y, m = _shift_month(dct.year, dct.month, 3 * k)
        return "DATE", f"{y:04d}-Q{(m - 1) // 3 + 1}"
    if mult >= 10:
        return "DATE", f"{(dct.year + k) // 10}X" if mult == 10 and abs(k) >= 10 else f"{dct.year + k:04d}"
    return "DATE", f"{dct.year + k:04d}"


def _r_agoyear(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    if ctx.quarter and (a - ctx.quarter_pos < 800 or "quarter" in low):
        y, q = ctx.quarter
        return "DATE", f"{y - 1:04d}-Q{q}"
    if ctx.dct is None:
        return "DATE", "XXXX"
    if low.startswith(("month", "the month")):
        y, m = _shift_month(ctx.dct.year, ctx.dct.month, -1)
        return "DATE", f"{y:04d}-{m:02d}"
    if low.startswith(("week", "the week")):
        return "DATE", _week_value(ctx.dct - timedelta(weeks=1))
    if "quarter" in low:
        y, m = _shift_month(ctx.dct.year, ctx.dct.month, -15)
        return "DATE", f"{y:04d}-Q{(m - 1) // 3 + 1}"
    return "DATE", f"{ctx.dct.year - 1:04d}"


def _r_yearperiod(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    year = _year_of(s)
    if year is None:
        return None
    low = s.lower()
    q = next((_ORDINALS[w] for w in low.split() if w in _ORDINALS), None)
    if q is None and ctx.quarter:
        q = ctx.quarter[1]
    return "DATE", f"{year:04d}-Q{q}" if q else f"{year:04d}"


def _r_qref(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    anchor = _anchor_quarter(ctx, a)
    if low.endswith("period") and anchor is None:
        return None
    if ctx.dct is None:
        return "DATE", f"{anchor[0]:04d}-Q{anchor[1]}" if anchor else "XXXX-QX"
    if "current" in low:
        return "DATE", f"{ctx.dct.year:04d}-Q{_quarter_of(ctx.dct)}"
    current = (ctx.dct.year, _quarter_of(ctx.dct))
    if anchor and (anchor < current or not re.search(r"latest|recent|just|ended|completed", low)
                   or _direction(ctx.text, ctx.quarter_pos, ctx.quarter_pos) < 0):
        # "the latest quarter" is a finished one: the current quarter anchors it only when the text reported
        # it ("reported fourth-quarter earnings"), not when it looked ahead ("a fourth-quarter charge will").
        # Restating the quarter keeps it the period the narrative reports on ("in the quarter ... a year ago").
        ctx.quarter_pos = a
        return "DATE", f"{anchor[0]:04d}-Q{anchor[1]}"
    y, m = _shift_month(ctx.dct.year, ctx.dct.month, -3)
    return "DATE", f"{y:04d}-Q{(m - 1) // 3 + 1}"


def _r_yref(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    if "full" in low or "entire" in low or "whole" in low:
        # "a loss in the fourth quarter of 2005 and for the entire year": the year the text just named
        last = max((ctx.ref_end, ctx.ref[0]) if ctx.ref else (-1, 0),
                   (ctx.quarter_pos, ctx.quarter[0]) if ctx.quarter else (-1, 0))
        if last[1] and 0 <= a - last[0] < 300 and not _RE_PARAGRAPH.search(ctx.text, last[0], a):
            return "DATE", f"{last[1]:04d}"
    return "DATE", f"{ctx.dct.year:04d}" if ctx.dct else "XXXX"


def _r_endof(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    dct = ctx.dct
    if low.endswith("year"):
        return "DATE", f"{dct.year:04d}" if dct else "XXXX"
    if low.endswith("month"):
        return "DATE", f"{dct.year:04d}-{dct.month:02d}" if dct else "XXXX-XX"
    return "DATE", _week_value(dct) if dct else "XXXX-WXX"


_PART_OF_YEAR = (r"(?:days|weeks|months|quarters?|half|end|beginning|start|middle|rest|remainder|most|part|balance"
                 r"|course|portion|bulk|time|much|all)")


def _r_theyear(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    """"For the year, sales rose" names the current year; "the year ended June 30" is a twelve-month span."""
    if re.match(r"\s+(?:ended|ending)\b", ctx.text[b:b + 10], re.I):
        return "DURATION", "P1Y"
    of = re.search(r"(\w+)\s+of\s+$", ctx.text[max(0, a - 30):a])
    if of and not re.fullmatch(_PART_OF_YEAR, of.group(1), re.I):
        return None  # "player of the year" is an award, not a date
    return "DATE", f"{ctx.dct.year:04d}" if ctx.dct else "XXXX"


def _r_bareplural(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    return "DURATION", _duration_value(None, s)


def _r_duration(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    cu = _count_and_unit(s)
    if cu is None or re.match(r"\s+old\b", ctx.text[b:b + 5]):
        return None
    if cu[1].lower().startswith("quarter") and _RE_SHARE_OF.match(ctx.text, b):
        return None  # a share, not a period: "more than a quarter of the market"
    n, unit, half = cu
    low = s.lower()
    words = low.split()
    if words[0] in ("a", "an") and len(words) == 2:
        if words[1] == "second":
            return None
        prev = ctx.text[max(0, a - 25):a].lower()
        # A rate ("700 seats a week", "$2 a year") is not annotated as a time expression.
        if re.search(r"(?:\d|times|twice|once|percent|%|million|billion|cents?|dollars?)\s*$", prev.strip()) \
                or re.search(r"\d", prev[-16:]):
            return None
    if words[0] in ("some",) and n is None and len(words) == 2 and not unit.lower().endswith("s"):
        return None
    if n == 1 and words[0] in ("a", "an", "one") and unit.lower().rstrip("s") == "quarter" and len(words) == 2:
        return "DURATION", "P3M"
    if unit.lower().startswith("quarter") and n is not None:
        return "DURATION", f"P{3 * n}M"
    if unit.lower().startswith("quarter"):
        return "DURATION", "PXQ"
    return "DURATION", _duration_value(n, unit, half)


def _r_longdur(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    """"A decades-long dispute" (PXY), "a day-long strike" (P1D)."""
    unit = s.lower()[:-len("-long")]
    plural = unit.endswith("s") and not unit.endswith("ss")
    if plural and unit.startswith(("decade", "centur")):
        return "DURATION", "PXY"  # "decades-long": an unknown number of years
    return "DURATION", _duration_value(None if plural else 1, unit)


def _r_adjdur(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    if s.lower().endswith("-old"):
        return None
    head, unit = s.lower().removesuffix("-long").rsplit("-", 1)
    n = parse_number(head) if head != "multi" else None
    return "DURATION", _duration_value(n, unit)


def _r_recentunit(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    unit = low.split()[-1]
    if "recent" in low:
        if re.search(r"\b(?:in|over|during|for)\s+$", ctx.text[max(0, a - 8):a], re.I) and not low.startswith("the"):
            return "DURATION", _duration_value(None, unit)  # "in recent years" spans them: PXY
        return "DATE", "PAST_REF"
    if low.endswith("ahead"):
        return "DURATION", _duration_value(None, low.split()[1])  # "in the weeks ahead": PXW
    if "coming" in low or "next" in low:
        if low.startswith(("the next", "next")) or re.search(r"\b(?:in|over|during)\s+$", ctx.text[max(0, a - 8):a],
                                                             re.I):
            return "DURATION", _duration_value(None, unit)
        return "DATE", "FUTURE_REF"
    if low.startswith("many"):
        return None
    return "DURATION", _duration_value(None, unit)


def _r_decade(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    m = re.search(r"(\d{3})0['’]?s|['’](\d)0s", low)
    if m:
        if m.group(1):
            return "DATE", m.group(1)
        if ctx.dct is None:
            return None
        century = ctx.dct.year // 100
        dec = int(m.group(2))
        if dec * 10 > ctx.dct.year % 100:
            century -= 1
        return "DATE", f"{century}{dec}"
    names = ["twenties", "thirties", "forties", "fifties", "sixties", "seventies", "eighties", "nineties"]
    for i, name in enumerate(names):
        if name in low:
            century = ctx.dct.year // 100 if ctx.dct else 19
            if ctx.dct and (i + 2) * 10 > ctx.dct.year % 100:
                century -= 1
            return "DATE", f"{century}{i + 2}"
    return None


_ORD_WORDS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
              "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
              "eighteenth", "nineteenth", "twentieth"]


def _r_century(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    m = re.search(r"(\d{1,2})(?:st|nd|rd|th)", low)
    if m:
        n = int(m.group(1))
    elif "twenty-first" in low:
        n = 21
    else:
        n = next((i + 1 for i, w in enumerate(_ORD_WORDS) if re.search(rf"\b{w}\b", low)), 0)
    if not n:
        return None
    return "DATE", f"{n - 1:02d}"


def _r_partyear(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    year = _year_of(s)
    if year is None:
        return None
    return "DATE", f"{year:04d}"


def _plausible_year(ctx: _Ctx, year: int) -> bool:
    """A four-digit number close enough to the publication year to be read as a year by default."""
    top = ctx.dct.year + 10 if ctx.dct else 2099
    return 1900 <= year <= top


def _year_range_start(ctx: _Ctx, year: int, b: int) -> bool:
    """True for the first year of a span of years ("from 1991 to 1997"), not a count ("1500 to 2000 jobs")."""
    m = re.match(r"\s+to\s+((?:19|20)\d\d)\b", ctx.text[b:b + 12])
    if m is None or _NOT_YEAR_AFTER.match(ctx.text, b + m.end()):
        return False
    end = int(m.group(1))
    return _plausible_year(ctx, year) and year < end <= year + 100


def _r_year(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    year = _year_of(s)
    if year is None:
        return None
    if s[0].isdigit():
        if not 1700 <= year <= 2099:
            return None
        if _NOT_YEAR_AFTER.match(ctx.text, b) and not _year_range_start(ctx, year, b):
            return None
        before = _NOT_YEAR_BEFORE.search(ctx.text, max(0, a - 12), a)
        if before and not (before.group().startswith("of") and _plausible_year(ctx, year)):
            return None  # "a total of 1500" is a count; "the biggest loss of 2007" is a year
    elif _NOT_YEAR_AFTER.match(ctx.text, b) or _RE_UNIT_AFTER.match(ctx.text, b):
        return None  # "two thousand dollars", "two thousand years" are amounts
    return "DATE", f"{year:04d}"


def _r_yearend(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    """"By year-end" is the last day of the year; "since year-end" looks back to the last one passed."""
    if not re.search(r"\b(?:by|since|at|until|till|before|after|toward|towards|through)\s+$",
                     ctx.text[max(0, a - 9):a], re.I):
        return None  # "year-end net" is an attribute, not a date
    if ctx.dct is None:
        return "DATE", "XXXX-12-31"
    year = ctx.dct.year - 1 if _direction(ctx.text, a, b) < 0 else ctx.dct.year
    return "DATE", f"{year:04d}-12-31"


def _r_shortyear(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    """"Since '82": a year cut to two digits, in the century that puts it at or before publication."""
    if not re.search(r"\b(?:in|since|of|until|by|before|after|from)\s+$", ctx.text[max(0, a - 7):a], re.I):
        return None  # only after a preposition of time is "'82" a year and not a closing quote and a number
    yy = int(s[1:])
    base = ctx.dct.year if ctx.dct else 2099
    year = base // 100 * 100 + yy
    if year > base:
        year -= 100
    return "DATE", f"{year:04d}"


def _r_set(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    simple = {"daily": "P1D", "weekly": "P1W", "monthly": "P1M", "annually": "P1Y", "yearly": "P1Y",
              "hourly": "PT1H", "nightly": "P1D", "biweekly": "P2W", "semiannually": "P6M"}
    if low in simple:
        return "SET", simple[low]
    mon = _RE_MONTH.search(low)
    if mon and mon.group() in MONTHS and len(mon.group()) > 3:
        return "SET", f"XXXX-{MONTHS[mon.group()]:02d}"
    for season, code in _SEASONS.items():
        if season in low:
            return "SET", f"XXXX-{code}"
    pod = _RE_POD.search(low)
    if pod and not _RE_UNIT.search(low):
        return "SET", "TXX" + _PARTS_OF_DAY[pod.group()]
    cu = _count_and_unit(low)
    if cu is None:
        return None
    n, unit, _ = cu
    if n is None:
        n = 2 if "other" in low else 1
    if "other" in low:
        n = 2
    return "SET", _duration_value(n, unit)


def _r_vague(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = re.sub(r"\s+", " ", s.lower())
    if low in ("now", "right now", "currently", "nowadays", "these days", "at present", "current",
               "time being", "the time being", "so far"):
        if low in ("so far", "time being", "the time being"):
            return None
        return "DATE", "PRESENT_REF"
    if low in ("recently", "more recently", "lately", "recent", "previously", "formerly", "the past",
               "the recent past"):
        return "DATE", "PAST_REF"
    if "future" in low or low in ("soon", "as soon as possible") or "term" in low:
        if low == "future":
            prev = ctx.text[max(0, a - 12):a].lower()
            if not re.search(r"\b(?:in|the|near)\s+$", prev):
                return None
        if "term" in low and "long" in low:
            return None
        return "DATE", "FUTURE_REF"
    return None
