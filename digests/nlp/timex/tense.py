"""Reading a clause's tense: whether a bare date around a span looks back or ahead from publication."""

from __future__ import annotations

import re

from digests.nlp.timex.patterns import _RE_SENT_BREAK, _RE_WORD

_FUTURE_CUES = frozenset(
    "will 'll shall should won't wo going scheduled expected expects expect plans plan planning due slated likely "
    "upcoming next would intends intend aims aim hopes tomorrow meet meets begin begins start starts open opens "
    "resume resumes arrive arrives visit visits soon early planned ahead reopen reopens returns launches debuts "
    "premieres expires".split()
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
_BARE_AFTER = frozenset("will 'll shall would should must to can could may might".split())
_CLAUSE_OPENERS = frozenset("that which who whom whose because".split())
_NOT_PAST_ED = frozenset("need feed speed red bed hundred seed bleed breed indeed shed steed weed ".split())


_WIN_BEFORE = 12
_WIN_AFTER = 6
_NEAR_BEFORE = 2
# News mostly reports the past: a future reading must be this much nearer to win.
_FUTURE_WEIGHT = 1.5
_AGAINST_TENSE = 4.0
_AGAINST_WIDE = 2.5
_NEAR_AFTER = 0
_WIN_OPENER = 12
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
    if past and w in _PAST_IRREGULAR and before in _BARE_AFTER:
        # "will cut", "to put": a form that is also the bare verb is no past after a modal or "to".
        return 1 if before in _MODAL_AHEAD else 0
    return -1 if past else 0
