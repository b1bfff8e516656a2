"""Quote spans, and the whole extractor on a pathological paragraph of thousands of quotes."""

from __future__ import annotations

import time

from digests.nlp.quotes import extract_quotes
from digests.nlp.quotes.rules import blank_quotes
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


def test_a_span_is_trimmed_of_the_spaces_inside_its_marks() -> None:
    text = "He said: “ \u00a0Harbour fees rise\t ”, she added. “   ” Then «\u00a0Non\u00a0»."
    spans = find_spans(text)
    assert [text[s.start:s.end] for s in spans] == ["Harbour fees rise", "Non"]  # a quote of spaces is none
    first = spans[0]
    assert (first.open_at, first.close_at, first.closed) == (text.index("“"), text.index("”") + 1, True)
    assert (first.para, first.para_start, first.para_end) == (0, 0, len(text))


def test_an_unclosed_quote_runs_to_its_paragraphs_end_and_the_next_paragraph_continues_it() -> None:
    text = 'Intro line.\nShe said: "We will build the pier  \n"and we will pay for it," the mayor said.\n"New quote."'
    spans = find_spans(text)
    assert [text[s.start:s.end] for s in spans] == ["We will build the pier", "and we will pay for it,",
                                                    "New quote."]
    assert [(s.para, s.closed, s.continued) for s in spans] == [(1, False, False), (2, True, True),
                                                               (3, True, False)]
    unclosed = spans[0]
    para = text.split("\n")[1]
    assert (unclosed.open_at, unclosed.close_at) == (text.index('"'), text.index(para) + len(para))


def test_a_quote_opened_low_closes_with_the_high_mark() -> None:
    text = "Sie sagte: „Wir bauen den Hafen neu,“ sagte Ilse Marrow. Dann „nichts mehr”."
    assert [text[s.start:s.end] for s in find_spans(text)] == ["Wir bauen den Hafen neu,", "nichts mehr"]


def test_blanking_keeps_offsets_and_the_final_stop_inside_the_marks() -> None:
    text = 'He said "Go now." and "wait here" then left.'
    spans = find_spans(text)
    blanked = blank_quotes(text, spans)
    assert len(blanked) == len(text)
    assert blanked == 'He said "______." and "_________" then left.'


def test_an_opening_mark_inside_an_open_quote_does_not_close_it_and_the_first_paragraph_continues_nothing() -> None:
    text = "“Outer “inner” end,” she said."
    [span] = find_spans(text)
    assert text[span.start:span.end] == "Outer “inner" and not span.continued
    # Three paragraphs, the middle one unclosed and continuing the first: each part knows its own paragraph.
    text = "“One\n“two\n“three,” he said."
    spans = find_spans(text)
    assert [(text[s.start:s.end], s.closed, s.continued) for s in spans] == [
        ("One", False, False), ("two", False, True), ("three,", True, True)]
    assert [(s.para_start, s.para_end) for s in spans] == [(0, 4), (5, 9), (10, len(text))]
