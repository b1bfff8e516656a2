"""Who or what a timeline is about, and which sentences of an article it takes part in.

A sentence takes part when it names the subject (every word of the request, in order, a few words apart at
most: "the Beatles' Apple Corps" names "Beatles Apple Corps"), uses a short form of a name the article gave in
full (a person's surname, "Apple Corps" for "Beatles Apple Corps", "iTunes" for "iTunes store", never a
model word cut off: "iPhone" alone is not "iPhone 4"), or opens with a pronoun or a description ("he", "it",
"the store", "the chief executive") while the subject is the one the text is talking about: the last sentence
that named someone named it first, or took it up in the same way.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from digests.nlp.speakers import ROLE_NOUNS

_TOKEN = re.compile(r"[^\W_]+(?:[.'’&-][^\W_]+)*", re.UNICODE)
# Words of a request that name nothing by themselves.
_STOP = frozenset(
    "the a an of and or in on at for to by with from about as is are was were be 's its their his her".split()
)
# Words that make a run of capitalised words an organisation or a thing rather than a person.
_ORG_WORDS = frozenset(
    """inc corp corps co ltd llc plc group company bank store music records apple party union council
    court house ministry department agency university college school association league club team
    news times post press network airlines airways motors motor works industries holdings partners capital
    foundation institute trust authority commission board services airport railway railways hospital
    museum theatre church systems technologies energy electric power foods""".split()
)
_PERSON_PRONOUNS = frozenset({"he", "she", "his", "her"})
_THING_PRONOUNS = frozenset({"it", "its", "they", "their"})
# Descriptions that take up an organisation or a product already in focus.
_THING_HEADS = frozenset(
    """company firm group maker manufacturer corporation business label store service shop retailer
    device phone product handset player computer machine model site platform network court party
    government team club organisation organization agency automaker carmaker airline planemaker bank lender
    insurer giant index market exchange""".split()
)
# Words that may open a sentence before its subject: "But he", "However, the company", "In 2004 he".
_LEAD_IN = frozenset(
    """but and yet so however meanwhile still also then later earlier now today yesterday instead
    since after before in on at by during last this next""".split()
)
_LEAD_IN_MAX = 4
# Words after a name that do not make it a modifier: verbs, auxiliaries, prepositions, conjunctions.
_NOT_NOUNS = frozenset(
    """is are was were be been being has have had do does did will would can could shall should may might must
    said says say told tells announced and or nor but yet so of in on at to for from by with as that which who
    whom whose what when where while whether if because although though unless than then also now still
    already not never again today yesterday tomorrow itself herself himself themselves about above across after
    against along among around before behind below beneath beside besides between beyond despite down during
    except inside into like near off onto out outside over past since through throughout till toward towards
    under underneath until up upon via within without here there just only even too very both either neither
    all each every this these those it its he she they we you i began begun became won lost made took gave got
    went came saw sold bought held kept left led ran rose fell met paid sent set spent stood wrote unveiled""".split()
)
_HEAD_CHARS = 64
_DETERMINERS = frozenset("the a an its their his her our my your this that these those every each".split())
_HONORIFICS = frozenset("mr mrs ms dr sir dame lord lady prof president senator judge".split())


def tokens(text: str) -> list[tuple[str, int, int]]:
    """Return the words of a text with their offsets (a full stop after a word is left out)."""
    return [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _namey(word: str) -> bool:
    """True for a word written like a name: a capital anywhere ("iPhone") or a digit ("4", "3G")."""
    return not word.islower() or any(c.isdigit() for c in word)


@dataclass(frozen=True, slots=True)
class Subject:
    """What a timeline was asked about: its words, its short forms and how the text refers back to it."""

    words: tuple[str, ...]
    person: bool
    short_forms: tuple[tuple[str, ...], ...]
    heads: frozenset[str]
    is_name: bool  # it names someone or something, not a plain topic word like "floods"

    @classmethod
    def parse(cls, about: str) -> Subject | None:
        """Return the subject of a request, or None when it holds no word to look for."""
        words = tuple(w for w, _, _ in tokens(about) if w.lower() not in _STOP)
        if not words:
            return None
        named = [w for w in words if _namey(w)]
        lowered = {w.lower() for w in words}
        person = (2 <= len(words) <= 3 and len(named) == len(words)
                  and all(w[0].isupper() and w[1:].islower() and w.isalpha() for w in words)
                  and not lowered & _ORG_WORDS)
        shorts: list[tuple[str, ...]] = []
        if person:
            shorts.append((words[-1],))  # the surname
        elif len(named) >= 2 and len(words) >= 3:
            # "Apple Corps" or "Beatles Apple" for "Beatles Apple Corps": runs of two or more of its words.
            for i in range(len(words)):
                for j in range(i + 2, len(words) + 1):
                    if j - i < len(words) and all(_namey(w) for w in words[i:j]):
                        shorts.append(words[i:j])
        if not person and len(named) >= 2 and all(w[0].isupper() for w in named):
            # "GM" for "General Motors", "ECB" for "European Central Bank": initials, once the article
            # has given the name in full.
            shorts.append(("".join(w[0] for w in named),))
        if len(named) == 1 and len(words) >= 2 and not any(any(c.isdigit() for c in w) for w in words):
            # "iTunes" for "iTunes store"; never "iPhone" for "iPhone 4" (a model number tells models apart).
            shorts.append((named[0],))
        heads = frozenset(w.lower() for w in words if not _namey(w)) if named else frozenset()
        return cls(words=words, person=person, short_forms=tuple(shorts), heads=heads, is_name=bool(named))

    def word_pattern(self) -> re.Pattern[str]:
        """Return a pattern that finds any of the subject's words (a quick test before reading a sentence)."""
        return _word_pattern(tuple(dict.fromkeys(self.words + tuple(w for f in self.short_forms for w in f))))


@functools.lru_cache(maxsize=256)
def _word_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + ")", re.IGNORECASE)


def _forms(word: str, exact_case: bool) -> frozenset[str]:
    """Return the spellings a word of the subject may take in a text (possessive; plural for a topic word)."""
    base = word if exact_case else word.lower()
    forms = {base}
    if not exact_case and base.isalpha():
        forms |= {base + "s", base + "es"}
        if base.endswith("s"):
            forms.add(base[:-1])
    if exact_case and word.islower():
        return _forms(word, False)
    return frozenset(forms | {f + "'s" for f in forms} | {f + "’s" for f in forms})


def _match_words(toks: Sequence[tuple[str, int, int]], words: Sequence[frozenset[str]], *, exact_case: bool,
                 max_gap: int) -> list[tuple[int, int]]:
    """Return (first, last) token indexes of each run of ``words``, in order, at most ``max_gap`` words apart."""
    if not words:
        return []
    seq = [w for w, _, _ in toks] if exact_case else [w.lower() for w, _, _ in toks]
    first = words[0]
    found = []
    n = len(seq)
    for i, w in enumerate(seq):
        if w not in first and not (exact_case and w.lower() in first):
            continue
        k, ok = i, True
        for nxt in words[1:]:
            for step in range(1, max_gap + 2):
                j = k + step
                if j < n and (seq[j] in nxt or (exact_case and seq[j].lower() in nxt)):
                    k = j
                    break
            else:
                ok = False
                break
        if ok:
            found.append((i, k))
    return found


@dataclass(frozen=True, slots=True)
class Mention:
    """How a sentence refers to the subject."""

    how: str  # "name", "short", "pronoun", "description"
    offsets: tuple[int, ...]  # where each mention starts in the sentence (characters)


class MentionFinder:
    """Find, sentence after sentence, where one article refers to a subject."""

    def __init__(self, subject: Subject, sentences: Sequence[str]) -> None:
        self.subject = subject
        self.sentences = sentences
        gap = 3 if subject.is_name else 0
        hit = subject.word_pattern()
        # Only a sentence holding one of the subject's words is read in full; of the others, the opening
        # words are enough (pronouns, descriptions and who the text turns to next).
        has = [hit.search(s) is not None for s in sentences]
        self._toks: list[list[tuple[str, int, int]] | None] = [tokens(s) if h else None
                                                              for s, h in zip(sentences, has, strict=True)]
        full_forms = [_forms(w, False) for w in subject.words]
        self.full = [_match_words(t, full_forms, exact_case=False, max_gap=gap) if t is not None else []
                     for t in self._toks]
        named = any(self.full)
        self.short: list[list[tuple[int, int]]] = [[] for _ in sentences]
        short_forms = [(f, [_forms(w, True) for w in f]) for f in subject.short_forms]
        if named and subject.short_forms:
            for i, t in enumerate(self._toks):
                if t is None:
                    continue
                for form, form_words in short_forms:
                    hits = _match_words(t, form_words, exact_case=True, max_gap=0)
                    # "iTunes" followed by a model word ("iTunes 7") or a surname in someone else's name
                    # ("Jobs" of "Paul Jobs") would be another thing or person.
                    hits = [h for h in hits if not _other_name(t, h[0], len(form), self.subject)
                            and not any(a <= h[0] <= b for a, b in self.full[i])]
                    self.short[i].extend(hits)
        self.heads = set(subject.heads)
        if named and subject.person:
            self.heads |= self._roles()

    def tok(self, i: int) -> list[tuple[str, int, int]]:
        """Return the words of sentence ``i`` (its opening words only, when it holds none of the subject's)."""
        t = self._toks[i]
        if t is None:
            t = self._toks[i] = tokens(self.sentences[i][:_HEAD_CHARS])
        return t

    def _roles(self) -> set[str]:
        """Return role words the article puts right before the subject's name ("Apple CEO Steve Jobs")."""
        roles: set[str] = set()
        for i, hits in enumerate(self.full):
            t = self.tok(i)
            for h, _ in hits:
                for w, _, _ in t[max(0, h - 3):h]:
                    if w.lower() in ROLE_NOUNS:
                        roles.add(w.lower())
        return roles

    def mentions(self) -> list[Mention | None]:
        """Return, per sentence, how it refers to the subject (None when it does not)."""
        out: list[Mention | None] = []
        focus = False  # whether the subject is who or what the text is talking about
        seen = False  # whether an earlier sentence named the subject
        for i in range(len(self.sentences)):
            named = sorted(self.full[i] + self.short[i])
            seen_before, seen = seen, seen or bool(named)
            if not named and (not self.subject.is_name or (not focus and not seen_before)):
                # Nothing before it can be taken up (a topic word is taken up by no pronoun): its words need no
                # reading.
                out.append(None)
                continue
            t = self.tok(i)
            if named:
                if self.subject.is_name and not self.subject.person \
                        and all(_modifier(self.sentences[i], t, first, last) for first, last in named):
                    # "the iTunes library", "iPod owners": the name only qualifies something else.
                    out.append(None)
                    continue
                out.append(Mention("name" if self.full[i] else "short", tuple(t[k][1] for k, _ in named)))
                focus = self._opens_with(t, named[0][0])
                continue
            lead = self._lead(t)
            if lead is not None and not focus and seen_before and t[lead][0].lower() == "the" \
                    and self._head(t, lead + 1, own=True, sentence=self.sentences[i]) is not None:
                # "The store" after "the iTunes store": the subject's own noun takes it up wherever it was named.
                out.append(Mention("description", (t[lead][1],)))
                focus = True
                continue
            if lead is not None and focus:
                word = t[lead][0].lower()
                pronouns = _PERSON_PRONOUNS if self.subject.person else _THING_PRONOUNS
                if word in pronouns:
                    out.append(Mention("pronoun", (t[lead][1],)))
                    continue
                if word == "the" and lead + 1 < len(t):
                    head = self._head(t, lead + 1, sentence=self.sentences[i])
                    if head is not None:
                        out.append(Mention("description", (t[lead][1],)))
                        continue
            out.append(None)
            if self._names_someone(t):
                focus = False
        return out

    def _lead(self, t: Sequence[tuple[str, int, int]]) -> int | None:
        """Return the index of the sentence's first word after an opener ("But", "In 2004,"), if any."""
        for i, (w, _, _) in enumerate(t[:_LEAD_IN_MAX + 1]):
            low = w.lower()
            if low in _LEAD_IN or w.isdigit():
                continue
            return i
        return None

    def _head(self, t: Sequence[tuple[str, int, int]], i: int, own: bool = False, sentence: str = "") -> int | None:
        """Return the index of a description's head noun ("the store", "the former chief executive").

        A thing's noun that qualifies another ("the pier café") heads nothing.
        """
        heads = self.heads if self.subject.person or own else self.heads | _THING_HEADS
        for k in range(i, min(i + 3, len(t))):
            if t[k][0].lower() in heads:
                if not self.subject.person and _modifier(sentence, t, k, k):
                    return None
                return k
        return None

    def _opens_with(self, t: Sequence[tuple[str, int, int]], at: int) -> bool:
        """True when the subject's mention opens the sentence (no other name before it)."""
        return not any(_namey(w) and i > 0 for i, (w, _, _) in enumerate(t[:at])) and at <= _LEAD_IN_MAX + 3

    def _names_someone(self, t: Sequence[tuple[str, int, int]]) -> bool:
        """True when a sentence opens with someone else's name: the focus moves to them."""
        lead = self._lead(t)
        return lead is not None and t[lead][0][:1].isupper() and t[lead][0].lower() not in _STOP \
            and t[lead][0].lower() not in _PERSON_PRONOUNS | _THING_PRONOUNS


def _modifier(sentence: str, t: Sequence[tuple[str, int, int]], first: int, last: int) -> bool:
    """True when a thing's name only qualifies a noun after it ("iPod owners", "their iTunes library").

    Telling a noun from a verb without a tagger: plurals of people ("users", "owners") are nouns; so is any
    plain word after a name that a determiner opens ("the Lumo line", "their Lumo account"), unless it names
    what the thing is ("the Lumo phone"). A bare verb after an object ("watched the Lumo dam open") is
    misread as a noun: rare in news, and the price of having no tagger.
    """
    if last + 1 >= len(t):
        return False
    word = t[last + 1][0]
    if sentence[t[last][2]:t[last + 1][1]].strip() or t[last][0].endswith(("'s", "’s")):
        return False  # a possessive ("Lumo's plan") or punctuation: no noun compound
    low = word.lower()
    if not word.isalpha() or not word.islower() or low in _NOT_NOUNS or low in _THING_HEADS \
            or low.endswith(("ed", "ly")):
        return False
    if low.endswith(("ers", "ors", "ists", "ants", "ents")):
        return True
    before = t[first - 1][0].lower() if first > 0 else ""
    return not low.endswith("s") and (before in _DETERMINERS or before.endswith(("'s", "’s")))


def _other_name(t: Sequence[tuple[str, int, int]], at: int, n: int, subject: Subject) -> bool:
    """True when a short form is part of a longer, different name ("Paul Jobs", "iPhone 3G")."""
    after = t[at + n][0] if at + n < len(t) else ""
    if after and any(c.isdigit() for c in after):
        return True
    if subject.person and at > 0:
        before = t[at - 1][0]
        if before[:1].isupper() and before.isalpha() and before not in subject.words \
                and before.lower() not in ROLE_NOUNS | _HONORIFICS and before.lower() not in _STOP:
            # A capitalised word that is no role right before a surname is another given name, unless the
            # sentence opens there ("Later Jobs said": a lead-in word).
            return at - 1 != 0 or before.lower() not in _LEAD_IN
    return False
