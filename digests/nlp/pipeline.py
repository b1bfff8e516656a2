"""The analysis of one article: quotes, events and summary; pure CPU work, safe to run in a worker process."""

from __future__ import annotations

from datetime import date

from digests.models import Analysis


def analyze(text: str, title: str = "", published: date | None = None) -> Analysis:
    """Return the quotes, dated events and summary of an article."""
    from digests.nlp.events import extract_events
    from digests.nlp.quotes import extract_quotes
    from digests.nlp.summarize import summarize

    sentences = tuple(summarize(text, title=title))
    return Analysis(
        quotes=tuple(extract_quotes(text)),
        events=tuple(extract_events(text, published)),
        summary=" ".join(sentences),
        summary_sentences=sentences,
    )
