"""Extractive summaries (stub: implemented in issue 5)."""

from __future__ import annotations


def summarize(text: str, title: str = "", max_sentences: int = 3, max_words: int = 60) -> list[str]:
    """Return summary sentences, verbatim from ``text``, within the sentence and word budgets."""
    words = 0
    out: list[str] = []
    for para in text.split("\n"):
        para = para.strip()
        if not para:
            continue
        out.append(para)
        words += len(para.split())
        if len(out) >= max_sentences or words >= max_words:
            break
    return out
