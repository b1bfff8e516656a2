"""Quote wordings compared across articles: normal forms, index keys, and whether two wordings are one quote.

Two stored quotes are one quote when their words are equal after normalisation (case, punctuation, spacing),
when the shorter one (at least ``CONTAINED_WORDS`` words) is contained in the longer one (a truncated copy),
or when they are a few words apart (``fuzzy``: most of the shorter one's words in the same order in the
other, or nearly the same word sets).

The store finds candidates by hashed keys (``quote_keys``): one for the whole normal form, and the
fingerprints of its 5-word shingles chosen by winnowing (Schleimer et al., SIGMOD 2003: the smallest shingle
hash of every 4 consecutive shingles). Two quotes that share a run of 8 or more words share a fingerprint
(the window inside the run picks the same minimum in both), so a truncated copy of 8 words or more is never
missed (unless the run is stopwords only, which are not fingerprinted), while each quote needs only about two
fingerprints in five shingles; a changed word breaks only the fingerprints around it. A quote of 7 to 11 words,
where one changed word may sit in every shingle, is also filed under its first and its last four words.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
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
# Quotes of CONTAINED_WORDS - 1 up to this many words are also filed under their first and last EDGE_WORDS words:
# a copy with one word changed may share no shingle with them (runs of 8 words or more share a fingerprint).
NEIGHBOUR_WORDS = 11
EDGE_WORDS = 4
SHINGLE = 5
WINDOW = 4  # shingles per winnowing window: any shared run of SHINGLE + WINDOW - 1 = 8 words shares a key
# Longer spans (a quotation mark left open for pages) are found only by their whole normal form.
MAX_WORDS = 400
# Shingles of these words alone ("we are going to", "at the end of") are in too many quotes to find any.
_STOP = frozenset("""a an and are as at be been but by can could did do does for from had has have he her him his
    how i if in into is it its me my no not of on or our she so than that the their them then there they this to
    up us was we were what when which who will with would you your dont im its thats weve were""".split())

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


_MASK = (1 << 64) - 1
_MUL = 0x9E3779B97F4A7C15  # odd 64-bit constants (golden ratio, splitmix64) to spread the bits
_MIX = 0xBF58476D1CE4E5B9


@lru_cache(maxsize=65536)
def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")


@lru_cache(maxsize=1024)
def _scope_salt(scope: str) -> int:
    return _word_hash("\x1fscope\x1f" + scope) if scope else 0


def _signed(h: int) -> int:
    return h - (1 << 64) if h >> 63 else h  # a signed 64-bit integer fits both backends


_POW = pow(_MUL, SHINGLE - 1, 1 << 64)


def _shingle_hashes(toks: Sequence[str]) -> list[int | None]:
    """Return the hash of every 5-word shingle (None for one of stopwords only), stable across processes."""
    n = len(toks) - SHINGLE + 1
    if n <= 0:
        return []
    words = [_word_hash(t) for t in toks]
    stop = [t in _STOP for t in toks]
    out: list[int | None] = []
    # A polynomial hash rolled along the words (one step per shingle), then mixed so minima are well spread.
    h = 0
    for w in words[:SHINGLE]:
        h = (h * _MUL + w) & _MASK
    stops = sum(stop[:SHINGLE])
    for i in range(n):
        if i:
            h = ((h - words[i - 1] * _POW) * _MUL + words[i + SHINGLE - 1]) & _MASK
            stops += stop[i + SHINGLE - 1] - stop[i - 1]
        if stops == SHINGLE:
            out.append(None)
            continue
        x = h ^ (h >> 31)
        out.append((x * _MIX) & _MASK)
    return out


def fingerprints(toks: Sequence[str]) -> set[int]:
    """Return the winnowed shingle hashes of a quote: the minimum of every window of ``WINDOW`` shingles."""
    hashes = _shingle_hashes(toks)
    picked: set[int] = set()
    for i in range(max(1, len(hashes) - WINDOW + 1)):
        window = [h for h in hashes[i:i + WINDOW] if h is not None]
        if window:
            picked.add(min(window))
    return picked


def _whole(toks: Sequence[str]) -> int:
    return _word_hash("\x1fquote\x1f" + " ".join(toks))


def quote_keys(text: str, scope: str = "") -> tuple[int, ...]:
    """Return the keys of a quote, its whole normal form's first, then its shingle fingerprints.

    A stored quote is filed under them and a new one looks them up. ``scope`` separates key spaces: quotes of
    public articles ("") never meet those of a workspace's private uploads.
    """
    toks = quote_tokens(text)
    salt = _scope_salt(scope)
    whole = _signed(_whole(toks) ^ salt)
    shingles: set[int] = set()
    if FUZZY_WORDS <= len(toks) <= MAX_WORDS:
        shingles = {_signed(h ^ salt) for h in fingerprints(toks)}
    if CONTAINED_WORDS - 1 <= len(toks) <= NEIGHBOUR_WORDS:
        # A short quote with a word changed, added or dropped may share no 5-word run with its copy (the change
        # sits in every shingle): its first and its last EDGE_WORDS words are keys too. One change leaves one
        # of them whole in both copies (the first when it is after them, else the last, as 7 words or more
        # leave the change outside one of the two).
        shingles |= {_signed(_word_hash("\x1fhead\x1f" + " ".join(toks[:EDGE_WORDS])) ^ salt),
                     _signed(_word_hash("\x1ftail\x1f" + " ".join(toks[-EDGE_WORDS:])) ^ salt)}
    return (whole, *sorted(shingles - {whole}))


def rescope(keys: Sequence[int], scope: str) -> tuple[int, ...]:
    """Return ``quote_keys(text, scope)`` from ``quote_keys(text)`` (the public keys), without the text.

    A scope's keys are the public ones with the scope's salt XORed in, so the analysis workers compute a quote's
    keys once, not knowing which workspace the article goes to, and the writer only salts them.
    """
    salt = _scope_salt(scope)
    if not salt or not keys:
        return tuple(keys)
    whole = _signed((keys[0] & _MASK) ^ salt)
    return (whole, *sorted({_signed((k & _MASK) ^ salt) for k in keys[1:]} - {whole}))


@lru_cache(maxsize=8192)
def _token_set(text: str) -> frozenset[str]:
    return frozenset(quote_tokens(text))


def same_quote(a: str, b: str) -> str | None:
    """Return how two wordings are one quote ("equal", "contained", "fuzzy"), or None when they are not."""
    ta, tb = quote_tokens(a), quote_tokens(b)
    if not ta or not tb:
        return None
    if ta == tb:
        return "equal"
    (short, sa), (long_, sb) = sorted(((ta, _token_set(a)), (tb, _token_set(b))), key=lambda p: len(p[0]))
    if len(short) < FUZZY_WORDS:
        return None
    # Every way of being one quote needs most of the shorter one's words in the other: most candidates a key
    # lookup brings stop here, before any alignment.
    # Each word missing from the other takes at least one place: a set difference (in C) turns most away.
    missing = sa - sb
    need = min(FUZZY_SHARE, FUZZY_JACCARD) * len(short)
    if len(short) - len(missing) < need:
        return None
    present = len(short) - (sum(short.count(t) for t in missing) if missing else 0)
    if present < need:
        return None
    if len(short) >= CONTAINED_WORDS and present == len(short) and _contains(long_, short):
        return "contained"
    if len(sa & sb) / len(sa | sb) >= FUZZY_JACCARD:
        return "fuzzy"
    if len(short) >= CONTAINED_WORDS and present >= FUZZY_SHARE * len(short) and \
            in_order_share(short, long_) >= FUZZY_SHARE:
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
