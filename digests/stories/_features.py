"""What the story assigner reads of an article: weighted terms, names, numbers, key names and its year.

Pure CPU work on the article's title and text (safe in a worker process). Every sub-vector is a plain dict of
raw weights, cut to a fixed size so an article's signature is small to store and cheap to compare; IDF is
applied later by the assigner, from the store's own corpus.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from digests.nlp.events import find_names

# Text beyond this many characters adds nothing (and a 10 MB page must cost what a long article costs).
MAX_CHARS = 20_000
LEAD_CHARS = 600  # the lead: weighted above the body
KEY_CHARS = 300  # names this early (and in the title) are the story's key names
NUM_CHARS = 1_000  # numbers are read from the title and this much of the text
TITLE_WEIGHT = 2.0
LEAD_WEIGHT = 1.5
KEY_REPEATS = 3  # a name this frequent in the article is a key name wherever it appears
# Sub-vector sizes kept per article (the heaviest entries): an article's signature stays under ~1 KB.
CAPS = {"terms": 60, "names": 25, "nums": 10, "keys": 12}
KINDS = ("terms", "names", "nums", "keys")

STOPWORDS = frozenset("""a about above after again against all also am an and any are aren't as at be because been
before being below between both but by can could did do does doing down during each few for from further had has
have having he her here hers herself him himself his how i if in into is it its itself just me more most my myself
no nor not now of off on once only or other our ours out over own same she should so some such than that the their
theirs them themselves then there these they this those through to too under until up very was we were what when
where which while who whom why will with would you your yours said says say told new one two year years may might
last first week monday tuesday wednesday thursday friday saturday sunday mr mrs ms""".split())
_WORD = re.compile(r"[a-z0-9][a-z0-9'’\-]*[a-z0-9]|[a-z0-9]")
_NAME_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_NUMBER = re.compile(r"\b\d[\d.,]*\d\b|\b\d\b")
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-9]\d)\b")


@dataclass(frozen=True, slots=True)
class StoryFeatures:
    """An article's signature for story assignment: raw weights per sub-vector and the year it speaks of."""

    terms: dict[str, float]
    names: dict[str, float]
    nums: dict[str, float]
    keys: dict[str, float]
    year: int | None = None

    def as_dict(self) -> dict[str, dict[str, float]]:
        """Return the sub-vectors by kind name."""
        return {"terms": self.terms, "names": self.names, "nums": self.nums, "keys": self.keys}

    def is_empty(self) -> bool:
        """Return whether the article gave nothing to compare (no words, no names, no numbers)."""
        return not (self.terms or self.names or self.nums)

    def to_json(self) -> str:
        """Return the compact text form stored beside the article's story."""
        return json.dumps({"t": self.terms, "n": self.names, "u": self.nums, "k": self.keys, "y": self.year},
                          separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> StoryFeatures:
        """Return the features stored by ``to_json``."""
        d = json.loads(text)
        return cls(d.get("t") or {}, d.get("n") or {}, d.get("u") or {}, d.get("k") or {}, d.get("y"))


def _stem(word: str) -> str:
    word = word.replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def terms_of(text: str) -> list[str]:
    """Return the content words of ``text``, lower case, stopwords dropped, plurals folded."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if len(w) > 1 and w not in STOPWORDS]


_SENTENCE_DOT = re.compile(r"(?<=[^\W\d_]{2})\.\s+")
_MID_CAPITAL = re.compile(r"(?<=[a-z0-9,;:)] )[A-Z][\w'’\-]*")


def _names(text: str) -> list[str]:
    """Return the names the engine finds in ``text``, without lone capitalised words that only open sentences.

    "Drivers should…", "Access will…": a one-word name seen only at the start of sentences (or of a title) is
    usually an ordinary word, and template text is full of them; one also seen mid-sentence is kept.
    """
    mid = set(_MID_CAPITAL.findall(text))
    out = []
    for name in find_names(text):
        # "Arnholt. Road" is two runs the name pattern joined across a full stop (a dot after an initial stays).
        for piece in _SENTENCE_DOT.split(name):
            piece = piece.strip(" .")
            if piece and (" " in piece or piece in mid):
                out.append(piece)
    return out


def _name_words(names: Iterable[str]) -> Counter[str]:
    out: Counter[str] = Counter()
    for name in names:
        for w in _NAME_WORD.findall(name.lower()):
            if len(w) > 1 and w not in STOPWORDS:
                out[w] += 1
    return out


def _top(weights: dict[str, float], cap: int) -> dict[str, float]:
    # The heaviest entries; ties go to longer (rarer) words, then alphabetically, so the cut is deterministic.
    if len(weights) <= cap:
        return {w: round(x, 3) for w, x in weights.items()}
    best = sorted(weights.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))[:cap]
    return {w: round(x, 3) for w, x in best}


def story_features(title: str, text: str, published: datetime | date | None = None,
                   event_years: Iterable[int] = ()) -> StoryFeatures:
    """Return the story signature of an article (title, text, publication date, years of its dated events)."""
    title = title or ""
    body = (text or "")[:MAX_CHARS]
    terms: dict[str, float] = {}
    for w in terms_of(title):
        terms[w] = terms.get(w, 0.0) + TITLE_WEIGHT
    for w in terms_of(body[:LEAD_CHARS]):
        terms[w] = terms.get(w, 0.0) + LEAD_WEIGHT
    for w in terms_of(body[LEAD_CHARS:]):
        terms[w] = terms.get(w, 0.0) + 1.0
    names = _name_words(_names(f"{title}. {body}" if title else body))
    keys = _name_words(_names(f"{title}. {body[:KEY_CHARS]}" if title else body[:KEY_CHARS]))
    for w, c in names.items():
        if c >= KEY_REPEATS:
            keys[w] += 1
    head = f"{title} {body[:NUM_CHARS]}"
    # A year is no number of the event: the year has its own evidence, and "2025", written by half of a year's
    # articles, would make two articles whose only number it is look alike (a one-entry vector has cosine 1).
    nums = Counter(n for n in (m.rstrip(".,") for m in _NUMBER.findall(head)) if not _YEAR.fullmatch(n))
    # The latest year the article speaks of is the best guess of when its event happened; a year after the
    # publication date (a plan, a forecast) is not.
    ceiling = (published or datetime.now(UTC)).year + 1
    years = [int(y) for y in _YEAR.findall(f"{title} {body}")] + list(event_years)
    if published is not None:
        years.append(published.year)
    years = [y for y in years if y <= ceiling]
    return StoryFeatures(
        terms=_top(terms, CAPS["terms"]), names=_top(dict(names), CAPS["names"]),
        nums=_top({k: float(v) for k, v in nums.items()}, CAPS["nums"]),
        keys=_top({k: float(v) for k, v in keys.items()}, CAPS["keys"]), year=max(years) if years else None)
