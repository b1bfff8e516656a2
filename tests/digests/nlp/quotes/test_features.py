"""Quote-level facts the ranker's features are built from, on invented sentences."""

from __future__ import annotations

from digests.nlp.quotes.features import _first_named_before
from digests.nlp.quotes.rules import attribute


def _first(text: str, before: str) -> tuple[str | None, bool]:
    run = attribute(text)
    person, opens = _first_named_before(run, text.index(before))
    return (person.name if person is not None else None), opens


def test_first_person_of_the_previous_sentence_not_the_last() -> None:
    text = "Tomas Weller said it would be hard for Oren Pask. “Yes,” he said."
    assert _first(text, "“Yes") == ("Tomas Weller", True)


def test_sentence_naming_nobody_is_skipped() -> None:
    text = "Tomas Weller met the mayor.\n\nThe hall was quiet by then.\n\n“Yes,” he said."
    assert _first(text, "“Yes") == ("Tomas Weller", True)


def test_name_after_a_connective_still_opens_the_sentence() -> None:
    text = "Rain fell all day. But Tomas Weller stayed. “Yes,” he said."
    assert _first(text, "“Yes") == ("Tomas Weller", True)


def test_name_inside_the_sentence_does_not_open_it() -> None:
    text = "Voters cheered when Tomas Weller said he would run. “Yes,” he said."
    assert _first(text, "“Yes") == ("Tomas Weller", False)


def test_the_quote_s_own_sentence_is_not_looked_at() -> None:
    text = "The hall was quiet. Tomas Weller said: “Yes.”"
    assert _first(text, "“Yes") == (None, False)
