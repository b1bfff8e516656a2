"""Quotes across outlets: one merged quote per statement, the outlets that carried it, one speaker.

Copies merge inside one story, or, across stories, between articles of the merge window whose leads name the
same people and places (a short, generic sentence said in two unrelated places stays two quotes).

Every instance keeps its own article and offsets (``text[start:end] == quote`` in its own article); the merged
quote shows one wording (the one that contains the most other copies, then the one most outlets printed),
lists the wordings that differ by a word changed, added or dropped (a copy cut short is the same wording), and
carries one speaker decided from every outlet's attribution (``_quote_speaker``). A span that no outlet
attributes to anyone with a speech verb and that at least one outlet introduces as a label (a sign, a chant,
a title, a slogan) or that reads like a title everywhere is not a statement and is not shown.

``merge_quotes`` groups instances in memory (tests, the export); the store assigns groups the same way,
one article at a time, as articles arrive (``digests.store``); ``key_quotes`` chooses a story's key quotes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from digests.nlp.speakers import ROLE_NOUNS, TITLE_WORDS
from digests.stories._quote_speaker import _ORG_HEADS, Attribution, Verdict, decide_speaker
from digests.stories._quote_text import (
    normal_form,
    quote_keys,
    quote_tokens,
    same_quote,
    word_count,
    worded_differently,
)

# Quotes of articles further apart than this are not merged (the window of /who-said's cross-story merge).
MERGE_WINDOW = timedelta(days=14)
# Two articles are taken for one event (when no story says so) when their leads share a full name ("Ottilie
# Brandvik") or three single names (titles, roles and organisation words left out): a generic sentence ("We are
# looking into it.") said in two unrelated places is two quotes. On the dev set, 2 and 3 keep every group whole.
SHARED_NAMES = 3
NAMES_SCAN = 4000  # characters of an article read for its names

# Words that introduce a label rather than speech: signs, chants, titles, slogans.
_LABEL = re.compile(
    r"\b(?:signs?|banners?|placards?|posters?|t-shirts?|shirts?|billboards?|stickers?|graffiti|captions?|"
    r"slogans?|mottos?|chants?|chanted|chanting|sang|sing|singing|songs?|lyrics?|titled|entitled|title|"
    r"headlines?|headlined|dubbed|nicknamed|so-called|called|known\s+as|hashtag|inscription|inscribed|"
    r"emblazoned|read|reads|reading|labell?ed|branded|the\s+words?|phrase|term|written|scrawled|painted|"
    r"printed|etched|engraved|carved|stamped|bearing|bore|film|movie|album|book|novel|poem|"
    r"documentary)\b[^.!?\n]{0,60}$",
    re.I)
_LABEL_AFTER = re.compile(r"^[\s,”\"’']{0,4}(?:read|reads|reading|said\s+(?:a|the|one)\s+sign|chanted|sang)\b",
                          re.I)
# Things that carry printed words, and crowds whose shouted words are a chant.
_LABEL_CARRIERS = frozenset("""sign signs banner banners placard placards poster posters shirt shirts t-shirt t-shirts
    billboard billboards sticker stickers caption captions headline headlines slogan slogans label labels plaque
    inscription graffiti hashtag""".split())
_CROWDS = frozenset("""crowd crowds protesters protestors demonstrators marchers supporters fans mourners students
    workers activists chanters audience spectators rally mob people crowd-goers villagers onlookers""".split())
_CHANTING = frozenset(f"{verb}{end}" for verb in ("chant", "shout", "yell", "scream", "roar") for end in ("", "s", "ed", "ing")) \
    | {"sing", "sang", "sings", "singing", "cry", "cried", "cries", "crying"}
# The narration's last words before the opening mark name the words a label: a chant, a song, a sign's text,
# a title ('Marchers chanted, "…"'; 'a banner that read "…"'; 'a film titled "…"'). A speech verb after the
# quote then names who reports the label ('…," witnesses said'), not who said the words.
_CROWD_SHOUTS = r"\b(?:" + "|".join(sorted(_CROWDS)) + r")\s+(?:(?:shout|yell|scream|roar)(?:s|ed|ing)?|cr(?:y|ies|ied|ying))"
# "read" and "bearing" name a label only after a thing that carries words ('a banner that read', not 'a
# statement that read': a statement someone issued is theirs).
_CARRIED_BY = r"\b(?:" + "|".join(sorted(_LABEL_CARRIERS)) + r")\b[^.!?]{0,30}?\b(?:reads?|reading|bearing|bore|said|saying)"
_LABEL_LEAD = re.compile(
    r"(?:\b(?:chant(?:s|ed|ing)?|sang|sings?|singing|(?:en)?titled|dubbed|nicknamed|so-called|"
    r"emblazoned\s+with|inscribed\s+with)|" + _CROWD_SHOUTS + "|" + _CARRIED_BY + r")[\s,:;—–-]*$", re.I)
_SPEECH_CUE_NOT = frozenset({"chant", "chanted", "chanting", "chants", "sang", "sing", "sings", "read", "reads",
                             "reading", "write", "wrote", "writes", "post", "posted", "call", "called"})
_TITLE_WORD = re.compile(r"[^\W\d_][\w'’\-]*", re.UNICODE)
_NAME = re.compile(r"(?<=[\w,;:)’'\"”] )[A-Z][\w’'\-]{2,}")
_NOT_NAMES = frozenset("""
    The This That These Those There Then They Their Its His Her She And But For With From When While What Who
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August
    September October November December Mr Mrs Ms Dr
    """.split())
_GENERIC_NAME_WORDS = TITLE_WORDS | ROLE_NOUNS | _ORG_HEADS


@dataclass(frozen=True, slots=True)
class QuoteInstance:
    """One article's copy of a quote, with that article's own attribution and the narration around it."""

    quote_id: int
    article_id: int
    quote: str
    start: int
    end: int
    speaker: str | None = None
    role: str | None = None
    cue: str | None = None
    mention: str | None = None
    confidence: float | None = None
    url: str | None = None
    title: str = ""
    published: datetime | None = None
    before: str = ""  # the paragraph's narration before the opening mark (up to 200 characters)
    after: str = ""  # the narration after the closing mark (up to 80 characters)
    story_id: int | None = None

    @property
    def outlet(self) -> str:
        """Return who published this copy: the host of its URL, else the article itself."""
        if self.url:
            host = (urlsplit(self.url).hostname or "").removeprefix("www.")
            if host:
                return host
        return f"article:{self.article_id}"

    def attribution(self) -> Attribution:
        """Return this article's attribution of the words."""
        return Attribution(self.speaker, self.confidence, self.mention, self.cue, self.role)


@dataclass(frozen=True, slots=True)
class MergedQuote:
    """A quote as every outlet carried it: instances, the wording shown, wordings that differ, one speaker."""

    instances: tuple[QuoteInstance, ...]
    lead: QuoteInstance
    verdict: Verdict
    variants: tuple[QuoteInstance, ...] = ()
    statement: bool = True
    group_id: int | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def quote(self) -> str:
        """Return the wording shown (verbatim from ``lead``'s article)."""
        return self.lead.quote

    @property
    def speaker(self) -> str | None:
        """Return the chosen speaker (None when unknown or split)."""
        return self.verdict.speaker

    @property
    def outlets(self) -> int:
        """Return how many outlets carried the quote."""
        return len({i.outlet for i in self.instances})

    @property
    def differing_outlets(self) -> int:
        """Return how many outlets printed the quote with other words than the ones shown."""
        return len({i.outlet for i in self.instances if worded_differently(self.lead.quote, i.quote)})

    @property
    def article_ids(self) -> tuple[int, ...]:
        """Return the articles that carry the quote, in instance order, each once."""
        return tuple(dict.fromkeys(i.article_id for i in self.instances))


def lead_instance(instances: Sequence[QuoteInstance]) -> QuoteInstance:
    """Return the instance whose wording is shown: it contains the most copies, most outlets printed it."""
    forms = [quote_tokens(i.quote) for i in instances]
    counts: dict[tuple[str, ...], int] = {}
    for f in forms:
        counts[f] = counts.get(f, 0) + 1

    def covers(k: int) -> int:
        return sum(1 for f in forms if not worded_differently(instances[k].quote, " ".join(f))
                   and len(f) <= len(forms[k]))

    best = max(range(len(instances)), key=lambda k: (covers(k), counts[forms[k]], len(forms[k]),
                                                     -instances[k].article_id, -k))
    return instances[best]


def wording_variants(lead: QuoteInstance, instances: Sequence[QuoteInstance]) -> tuple[QuoteInstance, ...]:
    """Return one instance per wording that differs from the lead's by words (not by case, marks or a cut)."""
    out: dict[str, QuoteInstance] = {}
    for inst in instances:
        if worded_differently(lead.quote, inst.quote):
            out.setdefault(" ".join(quote_tokens(inst.quote)), inst)
    return tuple(out.values())


def _labelled(inst: QuoteInstance) -> bool:
    """Return whether an article presents the words as a label: a sign, a title, a chant."""
    if _LABEL.search(inst.before[-120:]) or _LABEL_AFTER.search(inst.after):
        return True
    return _carried(inst) or _chanted(inst)


def _head(mention: str | None) -> str:
    words = (mention or "").lower().rstrip(".,").split()
    return words[-1] if words else ""


def _carried(inst: QuoteInstance) -> bool:
    """Return whether the one "saying" the words is a thing that carries them (a sign, a banner, a headline)."""
    return _head(inst.mention) in _LABEL_CARRIERS


def _chanted(inst: QuoteInstance) -> bool:
    """Return whether a crowd (a collective or a plural of common nouns) chants or shouts the words."""
    cue = (inst.cue or "").lower().split()
    if not cue or cue[0] not in _CHANTING or not inst.mention:
        return False
    head = _head(inst.mention)
    last = inst.mention.rstrip(".,").split()[-1]
    return head in _CROWDS or (head.endswith("s") and last[:1].islower())


def _spoken(inst: QuoteInstance) -> bool:
    """Return whether an article gives the words to someone with a speech verb next to them.

    Not when the one "saying" them is a thing that carries words (a sign, a banner, a headline), nor a crowd
    that chants or shouts them.
    """
    if not inst.mention or not inst.cue:
        return False
    if _LABEL_LEAD.search(inst.before[-80:]) or (_title_shaped(inst) and _inside(inst)):
        # The article itself introduces the words as a label, or prints them like a title inside a sentence of
        # its own: the person next to them reports or names the label, they did not say it.
        return False
    return inst.cue.lower().split()[0] not in _SPEECH_CUE_NOT and not _carried(inst) and not _chanted(inst)


_OPENING_MARKS = "\"“„«‹‘'「『"


def _narration_end(inst: QuoteInstance) -> str:
    # Some marks keep their own space inside ("« word »"): the narration ends before the mark, not at it.
    return inst.before.rstrip().rstrip(_OPENING_MARKS).rstrip()


def _inside(inst: QuoteInstance) -> bool:
    """Return whether the marks sit inside a sentence of the narration (not after "said:" or a new sentence)."""
    before = _narration_end(inst)
    return bool(before) and before[-1:] not in ":,—–-.!?"


def _title_shaped(inst: QuoteInstance) -> bool:
    """Return whether a copy reads like a title: a few capitalised words, not a sentence said to someone."""
    text = inst.quote
    words = [w for w in _TITLE_WORD.findall(text) if len(w) > 3]
    if not words or word_count(text) > 8:
        return False
    # A closing stop belongs to the narration when the marks sit inside a sentence ('starred in "The Long
    # Road."'); a quote that opens its sentence and ends in a stop is a sentence someone said.
    end = _narration_end(inst)
    inside = bool(end) and end[-1:] not in ":,—–-"
    if text.rstrip("”\"’' ")[-1:] in ".!?," and not inside:
        return False
    return sum(1 for w in words if w[:1].isupper()) >= 0.7 * len(words)


def _scare_quoted(inst: QuoteInstance) -> bool:
    """Return whether a copy is a word or two in lower case set off inside a sentence (a scare-quoted term)."""
    words = word_count(inst.quote)
    end = _narration_end(inst)
    inside = bool(end) and end[-1:] not in ":,—–-"
    return words <= 3 and inside and inst.quote.lstrip("‘'\"“ ")[:1].islower() and not inst.mention


def is_statement(instances: Sequence[QuoteInstance]) -> bool:
    """Return False for a span several outlets print as a label (a sign, a chant, a title), not as speech.

    Cross-outlet evidence: no outlet gives the words to anyone with a speech verb (a sign "saying" them or a
    crowd chanting them does not count), and one outlet introduces them as a label, or every outlet prints them
    like a title or a scare-quoted term.
    """
    if len({i.outlet for i in instances}) < 2 or any(_spoken(i) for i in instances):
        return True
    if any(_labelled(i) for i in instances):
        return False
    return not all(_title_shaped(i) or _scare_quoted(i) for i in instances)


def shown_alone(inst: QuoteInstance) -> bool:
    """Return whether a quote no other article carries is shown: not when its article prints it as a label.

    One article's evidence only, so narrower than ``is_statement``: the narration introduces the words as a chant,
    a song, a sign's text or a title right before the opening mark, or prints them like a title inside a sentence
    of its own ('she told "Face the Nation"'). The quote stays stored (and in ``extract quotes``): a reader asking
    who said what is not shown a programme's name as something someone said.
    """
    return not (_LABEL_LEAD.search(inst.before[-80:]) or (_title_shaped(inst) and _inside(inst)))


def build_merged(instances: Sequence[QuoteInstance], group_id: int | None = None) -> MergedQuote:
    """Return the merged quote of some instances of one quote: wording shown, variants, speaker, statement."""
    insts = tuple(sorted(instances, key=lambda i: (i.published is None, i.published or datetime.min, i.article_id,
                                                   i.start)))
    lead = lead_instance(insts)
    verdict = decide_speaker([i.attribution() for i in insts])
    return MergedQuote(insts, lead, verdict, wording_variants(lead, insts), is_statement(insts), group_id)


def article_names(text: str) -> frozenset[str]:
    """Return the names in an article's lead: runs of capitalised words inside sentences, and each of their words.

    Titles, roles and the words that end an organisation's name ("Mayor", "Authority") are left out: every
    article has some. A run of two words or more ("Ottilie Brandvik", "Kelmsford Port") is kept whole too,
    marked with a space.
    """
    out: set[str] = set()
    run: list[str] = []
    last_end = -2
    for m in _NAME.finditer(text[:NAMES_SCAN]):
        word = re.sub(r"['’]s?$", "", m.group())  # "Varnholt's" names Varnholt
        if m.start() != last_end + 1:
            _close_run(run, out)
            run = []
        last_end = m.end()
        if word in _NOT_NAMES or word.lower() in _GENERIC_NAME_WORDS:
            _close_run(run, out)
            run = []
            continue
        run.append(word)
    _close_run(run, out)
    return frozenset(out)


def _close_run(run: list[str], out: set[str]) -> None:
    out.update(run)
    if len(run) > 1:
        out.add(" ".join(run))


def same_event(a: QuoteInstance, b: QuoteInstance, names: dict[int, frozenset[str]]) -> bool:
    """Return whether two articles tell one event: one story, else enough names in common."""
    if a.story_id is not None and b.story_id is not None:
        return a.story_id == b.story_id
    return shares_names(names.get(a.article_id, frozenset()), names.get(b.article_id, frozenset()))


def shares_names(a: frozenset[str], b: frozenset[str]) -> bool:
    """Return whether two articles' names say one event: a full name in common, or SHARED_NAMES single words."""
    common = a & b
    return any(" " in n for n in common) or len(common) >= SHARED_NAMES


def _close_in_time(a: QuoteInstance, b: QuoteInstance, window: timedelta) -> bool:
    if a.story_id is not None and a.story_id == b.story_id:
        return True
    if a.published is None or b.published is None:
        return True
    return abs(a.published - b.published) <= window


def merge_quotes(instances: Iterable[QuoteInstance], *, window: timedelta = MERGE_WINDOW,
                 names: dict[int, frozenset[str]] | None = None) -> list[MergedQuote]:
    """Group instances of one quote across articles (same words, a truncated copy, a few words apart).

    Instances of one article never merge with each other; articles further apart than ``window`` merge only
    inside one story; outside a story, only articles that name the same people and places (``names``: each
    article's ``article_names``). Groups come back in the order of their first instance.
    """
    names = names or {}
    items = list(instances)
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    index: dict[int, list[int]] = {}
    for k, inst in enumerate(items):
        seen: set[int] = set()
        keys = quote_keys(inst.quote)
        for key in keys:
            for j in index.get(key, ()):
                if j in seen:
                    continue
                seen.add(j)
                other = items[j]
                if other.article_id == inst.article_id or find(j) == find(k):
                    continue
                if _close_in_time(inst, other, window) and same_quote(inst.quote, other.quote) and \
                        same_event(inst, other, names):
                    parent[find(k)] = find(j)
        for key in keys:
            index.setdefault(key, []).append(k)
    groups: dict[int, list[QuoteInstance]] = {}
    for k, inst in enumerate(items):
        groups.setdefault(find(k), []).append(inst)
    return [build_merged(g) for g in groups.values()]


def key_quotes(merged: Iterable[MergedQuote], n: int = 3) -> list[MergedQuote]:
    """Return a story's ``n`` key quotes: statements with a speaker, the most outlets first.

    More outlets carrying the words is a sign of importance; then a full clause of 8-60 words, then the
    ranker's confidence in the speaker. One quote per speaker while others are left, so a story's key
    quotes are not all one person's.
    """
    def rank(m: MergedQuote) -> tuple[float, ...]:
        words = word_count(m.quote)
        clause = 1.0 if 8 <= words <= 60 and (m.quote.lstrip("‘'(…. ")[:1].isupper()) else 0.0
        conf = max((i.confidence or 0.0) for i in m.instances)
        return (-m.outlets, -clause, -conf, -words)

    pool = sorted((m for m in merged if m.statement and m.speaker), key=rank)
    out: list[MergedQuote] = []
    for m in pool:
        if len(out) >= n:
            break
        if all(o.speaker != m.speaker for o in out):
            out.append(m)
    for m in pool:
        if len(out) >= n:
            break
        if m not in out:
            out.append(m)
    return out


def export_line(m: MergedQuote, doc_ids: dict[int, list[str]]) -> dict[str, object]:
    """Return the ``--quotes-out`` line of a merged quote: quote, speaker, document ids, other wordings.

    ``doc_ids`` maps an article to the input documents stored as it; an even split adds ``"split"``.
    """
    ids = [d for i in m.instances for d in doc_ids.get(i.article_id, [str(i.article_id)])]
    line: dict[str, object] = {"quote": m.quote, "speaker": m.speaker or "", "ids": list(dict.fromkeys(ids)),
                               "variants": [v.quote for v in m.variants]}
    if m.verdict.status == "split":
        line["split"] = list(m.verdict.split)
    return line


__all__ = ["MergedQuote", "QuoteInstance", "build_merged", "is_statement", "key_quotes", "merge_quotes",
           "normal_form", "quote_keys", "same_quote", "shown_alone"]
