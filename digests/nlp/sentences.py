"""Sentence splitting (stub: implemented in issue 5)."""

from __future__ import annotations

import re

_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) character spans of the sentences of ``text``."""
    spans: list[tuple[int, int]] = []
    for para in re.finditer(r"[^\n]+", text):
        start = para.start()
        for m in _END.finditer(para.group()):
            spans.append((start, para.start() + m.start()))
            start = para.start() + m.end()
        if para.end() > start:
            spans.append((start, para.end()))
    return [(a, b) for a, b in spans if text[a:b].strip()]
