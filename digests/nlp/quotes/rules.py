"""Direct quotes and their speakers: quote spans by quotation marks, speakers by speech verbs and names.

A quote is the text between a pair of double quotation marks inside one paragraph; a paragraph that ends
inside a quote is continued by the next paragraph that opens with a mark (each paragraph's part is its own
``Quote`` so that ``text[start:end] == quote`` holds). A speaker is found, in this order, after the closing
mark ("...," said Jo Roe / "...," Roe said), before the opening mark in the same sentence (Roe said: "...",
Roe said the plan "..."), as the subject of a sentence that introduces the quote with a colon, and otherwise
the quote is a floating quote and goes to the running speaker. Names are resolved to the fullest form the
article gives, pronouns to the latest person in subject position.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from digests.models import Quote
from digests.nlp.quotes.spans import Span as _Span
from digests.nlp.quotes.spans import find_spans as _find_spans
from digests.nlp.speakers import ROLE_NOUNS, TITLE_WORDS, first_name_gender, given_name_gender, speaker_key

# --- speech verbs ------------------------------------------------------------------------------------------

# Verb lemmas that introduce speech. Irregular or doubled forms are spelled out.
_CUE_LEMMAS: dict[str, tuple[str, ...]] = {
    "say": ("said", "says", "say", "saying"),
    "tell": ("told", "tells", "tell", "telling"),
    "write": ("wrote", "writes", "write", "writing"),
    "speak": ("spoke", "speaks"),
    "read": ("read", "reads"),
    "reply": ("replied", "replies", "replying"),
    "testify": ("testified", "testifies", "testifying"),
    "admit": ("admitted", "admits", "admitting"),
    "quip": ("quipped", "quips"),
    "cry": ("cried",),
    "beg": ("begged",),
}
_REGULAR = """
    add argue ask explain insist recall respond warn urge acknowledge announce confirm suggest declare
    exclaim remark conclude continue concede contend assert predict emphasize emphasise observe complain
    maintain muse lament boast recount reiterate caution shout yell scream whisper mutter chant plead
    tweet post note state claim comment report reveal counter vow promise joke agree describe call write
    remember
    answer assure bark fume interject elaborate surmise retort snap stress marvel scoff gush sigh proclaim opine
    concur vent chide scold tease taunt grumble rejoin chuckle reason wonder inquire demand thunder protest
    reassure underscore charge mock
    """.split()
# Lemmas whose bare form is mostly a noun ("a report", "the call"): only inflected forms count as cues.
_NOUNISH = frozenset({"answer", "snap", "stress", "sigh", "vent", "reason", "wonder", "demand", "thunder",
                      "protest", "charge", "mock", "tweet", "post", "note", "state", "claim", "comment", "report",
                      "reveal", "counter", "vow", "promise", "joke", "call", "chant", "shout", "yell", "scream", "whisper", "plead",
                      "caution", "remark", "boast", "lament", "muse", "describe", "continue"})
# Verbs that usually take a thing, not a quote ("called the plan", "described it as"): cue only when close.
_WEAK = frozenset({"charge", "press", "reason", "demand", "protest", "answer", "mock", "call", "describe", "read",
                   "post", "report", "continue", "counter", "promise", "note", "state", "agree", "speak", "recall", "ask", "claim", "comment"})


def _inflect(lemma: str) -> tuple[str, ...]:
    if lemma.endswith("e"):
        return (lemma + "d", lemma + "s", lemma[:-1] + "ing", lemma)
    return (lemma + "ed", lemma + "s", lemma + "ing", lemma)


_CUE_FORMS: dict[str, str] = {}
for _lem, _forms in _CUE_LEMMAS.items():
    for _f in _forms:
        _CUE_FORMS.setdefault(_f, _lem)
for _lem in _REGULAR:
    for _f in _inflect(_lem):
        if _f == _lem and _lem in _NOUNISH:
            continue
        _CUE_FORMS.setdefault(_f, _lem)
_PHRASAL = {"according to": "according", "pointed out": "point", "points out": "point", "went on": "go",
            "goes on": "go", "put it": "put", "puts it": "put"}
_CUE_ALT = "|".join(sorted([p.replace(" ", r"\s+") for p in _PHRASAL] + list(_CUE_FORMS), key=len, reverse=True))
_CUE = re.compile(rf"(?<![\w’'\-])(?:{_CUE_ALT})(?![\w’'\-])|(?<![\w’'\-])According\s+to\b")


def _lemma(cue: str) -> str:
    c = re.sub(r"\s+", " ", cue).lower()
    return _PHRASAL.get(c) or _CUE_FORMS.get(c, c)


# --- names -------------------------------------------------------------------------------------------------

_UP = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĖĘĚĜĞĠĢĤĦĨĪĮİĴĶĹĻĽĿŁŃŅŇŌŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽ"
_ABBR_WORDS = ("Mr|Mrs|Ms|Dr|St|Jr|Sr|Sen|Rep|Gov|Gen|Lt|Col|Capt|Sgt|Rev|Hon|Prof|Mt|Ft|Cpl|Maj|Adm|Supt|"
               "Insp|Const|Det|Cllr|Brig|Cmdr|Pres|Sec|Atty")
_CAP_TOKEN = (rf"(?<![\w’'\-])(?:(?:{_ABBR_WORDS})\.(?=[ \t\u00a0])|[{_UP}]\.(?:[{_UP}]\.)*(?=[ \t\u00a0,’'])|"
              rf"(?:[dDlL]['’])?[{_UP}](?:[\w\-]|['’](?=\w))*)")
_PARTICLES = r"(?:de|da|del|della|di|du|van|von|der|den|ter|bin|ibn|al|el|la|le|dos|das|St\.)"
_GAP = r"[ \t\u00a0]+"
_RUN_BODY = rf"{_CAP_TOKEN}(?:{_GAP}(?:{_PARTICLES}{_GAP})?{_CAP_TOKEN})*"
_NAME_RUN = re.compile(_RUN_BODY)
_NAME_AT_END = re.compile(rf"({_RUN_BODY})\s*$")
_NAME_AT_START = re.compile(rf"\s*({_RUN_BODY})")
_POSS = re.compile(r"['’]s?$")
_WORDS = re.compile(r"\w+(?:['’]\w+)*")

_PRONOUN_GENDER = {"he": "m", "she": "f", "him": "m", "her": "f", "his": "m", "himself": "m", "herself": "f"}
_SUBJ_PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i"})
_FEMALE_ROLES = frozenset({"mother", "mom", "mum", "wife", "daughter", "sister", "spokeswoman", "chairwoman",
                           "actress", "grandmother", "aunt", "niece", "girlfriend", "businesswoman", "congresswoman",
                           "mrs", "ms", "miss", "queen", "princess", "dame", "lady", "widow"})
_MALE_ROLES = frozenset({"father", "dad", "husband", "son", "brother", "spokesman", "chairman", "grandfather",
                         "uncle", "nephew", "boyfriend", "businessman", "congressman", "mr", "king", "prince",
                         "sir", "lord", "widower"})

# Capitalized words that start sentences or are never part of a speaker's name.
_STOP_CAPS = frozenset(
    """
    the a an and but or so if when while after before as at by for from in into of on to with without this
    that these those there here then than he she it they we i you his her its their our my your me us them
    who what where why how which whose also yet still however meanwhile moreover instead indeed although
    though because since until unless despite during according many some most more all both each every
    one two three four five six seven eight nine ten no not none nor another other such only just even
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december today yesterday tomorrow last next new watch read video
    photo file click related advertisement subscribe follow share email article continued below like well
    yes oh ok okay now first later earlier asked speaking writing story is are was were do does did has have
    had will would can could should might must not it's that's there's what's here's let
    """.split()
)
_MONTHS_DAYS = frozenset(
    """
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december jan feb mar apr jun jul aug sep sept oct nov dec
    """.split()
)
# Words that make a capitalized run an organization, a place or a thing rather than a person.
_ORG_WORDS = frozenset(
    """
    ministry department government party council commission committee court office agency bureau service
    services police university college school institute association union league club team society
    foundation fund bank company corp corporation inc ltd llc group news times post press journal
    herald star globe mail tribune network radio tv television report board authority centre center
    hospital clinic church city county province state states republic nations organization organisation army
    navy force forces guard house senate parliament congress assembly coalition alliance federation
    campaign project program programme initiative utility airlines airways energy media studio studios
    records games labs systems technologies motors research development studies history museum tours
    championship cup open tournament series award awards prize festival conference summit street road
    avenue highway river lake mountain island islands park square bridge airport station hall tower
    building centre region district county valley bay coast north south east west northern southern
    eastern western national international federal provincial royal canadian american british chinese
    european world global united public general health care capital consulting partners holdings
    resorts hotel casino insurance financial securities exchange market markets
    """.split()
)
# Organization nouns that can stand for any organization named before ("the company said").
_GENERIC_ORG = frozenset({"company", "firm", "group", "organization", "organisation", "corporation", "agency",
                          "bank", "network", "airline", "union", "club", "team", "league", "utility"})
# Bare plural nouns that speak as a group ("police said").
_COLLECTIVE = frozenset(
    """
    police officials authorities organizers organisers protesters residents witnesses experts critics
    officers investigators prosecutors researchers doctors lawyers parents students neighbours neighbors
    sources observers analysts economists scientists supporters opponents demonstrators fans players
    members staff teachers workers voters leaders activists advocates scientists
    """.split()
)
_DETERMINERS = frozenset({"the", "a", "an", "his", "her", "its", "their", "our", "this", "that", "one",
                          "another", "some", "several", "two", "three", "many"})
_CONNECT_PERSON = frozenset({"of", "from", "with", "at"})
_ADVERBS_BEFORE_CUE = re.compile(
    r"(?:\s+(?:also|later|then|previously|reportedly|recently|once|further|again|simply|only|earlier|"
    r"has|have|had|would|will|could|might|may|should|did|does|do|was|were|is|are|not|never|"
    r"on\s+\w+day|in\s+a\s+statement|in\s+an\s+interview|[a-z]+ly))+\s*$"
)
_LABEL_BEFORE = re.compile(
    r"\b(?:(?:known\s+as|called|dubbed|named|titled|entitled|nicknamed|reading|labell?ed|branded)"
    r"(?:\s+(?:it|him|her|them|this|that))?(?:\s+(?:a|an|the))?|hashtag|slogan|motto|phrase|term|the\s+word)\s*$",
    re.I,
)
_ROLE_STOP = frozenset(
    """
    the a an and or but with by to from at in on for said says told that which who whom whose is was are
    were has had have be been being as than while when after before this these those met interviewed
    including like between among against about into onto over under his her its their our my your
    """.split()
)


_ABBREVIATIONS = frozenset(_ABBR_WORDS.lower().split("|")) | {"jr", "sr", "st", "gov", "sen", "rep", "pres"}


def _is_abbrev(word: str) -> bool:
    core = word.rstrip(".")
    return len(core) == 1 or "." in core or core.lower() in _ABBREVIATIONS


def _plural_noun(word: str) -> bool:
    lw = word.lower()
    return lw in _COLLECTIVE or (lw.endswith("s") and (lw[:-1] in _ORG_WORDS or lw[:-1] in ROLE_NOUNS))


def _is_title_word(word: str) -> bool:
    return word.rstrip(".").lower() in TITLE_WORDS


# --- sentences ---------------------------------------------------------------------------------------------

_SENT_END = re.compile(r"[.!?…][\"”’)]*(?:\s+|$)")


def _sentence_breaks(s: str) -> list[int]:
    """Return offsets in ``s`` where a new sentence starts (a full stop not after an abbreviation)."""
    out: list[int] = []
    for m in _SENT_END.finditer(s):
        nxt = s[m.end() : m.end() + 2]
        if m.end() < len(s) and not (nxt[:1].isupper() or nxt[:1].isdigit() or nxt[:1] in "“\"‘(" ):
            continue
        if s[m.start()] == ".":
            sp = max(s.rfind(" ", 0, m.start()), s.rfind("\n", 0, m.start()))
            if _is_abbrev(s[sp + 1 : m.start() + 1]):
                continue
        out.append(m.end())
    return out


# --- data --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Mention:
    text: str
    kind: str  # name, pron, nominal; "org" for an organisation seen speaking (candidates only)
    start: int
    role: str | None = None
    cue: str | None = None


@dataclass(slots=True)
class _Person:
    name: str
    tokens: tuple[str, ...]
    role: str | None = None
    votes: dict[str, int] = field(default_factory=dict)
    evidence: int = 0
    positions: list[int] = field(default_factory=list)

    @property
    def gender(self) -> str | None:
        """Return the gender most of this person's pronoun votes give, or None on a tie."""
        if not self.votes:
            return None
        m, f = self.votes.get("m", 0), self.votes.get("f", 0)
        return None if m == f else ("m" if m > f else "f")


@dataclass(slots=True)
class _Speaker:
    name: str | None
    role: str | None
    person: _Person | None
    via: str = ""  # how the rules reached it: a feature for the ranker


_NOBODY = _Speaker(None, None, None)


def _as_last(last: _Speaker | None) -> _Speaker:
    """Return the running speaker, marked as reached that way."""
    return _Speaker(last.name, last.role, last.person, "last") if last is not None else _NOBODY

def _word_count(s: str) -> int:
    return len(_WORDS.findall(s))


# --- name runs ---------------------------------------------------------------------------------------------


def _clean_run(run: str, start: int) -> tuple[str, int]:
    """Drop sentence-start words at the front of a capitalized run and a trailing full stop."""
    while True:
        m = re.match(r"(\S+)[ \t\u00a0]+", run)
        if not m:
            break
        w = m.group(1)
        lw = w.lower().rstrip(".")
        if lw == "new":
            # "New York Post", "New Jersey": the run is a name that starts with "New".
            break
        opener = lw in _RUN_OPENERS and not any(_is_title_word(x) for x in run.split()[1:])
        if (lw in _STOP_CAPS or opener or (lw.endswith("ing") and len(lw) > 5 and given_name_gender(w) is None)) \
                and not _is_title_word(w):
            # Sentence openers, "Former Obama adviser …", a gerund heading ("Bashing Trump").
            run = run[m.end() :]
            start += m.end()
            continue
        break
    if run.lower().rstrip(".") in _STOP_CAPS and not _is_title_word(run):
        return "", start
    if run.endswith(".") and not _is_abbrev(run.split()[-1]):
        run = run[:-1]
    return run, start


def _split_possessive(run: str, start: int) -> list[tuple[str, int, bool]]:
    """Split a run at possessives: "Roe’s Party" -> ("Roe", possessive), ("Party", not)."""
    out: list[tuple[str, int, bool]] = []
    pos = 0
    for m in re.finditer(r"['’]s?(?=[ \t\u00a0]|$)", run):
        out.append((run[pos : m.start()], start + pos, True))
        pos = m.end()
        while pos < len(run) and run[pos] in " \t\u00a0":
            pos += 1
    out.append((run[pos:], start + pos, False))
    return [(r, s, p) for r, s, p in out if r.strip()]


def _split_title(words: list[str]) -> tuple[list[str], list[str]]:
    """Split capitalized words into (title words, name words): "Deputy Mayor Jo Roe" -> title, name."""
    last = -1
    i = 0
    while i < len(words):
        lw = words[i].rstrip(".").lower()
        if lw in TITLE_WORDS or (lw in ROLE_NOUNS and len(words) - i - 1 >= 2 and i == last + 1):
            last = i
        elif lw in ("of", "for") and last == i - 1 and i + 1 < len(words):
            # "Minister of Foreign Affairs Wen Li": the title runs on; the name is the last two words.
            if len(words) - i - 1 > 2:
                last = len(words) - 3
            break
        elif lw in ("general", "d'affaires", "d’affaires") and last == i - 1:
            last = i
        i += 1
    if 0 <= last < len(words) - 1:
        return words[: last + 1], words[last + 1 :]
    if len(words) >= 3 and words[0].lower() in _LEAD_NOT_NAME:
        # "Finance Brian Manning", "Massachusetts Joshua Levy": a department or place before a name.
        return words[:1], words[1:]
    return [], words


# Capitalised only because they open a sentence or a heading; never the first word of a name.
_RUN_OPENERS = frozenset(
    "former late then ex acting interim outgoing incoming embattled veteran longtime retired disgraced fellow "
    "rival top senior leading prominent".split()
)
# Departments and states or provinces that stand in front of a name in a role ("Finance Brian Manning").
_LEAD_NOT_NAME = frozenset(
    """
    finance defence defense health justice education labour labor transport transportation energy environment
    foreign interior treasury commerce agriculture immigration housing trade industry fisheries
    alabama alaska arizona arkansas california colorado connecticut delaware florida hawaii idaho
    illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota
    mississippi missouri montana nebraska nevada ohio oklahoma oregon pennsylvania tennessee texas utah
    vermont wisconsin wyoming ontario quebec manitoba saskatchewan alberta yukon nunavut
    """.split()
)


def _person_like(words: list[str]) -> bool:
    if not 2 <= len(words) <= 4:
        return False
    for i, w in enumerate(words):
        lw = w.lower().rstrip(".")
        if lw in _MONTHS_DAYS and i == 0 and not w.endswith(".") and given_name_gender(w) is not None:
            # "Jan Holloway" is a person; "Jan. 5" and "Monday Night Football" are not.
            continue
        if lw in _ORG_WORDS or lw in _STOP_CAPS or lw in _MONTHS_DAYS:
            return False
        if len(w) > 1 and w.isupper() and "." not in w:
            return False
        if not w[:1].isupper() and not re.fullmatch(_PARTICLES, w):
            return False
    return not (len(words[-1].rstrip(".")) == 1)


def _org_like(words: list[str]) -> bool:
    return any(w.lower().rstrip(".") in _ORG_WORDS for w in words) or (
        len(words) == 1 and len(words[0]) > 1 and words[0].isupper()
    )


def _role_before(text: str, start: int) -> str | None:
    """Return a lower-case role phrase right before a name ("press secretary" in "press secretary Jo Roe")."""
    words = text[max(0, start - 80) : start].split()
    if not words:
        return None
    last = words[-1]
    if not last[:1].islower() or last.lower() not in ROLE_NOUNS:
        return None
    keep: list[str] = []
    for w in reversed(words):
        bare = w.strip("“”\"()")
        if not bare or bare != w or w.endswith((",", ".", ";", ":")):
            break
        lw = bare.lower()
        if lw in _ROLE_STOP or (lw.endswith("ly") and lw not in ("deputy",)):
            break
        keep.append(bare)
        if _POSS.search(bare) or len(keep) >= 6:
            break
    keep.reverse()
    return " ".join(keep) or None


def _last_role_word(text: str, start: int) -> str:
    """Return the last word of the lower-case role right before a name ("sister" in "his sister Ana"), or ""."""
    return ((_role_before(text, start) or "").lower().split() or [""])[-1]


def _role_words_ok(words: list[str]) -> bool:
    heads = [w.lower().strip("’',") for w in words[:7]]
    return any(h in ROLE_NOUNS or h.rstrip("s") in ROLE_NOUNS or _is_title_word(h) for h in heads)


def _trim_role(s: str | None) -> str | None:
    if not s:
        return None
    words = s.strip(" ,").split()
    if words and words[0].lower() in ("the", "a", "an"):
        words = words[1:]
    if not words or len(words) > 12 or words[0][:1].isdigit() or not _role_words_ok(words):
        return None
    return " ".join(words)


def _appositive_after(text: str, end: int) -> str | None:
    """Return a role given after a name between commas ("Jo Roe, director of the fund, said")."""
    m = re.match(r",\s+([^,.;:“”\"()]{2,90}?)(?=\s*[,.;:)]|\s+(?:said|says|told|who)\b)", text[end : end + 120])
    if not m:
        return None
    chunk = m.group(1).strip()
    if chunk[:1].isupper() and not _is_title_word(chunk.split()[0]) and not chunk.startswith(("The ", "A ")):
        # "Jo Roe, Pat Doe and ..." is a list of names, not a role; "Ruritania's envoy" is a role.
        if not re.search(r"['’]s\s+[a-z]", chunk):
            return None
    return _trim_role(chunk)


def _appositive_before(text: str, start: int) -> str | None:
    """Return a role given before a name and a comma ("The fund's director, Jo Roe, said")."""
    window = text[max(0, start - 90) : start]
    if not window.endswith(", "):
        return None
    chunk = re.split(r"[,.;:“”\"()]|\s—\s", window[:-2])[-1].strip()
    if len(chunk.split()) > 8:
        return None
    return _trim_role(chunk)


# --- the article's names -----------------------------------------------------------------------------------


# Nouns a name can modify ("Obama consultant", "Trump supporters"): the name is then not a subject.
_MODIFIED_NOUNS = ROLE_NOUNS | frozenset(
    """
    campaign administration transition camp team staff staffer aide adviser advisor consultant pollster
    surrogate operative strategist loyalist ally supporter backer donor voter fan official
    """.split()
)
_MODIFIER_AFTER = re.compile(
    r"[ \t\u00a0]+(?:" + "|".join(sorted((re.escape(w) for w in _MODIFIED_NOUNS), key=len, reverse=True))
    + r")(?:s|es)?(?![\w’'\-])"
)
# A line that credits an author or a picture: "By Jo Roe", "Photo: Jo Roe/Agency", "Jo Roe/The Agency".
_CREDIT_LINE = re.compile(
    r"(?m)^[ \t]*(?:(?:By|BY|Photo|PHOTO|Photos|Photograph|Video|Image|Credit|Credits|Illustration|Graphic|Written"
    r"\s+by|Reporting\s+by)\b[^\n]{0,120}|[^\n“”\"]{0,40}\w/\w[^\n“”\"]{0,40})[ \t]*$"
)


_KIN_APPOS = re.compile(r"(?:[Hh]is|[Hh]er|[Tt]heir)\s+[a-z\-]+,\s*$")  # "his wife, " before a given name


class _Names:
    """Person names of one article with their roles, genders and subject mentions."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.persons: dict[str, _Person] = {}
        self.by_token: dict[str, list[_Person]] = {}
        runs: list[tuple[str, int, int, bool]] = []
        credits = [(m.start(), m.end()) for m in _CREDIT_LINE.finditer(text)]
        ci = 0
        for m in _NAME_RUN.finditer(text):
            while ci < len(credits) and credits[ci][1] <= m.start():
                ci += 1
            if ci < len(credits) and credits[ci][0] <= m.start():
                # Bylines, photo and video credits name people who do not speak in the article.
                continue
            for part, off, poss in _split_possessive(m.group(), m.start()):
                name, s = _clean_run(part, off)
                if name:
                    runs.append((name, s, s + len(name), poss))
        cue_near = {(s, e): _cue_after(text, e) or _cue_before(text, s) for _n, s, e, _p in runs}
        singles: set[str] = set()
        for name, _s, _e, _p in runs:
            if " " not in name:
                singles.add(speaker_key(name))
        for name, s, e, _poss in runs:
            words = name.split()
            title, rest = _split_title(words)
            tof = re.search(r"(?<![\w’'\-])([\w.’'\-]+)\s+(?:of|for)\s+$", text[max(0, s - 40) : s])
            if tof and _is_title_word(tof.group(1)) and len(words) > 2 and (not title or title == words[:1]):
                # "Minister of Foreign Affairs Wen Li": the run after "of" ends the title, then the name.
                title = [tof.group(1), "of"] + words[:-2]
                rest = words[-2:]
            if not _person_like(rest):
                continue
            if re.search(r"(?<![\w’'])(?:the|a|an)\s+$", text[max(0, s - 5) : s], re.I) and not title:
                # "the Starlight Tours", "a Kinder Morgan pipeline": names of things.
                continue
            full = " ".join(rest)
            key = speaker_key(full)
            if not key:
                continue
            p = self.persons.get(key)
            if p is None:
                p = _Person(full, tuple(key.split()))
                self.persons[key] = p
            ev = 0
            role = None
            if title:
                role = " ".join(title)
                ev += 1
            lower = _role_before(text, s)
            if lower:
                role = f"{lower} {role}" if role else lower
                ev += 1
            if not role or role.rstrip(".").lower() in ("mr", "mrs", "ms", "miss", "dr"):
                appos = _appositive_before(text, s) or _appositive_after(text, e)
                if appos:
                    role = appos
                    ev += 1
            if role and role.rstrip(".").lower() not in ("mr", "mrs", "ms", "miss", "dr", "sir"):
                p.role = p.role or role
            for w in (role or "").lower().replace(".", "").split():
                if w in _FEMALE_ROLES:
                    p.votes["f"] = p.votes.get("f", 0) + 3
                elif w in _MALE_ROLES:
                    p.votes["m"] = p.votes.get("m", 0) + 3
            if p.tokens[-1] in singles or p.tokens[0] in singles:
                ev += 1
            elif first_name_gender(full) is not None and len(rest) <= 3 and not _org_like(rest):
                # "In a post, Maria Quist called the count a farce": a common given name starts a person's name.
                ev += 1
            if cue_near[(s, e)]:
                ev += 2
            elif not title and len(rest) <= 3 and _sentence_initial(text, s) and not _org_like(rest):
                # "Jo Roe turned out to the rally": a full name opening a sentence is most often a person.
                ev += 1
            p.evidence += ev
        # Only names with some sign of being a person ("said", a title, a role, a surname used alone), and no
        # names seen after a preposition of place ("in the Gaza Strip", "outside Carvala") without a role.
        self.places = {speaker_key(m) for m in _PLACE_RUN.findall(text) if not _POSS.search(m)}
        self.persons = {k: p for k, p in self.persons.items() if p.evidence > 0 and (k not in self.places or p.role)}
        self._add_given_names(runs, cue_near)
        for p in self.persons.values():
            g = first_name_gender(p.name)
            if g is not None:
                p.votes[g] = p.votes.get(g, 0) + 3
        for p in self.persons.values():
            for t in p.tokens:
                self.by_token.setdefault(t, []).append(p)
        # People the article also calls by their given name alone ("says Michael"): with two people of one
        # surname, the bare surname is more likely the other one.
        lasts = {p.tokens[-1] for p in self.persons.values()}
        self.first_named: set[str] = set()
        for name, _s, _e, _p in runs:
            k = speaker_key(name)
            if " " not in k and k not in lasts:
                self.first_named.update(" ".join(c.tokens) for c in self.by_token.get(k, []) if c.tokens[0] == k)
        marks: list[tuple[int, _Person, bool, bool]] = []
        self.org_subjects: list[tuple[int, str]] = []
        # Single capitalized words in subject position that name no known person ("Mulder didn't wait").
        self.lone_subjects: list[tuple[int, str]] = []
        self.lone_gender: dict[str, str] = {}
        places = set(_AFTER_PREP.findall(text))
        for name, s, e, poss in runs:
            p2 = self.resolve_name(name, s)
            mod = poss or _MODIFIER_AFTER.match(text, e) is not None
            subj = not mod and (cue_near[(s, e)] or _sentence_initial(text, s) or _subject_after(text, s, e))
            if p2 is not None:
                kin = _role_before(text, s)
                for w in (kin or "").lower().split()[-1:]:
                    # "her father Khaled", "his sister Ana": a kinship word gives the person's gender.
                    g = "f" if w in _FEMALE_ROLES else "m" if w in _MALE_ROLES else None
                    if g is not None:
                        p2.votes[g] = p2.votes.get(g, 0) + 3
                marks.append((s, p2, subj, mod))
                p2.positions.append(s)
            elif not poss and _cue_after(text, e) and not _person_like(name.split()) and not (
                    " " not in name and _plural_noun(name)) and not all(_is_title_word(w) for w in name.split()) \
                    and speaker_key(name) not in self.places and not (
                        " " not in name and name.lower().endswith(("ing", "ly"))):
                self.org_subjects.append((s, name))
            elif not poss and " " not in name and _lone_subject(text, name, e, places):
                self.lone_subjects.append((s, name))
                kin_word = _last_role_word(text, s)
                lg = "f" if kin_word in _FEMALE_ROLES else "m" if kin_word in _MALE_ROLES else None
                lg = lg or given_name_gender(name)
                if lg is not None:
                    self.lone_gender[name] = lg
        self.lone_starts = [s for s, _n in self.lone_subjects]
        self.org_starts = [s for s, _n in self.org_subjects]
        marks.sort(key=lambda x: x[0])
        self.positions = [m[0] for m in marks]
        self.at = [m[1] for m in marks]
        self.subj = [m[2] for m in marks]
        # "Obama consultant Cornell Belcher", "Trump's campaign": a name modifying a noun is not the subject.
        self.mod = [m[3] for m in marks]
        self._learn_genders()

    def _add_given_names(self, runs: list[tuple[str, int, int, bool]], cue_near: dict[tuple[int, int], bool]) -> None:
        """Add people the article names by a given name alone ("Her father, Brad, 39, worried", "Bob said")."""
        taken = {t for p in self.persons.values() for t in p.tokens}
        for name, s, e, poss in runs:
            key = speaker_key(name)
            if poss or " " in name or not key or key in taken or key in self.places:
                continue
            gender = given_name_gender(name)
            if gender is None or name.lower() in _STOP_CAPS or name.lower() in _MONTHS_DAYS:
                continue
            kin = _last_role_word(self.text, s)
            kin_appos = _KIN_APPOS.search(self.text[max(0, s - 40) : s]) is not None
            if not (cue_near[(s, e)] or _subject_after(self.text, s, e) or kin or kin_appos):
                continue
            p = self.persons.get(key)
            if p is None:
                p = _Person(name, (key,))
                self.persons[key] = p
                p.votes[gender] = 3
            p.evidence += 2 if cue_near[(s, e)] else 1

    def _learn_genders(self) -> None:
        # A he/she/his/her shortly after a person mention, with no other person between, votes for a gender.
        for m in re.finditer(r"\b(?:[Hh]e|[Ss]he|[Hh]is|[Hh]er|him|himself|herself)\b", self.text):
            i = bisect.bisect_left(self.positions, m.start()) - 1
            if i < 0 or m.start() - self.positions[i] > 150:
                continue
            if re.search(r"[”\"’]\s*$", self.text[max(0, m.start() - 3) : m.start()]):
                # "...," she said: the pronoun being resolved is no evidence for the name before the quote.
                continue
            if re.search(r"[.!?][\"”’]?\s", self.text[self.positions[i] : m.start()]) and (
                m.start() - self.positions[i] > 60
            ):
                continue
            g = _PRONOUN_GENDER[m.group().lower()]
            p = self.at[i]
            p.votes[g] = p.votes.get(g, 0) + 1

    def resolve_name(self, name: str, pos: int) -> _Person | None:
        """Return the person a name mention refers to, if the article names them."""
        _title, rest = _split_title(name.split())
        if not rest:
            return None
        key = speaker_key(" ".join(rest))
        if not key:
            return None
        p = self.persons.get(key)
        if p is not None:
            return self._fullest(p)
        toks = tuple(key.split())
        cands = [c for c in self.by_token.get(toks[-1], []) if c.tokens[-len(toks) :] == toks]
        if not cands and len(toks) == 1:
            cands = [c for c in self.by_token.get(toks[0], []) if c.tokens[0] == toks[0]]
        if not cands:
            return None
        if len(cands) > 1 and len(toks) == 1:
            plain = [c for c in cands if " ".join(c.tokens) not in self.first_named]
            cands = plain or cands
        if len(cands) > 1:
            # Two people share a surname: the one named last before this mention.
            def last_before(c: _Person) -> int:
                return max((x for x in c.positions if x <= pos), default=-1)

            return self._fullest(max(cands, key=lambda c: (last_before(c), c.evidence)))
        return self._fullest(cands[0])

    def _fullest(self, p: _Person) -> _Person:
        # "Jo Roe" may also appear as "Jo A. Roe": prefer the longest name with the same first and last word.
        longer = [c for c in self.by_token.get(p.tokens[-1], []) if len(c.tokens) > len(p.tokens)
                  and c.tokens[-1] == p.tokens[-1] and c.tokens[0] == p.tokens[0]]
        return max(longer, key=lambda c: len(c.tokens)) if longer else p

    def by_role(self, words: list[str], pos: int) -> _Person | None:
        """Return the one person named before ``pos`` whose role contains the description's content words."""
        want = {w.lower().strip(",.’'") for w in words} - _ROLE_STOP - _DETERMINERS
        if not want:
            return None
        hits = [p for p in self.persons.values() if p.role and p.positions and min(p.positions) < pos
                and want <= {w.lower().strip(",.’'") for w in p.role.split()}]
        if len(hits) > 1:
            # "the minister" with two ministers named: the one named last before the description.
            def last_before(c: _Person) -> int:
                return max((x for x in c.positions if x < pos), default=-1)

            hits.sort(key=last_before, reverse=True)
            if pos - last_before(hits[0]) > 1500:
                return None
        return hits[0] if hits else None

    def recent_subject(self, pos: int, gender: str | None, window: int = 3000) -> _Person | None:
        """Return the person last mentioned in subject position before ``pos`` whose gender fits."""
        i = bisect.bisect_left(self.positions, pos) - 1
        while i >= 0 and pos - self.positions[i] <= window:
            p = self.at[i]
            if self.subj[i] and (gender is None or p.gender is None or p.gender == gender):
                return p
            i -= 1
        return None

    def recent_person(self, pos: int, gender: str | None, window: int = 3000) -> _Person | None:
        """Return the person mentioned last before ``pos`` whose gender fits."""
        i = bisect.bisect_left(self.positions, pos) - 1
        while i >= 0 and pos - self.positions[i] <= window:
            p = self.at[i]
            if gender is None or p.gender is None or p.gender == gender:
                return p
            i -= 1
        return None

    def recent_lone(self, pos: int, gender: str, window: int = 250) -> str | None:
        """Return a lone name in subject position just before ``pos`` with no known person named since."""
        best = None
        k = bisect.bisect_left(self.lone_starts, pos) - 1
        if k >= 0 and pos - self.lone_subjects[k][0] <= window:
            best = self.lone_subjects[k]
        if best is None:
            return None
        i = bisect.bisect_left(self.positions, pos) - 1
        if i >= 0 and self.positions[i] > best[0]:
            return None
        between = self.text[best[0] : pos]
        if len(_sentence_breaks(between)) > 1:
            # Only the subject of the sentence right before the quote.
            return None
        g = self.lone_gender.get(best[1])
        if g is not None and g != gender:
            return None
        if gender == "m" and re.search(r"\bhim\b", between):
            # "Ostmark traded him": the object is someone other than the subject; "he" is that someone.
            return None
        return best[1]

    def recent_org(self, pos: int, head: str | None = None, window: int = 3000) -> str | None:
        """Return the organization last seen speaking before ``pos`` (with ``head`` in its name if any has)."""
        best = None
        named = None
        lo = bisect.bisect_left(self.org_starts, pos - window)
        for s, name in self.org_subjects[lo:]:
            if s >= pos:
                break
            if pos - s <= window:
                best = name
                if head and head in name.lower().split():
                    named = name
        if head is not None:
            return named or (best if head in _GENERIC_ORG else None)
        return best


_AUX_AFTER = re.compile(
    r"(?:,[^,.;:“”\"]{1,110},)?(?:\s+(?:also|later|then|previously|recently|now|still|again|[a-z]+ly))*\s+"
    r"(?:is|was|has|had|will|would|can|could|did|does|may|might|must|should|isn’t|wasn’t|didn’t|doesn’t|"
    r"hasn’t|won’t|isn't|wasn't|didn't|doesn't|hasn't|won't|[a-z]{3,}ed|[a-z]{3,}[^s]s)\b"
)


def _subject_after(text: str, start: int, end: int) -> bool:
    """Return whether a name is followed by its verb ("Jo Roe, 42, was carried", "Roe has run the shelter")."""
    if _AUX_AFTER.match(text, end) is not None:
        return True
    # "The fund's director, Jo Roe, said": the name is an appositive to the subject.
    return text[max(0, start - 2) : start] == ", " and text[end : end + 2] == ", " and (
        _AUX_AFTER.match(text, end + 1) is not None or _cue_after(text, end + 1))


def _lone_subject(text: str, name: str, end: int, places: set[str]) -> bool:
    """Return whether a single capitalized word is a person's name in subject position ("Roe didn't wait.")."""
    lw = name.lower().rstrip(".")
    if lw in _STOP_CAPS or lw in _ORG_WORDS or lw in _MONTHS_DAYS or name.isupper() or len(name) < 3:
        return False
    if name in places:
        # Places are named after prepositions somewhere in the article ("in Kelmira", "to Ottawa").
        return False
    if lw in ROLE_NOUNS or lw in TITLE_WORDS or lw in _COLLECTIVE:
        return False
    return bool(_AUX_AFTER.match(text, end) or _cue_after(text, end))


_PLACE_RUN = re.compile(rf"(?<![\w’'])(?:[Ii]n|into|across|near|outside|around|throughout)\s+(?:the\s+)?({_RUN_BODY})")
_AFTER_PREP = re.compile(rf"(?<![\w’'])(?:[Ii]n|at|from|to|into|across|near|of|outside|around|for)\s+([{_UP}][\w’'\-]*)")


def _cue_after(text: str, end: int) -> bool:
    after = text[end : end + 160]
    m = re.match(r"(?:,[^,.;:“”\"]{1,110},)?(?:\s+(?:also|later|then|previously|reportedly|recently|further|"
                 r"again|has|had|have|would|will|[a-z]+ly))*\s+(\S+(?:\s+\S+)?)", after)
    if not m:
        return False
    nxt = m.group(1)
    return bool(_CUE.match(nxt)) and _lemma(_CUE.match(nxt).group()) not in _WEAK  # type: ignore[union-attr]


_INVERTING = frozenset({"say", "add", "write", "tell", "explain", "insist", "argue", "note", "point", "ask",
                        "according", "continue", "conclude", "reply", "respond", "warn", "recall", "admit",
                        "agree", "quip", "exclaim", "remark", "observe", "suggest", "tweet", "post", "state", "remember"})


def _cue_before(text: str, start: int) -> bool:
    words = text[max(0, start - 70) : start].split()[-8:]
    for i in range(len(words) - 1, -1, -1):
        w = words[i]
        if not re.fullmatch(r"[\w\-’'.]+", w):
            return False
        lw = w.lower()
        if lw == "to" and i > 0 and words[i - 1].lower() == "according":
            return True
        if lw in _CUE_FORMS:
            return _CUE_FORMS[lw] in _INVERTING and lw not in ("told", "tells", "telling", "asked")
        if lw in _ROLE_STOP and lw not in ("the", "a", "an"):
            return False
    return False


def _sentence_initial(text: str, start: int) -> bool:
    lo = max(0, start - 120)
    window = text[lo:start]
    nl = window.rfind("\n")
    if nl >= 0:
        window = window[nl + 1 :]
    breaks = _sentence_breaks(window)
    if breaks:
        window = window[breaks[-1] :]
    prefix = window.strip().strip("“\"‘(")
    if not prefix:
        return True
    words = prefix.split()
    if prefix.endswith(","):
        # A fronted clause ("Despite the rain, Roe said"), not a list of names ("Roe, Doe and Poe").
        w0 = words[0].lower()
        return (w0 in _STOP_CAPS or w0.endswith(("ing", "ed"))) and not _NAME_AT_END.search(prefix[:-1])
    return len(words) <= 6 and all(w[:1].isupper() or w.lower() in ROLE_NOUNS or w.lower() in ("of", "and")
                                   or w.lower().rstrip("s") in ROLE_NOUNS for w in words)


# --- mentions around a quote -------------------------------------------------------------------------------


def _np_before(s: str, base: int) -> _Mention | None:
    """Return the subject mention at the end of ``s``, the text before a speech verb."""
    s = _ADVERBS_BEFORE_CUE.sub("", s)
    stripped = s.rstrip()
    if not stripped:
        return None
    if stripped.endswith(")"):
        # "Jo Roe (Ruritania) said": drop the parenthesis.
        op = stripped.rfind("(")
        if op > 0:
            stripped = stripped[:op].rstrip()
    if stripped.endswith(","):
        inner = stripped[:-1]
        cut = max(inner.rfind(","), inner.rfind("—"), inner.rfind("–"))
        if cut >= 0:
            appos = inner[cut + 1 :].strip()
            head = inner[:cut].rstrip()
            sub = _np_before(head, base)
            if sub is not None and sub.kind in ("name", "nominal"):
                if sub.kind == "name" or not _NAME_AT_END.fullmatch(appos.strip()):
                    sub.role = sub.role or _trim_role(appos)
                    return sub
            # "The fund's director, Jo Roe, said": the appositive is the name.
            m = _NAME_AT_END.search(appos)
            if m and m.group(1) == appos:
                return _Mention(appos, "name", base + cut + 1 + (len(inner[cut + 1 :]) - len(appos)),
                                role=_trim_role(head.split(",")[-1]))
        stripped = inner.rstrip()
    m = re.search(r"(?<![\w’'\-])([A-Za-z]+)$", stripped)
    if m and m.group(1).lower() in _SUBJ_PRONOUNS:
        return _Mention(m.group(1), "pron", base + m.start(1))
    m = _NAME_AT_END.search(stripped)
    if m:
        whole, off = m.group(1), m.start(1)
        parts = _split_possessive(whole, off)
        name, noff, poss = parts[-1]
        name, noff = _clean_run(name, noff)
        if name and " " not in name and _plural_noun(name):
            # "Governments said": a capitalised plural common noun opening a sentence is nobody's name.
            return None
        if name and not poss:
            prev = stripped[: noff].rstrip()
            pw = prev.split()
            connector = pw[-1] if pw else ""
            if connector in ("of", "and", "&", "for", "from", "with", "at") and len(pw) >= 2:
                left = _NAME_AT_END.search(" ".join(pw[:-1]))
                if left:
                    lname, _lo = _clean_run(left.group(1), 0)
                    lwords = lname.split()
                    _lt, lrest = _split_title(lwords)
                    if lname and _person_like(lrest) and connector in _CONNECT_PERSON:
                        # "Jo Roe of the Fund said": the person speaks, the organization is context.
                        lpos = base + prev.rfind(lname)
                        return _Mention(lname, "name", lpos, role=None)
                    if lname and (_org_like(name.split()) or _org_like(lwords)):
                        lpos = base + prev.rfind(lname)
                        person = _person_of(stripped[: prev.rfind(lname)], base)
                        if person is not None:
                            # "Bishop Jo Roe of the Valley Church of Lakeland told": the person, not the church.
                            return person
                        return _Mention(f"{lname} {connector} {name}", "name", lpos)
            if pw and pw[-1] in ("the", "a", "an", "his", "her", "its", "their", "our"):
                return _Mention(f"{pw[-1]} {name}", "nominal", base + noff)
            if pw and pw[-1][:1].islower() and pw[-1].lower() in ROLE_NOUNS and _person_like(name.split()):
                return _Mention(name, "name", base + noff, role=_role_before(stripped, noff))
            return _Mention(name, "name", base + noff)
    words = stripped.split()
    tail = words[-9:]
    for i in range(len(tail) - 1, -1, -1):
        w = tail[i].lower()
        if w in _DETERMINERS or (_POSS.search(tail[i]) and i < len(tail) - 1):
            if i == len(tail) - 1:
                return None
            k = i
            while k >= 2 and tail[k - 1].lower() in ("of", "for", "at", "from"):
                # "a spokesperson for the camp": the description runs back over its of/for phrase.
                j = k - 2
                while j >= 0 and tail[j].lower() not in _DETERMINERS and tail[j].lower() not in _ROLE_STOP and \
                        tail[j][:1].islower() and not tail[j].lower().endswith(("ed", "ing")):
                    j -= 1
                if j < 0 or tail[j].lower() not in _DETERMINERS or j == k - 2:
                    break
                k = j
            phrase = " ".join(tail[k:])
            if any(c in phrase for c in "“”\""):
                return None
            return _Mention(phrase, "nominal", base + stripped.rfind(phrase))
        if w in _ROLE_STOP or (w.endswith(("ed", "ing")) and w not in ROLE_NOUNS and "-" not in w):
            break
    last = words[-1].lower()
    if last in _COLLECTIVE or last.rstrip("s") in ROLE_NOUNS:
        phrase = " ".join(words[-2:]) if len(words) >= 2 and words[-2][:1].islower() and words[-2].lower() not in (
            _ROLE_STOP) else words[-1]
        return _Mention(phrase, "nominal", base + stripped.rfind(phrase))
    return None


_OF_BEFORE = re.compile(r"\s(?:of|from|at|with)(?:\s+the)?\s*$")


def _person_of(s: str, base: int) -> _Mention | None:
    """Return the person at the end of "Jo Roe of the" (``s``), the head of a name-of-organisation chain."""
    m = _OF_BEFORE.search(s)
    if m is None:
        return None
    left = _NAME_AT_END.search(s[: m.start()])
    if left is None:
        return None
    name, off = _clean_run(left.group(1), left.start(1))
    _title, rest = _split_title(name.split())
    if name and _person_like(rest):
        return _Mention(name, "name", base + off, role=None)
    return None


_AFTER_STOP = re.compile(
    r"\.(?:\s|$)|;|:|—|–|\(|[“”\"]|\s(?:who|whose|which|in|on|at|during|after|before|when|while|as|to|with|about|"
    r"last|this|earlier|later|told|said|says|adding|noting|explaining|matter-of-factly|recently)\b"
)


def _after_stop(s: str) -> int:
    for m in _AFTER_STOP.finditer(s):
        if m.group().startswith("."):
            w = re.search(r"(\S+)$", s[: m.start()])
            if w and _is_abbrev(w.group(1) + "."):
                continue
        return m.start()
    return len(s)


def _np_after(s: str, base: int) -> _Mention | None:
    """Return the mention right after a verb-first speech verb ("said oil worker Jo Roe, 42, of Ruritania")."""
    m = re.match(r"\s*([A-Za-z]+)\b", s)
    if not m:
        return None
    if m.group(1).lower() in _SUBJ_PRONOUNS:
        return _Mention(m.group(1), "pron", base + m.start(1))
    phrase = s[: _after_stop(s)]
    chunks = phrase.split(",")
    first = chunks[0]
    lead = len(first) - len(first.lstrip())
    first = first.strip()
    if not first:
        return None
    second = chunks[1].strip() if len(chunks) > 1 else ""
    m2 = _NAME_AT_END.search(first)
    if m2:
        parts = _split_possessive(m2.group(1), m2.start(1))
        name, noff, poss = parts[-1]
        name, noff = _clean_run(name, noff)
        pre = first[:noff].strip()
        pw = pre.split()
        if name and not poss and pw and pw[-1] in _CONNECT_PERSON and len(pw) >= 2:
            # "said Jo Roe of Quillon": the person speaks; "said the founder of Quillon Press": a description.
            left = _NAME_AT_END.search(" ".join(pw[:-1]))
            if left:
                lname, _lo = _clean_run(left.group(1), 0)
                if lname and _person_like(_split_title(lname.split())[1]):
                    return _Mention(lname, "name", base + lead + first.find(lname))
                t, rest = _split_title(name.split())
                if lname and pw[-1] in ("of", "for") and all(_is_title_word(w) for w in lname.split()) and t and \
                        _person_like(rest):
                    # "said Minister of Finance Brian Manning": the title runs on to the given name.
                    return _Mention(" ".join(rest), "name", base + lead + noff + name.find(rest[0]),
                                    role=f"{pre} {' '.join(t)}".strip())
            name = ""
        if name and not poss and not (pw[-1:] and pw[-1].lower() in _ROLE_STOP):
            role = pre if pre else None
            if role and role.split()[0].lower() in ("the", "a", "an"):
                role = " ".join(role.split()[1:]) or None
            if second and not role:
                role = _trim_role(second) if second[:1].islower() or _is_title_word(second.split()[0]) or \
                    re.search(r"['’]s\s+[a-z]", second) else None
            if name.split()[0].rstrip(".").lower() in TITLE_WORDS:
                t, rest = _split_title(name.split())
                if rest:
                    role = role or " ".join(t)
            return _Mention(name, "name", base + lead + noff, role=_trim_role(role) if role else None)
    # "said Roe’s partner, Jo Doe": a description, then the name.
    if second and _NAME_AT_END.fullmatch(second):
        name, _off = _clean_run(second, 0)
        if name:
            return _Mention(name, "name", base + s.find(second), role=_trim_role(first))
    words = first.split()
    if not words or len(words) > 9:
        return None
    if words[0].lower() not in _DETERMINERS and not _POSS.search(words[0]) and words[-1].lower() not in _COLLECTIVE:
        return None
    return _Mention(first, "nominal", base + lead)


def _attribution_after(text: str, span: _Span, limit: int) -> _Mention | None:
    """Find "..., said X" / "..., X said" right after a quote's closing mark."""
    post = text[span.close_at : limit]
    breaks = _sentence_breaks(post)
    if breaks:
        post = post[: breaks[0]]
    lead = re.match(r"[\s,—–\-:]*", post)
    body = post[lead.end() :] if lead else post
    base = span.close_at + (lead.end() if lead else 0)
    if not body:
        return None
    m = _CUE.search(body)
    if not m:
        if lead is not None and re.search(r"[—–]", lead.group()):
            # "..." — Jo Roe, resident: a signature line after the quote.
            sig = _NAME_AT_START.match(body)
            if sig:
                name, ns = _clean_run(sig.group(1), sig.start(1))
                if name and _person_like(_split_title(name.split())[1]):
                    return _Mention(name, "name", base + ns, role=_appositive_after(text, base + ns + len(name)))
        return None
    before = body[: m.start()]
    if "“" in before or '"' in before or len(before) > 140 or re.search(r"\s[—–]\s|;|\s-\s", before):
        return None
    cue = re.sub(r"\s+", " ", m.group())
    qlast = text[span.end - 1]
    if before.strip():
        sub = _np_before(before, base)
        if sub is None:
            return None
        near = sub.kind in ("name", "pron") and not before[sub.start - base :].strip().count(" ") > 3
        if qlast in ".!?" and body[:1].isupper() and not breaks and limit < span.para_end:
            # "..." Roe said Monday, "...": a new sentence that introduces the next quote.
            return None
        if qlast == "." and len(before.split()) > 4 and "," not in before and not near:
            # A full stop inside the marks ends the sentence; only a short "Roe said." still attributes it.
            return None
        if len(before.split()) > 6 and "," not in before and not near:
            return None
        sub.cue = cue
        return sub
    if _lemma(cue) in ("read",):
        return None
    after = _np_after(body[m.end() :], base + m.end())
    if after is not None:
        after.cue = cue
    return after


# How far back a sentence that introduces a quote is read: bounds the work per quote, so a paragraph of
# thousands of quotes costs linear time.
_LOOKBACK = 600


def _sentence_start(text: str, floor: int, at: int) -> int:
    if at - floor > _LOOKBACK:
        sp = text.find(" ", at - _LOOKBACK, at)
        floor = sp + 1 if sp >= 0 else at - _LOOKBACK
    pre = text[floor:at]
    breaks = _sentence_breaks(pre)
    return floor + (breaks[-1] if breaks else 0)


def _attribution_before(text: str, span: _Span, floor: int, names: _Names, verb_first: bool) -> _Mention | None:
    """Find "X said: ..." or "X said the plan "..." in the sentence before a quote's opening mark."""
    base = _sentence_start(text, floor, span.open_at)
    pre = text[base : span.open_at]
    best = None
    for m in _CUE.finditer(pre):
        best = m
    if best is None:
        if pre.rstrip().endswith(":"):
            return _colon_subject(pre, base, names)
        return None
    cue = re.sub(r"\s+", " ", best.group())
    before = pre[: best.start()]
    after = pre[best.end() :]
    lemma = _lemma(cue)
    if verb_first and after.strip():
        # "the ministry said Wen "emphasized that ..."": the quote's own verb belongs to the word before it.
        own = _np_before(after, base + best.end())
        if own is not None and own.kind in ("name", "nominal"):
            own.cue = cue
            return own
    if lemma == "according":
        men = _np_after(after, base + best.end())
        if men is not None:
            men.cue = cue
        return men
    if lemma in _WEAK and len(after.split()) > 12:
        return None
    tail = after.strip()
    if (tail.endswith(":") or tail.endswith(",")) and 0 < len(tail.split()) <= 6 and lemma not in ("tell", "ask") \
            and (not before.strip() or _np_before(before, base) is None):
        # Inverted "said Jo Roe: "..."" directly before the quote.
        inv = _np_after(after, base + best.end())
        if inv is not None and inv.kind == "name":
            inv.cue = cue
            return inv
    if cue.endswith("ing") and before.rstrip().endswith(","):
        # "..., telling the paper "...": the participle's subject is the sentence's.
        sub = _sentence_subject(before, base, names)
    else:
        sub = _relative_subject(before, base)
        if sub is None:
            sub = _np_before(before, base)
    if sub is not None:
        sub.cue = cue
    return sub


def _colon_subject(pre: str, base: int, names: _Names) -> _Mention | None:
    """Return who introduces a quote with a colon ("Roe, the clinic's doctor, is more blunt: "..."")."""
    last: _Mention | None = None
    for nm in _NAME_RUN.finditer(pre):
        for part, off, poss in _split_possessive(nm.group(), nm.start()):
            name, ns = _clean_run(part, off)
            if name and not poss and names.resolve_name(name, base + ns) is not None:
                last = _Mention(name, "name", base + ns)
    return last or _sentence_subject(pre, base, names)


_VERB_FIRST = re.compile(r"(?:said|says|hopes|hoped|believes|believed|[a-z]+(?:ed|es))\s+that\b")


def _relative_subject(before: str, base: int) -> _Mention | None:
    """Return the antecedent of "Jo Roe, ..., who ... added"."""
    m = re.search(r",\s+who\b[^,]*$", before)
    if not m:
        return None
    head = before[: m.start()].rstrip()
    sub = _np_before(head + ",", base) if "," in head else _np_before(head, base)
    return sub


def _sentence_subject(clause: str, base: int, names: _Names) -> _Mention | None:
    """Return the subject at the start of a sentence: a pronoun, a name after an optional role, a description."""
    s = clause.lstrip(" “\"‘(")
    off = len(clause) - len(s)
    m = re.match(r"([A-Za-z]+)\b", s)
    if m and m.group(1).lower() in _SUBJ_PRONOUNS:
        return _Mention(m.group(1), "pron", base + off)
    first: _Mention | None = None
    for nm in _NAME_RUN.finditer(s[:200]):
        for part, poff, poss in _split_possessive(nm.group(), nm.start()):
            name, ns = _clean_run(part, poff)
            if not name or poss:
                continue
            _t, rest = _split_title(name.split())
            men = _Mention(name, "name", base + off + ns)
            if names.resolve_name(name, base + off + ns) is not None or _person_like(rest):
                return men
            if first is None and not s[:ns].strip() and not _org_like(rest):
                first = men
    if first is not None:
        return first
    m = re.match(r"(?:The|the)\s+((?:[\w\-’']+\s+){0,3}?[\w\-’']+)\s+(?:is|was|has|had|posted|took|put|added)\b", s)
    if m:
        return _Mention(m.group(0).rsplit(" ", 1)[0], "nominal", base + off)
    return None


# --- resolution --------------------------------------------------------------------------------------------


def _resolve(men: _Mention, names: _Names, last: _Speaker | None) -> _Speaker:
    if men.kind == "name":
        p = names.resolve_name(men.text, men.start)
        if p is not None:
            return _Speaker(p.name, p.role or men.role, p, "name")
        title, rest = _split_title(men.text.split())
        name = " ".join(rest) if rest else men.text
        role = men.role or (" ".join(title) if title else None)
        return _Speaker(name, role, None, "name_unknown")
    if men.kind == "pron":
        w = men.text.lower()
        if w in ("he", "she"):
            return _resolve_personal(names, men.start, _PRONOUN_GENDER[w], last)
        if w == "it":
            org = names.recent_org(men.start)
            if org is not None and (last is None or last.person is not None or last.name != org):
                return _Speaker(org, None, None, "it_org")
        return _as_last(last)
    words = men.text.split()
    first = words[0].lower()
    if first in ("his", "her"):
        return _resolve_personal(names, men.start, _PRONOUN_GENDER[first], last)
    head = _head_noun(words)
    if first == "the" and 1 < len(words) <= 3 and (head in _ORG_WORDS or head in _GENERIC_ORG) and \
            not words[1][:1].isupper():
        # "the company said": the organization last seen speaking, one with the same head word first.
        org = names.recent_org(men.start, head)
        if org is not None:
            return _Speaker(org, None, None, "desc_org")
    if head in ROLE_NOUNS or head.rstrip("s") in ROLE_NOUNS or head not in _ORG_WORDS and first in ("the", "a"):
        if head in _COLLECTIVE or head.endswith("s") and head not in ROLE_NOUNS:
            return _Speaker(men.text, None, None, "collective")
        # "the longtime coach said": a description of a person the article is about; a person whose role
        # has the same words is the best guess, else the person in focus.
        p = names.by_role(words, men.start)
        if p is not None:
            return _Speaker(p.name, p.role, p, "desc_role")
        p = names.recent_subject(men.start, None)
        if p is not None:
            return _Speaker(p.name, p.role, p, "desc_subject")
        if last is not None and last.person is not None:
            return _as_last(last)
    if len(words) > 1 and first == "the" and words[1][:1].isupper():
        # "the Ruritanian Foreign Ministry": a proper name; the article is not part of it.
        return _Speaker(" ".join(words[1:]), men.role, None, "desc_proper")
    return _Speaker(men.text, men.role, None, "desc")


_NOMINAL_WINDOW = 1200


def _head_noun(words: list[str]) -> str:
    for i, w in enumerate(words):
        if w.lower() in ("of", "for", "at", "with", "from", "in") and i > 0:
            return words[i - 1].lower().strip(",")
    return words[-1].lower().strip(",")


def _resolve_personal(names: _Names, pos: int, gender: str, last: _Speaker | None) -> _Speaker:
    lone = names.recent_lone(pos, gender)
    if lone is not None:
        return _Speaker(lone, None, None, "pron_lone")
    p = names.recent_subject(pos, gender)
    if p is not None:
        return _Speaker(p.name, p.role, p, "pron_subject")
    if last is not None and (last.person is None or last.person.gender in (None, gender)):
        return _as_last(last)
    q = names.recent_person(pos, gender)
    if q is not None:
        return _Speaker(q.name, q.role, q, "pron_person")
    return _as_last(last)


# --- public API --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class RuleQuote:
    """One quote as the rules see it: its span, the rules' speaker and the mentions around it."""

    span: _Span
    quote: str
    speaker: _Speaker
    running: _Speaker | None  # the running speaker before this quote
    mention: _Mention | None  # the mention the rules attributed the quote to
    after: _Mention | None  # "...," said X / X said
    before: _Mention | None  # X said: "..."
    cue: str | None


@dataclass(slots=True)
class RuleRun:
    """The rules' reading of one article: narration with quotes blanked, its names, its quotes."""

    original: str
    text: str
    names: _Names
    quotes: list[RuleQuote]
    cache: dict[int, bool] = field(default_factory=dict)  # per-paragraph facts the features look up


def blank_quotes(text: str, spans: list[_Span]) -> str:
    """Return ``text`` with quote interiors blanked (offsets kept), keeping a final stop inside the marks."""
    parts: list[str] = []
    pos = 0
    for sp in spans:
        inner = text[sp.start : sp.end]
        keep = 1 if inner[-1] in ".!?…" else 0
        parts.append(text[pos : sp.start])
        parts.append("_" * (len(inner) - keep) + inner[len(inner) - keep :])
        pos = sp.end
    parts.append(text[pos:])
    return "".join(parts)


def attribute(text: str) -> RuleRun:
    """Read every quote of ``text`` with the hand rules: spans, mentions, the rules' speaker, running speaker."""
    spans = _find_spans(text)
    # Attribution reads the narration only: quote interiors are blanked (offsets kept), so that verbs and
    # names inside quotes are not taken for attributions and a quote never splits a sentence in two.
    original, text = text, blank_quotes(text, spans) if spans else text
    names = _Names(text)
    out: list[RuleQuote] = []
    last: _Speaker | None = None
    last_end = 0
    label_run = False
    for i, span in enumerate(spans):
        prev = spans[i - 1] if i > 0 and spans[i - 1].para == span.para else None
        nxt = spans[i + 1] if i + 1 < len(spans) and spans[i + 1].para == span.para else None
        limit = nxt.open_at if nxt else span.para_end
        floor = prev.close_at if prev else span.para_start
        quote = original[span.start : span.end]
        gap = text[floor : span.open_at]
        # A run of labels ("signs reading "A," "B" and "C"") stays a run of labels.
        label_run = (label_run and prev is not None and re.fullmatch(r"[\s,;]*(?:and|or)?\s*", gap) is not None) or (
            _LABEL_BEFORE.search(gap) is not None
        )
        after = _attribution_after(text, span, limit) if span.closed else None
        before = None if span.continued else _attribution_before(
            text, span, span.para_start, names, bool(_VERB_FIRST.match(quote)))
        men = after if after is not None else before
        if men is not None:
            spk = _resolve(men, names, last)
            cue = men.cue
        else:
            spk = _floating(names, span, last, last_end)
            cue = None
        if label_run and (men is None or men.cue is None or _lemma(men.cue) in _WEAK):
            continue
        if men is None and quote[:1].islower() and gap.strip() and not span.continued and \
                not text[_sentence_start(text, span.para_start, span.open_at) : span.open_at].strip() == "":
            # A lower-case fragment inside narration with no speech verb: a term, not a quote.
            continue
        if _scare(quote) or (men is None or men.cue is None) and _not_speech(quote, gap):
            continue
        out.append(RuleQuote(span, quote, spk, last, men, after, before, _norm_cue(cue)))
        if spk.name is not None:
            last = spk
            last_end = span.close_at
    return RuleRun(original, text, names, out)


def resolve_mention(men: _Mention, names: _Names, last: _Speaker | None) -> _Speaker:
    """Return the speaker a mention stands for (a full name, an organisation, a description)."""
    return _resolve(men, names, last)


def extract_quotes_by_rules(text: str) -> list[Quote]:
    """Return every direct quote in ``text`` with the hand rules' speaker, in text order."""
    out: list[Quote] = []
    for rq in attribute(text).quotes:
        spk = rq.speaker
        if spk.name is None and _word_count(rq.quote) <= 4:
            continue
        out.append(Quote(rq.quote, rq.span.start, rq.span.end, spk.name, spk.role, rq.cue,
                         rq.mention.text if rq.mention else None))
    return out


def _norm_cue(cue: str | None) -> str | None:
    return re.sub(r"\s+", " ", cue) if cue else None


def _floating(names: _Names, span: _Span, last: _Speaker | None, last_end: int) -> _Speaker:
    """Give a quote with no attribution of its own to the running speaker, or to a person newly in focus."""
    if last is None:
        p = names.recent_subject(span.start, None, window=1500)
        return _Speaker(p.name, p.role, p, "float_subject") if p is not None else _NOBODY
    if span.continued or span.open_at - last_end > 3000:
        return _as_last(last)
    # Narration since the last quote that is about someone else of the other gender ("Her message is
    # simple:" after a man spoke) hands the floating quote to that person.
    hint = None
    nl = names.text.find("\n", last_end, span.open_at)
    if nl < 0:
        return _as_last(last)
    fresh = names.recent_subject(span.start, None, window=span.start - nl)
    if fresh is not None and fresh is not last.person and fresh.name != last.name:
        # "Jo Roe had a more succinct statement." between two quotes: the new subject speaks next.
        return _Speaker(fresh.name, fresh.role, fresh, "float_new_subject")
    for m in re.finditer(r"\b(?:[Hh]e|[Ss]he|[Hh]is|[Hh]er|him|himself|herself)\b", names.text[nl : span.open_at]):
        hint = _PRONOUN_GENDER[m.group().lower()]
    if hint is None or last.person is None or last.person.gender in (None, hint):
        return _as_last(last)
    p = names.recent_subject(span.start, hint, window=span.start - nl)
    if p is not None and p.gender == hint:
        return _Speaker(p.name, p.role, p, "float_gender")
    return _as_last(last)


_CODE_TOKEN = re.compile(r"[/\\{}<>=;()\[\]]|\d\.\d|^\w+\.\w+\.")


def _not_speech(quote: str, gap: str) -> bool:
    """Return whether marks enclose a name or a string, not words said: a title, a product, code."""
    tokens = quote.split()
    odd = sum(1 for t in tokens if _CODE_TOKEN.search(t))
    if odd >= 2 and odd >= len(tokens) / 4:
        # "Mozilla/5.0 (X11; Linux x86_64)": a user-agent, a path, a line of code.
        return True
    words = [w for w in _WORDS.findall(quote) if len(w) > 3]
    if not words or quote.rstrip("”\"’' ")[-1:] in ".!?,":
        return False
    caps = sum(1 for w in words if w[:1].isupper())
    # "starred in "The Long Road Home"", "the "Global Growth Fund Class A"": Title Case inside narration.
    return caps >= 0.7 * len(words) and len(words) >= 2 and bool(gap.strip())


def _scare(quote: str) -> bool:
    """Return whether a quote is a scare-quoted word or phrase rather than something someone said."""
    n = _word_count(quote)
    if n <= 2:
        return not (quote[:1].isupper() and quote.rstrip("”\"’'")[-1:] in ".!?")
    if n <= 4:
        return quote[:1].islower() and quote.rstrip()[-1:] not in ".!?,"
    return False


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
