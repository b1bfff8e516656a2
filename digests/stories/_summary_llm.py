"""Optional LLM story summaries: one model call over the leads of every article, each sentence citing its sources.

The model may paraphrase but must cite the articles it draws on ("[2]") and must not invent quotations: a
quotation not found verbatim in the articles is removed, as for single articles (:mod:`digests.nlp.llm`). A
sentence without a citation is credited to the article whose words it shares most. Any failure, or a reply
with nothing left, gives the extractive :func:`digests.stories.summarize_story` instead.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

import aiohttp

from digests.nlp.llm import LLMError, LLMSummarizer, enforce_verbatim_quotes, reply_lines, trim_words
from digests.stories._summary import (
    StoryArticle,
    StorySummary,
    SummarySentence,
    outlet_of,
    summarize_story,
)

log = logging.getLogger(__name__)

# Words of each article's opening the model reads: the lead carries the news, and the prompt stays small.
LEAD_WORDS = 160
_SYSTEM = (
    "You summarize one news story from several outlets' articles, numbered [1], [2], .... Write at most "
    "{words} words in short plain sentences, one per line, stating only facts that the articles report; prefer "
    "what several outlets agree on and say who claims what. End each sentence with the numbers of the articles "
    "it draws on, like [1][3]. Do not add opinions. Use quotation marks only for words copied exactly from an "
    "article."
)
_SYSTEM_UPDATE = (
    " The reader has already seen the articles marked (seen): write only what the other articles add."
)
_CITE = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_WORD = re.compile(r"[a-z0-9]+")


def _prompt(arts: list[Any], seen: set[int]) -> str:
    parts = []
    for i, a in enumerate(arts, 1):
        words = (getattr(a, "text", "") or "").split()
        lead = " ".join(words[:LEAD_WORDS]) + (" …" if len(words) > LEAD_WORDS else "")
        mark = " (seen)" if i - 1 in seen else ""
        parts.append(f"[{i}]{mark} {outlet_of(a) or 'outlet'}: {getattr(a, 'title', '') or ''}\n{lead}")
    return "\n\n".join(parts)


def _cited(line: str, n: int) -> tuple[str, list[int]]:
    """Return ``line`` without its "[n]" markers and the 0-based article indexes they name (valid ones only)."""
    found: list[int] = []
    for m in _CITE.finditer(line):
        found += [int(x) - 1 for x in m.group(1).split(",")]
    text = _CITE.sub("", line).strip()
    return text, [i for i in dict.fromkeys(found) if 0 <= i < n]


def _closest(text: str, arts: list[Any], allowed: Collection[int]) -> int:
    words = set(_WORD.findall(text.lower()))
    return max(allowed, key=lambda i: len(words & set(_WORD.findall((getattr(arts[i], "text", "") or "").lower()))))


async def summarize_story_llm(articles: Iterable[StoryArticle], llm: LLMSummarizer, *,
                              seen_before: datetime | Collection[Any] | None = None, max_words: int = 80,
                              session: aiohttp.ClientSession | None = None) -> StorySummary:
    """Summarize a story with an LLM, each sentence citing its articles; fall back to the extractive summary."""
    arts = list(articles)
    extractive = summarize_story(arts, seen_before=seen_before, max_words=max_words)
    if not arts:
        return extractive
    ids = [getattr(a, "id", None) for a in arts]
    new = set(extractive.new_articles) if seen_before is not None else set(ids)
    seen = {i for i, x in enumerate(ids) if x not in new}
    if seen_before is not None and not extractive.sentences:
        # Nothing new by the extractive test: no model call to restate what was shown.
        return extractive
    system = _SYSTEM.format(words=max_words) + (_SYSTEM_UPDATE if seen else "")
    try:
        content = await llm.complete(_prompt(arts, seen), "", session, system=system)
        allowed = [i for i in range(len(arts)) if i not in seen] or list(range(len(arts)))
        sentences: list[SummarySentence] = []
        lines = [x for x in (_cited(line, len(arts)) for line in reply_lines(content)) if x[0]]
        kept = len(trim_words([text for text, _ in lines], max_words))
        for text, cites in lines[:kept]:
            cites = [i for i in cites if i in allowed] or [_closest(text, arts, allowed)]
            source = " ".join(getattr(arts[i], "text", "") or "" for i in cites)
            checked = enforce_verbatim_quotes([text], source)
            if not checked:
                continue
            first = arts[cites[0]]
            sentences.append(SummarySentence(checked[0], ids[cites[0]], outlet_of(first), getattr(first, "url", None),
                                              tuple(ids[i] for i in cites[1:])))
        if not sentences:
            raise LLMError("no sentence survived the quote check")
    except LLMError as exc:
        log.warning("LLM story summary failed (%s, model %s); using the extractive one", exc, llm.model)
        return extractive
    return StorySummary(tuple(sentences), seen_before is not None, extractive.new_articles)
