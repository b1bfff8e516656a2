"""Text fitting shared by the renderers: cut long text at a sentence, else a word, within a limit."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"[.!?…][\"”’)\]]*(?=\s)")


def fit(text: str, limit: int, ellipsis: str = "…") -> str:
    """Return ``text`` unchanged if it fits in ``limit`` characters, else cut at a sentence or word end."""
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    room = limit - len(ellipsis)
    head = text[:room]
    ends = [m.end() for m in _SENTENCE_END.finditer(head + " ")]
    if ends and ends[-1] >= room * 0.5:
        return head[:ends[-1]].rstrip()
    cut = head.rfind(" ")
    if cut >= room * 0.5:
        return head[:cut].rstrip(" ,;:") + ellipsis
    return head + ellipsis
