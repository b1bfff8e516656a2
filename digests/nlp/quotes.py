"""Direct quotes and their speakers: quote spans by quotation marks, speakers by speech verbs and names."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from digests.models import Quote
from digests.nlp.speakers import ROLE_NOUNS, TITLE_WORDS, speaker_key

# --- quotation marks -------------------------------------------------------------------------------------

# Doubled single marks stand in for double ones in some feeds ("‘‘...’’").
_MARK = re.compile(r"‘‘|’’|''|[“”\"«»„]")
_OPENERS = frozenset({"“", "«", "„", "‘‘"})
_CLOSERS = frozenset({"”", "»", "’’"})
_TOGGLES = frozenset({'"', "''"})

# --- speech verbs ------------------------------------------------------------------------------------------

_CUE_LEMMAS = {
    "say": ("said", "says", "say", "saying"),
    "tell": ("told", "tells", "tell", "telling"),
    "write": ("wrote", "writes", "write", "writing", "written"),
    "speak": ("spoke", "speaks", "speaking"),
    "tweet": (),
    "add": (),
    "argue": (),
    "ask": (),
    "explain": (),
    "note": (),
    "state": (),
    "conclude": (),
    "continue": (),
    "declare": (),
    "insist": (),
    "recall": (),
    "reply": ("replied", "replies", "replying"),
    "respond": (),
    "remark": (),
    "warn": (),
    "urge": (),
    "acknowledge": (),
    "admit": ("admitted", "admits", "admitting"),
    "announce": (),
    "claim": (),
    "comment": (),
    "confirm": (),
    "suggest": (),
    "testify": ("testified", "testifies", "testifying"),
    "post": (),
    "shout": (),
    "chant": (),
    "yell": (),
    "joke": (),
    "caution": (),
    "predict": (),
    "emphasize": (),
    "emphasise": (),
    "stress": ("stressed", "stresses", "stressing"),
    "observe": (),
    "agree": (),
    "complain": (),
    "concede": (),
    "counter": (),
    "maintain": (),
    "muse": (),
    "quip": ("quipped", "quips", "quipping"),
    "reiterate": (),
    "report": (),
    "reveal": (),
    "boast": (),
    "lament": (),
    "vow": (),
    "promise": (),
    "assert": (),
    "contend": (),
    "recount": (),
    "exclaim": (),
    "scream": (),
    "whisper": (),
    "mutter": (),
    "plead": (),
    "beg": ("begged", "begs", "begging"),
    "demand": (),
    "tout": (),
    "offer": (),
    "read": ("read", "reads"),
    "describe": (),
    "call": (),
    "announce ": (),
    "allege": (),
    "charge": (),
    "conclude ": (),
    "opine": (),
    "cry": ("cried", "cries", "crying"),
    "laugh": (),
    "sigh": (),
    "hint": (),
}


def _inflect(lemma: str) -> tuple[str, ...]:
    lemma = lemma.strip()
    if lemma.endswith("e"):
        return (lemma + "d", lemma + "s", lemma, lemma[:-1] + "ing")
    return (lemma + "ed", lemma + "s", lemma, lemma + "ing")


_CUE_FORMS: dict[str, str] = {}
for _lemma, _forms in _CUE_LEMMAS.items():
    for _f in _forms or _inflect(_lemma):
        _CUE_FORMS.setdefault(_f, _lemma.strip())
_PHRASAL = ("according to", "pointed out", "points out", "point out", "went on", "goes on", "put it", "puts it")
_CUE_ALT = "|".join(sorted([re.escape(p).replace(r"\ ", r"\s+") for p in _PHRASAL] + list(_CUE_FORMS), key=len,
                           reverse=True))
_CUE = re.compile(rf"\b(?:{_CUE_ALT})\b")
# Verbs that take a quote only with a "that"/object: weak cues, used when nothing stronger is near.
_WEAK_CUES = frozenset({"call", "describe", "offer", "read", "post", "report", "continue", "charge", "tout",
                        "counter", "promise", "demand", "maintain", "note", "state", "agree", "laugh", "hint",
                        "speak", "recall", "ask", "claim"})

# --- words -------------------------------------------------------------------------------------------------

_UP = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĖĘĚĜĞĠĢĤĦĨĪĮİĴĶĹĻĽĿŁŃŅŇŌŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽ"
_CAP_TOKEN = rf"(?:[{_UP}]\.(?:[{_UP}]\.)+|[{_UP}][\w'’\-]*(?:\.(?=\s+[{_UP}]))?)"
_PARTICLES = r"(?:de|da|del|della|di|du|van|von|der|den|ter|bin|ibn|al|el|la|le|dos|das|y|St\.)"
_NAME_RUN = re.compile(rf"{_CAP_TOKEN}(?:\s+(?:{_PARTICLES}\s+)?{_CAP_TOKEN})*")
_SENT_END = re.compile(r"[.!?…][\"”’)]*\s+(?=[\"“‘(]?[" + _UP + r"0-9])")

_PRONOUNS = {"he": "m", "she": "f", "him": "m", "her": "f", "his": "m", "they": "p", "it": "n", "we": "p",
             "i": "s", "you": "s", "them": "p", "its": "n", "their": "p"}
_SUBJ_PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i"})

# Capitalized words that start sentences or name things that are never speakers by themselves.
_STOP_CAPS = frozenset(
    """
    the a an and but or so if when while after before as at by for from in into of on to with without this
    that these those there here then than he she it they we i you his her its their our my your me us them
    who what where why how which whose also yet still however meanwhile moreover instead indeed although
    though because since until unless despite during according many some most more all both each every
    one two three four five six seven eight nine ten no not none nor another other such only just even
    mr mrs ms dr monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december today yesterday tomorrow last next new watch read
    more video photo file click related advertisement subscribe follow share email article continued below
    like well yes oh ok okay now first later earlier
    """.split()
)
_MONTHS_DAYS = frozenset(
    """
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december jan feb mar apr jun jul aug sep sept oct nov dec
    """.split()
)
# Heads of organization names: such a run is an organization, not a person.
_ORG_WORDS = frozenset(
    """
    ministry department government party council commission committee court office agency bureau service
    services police university college school institute association union league club team society
    foundation fund bank company corp corporation inc ltd llc group news times post press journal
    herald star globe mail tribune network radio tv television report board authority centre center
    hospital clinic church city county province state republic nations organization organisation army
    navy force forces guard house senate parliament congress assembly coalition alliance federation
    campaign project program programme initiative canada america china россия hydro airlines airways
    energy media studio studios records games labs systems technologies motors
    """.split()
)
_COLLECTIVE = frozenset(
    """
    police officials authorities organizers organisers protesters residents witnesses experts critics
    officers investigators prosecutors researchers doctors lawyers parents students neighbours neighbors
    sources observers analysts economists scientists supporters opponents demonstrators fans players
    members staff teachers workers voters leaders activists advocates
    """.split()
)
_DETERMINERS = frozenset({"the", "a", "an", "his", "her", "its", "their", "our", "this", "that", "one", "another"})
_SKIP_BEFORE_CUE = re.compile(
    r"(?:\s+(?:also|later|then|previously|reportedly|recently|once|further|again|simply|only|earlier|"
    r"has|have|had|would|will|could|might|may|should|did|does|do|was|were|is|are|had\s+earlier|"
    r"[a-z]+ly))+\s*$"
)
_POSS = re.compile(r"['’]s$")


@dataclass(slots=True)
class _Span:
    start: int
    end: int
    open_at: int  # position of the opening mark
    close_at: int  # position just past the closing mark (== end when unclosed)
    para: int
    para_start: int
    para_end: int
    closed: bool
    continued: bool = False  # opens a paragraph that continues the previous paragraph's quote


@dataclass(slots=True)
class _Mention:
    text: str
    kind: str  # name, pron, nominal
    start: int
    role: str | None = None
    cue: str | None = None


@dataclass(slots=True)
class _Person:
    name: str
    tokens: tuple[str, ...]
    role: str | None = None
    gender: str | None = None
    org: bool = False
    positions: list[int] = field(default_factory=list)


# --- quote spans -------------------------------------------------------------------------------------------


def _find_spans(text: str) -> list[_Span]:
    spans: list[_Span] = []
    open_prev = False
    for pi, para in enumerate(re.finditer(r"[^\n]+", text)):
        p0, p1 = para.start(), para.end()
        body = para.group()
        open_at: int | None = None
        open_mark = 0
        first_mark = True
        continued = False
        for m in _MARK.finditer(body):
            mark = m.group()
            if open_at is None:
                if mark in _OPENERS or mark in _TOGGLES:
                    open_at, open_mark = m.end(), m.start()
                    continued = first_mark and open_prev and not body[: m.start()].strip()
            elif mark in _CLOSERS or mark in _TOGGLES:
                _add_span(spans, text, p0 + open_at, p0 + m.start(), p0 + open_mark, p0 + m.end(), pi, p0, p1,
                          True, continued)
                open_at = None
            # An opener inside an open quote is a nested or stray mark: the quote goes on.
            first_mark = False
        open_prev = open_at is not None
        if open_at is not None:
            _add_span(spans, text, p0 + open_at, p1, p0 + open_mark, p1, pi, p0, p1, False, continued)
    return spans


def _add_span(spans: list[_Span], text: str, s: int, e: int, mark: int, after: int, pi: int, p0: int, p1: int,
              closed: bool, continued: bool) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if e > s:
        spans.append(_Span(s, e, mark, after, pi, p0, p1, closed, continued))


def _word_count(s: str) -> int:
    return len(re.findall(r"\w+(?:['’]\w+)*", s))


# --- names -------------------------------------------------------------------------------------------------


def _clean_run(run: str, start: int) -> tuple[str, int]:
    """Drop sentence-start words and possessives at the edges of a capitalized run."""
    words = run.split()
    offset = start
    while words and (words[0].lower().rstrip(".") in _STOP_CAPS and not _is_title_word(words[0])):
        offset += len(words[0])
        rest = run[offset - start :]
        offset += len(rest) - len(rest.lstrip())
        words = words[1:]
    if words and words[-1].endswith(".") and not _is_abbrev(words[-1]):
        words[-1] = words[-1][:-1]
    return " ".join(words), offset


def _is_abbrev(word: str) -> bool:
    core = word.rstrip(".")
    return len(core) == 1 or "." in core or core.lower() in TITLE_WORDS or core.lower() in {"jr", "sr", "st"}


def _is_title_word(word: str) -> bool:
    return word.rstrip(".").lower() in TITLE_WORDS


def _split_title(words: list[str]) -> tuple[list[str], list[str]]:
    """Split capitalized words into (title words, name words)."""
    last = -1
    i = 0
    while i < len(words):
        lw = words[i].rstrip(".").lower()
        if lw in TITLE_WORDS:
            last = i
        elif lw in ("of", "for") and last == i - 1 and i + 1 < len(words):
            # "Minister of Foreign Affairs Wen Li": the title runs on; keep the last two words as the name.
            if len(words) - i - 1 > 2:
                last = len(words) - 3
            break
        elif lw in ("general", "d'affaires", "d’affaires") and last == i - 1:
            last = i
        i += 1
    if last >= 0 and last < len(words) - 1:
        # A nationality or place adjective before the title belongs to the title ("Ruritanian President").
        return words[: last + 1], words[last + 1 :]
    return [], words


def _person_like(words: list[str]) -> bool:
    if not 2 <= len(words) <= 4:
        return False
    for w in words:
        lw = w.lower().rstrip(".")
        if lw in _ORG_WORDS or lw in _STOP_CAPS or lw in _MONTHS_DAYS:
            return False
        if len(w) > 1 and w.isupper() and "." not in w:
            return False
        if not w[0].isupper() and w not in ("de", "da", "del", "van", "von", "der", "bin", "al", "la", "le", "di"):
            return False
    return True


_ROLE_STOP = frozenset(
    """
    the a an and or but with by to from at in on for of said says told that which who whom whose is was are
    were has had have be been being as than while when after before his her its their our my your this these
    those met interviewed including like said, between among against about into onto over under
    """.split()
)


def _role_before(text: str, start: int) -> str | None:
    """Return a lower-case role phrase right before a name ("press secretary" in "press secretary Jo Roe")."""
    window = text[max(0, start - 80) : start]
    words = window.split()
    if not words:
        return None
    last = words[-1]
    if not last[0].islower() or last.lower().strip(",") not in ROLE_NOUNS or last.endswith(","):
        return None
    keep: list[str] = []
    for w in reversed(words):
        bare = w.strip("“”\"()")
        if not bare or bare != w or w.endswith((",", ".", ";", ":")):
            break
        lw = bare.lower()
        if lw in _ROLE_STOP or lw.endswith("ly"):
            break
        if _POSS.search(bare):
            keep.append(bare)
            break
        keep.append(bare)
        if len(keep) >= 6:
            break
    keep.reverse()
    return " ".join(keep) or None


def _appositive_after(text: str, end: int) -> str | None:
    """Return a role given after a name between commas ("Jo Roe, director of the fund, said")."""
    m = re.match(r",\s+([^,.;:“”\"()]{2,90}?)(?=\s*[,.;:)]|\s+(?:said|says|told|who)\b)", text[end : end + 120])
    if not m:
        return None
    chunk = m.group(1).strip()
    words = chunk.split()
    if not words or words[0][0].isdigit():
        return None
    if words[0].lower() in ("the", "a", "an"):
        words = words[1:]
    if not words:
        return None
    heads = [w.lower().strip("’'") for w in words[:6]]
    if not any(h in ROLE_NOUNS or h.rstrip("s") in ROLE_NOUNS for h in heads):
        return None
    if words[0][0].isupper() and not _is_title_word(words[0]) and len(words) > 1 and not any(
        w[0].islower() for w in words
    ):
        return None
    return " ".join(words)


def _appositive_before(text: str, start: int) -> str | None:
    """Return a role given before a name and a comma ("The fund's director, Jo Roe, said")."""
    window = text[max(0, start - 90) : start]
    if not window.endswith(", "):
        return None
    chunk = re.split(r"[,.;:“”\"()]|\s—\s", window[:-2])[-1].strip()
    words = chunk.split()
    if not words or len(words) > 8:
        return None
    if words[0].lower() in ("the", "a", "an"):
        words = words[1:]
    if not words:
        return None
    if not any(w.lower().strip("’'") in ROLE_NOUNS for w in words):
        return None
    return " ".join(words)


class _Names:
    """Person and organization names of one article, for resolving surnames and pronouns."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.persons: dict[str, _Person] = {}
        self.by_token: dict[str, list[_Person]] = {}
        self.positions: list[int] = []
        self.at: list[_Person] = []
        runs: list[tuple[str, int, int]] = []
        for m in _NAME_RUN.finditer(text):
            for part, off in _split_possessive(m.group(), m.start()):
                name, s = _clean_run(part, off)
                if name:
                    runs.append((name, s, s + len(name)))
        for name, s, e in runs:
            words = name.split()
            title, rest = _split_title(words)
            if not _person_like(rest):
                continue
            full = " ".join(rest)
            key = speaker_key(full)
            p = self.persons.get(key)
            if p is None:
                p = _Person(full, tuple(key.split()))
                self.persons[key] = p
                for t in p.tokens:
                    self.by_token.setdefault(t, []).append(p)
            if p.role is None:
                name_start = s + len(" ".join(title)) + (1 if title else 0)
                role = " ".join(title) if title else None
                lower = _role_before(text, s)
                if lower:
                    role = f"{lower} {role}" if role else lower
                if not role or (len(title) == 1 and title[0].rstrip(".").lower() in {"mr", "mrs", "ms", "dr"}):
                    role = _appositive_before(text, s) or _appositive_after(text, e) or role
                if role and role.rstrip(".").lower() not in {"mr", "mrs", "ms", "miss", "dr"}:
                    p.role = role
                del name_start
            if p.gender is None and words and words[0].rstrip(".").lower() in ("mr",):
                p.gender = "m"
            elif p.gender is None and words and words[0].rstrip(".").lower() in ("mrs", "ms", "miss"):
                p.gender = "f"
        # Second pass: every mention, full or surname, with its position, for pronoun resolution.
        marks: list[tuple[int, _Person]] = []
        for name, s, _e in runs:
            p2 = self.resolve_name(name)
            if p2 is not None:
                marks.append((s, p2))
                p2.positions.append(s)
        marks.sort(key=lambda x: x[0])
        self.positions = [m[0] for m in marks]
        self.at = [m[1] for m in marks]
        self._learn_genders()

    def _learn_genders(self) -> None:
        # A he/she shortly after a lone person mention, with no other person between, tells the gender.
        for m in re.finditer(r"\b(he|she|He|She|his|her|His|Her)\b", self.text):
            i = bisect.bisect_left(self.positions, m.start()) - 1
            if i < 0 or m.start() - self.positions[i] > 200:
                continue
            p = self.at[i]
            if p.gender is None and (i == 0 or self.at[i - 1] is p or self.positions[i] - self.positions[i - 1] > 0):
                p.gender = _PRONOUNS[m.group().lower()]

    def resolve_name(self, name: str) -> _Person | None:
        """Return the person a name mention refers to, if the article names them."""
        words = name.split()
        _title, rest = _split_title(words)
        if not rest:
            return None
        key = speaker_key(" ".join(rest))
        if not key:
            return None
        p = self.persons.get(key)
        if p is not None:
            return self._fullest(p)
        toks = tuple(key.split())
        cands = [c for c in self.by_token.get(toks[-1], []) if c.tokens[-len(toks):] == toks]
        if not cands and len(toks) == 1:
            cands = [c for c in self.by_token.get(toks[0], []) if c.tokens[0] == toks[0]]
        if not cands:
            return None
        return self._fullest(max(cands, key=lambda c: (len(c.positions), len(c.tokens))))

    def _fullest(self, p: _Person) -> _Person:
        # "Jo Roe" may also appear as "Jo A. Roe": prefer the longest name ending the same way.
        longer = [c for c in self.by_token.get(p.tokens[-1], []) if len(c.tokens) > len(p.tokens)
                  and c.tokens[-1] == p.tokens[-1] and c.tokens[0] == p.tokens[0]]
        return max(longer, key=lambda c: len(c.tokens)) if longer else p

    def recent_person(self, pos: int, gender: str | None, floor: int = 0) -> _Person | None:
        """Return the person mentioned last before ``pos`` whose gender fits."""
        i = bisect.bisect_left(self.positions, pos) - 1
        while i >= 0 and self.positions[i] >= floor:
            p = self.at[i]
            if gender is None or p.gender is None or p.gender == gender:
                return p
            i -= 1
        return None


def _split_possessive(run: str, start: int) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    pos = 0
    for m in re.finditer(r"['’]s?\b", run):
        if m.end() == len(run) or run[m.end()] == " ":
            out.append((run[pos : m.start()], start + pos))
            pos = m.end()
            while pos < len(run) and run[pos] == " ":
                pos += 1
    out.append((run[pos:], start + pos))
    return [(r, s) for r, s in out if r.strip()]


# --- speaker mentions around a quote ----------------------------------------------------------------------


def _cut_sentence_start(pre: str) -> int:
    last = 0
    for m in _SENT_END.finditer(pre):
        last = m.end()
    return last


def _cut_sentence_end(post: str) -> int:
    m = _SENT_END.search(post)
    return m.start() + 1 if m else len(post)


_NAME_AT_END = re.compile(rf"((?:{_CAP_TOKEN})(?:\s+(?:{_PARTICLES}\s+)?(?:{_CAP_TOKEN}))*)\s*$")
_NAME_AT_START = re.compile(rf"^\s*((?:{_CAP_TOKEN})(?:\s+(?:{_PARTICLES}\s+)?(?:{_CAP_TOKEN}))*)")


def _subject_before(s: str, base: int) -> _Mention | None:
    """Return the subject mention at the end of ``s`` (the text before a speech verb)."""
    s = _SKIP_BEFORE_CUE.sub("", s)
    stripped = s.rstrip()
    role: str | None = None
    if stripped.endswith(","):
        # "Jo Roe, director of the fund, said": the name is before the appositive.
        inner = stripped[:-1]
        cut = max(inner.rfind(","), inner.rfind("—"), inner.rfind("("))
        if cut >= 0:
            appos = inner[cut + 1 :].strip(" ()")
            head = inner[:cut].rstrip()
            sub = _subject_before(head, base)
            if sub is not None and sub.kind == "name":
                if appos and not appos[0].isdigit():
                    sub.role = sub.role or _trim_role(appos)
                return sub
            # "The fund's director, Jo Roe, said": the appositive is the name.
            m = _NAME_AT_END.search(appos)
            if m and m.group(1) == appos:
                return _Mention(appos, "name", base + cut + 1, role=_trim_role(head))
        stripped = inner
    m = re.search(r"\b([A-Za-z]+)\s*$", stripped)
    if m and m.group(1).lower() in _SUBJ_PRONOUNS and (m.group(1) != "I" or True):
        return _Mention(m.group(1), "pron", base + m.start(1))
    m = _NAME_AT_END.search(stripped)
    if m:
        name, off = _clean_run(m.group(1), m.start(1))
        if name and not (len(name.split()) == 1 and name.lower() in _STOP_CAPS):
            words = name.split()
            if len(words) == 1 and _POSS.search(name):
                name = _POSS.sub("", name)
            prev = stripped[:off].rstrip().split()
            if prev and prev[-1].lower() in _DETERMINERS and prev[-1][0].islower():
                # "the Assembly of Nations said": an organization named with an article.
                return _Mention(f"{prev[-1]} {name}", "nominal", base + off)
            return _Mention(name, "name", base + off)
    words = stripped.split()
    if not words:
        return None
    tail = words[-8:]
    for i in range(len(tail) - 1, -1, -1):
        w = tail[i].lower()
        if w in _DETERMINERS or _POSS.search(tail[i]):
            if i == len(tail) - 1:
                return None
            phrase = " ".join(tail[i:])
            if any(c in phrase for c in "“”\""):
                return None
            return _Mention(phrase, "nominal", base + stripped.rfind(phrase))
        if w in _ROLE_STOP or w.endswith(("ed", "ing")) and w not in ROLE_NOUNS:
            break
    last = words[-1].lower()
    if last in _COLLECTIVE:
        return _Mention(words[-1], "nominal", base + stripped.rfind(words[-1]))
    return None


def _trim_role(s: str) -> str | None:
    words = s.strip().split()
    if words and words[0].lower() in ("the", "a", "an"):
        words = words[1:]
    if not words or len(words) > 12:
        return None
    return " ".join(words)


_AFTER_STOP = re.compile(r",|\.(?:\s|$)|;|:|—|\(|\s(?:who|which|in|on|at|during|after|before|when|while|as|from|"
                         r"to|with|about|last|this|earlier|later|told|said|says|adding|noting)\b")


def _mention_after(s: str, base: int) -> _Mention | None:
    """Return the mention right after a verb-first speech verb ("said Jo Roe, director of the fund")."""
    m = re.match(r"\s*([A-Za-z]+)\b", s)
    if not m:
        return None
    if m.group(1).lower() in _SUBJ_PRONOUNS:
        return _Mention(m.group(1), "pron", base + m.start(1))
    m = _NAME_AT_START.match(s)
    if m:
        name, off = _clean_run(m.group(1), m.start(1))
        if name:
            rest = s[off + len(name) :]
            role = None
            ra = re.match(r",\s+([^,.;:“”\"]{2,90}?)(?=\s*(?:[,.;:]|$))", rest)
            if ra and ra.group(1)[:1].islower() or (ra and _is_title_word(ra.group(1).split()[0])):
                role = _trim_role(ra.group(1))
            if _POSS.search(name):
                return None
            return _Mention(name, "name", base + off, role=role)
    stop = _AFTER_STOP.search(s)
    phrase = s[: stop.start()] if stop else s
    phrase = phrase.strip()
    words = phrase.split()
    if not words or len(words) > 9:
        return None
    if words[0].lower() not in _DETERMINERS and not _POSS.search(words[0]) and words[-1].lower() not in _COLLECTIVE:
        return None
    if any(c in phrase for c in "“”\""):
        return None
    return _Mention(phrase, "nominal", base + s.find(phrase))


def _attribution_after(text: str, span: _Span, limit: int) -> _Mention | None:
    """Find "..., said X" / "..., X said" right after a quote's closing mark."""
    post = text[span.close_at : limit]
    end = _cut_sentence_end(post)
    if span.continued is False and not span.closed:
        return None
    post = post[:end]
    lead = re.match(r"[\s,—–\-:]*", post)
    assert lead is not None
    body = post[lead.end() :]
    base = span.close_at + lead.end()
    if not body:
        return None
    qlast = text[span.end - 1] if span.end > span.start else ""
    # A full stop inside the marks ends the sentence: what follows only attributes it if it starts lower case
    # or is a short "X said." sentence.
    m = _CUE.search(body)
    if not m or m.start() > 60:
        return None
    before = body[: m.start()]
    if qlast == "." and body[:1].isupper() and len(before.split()) > 4:
        return None
    if "“" in before or '"' in before:
        return None
    cue = re.sub(r"\s+", " ", m.group())
    if cue in ("read", "reads") and before.strip():
        return None
    if before.strip():
        sub = _subject_before(before, base)
        if sub is None:
            return None
        # Too far from the quote to be its attribution unless a short subject.
        if len(before.split()) > 12:
            return None
        sub.cue = cue
        if sub.role is None:
            sub.role = _appositive_after(text, base + m.end()) if False else None
        return sub
    after = _mention_after(body[m.end() :], base + m.end())
    if after is not None:
        after.cue = cue
    return after


def _attribution_before(text: str, span: _Span, floor: int) -> _Mention | None:
    """Find "X said: ..." or "X said the plan "..." in the sentence before a quote's opening mark."""
    pre = text[floor : span.open_at]
    cut = _cut_sentence_start(pre)
    pre = pre[cut:]
    base = floor + cut
    best = None
    for m in _CUE.finditer(pre):
        best = m
    if best is None:
        return None
    cue = re.sub(r"\s+", " ", best.group())
    before = pre[: best.start()]
    after = pre[best.end() :]
    lemma = _CUE_FORMS.get(cue, cue)
    if cue == "according to":
        men = _mention_after(after, base + best.end())
        if men is not None:
            men.cue = cue
        return men
    if lemma in _WEAK_CUES and len(after.split()) > 6:
        return None
    # Inverted "said Jo Roe: "..."" directly before the quote.
    tail = after.strip()
    if tail.endswith(":") or tail.endswith(","):
        inv = _mention_after(after, base + best.end())
        if inv is not None and inv.kind == "name" and len(tail.split()) <= 5:
            inv.cue = cue
            return inv
    sub = _subject_before(before, base)
    if sub is None:
        sub = _relative_subject(before, base)
    if sub is not None:
        sub.cue = cue
    return sub


def _relative_subject(before: str, base: int) -> _Mention | None:
    """Return the antecedent of "who ... added" or the subject of a participle cue ("..., telling")."""
    m = re.search(r"\bwho\b[^,]*$", before)
    if m:
        head = before[: m.start()].rstrip()
        if head.endswith(","):
            head = head[:-1]
            cut = head.rfind(",")
            if cut >= 0 and not _NAME_AT_END.search(head[cut + 1 :].strip()):
                head = head[:cut]
        return _subject_before(head, base)
    # The sentence subject: the first person-looking name in the clause.
    for nm in _NAME_RUN.finditer(before):
        for part, off in _split_possessive(nm.group(), nm.start()):
            name, s = _clean_run(part, off)
            _t, rest = _split_title(name.split())
            if _person_like(rest):
                return _Mention(name, "name", base + s)
    return None


# --- attribution -------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Speaker:
    name: str | None
    role: str | None
    person: _Person | None


def _resolve(men: _Mention, names: _Names, last: _Speaker | None, para_start: int) -> _Speaker:
    if men.kind == "name":
        p = names.resolve_name(men.text)
        if p is not None:
            return _Speaker(p.name, men.role or p.role, p)
        _title, rest = _split_title(men.text.split())
        name = " ".join(rest) if rest else men.text
        role = men.role or (" ".join(_title) if _title else None)
        return _Speaker(name, role, None)
    if men.kind == "pron":
        w = men.text.lower()
        if w in ("he", "she"):
            gender = _PRONOUNS[w]
            if last is not None and last.person is not None and (
                last.person.gender in (None, gender)
            ):
                recent = names.recent_person(men.start, gender)
                if recent is None or recent is last.person or not _between_speakers(names, last, recent, men):
                    return last
                return _Speaker(recent.name, recent.role, recent)
            p = names.recent_person(men.start, gender)
            if p is not None:
                return _Speaker(p.name, p.role, p)
            return last if last is not None else _Speaker(None, None, None)
        if last is not None:
            return last
        return _Speaker(None, None, None)
    phrase = men.text
    if men.text.split()[0].lower() in ("his", "her") and last is not None:
        return last
    head = phrase.split()[-1].lower().strip(",")
    if head in ROLE_NOUNS or head.rstrip("s") in ROLE_NOUNS:
        # "the longtime coach said": a description of a person named earlier.
        p = names.recent_person(men.start, None, floor=max(0, men.start - 2000))
        if last is not None and last.person is not None:
            return last
        if p is not None:
            return _Speaker(p.name, p.role, p)
    return _Speaker(phrase, None, None)


def _between_speakers(names: _Names, last: _Speaker, recent: _Person, men: _Mention) -> bool:
    # A different person mentioned after the last speaker's latest mention takes over the pronoun.
    if last.person is None or not last.person.positions:
        return True
    lp = max((p for p in last.person.positions if p < men.start), default=-1)
    rp = max((p for p in recent.positions if p < men.start), default=-1)
    return rp > lp


def extract_quotes(text: str) -> list[Quote]:
    """Return every direct quote in ``text`` with its speaker, in text order."""
    spans = _find_spans(text)
    if not spans:
        return []
    names = _Names(text)
    out: list[Quote] = []
    last: _Speaker | None = None
    for i, span in enumerate(spans):
        prev_in_para = spans[i - 1] if i > 0 and spans[i - 1].para == span.para else None
        next_in_para = spans[i + 1] if i + 1 < len(spans) and spans[i + 1].para == span.para else None
        limit = next_in_para.open_at if next_in_para else span.para_end
        floor = prev_in_para.close_at if prev_in_para else span.para_start
        quote = text[span.start : span.end]
        men = _attribution_after(text, span, limit) if span.closed else None
        if men is None and not span.continued:
            men = _attribution_before(text, span, floor)
        if men is not None:
            spk = _resolve(men, names, last, span.para_start)
            cue, mention = men.cue, men.text
        else:
            spk = last if last is not None else _Speaker(None, None, None)
            cue, mention = None, None
        if _word_count(quote) <= 2 and not _standalone(text, span):
            continue
        out.append(Quote(quote, span.start, span.end, spk.name, spk.role, cue, mention))
        if spk.name is not None:
            last = spk
    return out


def _standalone(text: str, span: _Span) -> bool:
    # A short quote that is a whole utterance ("Never!") rather than a scare-quoted word.
    inner = text[span.start : span.end]
    return inner[-1:] in ".!?" and inner[:1].isupper()


_BOILERPLATE = re.compile(
    r"\b(?:no comment|declined to comment|could not be reached|did not respond|thank you|thanks)\b", re.I
)


def is_key_quote(q: Quote) -> bool:
    """Return whether a quote is worth showing: named speaker, a full clause, 8-60 words, not boilerplate."""
    if not q.speaker:
        return False
    n = _word_count(q.quote)
    if n < 8 or n > 60:
        return False
    if _BOILERPLATE.search(q.quote):
        return False
    # A full clause starts like a sentence; fragments after "said the plan" start in lower case.
    first = q.quote.lstrip("‘'(…. ")[:1]
    return first.isupper() or first.isdigit()
