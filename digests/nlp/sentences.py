"""Sentence splitting for news text: regex candidates, then abbreviation and initial checks.

Spans index into the original text, so callers (quotes, timex, summaries) can map a sentence back to
character offsets. A leading dateline such as ``WASHINGTON (AP) —`` or ``(CNN)`` is left out of the first
sentence of a paragraph. A photo caption that a scraper glued, without a full stop, to the sentence after
it ("... on Saturday The forward scored ...", "... (pictured) Police said ...") is cut off as a sentence
of its own.
"""

from __future__ import annotations

import re

# Titles and other abbreviations that are (almost) never the last word of a sentence: a name or a
# number follows them.
_NEVER_FINAL = frozenset(
    """mr mrs ms messrs mme mlle dr prof rev hon pres gov sen rep reps sens gen lt col maj capt cpt cmdr
    cmdr adm sgt cpl pvt supt det insp atty gov fr sr st mt ft ave blvd rd no nos vol vols fig figs
    pp op ed eds approx dept univ est jan feb apr jun jul aug sep sept oct nov dec vs v cf e.g i.e
    ca al""".split()
)
# Abbreviations that often end a sentence too ("... of Apple Inc. The rest ..."); a break follows them
# only when the next word is a common sentence opener.
_AMBIGUOUS = frozenset("inc corp co ltd llc plc bros jr etc a.m p.m am pm".split())
_OPENERS = frozenset(
    """the a an he she it they we i you but and so yet or nor in on at by for from to of with as after
    before when while if although though because since this that these those his her its their our my
    your there here what who which where why how some many most all both each one two no not never none
    other another such according meanwhile however still also then now today yesterday last next
    earlier later instead despite during under over about among more several police officials""".split()
)

# A candidate end: terminal punctuation, optional closing quotes or brackets, whitespace, then an
# optional opening quote or bracket and a capital letter or digit.
_CANDIDATE = re.compile(
    r"""([.!?…]+)(['"’”)\]]*)(\s+)(?=['"‘“(\[]*[A-Z0-9\u00C0-\u00DE])"""
)
_NEXT_WORD = re.compile(r"""['"‘“(\[]*([A-Za-z\u00C0-\u024F]+)""")
_INITIALS = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]$")

# Datelines at the start of a paragraph: "(CNN)", "WASHINGTON (AP) —", "LONDON, England (Reuters) -",
# "PARIS —". Only the opening of a paragraph is checked.
_DATELINE = re.compile(
    r"""\s*(?:
        (?:[A-Z][A-Za-z.'\-]*(?:[ ,]+[A-Z][A-Za-z.'\-]*){0,5}\s*)?\([A-Z][A-Za-z0-9 .&'\-]{0,40}\)\s*(?:[—–-]{1,2}\s*)?
      | [A-Z][A-Z.'\-]{2,}(?:[ ,]+[A-Z][A-Za-z.'\-]*){0,4}\s*[—–]\s*
    )""",
    re.VERBOSE,
)
# Page furniture glued to the next sentence when a scraper drops the line break: it ends a sentence of
# its own even without punctuation.
_FURNITURE = re.compile(
    r"\b(?:scroll\s+down\s+for\s+(?:video|more)|article\s+continued\s+below|advertisement)(\.{0,3})(\s+)"
    r"""(?=['"‘“(\[]*[A-Z])""",
    re.IGNORECASE,
)
# A sentence glued to the end of an unpunctuated photo caption ("... at Sandown on Saturday The
# rider ..."): a lower-case word, then an opener that is almost never capitalised mid-sentence. Names
# after a verb or preposition ("told The Times", "in The Hague") are excluded by the word before.
_GLUED = re.compile(
    r"""[a-z0-9%)]( )(?=[ABEHILMSTW][a-z]{0,8}[ ,'’])"""
    r"""(?:The|He|She|They|It|His|Her|Their|Its|But|However|When|After|While|This|These|Those|We|There"""
    r"""|Meanwhile|Earlier|Last)\b"""
)
# A caption's stage direction, "(pictured)", "(left)", "(file photo)", then the next sentence's capital.
_CAPTION_PAREN = re.compile(
    r"""\((?i:pictured|picture|left|right|centre|center|above|below|top|bottom|inset|file(?:\s+photo)?|"""
    r"""(?:pictured\s+)?(?:posed\s+by\s+(?:a\s+)?models?))\)( )(?=['"‘“]?[A-Z])"""
)
_GLUED_EXCEPT = frozenset(
    """told said says tells reported reports in on at by to of for from with and or as than via into onto
    that called named titled dubbed entitled about like the a an nor but
    between against during under over""".split()
)
_GLUED_MIN_WORDS = 5
# Longest word the boundary test reads back, and how far back a caption's words are counted.
_MAX_TOKEN = 64
_LOOK_BACK = 400
_PARAGRAPH = re.compile(r"[^\n]+(?:\n(?![ \t]*\n)[^\n]*)*")
_TERMINAL_LINE_END = re.compile(r"""[.!?…:;'"’”)\]]\s*$""")


def dateline_end(paragraph: str) -> int:
    """Return how many leading characters of ``paragraph`` form a news dateline (0 if none)."""
    m = _DATELINE.match(paragraph)
    if not m or m.end() >= len(paragraph):
        return 0
    rest = paragraph[m.end():]
    # "(AP)" style tags must be followed by the story itself, not by more of a sentence in brackets.
    if not rest[:1].isupper() and not rest[:1].isdigit() and rest[:1] not in "\"“'‘":
        return 0
    return m.end()


# A short capitalised token with a full stop that some sentence of the same text continues after in lower case
# ("the ID. family", "ID. 3"): the stop belongs to the name (a product or brand), as in "the ID. Buzz".
_NAME_STOP = re.compile(r"(?<![\w.])([A-Z][A-Za-z0-9]{0,5})\.[ \t]+(?=[a-z]|\d)")


def _name_stops(text: str) -> frozenset[str]:
    """Return the tokens that ``text`` itself shows to end in a full stop that is not a sentence end."""
    return frozenset(m.group(1).lower() for m in _NAME_STOP.finditer(text)
                     if not m.group(1).isdigit() and m.group(1).lower() not in _NEVER_FINAL)


def _is_boundary(para: str, punct_start: int, punct: str, next_start: int,
                 name_stops: frozenset[str] = frozenset()) -> bool:
    if punct != ".":
        return True
    # Only the last word matters, so look back a bounded stretch: an unbounded rfind for a newline or tab
    # the paragraph lacks scanned back to its start at every full stop, quadratic in a paragraph of 5 MB.
    lo = max(0, punct_start - _MAX_TOKEN)
    cut = max(para.rfind(" ", lo, punct_start), para.rfind("\n", lo, punct_start), para.rfind("\t", lo, punct_start),
              lo - 1)
    token = para[cut + 1:punct_start].lstrip("\"'“‘([")
    if not token:
        return True
    low = token.lower()
    next_m = _NEXT_WORD.match(para, next_start)
    next_word = next_m.group(1).lower() if next_m else ""
    if low in _NEVER_FINAL:
        return False
    if low in _AMBIGUOUS or _INITIALS.match(token) or low in name_stops:
        # "U.S. officials" continues, "in the U.S. The" ends; initials ("John F. Kennedy") likewise.
        return next_word in _OPENERS
    if len(token) == 1 and token.isupper():
        return next_word in _OPENERS
    return True


def _enough_words(para: str, pos: int, cut: int) -> bool:
    """Return whether at least _GLUED_MIN_WORDS spaces separate ``cut`` from the last terminal punctuation."""
    # A bounded look-back: a few words fit in it, and scanning to the paragraph's start each time was quadratic.
    lo = max(pos, cut - _LOOK_BACK)
    seg_start = max(lo, *(para.rfind(c, lo, cut) for c in ".!?"))
    return para.count(" ", seg_start, cut) >= _GLUED_MIN_WORDS


def _glued_cuts(para: str, pos: int) -> list[tuple[int, int, int, str]]:
    """Boundaries where a caption without a full stop runs into the next sentence."""
    cuts = []
    for m in _GLUED.finditer(para, pos):
        cut = m.start(1)
        word_start = para.rfind(" ", 0, cut) + 1
        before = para[word_start:cut]
        if before.lower() in _GLUED_EXCEPT:
            continue
        after = para[m.end(1):m.end(1) + 40].split(" ", 2)
        if len(after) > 1 and after[1][:1].isupper() and (
            after[0] != "The" or before[:1].isupper() or before.endswith(("ing", "'s", "’s"))
        ):
            # "played It Was Always You", "Dylan's The Times They Are", "backing The Mail on Sunday": a
            # title, not a new sentence.
            continue
        # A caption is a clause of its own: require a few words since the last terminal punctuation.
        if not _enough_words(para, pos, cut):
            continue
        cuts.append((cut, cut, m.end(1), "!"))
    for m in _CAPTION_PAREN.finditer(para, pos):
        if _enough_words(para, pos, m.start()):
            cuts.append((m.start(1), m.start(1), m.end(1), "!"))
    return cuts


def _split_paragraph(text: str, start: int, end: int, out: list[tuple[int, int]],
                     name_stops: frozenset[str] = frozenset()) -> None:
    para = text[start:end]
    pos = dateline_end(para)
    cuts = [(m.start(1), m.start(2), m.end(), m.group(1) or "!") for m in _FURNITURE.finditer(para, pos)]
    cuts += _glued_cuts(para, pos)
    if cuts:
        cuts += [(m.start(1), m.start(3), m.end(), m.group(1)) for m in _CANDIDATE.finditer(para, pos)]
        cuts.sort()
    else:
        cuts = [(m.start(1), m.start(3), m.end(), m.group(1)) for m in _CANDIDATE.finditer(para, pos)]
    for punct_start, stop, nxt, punct in cuts:
        if punct_start < pos:
            continue
        if not _is_boundary(para, punct_start, punct, nxt, name_stops):
            continue
        if para[pos:stop].strip():
            out.append((start + pos, start + stop))
        pos = nxt
    tail = para[pos:].rstrip()
    if tail.strip():
        out.append((start + pos, start + pos + len(tail)))


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """Split on blank lines, and on single newlines unless the line is plainly a wrapped continuation."""
    spans: list[tuple[int, int]] = []
    for block in _PARAGRAPH.finditer(text):
        lines = block.group()
        base = block.start()
        seg_start = 0
        offset = 0
        for line in lines.split("\n")[:-1]:
            offset += len(line) + 1
            nxt = lines[offset:offset + 1]
            # A hard-wrapped line is long, ends mid-sentence and the next line continues it.
            wrapped = (
                not _TERMINAL_LINE_END.search(line)
                and nxt[:1] not in ("", "-", "*", "•")
                and (nxt.islower() or len(line) >= 60)
            )
            if not wrapped:
                spans.append((base + seg_start, base + offset - 1))
                seg_start = offset
        spans.append((base + seg_start, block.end()))
    return spans


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) character spans of the sentences of ``text``."""
    spans: list[tuple[int, int]] = []
    name_stops = _name_stops(text)
    for start, end in _paragraphs(text):
        while start < end and text[start].isspace():
            start += 1
        if start < end:
            _split_paragraph(text, start, end, spans, name_stops)
    return spans


def sentences(text: str) -> list[str]:
    """Return the sentences of ``text`` as strings."""
    return [text[a:b] for a, b in split_sentences(text)]
