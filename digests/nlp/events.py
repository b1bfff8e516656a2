"""Dated events: each usable DATE/TIME expression with the sentence it belongs to, condensed.

An expression is usable when its TIMEX3 value pins an absolute range of days (a day, an ISO week, a part of
a month, a month, a quarter, a season, a year, a decade, a century). Vague references (``PAST_REF``,
``PRESENT_REF``: "now", "these days", "today's youth"), durations, sets and anything left with ``X``
placeholders (no publication date) give no event. Parts of periods come from the expression: early/mid/late
month = days 1-10 / 11-20 / 21-end; early/mid/late year = Jan-Apr / May-Aug / Sep-Dec; "earlier this month"
runs from the first of the month to the day before publication.

The values themselves come from the tagger's reference-time model (``digests.nlp.timex``: the nearest anchor
in the sentence, the paragraph, then the narrative, before the publication date). On top of them this module
joins ranges into one event, keeps decades and centuries only where nothing narrower dates the sentence, and
treats a deictic date inside a quotation as the speaker's time.
"""

from __future__ import annotations

import bisect
import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from digests.models import Event, Timex
from digests.nlp.sentences import split_sentences
from digests.nlp.timex import MONTHS, WEEKDAYS, extract_timexes, headed_regions

__all__ = ["MergedEvent", "event_range", "extract_events", "find_names", "habitual", "merge_events", "condense"]

MAX_EVENT_CHARS = 200
# Names are read from at most this many characters either side of an expression: a sentence can be a whole
# 5 MB article without punctuation, and reading all of it for each of its dates would be quadratic.
ENTITY_WINDOW = 600
# A capitalised run longer than this is a headline or shouting, not a name (and would make containment costly).
MAX_NAME_WORDS = 8

_RE_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T.*)?$")
_RE_WEEK = re.compile(r"^(\d{4})-W(\d{2})(-WE)?$")
_RE_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_RE_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_RE_HALF = re.compile(r"^(\d{4})-H([12])$")
_RE_SEASON = re.compile(r"^(\d{4})-(SP|SU|FA|WI)$")
_RE_YEAR = re.compile(r"^(\d{4})$")
_RE_DECADE = re.compile(r"^(\d{3})$")
_RE_CENTURY = re.compile(r"^(\d{2})$")
# Granularities wider than a year: shown only when the sentence has no narrower date.
WIDE = frozenset({"decade", "century"})
# "between 2011 and 2012", "from March 3 to March 9", "2011 through 2013": two dates that bound one event.
_RE_RANGE_GAP = re.compile(r"\s*(?:-|–|—|to|through|until|till|and)\s*$", re.I)
_RE_RANGE_OPEN = re.compile(r"\b(?:between|from)\s+(?:the\s+)?$", re.I)
# "2017-18", "the 2011-12 season": a span of two years written with the second one cut to two digits.
_RE_YEAR_SPAN = re.compile(r"(?<![\w.,/-])((?:19|20)\d\d)[-–/]((?:19|20)?\d\d)(?![\w%/-]|[.,]\d)")
# Quotation spans: straight or curly double quotes and TeX-style ``...'' within one paragraph.
_RE_QUOTE = re.compile(r"\"[^\"\n]{1,2000}\"|“[^”\n]{1,2000}”|``.{1,2000}?''", re.S)
# Expressions whose day depends on when they were said ("today", "last week", "on Tuesday").
_RE_DEICTIC = re.compile(
    r"\b(?:today|tonight|yesterday|tomorrow|now|ago|this|last|next|coming|past|weekend|monday|tuesday"
    r"|wednesday|thursday|friday|saturday|sunday)\b", re.I)
_RE_EARLY = re.compile(r"\b(?:early|beginning|start)\b", re.I)
_RE_MID = re.compile(r"\b(?:mid|middle)\b|\bmid-", re.I)
_RE_LATE = re.compile(r"\b(?:late|end)\b", re.I)
_RE_EARLIER_THIS = re.compile(r"\bearlier\s+(?:this|in\s+the)\b", re.I)
_RE_LATER_THIS = re.compile(r"\blater\s+(?:this|in\s+the)\b", re.I)
_RE_CLAUSE_BREAK = re.compile(r",\s+|;\s+|\s+[—–]\s+|:\s+|\s+--\s+")
# Habits: a date in the clause of a set ("every year", "daily") or of these words repeats; it is no happening.
_RE_HABIT = re.compile(r"\b(?:weekdays|weekends|weeknights|(?:on|until|till|from)\s+(?:mon|tues|wednes|thurs|fri"
                       r"|satur|sun)days)\b", re.I)
_HABIT_REACH = 80
_RE_HOURS = re.compile(r"\b(?:(?:is|are|stays?|remains?)\s+open|opens|closes|opening\s+(?:hours|times)"
                       r"|open\s+(?:from|until|till|between))\b", re.I)
# A clock time with nothing else: "9 p.m.", "until 10:30 a.m." (a time on a named day is a happening).
_RE_CLOCK_ONLY = re.compile(r"(?:(?:around|about|shortly\s+(?:before|after)|just\s+(?:before|after))\s+)?"
                            r"(?:\d{1,2}(?::\d\d)?\s*(?:a\.m\.|p\.m\.|am|pm)|\d{1,2}:\d\d|noon|midnight)"
                            r"(?:\s+[A-Z]{2,4})?", re.I)
_RE_CLOCK_IN = re.compile(r"\b\d{1,2}(?::\d\d)?\s*(?:a\.m\.|p\.m\.|am\b|pm\b)|\b\d{1,2}:\d\d\b|\bnoon\b|\bmidnight\b", re.I)
# The other side of a comparison: "than in the whole of November", "compared with March", "the whole of May".
_RE_COMPARED = re.compile(
    r"(?:\bthan|\bcompared\s+(?:with|to)|\bversus|\bvs\.?)\s+(?:(?:in|during|for|over|on|at|with|to)\s+)?"
    r"(?:the\s+(?:whole|rest|entirety)\s+of\s+|all\s+of\s+|(?:the\s+)?same\s+)?(?:the\s+)?$"
    r"|\bthe\s+(?:whole|entirety)\s+of\s+$", re.I)
_RE_YEAR_IN = re.compile(r"(?<!\d)(?:1[5-9]|20)\d\d(?!\d)|['’]\d\d\b")
_RE_NAME = re.compile(
    r"(?:[A-Z][\w’'.-]*|[A-Z]\.)(?:\s+(?:(?:of|de|al|bin|van|von|der|the|and)\s+)?(?:[A-Z][\w’'.-]*|[A-Z]\.))*"
)
_RE_TOKEN = re.compile(r"[a-z0-9]+")
_SEASON_MONTHS = {"SP": (3, 5), "SU": (6, 8), "FA": (9, 11), "WI": (12, 14)}
_NOT_NAMES = frozenset(
    "the a an in on at for by with from to of and but or if as it its he she they we i you this that these "
    "those there here his her their our my your when while after before since during until also then so "
    "yet not no mr mrs ms dr today tomorrow yesterday now last next earlier later early late mid beyond "
    "despite although however meanwhile still even because according under among against without within "
    "through across instead only some many most all both each every other such".split()
) | frozenset(MONTHS) | frozenset(WEEKDAYS)
_OF_HEADS = frozenset(
    "Secretary Minister Ministry Department Bank University Republic House Chamber Board Court State Church "
    "Council Office Bureau Institute College School Museum Federation Union League Kingdom Duke Prince".split()
)
_STOP = frozenset(
    "the a an in on at for by with from to of and or but is are was were be been has have had that this it "
    "its as said says will would he she they we their his her who which what than then also into about "
    "after before over last next week month year on".split()
)


@dataclass(frozen=True, slots=True)
class MergedEvent:
    """One event reported by one or more articles: a representative event and the articles behind it."""

    event: Event
    article_ids: tuple[int, ...]


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _month_part(expression: str) -> str:
    """Return "early", "mid", "late" or "" for a part-of-period expression."""
    if _RE_MID.search(expression):
        return "mid"
    if _RE_EARLY.search(expression) and not _RE_EARLIER_THIS.search(expression):
        return "early"
    if _RE_LATE.search(expression) and not _RE_LATER_THIS.search(expression):
        return "late"
    return ""


def event_range(timex: Timex, published: date | None = None) -> tuple[date, date, str] | None:
    """Return the inclusive (start, end, granularity) a DATE/TIME expression pins, or None when vague."""
    if timex.type not in ("DATE", "TIME"):
        return None
    value = timex.value
    expr = timex.text
    try:
        if m := _RE_DAY.match(value):
            d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            return d, d, "day"
        if m := _RE_WEEK.match(value):
            monday = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
            if m.group(3):
                return monday + timedelta(days=5), monday + timedelta(days=6), "week"
            return monday, monday + timedelta(days=6), "week"
        if m := _RE_MONTH.match(value):
            year, month = int(m.group(1)), int(m.group(2))
            first, last = date(year, month, 1), _month_end(year, month)
            if published is not None and first <= published <= last:
                if _RE_EARLIER_THIS.search(expr) and published > first:
                    return first, published - timedelta(days=1), "month-part"
                if _RE_LATER_THIS.search(expr) and published < last:
                    return published + timedelta(days=1), last, "month-part"
            part = _month_part(expr)
            if part == "early":
                return first, date(year, month, 10), "month-part"
            if part == "mid":
                return date(year, month, 11), date(year, month, 20), "month-part"
            if part == "late":
                return date(year, month, 21), last, "month-part"
            return first, last, "month"
        if m := _RE_QUARTER.match(value):
            year, q = int(m.group(1)), int(m.group(2))
            return date(year, 3 * q - 2, 1), _month_end(year, 3 * q), "quarter"
        if m := _RE_HALF.match(value):
            year, h = int(m.group(1)), int(m.group(2))
            return date(year, 6 * h - 5, 1), _month_end(year, 6 * h), "quarter"
        if m := _RE_SEASON.match(value):
            year = int(m.group(1))
            lo, hi = _SEASON_MONTHS[m.group(2)]
            end_year, end_month = (year + 1, hi - 12) if hi > 12 else (year, hi)
            return date(year, lo, 1), _month_end(end_year, end_month), "quarter"
        if m := _RE_DECADE.match(value):
            # "the 2030s", "the ’80s": a wide range, kept only when nothing narrower dates the sentence.
            first_year = int(m.group(1)) * 10
            lo, hi = _part_span(expr, first_year, 10)
            return date(lo, 1, 1), date(hi, 12, 31), "decade"
        if m := _RE_CENTURY.match(value):
            first_year = int(m.group(1)) * 100
            lo, hi = _part_span(expr, first_year, 100)
            return date(max(lo, 1), 1, 1), date(hi, 12, 31), "century"
        if m := _RE_YEAR.match(value):
            year = int(m.group(1))
            first, last = date(year, 1, 1), date(year, 12, 31)
            if published is not None and published.year == year:
                if _RE_EARLIER_THIS.search(expr) and published > first:
                    return first, published - timedelta(days=1), "year"
                if _RE_LATER_THIS.search(expr) and published < last:
                    return published + timedelta(days=1), last, "year"
            part = _month_part(expr)
            if part == "early":
                return first, date(year, 4, 30), "year"
            if part == "mid":
                return date(year, 5, 1), date(year, 8, 31), "year"
            if part == "late":
                return date(year, 9, 1), last, "year"
            return first, last, "year"
    except ValueError:
        return None
    return None


def _part_span(expression: str, first: int, width: int) -> tuple[int, int]:
    """Return the first and last year of a decade or century, narrowed by "early", "mid" or "late"."""
    part = _month_part(expression)
    third = width // 3
    if part == "early":
        return first, first + third
    if part == "mid":
        return first + third, first + width - third - 1
    if part == "late":
        return first + width - third - 1, first + width - 1
    return first, first + width - 1


def condense(sentence: str, start: int, end: int, limit: int = MAX_EVENT_CHARS) -> str:
    """Shorten a sentence to at most ``limit`` characters around the span [start, end), at word boundaries."""
    text = " ".join(sentence.split()) if len(sentence) <= limit else sentence
    if len(text) <= limit:
        return text
    # Prefer whole clauses: grow outward from the clause holding the date while it still fits.
    cuts = [0] + [m.end() for m in _RE_CLAUSE_BREAK.finditer(sentence)] + [len(sentence) + 1]
    bounds = [(cuts[i], cuts[i + 1] - 1 if i + 1 < len(cuts) - 1 else len(sentence)) for i in range(len(cuts) - 1)]
    idx = next((i for i, (a, b) in enumerate(bounds) if a <= start < max(b, a + 1)), 0)
    lo_i = hi_i = idx
    while True:
        grown = False
        if hi_i + 1 < len(bounds) and bounds[hi_i + 1][1] - bounds[lo_i][0] <= limit - 2:
            hi_i += 1
            grown = True
        if lo_i > 0 and bounds[hi_i][1] - bounds[lo_i - 1][0] <= limit - 2:
            lo_i -= 1
            grown = True
        if not grown:
            break
    lo, hi = bounds[lo_i][0], bounds[hi_i][1]
    if hi - lo > limit - 2:
        # One long clause: a word-bounded window centred on the date expression.
        half = (limit - 2 - (end - start)) // 2
        lo = max(lo, start - max(half, 0))
        hi = min(hi, lo + limit - 2)
        while lo > 0 and lo < start and not sentence[lo - 1].isspace():
            lo += 1
        while hi < len(sentence) and hi > end and not sentence[hi].isspace():
            hi -= 1
    piece = " ".join(sentence[lo:hi].split()).strip(" ,;:—–-")
    prefix = "…" if lo > 0 else ""
    suffix = "…" if hi < len(sentence.rstrip()) else ""
    return (prefix + piece + suffix)[: limit]


def _entities(sentence: str) -> tuple[str, ...]:
    """Return capitalized names in a sentence (a heuristic for people and organizations)."""
    found: list[str] = []
    seen: set[str] = set()
    for m in _RE_NAME.finditer(sentence):
        for piece in _split_of(m.group()):
            _add_name(found, seen, piece, m.start() == 0)
    # Keep the fullest form: drop a name contained in a longer one ("Blinken" inside "Antony Blinken"). Every
    # run of words inside every name goes in one set, so the check is linear in the names' length, not pairwise.
    inner: set[str] = set()
    for name in found:
        words = name.split()
        for i in range(len(words)):
            for j in range(i + 1, len(words) + 1):
                if j - i < len(words):
                    inner.add(" ".join(words[i:j]))
    return tuple(n for n in found if n not in inner)


def find_names(text: str) -> tuple[str, ...]:
    """Return the capitalized names (people, organisations, places) of a text, fullest form first seen."""
    return _entities(text)


def _split_of(run: str) -> list[str]:
    """Split "Mara Quist of Northwind Rail" in two, but keep "Secretary of State" or "Bank of Lorne" whole."""
    out: list[str] = []
    while True:
        left, sep, right = run.partition(" of ")
        if not sep or len(left.split()) < 2 or left.split()[-1] in _OF_HEADS:
            out.append(run)
            return out
        out.append(left)
        run = right


def _add_name(found: list[str], seen: set[str], run: str, initial: bool) -> None:
    """Clean a capitalized run and append it to ``found`` when it still looks like a name."""
    words = run.split()
    if len(words) > 2 * MAX_NAME_WORDS:
        return
    while words and words[0].lower().strip(".") in _NOT_NAMES:
        words.pop(0)
    while words and (words[-1].lower().strip(".") in _NOT_NAMES or words[-1].lower() in ("of", "and", "the")):
        words.pop()
    # A lone sentence-initial word ending in -ing/-ly ("Signaling", "Reportedly") is rarely a name.
    if not words or len(words) == 1 and initial and words[0].lower().endswith(("ing", "ly")):
        return
    name = re.sub(r"['’]s$", "", " ".join(words)).rstrip(",")
    if name.endswith(".") and not re.search(r"\b[A-Z]\.$", name):
        name = name[:-1]
    if len(name) >= 2 and len(name.split()) <= MAX_NAME_WORDS and name not in seen:
        seen.add(name)
        found.append(name)


_GRAIN_ORDER = {"day": 0, "week": 1, "month-part": 2, "month": 3, "quarter": 4, "year": 5, "decade": 6,
                "century": 7}


def _year_spans(text: str, taken: list[tuple[int, int]], published: date | None) -> list[Timex]:
    """Return "2017-18" style spans of years as DATE expressions valued by their first year."""
    found: list[Timex] = []
    starts = [a for a, _ in taken]
    for m in _RE_YEAR_SPAN.finditer(text):
        first = int(m.group(1))
        tail = m.group(2)
        last = int(tail) if len(tail) == 4 else first // 100 * 100 + int(tail)
        top = (published.year + 30) if published else 2100
        if not first < last <= first + 10 or last > top:
            continue
        # ``taken`` is sorted and disjoint: only the expressions just before the span's end can overlap it.
        i = bisect.bisect_left(starts, m.end()) - 1
        clash = False
        while i >= 0 and taken[i][1] > m.start():
            a, b = taken[i]
            if not (m.start() <= a and b <= m.end()):
                clash = True
                break
            i -= 1
        if clash:
            continue  # it overlaps a longer expression ("Jan. 2011-12 ..." is not a span of years)
        found.append(Timex(text=m.group(), start=m.start(), end=m.end(), type="DATE", value=f"{first:04d}/{last:04d}"))
    return found


def _ranges(text: str, timexes: list[Timex], published: date | None
            ) -> list[tuple[int, int, tuple[date, date, str]]]:
    """Return (start, end, range) for each dated expression, joining "between X and Y" / "from X to Y" pairs."""
    out: list[tuple[int, int, tuple[date, date, str]]] = []
    for tx in timexes:
        if "/" in tx.value:
            a, b = tx.value.split("/")
            out.append((tx.start, tx.end, (date(int(a), 1, 1), date(int(b), 12, 31), "year")))
            continue
        rng = event_range(tx, published)
        if rng is None:
            continue
        if out:
            p_start, p_end, prev = out[-1]
            gap = text[p_end:tx.start]
            opener = _RE_RANGE_OPEN.search(text, max(0, p_start - 12), p_start)
            link = _RE_RANGE_GAP.fullmatch(gap) if len(gap) <= 12 else None
            # "and"/"until" join a range only after "between"/"from"; a dash, "to" or "through" joins any two
            # ordered dates ("1991 to 1997").
            joins = link is not None and (opener is not None
                                          or link.group().strip().lower() in ("-", "–", "—", "to", "through"))
            if joins and prev[0] < rng[0] and prev[1] <= rng[1]:
                grain = max(prev[2], rng[2], key=lambda g: _GRAIN_ORDER.get(g, 9))
                start = opener.start() if opener is not None else p_start
                out[-1] = (start, tx.end, (prev[0], rng[1], grain))
                continue
        out.append((tx.start, tx.end, rng))
    return out


def _quotations(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) of every quotation in the text."""
    return [m.span() for m in _RE_QUOTE.finditer(text)]


def _statement_day(text: str, quote: tuple[int, int], days: list[tuple[int, int, date]],
                   sentence: tuple[int, int]) -> date | None:
    """Return the day the article dates a quoted statement with ("…," she said on Tuesday), else None."""
    # Only a day-dated expression outside the quotation, in the sentence that holds it, dates the statement.
    q_start, q_end = quote
    i = bisect.bisect_left(days, sentence[0], key=lambda d: d[0])
    while i < len(days) and days[i][0] < sentence[1]:
        if not q_start <= days[i][0] < q_end:
            return days[i][2]
        i += 1
    return None


def extract_events(text: str, published: date | None) -> list[Event]:
    """Return the dated events of an article, in text order.

    Reference-time rules on top of the expressions' values: two dates joined as "between X and Y", "from X to
    Y" or "2017-18" make one event with a range; decades and centuries count only when nothing narrower dates
    their sentence; a deictic expression inside a quotation ("today", "last week") is the speaker's time, so it
    is dated only when the article dates the statement and is left off the timeline otherwise.
    """
    timexes = extract_timexes(text, published)
    spans = _year_spans(text, [(t.start, t.end) for t in timexes], published)
    if spans:
        # The span replaces a year read inside it ("2013" of "2011-2013").
        span_starts = [y.start for y in spans]
        timexes = [t for t in timexes if not _inside(t, spans, span_starts)]
        timexes = sorted(timexes + spans, key=lambda t: t.start)
    if not timexes:
        return []
    sentences = split_sentences(text) or [(0, len(text))]
    quotes = _quotations(text)
    quote_starts = [q[0] for q in quotes]
    ranges = _ranges(text, timexes, published)
    headed = headed_regions(text)
    headings = {lo for lo, _, _ in headed}
    habits = sorted([(t.start, t.end) for t in timexes if t.type == "SET"]
                    + [m.span() for m in _RE_HABIT.finditer(text)])
    names: dict[tuple[int, int], tuple[str, ...]] = {}
    days = [(a, b, r[0]) for a, b, r in ranges if r[2] == "day"]
    events: list[Event] = []
    seen: set[tuple[int, date, date]] = set()
    narrow: set[int] = set()
    si = 0
    for a, b, rng in ranges:
        while si + 1 < len(sentences) and sentences[si][1] <= a:
            si += 1
        s_start, s_end = sentences[si]
        if not s_start <= a < s_end:
            s_start, s_end = a, b
        expression = text[a:b]
        # Quotations do not overlap: only the last one opening before the expression can hold it.
        qi = bisect.bisect_left(quote_starts, a) - 1
        quote = quotes[qi] if qi >= 0 and b <= quotes[qi][1] else None
        if _not_a_happening(text, a, b, s_start, s_end, habits):
            continue
        if headings and text.find("\n", b) in headings:
            continue  # "2027 dates" over a list labels its rows; the rows are the happenings
        if quote is not None and (_RE_DEICTIC.search(expression) or not _RE_YEAR_IN.search(expression)):
            said = _statement_day(text, quote, days, (s_start, s_end))
            if said is None:
                continue  # the speaker's "today" is not the publication day; no day is invented for it
            # Read again in its sentence as said that day, so the quote's own tense still counts.
            spoken = [t for t in extract_timexes(text[s_start:s_end], said) if t.start == a - s_start]
            if not spoken or (again := event_range(spoken[0], said)) is None:
                continue
            rng = again
        if rng[2] not in WIDE:
            narrow.add(s_start)
        key = (s_start, rng[0], rng[1])
        if key in seen:
            continue
        seen.add(key)
        # A very long "sentence" (no punctuation for pages) is read only around the expression.
        w_start = max(s_start, a - ENTITY_WINDOW)
        w_end = min(s_end, b + ENTITY_WINDOW)
        if w_start > s_start:
            w_start = text.find(" ", w_start, a) + 1 or a
        if w_end < s_end:
            w_end = text.rfind(" ", b, w_end) if text.rfind(" ", b, w_end) > 0 else b
        if (w_start, w_end) not in names:
            names[(w_start, w_end)] = _entities(text[w_start:w_end])
        events.append(Event(
            date_start=rng[0], date_end=rng[1], granularity=rng[2], expression=expression,
            text=condense(text[w_start:w_end], a - w_start, b - w_start), start=s_start, end=s_end,
            entities=names[(w_start, w_end)],
        ))
    return [ev for ev in events if ev.granularity not in WIDE or ev.start not in narrow]


def _not_a_happening(text: str, a: int, b: int, s_start: int, s_end: int, habits: list[tuple[int, int]]) -> bool:
    """True for a date that names no happening: a habit, opening hours, or the other side of a comparison.

    "Open until 9 p.m. on weekdays" and "every year in May" repeat (a set, or "weekdays", in the same clause);
    "the shop opens at 9 a.m." gives hours; "higher than in the whole of November" measures against a period.
    """
    lo = max(s_start, a - _HABIT_REACH)
    hi = min(s_end, b + _HABIT_REACH)
    cut = _last_break(text, lo, a)
    lo = cut if cut is not None else lo
    nxt = _RE_CLAUSE_BREAK.search(text, b, hi)
    hi = nxt.start() if nxt else hi
    i = bisect.bisect_left(habits, (lo, lo))
    if i < len(habits) and habits[i][0] < hi and not (a <= habits[i][0] < b):
        return True
    if i + 1 < len(habits) and habits[i + 1][0] < hi and not (a <= habits[i + 1][0] < b):
        return True
    expression = text[a:b]
    if _RE_CLOCK_ONLY.fullmatch(expression) and _RE_HOURS.search(text, lo, hi):
        return True
    return _RE_COMPARED.search(text, max(s_start, a - 40), a) is not None


_RE_SET_WORDS = re.compile(r"\b(?:daily|nightly|weekly|monthly|annually|yearly|(?:every|each)\s+(?:other\s+)?(?:day|night"
                           r"|week|weekend|month|year|morning|evening|(?:mon|tues|wednes|thurs|fri|satur|sun)day))\b", re.I)


def habitual(sentence: str) -> bool:
    """True when a sentence tells a habit or hours ("open until 9 p.m. on weekdays", "every year"), not a happening."""
    if _RE_HABIT.search(sentence) or _RE_SET_WORDS.search(sentence):
        return True
    return _RE_HOURS.search(sentence) is not None and _RE_CLOCK_IN.search(sentence) is not None


def _last_break(text: str, lo: int, a: int) -> int | None:
    """Return where the clause holding offset ``a`` starts, if a clause break lies between ``lo`` and ``a``."""
    end = None
    for m in _RE_CLAUSE_BREAK.finditer(text, lo, a):
        end = m.end()
    return end


def _inside(t: Timex, spans: list[Timex], starts: list[int]) -> bool:
    """Return whether ``t`` lies inside one of the sorted, disjoint ``spans``."""
    i = bisect.bisect_right(starts, t.start) - 1
    return i >= 0 and t.end <= spans[i].end


def _tokens(text: str) -> frozenset[str]:
    return frozenset(t for t in _RE_TOKEN.findall(text.lower()) if t not in _STOP and len(t) > 2)


def merge_events(events: Sequence[tuple[int, Event]], min_overlap: float = 0.5) -> list[MergedEvent]:
    """Merge (article id, event) pairs telling the same event: same date range and high token overlap.

    Overlap is the share of the smaller event's content words found in the other (entities included), so a
    short report of a longer one still merges. The representative is the event with the most entities, then
    the longest text; results are ordered by start date, then by first appearance.
    """
    clusters: list[tuple[list[tuple[int, Event]], frozenset[str]]] = []
    for article_id, ev in events:
        toks = _tokens(ev.text + " " + " ".join(ev.entities))
        for members, ctoks in clusters:
            head = members[0][1]
            if (head.date_start, head.date_end) != (ev.date_start, ev.date_end):
                continue
            small = min(len(toks), len(ctoks)) or 1
            if len(toks & ctoks) / small >= min_overlap:
                members.append((article_id, ev))
                idx = clusters.index((members, ctoks))
                clusters[idx] = (members, ctoks | toks)
                break
        else:
            clusters.append(([(article_id, ev)], toks))
    merged: list[MergedEvent] = []
    for members, _ in clusters:
        best = max((ev for _, ev in members), key=lambda e: (len(e.entities), len(e.text)))
        ids = tuple(dict.fromkeys(aid for aid, _ in members))
        merged.append(MergedEvent(event=best, article_ids=ids))
    merged.sort(key=lambda m: m.event.date_start)
    return merged
