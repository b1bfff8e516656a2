"""Choosing anchors: the reference time an expression resolves against (sentence, paragraph, narrative, DCT)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import islice

from digests.nlp.timex.lexicon import _safe_date
from digests.nlp.timex.patterns import _RE_PARAGRAPH, _RE_RESTATE, _RE_SENT_BREAK
from digests.nlp.timex.tense import _AGAINST_TENSE, _AGAINST_WIDE, _FUTURE_WEIGHT, _direction


@dataclass
class _Ctx:
    """Per-document state: the publication date, the last named quarter and the last placed date."""

    dct: date | None
    text: str
    quarter: tuple[int, int] | None = None
    quarter_pos: int = -10_000
    # The last date the text placed on the calendar (year, month or 0, day or 0): "the following year" and
    # "that day" count from it rather than from the publication date.
    ref: tuple[int, int, int] | None = None
    ref_end: int = -10_000
    day_ref: date | None = None
    day_ref_end: int = -10_000
    # Every date placed so far, in text order: (end offset, (year, month or 0, day or 0), how explicit).
    # The reference time of an anaphoric expression is the nearest one in its sentence, then its paragraph,
    # then the running narrative; the publication date only when none fits.
    anchors: list[tuple[int, tuple[int, int, int], int]] = field(default_factory=list)
    # Lists and tables under a heading that names a year: (first row, end of the last row, the year).
    _headed: list[tuple[int, int, int]] | None = None

    def heading_year(self, pos: int) -> int | None:
        """Return the year a heading above gives the list or table row at ``pos``, if any."""
        if self._headed is None:
            self._headed = headed_regions(self.text)
        for lo, hi, year in self._headed:
            if lo <= pos < hi:
                return year
        return None


# How a placed date got its value: deictic (counted from publication: "Tuesday", "today"), named (month and
# day in the text, year inferred: "Aug. 6") or dated (the text gives the year: "in 1978", "June 3, 2004").
DEICTIC, NAMED, DATED = 0, 1, 2
_ANCHOR_LOOKBACK = 64
_SENTENCE, _PARAGRAPH, _NARRATIVE = 0, 1, 2
_NAMED_KINDS = frozenset("mdy dmy weekof month holiday".split())
_DATED_KINDS = frozenset("iso slash monthyear season year shortyear partyear yearperiod decade century".split())


# A heading: a short line of its own that names a year ("2027 dates", "## Summer 2027", "Tour dates 2027:"),
# no full date and no sentence ending. Its rows run until a line of prose (many words ending a sentence) or the
# next heading.
_RE_LINE = re.compile(r"[^\n]*")
_RE_HEADING_YEAR = re.compile(r"(?<![\w/.-])((?:19|20)\d\d)(?![\w/.-]|,\d)")
_RE_DAY_NUMBER = re.compile(r"(?<![\w.,])(?:[0-2]?\d|3[01])(?:st|nd|rd|th)?(?![\w.]|,\d|\s*%)")
HEADING_WORDS = 8
_RE_DEADLINE = re.compile(r"\b(?:by|until|till)\s+(?:the\s+end\s+of\s+|early\s+|late\s+|mid-?)?$", re.I)
_PROSE_WORDS = 15


def heading_line(line: str) -> int | None:
    """Return the year a heading line names ("2027 dates", "Summer 2027"), or None for any other line."""
    body = line.strip().lstrip("#*").strip().rstrip(":").strip("*").strip()
    if not body or len(body) > 60 or len(body.split()) > HEADING_WORDS or body[-1] in ".!?;,\"”|":
        return None
    years = _RE_HEADING_YEAR.findall(body)
    if len(set(years)) != 1:
        return None
    # "March 3, 2027" on a line of its own is a row, not a heading.
    if _RE_DAY_NUMBER.search(_RE_HEADING_YEAR.sub(" ", body)):
        return None
    return int(years[0])


def headed_regions(text: str) -> list[tuple[int, int, int]]:
    """Return (start, end, year) of each run of list or table rows under a heading that names a year."""
    if "\n" not in text:
        return []
    out: list[tuple[int, int, int]] = []
    current: tuple[int, int] | None = None  # (start of the rows, the heading's year)
    last_row_end = 0
    for m in _RE_LINE.finditer(text):
        line = m.group()
        if not line.strip():
            continue
        year = heading_line(line)
        prose = len(line.split()) >= _PROSE_WORDS and line.rstrip().endswith((".", "!", "?", ".\"", ".”"))
        if current is not None and (year is not None or prose):
            if last_row_end > current[0]:
                out.append((current[0], last_row_end, current[1]))
            current = None
        if year is not None:
            current = (m.end(), year)
            last_row_end = m.end()
        elif current is not None:
            last_row_end = m.end()
    if current is not None and last_row_end > current[0]:
        out.append((current[0], last_row_end, current[1]))
    return out


def _anchor(ctx: _Ctx, a: int, *, level: int = DEICTIC, day: bool = False, month: bool = False,
            scope: int = _PARAGRAPH) -> tuple[int, int, int] | None:
    """Return the nearest date placed before offset ``a`` within ``scope`` that is at least ``level`` explicit.

    The search widens from the sentence to the paragraph (and to the whole narrative so far when ``scope``
    allows); ``day``/``month`` ask for a date that names a day or a month.
    """
    text = ctx.text
    # A bounded look-back keeps a document with thousands of dates linear.
    for end, ymd, how in islice(reversed(ctx.anchors), _ANCHOR_LOOKBACK):
        if end > a:
            continue
        if scope < _NARRATIVE and _RE_PARAGRAPH.search(text, end, a):
            return None
        if scope < _PARAGRAPH and _RE_SENT_BREAK.search(text, end, a):
            return None
        if how >= level and (not day or ymd[2]) and (not month or ymd[1]):
            return ymd
    return None


def _last_anchor(ctx: _Ctx, a: int) -> tuple[tuple[int, int, int], int] | None:
    """Return the last date placed before ``a`` in its paragraph and how explicit it was, if any."""
    for end, ymd, how in reversed(ctx.anchors):
        if end <= a:
            return None if _RE_PARAGRAPH.search(ctx.text, end, a) else (ymd, how)
    return None


def _near_date(ctx: _Ctx, month: int, day: int | None, start: int, end: int) -> tuple[int, int] | None:
    """Pick the year of a month (and day) given without one: the nearest occurrence, weighed by tense."""
    dct = ctx.dct
    headed = ctx.heading_year(start)
    if headed is not None:
        # Anchor rule "heading": a row of a list or table under "2027 dates" is in 2027, whatever the tense.
        return headed, month
    named = _anchor(ctx, start, level=DATED, month=True, scope=_SENTENCE)
    deadline = named is None and _RE_DEADLINE.search(ctx.text, max(0, start - 8), start) is not None
    if deadline:
        # Anchor rule "deadline": "by December" is the first December on or after the month the text last
        # named ("approved in March 2022 ... promised to finish by December"), however far back.
        named = _anchor(ctx, start, level=DATED, month=True, scope=_NARRATIVE)
        if named is not None and (dct is None or named[0] != dct.year):
            return (named[0] if month >= named[1] else named[0] + 1), month
    if named is not None and day is None and (dct is None or named[0] != dct.year):
        # Anchor rule "paragraph-year": a month with no year takes the year its sentence or paragraph has
        # just named ("in the summer of 2004 ... in mid-August"), counted forward from a named month.
        ref = date(named[0], named[1], named[2] or 15)
        best_ref: tuple[float, int] | None = None
        for y in (ref.year - 1, ref.year, ref.year + 1):
            cand = _safe_date(y, month, day or 15) or date(y, month, 28)
            gap = float((cand - ref).days)
            gap = gap if gap >= 0 else -gap * _FUTURE_WEIGHT
            if best_ref is None or gap < best_ref[0]:
                best_ref = (gap, y)
        return (best_ref[1], month) if best_ref else None
    if dct is None:
        return None
    direction = _direction(ctx.text, start, end, near=True)
    against = _AGAINST_TENSE
    if direction == 0:
        direction = _direction(ctx.text, start, end)
        against = _AGAINST_WIDE
    best: tuple[float, int] | None = None
    for y in (dct.year - 1, dct.year, dct.year + 1):
        if day is None:
            dist = float((y - dct.year) * 12 + month - dct.month)
        else:
            d = _safe_date(y, month, day) or (date(y, 2, 28) if month == 2 and day == 29 else None)
            if d is None:
                continue
            dist = float((d - dct).days)
        # The tense of the clause stretches distances against it; news defaults toward the past.
        if dist > 0:
            dist *= against if direction < 0 else 1.0 if direction > 0 else _FUTURE_WEIGHT
        elif dist < 0:
            dist = -dist * (against if direction > 0 else 1.0)
        if best is None or dist < best[0]:
            best = (dist, y)
    return (best[1], month) if best else None


def _weekday_date(ctx: _Ctx, wd: int, start: int, end: int, rel: str = "") -> date | None:
    dct = ctx.dct
    if dct is None:
        return None
    ref_day = _ref_day(ctx) if rel in ("previous", "following") else None
    if ref_day is not None:
        # "the previous Friday" counts from the day the text last placed, not from publication.
        dct = ref_day
    if not rel:
        named = _anchor(ctx, start, level=NAMED, day=True)
        named_day = _safe_date(*named) if named else None
        if named_day is not None and _RE_RESTATE.fullmatch(ctx.text, ctx.anchors[-1][0], start) \
                and ctx.anchors[-1][1] == named:
            # Anchor rule "restated-weekday": "on Dec. 18, a Wednesday" names the day just given.
            return named_day
    cur = dct.weekday()
    if rel in ("last", "past", "previous", "this past"):
        back = (cur - wd) % 7 or 7
        return dct - timedelta(days=back)
    if rel in ("next", "coming", "this coming", "following"):
        fwd = (wd - cur) % 7 or 7
        return dct + timedelta(days=fwd)
    if wd == cur:
        return dct
    # A possessive weekday ("Tuesday's vote") nearly always names something already reported.
    direction = -1 if ctx.text[end:end + 2] in ("'s", "’s") else _direction(ctx.text, start, end)
    if rel == "this" and direction == 0:
        direction = 1
    if direction > 0:
        return dct + timedelta(days=(wd - cur) % 7)
    return dct - timedelta(days=(cur - wd) % 7)


def _anchor_quarter(ctx: _Ctx, a: int, reach: int = 1500) -> tuple[int, int] | None:
    """Return the last quarter the document named explicitly, if it is close enough to refer back to."""
    if ctx.quarter and a - ctx.quarter_pos < reach:
        return ctx.quarter
    return None


def _ref_day(ctx: _Ctx) -> date | None:
    """Return the last placed day, or None when the last placed date is coarser than a day."""
    if ctx.ref is None or not ctx.ref[2]:
        return None
    return _safe_date(*ctx.ref)


# Resolvers: (ctx, matched text, start, end) -> (type, value) or None to drop the candidate.
Resolved = tuple[str, str] | None
