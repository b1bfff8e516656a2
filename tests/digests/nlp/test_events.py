"""Tests for dated events and their merging across articles (invented sentences only)."""

from __future__ import annotations

import calendar
import json
from datetime import date
from pathlib import Path

import pytest

from digests.models import Event, Timex
from digests.nlp.events import MAX_EVENT_CHARS, condense, event_range, extract_events, merge_events

SUNDAY = date(2023, 3, 12)
SEED = Path(__file__).resolve().parents[3].parent / "shared" / "eval" / "seed"


def ranges(text: str, published: date | None = SUNDAY) -> list[tuple[date, date, str]]:
    """Return (start, end, granularity) of every event in ``text``."""
    return [(e.date_start, e.date_end, e.granularity) for e in extract_events(text, published)]


def test_weekday_events_follow_tense() -> None:
    text = "Mayor Ada Lindqvist said on Thursday that the council will vote on Tuesday."
    assert ranges(text) == [(date(2023, 3, 9), date(2023, 3, 9), "day"),
                            (date(2023, 3, 14), date(2023, 3, 14), "day")]


def test_month_parts() -> None:
    text = ("The Harbor Trust bought the pier in early February. Repairs ran through mid-February. "
            "The pier reopened in late February.")
    assert ranges(text) == [
        (date(2023, 2, 1), date(2023, 2, 10), "month-part"),
        (date(2023, 2, 11), date(2023, 2, 20), "month-part"),
        (date(2023, 2, 21), date(2023, 2, 28), "month-part"),
    ]


def test_last_week_is_the_previous_iso_week() -> None:
    assert ranges("The Riverside Choir toured three towns last week.") == [
        (date(2023, 2, 27), date(2023, 3, 5), "week")]


def test_earlier_this_month_ends_the_day_before_publication() -> None:
    assert ranges("The Granary Museum opened a new wing earlier this month.") == [
        (date(2023, 3, 1), date(2023, 3, 11), "month-part")]


def test_early_year_is_january_to_april() -> None:
    assert ranges("The bakery chain Ovenly signed the lease in early 2021.") == [
        (date(2021, 1, 1), date(2021, 4, 30), "year")]


def test_year_rollover() -> None:
    assert ranges("The ferry stopped running on December 30.", date(2024, 1, 5)) == [
        (date(2023, 12, 30), date(2023, 12, 30), "day")]


def test_publication_day_only_when_the_text_says_so() -> None:
    assert ranges("The new library is a fine building.") == []
    assert ranges("The new library opened today.") == [(SUNDAY, SUNDAY, "day")]


def test_durations_sets_and_vague_references_are_not_events() -> None:
    text = "The strike lasted three days. Buses run every Monday. Prices rose recently."
    assert extract_events(text, SUNDAY) == []


def test_no_publication_date_needs_absolute_dates() -> None:
    text = "The dam was finished yesterday. The first stone was laid on May 3, 2019."
    events = extract_events(text, None)
    assert [(e.date_start, e.expression) for e in events] == [(date(2019, 5, 3), "May 3, 2019")]


def test_event_fields() -> None:
    text = "Intro line here.\nEngineer Mara Quist of Northwind Rail said on Friday the line was ready."
    (event,) = extract_events(text, SUNDAY)
    assert event.expression == "Friday"
    assert text[event.start:event.end] == event.text
    assert "Northwind Rail" in event.entities
    assert any(name.endswith("Mara Quist") for name in event.entities)
    assert event.start == text.index("Engineer")


def test_long_sentences_are_condensed_at_word_boundaries() -> None:
    filler = ", ".join(f"the committee reviewed item number {i} in detail" for i in range(12))
    sentence = f"Before the vote {filler}, and the chair Ilse Brandt closed the session on Friday, {filler}."
    (event,) = extract_events(sentence, SUNDAY)
    assert len(event.text) <= MAX_EVENT_CHARS
    assert "Friday" in event.text
    for word in event.text.strip("…").split():
        assert word.strip(",.") in sentence


def test_condense_keeps_short_text() -> None:
    assert condense("A short line on Friday.", 16, 22) == "A short line on Friday."


def test_event_range_granularities() -> None:
    pub = date(2023, 8, 20)
    assert event_range(Timex("the third quarter", 0, 1, "DATE", "2023-Q3"), pub) == (
        date(2023, 7, 1), date(2023, 9, 30), "quarter")
    assert event_range(Timex("last summer", 0, 1, "DATE", "2022-SU"), pub) == (
        date(2022, 6, 1), date(2022, 8, 31), "quarter")
    assert event_range(Timex("the weekend", 0, 1, "DATE", "2023-W33-WE"), pub) == (
        date(2023, 8, 19), date(2023, 8, 20), "week")
    assert event_range(Timex("three days", 0, 1, "DURATION", "P3D"), pub) is None
    assert event_range(Timex("Thursday", 0, 1, "DATE", "XXXX-WXX-4"), pub) is None


def _event(day: int, text: str, entities: tuple[str, ...] = ()) -> Event:
    d = date(2023, 3, day)
    return Event(date_start=d, date_end=d, granularity="day", expression="Friday", text=text, entities=entities)


def test_merge_events_joins_the_same_story() -> None:
    a = _event(10, "Northwind Rail opened the coastal line on Friday after four years of work.", ("Northwind Rail",))
    b = _event(10, "The coastal line of Northwind Rail opened on Friday.", ("Northwind Rail",))
    c = _event(10, "A storm closed the airport on Friday.")
    d = _event(9, "Northwind Rail opened the coastal line on Thursday.", ("Northwind Rail",))
    merged = merge_events([(1, a), (2, b), (3, c), (4, d)])
    assert [m.article_ids for m in merged] == [(4,), (1, 2), (3,)]
    assert merged[1].event is a


@pytest.mark.skipif(not (SEED / "article.txt").exists(), reason="seed article not present")
def test_seed_gold_events_are_found() -> None:
    text = (SEED / "article.txt").read_text(encoding="utf-8")
    gold = json.loads((SEED / "gold.json").read_text(encoding="utf-8"))
    events = extract_events(text, date.fromisoformat(gold["published"]))

    def bound(part: str, end: bool) -> date:
        nums = [int(x) for x in part.split("-")]
        if len(nums) == 3:
            return date(nums[0], nums[1], nums[2])
        last = calendar.monthrange(nums[0], nums[1])[1]
        return date(nums[0], nums[1], last if end else 1)

    for item in gold["events"]:
        lo_s, _, hi_s = item["date"].partition("/")
        lo, hi = bound(lo_s, False), bound(hi_s or lo_s, True)
        assert any(lo <= e.date_start and e.date_end <= hi for e in events), item


FRIDAY = date(2024, 11, 15)


def spans(text: str, published: date | None = FRIDAY) -> list[tuple[str, date, date, str]]:
    """List each event as (expression, first day, last day, granularity)."""
    return [(e.expression, e.date_start, e.date_end, e.granularity) for e in extract_events(text, published)]


def test_range_between_and_is_one_event() -> None:
    """Anchor rule "range": "between X and Y" is one event spanning both."""
    assert spans("Freight rates doubled between 2011 and 2012.") == [
        ("between 2011 and 2012", date(2011, 1, 1), date(2012, 12, 31), "year")]


def test_range_from_to_is_one_event() -> None:
    """Anchor rule "range": "from X to Y" is one event; two dates joined by a plain "and" stay two."""
    assert spans("The fair runs from March 3 to March 9, 2025.") == [
        ("from March 3 to March 9, 2025", date(2025, 3, 3), date(2025, 3, 9), "day")]
    assert len(spans("Sales rose in 2011 and in 2012.")) == 2


def test_range_of_years_written_with_a_dash() -> None:
    """Anchor rule "range": "2017-18" and "the 2011-12 season" are spans of two years, not a year and a count."""
    assert spans("Output fell in 2017-18, the report said.") == [
        ("2017-18", date(2017, 1, 1), date(2018, 12, 31), "year")]
    assert spans("In the 2011-12 season the club won the cup.")[0][1:3] == (date(2011, 1, 1), date(2012, 12, 31))
    assert spans("The bill covers 2011-2013.")[0][1:3] == (date(2011, 1, 1), date(2013, 12, 31))
    # Wider than ten years it is not read as one span of years.
    assert all(s[0] != "1990-2020" for s in spans("Totals for 1990-2020 rose."))


def test_decade_is_a_wide_range_shown_only_without_a_narrower_date() -> None:
    """Anchor rule "wide": a decade or century is an event only when its sentence has nothing narrower."""
    assert spans("The mill closed in the 1980s.") == [("the 1980s", date(1980, 1, 1), date(1989, 12, 31), "decade")]
    assert spans("An 18th-century chapel burned.") == [
        ("18th-century", date(1700, 1, 1), date(1799, 12, 31), "century")]
    assert [s[0] for s in spans("In the 1980s, in 1984 to be exact, the mill closed.")] == ["1984"]
    assert spans("In the late ’80s the mill closed.")[0][1:3] == (date(1986, 1, 1), date(1989, 12, 31))


def test_quoted_today_is_the_speakers_day() -> None:
    """Anchor rule "quotation": a quoted "today" is dated only when the article dates the statement."""
    assert spans('"We open the bridge today," the mayor said.') == []
    assert spans('"We open the bridge today," the mayor said on Tuesday.') == [
        ("today", date(2024, 11, 12), date(2024, 11, 12), "day")]
    assert spans('The mayor said on Tuesday: "Yesterday we closed the bridge."') == [
        ("Tuesday", date(2024, 11, 12), date(2024, 11, 12), "day"),
        ("Yesterday", date(2024, 11, 11), date(2024, 11, 11), "day")]
    assert spans("The mayor opened the bridge today.") == [("today", FRIDAY, FRIDAY, "day")]
    assert spans('The mayor said the bridge opened on "March 3, 2020".')[0][1] == date(2020, 3, 3)


def test_generic_present_is_not_an_event() -> None:
    """Anchor rule "generic-now": "these days", "now", "today's youth" give no timeline event."""
    assert spans("These days the river is quiet, and now the ferry runs only for today's youth.") == []


def test_a_date_inside_a_quotation_is_the_speakers_time() -> None:
    """Issue 28: "in January" said in a quote is no event of the story unless the article dates the statement."""
    assert spans('"We lost half our customers in January," said the baker.') == []
    assert spans('"We lost half our customers in August," the baker said on Tuesday.') == [
        ("August", date(2024, 8, 1), date(2024, 8, 31), "month"),
        ("Tuesday", date(2024, 11, 12), date(2024, 11, 12), "day")]
    # An absolute date is no one's own time: it stays.
    assert [s[0] for s in spans('"We opened in March 2019," said the baker.')] == ["March 2019"]


def test_opening_hours_and_habits_are_not_events() -> None:
    """Issue 28: "until 9 p.m. on weekdays" and "every year in May" repeat; they happen on no one day."""
    assert spans("The library is open until 9 p.m. on weekdays.") == []
    assert spans("The shop opens at 9 a.m. and closes at 6 p.m.") == []
    assert spans("Every year in May the village holds a fair.") == []
    assert [s[0] for s in spans("The new bridge opens at 9 a.m. on Monday.")] == ["9 a.m. on Monday"]


def test_the_other_side_of_a_comparison_is_not_an_event() -> None:
    """Issue 28: "higher than in the whole of November" measures against November; nothing happened then."""
    assert [s[0] for s in spans("Sales in the first week of December were higher than in the whole of November.",
                                date(2024, 12, 20))] == ["December"]
    assert [s[0] for s in spans("Rainfall in March was double that of March 2023.")] == ["March", "March 2023"]


def test_a_heading_year_labels_its_list_and_is_no_event_itself() -> None:
    text = "2027 dates\n\nMarch 3 – Lisbon, Coliseu\nMarch 5 – Porto, Arena\n"
    assert [(s[0], s[1]) for s in spans(text)] == [("March 3", date(2027, 3, 3)), ("March 5", date(2027, 3, 5))]
