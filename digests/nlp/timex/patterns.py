"""Finding expressions: the one precompiled alternation over every kind of time expression and its parts."""

from __future__ import annotations

import re

from digests.nlp.timex.lexicon import MONTHS, WEEKDAYS, _spelled_year

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


def _month_of(text: str) -> int | None:
    m = _RE_MONTH.search(text)
    return MONTHS.get(m.group().lower().rstrip(".")) if m else None


def _year_of(text: str) -> int | None:
    m = _RE_YEAR.search(text)
    if m:
        return int(m.group())
    m2 = _RE_SPELLED_YEAR.search(text)
    return _spelled_year(m2.group()) if m2 else None
_RE_UNIT_AFTER = re.compile(r"\s+(?:years|months|weeks|days|hours|minutes|seconds|centuries|decades)\b", re.I)
_RE_SHARE_OF = re.compile(r"\s+of\s+(?:the|a|an|its|their|his|her|our|all|those|these|this|that)\b", re.I)
