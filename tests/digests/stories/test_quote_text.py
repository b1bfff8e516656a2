"""Quote wordings across articles: which copies are one quote, which differ in wording, which keys find them."""

from __future__ import annotations

import pytest

from digests.stories._quote_text import (
    CONTAINED_WORDS,
    normal_form,
    quote_keys,
    rescope,
    same_quote,
    worded_differently,
)

FULL = "The new ferry terminal will open in April, and we expect the first crossings to sell out within a week."


def test_equal_after_case_punctuation_and_spacing() -> None:
    assert same_quote(FULL, FULL.upper().replace(",", "").replace("  ", " ")) == "equal"
    assert normal_form("Yes — we can!") == normal_form("yes we can")


def test_a_truncated_copy_is_contained() -> None:
    assert same_quote("we expect the first crossings to sell out within a week", FULL) == "contained"
    assert same_quote("The new ferry terminal will open in April,", FULL) == "contained"


def test_too_short_a_copy_is_not_taken_for_the_same_quote() -> None:
    short = "to sell out within a week"
    assert len(short.split()) < CONTAINED_WORDS
    assert same_quote(short, FULL) is None


def test_a_changed_word_is_the_same_quote_worded_differently() -> None:
    changed = FULL.replace("expect", "hope")
    assert same_quote(changed, FULL) == "fuzzy"
    assert worded_differently(changed, FULL)


def test_a_cut_or_punctuation_is_no_wording_difference() -> None:
    assert not worded_differently("we expect the first crossings to sell out within a week", FULL)
    assert not worded_differently(FULL.replace(",", ";"), FULL)


def test_different_statements_are_apart() -> None:
    other = "The old ferry terminal will close in May, and nobody expects the council to reopen it before autumn."
    assert same_quote(other, FULL) is None
    assert same_quote("No.", "Yes.") is None


@pytest.mark.parametrize(("start", "length"), [(s, n) for n in (8, 9, 11, 15) for s in range(0, 21 - n)])
def test_every_copy_of_eight_words_or_more_shares_a_key_with_the_longer(start: int, length: int) -> None:
    words = FULL.split()
    part = " ".join(words[start:start + length])
    assert len(part.split()) == length
    assert set(quote_keys(part)) & set(quote_keys(FULL))


def test_keys_of_one_scope_never_meet_another() -> None:
    assert not set(quote_keys(FULL, "ws:a")) & set(quote_keys(FULL, ""))
    assert quote_keys(FULL, "ws:a") == quote_keys(FULL.upper(), "ws:a")


@pytest.mark.parametrize("scope", ["", "ws:a", "ws:another workspace"])
@pytest.mark.parametrize("length", [1, 3, 7, 9, 12, 20])
def test_a_scopes_keys_are_the_public_ones_salted(scope: str, length: int) -> None:
    text = " ".join(FULL.split()[:length])
    assert rescope(quote_keys(text), scope) == quote_keys(text, scope)


@pytest.mark.parametrize("length", [8, 9, 10, 11])
def test_a_short_copy_with_one_word_changed_or_dropped_shares_a_key(length: int) -> None:
    words = "harbour crews will mend every cable before the ferries come back soon".split()[:length]
    for at in range(length):
        changed = words[:at] + ["quickly"] + words[at + 1:]
        dropped = words[:at] + words[at + 1:]
        for other in (changed, dropped):
            a, b = " ".join(words), " ".join(other)
            assert set(quote_keys(a)) & set(quote_keys(b)), (a, b)
