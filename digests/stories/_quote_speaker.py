"""One speaker for a quote several outlets carried: each article's attribution is a weighted vote.

A vote weighs the speaker ranker's own probability for that article's attribution, times how the article
attributed the words: a name or a description next to a speech verb counts fully, a pronoun a little less,
a quote that floats after a paragraph (given to the running speaker) less again. A named person outvotes a
description or an organisation ("her rep" yields to the publicist another outlet names; a company's statement
to the executive named for it); name forms of one person ("Kiir", "President Salva Kiir", "Dirk A.
Kempthorne" and "Dirk Kempthorne") are folded into one speaker under the fullest form. When the two strongest
persons weigh about the same, the verdict says so ("split") and names both instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from digests.nlp.speakers import ROLE_NOUNS, speaker_key

# How much an attribution counts, by how the article made it (times the ranker's probability).
# A quote floating after a paragraph counts for about half: careful readers side with the articles that name
# someone next to the words (tuned on the dev topics with topic % 4 == 1; 0.4-0.5 are equally good there).
ATTRIBUTION_WEIGHT = {"name": 1.0, "description": 1.0, "pronoun": 0.8, "floating": 0.45, "thing": 0.2}
# A confidence the ranker did not give (quotes stored before it was kept).
DEFAULT_CONFIDENCE = 0.5
# Persons win over descriptions once their votes reach this weight (0.2-0.3 equally good on the tuning half).
PERSON_MIN = 0.25
# The runner-up at or above this share of the leader's weight: an even split, reported as such.
SPLIT_SHARE = 0.9

_DETERMINERS = frozenset({"the", "a", "an", "his", "her", "its", "their", "our", "my", "your", "this", "that"})
_PRONOUNS = frozenset({"he", "she", "they", "we", "i", "you"})
_THING_PRONOUNS = frozenset({"it", "this", "that"})
_PARTICLES = frozenset({"de", "da", "del", "della", "di", "van", "von", "der", "den", "la", "le", "al", "bin", "ibn",
                        "el", "du", "dos", "das", "y", "st", "jr", "sr"})
# Words that end the name of an organisation or a thing, not of a person.
_ORG_HEADS = frozenset("""
    ministry department government party council commission committee court office agency bureau service
    services police university college school institute association union league club team society foundation
    fund bank company corp corporation inc ltd llc group news times post press journal network airline
    conference blog website site magazine newspaper paper statement report center centre hospital clinic
    church army navy force forces administration authority board organization organisation coalition alliance
    campaign movement federation assembly parliament congress senate house cabinet embassy consulate survey
    """.split())
_POSSESSIVE = re.compile(r"^(?:his|her|their|its)\s+|['’]s\s+", re.I)
_WORD = re.compile(r"[^\W\d_][\w'’\-.]*", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Attribution:
    """One article's attribution of the words: its speaker, the ranker's probability, how it was made."""

    speaker: str | None
    confidence: float | None = None
    mention: str | None = None
    cue: str | None = None
    role: str | None = None


@dataclass(frozen=True, slots=True)
class Vote:
    """The weight one candidate speaker gathered over the outlets."""

    speaker: str
    kind: str  # "person", "description" (also organisations)
    weight: float
    articles: int

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form kept with a quote group as its evidence."""
        return {"speaker": self.speaker, "kind": self.kind, "weight": round(self.weight, 3),
                "articles": self.articles}


@dataclass(frozen=True, slots=True)
class Verdict:
    """The speaker chosen for a merged quote, or why there is none, with the votes behind it.

    ``status``: "agreed" (every vote for one speaker), "chosen" (the evidence decided between several), "split"
    (two speakers weigh about the same: ``speaker`` is None and ``split`` names them), "unknown" (no vote).
    """

    speaker: str | None
    status: str
    votes: tuple[Vote, ...] = ()
    split: tuple[str, ...] = ()
    role: str | None = None

    def supports(self, name: str | None) -> bool:
        """Return whether an article's own speaker name is a form of the chosen speaker."""
        if self.speaker is None or not name:
            return False
        return name == self.speaker or _compatible(_tokens(name), _tokens(self.speaker))


def name_kind(name: str | None) -> str | None:
    """Return "person" for a personal name, "description" for a description or an organisation, None for none."""
    if not name or not name.strip():
        return None
    words = name.split()
    if words[0].lower() in _DETERMINERS or _POSSESSIVE.search(name) or not words[0][:1].isupper():
        return "description"
    toks = [w.strip(".,").lower() for w in words]
    if toks[-1] in _ORG_HEADS or toks[-1] in ROLE_NOUNS and len(toks) > 1 and toks[-2] in _ORG_HEADS:
        return "description"
    if len(words) > 5 or any(not w[:1].isupper() and w.lower() not in _PARTICLES for w in words):
        return "description"
    return "person"


def attribution_kind(a: Attribution) -> str:
    """Return how an article attributed the words: "name", "description", "pronoun", "thing", "floating"."""
    men = (a.mention or "").strip()
    if not men:
        return "floating"
    low = men.lower()
    if low in _THING_PRONOUNS:
        return "thing"
    if low in _PRONOUNS:
        return "pronoun"
    return "description" if name_kind(men) == "description" else "name"


def _head(description: str) -> str:
    words = [w.strip(".,;:").lower() for w in _POSSESSIVE.sub(" ", description).split()]
    words = [w for w in words if w]
    return words[-1] if words else ""


def _tokens(name: str) -> tuple[str, ...]:
    return tuple(speaker_key(name).split())


def _compatible(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Return whether two name forms may be one person ("Kiir" / "Salva Kiir", "Dirk A. Kempthorne")."""
    if not a or not b:
        return False
    if a == b or "".join(a) == "".join(b):
        return True  # "Del Giudice" and "DelGiudice"
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if long_[-len(short):] == short:
        return True
    # Middle names and initials: the same first and last word.
    return len(short) >= 2 and short[0] == long_[0] and short[-1] == long_[-1]


def fold_names(names: Sequence[str]) -> dict[str, str]:
    """Return each person name mapped to the fullest form of the person it names.

    A short form joins a longer one only when every longer form it fits names one person; "Roe" between
    "Jo Roe" and "Al Roe" stays apart rather than be given to either.
    """
    # The fullest form heads its person; a form carrying a role or an organisation ("Acme Co-Founder Jo Roe")
    # only when no plain name is as long.
    distinct = sorted(set(names), key=lambda n: (_role_laden(n), -len(_tokens(n)), -len(n), n))
    out: dict[str, str] = {}
    for name in distinct:
        toks = _tokens(name)
        heads = {o for o in out if out[o] == o and _compatible(toks, _tokens(o))}
        out[name] = heads.pop() if len(heads) == 1 else name
    return out


def _role_laden(name: str) -> bool:
    return any(t in ROLE_NOUNS or t in _ORG_HEADS for t in _tokens(name))


def decide_speaker(attributions: Sequence[Attribution]) -> Verdict:
    """Return the speaker of a quote from every article's attribution of it."""
    weights: dict[str, float] = {}
    articles: dict[str, int] = {}
    kinds: dict[str, str] = {}
    roles: dict[str, str] = {}
    described: list[tuple[str, float]] = []
    borrowed: set[str] = set()  # descriptions taken from a mention, not the article's own speaker
    persons: list[tuple[str, float, str | None]] = []
    for a in attributions:
        kind = attribution_kind(a)
        w = (a.confidence if a.confidence is not None else DEFAULT_CONFIDENCE) * ATTRIBUTION_WEIGHT[kind]
        who = a.speaker
        nk = name_kind(who)
        if nk == "person" and kind == "description" and a.mention and _POSSESSIVE.search(a.mention) and \
                _head(a.mention) not in (a.role or "").lower():
            # "her rep said" given to the woman herself: the article's words describe someone else.
            who, nk = a.mention, "description"
            borrowed.add(who)
        if who is None or nk is None:
            continue
        if nk == "person":
            persons.append((who, w, a.role))
        else:
            described.append((who, w))
    folded = fold_names([p[0] for p in persons])
    for name, w, role in persons:
        head = folded[name]
        weights[head] = weights.get(head, 0.0) + w
        articles[head] = articles.get(head, 0) + 1
        kinds[head] = "person"
        if role and head not in roles:
            roles[head] = role
    person_total = sum(weights.values())
    for text, w in described:
        # A description whose head is a role some named person holds here is a vote for that person.
        head = _head(text)
        owner = [p for p in weights if head and head in (roles.get(p) or "").lower()]
        if len(owner) == 1:
            weights[owner[0]] += w
            articles[owner[0]] += 1
            continue
        key = _description_key(text)
        target = next((d for d in weights if kinds.get(d) == "description" and _description_key(d) == key), text)
        if target == text and target not in weights:
            weights[text], articles[text], kinds[text] = 0.0, 0, "description"
        weights[target] += w
        articles[target] += 1
    votes = tuple(sorted((Vote(n, kinds[n], weights[n], articles[n]) for n in weights),
                         key=lambda v: (-v.weight, v.speaker)))
    if not votes:
        return Verdict(None, "unknown")
    pool = [v for v in votes if v.kind == "person"] if person_total >= PERSON_MIN else list(votes)
    if not pool:
        pool = list(votes)
    best = pool[0]
    if len(pool) > 1 and pool[1].weight >= SPLIT_SHARE * best.weight:
        return Verdict(None, "split", votes, (best.speaker, pool[1].speaker))
    if best.speaker in borrowed and not any(a.speaker == best.speaker for a in attributions):
        # Only a mention ("her rep") describes the speaker, and no article gives that as its speaker.
        return Verdict(None, "unknown", votes)
    status = "agreed" if len(votes) == 1 else "chosen"
    return Verdict(best.speaker, status, votes, (), roles.get(best.speaker))


def _description_key(text: str) -> str:
    return _head(text) or text.lower()
