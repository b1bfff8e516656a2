"""Speaker candidates of one quote: the rules' choice, the running speaker, every mention nearby, and nobody.

Candidates that name the same speaker (same key) are merged, keeping every source that proposed them, so the
ranker sees "the rules chose Roe, Roe is also the subject of the sentence after the quote" as one row.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from digests.nlp.quotes.rules import (
    _COLLECTIVE,
    _GENERIC_ORG,
    _ORG_WORDS,
    RuleQuote,
    RuleRun,
    _head_noun,
    _Mention,
    _Person,
    _Speaker,
    resolve_mention,
)
from digests.nlp.speakers import ROLE_NOUNS, TITLE_WORDS, speaker_key

_VAGUE = frozenset({"some", "several", "many", "this", "that", "these", "those", "another", "any"})
_SPEAKING = ROLE_NOUNS | _COLLECTIVE | _ORG_WORDS | _GENERIC_ORG
_DESC_SUBJECT = re.compile(r"(?:^|(?<=[.!?]\s)|(?<=[—–]\s)|(?<=\n))(?:The|the)\s+((?:[a-z\-]+\s+){0,2}[a-z\-]+)")

# Window around a quote in which named people are candidates (characters of narration).
WINDOW_BEFORE = 1500
WINDOW_AFTER = 400


@dataclass(slots=True)
class Candidate:
    """One possible speaker of a quote (``name`` None is "nobody") and where the proposal came from."""

    name: str | None
    role: str | None
    person: _Person | None
    sources: set[str] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)  # "after_pron", "rule_name", ...
    vias: set[str] = field(default_factory=set)  # how the rules reached it: "rule:pron_lone", ...
    mention: _Mention | None = None


def _fits(men: _Mention, spk: _Speaker, run: RuleRun) -> bool:
    """Return whether a description plainly stands for the speaker the rules resolved it to."""
    words = men.text.split()
    if spk.name is None or spk.name == men.text:
        return False
    if spk.via in ("desc_role", "desc_org"):
        # A person named with that role, the organisation last speaking ("the company said").
        return True
    # "his spokesman", "the founder of the press": a definite description points back at someone named.
    return words[0].lower() in ("his", "her", "the") and spk.person is not None


def candidates(run: RuleRun, rq: RuleQuote, prev: Candidate | None = None) -> list[Candidate]:
    """Return the speaker candidates of one quote, "nobody" last (``prev``: the previous quote's speaker)."""
    names = run.names
    by_key: dict[str, Candidate] = {}
    order: list[Candidate] = []

    def add(spk: _Speaker, source: str, men: _Mention | None) -> None:
        if spk.name is None:
            return
        key = speaker_key(spk.name)
        if not key or all(w.rstrip(".").lower() in TITLE_WORDS for w in spk.name.split()):
            # A title alone ("Prime Minister") names nobody until the article says who holds it.
            return
        if spk.person is None and key in names.places:
            # A place ("in the Gaza Strip" elsewhere in the article) does not speak.
            return
        words = spk.name.split()
        if words[0].lower() in _VAGUE and _head_noun(words) not in _SPEAKING:
            # "some reason", "this time": a vague phrase, not a source.
            return
        c = by_key.get(key)
        if c is None:
            c = Candidate(spk.name, spk.role, spk.person)
            by_key[key] = c
            order.append(c)
        elif c.person is None and spk.person is not None:
            c.person = spk.person
        if c.role is None and spk.role:
            c.role = spk.role
        c.sources.add(source)
        if spk.via and source in ("rule", "after", "before"):
            c.vias.add(f"{source}:{spk.via}")
        if men is not None:
            c.kinds.add(f"{source}_{men.kind}")
            c.mention = c.mention or men

    add(rq.speaker, "rule", rq.mention)
    if rq.running is not None:
        add(rq.running, "running", None)
    if prev is not None and prev.name is not None:
        add(_Speaker(prev.name, prev.role, prev.person), "prev", None)
    for source, men in (("after", rq.after), ("before", rq.before)):
        if men is None:
            continue
        spk = resolve_mention(men, names, rq.running)
        add(spk, source, men)
        if men.kind == "nominal" and not _fits(men, spk, run):
            # The description itself ("the judge", "a spokesperson for the camp") unless it plainly names
            # someone the article gives: a person with that role, "his"/"her", the company last speaking.
            add(_Speaker(men.text, men.role, None), "raw", men)
    span = rq.span
    lo = bisect.bisect_left(names.positions, span.open_at - WINDOW_BEFORE)
    hi = bisect.bisect_right(names.positions, span.close_at + WINDOW_AFTER)
    for i in range(lo, hi):
        p = names.at[i]
        add(_Speaker(p.name, p.role, p), "near", None)
    desc = None
    for m in _DESC_SUBJECT.finditer(run.text, max(span.para_start - 400, span.open_at - 400, 0), span.open_at):
        words = m.group(1).split()
        k = next((i for i, w in enumerate(words) if w in ROLE_NOUNS), -1)
        if k >= 0:
            desc = _Mention(" ".join([m.group(0).split()[0], *words[: k + 1]]), "nominal", m.start())
    if desc is not None:
        # "The minister spoke on Monday. "...," she said.": a described person nobody has named.
        add(_Speaker(desc.text, None, None), "desc_near", desc)
    lo = bisect.bisect_left(names.org_starts, span.open_at - WINDOW_BEFORE)
    for s, org in names.org_subjects[lo:]:
        if s > span.close_at + WINDOW_AFTER:
            break
        add(_Speaker(org, None, None), "org", None)
    order.append(Candidate(None, None, None, {"nobody"}))
    return order
