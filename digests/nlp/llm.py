"""Optional LLM summaries through any OpenAI-compatible chat endpoint, with the extractive one as fallback.

The model may paraphrase, but it must not invent quotations: any text it puts in quotation marks that does
not occur verbatim in the article is removed (or its whole sentence, when nothing else would be left).
Every failure (network, HTTP status, timeout, malformed reply) is logged without the API key and answered
with :func:`digests.nlp.summarize.summarize`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import aiohttp

from digests.nlp.sentences import split_sentences
from digests.nlp.summarize import summarize

log = logging.getLogger(__name__)

_SYSTEM = (
    "You summarize news articles. Write at most {sentences} short plain sentences, {words} words in all, "
    "one per line, stating only facts from the article. Do not add opinions. Use quotation marks only "
    "for words copied exactly from the article."
)
# Straight or curly double quotes; single quotes are too often apostrophes to police.
_QUOTED = re.compile(r"\"([^\"\n]+)\"|“([^”\n]+)”")
_SPACE = re.compile(r"\s+")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


class LLMError(RuntimeError):
    """The endpoint failed or answered with something that is not a usable summary."""


def _norm(text: str) -> str:
    """Fold quote styles and whitespace so verbatim checks ignore typography only."""
    return _SPACE.sub(" ", text.replace("’", "'").replace("‘", "'")).strip().lower()


def enforce_verbatim_quotes(summary: list[str], article: str) -> list[str]:
    """Return ``summary`` with every quotation not found verbatim in ``article`` removed."""
    source = _norm(article)
    out: list[str] = []
    for sentence in summary:
        invented = [m for m in _QUOTED.finditer(sentence) if _norm(m.group(1) or m.group(2)) not in source]
        if not invented:
            out.append(sentence)
            continue
        kept = sentence
        for m in reversed(invented):
            kept = kept[: m.start()] + kept[m.end():]
        kept = _SPACE.sub(" ", kept).strip(" ,;:-—")
        # A sentence reduced to its attribution ("He said .") says nothing: drop it whole.
        if len(kept.split()) >= 4 and re.search(r"[A-Za-z]{3}", kept):
            out.append(kept if kept[-1] in ".!?" else kept + ".")
    return out


def reply_lines(content: str) -> list[str]:
    """Split a model reply into summary sentences, one per line or by the project's splitter."""
    lines = [_BULLET.sub("", ln).strip() for ln in content.strip().splitlines()]
    lines = [ln for ln in lines if ln]
    if len(lines) == 1:
        lines = [lines[0][a:b] for a, b in split_sentences(lines[0])]
    return lines


def trim_words(sentences: list[str], max_words: int) -> list[str]:
    """Keep whole sentences while they fit in ``max_words`` (at least one)."""
    out: list[str] = []
    words = 0
    for s in sentences:
        n = len(s.split())
        if out and words + n > max_words:
            break
        out.append(s)
        words += n
    return out


@dataclass(frozen=True, slots=True)
class LLMSummarizer:
    """Settings for one OpenAI-compatible endpoint; the key is kept out of ``repr`` and logs."""

    base_url: str
    model: str
    api_key: str = ""
    timeout: float = 20.0
    max_words: int = 60
    max_sentences: int = 3

    def __repr__(self) -> str:
        """Return a representation without the API key."""
        return f"LLMSummarizer(base_url={self.base_url!r}, model={self.model!r}, timeout={self.timeout})"

    async def complete(self, text: str, title: str = "", session: aiohttp.ClientSession | None = None, *,
                       system: str | None = None) -> str:
        """Return the raw reply of the model for one article (or ``system``'s task); raise LLMError on any failure."""
        body: dict[str, Any] = {
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system",
                 "content": system or _SYSTEM.format(sentences=self.max_sentences, words=self.max_words)},
                {"role": "user", "content": (f"Title: {title}\n\n" if title else "") + text},
            ],
        }
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        url = self.base_url.rstrip("/") + "/chat/completions"
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        own = session is None
        sess = session or aiohttp.ClientSession(timeout=timeout)
        try:
            async with sess.post(url, json=body, headers=headers, timeout=timeout) as resp:
                if resp.status != 200:
                    raise LLMError(f"HTTP {resp.status} from {url}")
                data = await resp.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            raise LLMError(f"{type(exc).__name__} from {url}") from None
        finally:
            if own:
                await sess.close()
        try:
            content = data["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise LLMError(f"reply from {url} has no choices[0].message.content") from None
        if not isinstance(content, str) or not content.strip():
            raise LLMError(f"empty reply from {url}")
        return content

    async def summarize(
        self, text: str, title: str = "", session: aiohttp.ClientSession | None = None
    ) -> list[str]:
        """Return an LLM summary with verified quotes, or the extractive summary if anything fails."""
        try:
            content = await self.complete(text, title, session)
            lines = trim_words(enforce_verbatim_quotes(reply_lines(content), text), self.max_words)
            if not lines:
                raise LLMError("no sentence survived the quote check")
            return lines[: self.max_sentences]
        except LLMError as exc:
            log.warning("LLM summary failed (%s, model %s); using the extractive summary", exc, self.model)
        return summarize(text, title, self.max_sentences, self.max_words)


async def summarize_llm(
    text: str,
    title: str = "",
    *,
    base_url: str,
    model: str,
    api_key: str = "",
    timeout: float = 20.0,  # noqa: ASYNC109 -- a setting handed to aiohttp's ClientTimeout, per request
    max_words: int = 60,
    max_sentences: int = 3,
    session: aiohttp.ClientSession | None = None,
) -> list[str]:
    """Summarize ``text`` with an OpenAI-compatible chat endpoint, falling back to the extractive summary."""
    llm = LLMSummarizer(base_url, model, api_key, timeout, max_words, max_sentences)
    return await llm.summarize(text, title, session)
