"""Quote spans, and the whole extractor on a pathological paragraph of thousands of quotes."""

from __future__ import annotations

import time

from digests.nlp.quotes import extract_quotes
from digests.nlp.quotes.spans import find_spans


def test_spans_split_by_paragraph_and_continue() -> None:
    text = "“The first part of the answer.\n\n“The second part,” she said. Then “a third”."
    spans = find_spans(text)
    assert [text[s.start : s.end] for s in spans] == ["The first part of the answer.", "The second part,",
                                                        "a third"]
    assert spans[1].continued and not spans[2].continued


def test_a_quote_running_on_without_a_new_opening_mark_is_continued_to_its_closing_mark() -> None:
    text = ("“The dredger arrives in March.\n\nIt will work through the spring,” said Tobin Vell.\n\n"
            "A closing mark ” in a paragraph of its own after a closed quote is no quote.")
    spans = find_spans(text)
    assert [text[s.start : s.end] for s in spans] == ["The dredger arrives in March.",
                                                        "It will work through the spring,"]
    assert spans[1].continued and spans[1].closed
    quotes = extract_quotes(text)
    assert [q.speaker for q in quotes] == ["Tobin Vell", "Tobin Vell"]


def test_paragraph_of_thousands_of_quotes_is_linear() -> None:
    # 8,000 quoted 30-word segments in one paragraph (about 1.3 MB); quadratic work took minutes.
    segment = "Every " + " ".join(["word"] * 28)
    para = "Ilka Brandt said " + " and ".join(f"“{segment} {i}.”" for i in range(8000))
    started = time.perf_counter()
    quotes = extract_quotes(para)
    assert len(quotes) == 8000
    assert time.perf_counter() - started < 30
