"""What may open a summary: the openings that lean on an earlier sentence or are page furniture, by name.

A summary's first sentence is read with nothing before it, so it must not open on a pronoun or a determiner
that stands for something said before ("They", "This", "The move"), a connective ("But", "However"), a
dateline, a byline, a subheading glued to the sentence ("Why it matters: ..."), a lone quotation or a fragment.
Both the single-article and the story summaries use these rules; a sentence that leans on the one before it is
taken only right after that sentence.
"""

from __future__ import annotations

import re

from digests.nlp.sentences import dateline_end

# Fewer words than this after a label is not a sentence of its own: the label stays.
MIN_WORDS = 5

# Openers that lean on an earlier sentence: a pronoun, a demonstrative, a connective, or a definite phrase
# whose noun names something said before ("The move", "The decision").
_PRONOUN_OPEN = re.compile(
    r"^\W*((?:he|she|they|it|him|her|his|hers|their|theirs|its|them|we|our|us|i|this|these|those|that|such|"
    r"both|neither|either|another|the\s+latter|the\s+former(?=\W*$|,)))\b(?!-)", re.IGNORECASE)
_CONNECTIVE_OPEN = re.compile(
    r"^\W*(?:but|and|or|so|yet|also|still|however|meanwhile|instead|moreover|furthermore|additionally|"
    r"nevertheless|nonetheless|then|thus|therefore|hence|otherwise|besides|likewise|similarly|again|"
    r"in\s+addition|in\s+turn|as\s+a\s+result|as\s+such|at\s+the\s+same\s+time|even\s+so|on\s+the\s+other\s+hand|"
    r"in\s+response|in\s+contrast|by\s+contrast|earlier|later|afterward|afterwards|previously|indeed|"
    r"that's|that\s+is|this\s+is)\b", re.IGNORECASE)
_BACK_NOUN_OPEN = re.compile(
    r"^\W*(?:[Tt]he|[Tt]his|[Tt]hat|[Tt]hese|[Tt]hose)\s+(?:same\s+)?(?:move|moves|decision|announcement|comments?|remarks?|"
    r"statement|news|development|incident|episode|step|action|effort|plan|proposal|measure|report|findings?|"
    r"letter|ruling|order|change|shift|case|issue|situation|controversy|backlash|criticism|response|reaction|"
    r"claims?|allegations?|figures?|numbers?|data|results?|latter|former|pair|two|three|trio|group|company|"
    r"agency|president|senator|lawmaker|official|spokesman|spokeswoman|spokesperson|man|woman|suspect|victim|"
    r"couple|star|actor|actress|singer|player|team|club|firm|department|administration)\b")
# A short label glued to its sentence: "Why it matters: Virtually every poll ...", "The big picture: ...".
_SUBHEAD = re.compile(r"^\W*((?:[A-Z][\w'’-]*)(?:\s+[\w'’-]+){0,4})\s*:\s+(?=['\"‘“]?[A-Z0-9])")
_SAYING = re.compile(
    r"\b(?:said|says|say|told|tells|added|adds|wrote|writes|tweeted|explained|warned|asked|stated|declared|"
    r"insisted|argued|noted|announced|according)\b", re.IGNORECASE)
_QUOTE_MARK = re.compile(r"[\"“”]|(?:^|\s)['‘]\w")
_QUOTE_ONLY = re.compile(r"^\W{0,2}['\"‘“]")
_BYLINE = re.compile(r"^\W*(?:by|posted|published|updated|written|filed)\b[\s:]", re.IGNORECASE)
_DATELINE_OPEN = re.compile(r"^[A-Z][A-Z.'’ -]{2,}(?:,\s*[A-Z][\w.' ]+)?\s*(?:\([^)]{1,30}\))?\s*(?:--|—|–|:)\s")


def quotes_balanced(sentence: str) -> bool:
    """Return True if every quotation that opens in ``sentence`` also closes in it."""
    if sentence.count("“") != sentence.count("”"):
        return False
    return sentence.count('"') % 2 == 0


def strip_label(sentence: str) -> str:
    """Return ``sentence`` without a short subheading glued to its front ("Why it matters: ...")."""
    m = _SUBHEAD.match(sentence)
    if not m or _SAYING.search(m.group(1)) or _QUOTE_MARK.search(m.group(1)):
        return sentence
    rest = sentence[m.end():]
    return rest if len(rest.split()) >= MIN_WORDS else sentence


def opener_problem(sentence: str) -> str | None:
    """Return why ``sentence`` cannot open a summary (pronoun, back-reference, dateline, byline, caption...), or None."""
    s = sentence.strip()
    if not s:
        return "empty"
    if _BYLINE.match(s):
        return "byline"
    if _DATELINE_OPEN.match(s) or dateline_end(s):
        return "dateline"
    label = _SUBHEAD.match(s)
    if label and not _SAYING.search(label.group(1)):
        return "subheading"
    if pronoun_open(s):
        return "pronoun"
    if _CONNECTIVE_OPEN.match(s) or _BACK_NOUN_OPEN.match(s):
        return "back-reference"
    if _QUOTE_ONLY.match(s):
        return "quotation"
    if not quotes_balanced(s):
        return "quote-cut"
    if s[:1].islower():
        return "fragment"
    return None


def pronoun_open(sentence: str) -> bool:
    """Return True if ``sentence`` opens on a pronoun or a determiner that stands for something said before."""
    m = _PRONOUN_OPEN.match(sentence)
    # "US employers", "IT staff": an acronym in capitals is a name, not a pronoun ("I" is both).
    return m is not None and not (len(m.group(1)) > 1 and m.group(1).isupper())


_QUOTED_SPAN = re.compile(r"[\"“][^\"“”]*[\"”]|(?<!\w)['‘][^'‘’]*['’](?!\w)")
_WRITER = re.compile(r"\b(?:I|I'm|I've|I'd|I'll|me|my|we|We|we're|We're|we've|We've|we'll|We'll|our|Our|us|"
                     r"you|You|your|Your|you're|You're|you'll|You'll|here's|Here's|here are|Here are)\b")


def writer_voice(sentence: str) -> bool:
    """Return True if the writer speaks in their own person or to the reader outside any quotation."""
    return bool(_WRITER.search(_QUOTED_SPAN.sub(" ", sentence)))


def dangles(sentence: str) -> bool:
    """Return True if ``sentence`` leans on the one before it (pronoun, connective, back-reference)."""
    s = sentence.strip()
    return bool(pronoun_open(s) or _CONNECTIVE_OPEN.match(s) or _BACK_NOUN_OPEN.match(s))


