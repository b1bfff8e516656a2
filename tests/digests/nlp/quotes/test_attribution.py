"""Speaker attribution by the shipped ranker, one invented case per class the issue lists.

Never-a-speaker classes, name-run boundaries, subject not object, inverted cues, paragraph shapes, strings in
quotation marks that are not speech, and descriptions that stay speakers.
"""

from __future__ import annotations

from digests.models import Quote
from digests.nlp.quotes import extract_quotes


def _speakers(text: str) -> list[str | None]:
    quotes = extract_quotes(text)
    for q in quotes:
        assert text[q.start : q.end] == q.quote
    return [q.speaker for q in quotes]


def _only(text: str) -> Quote:
    quotes = extract_quotes(text)
    assert len(quotes) == 1, quotes
    return quotes[0]


# --- never a speaker ---------------------------------------------------------------------------------------


def test_byline_is_not_a_speaker() -> None:
    text = ("By Marta Quillen\n\nThe bridge reopened on Tuesday after three months of repairs.\n\n"
            "“We are glad the trucks can cross again without a long detour,” a city engineer said.")
    assert _speakers(text) == ["a city engineer"]


def test_photo_credit_is_not_a_speaker() -> None:
    text = ("Photo: Jane Roe/Reuters\n\n"
            "“The harbour has never been this busy in the winter months,” said the port manager.")
    assert _speakers(text) == ["the port manager"]


def test_dateline_is_not_a_speaker() -> None:
    text = "HALIFAX — “Nobody expected the storm to stay over the coast for three whole days,” the forecaster said."
    assert _speakers(text) == ["the forecaster"]


def test_holiday_is_not_a_speaker() -> None:
    text = ("Christmas Day was quiet in the village.\n\n"
            "“We closed the shop early and went home to our families for the evening,” said baker Hanna Orlov.")
    q = _only(text)
    assert (q.speaker, q.role) == ("Hanna Orlov", "baker")


def test_sentence_opener_is_not_part_of_the_name() -> None:
    text = ("Unlike Al Mnajer, who stayed home, the others left. “We could not wait any longer for the buses "
            "to arrive,” Al Mnajer said later.")
    assert _speakers(text) == ["Al Mnajer"]


def test_former_before_a_place_and_a_role_is_not_the_name() -> None:
    text = ("Former Lakeland mayor Tomas Reyes backed the plan on Monday. "
            "“The valley needs this road,” he said.")
    assert _speakers(text) == ["Tomas Reyes"]


def test_heading_gerund_is_not_part_of_the_name() -> None:
    text = ("Backing Reyes\n\nVoters in the valley gave Tomas Reyes a warm welcome.\n\n"
            "“The valley needs this road,” he said.")
    assert _speakers(text) == ["Tomas Reyes"]


def test_a_name_starting_with_new_keeps_it() -> None:
    from digests.nlp.quotes.rules import _clean_run

    assert _clean_run("New Harbor Ledger", 10) == ("New Harbor Ledger", 10)
    assert _clean_run("Yesterday Ida Quist", 0) == ("Ida Quist", 10)


def test_plural_common_noun_is_not_a_speaker() -> None:
    text = ("Governments said the deal was fair. “This agreement protects the fishing towns along the whole "
            "coast,” Governments said.")
    assert _speakers(text) == [None]


def test_place_is_not_a_speaker() -> None:
    text = ("Fighting went on in the Velmora Strip on Monday.\n\n"
            "“We have no water and no power in most of the city tonight,” Velmora Strip said.")
    assert _speakers(text) == [None]


def test_vague_phrase_is_not_a_speaker() -> None:
    text = ("For some reason the count was delayed. “We expected to finish the count before midnight on "
            "Tuesday,” for some reason said.")
    assert _speakers(text) == [None]


def test_pronoun_after_an_unnamed_description() -> None:
    text = ("NORTHPORT — The minister spoke on Monday. “The deal is done and it protects every worker in the "
            "plant,” she said.")
    assert _speakers(text) == ["The minister"]


# --- name runs ----------------------------------------------------------------------------------------------


def test_department_before_a_name_is_role() -> None:
    q = _only("“The budget will be balanced within two years if revenues hold up,” said Minister of Finance "
              "Brian Manning.")
    assert (q.speaker, q.role) == ("Brian Manning", "Minister of Finance")


def test_foreign_title_before_a_name_is_role() -> None:
    q = _only("“We will not accept a hard border on this island under any circumstances,” Tanaiste Leo "
              "Varadkar said.")
    assert (q.speaker, q.role) == ("Leo Varadkar", "Tanaiste")


def test_place_before_a_given_name_is_not_the_name() -> None:
    q = _only("“The vaccine trial results are encouraging for older patients,” said University of "
              "Massachusetts Joshua Levy.")
    assert q.speaker == "Joshua Levy"


def test_month_abbreviation_that_is_a_given_name_starts_a_name() -> None:
    q = _only("Former Vermont Gov. Jan Holloway endorsed him on Monday. “He is the candidate who can carry the state,” she said.")
    assert (q.speaker, q.role) == ("Jan Holloway", "Former Vermont Gov.")


def test_month_abbreviation_with_a_full_stop_is_still_a_date() -> None:
    assert _speakers("The vote is on Jan. 5 in Ohio. “It will be close,” said Tomas Rydell.") == ["Tomas Rydell"]


# --- cue forms: subject, not object; inverted ---------------------------------------------------------------


def test_less_common_speech_verbs_are_cues() -> None:
    for verb in ("charged", "interjected", "fumed", "retorted"):
        text = f"Oren Pask spoke first. Then Ida Quist took the floor.\n\n“That is simply not true,” Pask {verb}."
        assert _speakers(text) == ["Oren Pask"], verb


def test_a_person_named_by_a_given_name_alone() -> None:
    text = ("Maria Quist ran the stall for twenty years. Her brother, Omar, 41, drove the van every Saturday.\n\n"
            "“The early hours are the best part,” he said.\n\n"
            "Sarah said she would keep the stall open through the winter.\n\n“We will manage,” she said.")
    assert _speakers(text) == ["Omar", "Sarah"]


def test_possessive_name_is_not_the_previous_sentence_subject() -> None:
    text = ("Oren Pask's budget may be “reckless,” said Tomas Weller, a professor of public finance.\n\n"
            "“Every line of it assumes growth that has not come,” he said.")
    assert _speakers(text)[-1] == "Tomas Weller"


def test_person_of_an_organisation_of_a_place_is_the_speaker() -> None:
    text = ("Tomas Weller spoke first. However, as Bishop Oren Pask of the Valley Church of Lakeland told the "
            "Daily Ledger, “We have waited long enough for this.”")
    assert _speakers(text) == ["Oren Pask"]


def test_a_full_name_with_a_common_given_name_is_a_person() -> None:
    text = ("Tomas Weller spoke first. In a post on Facebook, Maria Quist called the count "
            "“a farce from start to finish.”")
    assert _speakers(text) == ["Maria Quist"]


def test_told_object_is_not_the_speaker() -> None:
    text = "Myers told Variety: “I never thought the show would last more than a single season on the network.”"
    assert _speakers(text) == ["Myers"]


def test_asked_object_is_not_the_speaker() -> None:
    text = "“Why did the court wait so long before it decided this case?” a reporter asked Montoya-Lewis."
    assert _speakers(text) == ["a reporter"]


def test_inverted_cue_with_name() -> None:
    text = "“She used to sing in the kitchen every morning before anyone else was awake,” remembers Shanna Challenger."
    assert _speakers(text) == ["Shanna Challenger"]


def test_inverted_cue_with_description() -> None:
    text = "“We have no plans to raise the fees this year or next year,” replied the minister."
    assert _speakers(text) == ["the minister"]


def test_new_person_without_speech_verb_takes_over() -> None:
    text = ("“The plan is sound and it will pass,” said Mayor Olga Brenner.\n\n"
            "Jeremy Robinson had a more succinct statement.\n\n"
            "“It is a disaster for every taxpayer in this town.”")
    assert _speakers(text) == ["Olga Brenner", "Jeremy Robinson"]


# --- not speech ---------------------------------------------------------------------------------------------


def test_title_of_a_work_is_not_a_quote() -> None:
    assert extract_quotes("She starred in “The Long Road Home to the Northern Valley” last year and in a play "
                          "this spring.") == []


def test_name_of_a_fund_is_not_a_quote() -> None:
    assert extract_quotes("Investors poured money into the “Global Clean Energy Growth Fund Class A” this "
                          "quarter.") == []


def test_user_agent_string_is_not_a_quote() -> None:
    assert extract_quotes("The crawler sent the header “Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36” "
                          "with every request.") == []


# --- organisations and descriptions -------------------------------------------------------------------------


def test_description_stays_when_no_person_is_given() -> None:
    text = "“The camp will stay open until the end of the season as planned,” a spokesperson for the camp said."
    assert _speakers(text) == ["a spokesperson for the camp"]


def test_organisation_stays_the_speaker() -> None:
    text = "“Member states must agree on the new rules before the summer break,” the EU said in a statement."
    assert _speakers(text) == ["EU"]


# --- paragraph shapes ---------------------------------------------------------------------------------------


def test_quote_only_paragraph_goes_to_the_running_speaker() -> None:
    text = ("“The fire started in the kitchen,” said fire chief Dana Kowalski.\n\n"
            "“Everyone got out safely, which is the most important thing tonight.”")
    assert _speakers(text) == ["Dana Kowalski", "Dana Kowalski"]


def test_question_and_answer_paragraphs() -> None:
    text = ("Q: What will you do first?\n\n"
            "A: “I will fix the roads in the north end before anything else,” Councillor Ravi Desai said.")
    q = _only(text)
    assert (q.speaker, q.role) == ("Ravi Desai", "Councillor")


def test_name_colon_quote_list() -> None:
    text = ("Voters at the market had mixed views.\n\n"
            "Maria Lopez: “I want lower taxes and better buses for the town.”\n\n"
            "Tom Becker: “I just want someone who listens to the farmers.”")
    assert _speakers(text) == ["Maria Lopez", "Tom Becker"]


def test_dash_name_after_quote() -> None:
    text = "“We are not going anywhere, this is our home and we will rebuild it.” — Ellen Marsh, resident"
    assert _speakers(text) == ["Ellen Marsh"]


def test_pronoun_after_a_paragraph_break_is_the_previous_sentence_subject() -> None:
    text = ("Tomas Weller acknowledged that it would be hard for Oren Pask to win the state without the unions.\n\n"
            "“Yes, we know that,” he said. “But we have a path.”")
    assert _speakers(text) == ["Tomas Weller", "Tomas Weller"]
