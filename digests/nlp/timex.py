"""Temporal expressions normalized to TIMEX3 values (TimeML / TempEval-3 conventions).

One precompiled alternation finds candidate spans in a single left-to-right pass; each alternative has a
resolver that turns the matched text into a TIMEX3 type and value against the publication date (the
document creation time, DCT). Bare weekdays, months and month-days take their direction from the tense of
the surrounding clause. Without a publication date, relative expressions keep ``X`` placeholders
(``XXXX-WXX-4``, ``XXXX-07``) instead of an invented absolute value.

Reference time: every placed date is kept as an anchor (with how explicit it was), and anaphoric expressions
are resolved against the nearest fitting anchor in their sentence, then paragraph, then the narrative so far,
before the publication date: a bare clock time takes the day its sentence or paragraph names; "forty years
later" and "two days earlier" count from the last named date ("ago" counts from publication); "the next
morning" and "that night" belong to the last placed day; a month with no year in a sentence that names another
month and year takes that year; a weekday restating a date just given ("on Dec. 18, a Wednesday") takes it.
Possessive "today's" ("today's youth") is the present, not a day. The extract output keeps a quoted "today"
on the publication day (how the corpora annotate it); the timeline treats it as the speaker's time.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import islice

from digests.models import Timex

__all__ = ["extract_timexes", "MONTHS", "WEEKDAYS", "parse_number"]

MONTHS: dict[str, int] = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
    "nov": 11, "dec": 12,
}
WEEKDAYS: dict[str, int] = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}
_SMALL = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "a": 1, "an": 1, "single": 1,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_ORDINALS = {"final": 4, "first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_VAGUE_COUNT = ("few", "several", "some", "many", "couple", "number", "dozens", "hundreds", "thousands")
_SEASONS = {"spring": "SP", "summer": "SU", "fall": "FA", "autumn": "FA", "winter": "WI"}
_SEASON_START = {"SP": 3, "SU": 6, "FA": 9, "WI": 12}
_PARTS_OF_DAY = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI"}

# ---------------------------------------------------------------------------------------------------------
# Building blocks of the big alternation.
_MONTH = (r"(?:(?:january|february|march|april|may|june|july|august|september|october|november|december)\b"
          r"|(?:jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\b\.?)")
_WDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_DAYN = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?\b"
_YEAR = r"(?:1[5-9]\d\d|20\d\d)\b"
_SPELLED_YEAR = (r"(?:nineteen|twenty)[- ](?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
                 r"(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?|ten|eleven|twelve|thirteen"
                 r"|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|oh[- ]\w+)"
                 r"|(?:the\s+year\s+)?two\s+thousand(?:\s+(?:and\s+)?(?:one|two|three|four|five|six|seven"
                 r"|eight|nine|ten))?")
_NUMW = (r"(?:(?:a|one|two|three|four|five|six|seven|eight|nine|ten)\s+thousand"
         r"|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|six"
         r"|seven|eight|nine))?|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen"
         r"|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|(?:a\s+|one\s+)?hundred|(?:a\s+)?dozen)")
_NUM = (rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?(?:\s+\d/\d)?|{_NUMW}(?:\s+and\s+a\s+half)?"
        r"|a\s+couple\s+of|a\s+few|a\s+number\s+of|several|few|some|many|a|an|dozens\s+of"
        r"|hundreds\s+of|thousands\s+of)")
_UNIT = (r"(?:second|minute|hour|day|night|week|fortnight|month|quarter|year|decade|centur(?:y|ies)"
         r"|millenni(?:um|a))s?\b")
_POD = r"(?:morning|afternoon|evening|night)"
_SEASON = r"(?:spring|summer|fall|autumn|winter)"
_CLOCK = (r"(?:\d{1,2}(?::\d\d)?\s*(?:a\.m\.|p\.m\.|am\b|pm\b)|\d{1,2}:\d\d\b|(?:[01]\d|2[0-3])[0-5]\d(?=\s+(?:GMT|UTC)\b)|noon\b|midnight\b)"
          r"(?:\s+(?:EST|EDT|CST|CDT|PST|PDT|GMT|UTC|ET|BST|CET)\b)?")
_PFX = (r"(?:(?:early|late|earlier|later)\s+|mid-?\s*|the\s+(?:beginning|start|middle|end)\s+of\s+"
        r"|(?:the\s+)?(?:first|second|last)\s+half\s+of\s+)")
_REL = r"(?:this\s+past|this\s+coming|the\s+(?:past|previous|last|coming|next|following)|this|last|next|past|coming|previous|following)"
_HOLIDAY = (r"(?:palm\s+sunday|good\s+friday|holy\s+(?:thursday|saturday)|maundy\s+thursday|ash\s+wednesday"
            r"|easter(?:\s+(?:sunday|monday|week(?:end)?))?|election\s+day|christmas(?:\s+(?:eve|day))?|new\s+year's(?:\s+(?:eve|day))?|thanksgiving(?:\s+day)?"
            r"|independence\s+day|labor\s+day|memorial\s+day|halloween|valentine's\s+day|boxing\s+day)")

_ALTERNATIVES: list[tuple[str, str]] = [
    ("iso", r"(?:1[5-9]|20)\d\d-(?:0[1-9]|1[0-2])-(?:[0-2]\d|3[01])\b"),
    ("slash", r"(?:0?[1-9]|1[0-2])/(?:[0-2]?\d|3[01])/(?:(?:19|20)\d\d|\d\d)\b"),
    ("clock", rf"(?:(?:around|about|shortly\s+(?:before|after)|just\s+(?:before|after))\s+)?{_CLOCK}"
              rf"(?:,?\s+(?:(?:on\s+)?{_WDAY}\b|today|yesterday|tomorrow|{_MONTH}\s+{_DAYN}))?"),
    ("weekof", rf"the\s+week\s+of\s+{_MONTH}\s+{_DAYN}(?:,?\s+{_YEAR})?"),
    ("mdy", rf"(?:{_WDAY},?\s+)?(?:(?:last|next|this)\s+)?(?:{_PFX})?{_MONTH}\s+{_DAYN}(?:,?\s+{_YEAR})?"),
    ("dmy", rf"(?:{_WDAY},?\s+)?(?:the\s+)?{_DAYN}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?"),
    ("quarter", rf"(?:the\s+)?(?:(?:{_YEAR}|(?:this|last|next)\s+year's|fiscal|calendar|current|latest"
                rf"|comparable|same|year-(?:ago|earlier))\s+)*(?:fiscal\s+)?(?:first|second|third|fourth|1st"
                rf"|2nd|3rd|4th|final(?=\s+quarter\s+of\s+(?:fiscal\s+)?(?:{_YEAR}|(?:this|last|next)\s+year)))[- ](?:fiscal[- ])?quarter\b(?:\s+of\s+(?:fiscal\s+)?(?:{_YEAR}|this\s+year"
                rf"|last\s+year|next\s+year))?"),
    ("qcode", rf"Q[1-4](?:\s+{_YEAR})?"),
    ("half", rf"(?:the\s+)?(?:first|second|last)\s+half\s+(?:of\s+)?(?:{_YEAR}|this\s+year|last\s+year|next\s+year"
             r"|the\s+year)"),
    ("monthyear", rf"(?:{_PFX})?{_MONTH},?\s+(?:of\s+)?(?:{_YEAR}|{_SPELLED_YEAR}|(?:this|last|next)\s+year)"),
    ("season", rf"(?:{_PFX})?(?:{_REL}\s+)?{_SEASON}(?:\s+(?:of\s+)?(?:{_YEAR}|{_SPELLED_YEAR}))?"),
    ("holiday", rf"{_HOLIDAY}(?:,?\s+{_YEAR})?"),
    ("ago", rf"(?:(?:nearly|almost|about|more\s+than|less\s+than|some|just|only|roughly|barely)\s+)?"
            rf"{_NUM}(?:\s+or\s+(?:so|two|more))?\s+{_UNIT}(?:\s+or\s+so)?\s+(?:ago|earlier|before|later"
            r"|from\s+now|hence)\b"),
    ("agoyear", r"(?:the\s+)?(?:year|month|week)-(?:ago|earlier)(?:\s+(?:\w+\s+)?(?:quarter|period|month"
                r"|year|week))?"),
    ("yearperiod", rf"the\s+{_YEAR}\s+(?:(?:first|second|third|fourth|fiscal|calendar)\s+)?(?:quarter|period)\b"),
    ("qref", r"(?:the|that|this)\s+(?:(?:latest|most\s+recent|recent|current|same|comparable|fiscal|just"
             r"[- ](?:ended|completed))\s+)*(?:quarter|period)\b(?!-|\s+of\s+(?:a|an|the|its|all)\b)"),
    ("yref", r"the\s+(?:current|full|latest|entire|whole)\s+(?:fiscal\s+|calendar\s+)?year\b(?!-)"),
    ("endof", r"(?:the\s+)?(?:end|middle|beginning|start)\s+of\s+the\s+(?:year|month|week)\b"
              r"|(?:earlier|later)\s+in\s+the\s+(?:year|month|week)\b"),
    ("duration", rf"(?:(?:each\s+of\s+)?the\s+|its\s+|their\s+)?(?:(?:past|last|next|first|final|previous"
                 rf"|coming|following|remaining|initial|latest|additional|further|same|better\s+part\s+of\s+the"
                 rf"|ensuing)\s+)?(?:(?:nearly|almost|more\s+than|less\s+than|at\s+least|up\s+to|over"
                 rf"|just\s+over|just\s+under|no\s+more\s+than|under|some|only|roughly)\s+)?{_NUM}"
                 rf"(?:\s*(?:to|or|-)\s*{_NUM})?\s+(?:more\s+|additional\s+|full\s+|consecutive\s+"
                 rf"|straight\s+|trading\s+|business\s+|calendar\s+|long\s+)?{_UNIT}"
                 r"(?:\s+and\s+a\s+half\b|\s+or\s+so)?"),
    ("longdur", r"(?:hour|day|week|month|year|decade|centur(?:y|ie))s?-long\b"),
    ("adjdur", rf"(?:\d+|{_NUMW}|several|a\s+few|multi)-(?:second|minute|hour|day|week|month|year|decade"
               r"|century)(?:-old|-long)?\b"),
    ("recentunit", r"(?:the\s+)?(?:(?:past|last|next|coming)\s+)?(?:few|several|recent|coming|many)\s+"
                   r"(?:seconds|minutes|hours|days|weeks|months|quarters|years|decades)\b"
                   r"|the\s+(?:days|weeks|months|years|decades)\s+ahead\b"),
    ("anaphor", r"(?:(?:earlier|later)\s+)?(?:the\s+(?:following|previous|prior|preceding|same|next)|that)\s+(?:day|week|month|year|morning|afternoon|evening|night)\b(?:\s+(?:a\s+year\s+(?:ago|earlier|before)|last\s+year)\b"
                r"|(?![- ](?:old|long|ago|earlier|later|before|after)\b))"),
    ("postanaphor", r"the\s+(?:day|week|month|year)\s+(?:before|after|previous|prior|earlier|later)(?=\s*[.,;:!?)]|\s*$)"),
    ("theday", r"(?:the\s+(?:start|end)\s+of\s+)?the\s+day\b(?!-|\s+(?:before|after)\b)"),
    ("rel", rf"(?:{_PFX})?(?:{_REL})\s+(?:week(?:end)?|month|year|quarter|decade|century|{_WDAY}|{_MONTH}"
            r"|fiscal\s+year)\b"),
    ("relpart", r"(?:(?:early|late|earlier|later)\s+)?(?:this|tomorrow|yesterday|last)\s+"
                r"(?:morning|afternoon|evening|night)\b"),
    ("dayword", rf"(?:(?:early|late|earlier|later)\s+)?(?:the\s+day\s+(?:before\s+yesterday|after\s+tomorrow)"
                rf"|today|tonight|yesterday|tomorrow)(?:\s+{_POD})?\b"),
    ("weekday", rf"(?:(?:early|late|earlier|later|every|each)\s+)?{_WDAY}s?(?:\s+{_POD}s?)?\b"),
    ("weekend", r"the\s+weekend\b"),
    ("decade", r"(?:the\s+)?(?:(?:early|mid|late)[- ]?)?(?:(?:1[5-9]|20)\d0['’]?s|['’]\d0s)\b|the\s+(?:twenties"
               r"|thirties|forties|fifties|sixties|seventies|eighties|nineties)\b"),
    ("century", r"(?:the\s+)?(?:\d{1,2}(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth"
                r"|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth"
                r"|eighteenth|nineteenth|twentieth|twenty-first)[- ]century\b"),
    ("partyear", rf"(?:{_PFX}){_YEAR}"),
    ("year", rf"(?:(?:fiscal|calendar)\s+)?(?:{_YEAR}|{_SPELLED_YEAR})"),
    ("shortyear", r"['’]\d\d(?![\w'’])"),
    ("yearend", r"year[- ]end\b(?![- ]\w)"),
    ("theyear", r"the\s+(?:fiscal\s+)?year\b(?![-'’]|\s+(?:before|after|earlier|later|previous|prior|ago|old"
                r"|of\s+(?:the|a|an)\b))"),
    ("set", r"(?:daily|weekly|monthly|yearly|hourly|nightly|biweekly)\b"
            r"|(?:every|each|per)\s+(?:other\s+)?(?:(?:\d+|two|three|four|five|six|ten|few)\s+)?"
            r"(?:seconds?|minutes?|hours?|days?|nights?|weeks?|months?|quarters?|years?|decades?|morning"
            r"|afternoon|evening|night|spring|summer|fall|autumn|winter|january|february|march|april|may"
            r"|june|july|august|september|october|november|december)\b"
            r"|(?:once|twice|(?:\w+\s+)?times)\s+a\s+(?:day|week|month|year)\b"),
    ("vague", r"(?:right\s+)?now\b|currently\b|nowadays\b|these\s+days\b|at\s+present\b|current\b"
              r"|(?:more\s+)?recently\b|lately\b|recent\b|the\s+(?:recent\s+)?past\b"
              r"|(?:the\s+)?(?:near\s+|distant\s+)?future\b"
              r"|the\s+(?:near|short|long)\s+term\b|(?:the\s+)?time\s+being\b|so\s+far\b"),
    ("bareplural", r"(?:(?<=\bfor\s)|(?<=\bin\s)|(?<=\bwithin\s))(?:years|months|weeks|decades|centuries)\b"
                   r"|(?:(?<=\bfor\s)|(?<=\bwithin\s))days\b"),
    ("midday", r"midday\b"),
    ("month", rf"(?:{_PFX})?{_MONTH}"),
]

_BIG = re.compile(
    r"(?<![\w$#])(?:" + "|".join(f"(?P<{name}>{pat})" for name, pat in _ALTERNATIVES) + r")(?!\w|-\d|-long\b|['’][a-rt-z])",
    re.IGNORECASE,
)

_RE_DURATION = re.compile(dict(_ALTERNATIVES)["duration"] + r"(?!\w)", re.IGNORECASE)

# Words that can open a candidate; other word starts are skipped without running the big alternation.
_FIRST_WORDS = frozenset(
    "the a an this last next past coming previous following early late earlier later mid each every per once "
    "twice around about shortly just nearly almost more less at up over under some only roughly barely its "
    "their several few many dozens hundreds thousands dozen hundred today tonight yesterday tomorrow now right "
    "currently nowadays these current recently lately recent future near distant time so fiscal calendar q "
    "spring summer fall autumn winter christmas new thanksgiving independence labor memorial halloween "
    "valentine boxing daily weekly monthly yearly hourly nightly biweekly year month week that noon midnight "
    "midday years months weeks decades multi no end middle beginning start first second third fourth fifth "
    "sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth "
    "eighteenth nineteenth twentieth twenty thirty forty fifty sixty seventy eighty ninety zero one two three "
    "four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen "
    "nineteen single couple number times rd th nd st day days hours centuries palm good holy maundy ash easter "
    "election".split()
) | frozenset(MONTHS) | frozenset(WEEKDAYS) | frozenset(w + "s" for w in WEEKDAYS)
_WORD_START = re.compile(r"(?<![\w$#])(?:([A-Za-z]+)|\d|['’]\d)")

# Small helpers used by the resolvers (precompiled once).
_RE_MONTH = re.compile(_MONTH, re.I)
_RE_WDAY = re.compile(_WDAY, re.I)
_RE_YEAR = re.compile(_YEAR)
_RE_SPELLED_YEAR = re.compile(_SPELLED_YEAR, re.I)
_RE_DAYN = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\b")
_RE_POD = re.compile(_POD, re.I)
_RE_UNIT = re.compile(_UNIT, re.I)
_RE_NUM_LEAD = re.compile(_NUM + r"(?=\s|-)", re.I)
_RE_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
_RE_CLOCK = re.compile(r"(\d{1,2})(?::(\d\d))?\s*(a\.m\.|p\.m\.|am|pm)?|noon|midnight", re.I)
_RE_REF_VALUE = re.compile(r"(\d{4})(?:-(\d\d)(?:-(\d\d))?)?(?:T|$)")
_RE_SEASON_VALUE = re.compile(r"(\d{4})-(SP|SU|FA|WI|Q[1-4]|H[12])$")
_MID_MONTH = {"SP": 4, "SU": 7, "FA": 10, "WI": 13, "Q1": 2, "Q2": 5, "Q3": 8, "Q4": 11, "H1": 3, "H2": 9}
_RE_RESTATE = re.compile(r",?\s*(?:(?:a|an|which\s+(?:was|is|will\s+be))\s+)?")
_RE_PARAGRAPH = re.compile(r"\n\s*\n")
_RE_SENT_BREAK = re.compile(r"[.!?;:\n]\s|\n")
# Words after a four-digit number that say it is a quantity, not a year.
_NOT_YEAR_AFTER = re.compile(
    r"\s*(?:%|percent|per\s+cent|million|billion|trillion|thousand|shares|people|dollars|yen|marks|francs"
    r"|pounds|tons|tonnes|acres|feet|foot|miles|meters|metres|km|kilometers|points|units|cars|jobs|workers"
    r"|troops|employees|students|barrels|ounces|hours|students|votes|seats|rooms|copies|to\s+\d|-\d|,\d{3}"
    r"|\.\d|/\d)",
    re.I,
)
_NOT_YEAR_BEFORE = re.compile(r"(?:\$|#|No\.|no\.|number|Nos\.|page|Room|route|Highway|flight|Flight|at|of"
                              r"|about|some|nearly|\d,)\s*$")
_FUTURE_CUES = frozenset(
    "will 'll shall should won't wo going scheduled expected expects expect plans plan planning due slated likely "
    "upcoming next would intends intend aims aim hopes tomorrow meet meets begin begins start starts open opens "
    "resume resumes arrive arrives visit visits soon early planned ahead".split()
)
_PAST_IRREGULAR = frozenset(
    "said was were had did met told made went came took gave fled held left began saw won lost got sent "
    "spoke paid rose fell sold bought led ran wrote brought thought felt kept found stood heard meant "
    "became broke chose drove flew forgot grew hit hung knew laid let put quit read rode rang sat set shot "
    "shut sang sank slid spent split spread struck swore threw understood woke wore wound ago last "
    "earlier yesterday hit cut been".split()
)
_BE = frozenset("is are was were be been being 's".split())
_DETERMINERS = frozenset("a an the its their his her our my your this that revenue earnings profit sales".split())
_MODAL_AHEAD = frozenset("will 'll shall would should must to".split())
_CLAUSE_OPENERS = frozenset("that which who whom whose because".split())
_NOT_PAST_ED = frozenset("need feed speed red bed hundred seed bleed breed indeed shed steed weed ".split())


@dataclass
class _Ctx:
    """Per-document state: the publication date, the last named quarter and the last placed date."""

    dct: date | None
    text: str
    quarter: tuple[int, int] | None = None
    quarter_pos: int = -10_000
    # The last date the text placed on the calendar (year, month or 0, day or 0): "the following year" and
    # "that day" count from it rather than from the publication date.
    ref: tuple[int, int, int] | None = None
    ref_end: int = -10_000
    day_ref: date | None = None
    day_ref_end: int = -10_000
    # Every date placed so far, in text order: (end offset, (year, month or 0, day or 0), how explicit).
    # The reference time of an anaphoric expression is the nearest one in its sentence, then its paragraph,
    # then the running narrative; the publication date only when none fits.
    anchors: list[tuple[int, tuple[int, int, int], int]] = field(default_factory=list)


# How a placed date got its value: deictic (counted from publication: "Tuesday", "today"), named (month and
# day in the text, year inferred: "Aug. 6") or dated (the text gives the year: "in 1978", "June 3, 2004").
DEICTIC, NAMED, DATED = 0, 1, 2
_ANCHOR_LOOKBACK = 64
_SENTENCE, _PARAGRAPH, _NARRATIVE = 0, 1, 2
_NAMED_KINDS = frozenset("mdy dmy weekof month holiday".split())
_DATED_KINDS = frozenset("iso slash monthyear season year shortyear partyear yearperiod decade century".split())


def _anchor(ctx: _Ctx, a: int, *, level: int = DEICTIC, day: bool = False, month: bool = False,
            scope: int = _PARAGRAPH) -> tuple[int, int, int] | None:
    """Return the nearest date placed before offset ``a`` within ``scope`` that is at least ``level`` explicit.

    The search widens from the sentence to the paragraph (and to the whole narrative so far when ``scope``
    allows); ``day``/``month`` ask for a date that names a day or a month.
    """
    text = ctx.text
    # A bounded look-back keeps a document with thousands of dates linear.
    for end, ymd, how in islice(reversed(ctx.anchors), _ANCHOR_LOOKBACK):
        if end > a:
            continue
        if scope < _NARRATIVE and _RE_PARAGRAPH.search(text, end, a):
            return None
        if scope < _PARAGRAPH and _RE_SENT_BREAK.search(text, end, a):
            return None
        if how >= level and (not day or ymd[2]) and (not month or ymd[1]):
            return ymd
    return None


def parse_number(token: str) -> int | None:
    """Return the integer a number phrase denotes ("twenty-four", "1,200", "a") or None when vague."""
    t = token.lower().replace(",", "").strip()
    t = re.sub(r"\s+", " ", t)
    if not t or any(v in t for v in _VAGUE_COUNT):
        return 2 if "couple" in t else None
    t = re.sub(r"\s+(?:and\s+a\s+half|1/2)$", "", t)
    if "half" in t or "/" in t:
        return None
    if t.replace(".", "", 1).isdigit():
        try:
            return int(float(t))
        except ValueError:
            return None
    if "dozen" in t:
        return 12
    if "hundred" in t:
        return 100
    if t.endswith(" thousand"):
        head = t[:-len(" thousand")]
        n = 1 if head in ("a", "one") else _SMALL.get(head)
        return n * 1000 if n else None
    total = 0
    for part in re.split(r"[- ]", t):
        if part in _TENS:
            total += _TENS[part]
        elif part in _SMALL:
            total += _SMALL[part]
        else:
            return None
    return total


def _spelled_year(text: str) -> int | None:
    t = text.lower().replace("the year", "").strip()
    if t.startswith("two thousand"):
        rest = t[len("two thousand"):].replace("and", "").strip()
        return 2000 + (parse_number(rest) or 0) if rest else 2000
    parts = re.split(r"[- ]", t, maxsplit=1)
    if len(parts) != 2:
        return None
    century = parse_number(parts[0])
    rest = parts[1]
    if rest.startswith("oh"):
        rest = rest[2:].strip("- ")
    tail = parse_number(rest)
    if century is None or tail is None:
        return None
    return century * 100 + tail


def _month_of(text: str) -> int | None:
    m = _RE_MONTH.search(text)
    return MONTHS.get(m.group().lower().rstrip(".")) if m else None


def _year_of(text: str) -> int | None:
    m = _RE_YEAR.search(text)
    if m:
        return int(m.group())
    m2 = _RE_SPELLED_YEAR.search(text)
    return _spelled_year(m2.group()) if m2 else None


def _week_value(d: date) -> str:
    iso = d.isocalendar()
    return f"{iso[0]:04d}-W{iso[1]:02d}"


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    idx = year * 12 + (month - 1) + delta
    return idx // 12, idx % 12 + 1


def _quarter_of(d: date) -> int:
    return (d.month - 1) // 3 + 1


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


_WIN_BEFORE = 12
_WIN_AFTER = 6
_NEAR_BEFORE = 2
# News mostly reports the past: a future reading must be this much nearer to win.
_FUTURE_WEIGHT = 1.5
_AGAINST_TENSE = 4.0
_AGAINST_WIDE = 2.5
_NEAR_AFTER = 0
_WIN_OPENER = 12
_RE_UNIT_AFTER = re.compile(r"\s+(?:years|months|weeks|days|hours|minutes|seconds|centuries|decades)\b", re.I)
_RE_SHARE_OF = re.compile(r"\s+of\s+(?:the|a|an|its|their|his|her|our|all|those|these|this|that)\b", re.I)
_PLAN_AFTER_PAST = frozenset("planning going scheduled slated due set".split())


def _last_match(pattern: re.Pattern[str], s: str) -> re.Match[str] | None:
    matches = list(pattern.finditer(s))
    return matches[-1] if matches else None


def _direction(text: str, start: int, end: int, near: bool = False) -> int:
    """Return -1 when the clause around a span reads as past, +1 as future, 0 when there is no cue."""
    lo = max(0, start - 160)
    before = text[lo:start]
    cut = _last_match(_RE_SENT_BREAK, before)
    if cut is not None:
        before = before[cut.end():]
    all_before = _RE_WORD.findall(before)
    # A preposition that fixes the side of the publication date decides on its own ("since April").
    after = text[end:end + 80]
    stop = _RE_SENT_BREAK.search(after)
    if stop:
        after = after[:stop.start()]
    lead = _lead_cue(all_before, _RE_WORD.findall(after)[:_WIN_AFTER])
    if lead:
        return lead
    best: tuple[int, int] = (10_000, 0)
    n_before = len(all_before)
    for dist in range(1, min(n_before, _NEAR_BEFORE if near else _WIN_BEFORE) + 1):
        i = n_before - dist
        w = all_before[i]
        cue = _cue(w, all_before[i + 1] if i + 1 < n_before else "", all_before[max(0, i - 2):i])
        if cue:
            best = min(best, (dist, cue), key=lambda x: x[0])
            break
    win_after = _NEAR_AFTER if near else _WIN_AFTER
    if not near and len(all_before) <= 1 and text[end:end + 1] == ",":
        # A date that opens its sentence ("On Tuesday, the league plans to ...") takes the tense of the main
        # clause that follows it, which can start several words later.
        win_after = _WIN_OPENER
    words_after = _RE_WORD.findall(after)[:win_after]
    for dist, w in enumerate(words_after, 1):
        if w.lower() in _CLAUSE_OPENERS:
            break  # a following "that"/"which" clause has its own tense ("told them Thursday that she would")
        cue = _cue(w, words_after[dist] if dist < len(words_after) else "", words_after[max(0, dist - 3):dist - 1])
        if cue:
            if dist + 1 < best[0]:
                best = (dist + 1, cue)
            break
    return best[1]


def _lead_cue(words_before: list[str], words_after: list[str]) -> int:
    """Return the direction a preposition right before the expression imposes ("since", "until"), else 0."""
    k = len(words_before)
    i = k - 1
    # Skip the words that may sit between the preposition and the expression ("since early April",
    # "until the weekend", "until at least Friday").
    while i >= 0 and k - i <= 3 and words_before[i].lower() in ("the", "at", "least", "on", "early", "late",
                                                                 "mid", "about", "around", "this"):
        i -= 1
    if i < 0 or k - i > 4:
        return 0
    w = words_before[i].lower()
    if w == "since":
        return -1
    if w in ("until", "till") and not (i >= 1 and words_before[i - 1].lower() in ("not", "only")):
        # "Until Thursday, they had not named him" looks back from a past point.
        return -1 if any(x.lower() == "had" for x in words_after) else 1
    return 0


def _cue(word: str, nxt: str = "", prev: list[str] | None = None) -> int:
    w = word.lower()
    before = prev[-1].lower() if prev else ""
    if w in ("forecast", "forecasts", "predicted", "set") and not (
            before in _BE or (nxt.lower() in ("to", "for") and before not in _DETERMINERS)):
        # Only the verb reads as a plan ("rain is forecast for the weekend", "talks set to resume"); the
        # noun ("its revenue forecast") and the past tense ("Cuba predicted Wednesday") do not.
        if w in ("forecast", "forecasts") and before and before not in _DETERMINERS and nxt \
                and nxt.lower() not in _BE and not nxt[0].isupper():
            return 1  # a verb with its object: "operators forecast record demand Monday"
        return -1 if w in ("predicted", "set") else 0
    if w in _FUTURE_CUES or w in ("forecast", "forecasts", "predicted", "set"):
        # A plan seen from the past ("had been scheduled to expire Friday") is in the past.
        if prev and prev[-1].lower() == "been" and len(prev) > 1 and prev[-2].lower() in ("had", "'d"):
            return -1
        return 1
    if w in ("was", "were") and nxt.lower() in _PLAN_AFTER_PAST:
        return 1  # a plan reported in the past tense still looks ahead: "they were planning to march Monday"
    past = w in _PAST_IRREGULAR or (word[0].islower() and len(w) > 4 and w.endswith("ed") and w not in _NOT_PAST_ED)
    if past and before == "be" and prev and len(prev) > 1 and prev[-2].lower() in _MODAL_AHEAD:
        return 1  # a passive after a future modal or "to": "will be named in December", "is to be sold"
    return -1 if past else 0


def _near_date(ctx: _Ctx, month: int, day: int | None, start: int, end: int) -> tuple[int, int] | None:
    """Pick the year of a month (and day) given without one: the nearest occurrence, weighed by tense."""
    dct = ctx.dct
    named = _anchor(ctx, start, level=DATED, month=True, scope=_SENTENCE)
    if named is not None and day is None and (dct is None or named[0] != dct.year):
        # Anchor rule "paragraph-year": a month with no year takes the year its sentence or paragraph has
        # just named ("in the summer of 2004 ... in mid-August"), counted forward from a named month.
        ref = date(named[0], named[1], named[2] or 15)
        best_ref: tuple[float, int] | None = None
        for y in (ref.year - 1, ref.year, ref.year + 1):
            cand = _safe_date(y, month, day or 15) or date(y, month, 28)
            gap = float((cand - ref).days)
            gap = gap if gap >= 0 else -gap * _FUTURE_WEIGHT
            if best_ref is None or gap < best_ref[0]:
                best_ref = (gap, y)
        return (best_ref[1], month) if best_ref else None
    if dct is None:
        return None
    direction = _direction(ctx.text, start, end, near=True)
    against = _AGAINST_TENSE
    if direction == 0:
        direction = _direction(ctx.text, start, end)
        against = _AGAINST_WIDE
    best: tuple[float, int] | None = None
    for y in (dct.year - 1, dct.year, dct.year + 1):
        if day is None:
            dist = float((y - dct.year) * 12 + month - dct.month)
        else:
            d = _safe_date(y, month, day) or (date(y, 2, 28) if month == 2 and day == 29 else None)
            if d is None:
                continue
            dist = float((d - dct).days)
        # The tense of the clause stretches distances against it; news defaults toward the past.
        if dist > 0:
            dist *= against if direction < 0 else 1.0 if direction > 0 else _FUTURE_WEIGHT
        elif dist < 0:
            dist = -dist * (against if direction > 0 else 1.0)
        if best is None or dist < best[0]:
            best = (dist, y)
    return (best[1], month) if best else None


def _weekday_date(ctx: _Ctx, wd: int, start: int, end: int, rel: str = "") -> date | None:
    dct = ctx.dct
    if dct is None:
        return None
    ref_day = _ref_day(ctx) if rel in ("previous", "following") else None
    if ref_day is not None:
        # "the previous Friday" counts from the day the text last placed, not from publication.
        dct = ref_day
    if not rel:
        named = _anchor(ctx, start, level=NAMED, day=True)
        named_day = _safe_date(*named) if named else None
        if named_day is not None and _RE_RESTATE.fullmatch(ctx.text, ctx.anchors[-1][0], start) \
                and ctx.anchors[-1][1] == named:
            # Anchor rule "restated-weekday": "on Dec. 18, a Wednesday" names the day just given.
            return named_day
    cur = dct.weekday()
    if rel in ("last", "past", "previous", "this past"):
        back = (cur - wd) % 7 or 7
        return dct - timedelta(days=back)
    if rel in ("next", "coming", "this coming", "following"):
        fwd = (wd - cur) % 7 or 7
        return dct + timedelta(days=fwd)
    if wd == cur:
        return dct
    # A possessive weekday ("Tuesday's vote") nearly always names something already reported.
    direction = -1 if ctx.text[end:end + 2] in ("'s", "’s") else _direction(ctx.text, start, end)
    if rel == "this" and direction == 0:
        direction = 1
    if direction > 0:
        return dct + timedelta(days=(wd - cur) % 7)
    return dct - timedelta(days=(cur - wd) % 7)


def _pod_suffix(text: str) -> str:
    m = _RE_POD.search(text)
    return "T" + _PARTS_OF_DAY[m.group().lower()] if m else ""


def _day_or_x(d: date | None, fallback: str = "XXXX-XX-XX") -> str:
    return d.isoformat() if d else fallback


# ---------------------------------------------------------------------------------------------------------
# Resolvers: (ctx, matched text, start, end) -> (type, value) or None to drop the candidate.
Resolved = tuple[str, str] | None


def _r_iso(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    return "DATE", s


def _r_slash(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    m_, d_, y_ = s.split("/")
    y = int(y_)
    if y < 100:
        y += 1900 if y > 30 else 2000
    d = _safe_date(y, int(m_), int(d_))
    return ("DATE", d.isoformat()) if d else None


def _r_clock(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    m = _RE_CLOCK.search(s)
    if not m:
        return None
    g = m.group().lower()
    mil = re.search(r"\b([01]\d|2[0-3])([0-5]\d)(?=\s+(?:GMT|UTC)\b)", s)
    if ctx.text[a - 1:a] == "(" and re.search(r"(?:[ap]\.?m\.?|\d)\s*$", ctx.text[max(0, a - 12):a - 1], re.I):
        return None  # "10:35 a.m. (0735 GMT)" restates the time just given
    if mil:
        m = mil  # "0800 GMT": a 24-hour time written without a colon
        hh, mm = int(mil.group(1)), int(mil.group(2))
    elif g == "noon":
        hh, mm = 12, 0
    elif g == "midnight":
        hh, mm = 24, 0
    else:
        hh = int(m.group(1))
        mm = int(m.group(2) or 0)
        ap = (m.group(3) or "").lower()
        if not ap and not m.group(2):
            return None
        if hh > 24 or mm > 59:
            return None
        if ap.startswith("p") and hh < 12:
            hh += 12
        elif ap.startswith("a") and hh == 12:
            hh = 0
    tail = s[m.end():]
    day: str
    wd = _RE_WDAY.search(tail)
    mon = _month_of(tail) if _RE_MONTH.search(tail) else None
    low = tail.lower()
    if wd:
        day = _day_or_x(_weekday_date(ctx, WEEKDAYS[wd.group().lower()], a, b),
                        f"XXXX-WXX-{WEEKDAYS[wd.group().lower()] + 1}")
    elif mon:
        dm = _RE_DAYN.search(tail[_RE_MONTH.search(tail).end():])  # type: ignore[union-attr]
        yy = _near_date(ctx, mon, int(dm.group(1)), a, b) if dm else None
        day = f"{yy[0]:04d}-{mon:02d}-{int(dm.group(1)):02d}" if yy and dm else "XXXX-XX-XX"
    elif "yesterday" in low:
        day = _day_or_x(ctx.dct - timedelta(days=1) if ctx.dct else None)
    elif "tomorrow" in low:
        day = _day_or_x(ctx.dct + timedelta(days=1) if ctx.dct else None)
    else:
        # Anchor rule "clock": a bare clock time belongs to the day its sentence, else its paragraph, last
        # placed ("On Saturday ... at 6 p.m."), not to the publication day.
        same = _following_day(ctx, b) or _anchor(ctx, a, day=True, scope=_SENTENCE)
        if same is None and _direction(ctx.text, a, b) <= 0:
            # Beyond its sentence the narrative's day holds only while the clause does not look ahead
            # ("The next test starts at 9 a.m." is not the day of the last test).
            same = _anchor(ctx, a, day=True, scope=_NARRATIVE)
        day = _day_or_x(_safe_date(*same) if same else ctx.dct)
    # ISO 8601 marks a time given in universal time with "Z" ("18:00 UTC"); local zones keep no suffix.
    zone = "Z" if re.search(r"\b(?:UTC|GMT)\b", s) and not re.match(r"\s*[+-]\d", ctx.text[b:b + 3]) else ""
    return "TIME", f"{day}T{hh:02d}:{mm:02d}{zone}"


_RE_ON_NEXT = re.compile(r",?\s+on\s+(?=\S)", re.I)
_DAY_KINDS = ("mdy", "dmy", "iso", "slash", "weekday")


def _following_day(ctx: _Ctx, b: int) -> tuple[int, int, int] | None:
    """Return the day named right after a clock time ("shortly after midnight on Dec. 19"), if any."""
    on = _RE_ON_NEXT.match(ctx.text, b)
    if on is None:
        return None
    m = _BIG.match(ctx.text, on.end())
    if m is None or m.lastgroup not in _DAY_KINDS:
        return None
    res = _RESOLVERS[m.lastgroup](ctx, m.group(), m.start(), m.end())
    rm = _RE_REF_VALUE.match(res[1]) if res else None
    if rm is None or not rm.group(3):
        return None
    return int(rm.group(1)), int(rm.group(2)), int(rm.group(3))


def _r_mdy(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    mm = _RE_MONTH.search(s)
    if mm is None:
        return None
    word = mm.group()
    if not word[0].isupper():
        return None
    month = MONTHS[word.lower().rstrip(".")]
    dm = _RE_DAYN.search(s, mm.end())
    if dm is None:
        return None
    day = int(dm.group(1))
    year = _year_of(s[dm.end():])
    rel = s[:mm.start()].lower().split()
    if year is None and ctx.dct is not None and rel and rel[-1] in ("last", "next"):
        this_year = _safe_date(ctx.dct.year, month, day)
        year = ctx.dct.year
        if rel[-1] == "last" and (this_year is None or this_year >= ctx.dct):
            year -= 1
        elif rel[-1] == "next" and (this_year is None or this_year <= ctx.dct):
            year += 1
    return _month_day(ctx, year, month, day, a, b)


def _month_day(ctx: _Ctx, year: int | None, month: int, day: int, a: int, b: int) -> Resolved:
    # A month and day with no year take the year of the nearest such date around the anchor.
    if year is None:
        near = _near_date(ctx, month, day, a, b)
        if near is None:
            return "DATE", f"XXXX-{month:02d}-{day:02d}"
        year = near[0]
    d = _safe_date(year, month, day)
    return ("DATE", d.isoformat()) if d else None


def _r_dmy(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    mm = _RE_MONTH.search(s)
    dm = _RE_DAYN.search(s)
    if mm is None or dm is None or not mm.group()[0].isupper():
        return None
    month = MONTHS[mm.group().lower().rstrip(".")]
    day = int(dm.group(1))
    year = _year_of(s[mm.end():])
    # "4 Mar" alone is too often a score or a count; a year, an ordinal or "the … of" makes it a date.
    if year is None and not re.search(r"\d(?:st|nd|rd|th)|^the|of", s, re.I) and len(mm.group().rstrip(".")) <= 4:
        return None
    return _month_day(ctx, year, month, day, a, b)


def _quarter_value(ctx: _Ctx, q: int, s: str, a: int) -> str:
    low = s.lower()
    year = _year_of(s)
    dct = ctx.dct
    if year is None:
        if dct is None:
            return f"XXXX-Q{q}"
        year = dct.year
        if "last year" in low or "year-ago" in low or "year-earlier" in low or "year ago" in low:
            year -= 1
        elif "next year" in low:
            year += 1
        elif q - _quarter_of(dct) >= 2 or (q > _quarter_of(dct) and _direction(ctx.text, a, a) < 0):
            year -= 1
    ctx.quarter = (year, q)
    ctx.quarter_pos = a
    return f"{year:04d}-Q{q}"


def _r_quarter(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    q = None
    for word in re.findall(r"[\w]+", s.lower()):
        if word in _ORDINALS:
            q = _ORDINALS[word]
    if q is None:
        return None
    return "DATE", _quarter_value(ctx, q, s, a)


def _r_qcode(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    if not s.startswith("Q"):
        return None
    return "DATE", _quarter_value(ctx, int(s[1]), s, a)


def _relative_year(ctx: _Ctx, low: str) -> int | None:
    year = _year_of(low)
    if year is not None:
        return year
    if ctx.dct is None:
        return None
    if "last year" in low:
        return ctx.dct.year - 1
    if "next year" in low:
        return ctx.dct.year + 1
    return ctx.dct.year


def _r_half(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    year = _relative_year(ctx, low)
    h = 1 if "first" in low else 2
    return "DATE", f"{year:04d}-H{h}" if year else f"XXXX-H{h}"


def _r_monthyear(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    mm = _RE_MONTH.search(s)
    if mm is None or not mm.group()[0].isupper():
        return None
    month = MONTHS[mm.group().lower().rstrip(".")]
    year = _relative_year(ctx, s[mm.end():].lower())
    return "DATE", f"{year:04d}-{month:02d}" if year else f"XXXX-{month:02d}"


def _r_season(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    words = low.replace("-", " ").split()
    season = next((_SEASONS[w] for w in words if w in _SEASONS), None)
    if season is None:
        return None
    has_mod = len(words) > 1 or _RE_YEAR.search(s) is not None
    if not has_mod:
        prev = ctx.text[max(0, a - 12):a].lower()
        # Only "fall" is also a verb; "autumn" is a season wherever a determiner or possessive introduces it.
        if "fall" in words or not re.search(
                r"\b(?:in|this|last|next|the|during|by|until|since|its|their|his|her|our)\s+$", prev):
            return None
    year = _year_of(s)
    dct = ctx.dct
    if year is None:
        if dct is None:
            return "DATE", f"XXXX-{season}"
        year = dct.year
        cur_start = _SEASON_START[season]
        started = dct.month >= cur_start or (season == "WI" and dct.month <= 2)
        if season == "WI" and dct.month <= 2:
            year -= 1
        if any(w in words for w in ("last", "past", "previous")):
            ended = dct.month >= (cur_start + 3) and season != "WI"
            if not ended:
                year -= 1
        elif any(w in words for w in ("next", "coming", "following")):
            if started:
                year += 1
        elif "this" not in words and started is False and _direction(ctx.text, a, b) < 0:
            year -= 1
    return "DATE", f"{year:04d}-{season}"


def _easter(year: int) -> date:
    """Western Easter Sunday (the anonymous Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * l_) // 433
    month = (h + l_ - 7 * m + 90) // 25
    return date(year, month, (h + l_ - 7 * m + 33 * month + 19) % 32)


_EASTER_OFFSETS = {"palm": -7, "ash": -46, "good": -2, "holy thursday": -3, "maundy": -3, "holy saturday": -1,
                   "easter monday": 1}


def _holiday_date(name: str, year: int) -> date | None:
    n = re.sub(r"\s+", " ", name.lower())
    if n.startswith(("easter", "palm", "ash", "good", "holy", "maundy")):
        key = next((k for k in _EASTER_OFFSETS if n.startswith(k)), "")
        return _easter(year) + timedelta(days=_EASTER_OFFSETS.get(key, 0))
    if n.startswith("election"):
        first = date(year, 11, 1)
        return first + timedelta(days=(0 - first.weekday()) % 7 + 1)
    if n.startswith("christmas"):
        return date(year, 12, 24 if "eve" in n else 25)
    if n.startswith("new year"):
        return date(year, 12, 31) if "eve" in n else date(year, 1, 1)
    if n.startswith("independence"):
        return date(year, 7, 4)
    if n.startswith("halloween"):
        return date(year, 10, 31)
    if n.startswith("valentine"):
        return date(year, 2, 14)
    if n.startswith("boxing"):
        return date(year, 12, 26)
    if n.startswith("thanksgiving"):
        first = date(year, 11, 1)
        return first + timedelta(days=(3 - first.weekday()) % 7 + 21)
    if n.startswith("labor"):
        first = date(year, 9, 1)
        return first + timedelta(days=(0 - first.weekday()) % 7)
    if n.startswith("memorial"):
        last = date(year, 5, 31)
        return last - timedelta(days=last.weekday())
    return None


def _r_holiday(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    if not s[0].isupper():
        return None
    year = _year_of(s)
    if year is None:
        if ctx.dct is None:
            return None
        base = _holiday_date(s, ctx.dct.year)
        if base is None:
            return None
        direction = _direction(ctx.text, a, b)
        year = ctx.dct.year
        if abs((base - ctx.dct).days) <= 30:
            pass  # a holiday within a month of publication is this year's, whatever the tense
        elif direction < 0 and base > ctx.dct:
            year -= 1
        elif direction > 0 and base < ctx.dct:
            year += 1
    d = _holiday_date(s, year)
    if d is not None and re.search(r"\bweekend\b", s, re.I):
        return "DATE", _week_value(d - timedelta(days=1)) + "-WE"
    if d is not None and re.search(r"\bweek\b", s, re.I):
        return "DATE", _week_value(d)
    return ("DATE", d.isoformat()) if d else None


# (unit prefix, TIMEX3 unit, multiplier, is a time unit): "fortnight" is two weeks, "decade" ten years.
_UNIT_CODES: tuple[tuple[str, str, int, bool], ...] = (
    ("second", "S", 1, True), ("minute", "M", 1, True), ("hour", "H", 1, True), ("day", "D", 1, False),
    ("night", "D", 1, False), ("fortnight", "W", 2, False), ("week", "W", 1, False), ("month", "M", 1, False),
    ("quarter", "Q", 1, False), ("decade", "Y", 10, False), ("centur", "Y", 100, False),
    ("millenni", "Y", 1000, False),
)


def _unit_code(unit: str) -> tuple[str, int, bool]:
    """Return (TIMEX3 unit letter, multiplier, is clock unit) for a unit word."""
    u = unit.lower()
    for prefix, code, mult, is_time in _UNIT_CODES:
        if u.startswith(prefix):
            return code, mult, is_time
    return "Y", 1, False


def _duration_value(n: int | None, unit: str, half: bool = False) -> str:
    letter, mult, clock = _unit_code(unit)
    prefix = "PT" if clock else "P"
    if n is None:
        if mult == 10:
            return "PXDE"
        if mult == 100:
            return "PXC"
        return f"{prefix}X{letter}"
    if half and letter == "M" and clock:
        return f"PT{n}M30S"
    if half and letter == "H":
        return f"PT{n}H30M"
    if half and letter == "Y" and mult == 1:
        return f"P{n}Y6M"
    if half and letter == "D":
        return f"P{n}DT12H"
    return f"{prefix}{n * mult}{letter}"


def _count_and_unit(s: str) -> tuple[int | None, str, bool] | None:
    um = _last_match(_RE_UNIT, s)
    if um is None:
        return None
    head = s[:um.start()]
    head = re.sub(r"\b(?:more|additional|full|consecutive|straight|trading|business|calendar|long)\s*$", "",
                  head.strip(), flags=re.I).strip()
    nm = _last_match(_RE_NUM_LEAD, head + " ")
    n = parse_number(nm.group()) if nm else None
    if nm and re.search(r"\b(?:to|or)\b|\d-\d", head[nm.start() - 6 if nm.start() >= 6 else 0:], re.I):
        first = _RE_NUM_LEAD.search(head + " ")
        if first is not None and first.start() != nm.start():
            n = parse_number(first.group()) if "or" in head.lower().split() or " to " in head.lower() else n
    return n, um.group(), bool(re.search(r"\bhalf\b|\d\s+1/2\b", s, re.I))


def _r_ago(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    cu = _count_and_unit(re.sub(r"\s+(?:ago|earlier|before|later|from\s+now|hence)$", "", s, flags=re.I))
    if cu is None:
        return None
    n, unit, _ = cu
    low = s.lower()
    if re.search(r"\b(?:not|no)\s+$", ctx.text[max(0, a - 5):a], re.I):
        return None  # "not a day later" says "no later than", it names no time
    sign = 1 if re.search(r"later|from now|hence", low) else -1
    letter, mult, clock = _unit_code(unit)
    dct = ctx.dct
    if "before" in low.split()[-1:] or ("later" in low and not low.endswith("later")):
        return None
    if ctx.quarter and letter == "Y" and mult == 1 and n == 1 and a - ctx.quarter_pos < 600:
        y, q = ctx.quarter
        return "DATE", f"{y + sign * (n or 1) * mult:04d}-Q{q}"
    if dct is None or clock:
        if clock:
            return "DURATION", _duration_value(n, unit)
        return "DATE", "PAST_REF" if sign < 0 else "FUTURE_REF"
    if n is None:
        return "DATE", "PAST_REF" if sign < 0 else "FUTURE_REF"
    k = sign * n * mult
    if low.endswith(("later", "earlier")):
        # Anchor rule "offset": "later"/"earlier" count from the narrative's last named date ("in 1978 ...
        # Forty years later"), while "ago" and "from now" count from publication.
        base = _anchor(ctx, a, level=NAMED, day=letter in "DW", month=letter in "MQ", scope=_NARRATIVE)
        if base is not None:
            dct = _safe_date(base[0], base[1] or 1, base[2] or 1) or dct
            if base[2] and letter in "MY":
                # An offset from a named day lands on a day ("as of Sept. 30 ... a year earlier").
                y, m = _shift_month(base[0], base[1], k * (12 if letter == "Y" else 1))
                landed = _safe_date(y, m, min(base[2], month_days(y, m)))
                if landed is not None:
                    return "DATE", landed.isoformat()
    if letter == "D":
        return "DATE", (dct + timedelta(days=k)).isoformat()
    if letter == "W":
        return "DATE", _week_value(dct + timedelta(weeks=k))
    if letter == "M":
        y, m = _shift_month(dct.year, dct.month, k)
        return "DATE", f"{y:04d}-{m:02d}"
    if letter == "Q":
        y, m = _shift_month(dct.year, dct.month, 3 * k)
        return "DATE", f"{y:04d}-Q{(m - 1) // 3 + 1}"
    if mult >= 10:
        return "DATE", f"{(dct.year + k) // 10}X" if mult == 10 and abs(k) >= 10 else f"{dct.year + k:04d}"
    return "DATE", f"{dct.year + k:04d}"


def _r_agoyear(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    if ctx.quarter and (a - ctx.quarter_pos < 800 or "quarter" in low):
        y, q = ctx.quarter
        return "DATE", f"{y - 1:04d}-Q{q}"
    if ctx.dct is None:
        return "DATE", "XXXX"
    if low.startswith(("month", "the month")):
        y, m = _shift_month(ctx.dct.year, ctx.dct.month, -1)
        return "DATE", f"{y:04d}-{m:02d}"
    if low.startswith(("week", "the week")):
        return "DATE", _week_value(ctx.dct - timedelta(weeks=1))
    if "quarter" in low:
        y, m = _shift_month(ctx.dct.year, ctx.dct.month, -15)
        return "DATE", f"{y:04d}-Q{(m - 1) // 3 + 1}"
    return "DATE", f"{ctx.dct.year - 1:04d}"


def _anchor_quarter(ctx: _Ctx, a: int, reach: int = 1500) -> tuple[int, int] | None:
    """Return the last quarter the document named explicitly, if it is close enough to refer back to."""
    if ctx.quarter and a - ctx.quarter_pos < reach:
        return ctx.quarter
    return None


def _r_yearperiod(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    year = _year_of(s)
    if year is None:
        return None
    low = s.lower()
    q = next((_ORDINALS[w] for w in low.split() if w in _ORDINALS), None)
    if q is None and ctx.quarter:
        q = ctx.quarter[1]
    return "DATE", f"{year:04d}-Q{q}" if q else f"{year:04d}"


def _r_qref(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    anchor = _anchor_quarter(ctx, a)
    if low.endswith("period") and anchor is None:
        return None
    if ctx.dct is None:
        return "DATE", f"{anchor[0]:04d}-Q{anchor[1]}" if anchor else "XXXX-QX"
    if "current" in low:
        return "DATE", f"{ctx.dct.year:04d}-Q{_quarter_of(ctx.dct)}"
    current = (ctx.dct.year, _quarter_of(ctx.dct))
    if anchor and (anchor < current or not re.search(r"latest|recent|just|ended|completed", low)
                   or _direction(ctx.text, ctx.quarter_pos, ctx.quarter_pos) < 0):
        # "the latest quarter" is a finished one: the current quarter anchors it only when the text reported
        # it ("reported fourth-quarter earnings"), not when it looked ahead ("a fourth-quarter charge will").
        # Restating the quarter keeps it the period the narrative reports on ("in the quarter ... a year ago").
        ctx.quarter_pos = a
        return "DATE", f"{anchor[0]:04d}-Q{anchor[1]}"
    y, m = _shift_month(ctx.dct.year, ctx.dct.month, -3)
    return "DATE", f"{y:04d}-Q{(m - 1) // 3 + 1}"


def _r_yref(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    if "full" in low or "entire" in low or "whole" in low:
        # "a loss in the fourth quarter of 2005 and for the entire year": the year the text just named
        last = max((ctx.ref_end, ctx.ref[0]) if ctx.ref else (-1, 0),
                   (ctx.quarter_pos, ctx.quarter[0]) if ctx.quarter else (-1, 0))
        if last[1] and 0 <= a - last[0] < 300 and not _RE_PARAGRAPH.search(ctx.text, last[0], a):
            return "DATE", f"{last[1]:04d}"
    return "DATE", f"{ctx.dct.year:04d}" if ctx.dct else "XXXX"


def _r_endof(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    dct = ctx.dct
    if low.endswith("year"):
        return "DATE", f"{dct.year:04d}" if dct else "XXXX"
    if low.endswith("month"):
        return "DATE", f"{dct.year:04d}-{dct.month:02d}" if dct else "XXXX-XX"
    return "DATE", _week_value(dct) if dct else "XXXX-WXX"


_PART_OF_YEAR = (r"(?:days|weeks|months|quarters?|half|end|beginning|start|middle|rest|remainder|most|part|balance"
                 r"|course|portion|bulk|time|much|all)")


def _r_theyear(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    """"For the year, sales rose" names the current year; "the year ended June 30" is a twelve-month span."""
    if re.match(r"\s+(?:ended|ending)\b", ctx.text[b:b + 10], re.I):
        return "DURATION", "P1Y"
    of = re.search(r"(\w+)\s+of\s+$", ctx.text[max(0, a - 30):a])
    if of and not re.fullmatch(_PART_OF_YEAR, of.group(1), re.I):
        return None  # "player of the year" is an award, not a date
    return "DATE", f"{ctx.dct.year:04d}" if ctx.dct else "XXXX"


def _r_bareplural(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    return "DURATION", _duration_value(None, s)


def _r_midday(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    return "TIME", _day_or_x(ctx.dct) + "T12:00"


def _r_duration(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    cu = _count_and_unit(s)
    if cu is None or re.match(r"\s+old\b", ctx.text[b:b + 5]):
        return None
    if cu[1].lower().startswith("quarter") and _RE_SHARE_OF.match(ctx.text, b):
        return None  # a share, not a period: "more than a quarter of the market"
    n, unit, half = cu
    low = s.lower()
    words = low.split()
    if words[0] in ("a", "an") and len(words) == 2:
        if words[1] == "second":
            return None
        prev = ctx.text[max(0, a - 25):a].lower()
        # A rate ("700 seats a week", "$2 a year") is not annotated as a time expression.
        if re.search(r"(?:\d|times|twice|once|percent|%|million|billion|cents?|dollars?)\s*$", prev.strip()) \
                or re.search(r"\d", prev[-16:]):
            return None
    if words[0] in ("some",) and n is None and len(words) == 2 and not unit.lower().endswith("s"):
        return None
    if n == 1 and words[0] in ("a", "an", "one") and unit.lower().rstrip("s") == "quarter" and len(words) == 2:
        return "DURATION", "P3M"
    if unit.lower().startswith("quarter") and n is not None:
        return "DURATION", f"P{3 * n}M"
    if unit.lower().startswith("quarter"):
        return "DURATION", "PXQ"
    return "DURATION", _duration_value(n, unit, half)


def _r_longdur(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    """"A decades-long dispute" (PXY), "a day-long strike" (P1D)."""
    unit = s.lower()[:-len("-long")]
    plural = unit.endswith("s") and not unit.endswith("ss")
    if plural and unit.startswith(("decade", "centur")):
        return "DURATION", "PXY"  # "decades-long": an unknown number of years
    return "DURATION", _duration_value(None if plural else 1, unit)


def _r_weekof(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    """"The week of March 6" is the ISO week holding that day."""
    off = _RE_MONTH.search(s)
    if off is None:
        return None
    res = _r_mdy(ctx, s[off.start():], a + off.start(), b)
    if res is None:
        return None
    d = _safe_date(*map(int, res[1].split("-"))) if re.fullmatch(r"\d{4}-\d\d-\d\d", res[1]) else None
    return "DATE", _week_value(d) if d else "XXXX-WXX"


def _r_adjdur(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    if s.lower().endswith("-old"):
        return None
    head, unit = s.lower().removesuffix("-long").rsplit("-", 1)
    n = parse_number(head) if head != "multi" else None
    return "DURATION", _duration_value(n, unit)


def _r_recentunit(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    unit = low.split()[-1]
    if "recent" in low:
        if re.search(r"\b(?:in|over|during|for)\s+$", ctx.text[max(0, a - 8):a], re.I) and not low.startswith("the"):
            return "DURATION", _duration_value(None, unit)  # "in recent years" spans them: PXY
        return "DATE", "PAST_REF"
    if low.endswith("ahead"):
        return "DURATION", _duration_value(None, low.split()[1])  # "in the weeks ahead": PXW
    if "coming" in low or "next" in low:
        if low.startswith(("the next", "next")) or re.search(r"\b(?:in|over|during)\s+$", ctx.text[max(0, a - 8):a],
                                                             re.I):
            return "DURATION", _duration_value(None, unit)
        return "DATE", "FUTURE_REF"
    if low.startswith("many"):
        return None
    return "DURATION", _duration_value(None, unit)


def _strip_prefix(low: str) -> tuple[str, str]:
    """Split a part-of-period prefix ("early", "mid-", "the end of") from the rest."""
    m = re.match(r"(earlier|later|early|late|mid-?|the\s+(?:beginning|start|middle|end)\s+of|(?:the\s+)?"
                 r"(?:first|second|last)\s+half\s+of)\s*", low)
    if not m:
        return "", low
    return m.group(1), low[m.end():]


def _r_rel(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = re.sub(r"\s+", " ", s.lower())
    _, rest = _strip_prefix(low)
    rest = rest.removeprefix("the ")
    rel_m = re.match(r"(this past|this coming|past|previous|last|coming|next|following|this)\s+(.*)", rest)
    if rel_m is None:
        return None
    rel, noun = rel_m.group(1), rel_m.group(2)
    dct = ctx.dct
    if low.startswith("the ") and rel in ("past", "last", "next", "coming") and noun in ("week", "month",
                                                                                       "year", "decade"):
        # "the past year" reads as the year before; keep DATE like TimeBank does.
        pass
    back = rel in ("past", "previous", "last", "this past")
    fwd = rel in ("coming", "next", "following", "this coming")
    step = -1 if back else 1 if fwd else 0
    wd = _RE_WDAY.fullmatch(noun)
    if wd:
        d = _weekday_date(ctx, WEEKDAYS[noun], a, b, rel)
        return "DATE", _day_or_x(d, f"XXXX-WXX-{WEEKDAYS[noun] + 1}")
    mm = _RE_MONTH.fullmatch(noun)
    if mm:
        month = MONTHS[noun.rstrip(".")]
        if not s[-len(noun):][0].isupper():
            return None
        if dct is None:
            return "DATE", f"XXXX-{month:02d}"
        year = dct.year
        if step < 0 and month >= dct.month and not (rel == "last" and month == dct.month and False):
            year -= 1
        elif step > 0 and month <= dct.month:
            year += 1
        return "DATE", f"{year:04d}-{month:02d}"
    if dct is None:
        if noun == "week":
            return "DATE", "XXXX-WXX"
        if noun == "month":
            return "DATE", "XXXX-XX"
        return "DATE", "XXXX"
    if noun == "week":
        return "DATE", _week_value(dct + timedelta(weeks=step))
    if noun == "weekend":
        base = dct + timedelta(weeks=step)
        if step == 0 and dct.weekday() < 5 and _direction(ctx.text, a, b) < 0:
            base = dct - timedelta(weeks=1)
        return "DATE", _week_value(base) + "-WE"
    if noun == "month":
        y, m = _shift_month(dct.year, dct.month, step)
        return "DATE", f"{y:04d}-{m:02d}"
    if noun in ("year", "fiscal year"):
        return "DATE", f"{dct.year + step:04d}"
    if noun == "quarter":
        y, m = _shift_month(dct.year, dct.month, 3 * step)
        return "DATE", f"{y:04d}-Q{(m - 1) // 3 + 1}"
    if noun == "decade":
        return "DATE", f"{(dct.year // 10) + step:03d}"
    if noun == "century":
        return "DATE", f"{(dct.year // 100) + step:02d}"
    return None


def _ref_day(ctx: _Ctx) -> date | None:
    """Return the last placed day, or None when the last placed date is coarser than a day."""
    if ctx.ref is None or not ctx.ref[2]:
        return None
    return _safe_date(*ctx.ref)


def _r_anaphor(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    nm = re.search(r"(\w+)\s+(day|week|month|year|morning|afternoon|evening|night)\b", low)
    if nm is None:
        return None
    rel, noun = nm.groups()
    step = {"following": 1, "next": 1, "previous": -1, "prior": -1, "preceding": -1}.get(rel, 0)
    if noun in _PARTS_OF_DAY:
        # Anchor rule "next-morning": "the next morning", "that night" are parts of the day the narrative
        # last placed (one day on for "next"/"following"), not of the publication day.
        d = _ref_day(ctx)
        if d is None and not step:
            return None
        d = d or ctx.dct
        pod = "T" + _PARTS_OF_DAY[noun]
        return "TIME", (d + timedelta(days=step)).isoformat() + pod if d else "XXXX-XX-XX" + pod
    ref = ctx.ref
    if rel == "same" and low[nm.end():].strip():
        # "the same month a year ago": the placed date moved back a year.
        if ref is None or (noun != "year" and not ref[1]) or (noun in ("day", "week") and not ref[2]):
            return None
        back = _safe_date(ref[0] - 1, ref[1] or 1, min(ref[2] or 1, 28 if ref[1] == 2 else 31))
        if back is None:
            return None
        if noun == "month":
            return "DATE", f"{ref[0] - 1:04d}-{ref[1]:02d}"
        if noun == "year":
            return "DATE", f"{ref[0] - 1:04d}"
        return "DATE", _week_value(back) if noun == "week" else back.isoformat()
    if noun == "day":
        d = _ref_day(ctx)
        if d is None and not step:
            return None  # "that day" with no day placed before it is generic ("strong redemptions that day")
        d = d or ctx.dct
        return "DATE", (d + timedelta(days=step)).isoformat() if d else "XXXX-XX-XX"
    if rel == "next":
        return _r_rel(ctx, s, a, b)  # "the next week" counts from the publication date
    if noun == "week":
        d = _ref_day(ctx) or ctx.dct
        return "DATE", _week_value(d + timedelta(weeks=step)) if d else "XXXX-WXX"
    if noun == "month":
        if ref is not None and ref[1]:
            y, m = _shift_month(ref[0], ref[1], step)
        elif ctx.dct is not None:
            y, m = _shift_month(ctx.dct.year, ctx.dct.month, step)
        else:
            return "DATE", "XXXX-XX"
        return "DATE", f"{y:04d}-{m:02d}"
    year = ref[0] if ref is not None else ctx.dct.year if ctx.dct else None
    return "DATE", f"{year + step:04d}" if year is not None else "XXXX"


def _r_postanaphor(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    """"The year previous", "the day after" (closing their clause): one step from the last placed date."""
    if ctx.ref is None:
        return None  # with no date placed before it, "after falling the year before" names no year
    low = s.lower().split()
    step = 1 if low[-1] in ("after", "later") else -1
    rel = "following" if step > 0 else "previous"
    return _r_anaphor(ctx, f"the {rel} {low[1]}", a, b)


_RE_DAY_VERB = re.compile(r"\b(?:end|ends|ending|ended|finish|finishes|finishing|finished|close|closes|closing"
                          r"|closed|start|starts|starting|started|open|opens|opening|opened|begin|begins|began"
                          r"|for)\s+$",
                          re.I)


def _r_theday(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    """"Ended the day at 8,017", "the start of the day": the (trading) day the paragraph reports on."""
    if not re.match(r"the\s+(?:start|end)\b", s, re.I) and not _RE_DAY_VERB.search(ctx.text, max(0, a - 12), a):
        return None
    d = ctx.day_ref if ctx.day_ref and not _RE_PARAGRAPH.search(ctx.text, max(0, ctx.day_ref_end), a) else ctx.dct
    return "DATE", d.isoformat() if d else "XXXX-XX-XX"


def _r_relpart(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    pod = _pod_suffix(low)
    if ctx.dct is None:
        return "TIME", "XXXX-XX-XX" + pod
    d = ctx.dct
    if "yesterday" in low or ("last" in low and "night" in low):
        d -= timedelta(days=1)
    elif "tomorrow" in low:
        d += timedelta(days=1)
    elif "last" in low:
        return None
    return "TIME", d.isoformat() + pod


def _r_dayword(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    pod = _pod_suffix(low.replace("tonight", ""))
    if "tonight" in low:
        pod = "TNI"
    shift = 0
    if "before yesterday" in low:
        shift = -2
    elif "after tomorrow" in low:
        shift = 2
    elif "yesterday" in low:
        shift = -1
    elif "tomorrow" in low:
        shift = 1
    typ = "TIME" if pod else "DATE"
    if low == "today" and _generic_now(ctx, a, b):
        return "DATE", "PRESENT_REF"
    if ctx.dct is None:
        return typ, ("PRESENT_REF" if shift == 0 and not pod else "XXXX-XX-XX" + pod)
    return typ, (ctx.dct + timedelta(days=shift)).isoformat() + pod


_GENERIC_AFTER_TODAY = frozenset(
    "world society youth young generation generations children kids standards economy technology culture "
    "market markets environment people women men teenagers students families consumers".split()
)


def _generic_now(ctx: _Ctx, a: int, b: int) -> bool:
    """True when "today" means nowadays ("today's youth", "today's GM") rather than a day."""
    text = ctx.text
    after = text[b:b + 40]
    nxt = re.match(r"(?:['’]s)\s+(\w+)", after)
    if nxt is not None:
        word = nxt.group(1)
        return word.lower() in _GENERIC_AFTER_TODAY or (word[0].isupper() and not text[b - 5:b].istitle())
    return False


def _r_weekday(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    wm = _RE_WDAY.search(low)
    if wm is None or not s[wm.start()].isupper():
        return None
    wd = WEEKDAYS[wm.group()]
    pod = _pod_suffix(low)
    plural = low[wm.end():wm.end() + 1] == "s" or re.search(r"\b(?:nights|mornings|evenings|afternoons)\b", low)
    if low.startswith(("every", "each")) or plural:
        return "SET", f"XXXX-WXX-{wd + 1}{pod}"
    d = _weekday_date(ctx, wd, a, b)
    value = _day_or_x(d, f"XXXX-WXX-{wd + 1}") + pod
    return ("TIME" if pod else "DATE"), value


def _r_weekend(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    dct = ctx.dct
    if dct is None:
        return "DATE", "XXXX-WXX-WE"
    direction = _direction(ctx.text, a, b)
    if dct.weekday() >= 5:
        base = dct
    elif direction > 0:
        base = dct
    else:
        base = dct - timedelta(weeks=1)
    return "DATE", _week_value(base) + "-WE"


def _r_decade(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    m = re.search(r"(\d{3})0['’]?s|['’](\d)0s", low)
    if m:
        if m.group(1):
            return "DATE", m.group(1)
        if ctx.dct is None:
            return None
        century = ctx.dct.year // 100
        dec = int(m.group(2))
        if dec * 10 > ctx.dct.year % 100:
            century -= 1
        return "DATE", f"{century}{dec}"
    names = ["twenties", "thirties", "forties", "fifties", "sixties", "seventies", "eighties", "nineties"]
    for i, name in enumerate(names):
        if name in low:
            century = ctx.dct.year // 100 if ctx.dct else 19
            if ctx.dct and (i + 2) * 10 > ctx.dct.year % 100:
                century -= 1
            return "DATE", f"{century}{i + 2}"
    return None


_ORD_WORDS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
              "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
              "eighteenth", "nineteenth", "twentieth"]


def _r_century(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    m = re.search(r"(\d{1,2})(?:st|nd|rd|th)", low)
    if m:
        n = int(m.group(1))
    elif "twenty-first" in low:
        n = 21
    else:
        n = next((i + 1 for i, w in enumerate(_ORD_WORDS) if re.search(rf"\b{w}\b", low)), 0)
    if not n:
        return None
    return "DATE", f"{n - 1:02d}"


def _r_partyear(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    year = _year_of(s)
    if year is None:
        return None
    return "DATE", f"{year:04d}"


def _plausible_year(ctx: _Ctx, year: int) -> bool:
    """A four-digit number close enough to the publication year to be read as a year by default."""
    top = ctx.dct.year + 10 if ctx.dct else 2099
    return 1900 <= year <= top


def _year_range_start(ctx: _Ctx, year: int, b: int) -> bool:
    """True for the first year of a span of years ("from 1991 to 1997"), not a count ("1500 to 2000 jobs")."""
    m = re.match(r"\s+to\s+((?:19|20)\d\d)\b", ctx.text[b:b + 12])
    if m is None or _NOT_YEAR_AFTER.match(ctx.text, b + m.end()):
        return False
    end = int(m.group(1))
    return _plausible_year(ctx, year) and year < end <= year + 100


def _r_year(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    year = _year_of(s)
    if year is None:
        return None
    if s[0].isdigit():
        if not 1700 <= year <= 2099:
            return None
        if _NOT_YEAR_AFTER.match(ctx.text, b) and not _year_range_start(ctx, year, b):
            return None
        before = _NOT_YEAR_BEFORE.search(ctx.text, max(0, a - 12), a)
        if before and not (before.group().startswith("of") and _plausible_year(ctx, year)):
            return None  # "a total of 1500" is a count; "the biggest loss of 2007" is a year
    elif _NOT_YEAR_AFTER.match(ctx.text, b) or _RE_UNIT_AFTER.match(ctx.text, b):
        return None  # "two thousand dollars", "two thousand years" are amounts
    return "DATE", f"{year:04d}"


def _r_yearend(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    """"By year-end" is the last day of the year; "since year-end" looks back to the last one passed."""
    if not re.search(r"\b(?:by|since|at|until|till|before|after|toward|towards|through)\s+$",
                     ctx.text[max(0, a - 9):a], re.I):
        return None  # "year-end net" is an attribute, not a date
    if ctx.dct is None:
        return "DATE", "XXXX-12-31"
    year = ctx.dct.year - 1 if _direction(ctx.text, a, b) < 0 else ctx.dct.year
    return "DATE", f"{year:04d}-12-31"


def _r_shortyear(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    """"Since '82": a year cut to two digits, in the century that puts it at or before publication."""
    if not re.search(r"\b(?:in|since|of|until|by|before|after|from)\s+$", ctx.text[max(0, a - 7):a], re.I):
        return None  # only after a preposition of time is "'82" a year and not a closing quote and a number
    yy = int(s[1:])
    base = ctx.dct.year if ctx.dct else 2099
    year = base // 100 * 100 + yy
    if year > base:
        year -= 100
    return "DATE", f"{year:04d}"


def _r_set(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = s.lower()
    simple = {"daily": "P1D", "weekly": "P1W", "monthly": "P1M", "annually": "P1Y", "yearly": "P1Y",
              "hourly": "PT1H", "nightly": "P1D", "biweekly": "P2W", "semiannually": "P6M"}
    if low in simple:
        return "SET", simple[low]
    mon = _RE_MONTH.search(low)
    if mon and mon.group() in MONTHS and len(mon.group()) > 3:
        return "SET", f"XXXX-{MONTHS[mon.group()]:02d}"
    for season, code in _SEASONS.items():
        if season in low:
            return "SET", f"XXXX-{code}"
    pod = _RE_POD.search(low)
    if pod and not _RE_UNIT.search(low):
        return "SET", "TXX" + _PARTS_OF_DAY[pod.group()]
    cu = _count_and_unit(low)
    if cu is None:
        return None
    n, unit, _ = cu
    if n is None:
        n = 2 if "other" in low else 1
    if "other" in low:
        n = 2
    return "SET", _duration_value(n, unit)


def _r_vague(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    low = re.sub(r"\s+", " ", s.lower())
    if low in ("now", "right now", "currently", "nowadays", "these days", "at present", "current",
               "time being", "the time being", "so far"):
        if low in ("so far", "time being", "the time being"):
            return None
        return "DATE", "PRESENT_REF"
    if low in ("recently", "more recently", "lately", "recent", "previously", "formerly", "the past",
               "the recent past"):
        return "DATE", "PAST_REF"
    if "future" in low or low in ("soon", "as soon as possible") or "term" in low:
        if low == "future":
            prev = ctx.text[max(0, a - 12):a].lower()
            if not re.search(r"\b(?:in|the|near)\s+$", prev):
                return None
        if "term" in low and "long" in low:
            return None
        return "DATE", "FUTURE_REF"
    return None


def _r_month(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    word = s.rstrip(".")
    low = word.lower()
    if not word[0].isupper() or len(low) <= 4 and low not in ("may", "june", "july"):
        return None
    month = MONTHS[low]
    if low in ("may", "march"):
        prev = ctx.text[max(0, a - 16):a]
        if not re.search(r"\b(?:in|since|until|by|early|late|mid-|of|from|through|before|after|during|last"
                         r"|next|this|between|and|to|or)\s*$", prev, re.I):
            return None
        if low == "may" and re.match(r"\s+(?:be|have|not|also|well|still|never|face|need|take|want)\b",
                                     ctx.text[b:b + 8]):
            return None
    near = _near_date(ctx, month, None, a, b)
    if near is None:
        return "DATE", f"XXXX-{month:02d}"
    return "DATE", f"{near[0]:04d}-{month:02d}"


def _r_prefixed(resolver: Callable[[_Ctx, str, int, int], Resolved]) -> Callable[[_Ctx, str, int, int],
                                                                               Resolved]:
    """Resolve the part after a part-of-period prefix; the value keeps the whole period's granularity."""

    def inner(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
        pfx, rest = _strip_prefix(s.lower())
        if not pfx:
            return resolver(ctx, s, a, b)
        off = len(s) - len(rest)
        if "half" in pfx:
            res = resolver(ctx, s[off:], a + off, b)
            if res and re.fullmatch(r"\d{4}", res[1]):
                return res[0], res[1] + ("-H1" if "first" in pfx else "-H2")
            return res
        return resolver(ctx, s[off:], a + off, b)

    return inner


def _r_mdy_prefixed(ctx: _Ctx, s: str, a: int, b: int) -> Resolved:
    return _r_prefixed(_r_mdy)(ctx, s, a, b)


_RESOLVERS: dict[str, Callable[[_Ctx, str, int, int], Resolved]] = {
    "iso": _r_iso, "slash": _r_slash, "clock": _r_clock, "mdy": _r_mdy_prefixed, "dmy": _r_dmy,
    "quarter": _r_quarter, "qcode": _r_qcode, "half": _r_half, "monthyear": _r_prefixed(_r_monthyear),
    "season": _r_prefixed(_r_season), "holiday": _r_holiday, "ago": _r_ago, "agoyear": _r_agoyear,
    "duration": _r_duration, "adjdur": _r_adjdur, "longdur": _r_longdur, "weekof": _r_weekof, "recentunit": _r_recentunit, "rel": _r_rel, "anaphor": _r_anaphor, "postanaphor": _r_postanaphor, "theday": _r_theday,
    "relpart": _r_relpart, "dayword": _r_dayword, "weekday": _r_weekday, "weekend": _r_weekend,
    "decade": _r_decade, "century": _r_century, "partyear": _r_prefixed(_r_partyear), "year": _r_year, "shortyear": _r_shortyear, "yearend": _r_yearend,
    "yearperiod": _r_yearperiod, "qref": _r_qref, "yref": _r_yref, "theyear": _r_theyear, "endof": _r_endof,
    "bareplural": _r_bareplural, "midday": _r_midday, "set": _r_set, "vague": _r_vague, "month": _r_prefixed(_r_month),
}


def _span_fix(kind: str, text: str, s: str, a: int, b: int) -> tuple[int, int]:
    """Apply TimeML span conventions: an adjectival "third-quarter" or "two-year" drops the article."""
    low = s.lower()
    if kind == "quarter" and low.startswith("the ") and re.search(r"\w-quarter\b", low):
        a += 4
    return a, b


def extract_timexes(text: str, published: date | None) -> list[Timex]:
    """Return the temporal expressions in ``text`` resolved against ``published``."""
    ctx = _Ctx(dct=published, text=text)
    out: list[Timex] = []
    last_end = 0
    for w in _WORD_START.finditer(text):
        if w.start() < last_end:
            continue
        word = w.group(1)
        if word is not None and word.lower() not in _FIRST_WORDS:
            continue
        m = _BIG.match(text, w.start())
        if m is None and word is None and not text[w.start()].isdigit():
            m = _BIG.match(text, w.start() + 1)  # a quote before a number: "'90s" failed, try "90..."
        if m is None:
            continue
        last_end = m.end()
        kind = m.lastgroup
        if kind is None:
            continue
        a, b = m.span()
        s = m.group()
        res = _RESOLVERS[kind](ctx, s, a, b)
        if res is None and kind == "ago" and not re.search(r"\b(?:not|no)\s+$", text[max(0, a - 5):a], re.I):
            # "several months before he took office" is no date, but "several months" is still a span.
            dm = _RE_DURATION.match(text, a)
            if dm is not None and dm.end() < b:
                a, b, s, kind = dm.start(), dm.end(), dm.group(), "duration"
                last_end = b
                res = _r_duration(ctx, s, a, b)
        if res is None:
            continue
        a, b = _span_fix(kind, text, s, a, b)
        out.append(Timex(text=text[a:b], start=a, end=b, type=res[0], value=res[1]))
        if res[0] in ("DATE", "TIME"):
            rm = _RE_REF_VALUE.match(res[1])
            if rm:
                ctx.ref = (int(rm.group(1)), int(rm.group(2) or 0), int(rm.group(3) or 0))
                ctx.ref_end = b
                how = DATED if kind in _DATED_KINDS or (kind in _NAMED_KINDS and _RE_YEAR.search(s)) \
                    else NAMED if kind in _NAMED_KINDS else DEICTIC
                ctx.anchors.append((b, ctx.ref, how))
                if rm.group(3):
                    ctx.day_ref, ctx.day_ref_end = _safe_date(*ctx.ref), b
            elif (sm := _RE_SEASON_VALUE.match(res[1])) is not None:
                # A season or quarter anchors by its middle month ("the summer of 2004" -> July 2004).
                mid = _MID_MONTH[sm.group(2)]
                ctx.anchors.append((b, (int(sm.group(1)) + (mid > 12), (mid - 1) % 12 + 1, 0),
                                    DATED if _RE_YEAR.search(s) else DEICTIC))
    return out


def month_days(year: int, month: int) -> int:
    """Return the number of days in a month."""
    return calendar.monthrange(year, month)[1]
