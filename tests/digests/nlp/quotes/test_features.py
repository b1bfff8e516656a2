"""Quote-level facts the ranker's features are built from, on invented sentences."""

from __future__ import annotations

from digests.nlp.quotes.features import _around
from digests.nlp.quotes.rules import attribute


def _name(person: object) -> str | None:
    return getattr(person, "name", None)


def _first(text: str, before: str) -> tuple[str | None, bool]:
    a = _around(attribute(text), text.index(before))
    return _name(a.first_prev), a.first_prev_initial


def _own(text: str, before: str) -> tuple[str | None, bool]:
    a = _around(attribute(text), text.index(before))
    return _name(a.first_own), a.first_own_initial


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


def test_the_lead_in_of_the_quote_s_own_sentence() -> None:
    text = "The hall was quiet. Tomas Weller sent a blunt message to Oren Pask: “Step aside.”"
    assert _own(text, "“Step") == ("Tomas Weller", True)


def test_a_colon_sentence_closing_the_paragraph_before_is_the_lead_in() -> None:
    text = "Tomas Weller spoke about Oren Pask at length. Weller said:\n\n“It was a mistake.”"
    assert _own(text, "“It was") == ("Tomas Weller", True)


def test_a_name_modifying_a_noun_is_not_the_subject() -> None:
    text = ("Tomas Weller said the count was close. Weller adviser Oren Pask said the same a day later.\n\n"
            "“We saw it coming,” he said.")
    assert _first(text, "“We saw")[0] == "Oren Pask"
