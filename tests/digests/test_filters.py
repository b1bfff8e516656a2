"""Subscription filters and alert keywords: words, phrases, RE2 regexes that cannot hang, clear refusals."""

from __future__ import annotations

import time

import pytest

from digests.filters import (
    FIELD_BREAK,
    MAX_PATTERN_CHARS,
    CompiledFilters,
    Filter,
    FilterError,
    StoryText,
    keyword_matcher,
    load_filters,
)

STORY = StoryText(title="Council backs the new ferry berth", text="The harbour board voted on Tuesday.",
                  speakers=("Talia Brennick",), outlets=("Harbour Gazette",))


def test_exclude_drops_and_include_requires() -> None:
    assert not CompiledFilters([Filter("title", "exclude", "word", "ferry").validate()]).passes(STORY)
    assert CompiledFilters([Filter("title", "exclude", "word", "ferries").validate()]).passes(STORY)
    assert CompiledFilters([Filter("speaker", "include", "phrase", "talia brennick").validate()]).passes(STORY)
    assert not CompiledFilters([Filter("outlet", "include", "word", "Post").validate()]).passes(STORY)
    # Several includes: any one is enough; an exclude always wins.
    rules = [Filter("title", "include", "word", "bridge"), Filter("text", "include", "word", "harbour"),
             Filter("any", "exclude", "phrase", "sponsored content")]
    assert CompiledFilters(rules).passes(STORY)
    assert not CompiledFilters(rules).passes(StoryText(title="Sponsored  content: harbour cruises"))


def test_words_match_whole_words_only() -> None:
    rule = CompiledFilters([Filter("title", "include", "word", "berth").validate()])
    assert rule.passes(STORY) and not rule.passes(StoryText(title="Berthing fees rise"))
    plus = CompiledFilters([Filter("title", "include", "word", "c++").validate()])
    assert plus.passes(StoryText(title="New C++ standard")) and not plus.passes(StoryText(title="New C standard"))


def test_regexes_are_case_insensitive_re2() -> None:
    rule = CompiledFilters([Filter("title", "include", "regex", r"ferr(y|ies)\s+berth").validate()])
    assert rule.passes(STORY) and not rule.passes(StoryText(title="Ferry fares"))


@pytest.mark.parametrize(("pattern", "reason"), [
    (r"(a)\1", "invalid escape sequence"),
    (r"(?<=x)y", "invalid perl operator"),
    (r"[unclosed", "missing ]"),
    (r"a{2,1}", "invalid repetition size"),
    ("", "empty"),
    ("x" * 301, "longer than 300"),
])
def test_patterns_that_do_not_compile_are_refused_with_the_reason(pattern: str, reason: str) -> None:
    with pytest.raises(FilterError) as exc:
        Filter("title", "include", "regex", pattern).validate()
    assert reason in str(exc.value)


@pytest.mark.parametrize("kind", ["regex", "word", "phrase"])
def test_a_lone_surrogate_in_a_pattern_is_refused_with_a_short_reason(kind: str) -> None:
    # A JSON "\\ud800" escape decodes to a lone surrogate, which has no UTF-8 form.
    with pytest.raises(FilterError, match="not valid text"):
        Filter("title", "include", kind, "tide\ud800").validate()
    with pytest.raises(FilterError, match="not valid text"):
        keyword_matcher("harbour \ud800")


def test_a_catastrophic_backtracking_pattern_on_a_long_title_returns_within_100_ms() -> None:
    """(a+)+$ and friends take exponential time on a backtracking engine; RE2 answers in linear time."""
    title = "a" * 10_000 + "!"  # within the 20,000 characters a filter reads
    rules = CompiledFilters([Filter("title", "include", "regex", p).validate()
                             for p in (r"(a+)+$", r"(a|aa)+$", r"(a*)*b", r"^(\w+\s?)*$")])
    start = time.perf_counter()
    passed = rules.passes(StoryText(title=title, text=title))
    elapsed = time.perf_counter() - start
    assert passed is False  # the "!" at the end defeats every one of them: each must scan to the end and fail
    assert elapsed < 0.1, f"{elapsed * 1000:.1f} ms"
    # The same shape as an exclude on a title it matches: still immediate.
    start = time.perf_counter()
    assert not CompiledFilters([Filter("title", "exclude", "regex", r"(a+)+$").validate()]).passes(
        StoryText(title="a" * 20_000))
    assert time.perf_counter() - start < 0.1


def test_alert_keywords_match_whole_words_in_any_case() -> None:
    rx = keyword_matcher("ferry berth")
    assert rx.search("the new FERRY  berth") and not rx.search("ferry berths")
    with pytest.raises(FilterError):
        keyword_matcher("   ")


def test_stored_filters_that_no_longer_compile_are_skipped() -> None:
    good = {"field": "title", "action": "include", "kind": "word", "pattern": "ferry"}
    bad = {"field": "title", "action": "include", "kind": "regex", "pattern": "(a)\\1"}
    assert load_filters([good, bad, {"field": "nowhere"}]) == [Filter.from_dict(good)]


def test_a_verdict_names_the_rule_that_decided() -> None:
    rules = CompiledFilters([Filter("text", "include", "word", "harbour").validate(),
                             Filter("title", "exclude", "regex", r"\bsponsored\b").validate()])
    assert rules.verdict(STORY) == (True, "filter #1 (include text word “harbour”) matched")
    held = StoryText(title="Sponsored: harbour cruises", text="Cruises round the harbour.")
    assert rules.verdict(held) == (False, r"filter #2 (exclude title regex /\bsponsored\b/) matched")
    assert rules.verdict(StoryText(title="Bakery opens")) == (
        False, "no include filter matched (#1 include text word “harbour”)")
    assert CompiledFilters([]).verdict(STORY) == (True, "")


@pytest.mark.parametrize("kind", ["word", "phrase", "regex"])
def test_the_length_limit_takes_exactly_300_characters(kind: str) -> None:
    at_limit = "x" * MAX_PATTERN_CHARS
    assert Filter("title", "include", kind, at_limit).validate().compiled().search(at_limit)
    with pytest.raises(FilterError, match=f"longer than {MAX_PATTERN_CHARS} characters"):
        Filter("title", "include", kind, at_limit + "x").validate()


def test_an_alert_keyword_of_exactly_300_characters_is_taken_and_301_refused() -> None:
    at_limit = "y" * MAX_PATTERN_CHARS
    assert keyword_matcher(at_limit).search(at_limit)
    with pytest.raises(FilterError, match=f"keyword is longer than {MAX_PATTERN_CHARS} characters"):
        keyword_matcher(at_limit + "y")


@pytest.mark.parametrize(("rule", "message"), [
    (Filter("headline", "include", "word", "x"), "field must be one of: title, text, speaker, outlet, any"),
    (Filter("title", "keep", "word", "x"), "a filter either includes or excludes, not 'keep'"),
    (Filter("title", "include", "glob", "x"), "kind must be one of: word, phrase, regex"),
    (Filter("title", "include", "word", "two words"), "a word filter takes one word; use phrase: for several"),
    (Filter("title", "include", "phrase", "   "), "the word or phrase is empty"),
    (Filter("title", "include", "regex", "  "), "the pattern is empty"),
])
def test_each_refusal_says_what_to_write_instead(rule: Filter, message: str) -> None:
    with pytest.raises(FilterError) as exc:
        rule.validate()
    assert str(exc.value) == message


def test_words_match_at_both_edges_only_and_marks_need_no_edge() -> None:
    ferry = CompiledFilters([Filter("title", "include", "word", "ferry").validate()])
    assert ferry.passes(StoryText(title="Ferry fares rise")) and not ferry.passes(StoryText(title="Superferry fares"))
    tag = CompiledFilters([Filter("title", "include", "word", "#harbour").validate()])
    assert tag.passes(StoryText(title="News #harbour today")) and tag.passes(StoryText(title="#harbour"))
    assert not tag.passes(StoryText(title="#harbourside walk"))


def test_stored_filters_after_one_that_no_longer_compiles_are_still_loaded() -> None:
    bad = {"field": "title", "action": "include", "kind": "regex", "pattern": "(a)\\1"}
    good = {"field": "text", "action": "exclude", "kind": "phrase", "pattern": "sponsored content"}
    assert load_filters([bad, good]) == [Filter.from_dict(good)]


def test_any_reads_every_field_each_on_its_own_line() -> None:
    story = StoryText(title="Ferry", text="berth", speakers=("Talia",), outlets=("Gazette",))
    assert story.field("any") == FIELD_BREAK.join(["Ferry", "berth", "Talia", "Gazette"])
    # A phrase never joins the end of one field to the start of the next.
    assert not CompiledFilters([Filter("any", "include", "phrase", "ferry berth").validate()]).passes(story)
    assert story.field("speaker") == "Talia" and story.field("outlet") == "Gazette"
