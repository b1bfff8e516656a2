"""Extractive summaries: lead-biased sentence scoring with a centrality tie-breaker, offline on CPU.

News puts its most important facts first, so position dominates the score; TF-IDF similarity to the whole
article (and to the title, when there is one) breaks ties and lifts a central sentence over a colourful
opener. Page debris (captions, bylines, "Scroll down for video", share lines) is never chosen, near
duplicates are dropped, and the summary fills a word budget with whole sentences kept verbatim and in
article order.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from digests.nlp.openers import dangles, opener_problem, quotes_balanced, strip_label
from digests.nlp.sentences import dateline_end, split_sentences

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOP = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my no nor not now of off on once only or other our ours out over own said same says she should so
    some such than that the their theirs them then there these they this those through to too under until
    up very was we were what when where which while who whom why will with would you your yours told one
    two new year years last first mr mrs ms s t""".split()
)

# Page furniture that turns up in scraped article text; a sentence containing any of it is not content.
_DEBRIS = re.compile(
    r"""scroll\s+down\s+for|article\s+continued\s+below|continue\s+reading|click\s+here|read\s+more\b
    |share\s+this\s+(?:article|story)|subscribe\s+(?:to|now|today)|sign\s+up\s+(?:for|to|now)
    |follow\s+(?:us|him|her|me)\s+on|all\s+rights\s+reserved|©|\bcopyright\b|contributed\s+to\s+this\s+report
    |^\s*(?:by|photo|photos|image|images|video|watch|pictured|related|advertisement|updated|published)\b[:\s]
    |\b(?:getty|reuters|ap|afp|pa|epa)\s+images?\b|^\s*\(?(?:photo|image|credit)s?\s*:
    |\bfor\s+confidential\s+support\b|\bemail\s+(?:us|the\s+author)\b|\blast\s+updated\b
    |\bwatch\s+the\s+video\b|\bsee\s+(?:the\s+)?(?:video|gallery|photos)\b|\bclick\s+on\s+the\s+photos?\b""",
    re.IGNORECASE | re.VERBOSE,
)
# A caption label: "Downtrodden: Crowds wait ..." (one or two words, then a colon, then a capital).
_CAPTION_LABEL = re.compile(r"^['\"‘“]?[A-Z][\w'’-]*(?:\s+[\w'’-]+)?:\s+['\"‘“]?[A-Z]")
_SAID_LABEL = re.compile(r"\b(?:said|says|told|added|wrote|tweeted|explained|warned|asked)\b", re.IGNORECASE)
_QUOTE_MARK = re.compile(r"[\"“”]|(?:^|\s)['‘]\w")
# A sentence that opens on a quotation ("'We are delighted,' he said."): speech, not the reporter's facts.
_QUOTE_ONLY = re.compile(r"^['\"‘“]")
_TERMINAL = re.compile(r"""[.!?…]['"’”)\]]*$""")

# What a summary must not open on (each a named rule; see lead_problem).
_BYLINE_OPEN = re.compile(
    r"^\W*(?:(?:posted|published|updated|written|filed|reported)\b[\s:]|(?:posted |written |reported )?by\s+[A-Z])")
_DATELINE_OPEN = re.compile(r"^[A-Z][A-Z.'’ -]{2,}(?:,\s*[A-Z][\w.' ]+)?\s*(?:\([^)]{1,30}\))?\s*(?:--|—|–|:)\s")
_CREDIT = re.compile(
    r"^\W*(?:photo(?:graph)?s?|images?|pictures?|illustrations?|credits?|courtesy|source)\b\s*(?:credit|by)?\s*:|"
    r"^\W*(?:photo(?:graph)?s?|images?|pictures?|illustrations?)\s+(?:by|courtesy of)\s+[A-Z]|"
    r"\b(?:photo|image|picture) (?:credit|courtesy)\b|\bcredit:\s|"
    r"(?:/|\||:)\s*(?:getty|reuters|ap|afp|epa|shutterstock|alamy)\b", re.IGNORECASE)
# Only pronouns that always stand for a person: "It's clear that ..." and "They are the strange ..." open many
# good leads, so "it" and "they" are left alone.
_PRONOUN_OPEN = re.compile(r"^['\"‘“(]*(he|she|him|her|his|hers)\b", re.IGNORECASE)
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b")


def _names_someone(sentence: str) -> bool:
    """Return True if ``sentence`` has a capitalised word that is not a common word (a name, roughly)."""
    return any(w.lower() not in _STOP for w in _CAPITALISED.findall(sentence))


def lead_problem(sentences: list[str], title: str = "", text: str | None = None) -> str | None:
    """Return why a summary reads badly as a lead (byline, dateline, caption, subheading, back-reference, ...) or None.

    With the article's ``text``, a first sentence that is not the article's own first one must not lean on what
    came before it ("They", "This", "But", "The move").
    """
    if not sentences:
        return None
    first = sentences[0].strip()
    if title and first.startswith(title.strip()):
        # The headline itself, or glued to the first sentence: the summary is shown under the title already.
        return "title"
    if _BYLINE_OPEN.match(first):
        return "byline"
    if _DATELINE_OPEN.match(first) or dateline_end(first):
        return "dateline"
    if is_caption(first):
        return "caption"
    if opener_problem(first) == "subheading":
        return "subheading"
    if text is not None and dangles(first) and not _opens(text, first, title):
        return "back-reference"
    for i, sent in enumerate(sentences):
        if _CREDIT.search(sent):
            return "credit"
        if not quotes_balanced(sent):
            return "quote-cut"
        m = _PRONOUN_OPEN.match(sent.strip())
        # The person counts as named when an earlier summary sentence names someone; an opener may name
        # them after the pronoun ("She's been living in New York, and Princess Ada ...").
        if m and (i == 0 and not _names_someone(sent[m.end():]) or i > 0 and not any(map(_names_someone, sentences[:i]))):
            return "pronoun"
    return None

# Tuned on a development set of news articles (see bench/summary.py): position dominates, the first two
# sentences weigh the same, and centrality only breaks ties; most other settings move ROUGE by < 0.3.
POSITION_DECAY = 1.0
CENTRALITY_WEIGHT = 0.1
TITLE_WEIGHT = 0.4
REDUNDANCY = 0.55
MIN_WORDS = 6
LONG_WORDS = 55
LONG_PENALTY = 0.5
SHORT_WORDS = 10
SHORT_PENALTY = 0.8
QUOTE_PENALTY = 0.9
LEAD_PLATEAU = 1
# Only the best few sentences compete for the summary: a far-down filler that happens to fit the word
# budget costs more precision than it brings recall (checked on both halves of the dev set).
POOL = 4
CAPTION_PENALTY = 0.5
# Questions ("But will he face death?") and sentences that are wholly a quotation tease or colour the
# story rather than tell it.
QUESTION_PENALTY = 0.25
QUOTE_ONLY_PENALTY = 0.25
# The budget is met at a sentence boundary: the last sentence may run past it, up to this factor.
OVERFLOW = 1.25
# How many times a summary is packed again without a sentence that makes it a bad lead.
MAX_REPACKS = 6
# At most this many following sentences are joined to close a quotation that a sentence opens.
QUOTE_SPAN = 3


@dataclass(slots=True)
class Candidate:
    """One sentence of an article as a summary candidate: its place, text, words, terms and page-debris flags."""

    index: int
    text: str
    n_words: int
    terms: Counter[str]
    debris: bool
    caption: bool
    score: float = 0.0


def _terms(text: str) -> Counter[str]:
    return Counter(w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1)


def is_debris(sentence: str) -> bool:
    """Return True if ``sentence`` looks like page furniture rather than article content."""
    return bool(_DEBRIS.search(sentence))


def is_caption(sentence: str) -> bool:
    """Return True if ``sentence`` opens like a photo caption ("Downtrodden: Crowds wait ...")."""
    m = _CAPTION_LABEL.match(sentence)
    return bool(m and not _SAID_LABEL.search(sentence[: m.end()]))


def _cosine(a: dict[str, float], b: dict[str, float], norm_a: float, norm_b: float) -> float:
    if not norm_a or not norm_b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(k, 0.0) for k, v in a.items()) / (norm_a * norm_b)


def _weigh(terms: Counter[str], idf: dict[str, float]) -> tuple[dict[str, float], float]:
    vec = {t: (1.0 + math.log(c)) * idf.get(t, 1.0) for t, c in terms.items()}
    return vec, math.sqrt(sum(v * v for v in vec.values()))


# Inside a caption line: a lower-case word, then a capitalised article or pronoun that starts a new sentence.
_GLUED_AFTER_CAPTION = re.compile(r"(?<=[a-z0-9)’'])\s+(?=(?:A|An|The|It|He|She|They|Police|Officials)\s+[A-Za-z])")


def _spans(text: str) -> list[tuple[int, int]]:
    """Return sentence spans, with a quotation that runs over several sentences kept as one unit."""
    spans = split_sentences(text)
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(spans):
        a, b = spans[i]
        j = i
        # A quotation may hold several sentences; a summary that takes only some of them cuts it open.
        while not quotes_balanced(text[a:b]) and j + 1 < len(spans) and j - i < QUOTE_SPAN:
            j += 1
            if quotes_balanced(text[a:spans[j][1]]):
                b = spans[j][1]
                break
        else:
            j = i
        out.append((a, b))
        i = j + 1
    return out


def _candidates(text: str, title: str = "", limit: int | None = None) -> list[Candidate]:
    out: list[Candidate] = []
    head = title.strip()
    kept = 0
    for a, b in _spans(text):
        if limit is not None and kept >= limit:
            break
        s = text[a:b].strip()
        if head and len(s) > len(head) + 20 and s.startswith(head):
            # A headline the page glued to the first sentence: the sentence starts after it.
            s = s[len(head):].lstrip(" :|-–—").strip()
        if not is_caption(s):
            # "Why it matters: Most of the ..." : a subheading glued to its sentence is not part of it.
            s = strip_label(s)
        if is_caption(s):
            glue = _GLUED_AFTER_CAPTION.search(s, s.index(":") + 1)
            if glue:
                # "Accused: Dr X, 38, denies the charges A senior doctor ...": the caption is page furniture, the
                # sentence glued to it without a full stop is the story.
                cap, s = s[:glue.start()], s[glue.end():]
                out.append(Candidate(len(out), cap, len(cap.split()), _terms(cap), True, True))
        n = len(s.split())
        debris = is_debris(s) or n < MIN_WORDS
        kept += not debris
        out.append(Candidate(len(out), s, n, _terms(s), debris, is_caption(s)))
    return out


def candidate_sentences(text: str, title: str = "", limit: int | None = None) -> list[Candidate]:
    """Return the summary candidates of ``text`` in order (at most ``limit`` that are not debris), headlines cut off."""
    return _candidates(text, title, limit)


def score_sentences(text: str, title: str = "") -> list[tuple[str, float]]:
    """Return each sentence of ``text`` with its summary score (debris scores minus infinity)."""
    sents = _candidates(text, title)
    _score(sents, title)
    return [(s.text, s.score) for s in sents]


def _score(sents: list[Candidate], title: str) -> None:
    n = len(sents)
    if not n:
        return
    df: Counter[str] = Counter()
    for s in sents:
        df.update(s.terms.keys())
    idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}
    doc: Counter[str] = Counter()
    for s in sents:
        if not s.debris:
            doc.update(s.terms)
    doc_vec, doc_norm = _weigh(doc, idf)
    title_vec, title_norm = _weigh(_terms(title), idf) if title else ({}, 0.0)
    rank = 0
    for s in sents:
        if s.debris:
            s.score = float("-inf")
            continue
        vec, norm = _weigh(s.terms, idf)
        score = 1.0 / (1.0 + POSITION_DECAY * max(0, rank - LEAD_PLATEAU))
        score += CENTRALITY_WEIGHT * _cosine(vec, doc_vec, norm, doc_norm)
        if title_norm:
            score += TITLE_WEIGHT * _cosine(vec, title_vec, norm, title_norm)
        if s.n_words > LONG_WORDS or not _TERMINAL.search(s.text):
            # Run-on "sentences" are usually captions glued together by the page scraper.
            score *= LONG_PENALTY
        if s.n_words < SHORT_WORDS:
            score *= SHORT_PENALTY
        if s.caption:
            score *= CAPTION_PENALTY
        if _QUOTE_MARK.search(s.text):
            # Quoted speech is colour; the facts a summary needs are usually in the reporter's voice.
            score *= QUOTE_PENALTY
        if s.text.rstrip("'\"’” )").endswith("?"):
            score *= QUESTION_PENALTY
        if _QUOTE_ONLY.match(s.text):
            score *= QUOTE_ONLY_PENALTY
        s.score = score
        rank += 1


def _pack(pool: list[Candidate], max_sentences: int, cap: int) -> list[Candidate]:
    """Pick at most ``max_sentences`` non-redundant sentences within ``cap`` words, maximizing score x words."""
    best: list[Candidate] = []
    best_value = 0.0

    def walk(i: int, chosen: list[Candidate], words: int, value: float) -> None:
        nonlocal best, best_value
        if value > best_value:
            best, best_value = list(chosen), value
        if len(chosen) >= max_sentences:
            return
        for j in range(i, len(pool)):
            s = pool[j]
            if words + s.n_words > cap or any(_overlap(s, c) > REDUNDANCY for c in chosen):
                continue
            chosen.append(s)
            walk(j + 1, chosen, words + s.n_words, value + s.score * s.n_words)
            chosen.pop()

    walk(0, [], 0, 0.0)
    return best


def summarize(text: str, title: str = "", max_sentences: int = 3, max_words: int = 60) -> list[str]:
    """Return summary sentences, verbatim from ``text``, within the sentence and word budgets.

    ``max_words`` is met at a sentence boundary: the summary may run past it to end on a whole sentence
    but never beyond ``OVERFLOW`` times it.
    """
    sents = _candidates(text, title)
    if not sents or max_sentences <= 0 or max_words <= 0:
        return []
    _score(sents, title)
    ranked = sorted((s for s in sents if s.score != float("-inf")), key=lambda s: -s.score)
    if not ranked:
        # Only short or debris-like sentences: still say something, preferring early non-debris text.
        for s in sents:
            s.score = (0.01 if is_debris(s.text) else 1.0) / (1 + s.index)
        ranked = sorted(sents, key=lambda s: -s.score)
    cap = int(max_words * OVERFLOW)
    lead_index = next((s.index for s in sents if not s.debris), -1)
    chosen = _pack(ranked[:POOL], max_sentences, cap)
    # A lead that opens on a byline, caption or dangling pronoun, or cuts a quotation, reads badly: the
    # sentence at fault leaves the pool and the budget is packed again (a few times at most).
    for _ in range(MAX_REPACKS):
        ordered = sorted(chosen, key=lambda s: s.index)
        bad = _faulty(ordered, title, lead_index)
        if bad is None:
            break
        ranked = [s for s in ranked if s is not bad]
        chosen = _pack(ranked[:POOL], max_sentences, cap)
    if not chosen:
        if not ranked:
            return []
        # Every good sentence is longer than the cap: keep the best one's opening words, still verbatim.
        return [_cut_words(ranked[0].text, cap) + " …"]
    return [s.text for s in sorted(chosen, key=lambda s: s.index)]


def _faulty(ordered: list[Candidate], title: str, lead_index: int) -> Candidate | None:
    """Return the sentence that makes ``ordered`` a bad lead (see lead_problem), or None."""
    if ordered and ordered[0].index != lead_index and dangles(ordered[0].text):
        # It leans on a sentence the summary left out ("They", "This", "But"): only the article's lead may.
        return ordered[0]
    texts = [s.text for s in ordered]
    for i in range(len(ordered)):
        if lead_problem(texts[i:i + 1] if i == 0 else texts[:i + 1], title) is not None and (
                i == 0 or lead_problem(texts[:i], title) is None):
            return ordered[i]
    return None


def _opens(text: str, sentence: str, title: str = "") -> bool:
    """Return True if ``sentence`` is the first candidate sentence of ``text`` that is not page debris."""
    lead = next((c for c in _candidates(text, title, 1) if not c.debris), None)
    return lead is not None and lead.text.strip() == sentence.strip()


def _cut_words(sentence: str, cap: int) -> str:
    """Return the first ``cap`` words of ``sentence``, cut before a quotation that would be left open."""
    words = sentence.split()[:cap]
    while words and not quotes_balanced(" ".join(words)):
        words.pop()
    return " ".join(words) or " ".join(sentence.split()[:cap])


def _overlap(a: Candidate, b: Candidate) -> float:
    """Share of the shorter sentence's content words that the other one also has."""
    small, big = (a, b) if len(a.terms) <= len(b.terms) else (b, a)
    if not small.terms:
        return 1.0
    return sum(1 for t in small.terms if t in big.terms) / len(small.terms)
