"""Normalising calendar dates: days, months, seasons, holidays, weekdays and day-relative words to TIMEX3 values."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from digests.nlp.timex.anchors import (
    _NARRATIVE,
    _SENTENCE,
    DATED,
    Resolved,
    _anchor,
    _Ctx,
    _last_anchor,
    _near_date,
    _ref_day,
    _weekday_date,
)
from digests.nlp.timex.lexicon import (
    _PARTS_OF_DAY,
    _SEASON_START,
    _SEASONS,
    MONTHS,
    WEEKDAYS,
    _safe_date,
    _shift_month,
    _week_value,
)
from digests.nlp.timex.patterns import (
    _BIG,
    _RE_CLOCK,
    _RE_DAYN,
    _RE_MONTH,
    _RE_PARAGRAPH,
    _RE_POD,
    _RE_REF_VALUE,
    _RE_WDAY,
    _RE_YEAR,
    _month_of,
    _year_of,
)
from digests.nlp.timex.periods import _relative_year
from digests.nlp.timex.tense import _direction


def _pod_suffix(text: str) -> str:
    m = _RE_POD.search(text)
    return "T" + _PARTS_OF_DAY[m.group().lower()] if m else ""


def _day_or_x(d: date | None, fallback: str = "XXXX-XX-XX") -> str:
    return d.isoformat() if d else fallback




def _r_iso(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    return "DATE", s


def _r_slash(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    m_, d_, y_ = s.split("/")
    y = int(y_)
    if y < 100:
        y += 1900 if y > 30 else 2000
    d = _safe_date(y, int(m_), int(d_))
    return ("DATE", d.isoformat()) if d else None


def _r_clock(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    m = _RE_CLOCK.search(s)
    if not m:
        return None
    g = m.group().lower()
    mil = re.search(r"\b([01]\d|2[0-3])([0-5]\d)(?=\s+(?:GMT|UTC)\b)", s)
    if ctx.text[a - 1:a] == "(" and re.search(r"(?:[ap]\.?m\.?|\d)\s*$", ctx.text[max(0, a - 12):a - 1], re.I):
        return None  # "10:35 a.m. (0735 GMT)" restates the time just given
    if mil:
        m = mil  # "0800 GMT": a 24-hour time written without a colon
        hh, mm = int(mil.group(1)), int(mil.group(2))
    elif g == "noon":
        hh, mm = 12, 0
    elif g == "midnight":
        hh, mm = 24, 0
    else:
        hh = int(m.group(1))
        mm = int(m.group(2) or 0)
        ap = (m.group(3) or "").lower()
        if not ap and not m.group(2):
            return None
        if hh > 24 or mm > 59:
            return None
        if ap.startswith("p") and hh < 12:
            hh += 12
        elif ap.startswith("a") and hh == 12:
            hh = 0
    tail = s[m.end():]
    day: str
    wd = _RE_WDAY.search(tail)
    mon = _month_of(tail) if _RE_MONTH.search(tail) else None
    low = tail.lower()
    if wd:
        day = _day_or_x(_weekday_date(ctx, WEEKDAYS[wd.group().lower()], a, b),
                        f"XXXX-WXX-{WEEKDAYS[wd.group().lower()] + 1}")
    elif mon:
        dm = _RE_DAYN.search(tail[_RE_MONTH.search(tail).end():])  # type: ignore[union-attr]
        yy = _near_date(ctx, mon, int(dm.group(1)), a, b) if dm else None
        day = f"{yy[0]:04d}-{mon:02d}-{int(dm.group(1)):02d}" if yy and dm else "XXXX-XX-XX"
    elif "yesterday" in low:
        day = _day_or_x(ctx.dct - timedelta(days=1) if ctx.dct else None)
    elif "tomorrow" in low:
        day = _day_or_x(ctx.dct + timedelta(days=1) if ctx.dct else None)
    else:
        # Anchor rule "clock": a bare clock time belongs to the day its sentence, else its paragraph, last
        # placed ("On Saturday ... at 6 p.m."), not to the publication day.
        same = _following_day(ctx, b) or _anchor(ctx, a, day=True, scope=_SENTENCE)
        if same is None and _direction(ctx.text, a, b) <= 0:
            # Beyond its sentence the narrative's day holds only while the clause does not look ahead
            # ("The next test starts at 9 a.m." is not the day of the last test).
            same = _anchor(ctx, a, day=True, scope=_NARRATIVE)
        day = _day_or_x(_safe_date(*same) if same else ctx.dct)
    # ISO 8601 marks a time given in universal time with "Z" ("18:00 UTC"); local zones keep no suffix.
    zone = "Z" if re.search(r"\b(?:UTC|GMT)\b", s) and not re.match(r"\s*[+-]\d", ctx.text[b:b + 3]) else ""
    return "TIME", f"{day}T{hh:02d}:{mm:02d}{zone}"


_RE_ON_NEXT = re.compile(r",?\s+on\s+(?=\S)", re.I)
_DAY_KINDS = ("mdy", "dmy", "iso", "slash", "weekday")


def _following_day(ctx: _Ctx, b: int) -> tuple[int, int, int] | None:
    """Return the day named right after a clock time ("shortly after midnight on Dec. 19"), if any."""
    on = _RE_ON_NEXT.match(ctx.text, b)
    if on is None:
        return None
    m = _BIG.match(ctx.text, on.end())
    if m is None or m.lastgroup not in _DAY_KINDS:
        return None
    res = _DAY_RESOLVERS[m.lastgroup](ctx, m.group(), m.start(), m.end())
    rm = _RE_REF_VALUE.match(res[1]) if res else None
    if rm is None or not rm.group(3):
        return None
    return int(rm.group(1)), int(rm.group(2)), int(rm.group(3))


def _r_mdy(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    mm = _RE_MONTH.search(s)
    if mm is None:
        return None
    word = mm.group()
    if not word[0].isupper():
        return None
    month = MONTHS[word.lower().rstrip(".")]
    dm = _RE_DAYN.search(s, mm.end())
    if dm is None:
        return None
    day = int(dm.group(1))
    year = _year_of(s[dm.end():])
    rel = s[:mm.start()].lower().split()
    if year is None and ctx.dct is not None and rel and rel[-1] in ("last", "next"):
        this_year = _safe_date(ctx.dct.year, month, day)
        year = ctx.dct.year
        if rel[-1] == "last" and (this_year is None or this_year >= ctx.dct):
            year -= 1
        elif rel[-1] == "next" and (this_year is None or this_year <= ctx.dct):
            year += 1
    return _month_day(ctx, year, month, day, a, b)


def _month_day(ctx: _Ctx, year: int | None, month: int, day: int, a: int, b: int) -> Resolved:
    # A month and day with no year take the year of the nearest such date around the anchor.
    if year is None:
        near = _near_date(ctx, month, day, a, b)
        if near is None:
            return "DATE", f"XXXX-{month:02d}-{day:02d}"
        year = near[0]
    d = _safe_date(year, month, day)
    return ("DATE", d.isoformat()) if d else None


def _r_dmy(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    mm = _RE_MONTH.search(s)
    dm = _RE_DAYN.search(s)
    if mm is None or dm is None or not mm.group()[0].isupper():
        return None
    month = MONTHS[mm.group().lower().rstrip(".")]
    day = int(dm.group(1))
    year = _year_of(s[mm.end():])
    # "4 Mar" alone is too often a score or a count; a year, an ordinal or "the … of" makes it a date.
    if year is None and not re.search(r"\d(?:st|nd|rd|th)|^the|of", s, re.I) and len(mm.group().rstrip(".")) <= 4:
        return None
    return _month_day(ctx, year, month, day, a, b)


def _r_monthyear(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    mm = _RE_MONTH.search(s)
    if mm is None or not mm.group()[0].isupper():
        return None
    month = MONTHS[mm.group().lower().rstrip(".")]
    year = _relative_year(ctx, s[mm.end():].lower())
    return "DATE", f"{year:04d}-{month:02d}" if year else f"XXXX-{month:02d}"


def _r_season(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    words = low.replace("-", " ").split()
    season = next((_SEASONS[w] for w in words if w in _SEASONS), None)
    if season is None:
        return None
    has_mod = len(words) > 1 or _RE_YEAR.search(s) is not None
    if not has_mod:
        prev = ctx.text[max(0, a - 12):a].lower()
        # Only "fall" is also a verb; "autumn" is a season wherever a determiner or possessive introduces it.
        if "fall" in words or not re.search(
                r"\b(?:in|this|last|next|the|during|by|until|since|its|their|his|her|our)\s+$", prev):
            return None
    year = _year_of(s)
    dct = ctx.dct
    if year is None:
        if dct is None:
            return "DATE", f"XXXX-{season}"
        year = dct.year
        cur_start = _SEASON_START[season]
        started = dct.month >= cur_start or (season == "WI" and dct.month <= 2)
        if season == "WI" and dct.month <= 2:
            year -= 1
        if any(w in words for w in ("last", "past", "previous")):
            ended = dct.month >= (cur_start + 3) and season != "WI"
            if not ended:
                year -= 1
        elif any(w in words for w in ("next", "coming", "following")):
            if started:
                year += 1
        elif "this" not in words and started is False and _direction(ctx.text, a, b) < 0:
            year -= 1
    return "DATE", f"{year:04d}-{season}"


def _easter(year: int) -> date:
    """Western Easter Sunday (the anonymous Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * l_) // 433
    month = (h + l_ - 7 * m + 90) // 25
    return date(year, month, (h + l_ - 7 * m + 33 * month + 19) % 32)


_EASTER_OFFSETS = {"palm": -7, "ash": -46, "good": -2, "holy thursday": -3, "maundy": -3, "holy saturday": -1,
                   "easter monday": 1}


def _holiday_date(name: str, year: int) -> date | None:
    n = re.sub(r"\s+", " ", name.lower())
    if n.startswith(("easter", "palm", "ash", "good", "holy", "maundy")):
        key = next((k for k in _EASTER_OFFSETS if n.startswith(k)), "")
        return _easter(year) + timedelta(days=_EASTER_OFFSETS.get(key, 0))
    if n.startswith("election"):
        first = date(year, 11, 1)
        return first + timedelta(days=(0 - first.weekday()) % 7 + 1)
    if n.startswith("christmas"):
        return date(year, 12, 24 if "eve" in n else 25)
    if n.startswith("new year"):
        return date(year, 12, 31) if "eve" in n else date(year, 1, 1)
    if n.startswith("independence"):
        return date(year, 7, 4)
    if n.startswith("halloween"):
        return date(year, 10, 31)
    if n.startswith("valentine"):
        return date(year, 2, 14)
    if n.startswith("boxing"):
        return date(year, 12, 26)
    if n.startswith("thanksgiving"):
        first = date(year, 11, 1)
        return first + timedelta(days=(3 - first.weekday()) % 7 + 21)
    if n.startswith("labor"):
        first = date(year, 9, 1)
        return first + timedelta(days=(0 - first.weekday()) % 7)
    if n.startswith("memorial"):
        last = date(year, 5, 31)
        return last - timedelta(days=last.weekday())
    return None


def _r_holiday(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    if not s[0].isupper():
        return None
    year = _year_of(s)
    named = _last_anchor(ctx, a) if year is None else None
    if named is not None and named[1] == DATED and (ctx.dct is None or named[0][0] != ctx.dct.year):
        # Anchor rule "holiday": "On Election Day" right after "in September 2020" (the last date its paragraph
        # placed, with its year) is that year's, not this one's.
        year = named[0][0]
    if year is None:
        if ctx.dct is None:
            return None
        base = _holiday_date(s, ctx.dct.year)
        if base is None:
            return None
        direction = _direction(ctx.text, a, b)
        year = ctx.dct.year
        if abs((base - ctx.dct).days) <= 30:
            pass  # a holiday within a month of publication is this year's, whatever the tense
        elif direction < 0 and base > ctx.dct:
            year -= 1
        elif direction > 0 and base < ctx.dct:
            year += 1
    d = _holiday_date(s, year)
    if d is not None and re.search(r"\bweekend\b", s, re.I):
        return "DATE", _week_value(d - timedelta(days=1)) + "-WE"
    if d is not None and re.search(r"\bweek\b", s, re.I):
        return "DATE", _week_value(d)
    return ("DATE", d.isoformat()) if d else None


def _r_midday(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    return "TIME", _day_or_x(ctx.dct) + "T12:00"


def _r_weekof(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    """"The week of March 6" is the ISO week holding that day."""
    off = _RE_MONTH.search(s)
    if off is None:
        return None
    res = _r_mdy(ctx, s[off.start():], a + off.start(), b)
    if res is None:
        return None
    d = _safe_date(*map(int, res[1].split("-"))) if re.fullmatch(r"\d{4}-\d\d-\d\d", res[1]) else None
    return "DATE", _week_value(d) if d else "XXXX-WXX"


def _strip_prefix(low: str) -> tuple[str, str]:
    """Split a part-of-period prefix ("early", "mid-", "the end of") from the rest."""
    m = re.match(r"(earlier|later|early|late|mid-?|the\s+(?:beginning|start|middle|end)\s+of|(?:the\s+)?"
                 r"(?:first|second|last)\s+half\s+of)\s*", low)
    if not m:
        return "", low
    return m.group(1), low[m.end():]


def _r_rel(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = re.sub(r"\s+", " ", s.lower())
    _, rest = _strip_prefix(low)
    rest = rest.removeprefix("the ")
    rel_m = re.match(r"(this past|this coming|past|previous|last|coming|next|following|this)\s+(.*)", rest)
    if rel_m is None:
        return None
    rel, noun = rel_m.group(1), rel_m.group(2)
    dct = ctx.dct
    if low.startswith("the ") and rel in ("past", "last", "next", "coming") and noun in ("week", "month",
                                                                                       "year", "decade"):
        # "the past year" reads as the year before; keep DATE like TimeBank does.
        pass
    back = rel in ("past", "previous", "last", "this past")
    fwd = rel in ("coming", "next", "following", "this coming")
    step = -1 if back else 1 if fwd else 0
    wd = _RE_WDAY.fullmatch(noun)
    if wd:
        d = _weekday_date(ctx, WEEKDAYS[noun], a, b, rel)
        return "DATE", _day_or_x(d, f"XXXX-WXX-{WEEKDAYS[noun] + 1}")
    mm = _RE_MONTH.fullmatch(noun)
    if mm:
        month = MONTHS[noun.rstrip(".")]
        if not s[-len(noun):][0].isupper():
            return None
        if dct is None:
            return "DATE", f"XXXX-{month:02d}"
        year = dct.year
        if step < 0 and month >= dct.month and not (rel == "last" and month == dct.month and False):
            year -= 1
        elif step > 0 and month <= dct.month:
            year += 1
        return "DATE", f"{year:04d}-{month:02d}"
    if dct is None:
        if noun == "week":
            return "DATE", "XXXX-WXX"
        if noun == "month":
            return "DATE", "XXXX-XX"
        return "DATE", "XXXX"
    if noun == "week":
        return "DATE", _week_value(dct + timedelta(weeks=step))
    if noun == "weekend":
        base = dct + timedelta(weeks=step)
        if step == 0 and dct.weekday() < 5 and _direction(ctx.text, a, b) < 0:
            base = dct - timedelta(weeks=1)
        return "DATE", _week_value(base) + "-WE"
    if noun == "month":
        y, m = _shift_month(dct.year, dct.month, step)
        return "DATE", f"{y:04d}-{m:02d}"
    if noun in ("year", "fiscal year"):
        return "DATE", f"{dct.year + step:04d}"
    if noun == "quarter":
        y, m = _shift_month(dct.year, dct.month, 3 * step)
        return "DATE", f"{y:04d}-Q{(m - 1) // 3 + 1}"
    if noun == "decade":
        return "DATE", f"{(dct.year // 10) + step:03d}"
    if noun == "century":
        return "DATE", f"{(dct.year // 100) + step:02d}"
    return None


def _r_anaphor(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    nm = re.search(r"(\w+)\s+(day|week|month|year|morning|afternoon|evening|night)\b", low)
    if nm is None:
        return None
    rel, noun = nm.groups()
    step = {"following": 1, "next": 1, "previous": -1, "prior": -1, "preceding": -1}.get(rel, 0)
    if noun in _PARTS_OF_DAY:
        # Anchor rule "next-morning": "the next morning", "that night" are parts of the day the narrative
        # last placed (one day on for "next"/"following"), not of the publication day.
        d = _ref_day(ctx)
        if d is None and not step:
            return None
        d = d or ctx.dct
        pod = "T" + _PARTS_OF_DAY[noun]
        return "TIME", (d + timedelta(days=step)).isoformat() + pod if d else "XXXX-XX-XX" + pod
    ref = ctx.ref
    if rel == "same" and low[nm.end():].strip():
        # "the same month a year ago": the placed date moved back a year.
        if ref is None or (noun != "year" and not ref[1]) or (noun in ("day", "week") and not ref[2]):
            return None
        back = _safe_date(ref[0] - 1, ref[1] or 1, min(ref[2] or 1, 28 if ref[1] == 2 else 31))
        if back is None:
            return None
        if noun == "month":
            return "DATE", f"{ref[0] - 1:04d}-{ref[1]:02d}"
        if noun == "year":
            return "DATE", f"{ref[0] - 1:04d}"
        return "DATE", _week_value(back) if noun == "week" else back.isoformat()
    if noun == "day":
        d = _ref_day(ctx)
        if d is None and not step:
            return None  # "that day" with no day placed before it is generic ("strong redemptions that day")
        d = d or ctx.dct
        return "DATE", (d + timedelta(days=step)).isoformat() if d else "XXXX-XX-XX"
    if rel == "next" and noun == "year":
        # Anchor rule "next-year": "the next year" after a year the text named ("toured Asia in 2019. The next
        # year ...") is the year after it; with no year named, or the current one, it counts from publication.
        named = _anchor(ctx, a, level=DATED, scope=_NARRATIVE)
        if named is not None and (ctx.dct is None or named[0] != ctx.dct.year):
            return "DATE", f"{named[0] + 1:04d}"
    if rel == "next":
        return _r_rel(ctx, s, a, b)  # "the next week" counts from the publication date
    if noun == "week":
        d = _ref_day(ctx) or ctx.dct
        return "DATE", _week_value(d + timedelta(weeks=step)) if d else "XXXX-WXX"
    if noun == "month":
        if ref is not None and ref[1]:
            y, m = _shift_month(ref[0], ref[1], step)
        elif ctx.dct is not None:
            y, m = _shift_month(ctx.dct.year, ctx.dct.month, step)
        else:
            return "DATE", "XXXX-XX"
        return "DATE", f"{y:04d}-{m:02d}"
    year = ref[0] if ref is not None else ctx.dct.year if ctx.dct else None
    return "DATE", f"{year + step:04d}" if year is not None else "XXXX"


def _r_postanaphor(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    """"The year previous", "the day after" (closing their clause): one step from the last placed date."""
    if ctx.ref is None:
        return None  # with no date placed before it, "after falling the year before" names no year
    low = s.lower().split()
    step = 1 if low[-1] in ("after", "later") else -1
    rel = "following" if step > 0 else "previous"
    return _r_anaphor(ctx, f"the {rel} {low[1]}", a, b)


_RE_DAY_VERB = re.compile(r"\b(?:end|ends|ending|ended|finish|finishes|finishing|finished|close|closes|closing"
                          r"|closed|start|starts|starting|started|open|opens|opening|opened|begin|begins|began"
                          r"|for)\s+$",
                          re.I)


def _r_theday(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    """"Ended the day at 8,017", "the start of the day": the (trading) day the paragraph reports on."""
    if not re.match(r"the\s+(?:start|end)\b", s, re.I) and not _RE_DAY_VERB.search(ctx.text, max(0, a - 12), a):
        return None
    d = ctx.day_ref if ctx.day_ref and not _RE_PARAGRAPH.search(ctx.text, max(0, ctx.day_ref_end), a) else ctx.dct
    return "DATE", d.isoformat() if d else "XXXX-XX-XX"


def _r_relpart(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    pod = _pod_suffix(low)
    if ctx.dct is None:
        return "TIME", "XXXX-XX-XX" + pod
    d = ctx.dct
    if "yesterday" in low or ("last" in low and "night" in low):
        d -= timedelta(days=1)
    elif "tomorrow" in low:
        d += timedelta(days=1)
    elif "last" in low:
        return None
    return "TIME", d.isoformat() + pod


def _r_dayword(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    pod = _pod_suffix(low.replace("tonight", ""))
    if "tonight" in low:
        pod = "TNI"
    shift = 0
    if "before yesterday" in low:
        shift = -2
    elif "after tomorrow" in low:
        shift = 2
    elif "yesterday" in low:
        shift = -1
    elif "tomorrow" in low:
        shift = 1
    typ = "TIME" if pod else "DATE"
    if low == "today" and _generic_now(ctx, a, b):
        return "DATE", "PRESENT_REF"
    if ctx.dct is None:
        return typ, ("PRESENT_REF" if shift == 0 and not pod else "XXXX-XX-XX" + pod)
    return typ, (ctx.dct + timedelta(days=shift)).isoformat() + pod


_GENERIC_AFTER_TODAY = frozenset(
    "world society youth young generation generations children kids standards economy technology culture "
    "market markets environment people women men teenagers students families consumers".split()
)


def _generic_now(ctx: _Ctx, a: int, b: int) -> bool:
    """True when "today" means nowadays ("today's youth", "today's GM") rather than a day."""
    text = ctx.text
    after = text[b:b + 40]
    nxt = re.match(r"(?:['’]s)\s+(\w+)", after)
    if nxt is not None:
        word = nxt.group(1)
        return word.lower() in _GENERIC_AFTER_TODAY or (word[0].isupper() and not text[b - 5:b].istitle())
    return False


def _r_weekday(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    wm = _RE_WDAY.search(low)
    if wm is None or not s[wm.start()].isupper():
        return None
    wd = WEEKDAYS[wm.group()]
    pod = _pod_suffix(low)
    plural = low[wm.end():wm.end() + 1] == "s" or re.search(r"\b(?:nights|mornings|evenings|afternoons)\b", low)
    if low.startswith(("every", "each")) or plural:
        return "SET", f"XXXX-WXX-{wd + 1}{pod}"
    d = _weekday_date(ctx, wd, a, b)
    value = _day_or_x(d, f"XXXX-WXX-{wd + 1}") + pod
    return ("TIME" if pod else "DATE"), value


def _r_weekend(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    dct = ctx.dct
    if dct is None:
        return "DATE", "XXXX-WXX-WE"
    direction = _direction(ctx.text, a, b)
    if dct.weekday() >= 5:
        base = dct
    elif direction > 0:
        base = dct
    else:
        base = dct - timedelta(weeks=1)
    return "DATE", _week_value(base) + "-WE"


def _r_month(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    word = s.rstrip(".")
    low = word.lower()
    if not word[0].isupper() or len(low) <= 4 and low not in ("may", "june", "july"):
        return None
    month = MONTHS[low]
    if low in ("may", "march"):
        prev = ctx.text[max(0, a - 16):a]
        if not re.search(r"\b(?:in|since|until|by|early|late|mid-|of|from|through|before|after|during|last"
                         r"|next|this|between|and|to|or)\s*$", prev, re.I):
            return None
        if low == "may" and re.match(r"\s+(?:be|have|not|also|well|still|never|face|need|take|want)\b",
                                     ctx.text[b:b + 8]):
            return None
    near = _near_date(ctx, month, None, a, b)
    if near is None:
        return "DATE", f"XXXX-{month:02d}"
    return "DATE", f"{near[0]:04d}-{month:02d}"


def _r_prefixed(resolver: Callable[[_Ctx, str, int, int], Resolved]) -> Callable[[_Ctx, str, int, int],
                                                                               Resolved]:
    """Resolve the part after a part-of-period prefix; the value keeps the whole period's granularity."""

    def inner(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
        pfx, rest = _strip_prefix(s.lower())
        if not pfx:
            return resolver(ctx, s, a, b)
        off = len(s) - len(rest)
        if "half" in pfx:
            res = resolver(ctx, s[off:], a + off, b)
            if res and re.fullmatch(r"\d{4}", res[1]):
                return res[0], res[1] + ("-H1" if "first" in pfx else "-H2")
            return res
        return resolver(ctx, s[off:], a + off, b)

    return inner


def _r_mdy_prefixed(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    return _r_prefixed(_r_mdy)(ctx, s, a, b)


# The resolvers of the kinds that name a day, as the tagger's table has them (a clock time looks ahead to one).
_DAY_RESOLVERS: dict[str, Callable[[_Ctx, str, int, int], Resolved]] = {
    "mdy": _r_mdy_prefixed, "dmy": _r_dmy, "iso": _r_iso, "slash": _r_slash, "weekday": _r_weekday,
}
