"""One speaker from several outlets' attributions: confidence, names over descriptions, name forms, splits."""

from __future__ import annotations

from digests.stories import Attribution, decide_speaker
from digests.stories._quote_speaker import fold_names, name_kind


def test_agreeing_outlets_agree() -> None:
    v = decide_speaker([Attribution("Ottilie Brandvik", 0.99, "Ottilie Brandvik", "said"),
                        Attribution("Ottilie Brandvik", 0.9, "she", "said")])
    assert (v.speaker, v.status) == ("Ottilie Brandvik", "agreed")


def test_a_description_yields_to_the_named_person() -> None:
    # One outlet says "her rep told the magazine", its ranker gives the words to the woman herself; two others
    # name the publicist. The description is no vote for the woman.
    v = decide_speaker([Attribution("Mara Quill", 0.99, "her rep", "told"),
                        Attribution("Tobin Vell", 0.8, "Tobin Vell", "said"),
                        Attribution("The singer's publicist", 0.99, "The singer's publicist", "said")])
    assert (v.speaker, v.status) == ("Tobin Vell", "chosen")
    assert {x.speaker for x in v.votes} == {"Tobin Vell", "her rep", "The singer's publicist"}


def test_a_description_holding_a_named_persons_role_counts_for_them() -> None:
    v = decide_speaker([Attribution("Halvard Renn", 0.7, None, None, "harbour master"),
                        Attribution("the harbour master", 0.99, "the harbour master", "said")])
    assert v.speaker == "Halvard Renn" and v.votes[0].articles == 2


def test_an_even_split_is_reported_not_guessed() -> None:
    v = decide_speaker([Attribution("Jonas Elder", 0.9, "Elder", "said"),
                        Attribution("Petra Lind", 0.9, "Lind", "said")])
    assert v.status == "split" and v.speaker is None
    assert set(v.split) == {"Jonas Elder", "Petra Lind"}


def test_confidence_decides_between_two_people() -> None:
    # A floating quote given to the running speaker with little confidence against an attribution by name.
    v = decide_speaker([Attribution("Jonas Elder", 0.45, None, None),
                        Attribution("Petra Lind", 0.99, "Lind", "said")])
    assert (v.speaker, v.status) == ("Petra Lind", "chosen")


def test_name_forms_of_one_person_fold_into_the_fullest() -> None:
    folded = fold_names(["Kempthorne", "Dirk Kempthorne", "Dirk A. Kempthorne", "Secretary Kempthorne"])
    assert set(folded.values()) == {"Dirk A. Kempthorne"}
    v = decide_speaker([Attribution("Kempthorne", 0.9, "Kempthorne", "said"),
                        Attribution("Dirk A. Kempthorne", 0.9, "Dirk A. Kempthorne", "said"),
                        Attribution("Dirk Kempthorne", 0.9, "Kempthorne", "said")])
    assert (v.speaker, v.status) == ("Dirk A. Kempthorne", "agreed")


def test_a_surname_two_people_share_stays_apart() -> None:
    folded = fold_names(["Jo Roe", "Al Roe", "Roe"])
    assert folded["Roe"] == "Roe" and folded["Jo Roe"] == "Jo Roe"


def test_a_person_reached_through_it_is_weak_evidence() -> None:
    # "It promised to ...": the pronoun stands for a thing, so the person the ranker found is doubtful.
    v = decide_speaker([Attribution("Larkin Oduya", 0.8, "It", "promised"),
                        Attribution("The conference", 0.97, "The conference", "promised")])
    assert v.speaker == "The conference"


def test_nobody_named_is_unknown() -> None:
    assert decide_speaker([Attribution(None, 0.9), Attribution(None, 0.8)]).status == "unknown"


def test_name_kinds() -> None:
    assert name_kind("Ottilie Brandvik") == "person"
    assert name_kind("the fire chief") == "description"
    assert name_kind("Kelmsford Port Authority") == "description"
    assert name_kind("Reid's rep") == "description"
    assert name_kind(None) is None
