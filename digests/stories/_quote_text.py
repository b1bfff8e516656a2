"""Quote wordings compared across articles: normal forms, index keys, and whether two wordings are one quote.

Two stored quotes are one quote when their words are equal after normalisation (case, punctuation, spacing),
when the shorter one (at least ``CONTAINED_WORDS`` words) is contained in the longer one (a truncated copy),
or when they are a few words apart (``fuzzy``: most of the shorter one's words in the same order in the
other, or nearly the same word sets).

The store finds candidates by hashed keys: each stored quote is indexed by the 4-word shingles starting at
every fourth word (and its last one), and a new quote probes with every 4-word shingle of its own, plus one
key for its whole normal form. A quote of 7 or more words that sits anywhere inside a stored one (or the
reverse) always shares a key with it, so a truncated copy is never missed; a changed word breaks at most
the shingles around it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from difflib import SequenceMatcher
from functools import lru_cache

# A shorter quote merges into a longer one that contains it only from this many words on (MemeTracker-style
# containment; fewer words are too often a common phrase).
CONTAINED_WORDS = 8
# Quotes shorter than this merge only when their normal forms are equal.
FUZZY_WORDS = 6
# Of the shorter quote's words, this share must appear in order in the other for a fuzzy match.
FUZZY_SHARE = 0.85
# Word-set Jaccard at or above which two quotes of similar length are one (a few words apart).
FUZZY_JACCARD = 0.8
SHINGLE = 4
STRIDE = 4
# Longer spans (a quotation mark left open for pages) are found only by their whole normal form.
MAX_WORDS = 400

_APOSTROPHE = re.compile(r"(?<=\w)['’](?=\w)")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


@lru_cache(maxsize=8192)
def quote_tokens(text: str) -> tuple[str, ...]:
    """Return the words of a quote: NFKC, lower case, apostrophes inside words dropped ("don't" -> "dont")."""
    s = unicodedata.normalize("NFKC", text or "").lower()
    return tuple(_WORD.findall(_APOSTROPHE.sub("", s)))


def normal_form(text: str) -> str:
    """Return a quote with everything but letters and digits removed, lower case (equal wording test)."""
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", text or "").lower())


def _hash(scope: str, kind: str, words: tuple[str, ...]) -> int:
    digest = hashlib.blake2b(f"{scope}\x1f{kind}\x1f{' '.join(words)}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)  # a signed 64-bit integer fits both backends


def index_keys(text: str, scope: str = "") -> tuple[int, ...]:
    """Return the keys a stored quote is found by: its normal form and its shingles at every fourth word.

    ``scope`` separates key spaces: quotes of public articles ("") never meet a workspace's private uploads.
    """
    toks = quote_tokens(text)
    keys = {_hash(scope, "q", toks)}
    if FUZZY_WORDS <= len(toks) <= MAX_WORDS:
        last = len(toks) - SHINGLE
        for i in (*range(0, last + 1, STRIDE), last):
            keys.add(_hash(scope, "s", toks[i:i + SHINGLE]))
    return tuple(sorted(keys))


def probe_keys(text: str, scope: str = "") -> tuple[int, ...]:
    """Return the keys a new quote looks up: its normal form and every one of its shingles."""
    toks = quote_tokens(text)
    keys = {_hash(scope, "q", toks)}
    if FUZZY_WORDS <= len(toks) <= MAX_WORDS:
        for i in range(len(toks) - SHINGLE + 1):
            keys.add(_hash(scope, "s", toks[i:i + SHINGLE]))
    return tuple(sorted(keys))


def same_quote(a: str, b: str) -> str | None:
    """Return how two wordings are one quote ("equal", "contained", "fuzzy"), or None when they are not."""
    ta, tb = quote_tokens(a), quote_tokens(b)
    if not ta or not tb:
        return None
    if ta == tb:
        return "equal"
    short, long_ = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    if len(short) < FUZZY_WORDS:
        return None
    if len(short) >= CONTAINED_WORDS and _contains(long_, short):
        return "contained"
    sa, sb = set(ta), set(tb)
    if len(sa & sb) / len(sa | sb) >= FUZZY_JACCARD:
        return "fuzzy"
    if len(short) >= CONTAINED_WORDS and in_order_share(short, long_) >= FUZZY_SHARE:
        # A truncated copy with a word changed, added or dropped on the way.
        return "fuzzy"
    return None


def _contains(long_: tuple[str, ...], short: tuple[str, ...]) -> bool:
    n = len(short)
    first = short[0]
    return any(long_[i] == first and long_[i:i + n] == short for i in range(len(long_) - n + 1))


def in_order_share(short: tuple[str, ...], long_: tuple[str, ...]) -> float:
    """Return the share of ``short``'s words found in order in ``long_`` (longest matching blocks)."""
    sm = SequenceMatcher(None, short, long_, autojunk=False)
    return sum(b.size for b in sm.get_matching_blocks()) / len(short)


def worded_differently(a: str, b: str) -> bool:
    """Return whether two wordings of one quote differ by a word changed, added or dropped inside.

    Case, punctuation and a copy cut short at either end are not wording differences.
    """
    ta, tb = quote_tokens(a), quote_tokens(b)
    if ta == tb:
        return False
    short, long_ = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    return not _contains(long_, short) if short else False


def word_count(text: str) -> int:
    """Return the number of words of a quote."""
    return len(quote_tokens(text))
