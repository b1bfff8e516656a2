"""Features of a speaker candidate: what the rules know about it, where it is named, the paragraph's shape.

Every feature is a name and a number (mostly 0/1). Quote-level facts (the paragraph's shape, whether the rules
found an attribution) only tell candidates apart when crossed with where a candidate came from, so they are
emitted as "source&fact" pairs.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass

from digests.nlp.quotes.candidates import Candidate
from digests.nlp.quotes.rules import (
    _GENERIC_ORG,
    _ORG_WORDS,
    _PRONOUN_GENDER,
    RuleQuote,
    RuleRun,
    _head_noun,
    _lemma,
    _Person,
    _sentence_breaks,
)
from digests.nlp.speakers import ROLE_NOUNS, TITLE_WORDS, first_name_gender, speaker_key

_MAIN_SOURCES = ("rule", "running", "prev", "after", "before", "near", "raw", "org", "desc_near")
_LABEL = re.compile(r"\s*([A-Z][\w.’'\-]*(?:\s+[A-Z][\w.’'\-]*){0,3})\s*:\s*$")
_DASH_AFTER = re.compile(r"\s*[—–\-]{1,2}\s*([A-Z][\w.’'\-]*(?:\s+[A-Z][\w.’'\-]*){0,3})")
_WORD = re.compile(r"[^\W_]")
_STOP = re.compile(r"[.!?](?=\s)")
_QA = re.compile(r"\s*(?:Q|A|Question|Answer)\s*[:.]", re.I)


@dataclass(slots=True)
class QuoteContext:
    """Facts about one quote shared by all its candidates."""

    shape: tuple[str, ...]
    pron_gender: str | None
    label: str  # "Name:" right before the quote, as a key
    dash: str  # "— Name" right after the quote, as a key
    para_start: int
    prev_para_start: int
    quoted: dict[str, int]  # speakers of the article's earlier quotes, by key, with their counts
    around: _Around  # who the sentences before the quote are about
    desc_head: str | None = None  # the role noun of the description the quote is attributed to, if any


def quote_context(run: RuleRun, rq: RuleQuote, prev: RuleQuote | None,
                  quoted: dict[str, int] | None = None) -> QuoteContext:
    """Return the quote-level facts of ``rq`` (``prev``: the quote before it; ``quoted``: earlier speakers)."""
    text, span = run.text, rq.span
    # Every look at the paragraph is bounded or cached, so a paragraph of thousands of quotes stays linear.
    shape: list[str] = []
    if _narration_free(run, span.para, span.para_start, span.para_end):
        shape.append("quote_only_para")
    if span.continued:
        shape.append("continued")
    if _QA.match(text, span.para_start, span.para_end):
        shape.append("qa")
    label = None
    if span.open_at - span.para_start <= 80:
        label = _LABEL.fullmatch(text, span.para_start, span.open_at)
    if label:
        shape.append("label_colon")
    dash = _DASH_AFTER.match(text, span.close_at, span.para_end)
    if dash:
        shape.append("dash_after")
    if rq.mention is None:
        shape.append("no_attr")
    else:
        shape.append(f"attr_{rq.mention.kind}")
        if rq.cue and _lemma(rq.cue) in ("according",):
            shape.append("according")
    if rq.after is not None:
        shape.append("has_after")
    if rq.before is not None:
        shape.append("has_before")
    if prev is not None and prev.span.para == span.para:
        shape.append("prev_same_para")
    elif prev is not None and prev.span.para == span.para - 1:
        shape.append("prev_prev_para")
    if prev is None:
        shape.append("first_quote")
    gender = None
    for men in (rq.mention, rq.after, rq.before):
        if men is not None and men.kind == "pron":
            gender = _PRONOUN_GENDER.get(men.text.lower())
            break
        if men is not None and men.kind == "nominal":
            first = men.text.split()[0].lower()
            if first in ("his", "her"):
                gender = _PRONOUN_GENDER[first]
                break
    prev_para = text.rfind("\n", 0, max(0, span.para_start - 1))
    while prev_para > 0 and text[prev_para - 1] == "\n":
        prev_para = text.rfind("\n", 0, prev_para - 1)
    around = _around(run, span.open_at)
    return QuoteContext(tuple(shape), gender, speaker_key(label.group(1)) if label else "",
                        speaker_key(dash.group(1)) if dash else "", span.para_start, prev_para + 1,
                        quoted if quoted is not None else {}, around, _description_head(rq))


_LOOKBACK = 600
_LEAD_WORDS = re.compile(r"\s*(?:(?:But|And|So|Yet|Then|Still|Now|Later|Meanwhile|Instead|Also)\b[,\s]*)?")


@dataclass(slots=True)
class _Around:
    """Who the sentences around a quote are about."""

    first_prev: _Person | None = None
    first_prev_initial: bool = False
    first_own: _Person | None = None
    first_own_initial: bool = False


def _around(run: RuleRun, at: int) -> _Around:
    """Return the people the sentences before ``at`` are about.

    - ``first_prev``: the first person named in the nearest earlier sentence naming anyone, and whether the name
      opens it ("Devine acknowledged that Sanders … / "Yes," he said.": a pronoun after a quote mostly points at
      the previous sentence's subject, not at the last name in it).
    - ``first_own``: the first person named in the quote's own lead-in ("McConnell delivered a message to Roe:
      "…"", or the sentence ending in a colon before a quote that opens its paragraph).
    """
    # Sentence starts from a bounded look-back, so a paragraph of thousands of quotes stays linear.
    base = max(0, at - _LOOKBACK)
    chunk = run.text[base:at]
    starts = sorted({base, *(base + b for b in _sentence_breaks(chunk)),
                     *(base + m.end() for m in re.finditer(r"\n+", chunk))})
    names = run.names
    ends = [*starts[1:], at]
    out = _Around()

    def first_in(s0: int, e0: int) -> _Person | None:
        i = bisect.bisect_left(names.positions, s0)
        while i < len(names.positions) and names.positions[i] < e0:
            if not names.mod[i]:
                return names.at[i]
            i += 1
        return None

    def opens(s0: int, e0: int, p: _Person) -> bool:
        lead = _LEAD_WORDS.match(run.text, s0, e0)
        return lead is not None and lead.end() in p.positions

    own_start = starts[-1]
    lead_in = run.text[own_start:at].strip(" \t\n“\"‘")
    last = len(starts) - 1
    if not lead_in and len(starts) > 1 and run.text[starts[-2]:own_start].rstrip().endswith(":"):
        # "He said:" closing the paragraph before a quote that opens the next one.
        last -= 1
        own_start = starts[last]
    own = first_in(own_start, at)
    if own is not None:
        out.first_own, out.first_own_initial = own, opens(own_start, at, own)
    # The quote's own sentence is skipped below: its names are the cue's business.
    for k in range(last - 1, max(-1, last - 4), -1):
        p = first_in(starts[k], ends[k])
        if p is not None:
            out.first_prev, out.first_prev_initial = p, opens(starts[k], ends[k], p)
            break
    return out


def _narration_free(run: RuleRun, para: int, start: int, end: int) -> bool:
    """Return whether a paragraph holds nothing but quotes (cached per paragraph)."""
    hit = run.cache.get(para)
    if hit is None:
        hit = _WORD.search(run.text, start, end) is None
        run.cache[para] = hit
    return hit


_ROLE_ABBREV = {"gov": "governor", "sen": "senator", "rep": "representative", "sec": "secretary", "pres": "president",
                "gen": "general", "lt": "lieutenant", "col": "colonel", "capt": "captain", "atty": "attorney",
                "supt": "superintendent", "adm": "admiral", "maj": "major", "sgt": "sergeant", "prof": "professor",
                "spokeswoman": "spokesman", "spokesperson": "spokesman", "chairwoman": "chairman",
                "chair": "chairman", "chairperson": "chairman", "congressman": "representative",
                "congresswoman": "representative", "lawmaker": "representative"}


def _description_head(rq: RuleQuote) -> str | None:
    """Return the role noun heading the description the quote is attributed to ("the senator" -> "senator")."""
    for men in (rq.mention, rq.after, rq.before):
        if men is not None and men.kind == "nominal":
            head = _head_noun(men.text.split()).rstrip("s")
            head = _ROLE_ABBREV.get(head, head)
            return head if head in ROLE_NOUNS or head in _ROLE_ABBREV.values() else None
    return None


def _key_in(key: str, ckey: str) -> bool:
    if not key or not ckey:
        return False
    a, b = key.split(), ckey.split()
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return long_[-len(short) :] == short


def features(run: RuleRun, rq: RuleQuote, ctx: QuoteContext, cand: Candidate) -> dict[str, float]:
    """Return the features of one candidate."""
    if cand.name is None:
        f = {"nobody": 1.0}
        for s in ctx.shape:
            f[f"nobody&{s}"] = 1.0
        return f
    f = {}
    for src in cand.sources:
        f[f"src:{src}"] = 1.0
        if src in _MAIN_SOURCES:
            for s in ctx.shape:
                f[f"{src}&{s}"] = 1.0
    for k in cand.kinds:
        f[f"kind:{k}"] = 1.0
    for v in cand.vias:
        f[f"via:{v}"] = 1.0
    if len(cand.sources) > 1:
        f["n_sources"] = min(len(cand.sources), 4) / 4
    ckey = speaker_key(cand.name)
    last = cand.name.split()[-1]
    if len(last) > 2 and last[:1].isupper() and re.search(rf"(?<!\w){re.escape(last)}(?!\w)", rq.quote):
        # "Okafor always says what voters are thinking," Lindqvist said: people seldom quote themselves by name.
        f["named_in_quote"] = 1.0
    if ckey in run.names.places:
        f["place_like"] = 1.0
    times = ctx.quoted.get(ckey, 0)
    if times:
        f["quoted_before"] = 1.0
        f["quoted_times"] = math.log1p(times) / 3
    if ctx.label and _key_in(ctx.label, ckey):
        f["is_label"] = 1.0
    if ctx.dash and _key_in(ctx.dash, ckey):
        f["is_dash_name"] = 1.0
    words = cand.name.split()
    if cand.name[:1].islower() or words[0].lower() in ("the", "a", "an"):
        f["description"] = 1.0
        if words[-1].lower().endswith("s"):
            f["plural_description"] = 1.0
    elif cand.person is None:
        f["unresolved_name"] = 1.0
        if len(words) == 1:
            f["single_word"] = 1.0
    if "raw" in cand.sources and cand.mention is not None:
        mw = cand.mention.text.split()
        head = _head_noun(mw)
        if mw[0].lower() in ("his", "her", "its", "their"):
            f["raw_possessive"] = 1.0
        if head in ROLE_NOUNS or head.rstrip("s") in ROLE_NOUNS:
            f["raw_head_role"] = 1.0
        elif head in _ORG_WORDS or head in _GENERIC_ORG:
            f["raw_head_org"] = 1.0
        else:
            f["raw_head_other"] = 1.0
        if run.names.by_role(mw, cand.mention.start) is not None:
            f["raw_role_match"] = 1.0
    if cand.person is not None and any(k.endswith("_nominal") for k in cand.kinds):
        f["person_from_description"] = 1.0
    desc_head = ctx.desc_head
    if desc_head is not None and cand.person is not None:
        # "the New Jersey governor said" and a candidate the article calls "N.J. Gov.": the same person;
        # a candidate with another role, or none ("the RNC member" after a paragraph about a candidate), is not.
        role_words = {_ROLE_ABBREV.get(w, w) for w in (w.lower().strip(",.").rstrip("s")
                                                         for w in (cand.role or "").split())}
        f["role_matches_description" if desc_head in role_words else
          "role_differs_from_description" if cand.role else "no_role_for_description"] = 1.0
    if cand.role:
        f["has_role"] = 1.0
        if cand.role.split()[0].rstrip(".").lower() in TITLE_WORDS:
            f["title_role"] = 1.0
    span = rq.span
    p = cand.person
    if p is not None:
        f["person"] = 1.0
        f["evidence"] = min(p.evidence, 12) / 12
        f["mentions"] = math.log1p(len(p.positions)) / 3
        if first_name_gender(p.name) is not None:
            f["given_name"] = 1.0
        if ctx.pron_gender is not None and p.gender is not None:
            f["gender_agree" if p.gender == ctx.pron_gender else "gender_clash"] = 1.0
        a = ctx.around
        if a.first_prev is p:
            f["first_prev_sentence"] = 1.0
            if a.first_prev_initial:
                f["first_prev_sentence_opens"] = 1.0
        if a.first_own is p:
            f["first_own_sentence"] = 1.0
            if a.first_own_initial:
                f["first_own_sentence_opens"] = 1.0
        i = bisect.bisect_left(p.positions, span.open_at) - 1
        if i >= 0:
            pos = p.positions[i]
            d = span.open_at - pos
            f["before_dist"] = math.log1p(d) / 8
            if pos >= ctx.para_start:
                f["before_same_para"] = 1.0
            elif pos >= ctx.prev_para_start:
                f["before_prev_para"] = 1.0
            if d < 200:
                f["before_close"] = 1.0
            names = run.names
            j = bisect.bisect_left(names.positions, pos)
            if j < len(names.positions) and names.positions[j] == pos and names.subj[j]:
                f["before_subject"] = 1.0
                if pos >= ctx.para_start:
                    f["subject_same_para"] = 1.0
                elif pos >= ctx.prev_para_start:
                    f["subject_prev_para"] = 1.0
            # How many other people were named between this one and the quote.
            upto = bisect.bisect_left(names.positions, span.open_at)
            others = len({id(names.at[x]) for x in range(j + 1, upto)} - {id(p)})
            f[f"before_rank{min(others, 3)}"] = 1.0
            if others == 0 and "before_subject" in f:
                f["latest_subject"] = 1.0
        else:
            f["not_before"] = 1.0
        j2 = bisect.bisect_left(p.positions, span.close_at)
        if j2 < len(p.positions) and p.positions[j2] < span.para_end:
            pos2 = p.positions[j2]
            # After the quote in the same sentence ("...," Roe said) or in a new one ("..." Roe left).
            new_sentence = run.text[span.end - 1] in ".!?" or _STOP.search(run.text, span.close_at, pos2) is not None
            f["after_next_sentence" if new_sentence else "after_same_para"] = 1.0
            if pos2 - span.close_at < 60 and not new_sentence:
                f["after_close"] = 1.0
        if ctx.pron_gender is not None and i >= 0:
            # People of the pronoun's gender (or unknown) named between this one and the quote.
            upto = bisect.bisect_left(names.positions, span.open_at)
            fits = {id(names.at[x]) for x in range(j + 1, upto)
                    if names.at[x] is not p and names.at[x].gender in (None, ctx.pron_gender)}
            f[f"gender_rank{min(len(fits), 2)}"] = 1.0
            if not fits and "before_subject" in f:
                f["gender_latest_subject"] = 1.0
    elif cand.mention is not None:
        m = cand.mention
        if m.start < span.open_at:
            f["before_dist"] = math.log1p(span.open_at - m.start) / 8
        elif m.start < span.para_end:
            f["after_same_para"] = 1.0
    # What counts depends on how the quote is attributed: each candidate fact again, crossed with that.
    attr = next(s for s in ctx.shape if s == "no_attr" or s.startswith("attr_"))
    for k in [k for k in f if not k.startswith(("src:", "kind:")) and "&" not in k]:
        f[f"{attr}|{k}"] = f[k]
    return f
