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

Modules: ``patterns`` finds the expressions (one alternation), ``lexicon`` holds the words, numbers and calendar
arithmetic, ``tense`` reads whether a clause looks back or ahead, ``anchors`` chooses the reference time,
``dates`` and ``periods`` normalise values, ``tagger`` runs the single pass.
"""

from __future__ import annotations

from digests.nlp.timex.anchors import headed_regions
from digests.nlp.timex.lexicon import MONTHS, WEEKDAYS, month_days, parse_number
from digests.nlp.timex.tagger import extract_timexes

__all__ = ["extract_timexes", "headed_regions", "MONTHS", "WEEKDAYS", "parse_number", "month_days"]
