"""Tests for TIMEX3 extraction and normalization (invented sentences only)."""

from __future__ import annotations

import importlib.util
import json
from datetime import date
from pathlib import Path

import pytest

from digests.models import Timex
from digests.nlp.timex import extract_timexes, parse_number

SUNDAY = date(2023, 3, 12)
TIMEX_DEV = Path(__file__).resolve().parents[3].parent / "shared" / "eval" / "timex" / "dev.jsonl"


def values(text: str, published: date | None = SUNDAY) -> dict[str, str]:
    """Map each expression's text to its value."""
    return {t.text: t.value for t in extract_timexes(text, published)}


def only(text: str, published: date | None = SUNDAY) -> Timex:
    """Return the single expression found in ``text``."""
    found = extract_timexes(text, published)
    assert len(found) == 1, found
    return found[0]


def test_publication_day_is_a_sunday() -> None:
    assert SUNDAY.weekday() == 6


def test_offsets_slice_the_text() -> None:
    text = "The mayor of Lindenfeld said on Thursday that the bridge will reopen in late May."
    found = extract_timexes(text, SUNDAY)
    assert found
    for t in found:
        assert text[t.start:t.end] == t.text


def test_past_weekday_is_the_one_before() -> None:
    assert only("The ferry company said on Thursday it had cancelled two crossings.").value == "2023-03-09"


def test_future_weekday_is_the_one_after() -> None:
    assert only("The council will vote on Thursday on the new parking rules.").value == "2023-03-16"


def test_weekday_of_publication_is_the_publication_day() -> None:
    assert only("Hundreds of runners crossed the finish line on Sunday.").value == "2023-03-12"


def test_last_and_next_weekday() -> None:
    got = values("The club met last Friday and plans to meet again next Friday.")
    assert got == {"last Friday": "2023-03-10", "next Friday": "2023-03-17"}


def test_days_relative_to_publication() -> None:
    got = values("The orchard opened yesterday, closes today and reopens tomorrow.")
    assert got == {"yesterday": "2023-03-11", "today": "2023-03-12", "tomorrow": "2023-03-13"}


def test_month_parts_keep_month_value_and_span() -> None:
    got = values("Planting began in early February, paused in mid-February and ended in late February.")
    assert got == {"early February": "2023-02", "mid-February": "2023-02", "late February": "2023-02"}


def test_relative_units() -> None:
    got = values("Prices fell last week, rose last month and may settle next year.")
    assert got == {"last week": "2023-W09", "last month": "2023-02", "next year": "2024"}


def test_earlier_this_month_is_this_month() -> None:
    assert only("The festival was announced earlier this month.").value == "2023-03"


def test_year_rollover_for_a_december_date_in_january() -> None:
    found = only("The shop was closed on December 30 for the inventory.", date(2024, 1, 5))
    assert (found.text, found.value) == ("December 30", "2023-12-30")


def test_coming_month_day_stays_in_the_same_year() -> None:
    assert only("The dividend is payable April 2 to holders of record.", date(2024, 3, 20)).value == "2024-04-02"


def test_full_dates_and_years() -> None:
    got = values("The lighthouse was built on June 4, 1911 and restored in 1987.")
    assert got == {"June 4, 1911": "1911-06-04", "1987": "1987"}


def test_numbers_that_are_not_years() -> None:
    assert values("The plant employs 1500 workers and made 2000 tons of steel.") == {}


def test_durations() -> None:
    got = values("The strike lasted three days, a two-year contract followed, and talks took 90 minutes.")
    assert got == {"three days": "P3D", "two-year": "P2Y", "90 minutes": "PT90M"}
    assert {t.type for t in extract_timexes("It lasted three days.", SUNDAY)} == {"DURATION"}


def test_durations_with_the_article() -> None:
    assert only("Sales doubled over the past six months.").value == "P6M"
    assert only("Sales doubled over the past six months.").text == "the past six months"


def test_vague_references() -> None:
    got = values("Rents are high now; they rose recently and may fall in the future.")
    assert got == {"now": "PRESENT_REF", "recently": "PAST_REF", "the future": "FUTURE_REF"}


def test_sets() -> None:
    assert only("The market opens every Monday.").value == "XXXX-WXX-1"
    assert (only("The bakery sells bread daily.").type, only("The bakery sells bread daily.").value) == ("SET", "P1D")


def test_quarters() -> None:
    pub = date(2023, 10, 25)
    assert values("Third-quarter revenue rose.", pub) == {"Third-quarter": "2023-Q3"}
    assert values("Profit rose in the third quarter.", pub) == {"the third quarter": "2023-Q3"}


def test_clock_times() -> None:
    found = only("The polls will close at 8 p.m. Tuesday.")
    assert (found.type, found.value) == ("TIME", "2023-03-14T20:00")


def test_seasons_and_decades() -> None:
    got = values("The canal froze last winter, as it often did in the 1960s.")
    assert got == {"last winter": "2022-WI", "the 1960s": "196"}


def test_no_publication_date_gives_no_absolute_relative_value() -> None:
    got = values("The museum reopened yesterday after renovations that began last year.", None)
    assert set(got) == {"yesterday", "last year"}
    assert all("X" in v for v in got.values())
    assert only("The vote is set for Thursday.", None).value == "XXXX-WXX-4"
    assert only("The bridge opened on May 3, 2019.", None).value == "2019-05-03"


def test_may_the_verb_is_not_a_month() -> None:
    assert values("Residents may see delays. The fair returns in May.", date(2023, 3, 1)) == {"May": "2023-05"}


def test_parse_number() -> None:
    assert parse_number("twenty-four") == 24
    assert parse_number("1,200") == 1200
    assert parse_number("an") == 1
    assert parse_number("several") is None


def test_since_a_month_is_the_past_one() -> None:
    got = values("The ferry has not run on time since April, and sails again next month.", date(2024, 11, 20))
    assert got["April"] == "2024-04"


def test_forecast_and_scheduled_point_ahead() -> None:
    thursday = date(2024, 11, 14)
    assert only("More snow is forecast for the weekend.", thursday).value == "2024-W46-WE"
    assert only("The ferry is set to resume sailing on Tuesday.", thursday).value == "2024-11-19"


def test_forecast_as_a_noun_is_no_plan() -> None:
    assert only("The bakery lowered its sales forecast on Tuesday.", date(2024, 11, 14)).value == "2024-11-12"


def test_reported_speech_keeps_the_tense_of_the_telling() -> None:
    found = only("The mayor told the council on Thursday evening that she would ask for more buses.",
                 date(2024, 11, 15))
    assert (found.text, found.value) == ("Thursday evening", "2024-11-14TEV")


def test_until_points_ahead_unless_looking_back() -> None:
    wednesday = date(2024, 11, 13)
    assert only("The museum stays closed until Friday for repairs.", wednesday).value == "2024-11-15"
    assert only("Until Monday, the club had not named a coach.", wednesday).value == "2024-11-11"


def test_a_plan_seen_from_the_past() -> None:
    assert only("The offer had been scheduled to expire Friday.", date(2024, 11, 18)).value == "2024-11-15"


def test_not_a_day_later_is_no_time() -> None:
    assert values("We acted as soon as the figures came in, and not a day later.") == {}
    assert only("The bridge reopened a day later.").text == "a day later"


def test_anaphoric_year_and_month_count_from_the_last_placed_date() -> None:
    got = values("The mill opened on May 3, 2011, and the following year it doubled its output.")
    assert got["the following year"] == "2012"
    got = values("Talks began in March. The following month, the union walked out.", date(2023, 10, 2))
    assert (got["March"], got["The following month"]) == ("2023-03", "2023-04")


def test_anaphoric_day_and_weekday() -> None:
    got = values("The storm reached the coast on June 2, 2019. Later that day, the power failed.")
    assert got["Later that day"] == "2019-06-02"
    got = values("The index closed higher on Friday, up 3 percent from the previous Friday.", date(2024, 11, 18))
    assert (got["Friday"], got["the previous Friday"]) == ("2024-11-15", "2024-11-08")
    got = values("The ferry sank on March 4, 1998, and divers reached it the next day.")
    assert got["the next day"] == "1998-03-05"


def test_that_day_without_a_placed_day_is_generic() -> None:
    assert "that day" not in values("Savers pull their money out that day and come back a week later.")


def test_same_month_a_year_back() -> None:
    got = values("Orders rose in October, against the same month last year.", date(2024, 11, 20))
    assert got["the same month last year"] == "2023-10"


def test_universal_time_gets_the_zulu_suffix() -> None:
    got = values("The rocket lifted off at 14:30 UTC, and the capsule docked at 9 p.m. local time.")
    assert got == {"14:30 UTC": "2023-03-12T14:30Z", "9 p.m.": "2023-03-12T21:00"}


def test_bare_clock_time_takes_the_day_of_its_sentence() -> None:
    """Anchor rule "clock", sentence scope; a clause that looks ahead does not inherit an earlier day."""
    got = values("The glider flew for the first time on Thursday in Orsk at 18:00 UTC.", date(2024, 11, 15))
    assert got["18:00 UTC"] == "2024-11-14T18:00Z"
    got = values("The glider flew on Thursday. The next test starts at 9 a.m.", date(2024, 11, 15))
    assert got["9 a.m."] == "2024-11-15T09:00"


WEDNESDAY = date(2024, 11, 13)


def test_anchor_clock_takes_the_day_its_paragraph_names() -> None:
    """Anchor rule "clock": a clock time later in the sentence or in the next sentence keeps the named day."""
    got = values("On Saturday, after a long search, divers found the boat at 6 p.m.", WEDNESDAY)
    assert got["6 p.m."] == "2024-11-09T18:00"
    got = values("The search resumed on Saturday. Divers found the boat shortly after 6 p.m.", WEDNESDAY)
    assert got["shortly after 6 p.m."] == "2024-11-09T18:00"
    got = values("The search resumed on Nov. 2, 2024.\n\nAt 6 p.m. divers found the boat.", WEDNESDAY)
    assert got["6 p.m."] == "2024-11-02T18:00"


def test_anchor_clock_without_a_named_day_is_the_publication_day() -> None:
    """Anchor rule "clock", fallback: no day placed before it, so the publication day."""
    assert values("Divers found the boat at 6 p.m.", WEDNESDAY)["6 p.m."] == "2024-11-13T18:00"


def test_anchor_offset_counts_later_and_earlier_from_the_named_date() -> None:
    """Anchor rule "offset": "later"/"earlier" count from the narrative's named date, "ago" from publication."""
    got = values("The shipyard opened in 1978. Forty years later it closed its gates.", WEDNESDAY)
    assert got["Forty years later"] == "2018"
    got = values("The ferry sank on June 3, 2019. Two days later divers reached it.", WEDNESDAY)
    assert got["Two days later"] == "2019-06-05"
    got = values("The ferry sank in March 2010, and three months earlier its owner had sold it.", WEDNESDAY)
    assert got["three months earlier"] == "2009-12"
    assert values("The shipyard opened in 1978, forty years ago.", WEDNESDAY)["forty years ago"] == "1984"


def test_anchor_next_morning_is_a_part_of_the_narrative_day() -> None:
    """Anchor rule "next-morning": "the next morning", "that night" count from the day last placed."""
    got = values("Police found the car on Saturday. The next morning, divers searched the lake.", WEDNESDAY)
    assert got["The next morning"] == "2024-11-10TMO"
    got = values("Police found the car on Saturday. That night, divers searched the lake.", WEDNESDAY)
    assert got["That night"] == "2024-11-09TNI"
    assert "that night" not in values("The band played well that night, fans said.", WEDNESDAY)


def test_anchor_month_takes_the_year_its_sentence_names() -> None:
    """Anchor rule "sentence-year": a month with no year inside a sentence about another year takes that year."""
    got = values("In the summer of 2004 the river flooded, and in mid-August the dam broke.", WEDNESDAY)
    assert got["mid-August"] == "2004-08"
    got = values("The river flooded in the summer of 2004. In August the dam broke.", WEDNESDAY)
    assert got["August"] == "2024-08"  # a new sentence falls back to the publication date


def test_anchor_restated_weekday_takes_the_date_just_given() -> None:
    """Anchor rule "restated-weekday": "on Dec. 18, a Wednesday" is Dec. 18, whatever the tense says."""
    got = values("The council met on Dec. 18, a Wednesday, and voted.", date(2024, 12, 20))
    assert got == {"Dec. 18": "2024-12-18", "Wednesday": "2024-12-18"}
    got = values("The vote is set for Dec. 18, a Wednesday.", date(2024, 12, 2))
    assert got["Wednesday"] == "2024-12-18"


def test_direction_cues_look_ahead_for_weekdays_and_weekends() -> None:
    """Anchor rule "direction": "forecast", "expected", "planned", "ahead" point a weekday or weekend forward."""
    assert values("Grid operators forecast record demand Monday.", WEDNESDAY)["Monday"] == "2024-11-18"
    assert values("Its revenue forecast fell Monday.", WEDNESDAY)["Monday"] == "2024-11-11"
    assert values("The crew is expected to return over the weekend.", WEDNESDAY)["the weekend"] == "2024-W46-WE"
    assert values("The crew returned over the weekend.", WEDNESDAY)["the weekend"] == "2024-W45-WE"
    assert values("The team planned to leave Lusaka on Thursday.", WEDNESDAY)["Thursday"] == "2024-11-14"
    assert values("The team left Lusaka on Thursday.", WEDNESDAY)["Thursday"] == "2024-11-07"
    assert values("Traders sold ahead of the weekend.", WEDNESDAY)["the weekend"] == "2024-W46-WE"


def test_generic_today_is_the_present_not_a_day() -> None:
    """Anchor rule "generic-now": "today's youth" means nowadays; "rose today" is the publication day."""
    assert values("The match is for today's youth what the war was for their parents.", WEDNESDAY) == {
        "today": "PRESENT_REF"}
    assert values("Shares of Acme rose today.", WEDNESDAY) == {"today": "2024-11-13"}


def test_decades_with_a_curly_apostrophe() -> None:
    got = values("Rents doubled in the ’80s and again in the 2030s.", WEDNESDAY)
    assert got == {"the ’80s": "198", "the 2030s": "203"}


def test_passive_after_a_future_modal_points_ahead() -> None:
    assert only("The sale of the ferry line should be completed in October.", date(2024, 6, 7)).value == "2024-10"
    assert only("The new harbour master will be named in December.", date(2024, 3, 4)).value == "2024-12"
    assert only("The two hikers could not be located Wednesday.", date(2024, 3, 7)).value == "2024-03-06"


def test_latest_quarter_is_a_finished_one() -> None:
    pub = date(2024, 11, 5)
    got = values("The insurer will take a fourth-quarter charge. In the latest quarter, premiums rose.", pub)
    assert got["the latest quarter"] == "2024-Q3"
    got = values("The brewer reported lower fourth-quarter earnings. Sales in the latest quarter fell.", pub)
    assert got["the latest quarter"] == "2024-Q4"


def test_ending_the_day_names_the_reported_day() -> None:
    got = values("The copper index fell on Thursday but ended the day 2 percent higher.", date(2024, 11, 16))
    assert got == {"Thursday": "2024-11-14", "the day": "2024-11-14"}
    got = values("Grain futures climbed at the start of the day.", date(2024, 11, 16))
    assert got == {"the start of the day": "2024-11-16"}
    assert values("The crew spent the day mending nets.", date(2024, 11, 16)) == {}


def test_the_year_is_the_publication_year_or_a_fiscal_span() -> None:
    pub = date(2024, 11, 16)
    got = values("For the year, the orchard shipped 40 tonnes of pears.", pub)
    assert got == {"the year": "2024"}
    t = extract_timexes("The cooperative earned $3 million in the year ended June 30.", pub)[0]
    assert (t.text, t.type, t.value) == ("the year", "DURATION", "P1Y")
    assert values("Rents rose, after falling the year before.", pub) == {}
    assert "the year" not in values("She was named gardener of the year.", pub)


def test_years_in_a_span_and_after_of() -> None:
    pub = date(2024, 11, 16)
    got = values("The ferry ran at a loss from 2015 to 2019, its worst stretch since the slump of 2009.", pub)
    assert got == {"2015": "2015", "2019": "2019", "2009": "2009"}
    assert values("The plant hired 1500 to 2000 workers.", pub) == {}
    assert values("Attendance reached a total of 2350 visitors.", pub) == {}


def test_final_quarter_and_last_half_of_a_year() -> None:
    pub = date(2024, 11, 16)
    got = values("Freight volumes grew in the final quarter of 2023 and in the last half of 2022.", pub)
    assert got == {"the final quarter of 2023": "2023-Q4", "the last half of 2022": "2022-H2"}
    assert values("The visitors scored twice in the final quarter of the match.", pub) == {}


def test_durations_with_a_half() -> None:
    got = values("The crossing took 3 1/2 hours; the repairs took two and a half years and a day and a half.")
    assert got == {"3 1/2 hours": "PT3H30M", "two and a half years": "P2Y6M", "a day and a half": "P1DT12H"}
    assert only("The choir sang for a minute and a half.").value == "PT1M30S"


def test_in_recent_years_is_a_vague_span() -> None:
    t = only("The village has lost half its bakeries in recent years.")
    assert (t.type, t.value) == ("DURATION", "PXY")
    assert only("Over recent weeks the river kept rising.").value == "PXW"
    assert only("The recent floods closed two schools.").value == "PAST_REF"


def test_span_before_an_event_is_a_duration() -> None:
    t = only("The mayor resigned several months before the flood hit the valley.")
    assert (t.text, t.type, t.value) == ("several months", "DURATION", "PXM")
    assert values("The bridge reopened, and not a day later the rain returned.") == {}


def test_long_adjectives_week_of_and_24_hour_times() -> None:
    pub = date(2024, 11, 16)
    got = values("The decades-long feud and a day-long strike ended.", pub)
    assert got == {"decades-long": "PXY", "day-long": "P1D"}
    assert only("The auction is set for the week of December 2.", pub).value == "2024-W49"
    assert only("Trading halted at 0930 GMT.", pub).value == "2024-11-16T09:30Z"
    assert values("The dam broke at 4:10 p.m. (1510 GMT).", pub) == {"4:10 p.m.": "2024-11-16T16:10"}


def test_easter_and_election_day() -> None:
    pub = date(2024, 3, 20)
    got = values("The bishop will lead prayers on Palm Sunday and on Easter.", pub)
    assert got == {"Palm Sunday": "2024-03-24", "Easter": "2024-03-31"}
    assert only("Shops close for Good Friday.", pub).value == "2024-03-29"
    assert only("Turnout was high on Election Day.", date(2024, 11, 7)).value == "2024-11-05"
    assert "good Friday" not in values("It was a good Friday for the bakery.", pub)


def test_coming_and_ahead_spans() -> None:
    assert only("Ferry fares may rise in the coming years.").value == "PXY"
    assert only("Growers expect more rain in the weeks ahead.").value == "PXW"
    assert only("The coming months will test the new mayor.").value == "FUTURE_REF"


def test_the_entire_year_is_the_year_just_named() -> None:
    pub = date(2024, 2, 10)
    got = values("The mill lost money in the third quarter of 2022 and for the entire year.", pub)
    assert got == {"the third quarter of 2022": "2022-Q3", "the entire year": "2022"}
    assert only("Sales for the full year will rise.", pub).value == "2024"

@pytest.mark.skipif(not TIMEX_DEV.exists(), reason="timex dev set not present")
def test_dev_set_quality_floor() -> None:
    spec = importlib.util.spec_from_file_location("timex_score", TIMEX_DEV.parent / "score.py")
    assert spec is not None and spec.loader is not None
    scorer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scorer)
    gold = scorer.load_jsonl(str(TIMEX_DEV))
    pred = {}
    for doc_id, doc in gold.items():
        pub = date.fromisoformat(doc["published"][:10]) if doc.get("published") else None
        pred[doc_id] = {"id": doc_id, "timexes": [
            {"text": t.text, "start": t.start, "end": t.end, "type": t.type, "value": t.value}
            for t in extract_timexes(doc["text"], pub)
        ]}
    result, _ = scorer.score(gold, pred, 0)
    assert result["relaxed_f1"] >= 0.90, json.dumps(result)
    assert result["value_f1"] >= 0.78, json.dumps(result)


def test_short_year_after_a_preposition() -> None:
    got = values("The index is at its lowest level since '82, traders said.", date(2008, 10, 27))
    assert got == {"'82": "1982"}
    assert values("He scored 'twelve' 12 times.", date(2008, 10, 27)) == {}


def test_restated_quarter_stays_the_reported_period() -> None:
    """Anchor rule "period": "the quarter", restated, keeps the quarter that "a year ago" is counted from."""
    text = ("Acme reported a third-quarter loss. " + "Its chief blamed the weather and the strike. " * 14
            + "Orders were $6 million in the quarter compared with $9 million a year ago.")
    assert values(text, date(2024, 11, 2))["a year ago"] == "2023-Q3"


def test_anchor_offset_from_a_named_day_lands_on_a_day() -> None:
    """Anchor rule "offset": a year earlier than a named day is that day a year back."""
    got = values("Assets as of Sept. 30, 2024 rose to $3 billion from $2 billion a year earlier.", WEDNESDAY)
    assert got["a year earlier"] == "2023-09-30"


def test_anchor_postposed_anaphor_counts_from_the_placed_date() -> None:
    """Anchor rule "next-morning", postposed: "the year previous", "the day after" step from the placed date."""
    got = values("Profit was $2 billion in 2009, against a loss the year previous.", date(2010, 1, 28))
    assert got["the year previous"] == "2008"
    got = values("He arrived on June 3, 2019, and left the day after.", WEDNESDAY)
    assert got["the day after"] == "2019-06-04"
    assert values("Crowds gathered the day after his death.", WEDNESDAY) == {}


def test_anchor_clock_takes_the_day_named_right_after_it() -> None:
    """Anchor rule "clock": "shortly after midnight on Dec. 19" is on Dec. 19, not on the publication day."""
    got = values("The fire started shortly after midnight on Dec. 19.", date(2019, 12, 27))
    assert got == {"shortly after midnight": "2019-12-19T24:00", "Dec. 19": "2019-12-19"}


def test_for_the_day_is_the_reported_trading_day() -> None:
    """Anchor rule "clock" family: "for the day" in a market report is the day the paragraph reports on."""
    got = values("Stocks fell on Monday. For the day, the index closed down 6 percent.", WEDNESDAY)
    assert got == {"Monday": "2024-11-11", "the day": "2024-11-11"}
    assert values("She has seen better times in the day.", WEDNESDAY) == {}


def test_year_end_after_a_preposition() -> None:
    pub = date(2024, 11, 2)
    assert values("It will close the deal by year-end.", pub) == {"year-end": "2024-12-31"}
    assert values("Shares are up 5% since year-end.", pub) == {"year-end": "2023-12-31"}
    assert values("Year-end bonuses fell.", pub) == {}


def test_bare_plural_units_after_for_or_within_are_vague_durations() -> None:
    """Rule "bare-plural": "for centuries", "within weeks", "for days" are durations of unknown length."""
    assert values("The bridge stood for centuries.") == {"centuries": "PXC"}
    assert values("Troops will arrive within weeks.") == {"weeks": "PXW"}
    assert values("The talks dragged on for days.") == {"days": "PXD"}
    assert values("In the days before the vote, he stayed home.") == {}


def test_direction_sentence_opening_date_takes_the_main_clause_tense() -> None:
    """Rule "direction", opener: "On Tuesday, <long subject> plans to ..." looks ahead."""
    got = values("On Tuesday, the national league of small regional clubs plans to hold a meeting.")
    assert got == {"Tuesday": "2023-03-14"}
    got = values("On Tuesday, the national league of small regional clubs held a meeting.")
    assert got == {"Tuesday": "2023-03-07"}


def test_direction_plan_told_in_the_past_tense_looks_ahead() -> None:
    """Rule "direction", plan in the past tense: "a rally on Saturday was scheduled" is the coming Saturday."""
    assert values("A rally on Saturday was scheduled to draw thousands.") == {"Saturday": "2023-03-18"}
    assert values("A rally on Saturday was attended by thousands.") == {"Saturday": "2023-03-11"}


def test_season_after_a_possessive_and_autumn_alone() -> None:
    """Rule "season": "their autumn meetings" is this autumn; the verb "fall" stays no date."""
    pub = date(2008, 10, 13)
    assert values("The lenders held their autumn meetings in the capital.", pub) == {"autumn": "2008-FA"}
    assert values("The club held its summer party.", pub) == {"summer": "2008-SU"}
    assert values("Shares could fall further.", pub) == {}


def test_quarter_of_a_whole_is_a_share_not_a_period() -> None:
    """Rule "share": "a quarter of the market" is a fraction; "in a quarter" is three months."""
    assert values("Funds hold more than a quarter of the bonds.") == {}
    assert values("It lost money in a quarter of weak sales.") == {"a quarter": "P3M"}
    assert values("The first quarter of the year was weak.", date(2023, 5, 2))["The first quarter"] == "2023-Q1"


def test_spelled_thousands_before_a_unit_are_an_amount_not_a_year() -> None:
    """Rule "amount": "two thousand years" is a duration and "two thousand dollars" no date; "two thousand
    and one" stays a year."""
    got = values("The craft was passed down for two thousand years.")
    assert got == {"two thousand years": "P2000Y"}
    assert values("They paid two thousand dollars in two thousand and one.") == {"two thousand and one": "2001"}


# ---- dates in context: headings, the date the text last named, future tense (issue 27) ------------------------

JUNE_10 = date(2026, 6, 10)


def test_a_list_under_a_year_heading_is_dated_in_that_year() -> None:
    """Anchor rule "heading": rows of a tour list under "2027 dates" are 2027, though past months are nearer."""
    text = ("The band announced its tour on Friday.\n\n2027 dates\n\n"
            "March 3 – Lisbon, Coliseu\nMarch 5 – Porto, Arena\nApril 12 – Madrid, Sala Sol\n")
    got = values(text, JUNE_10)
    assert [got["March 3"], got["March 5"], got["April 12"]] == ["2027-03-03", "2027-03-05", "2027-04-12"]
    # The same rows without the heading take the nearest year, as any month does.
    assert values("March 3 – Lisbon, Coliseu", JUNE_10)["March 3"] == "2026-03-03"


def test_a_table_under_a_season_heading_and_the_end_of_its_rows() -> None:
    text = ("## Summer 2027\n\n| June 4 | Harbour stage |\n| July 9 | Old mill |\n\n"
            "The council said on Monday that the festival had drawn record crowds to the old mill on May 2.\n")
    got = values(text, date(2026, 10, 2))
    assert got["June 4"] == "2027-06-04" and got["July 9"] == "2027-07-09"
    assert got["May 2"] == "2026-05-02"  # prose after the table is no row of it


def test_a_date_on_a_line_of_its_own_is_no_heading() -> None:
    assert values("March 3, 2027\n\nMay 4 – Porto", JUNE_10)["May 4"] == "2026-05-04"


def test_the_next_year_after_a_named_year() -> None:
    """Anchor rule "next-year": "the next year" after "in 2019" is 2020, not the year after publication."""
    got = values("The band first toured Asia in 2019. The next year they played twelve cities in Europe.",
                 date(2024, 5, 1))
    assert got["The next year"] == "2020"
    assert values("The next year will be hard for farmers.", date(2024, 5, 1))["The next year"] == "2025"


def test_by_december_after_a_named_month() -> None:
    """Anchor rule "deadline": "by December" follows the month the text last named, even paragraphs back."""
    text = "The council approved the plan in March 2022.\n\nBuilders promised to finish the bridge by December."
    assert values(text, date(2024, 2, 1))["December"] == "2022-12"
    assert values("The builders promised to finish by December.", date(2024, 2, 1))["December"] == "2023-12"


def test_election_day_after_a_named_year() -> None:
    """Anchor rule "holiday": Election Day right after "September 2020" is that year's."""
    got = values("The campaign opened in Ohio in September 2020. On Election Day the turnout was high.",
                 date(2024, 2, 1))
    assert got["Election Day"] == "2020-11-03"


@pytest.mark.parametrize("sentence", [
    "The festival will return to the park on March 3.",
    "The museum reopens in March after repairs.",
    "The company will cut 200 jobs, with the first layoffs in March.",
])
def test_a_future_date_does_not_fall_into_the_past_year(sentence: str) -> None:
    assert all(v.startswith("2027-03") for v in values(sentence, date(2026, 11, 20)).values())
