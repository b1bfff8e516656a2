"""Story timeline engine: happenings about the subject, dated in context, merged across articles and ranked."""

from __future__ import annotations

import calendar
import json
from datetime import date
from pathlib import Path

import pytest

from digests.stories import StoryEvent, TimelineArticle, date_label, story_timeline

MAY_12 = date(2031, 5, 12)  # a Monday


def _art(i: int, title: str, text: str, published: date | None = MAY_12) -> TimelineArticle:
    return TimelineArticle(i, title, text, published, url=f"https://news.invalid/{i}")


def _dates(events: list[StoryEvent]) -> list[tuple[str | None, str]]:
    return [(date_label(e.date_start, e.date_end, e.granularity), e.sentence) for e in events]


def test_an_event_told_by_three_articles_is_one_entry_with_three_sources() -> None:
    arts = [
        _art(1, "Ferry strike ends", "The Corran ferry crews ended their strike on Friday after a pay deal."),
        _art(2, "Crossings resume", "Corran ferry crews ended the strike on Friday, accepting the pay deal.",
             date(2031, 5, 11)),
        _art(3, "Pay deal agreed", "After the pay deal, the Corran ferry crews ended their strike on Friday."),
    ]
    events = story_timeline(arts, "Corran ferry")
    assert len(events) == 1
    assert events[0].date_start == date(2031, 5, 9)
    assert sorted(events[0].article_ids) == [1, 2, 3]
    assert events[0].date_weight == 3


def test_only_sentences_the_subject_takes_part_in() -> None:
    text = ("Mara Quist opened the Lorne bakery on Tuesday.\n\n"
            "The town council approved a new car park on March 3.\n\n"
            "She had trained in Vellmar since 2019.")
    events = story_timeline([_art(1, "A new bakery in Lorne", text)], "Mara Quist")
    said = [s for _, s in _dates(events)]
    assert "Mara Quist opened the Lorne bakery on Tuesday." in said
    assert "She had trained in Vellmar since 2019." in said  # a pronoun that takes her up
    assert not any("car park" in s for s in said)


def test_a_happening_without_a_date_is_on_the_day_its_lead_reports() -> None:
    text = ("Tobin Arles said yesterday that the museum will reopen.\n\n"
            "Arles also said that the east wing needs a new roof.\n\n"
            "The museum was built in 1884.")
    events = story_timeline([_art(1, "Museum to reopen", text)], "Tobin Arles")
    dated = dict((s, d) for d, s in _dates(events))
    assert dated["Arles also said that the east wing needs a new roof."] == "2031-05-11"
    assert all(e.dated_by in ("text", "context") for e in events)
    assert not any("1884" in s for s in dated)  # the museum, not Arles, was built then


def test_without_a_date_anywhere_the_publication_day_dates_the_main_happening() -> None:
    events = story_timeline([_art(1, "Quarry closes", "The Hesk quarry closed its gates for good.")], "Hesk quarry")
    assert _dates(events) == [("2031-05-12", "The Hesk quarry closed its gates for good.")]
    assert events[0].dated_by == "publication"


def test_a_story_without_a_subject_keeps_every_dated_sentence_and_each_headline() -> None:
    arts = [_art(1, "Bridge reopens", "The Sallow bridge reopened on Friday.\n\nIt first opened in 1931."),
            _art(2, "Bridge traffic returns", "Traffic crossed the Sallow bridge again.", date(2031, 5, 10))]
    labels = [d for d, _ in _dates(story_timeline(arts))]
    # The first headline repeats its lead (Friday); the second, whose text names no day, is its publication day.
    assert labels == ["1931", "2031-05-09", "2031-05-10"]


def test_importance_order_puts_the_date_most_articles_point_at_first() -> None:
    arts = [
        _art(1, "Dam opens", "The Keld dam opened on Friday.\n\nWork on the Keld dam began in 2027."),
        _art(2, "Keld dam", "The Keld dam opened to crowds on Friday."),
        _art(3, "Water for Keld", "Since Friday, the Keld dam has held back the river."),
    ]
    by_date = story_timeline(arts, "Keld dam")
    by_weight = story_timeline(arts, "Keld dam", order="weight")
    assert date_label(by_date[0].date_start, by_date[0].date_end, by_date[0].granularity) == "2027"
    assert by_weight[0].date_start == date(2031, 5, 9) and by_weight[0].date_weight == 3
    assert by_weight[-1].date_start.year == 2027


def test_a_date_in_a_clause_without_the_subject_is_not_its_date() -> None:
    text = "Ansel Brenn founded the Corvo works in 1998, and the works moved to Lidd in 2004."
    events = story_timeline([_art(1, "Corvo history", text)], "Ansel Brenn")
    assert [d for d, _ in _dates(events)] == ["1998"]


def test_a_coarse_date_framing_a_finer_one_is_dropped() -> None:
    text = "Lena Osk spoke at the 2031 Harbour Forum on May 2."
    events = story_timeline([_art(1, "Forum", text)], "Lena Osk")
    assert [d for d, _ in _dates(events)] == ["2031-05-02"]


def test_since_and_until_cut_the_timeline() -> None:
    text = "The Orrin mill opened in 1990.\n\nThe Orrin mill closed on May 2."
    events = story_timeline([_art(1, "Mill", text)], "Orrin mill", since=date(2000, 1, 1))
    assert [d for d, _ in _dates(events)] == ["2031-05-02"]


def test_a_short_form_needs_the_full_name_and_is_not_another_model() -> None:
    text = ("The Vantor 4 phone went on sale on Friday.\n\n"
            "The Vantor 3 had sold poorly in 2029.")
    events = story_timeline([_art(1, "Phone launch", text)], "Vantor 4")
    assert [d for d, _ in _dates(events)] == ["2031-05-09"]


def test_a_name_that_only_qualifies_a_noun_is_no_part_in_the_sentence() -> None:
    text = ("Zentra launched the Zentra store on Friday.\n\n"
            "Zentra store owners complained in April.")
    events = story_timeline([_art(1, "Store", text)], "Zentra store")
    assert [d for d, _ in _dates(events)] == ["2031-05-09"]


def test_date_labels() -> None:
    assert date_label(date(2031, 5, 9), date(2031, 5, 9), "day") == "2031-05-09"
    assert date_label(date(2031, 5, 1), date(2031, 5, 31), "month") == "2031-05"
    assert date_label(date(2031, 4, 28), date(2031, 5, 4), "week") == "2031-05"  # its Thursday is May 1
    assert date_label(date(2031, 1, 1), date(2031, 3, 31), "quarter") == "2031"
    assert date_label(date(2030, 1, 1), date(2039, 12, 31), "decade") is None


SEED = Path(__file__).resolve().parents[3].parent / "shared" / "eval" / "seed"


@pytest.mark.skipif(not (SEED / "article.txt").exists(), reason="seed article not present")
def test_the_seed_articles_twelve_events_are_on_its_timeline_in_range_and_in_order() -> None:
    text = (SEED / "article.txt").read_text(encoding="utf-8")
    gold = json.loads((SEED / "gold.json").read_text(encoding="utf-8"))
    title, _, body = text.partition("\n")
    events = story_timeline([TimelineArticle(1, title, body.strip(), date.fromisoformat(gold["published"]))])

    def bound(part: str, end: bool) -> date:
        nums = [int(x) for x in part.split("-")]
        if len(nums) == 3:
            return date(nums[0], nums[1], nums[2])
        return date(nums[0], nums[1], calendar.monthrange(nums[0], nums[1])[1] if end else 1)

    places = []
    for item in gold["events"]:
        lo_s, _, hi_s = item["date"].partition("/")
        lo, hi = bound(lo_s, False), bound(hi_s or lo_s, True)
        at = [i for i, e in enumerate(events) if lo <= e.date_start and e.date_end <= hi]
        assert at, item
        places.append(at[0])
    assert places == sorted(places)


def test_a_name_typed_in_lower_case_is_read_as_the_articles_write_it() -> None:
    text = ("Tobin Arles said yesterday that the museum will reopen.\n\n"
            "Arles also said that the east wing needs a new roof.")
    arts = [_art(1, "Museum to reopen", text)]
    assert _dates(story_timeline(arts, "tobin arles")) == _dates(story_timeline(arts, "Tobin Arles"))
    assert len(story_timeline(arts, "tobin arles")) == 2


def test_initials_stand_for_a_name_given_in_full() -> None:
    text = "Corran Motor Works cut 300 jobs on Friday.\n\nCMW had hired 200 workers in 2029."
    events = story_timeline([_art(1, "Car plant", text)], "Corran Motor Works")
    assert [d for d, _ in _dates(events)] == ["2029", "2031-05-09"]


def test_a_date_in_what_the_subject_says_is_not_its_own_unless_it_is_taken_up() -> None:
    claim = "Ansel Brenn claims that the mill broke an agreement signed in 1998."
    events = story_timeline([_art(1, "Mill dispute", claim)], "Ansel Brenn")
    assert [(d, e.dated_by) for (d, _), e in zip(_dates(events), events, strict=True)] == [
        ("2031-05-12", "publication")]
    plan = "Ansel Brenn said that he would reopen the mill in 2033."
    assert [d for d, _ in _dates(story_timeline([_art(1, "Mill plan", plan)], "Ansel Brenn"))] == ["2033"]


def test_an_article_headed_by_a_topic_word_keeps_its_dated_sentences_a_name_does_not() -> None:
    text = ("The lantern festival returned on Saturday.\n\n"
            "The council will decide on June 2 whether to fund a second evening.\n\n"
            "Halina Brosk ran the stalls.")
    topic = story_timeline([_art(1, "Lantern festival returns", text)], "festival")
    assert [d for d, _ in _dates(topic)] == ["2031-05-10", "2031-06-02"]
    named = story_timeline([_art(1, "Halina Brosk's lantern festival returns", text)], "Halina Brosk")
    assert [d for d, _ in _dates(named)] == ["2031-05-10"]  # her own sentence only, on the day its lead reports


def test_a_topic_reads_only_the_blocks_it_needs_and_answers_as_if_it_read_all(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The topic shortcut (skip blocks without its words) gives the very timeline a full reading gives."""
    import digests.stories._timeline as engine
    from bench.corpus import Corpus
    from digests.nlp.events import extract_events

    corpus = Corpus(200)
    arts = []
    for i in range(30):
        a = corpus.article(i)
        day = a.published.date()
        arts.append(TimelineArticle(i, a.title, a.text, day, events=tuple(extract_events(a.text, day))))
    topics = sorted({w for a in arts[:10] for w in a.title.split() if len(w) > 3 and w.islower()})[:8]
    full_reading = engine._sentences
    for topic in topics:
        fast = [(e.date_start, e.sentence, e.article_ids) for e in story_timeline(arts, topic)]
        monkeypatch.setattr(engine, "_sentences", lambda art, wanted=None: full_reading(art, None))
        slow = [(e.date_start, e.sentence, e.article_ids) for e in story_timeline(arts, topic)]
        monkeypatch.setattr(engine, "_sentences", full_reading)
        assert fast == slow, topic
    assert topics
