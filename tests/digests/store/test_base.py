"""Backend-independent helpers of the store: the search snippet."""

from __future__ import annotations

import time

from digests.store._base import snippet

TEXT = ("The ferry timetable changes next week. Harbour staff will repaint the north pier in May. "
        "Later, the council said the ferry and the pier would both close for a day while the crane is moved, "
        "and that the pier's lights stay on.")


def test_the_stretch_with_most_distinct_terms_is_chosen_and_each_term_marked() -> None:
    out = snippet(TEXT, ["ferry", "crane"])
    # "ferry" alone opens the text; the stretch holding both terms is later.
    assert "**crane**" in out and "**ferry**" in out
    assert out.startswith("…") and out.endswith("…")
    assert len(out.replace("…", "").split()) == 16


def test_matching_ignores_case_and_marks_the_head_of_a_longer_word() -> None:
    out = snippet(TEXT.replace("the pier's", "the Pier's"), ["PIER", "lights"])
    assert "**Pier**'s" in out and "**lights**" in out


def test_no_term_in_the_text_gives_no_snippet() -> None:
    assert snippet(TEXT, ["tram"]) == ""
    assert snippet(TEXT, []) == ""
    assert snippet("", ["ferry"]) == ""


def test_a_huge_article_is_only_read_so_far() -> None:
    huge = "word " * 2_000_000 + "needle"  # 10 MB, the term past the part looked through
    t0 = time.process_time()
    assert snippet(huge, ["needle"]) == ""
    assert snippet("needle " + huge, ["needle"]).startswith("**needle**")
    assert time.process_time() - t0 < 2.0
