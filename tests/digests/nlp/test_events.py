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
