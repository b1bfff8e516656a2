"""One left-to-right pass over a text: find each expression, normalise it, and record it as an anchor."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from digests.models import Timex
from digests.nlp.timex.anchors import _DATED_KINDS, _NAMED_KINDS, DATED, DEICTIC, NAMED, Resolved, _Ctx
from digests.nlp.timex.dates import (
    _r_anaphor,
    _r_clock,
    _r_dayword,
    _r_dmy,
    _r_holiday,
    _r_iso,
    _r_mdy_prefixed,
    _r_midday,
    _r_month,
    _r_monthyear,
    _r_postanaphor,
    _r_prefixed,
    _r_rel,
    _r_relpart,
    _r_season,
    _r_slash,
    _r_theday,
    _r_weekday,
    _r_weekend,
    _r_weekof,
)
from digests.nlp.timex.lexicon import _safe_date
from digests.nlp.timex.patterns import (
    _BIG,
    _FIRST_WORDS,
    _MID_MONTH,
    _RE_DURATION,
    _RE_REF_VALUE,
    _RE_SEASON_VALUE,
    _RE_YEAR,
    _WORD_START,
)
from digests.nlp.timex.periods import (
    _r_adjdur,
    _r_ago,
    _r_agoyear,
    _r_bareplural,
    _r_century,
    _r_decade,
    _r_duration,
    _r_endof,
    _r_half,
    _r_longdur,
    _r_partyear,
    _r_qcode,
    _r_qref,
    _r_quarter,
    _r_recentunit,
    _r_set,
    _r_shortyear,
    _r_theyear,
    _r_vague,
    _r_year,
    _r_yearend,
    _r_yearperiod,
    _r_yref,
)

_RESOLVERS: dict[str, Callable[[_Ctx, str, int, int], Resolved]] = {
    "iso": _r_iso, "slash": _r_slash, "clock": _r_clock, "mdy": _r_mdy_prefixed, "dmy": _r_dmy,
    "quarter": _r_quarter, "qcode": _r_qcode, "half": _r_half, "monthyear": _r_prefixed(_r_monthyear),
    "season": _r_prefixed(_r_season), "holiday": _r_holiday, "ago": _r_ago, "agoyear": _r_agoyear,
    "duration": _r_duration, "adjdur": _r_adjdur, "longdur": _r_longdur, "weekof": _r_weekof, "recentunit": _r_recentunit, "rel": _r_rel, "anaphor": _r_anaphor, "postanaphor": _r_postanaphor, "theday": _r_theday,
    "relpart": _r_relpart, "dayword": _r_dayword, "weekday": _r_weekday, "weekend": _r_weekend,
    "decade": _r_decade, "century": _r_century, "partyear": _r_prefixed(_r_partyear), "year": _r_year, "shortyear": _r_shortyear, "yearend": _r_yearend,
    "yearperiod": _r_yearperiod, "qref": _r_qref, "yref": _r_yref, "theyear": _r_theyear, "endof": _r_endof,
    "bareplural": _r_bareplural, "midday": _r_midday, "set": _r_set, "vague": _r_vague, "month": _r_prefixed(_r_month),
}


def _span_fix(kind: str, text: str, s: str, a: int, b: int) -> tuple[int, int]:
    """Apply TimeML span conventions: an adjectival "third-quarter" or "two-year" drops the article."""
    low = s.lower()
    if kind == "quarter" and low.startswith("the ") and re.search(r"\w-quarter\b", low):
        a += 4
    return a, b


def extract_timexes(text: str, published: date | None) -> list[Timex]:
    """Return the temporal expressions in ``text`` resolved against ``published``."""
    ctx = _Ctx(dct=published, text=text)
    out: list[Timex] = []
    last_end = 0
    for w in _WORD_START.finditer(text):
        if w.start() < last_end:
            continue
        word = w.group(1)
        if word is not None and word.lower() not in _FIRST_WORDS:
            continue
        m = _BIG.match(text, w.start())
        if m is None and word is None and not text[w.start()].isdigit():
            m = _BIG.match(text, w.start() + 1)  # a quote before a number: "'90s" failed, try "90..."
        if m is None:
            continue
        last_end = m.end()
        kind = m.lastgroup
        if kind is None:
            continue
        a, b = m.span()
        s = m.group()
        res = _RESOLVERS[kind](ctx, s, a, b)
        if res is None and kind == "ago" and not re.search(r"\b(?:not|no)\s+$", text[max(0, a - 5):a], re.I):
            # "several months before he took office" is no date, but "several months" is still a span.
            dm = _RE_DURATION.match(text, a)
            if dm is not None and dm.end() < b:
                a, b, s, kind = dm.start(), dm.end(), dm.group(), "duration"
                last_end = b
                res = _r_duration(ctx, s, a, b)
        if res is None:
            continue
        a, b = _span_fix(kind, text, s, a, b)
        out.append(Timex(text=text[a:b], start=a, end=b, type=res[0], value=res[1]))
        if res[0] in ("DATE", "TIME"):
            rm = _RE_REF_VALUE.match(res[1])
            if rm:
                ctx.ref = (int(rm.group(1)), int(rm.group(2) or 0), int(rm.group(3) or 0))
                ctx.ref_end = b
                how = DATED if kind in _DATED_KINDS or (kind in _NAMED_KINDS and _RE_YEAR.search(s)) \
                    else NAMED if kind in _NAMED_KINDS else DEICTIC
                ctx.anchors.append((b, ctx.ref, how))
                if rm.group(3):
                    ctx.day_ref, ctx.day_ref_end = _safe_date(*ctx.ref), b
            elif (sm := _RE_SEASON_VALUE.match(res[1])) is not None:
                # A season or quarter anchors by its middle month ("the summer of 2004" -> July 2004).
                mid = _MID_MONTH[sm.group(2)]
                ctx.anchors.append((b, (int(sm.group(1)) + (mid > 12), (mid - 1) % 12 + 1, 0),
                                    DATED if _RE_YEAR.search(s) else DEICTIC))
    return out
