"""Story timelines: what happened, when, across every article that told it, about the subject asked for.

Works on any set of articles (a story's, or those matching a topic). Each article gives its happenings:

- a sentence the subject takes part in (``digests.stories._subject``: named, a short form of its name, a
  pronoun or a description that refers to it) is a happening on each date the sentence itself names; without
  a date of its own it is dated in context: on the day the article's lead reports (its main happening, "Jobs
  said yesterday"), else on the publication day;
- the headline is the article's main happening, on that same day;
- with no subject (a story asked for by id), every dated sentence, and each headline on its day.

Dates inside a quotation, habits and comparisons never reach this far (``digests.nlp.events`` drops them).
The same happening told by several articles (same dates, enough words in common) becomes one entry listing
every article as a source; each date is weighed by how many articles point at it, so a caller can show the
most reported dates first or everything in date order.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from digests.models import Event
from digests.nlp.events import condense, extract_events, habitual
from digests.nlp.sentences import split_sentences
from digests.stories._subject import Mention, MentionFinder, Subject

__all__ = ["StoryEvent", "TimelineArticle", "date_label", "story_timeline"]

Order = Literal["date", "weight"]
# How far before publication the lead's own day may lie and still be the day the article reports on.
LEAD_DAYS = 7
# A happening joins an entry of another article when this share of the smaller one's content words is shared.
MIN_OVERLAP = 0.5
_GRAIN = {"day": 0, "week": 1, "month-part": 2, "month": 3, "quarter": 4, "year": 5, "decade": 6, "century": 7}
_TOKEN = re.compile(r"[a-z0-9]+")
_RE_WORD = re.compile(r"[\w'’]+")
# A reported clause: "claims that ...", "said that ...".
_RE_THAT = re.compile(r"\s(?:that|whether)\s")
# Where a sentence's clauses meet: a date on one side of these belongs to that side's happening.
_CLAUSE_BREAK = re.compile(r",\s+(?:and|but|while|whereas|although|though)\s+|;\s+|\s+[—–]\s+|\s+--\s+")
_STOP = frozenset(
    "the a an in on at for by with from to of and or but is are was were be been has have had that this it "
    "its as said says will would he she they we their his her who which what than then also into about "
    "after before over last next week month year".split()
)


@dataclass(frozen=True, slots=True)
class TimelineArticle:
    """One article given to the timeline: its text, and its dated events when already extracted (stored)."""

    id: int
    title: str
    text: str
    published: date | None
    url: str | None = None
    events: tuple[Event, ...] | None = None


@dataclass(frozen=True, slots=True)
class _Happening:
    article_id: int
    date_start: date
    date_end: date
    granularity: str
    expression: str
    sentence: str
    text: str
    position: int
    dated_by: str
    tokens: frozenset[str]


@dataclass
class StoryEvent:
    """One entry of a timeline: a happening, its dates, the sentence that tells it and every article behind it."""

    date_start: date
    date_end: date
    granularity: str
    expression: str
    text: str
    sentence: str
    article_id: int
    dated_by: str  # "text" (its own date expression), "context" (the lead's day) or "publication"
    article_ids: list[int] = field(default_factory=list)
    date_weight: int = 0
    position: int = 0

    @property
    def sources(self) -> int:
        """Return how many articles report this happening."""
        return len(self.article_ids)


def date_label(start: date, end: date, granularity: str) -> str | None:
    """Return the date as YYYY-MM-DD, YYYY-MM or YYYY (the finest the range allows), None for wider ranges."""
    if granularity == "day" and start == end:
        return start.isoformat()
    if granularity == "week" and (end - start).days == 6:
        mid = start + timedelta(days=3)  # a week belongs to the month of its Thursday, as ISO weeks do to years
        return f"{mid.year:04d}-{mid.month:02d}"
    if granularity in ("day", "week", "month-part", "month") and (start.year, start.month) == (end.year, end.month):
        return f"{start.year:04d}-{start.month:02d}"
    if granularity in ("decade", "century"):
        return None
    return f"{start.year:04d}"


def _tokens(text: str) -> frozenset[str]:
    return frozenset(t for t in _TOKEN.findall(text.lower()) if t not in _STOP and len(t) > 2)


# A block of lines between blank lines, as the sentence splitter reads them: split alone, it gives the sentences
# the whole text would.
_BLOCK = re.compile(r"[^\n]+(?:\n(?![ \t]*\n)[^\n]*)*")


def _sentences(article: TimelineArticle, wanted: Callable[[int, int], bool] | None = None
               ) -> tuple[list[str], list[int]]:
    """Return the headline and the text's sentences, and each sentence's start offset (-1 for the headline).

    With ``wanted``, only the first block of the text and the blocks it accepts are split (a topic word needs no
    sentence that cannot hold it).
    """
    text = article.text
    spans: list[tuple[int, int]] = []
    if wanted is None:
        spans = split_sentences(text) if text else []
    else:
        for m in _BLOCK.finditer(text):
            if not spans or wanted(m.start(), m.end()):
                spans += [(m.start() + a, m.start() + b) for a, b in split_sentences(m.group())]
    texts = [article.title] + [text[a:b] for a, b in spans]
    return texts, [-1] + [a for a, _ in spans]


def _lead_day(published: date | None, lead_events: Sequence[Event]) -> tuple[date, str] | None:
    """Return the day the article's lead reports on (its first sentence's recent day), else publication day."""
    for ev in lead_events:
        if ev.granularity == "day" and (published is None
                                        or published - timedelta(days=LEAD_DAYS) <= ev.date_start <= published):
            return ev.date_start, ev.expression
    return (published, "") if published is not None else None


def _happenings(article: TimelineArticle, subject: Subject | None) -> list[_Happening]:
    """Return the happenings of one article, in text order."""
    events = list(article.events) if article.events is not None else extract_events(article.text,
                                                                                   article.published)
    events.sort(key=lambda e: e.start)
    wanted = None
    if subject is not None and not subject.is_name:
        # A topic word takes part only where it is written (no pronoun takes it up): a block of the text that
        # holds none of its words, nor a dated sentence of an article headed by it, needs no reading.
        hit = subject.word_pattern()
        headed = MentionFinder(subject, [article.title]).mentions()[0] is not None
        dated_at = [e.start for e in events] if headed else []

        def wanted(a: int, b: int) -> bool:
            k = bisect.bisect_left(dated_at, a)
            return hit.search(article.text, a, b) is not None or (k < len(dated_at) and dated_at[k] < b)

    texts, starts = _sentences(article, wanted)
    index = {start: i for i, start in enumerate(starts) if i > 0}
    own: dict[int, list[Event]] = {}
    for ev in events:
        i = index.get(ev.start, -1)
        if (i < 0 or ev.expression not in texts[i]) and wanted is not None \
                and ev.expression in article.text[ev.start:ev.end]:
            continue  # its sentence is in a block a topic did not need
        if i < 0 or ev.expression not in texts[i]:
            # An event whose sentence is not in the text as stored stands as a sentence of its own.
            i = len(texts)
            texts.append(ev.text)
        own.setdefault(i, []).append(ev)
    lead = _lead_day(article.published, own.get(1, []))
    mentions: list[Mention | None]
    if subject is not None:
        mentions = MentionFinder(subject, texts).mentions()
    else:
        mentions = [None] * len(texts)
    # An article whose headline names a topic word ("Lantern festival returns") is about it: each of its dated
    # sentences belongs to the topic's story. A name asked for (a person, a company) must take part itself.
    about_topic = subject is not None and not subject.is_name and mentions[0] is not None
    out: list[_Happening] = []
    for i, sentence in enumerate(texts):
        takes_part = subject is None or mentions[i] is not None or (about_topic and i in own)
        if not takes_part or not sentence.strip():
            continue
        if i == 0 and subject is not None and any(m is not None for m in mentions[1:]):
            continue  # the headline restates a happening its text tells in full
        dated = own.get(i, [])
        if len(dated) > 1:
            dated = _own_dates(sentence, dated, mentions[i])
        told = False
        if mentions[i] is None and subject is not None and not dated:
            continue  # a sentence kept for its headline's topic has only its own dates
        mention = mentions[i]
        if dated and subject is not None and mention is not None:
            dated, told = _reported(sentence, dated, mention, subject)
        flat = " ".join(sentence.split())
        if dated:
            for ev in dated:
                out.append(_Happening(article.id, ev.date_start, ev.date_end, ev.granularity, ev.expression,
                                      flat, ev.text, i, "text", _tokens(ev.text)))
        if (not dated or told) and lead is not None \
                and (subject is not None or (i == 0 and not _told(own.get(1, []), lead[0]))) \
                and not habitual(sentence):
            # A habit or opening hours ("open until 9 p.m. on weekdays") happens on no one day.
            day, expression = lead
            out.append(_Happening(article.id, day, day, "day", expression, flat, condense(flat, 0, 0), i,
                                  "context" if expression else "publication", _tokens(flat)))
    return out


def _reported(sentence: str, dated: list[Event], mention: Mention, subject: Subject) -> tuple[list[Event], bool]:
    """Split off the dates of what the subject says: "Apple Corps claims that ... an agreement of 1991".

    A date in a "that" clause after the subject's mention belongs to the reported happening; unless that clause
    takes the subject up again (its name, or "he", "it", ...), the subject's own happening is the saying, dated
    in context. Returns the dates kept and whether the saying still needs its context date.
    """
    m = _RE_THAT.search(sentence, mention.offsets[0])
    if m is None:
        return dated, False
    clause = sentence[m.end():]
    inside = [e for e in dated if sentence.find(e.expression) >= m.end()]
    if not inside or _takes_up(clause, subject):
        return dated, False
    kept = [e for e in dated if e not in inside]
    return kept, not kept


def _takes_up(clause: str, subject: Subject) -> bool:
    """True when a clause refers to the subject again (its name, a short form or a fitting pronoun)."""
    words = {w.lower() for w in _RE_WORD.findall(clause)}
    pronouns = {"he", "she", "his", "her", "him"} if subject.person else {"it", "its", "they", "their", "them"}
    if words & pronouns:
        return True
    names = {w.lower() for w in subject.words} | {w.lower() for f in subject.short_forms for w in f}
    return bool(words & names)


def _told(lead_events: Sequence[Event], day: date) -> bool:
    """True when the lead sentence already tells a happening on ``day`` (the headline would repeat it)."""
    return any(e.date_start == day == e.date_end for e in lead_events)


def _own_dates(sentence: str, own: list[Event], mention: Mention | None) -> list[Event]:
    """Keep the dates of a sentence that belong to the subject's happening.

    A date whose range holds another date of the same sentence only frames it ("at the 2010 conference less
    than two weeks ago"); with a subject, a date in a clause that does not mention it belongs to something
    else ("founded by Jobs in 1976, and launched the store in 2003" has one date for each).
    """
    kept = [e for e in own if not any(o is not e and e.date_start <= o.date_start and o.date_end <= e.date_end
                                      and (o.date_start, o.date_end) != (e.date_start, e.date_end) for o in own)]
    if mention is None or len(kept) < 2:
        return kept
    cuts = [0] + [m.end() for m in _CLAUSE_BREAK.finditer(sentence)] + [len(sentence) + 1]

    def clause(pos: int) -> int:
        return next(k for k in range(len(cuts) - 1) if cuts[k] <= pos < cuts[k + 1])

    with_subject = {clause(p) for p in mention.offsets}
    near = [e for e in kept if (at := sentence.find(e.expression)) < 0 or clause(at) in with_subject]
    return near or kept


def _merge(happenings: Iterable[_Happening]) -> list[StoryEvent]:
    """Merge the same happening told by different articles into one entry listing every article."""
    entries: list[tuple[StoryEvent, set[str]]] = []
    by_range: dict[tuple[date, date], list[int]] = {}
    for h in happenings:
        joined = False
        for idx in by_range.get((h.date_start, h.date_end), []):
            entry, toks = entries[idx]
            if h.article_id in entry.article_ids:
                continue
            small = min(len(h.tokens), len(toks)) or 1
            if len(h.tokens & toks) / small >= MIN_OVERLAP:
                entry.article_ids.append(h.article_id)
                toks |= h.tokens
                # The entry is told by its most explicit sentence: a date expression over a context date.
                if entry.dated_by != "text" and h.dated_by == "text":
                    entry.expression, entry.text, entry.sentence = h.expression, h.text, h.sentence
                    entry.article_id, entry.dated_by, entry.position = h.article_id, h.dated_by, h.position
                joined = True
                break
        if joined:
            continue
        by_range.setdefault((h.date_start, h.date_end), []).append(len(entries))
        entries.append((StoryEvent(h.date_start, h.date_end, h.granularity, h.expression, h.text, h.sentence,
                                   h.article_id, h.dated_by, [h.article_id], position=h.position), set(h.tokens)))
    return [e for e, _ in entries]


def _weigh(entries: list[StoryEvent]) -> None:
    """Set each entry's date weight: how many articles point at its dates (or at a range holding them)."""
    pointing: dict[tuple[date, date], set[int]] = {}
    for e in entries:
        pointing.setdefault((e.date_start, e.date_end), set()).update(e.article_ids)
    weight: dict[tuple[date, date], int] = {}
    for lo, hi in pointing:
        ids: set[int] = set()
        for (a, b), arts in pointing.items():
            if a <= lo and hi <= b:
                ids |= arts
        weight[(lo, hi)] = len(ids)
    for e in entries:
        e.date_weight = weight[(e.date_start, e.date_end)]


def _as_written(about: str, articles: Sequence[TimelineArticle]) -> str:
    """Return a request typed in lower case ("steve jobs") as the articles write it ("Steve Jobs"), if they do."""
    words = about.split()
    if not words:
        return about
    pattern = re.compile(r"(?<!\w)" + r"\W+".join(re.escape(w) for w in words) + r"(?!\w)", re.IGNORECASE)
    for art in articles:
        for m in pattern.finditer(art.text):
            found = m.group().split()
            if len(found) == 1 and (m.start() == 0 or art.text[:m.start()].rstrip()[-1:] in ".!?\"“”"):
                continue  # one word opening a sentence is capitalised whatever it is
            if all(w[:1].isupper() or any(c.isdigit() for c in w) for w in found[1:] or found):
                return m.group()
            return about  # written in lower case: a topic word, not a name
    return about


def story_timeline(articles: Sequence[TimelineArticle], about: str | None = None, *, since: date | None = None,
                   until: date | None = None, order: Order = "date") -> list[StoryEvent]:
    """Return the timeline of a set of articles, about ``about`` when given, merged across articles.

    ``order="date"`` lists entries by date (finer dates first on the same day); ``order="weight"`` puts the
    dates most articles point at first.
    """
    if about and about == about.lower():
        about = _as_written(about, articles)
    subject = Subject.parse(about) if about else None
    if about and subject is None:
        return []
    happenings: list[_Happening] = []
    for art in articles:
        for h in _happenings(art, subject):
            if since is not None and h.date_end < since:
                continue
            if until is not None and h.date_start > until:
                continue
            happenings.append(h)
    entries = _merge(happenings)
    _weigh(entries)
    seq = {id(e): i for i, e in enumerate(entries)}
    if order == "weight":
        entries.sort(key=lambda e: (-e.date_weight, -e.sources, e.date_start, _GRAIN.get(e.granularity, 9),
                                    seq[id(e)]))
    else:
        entries.sort(key=lambda e: (e.date_start, _GRAIN.get(e.granularity, 9), e.date_end, seq[id(e)]))
    return entries
