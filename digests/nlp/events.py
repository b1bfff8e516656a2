"""Dated events: each usable DATE/TIME expression with the sentence it belongs to, condensed.

An expression is usable when its TIMEX3 value pins an absolute range of days (a day, an ISO week, a part of
a month, a month, a quarter, a season, a year). Vague references (``PAST_REF``), durations, sets, decades and
anything left with ``X`` placeholders (no publication date) give no event. Parts of periods come from the
expression: early/mid/late month = days 1-10 / 11-20 / 21-end; early/mid/late year = Jan-Apr / May-Aug /
Sep-Dec; "earlier this month" runs from the first of the month to the day before publication.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from digests.models import Event, Timex
from digests.nlp.sentences import split_sentences
from digests.nlp.timex import MONTHS, WEEKDAYS, extract_timexes

__all__ = ["MergedEvent", "event_range", "extract_events", "merge_events", "condense"]

MAX_EVENT_CHARS = 200

_RE_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T.*)?$")
_RE_WEEK = re.compile(r"^(\d{4})-W(\d{2})(-WE)?$")
_RE_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_RE_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_RE_HALF = re.compile(r"^(\d{4})-H([12])$")
_RE_SEASON = re.compile(r"^(\d{4})-(SP|SU|FA|WI)$")
_RE_YEAR = re.compile(r"^(\d{4})$")
_RE_EARLY = re.compile(r"\b(?:early|beginning|start)\b", re.I)
_RE_MID = re.compile(r"\b(?:mid|middle)\b|\bmid-", re.I)
_RE_LATE = re.compile(r"\b(?:late|end)\b", re.I)
_RE_EARLIER_THIS = re.compile(r"\bearlier\s+(?:this|in\s+the)\b", re.I)
_RE_LATER_THIS = re.compile(r"\blater\s+(?:this|in\s+the)\b", re.I)
_RE_CLAUSE_BREAK = re.compile(r",\s+|;\s+|\s+[—–]\s+|:\s+|\s+--\s+")
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
    for m in _RE_NAME.finditer(sentence):
        for piece in _split_of(m.group()):
            _add_name(found, piece, m.start() == 0)
    # Keep the fullest form: drop a name contained in a longer one ("Blinken" inside "Antony Blinken").
    return tuple(n for n in found if not any(n != o and re.search(rf"\b{re.escape(n)}\b", o) for o in found))


def _split_of(run: str) -> list[str]:
    """Split "Mara Quist of Northwind Rail" in two, but keep "Secretary of State" or "Bank of Lorne" whole."""
    left, sep, right = run.partition(" of ")
    if not sep or len(left.split()) < 2 or left.split()[-1] in _OF_HEADS:
        return [run]
    return [left, *_split_of(right)]


def _add_name(found: list[str], run: str, initial: bool) -> None:
    """Clean a capitalized run and append it to ``found`` when it still looks like a name."""
    words = run.split()
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
    if len(name) >= 2 and name not in found:
        found.append(name)


def extract_events(text: str, published: date | None) -> list[Event]:
    """Return the dated events of an article, in text order."""
    timexes = extract_timexes(text, published)
    if not timexes:
        return []
    sentences = split_sentences(text) or [(0, len(text))]
    events: list[Event] = []
    seen: set[tuple[int, date, date]] = set()
    si = 0
    for tx in timexes:
        rng = event_range(tx, published)
        if rng is None:
            continue
        while si + 1 < len(sentences) and sentences[si][1] <= tx.start:
            si += 1
        s_start, s_end = sentences[si]
        if not s_start <= tx.start < s_end:
            s_start, s_end = tx.start, tx.end
        key = (s_start, rng[0], rng[1])
        if key in seen:
            continue
        seen.add(key)
        sentence = text[s_start:s_end]
        events.append(Event(
            date_start=rng[0], date_end=rng[1], granularity=rng[2], expression=tx.text,
            text=condense(sentence, tx.start - s_start, tx.end - s_start), start=s_start, end=s_end,
            entities=_entities(sentence),
        ))
    return events


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
