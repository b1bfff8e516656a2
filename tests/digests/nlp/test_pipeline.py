"""The whole analysis of one article stays linear in its length, whatever the page looks like."""

from __future__ import annotations

import time
from datetime import date

from bench._timing import machine_slowness
from bench.sizes import make
from digests.nlp.pipeline import analyze


def test_a_hostile_5_mb_article_is_fully_analysed_in_under_10_s() -> None:
    # One 5 MB page holding each shape that used to be quadratic: a paragraph of many attributed quotes, many
    # short paragraphs, words with no punctuation at all, and long runs of capitalised words.
    text = make("mixed", 5_000_000)
    assert len(text) == 5_000_000
    # 10 s on the reference machine; a machine that runs Python k times slower (CI has seen 4x) gets 10k s.
    budget = 10.0 * machine_slowness()
    # This thread's CPU time: neither other work on a shared machine nor other tests' leftover threads count.
    t0 = time.thread_time()
    result = analyze(text, "A very long page", date(2024, 5, 1))
    spent = time.thread_time() - t0
    assert spent < budget, f"analysis took {spent:.1f} s of CPU, budget {budget:.1f} s"
    # Fully analysed: quotes from the first section, events from every section, a summary.
    assert len(result.quotes) > 1000
    assert {q.speaker for q in result.quotes} >= {"Jane Okafor", "Mara Ellison"}
    assert result.events[-1].start >= 3_700_000  # the capitalised section, the last quarter
    assert result.summary


def test_each_shape_grows_linearly() -> None:
    # Four times the text costs at most about four times the time (with room for noise), for every shape.
    for shape in ("quotes", "paragraphs", "no_punct", "capitalised"):
        small, large = make(shape, 60_000), make(shape, 240_000)
        t0 = time.process_time()
        analyze(small, "", date(2024, 5, 1))
        t1 = time.process_time()
        analyze(large, "", date(2024, 5, 1))
        t2 = time.process_time()
        assert t2 - t1 < 4 * 2.5 * max(t1 - t0, 0.01), f"{shape}: {t1 - t0:.2f} s then {t2 - t1:.2f} s"
