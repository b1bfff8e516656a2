"""Speaker keys, surname resolution against known names and role splitting."""

from __future__ import annotations

from digests.nlp.speakers import (
    first_name_gender,
    given_name_gender,
    resolve_speaker,
    speaker_key,
    split_role,
)


def test_speaker_key_normalizes_accents_case_and_titles() -> None:
    assert speaker_key("Dr. Zoë Almén-Ruiz") == "zoe almen-ruiz"
    assert speaker_key("Sen. Harold Quist Jr.") == "harold quist"
    assert speaker_key("Prime Minister Ada Lindgren") == "ada lindgren"
    assert speaker_key("Lindgren's") == "lindgren"
    assert speaker_key("") == ""


def test_resolve_bare_surname_to_known_full_name() -> None:
    known = ["Ada Lindgren", "Tomas Brandvold", "Wen Li"]
    assert resolve_speaker("Lindgren", known) == "Ada Lindgren"
    assert resolve_speaker("Mr. Brandvold", known) == "Tomas Brandvold"
    assert resolve_speaker("ada lindgren", known) == "Ada Lindgren"
    # A family name written first, as the known name gives it.
    assert resolve_speaker("Wen", known) == "Wen Li"


def test_resolve_is_none_when_ambiguous_or_unknown() -> None:
    known = ["Ada Lindgren", "Petter Lindgren"]
    assert resolve_speaker("Lindgren", known) is None
    assert resolve_speaker("Okafor", known) is None
    assert resolve_speaker("", known) is None


def test_split_role() -> None:
    assert split_role("Secretary of State Jo Marlow") == ("Secretary of State", "Jo Marlow")
    assert split_role("Deputy Mayor Tomas Brandvold") == ("Deputy Mayor", "Tomas Brandvold")
    assert split_role("Mara Quill, director of the port") == ("director of the port", "Mara Quill")
    assert split_role("Mara Quill") == (None, "Mara Quill")


def test_split_role_with_capitalized_role_noun() -> None:
    assert split_role("Striker Pavo Rellinger") == ("Striker", "Pavo Rellinger")
    assert split_role("Resident Nadia Pellworth") == ("Resident", "Nadia Pellworth")
    assert split_role("Coach Petra Lindqvist") == ("Coach", "Petra Lindqvist")


def test_first_name_gender() -> None:
    assert first_name_gender("Susan Morrow") == "f"
    assert first_name_gender("Robert Feldane") == "m"
    assert first_name_gender("Osko Marrent") is None
    assert first_name_gender("Morrow") is None


def test_given_name_gender() -> None:
    assert given_name_gender("Margaret") == "f"
    assert given_name_gender("Peter") == "m"
    assert given_name_gender("Brannigan") is None
