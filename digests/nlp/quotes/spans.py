"""Quote spans: the text between a pair of double quotation marks inside one paragraph.

A paragraph that ends inside a quote is continued by the next paragraph that opens with a mark; each
paragraph's part is its own span. One pass over the marks of each paragraph: linear in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# --- quotation marks -------------------------------------------------------------------------------------

# Doubled single marks stand in for double ones in some feeds (‘‘...’’).
_MARK = re.compile(r"‘‘|’’|''|[“”\"«»„]")
_OPENERS = frozenset({"“", "«", "„", "‘‘"})
_CLOSERS = frozenset({"”", "»", "’’"})
_TOGGLES = frozenset({'"', "''"})
# A quote opened low („, as in German) closes with the mark English opens with (“).
_LOW_CLOSERS = frozenset({"“", "”"})

@dataclass(slots=True)
class Span:
    """One quote's place: its words, its marks and its paragraph."""

    start: int
    end: int
    open_at: int  # position of the opening mark
    close_at: int  # position just past the closing mark (== end when unclosed)
    para: int
    para_start: int
    para_end: int
    closed: bool
    continued: bool = False  # opens a paragraph that continues the previous paragraph's quote



# --- quote spans -------------------------------------------------------------------------------------------


def find_spans(text: str) -> list[Span]:
    """Return every quote span of ``text`` in text order."""
    spans: list[Span] = []
    open_prev = False
    for pi, para in enumerate(re.finditer(r"[^\n]+", text)):
        p0, p1 = para.start(), para.end()
        body = para.group()
        open_at: int | None = None
        open_mark = 0
        continued = False
        first = True
        for m in _MARK.finditer(body):
            mark = m.group()
            if open_at is None and first and open_prev and mark in _CLOSERS:
                # A quote left open at the previous paragraph's end runs on without a new opening mark: the
                # paragraph up to the (typographic, unambiguous) closing mark is its next part.
                _add_span(spans, text, Span(p0, p0 + m.start(), p0, p0 + m.end(), pi, p0, p1, True, True))
                first = False
                continue
            if open_at is None:
                if mark in _OPENERS or mark in _TOGGLES:
                    open_at, open_mark = m.end(), m.start()
                    continued = first and open_prev and not body[: m.start()].strip()
            elif mark in _CLOSERS or mark in _TOGGLES or (body[open_mark] == "„" and mark in _LOW_CLOSERS):
                _add_span(spans, text, Span(p0 + open_at, p0 + m.start(), p0 + open_mark, p0 + m.end(), pi, p0,
                                             p1, True, continued))
                open_at = None
            # An opener inside an open quote is a nested or stray mark: the quote goes on.
            first = False
        open_prev = open_at is not None
        if open_at is not None:
            _add_span(spans, text, Span(p0 + open_at, p1, p0 + open_mark, p1, pi, p0, p1, False, continued))
    return spans


def _add_span(spans: list[Span], text: str, sp: Span) -> None:
    while sp.start < sp.end and text[sp.start].isspace():
        sp.start += 1
    while sp.end > sp.start and text[sp.end - 1].isspace():
        sp.end -= 1
    if sp.end > sp.start:
        spans.append(sp)
