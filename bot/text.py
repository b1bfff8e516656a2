"""Text fitting shared by the renderers: cut long text at a sentence, else a word, within a limit."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

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


def marked(text: str, marks: Sequence[tuple[int, int]], esc: Callable[[str], str], open_: str,
           close: str) -> str:
    """Return ``text`` escaped piece by piece, each marked stretch wrapped in the platform's emphasis markup."""
    out, at = [], 0
    for start, end in sorted(marks):
        if start < at or end <= start or end > len(text):
            continue  # overlapping or out of range: left unmarked rather than unbalanced
        out.append(esc(text[at:start]))
        out.append(open_ + esc(text[start:end]) + close)
        at = end
    out.append(esc(text[at:]))
    return "".join(out)


_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)


def unmark(text: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Split text with **marked** stretches (a search snippet) into plain text and the stretches' offsets."""
    plain, marks, at = [], [], 0
    length = 0
    for m in _BOLD.finditer(text):
        before = text[at:m.start()]
        plain.append(before)
        length += len(before)
        marks.append((length, length + len(m.group(1))))
        plain.append(m.group(1))
        length += len(m.group(1))
        at = m.end()
    plain.append(text[at:])
    return "".join(plain), tuple(marks)
