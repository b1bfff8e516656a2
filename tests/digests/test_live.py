"""Live delivery decisions: stories merged across feeds, filters and alerts applied, bursts folded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from digests.filters import FIELDS, CompiledFilters, Filter, keyword_matcher
from digests.live import (
    FOLD_MAX,
    RATE_LIMIT,
    RATE_WINDOW,
    Candidate,
    Decision,
    plan_channel,
    rate_room,
    split_for_rate,
    story_text,
)
from digests.models import Article, Story
from digests.store import QuoteRow, ShownStory

NOW = datetime(2031, 3, 2, 12, 0, tzinfo=UTC)


def _art(i: int, title: str, text: str) -> Article:
    return Article(id=i, title=title, text=text, summary=text, published=NOW - timedelta(minutes=60 - i),
                   fetched=NOW)


FERRY = _art(1, "Ferry berth opens on the north quay", "The harbour board opened a second ferry berth on the "
             "north quay, halving queues for island commuters on the Orvane crossing.")
FERRY_COPY = _art(2, "North quay ferry berth opens", "A second ferry berth opened on the north quay, the harbour "
                  "board said, halving queues for island commuters on the Orvane crossing.")
CONCERT = _art(3, "Orchestra plans free concerts", "A regional orchestra announced free outdoor concerts in "
               "three market towns this summer.")


def test_the_rate_window_counts_recent_posts_only() -> None:
    sent = [NOW - timedelta(seconds=s) for s in (5, 20, 59, 61, 300)]
    assert rate_room(sent, NOW) == RATE_LIMIT - 3
    assert rate_room([NOW] * 9, NOW) == 0


def test_a_burst_keeps_one_post_for_the_fold() -> None:
    items = list(range(9))
    assert split_for_rate(items, 5) == ([0, 1, 2, 3], [4, 5, 6, 7, 8], [])  # type: ignore[arg-type]
    assert split_for_rate(items[:5], 5) == ([0, 1, 2, 3, 4], [], [])  # type: ignore[arg-type]
    assert split_for_rate(items, 0) == ([], [], items)  # type: ignore[arg-type]


def test_near_duplicates_from_two_feeds_become_one_story_with_both_sources() -> None:
    cands = [Candidate(1, 10, "Gazette", "https://g.example/1"), Candidate(2, 11, "Post", "https://p.example/9"),
             Candidate(3, 10, "Gazette", "https://g.example/2")]
    plan = plan_channel("w", NOW, cands, {a.id: a for a in (FERRY, FERRY_COPY, CONCERT)}, {},
                        story_of={1: 70, 2: 70, 3: 71}, live_subs={10, 11}, filters={}, alerts=[], room=5)
    assert [set(ls.story.article_ids) for ls in plan.singles] == [{1, 2}, {3}]
    assert plan.singles[0].sources == (("Gazette", "https://g.example/1"), ("Post", "https://p.example/9"))


def _shown(story: int, *arts: Article, message: str | None = "m1") -> dict[int, ShownStory]:
    return {story: ShownStory(story, tuple(a.id for a in arts), NOW - timedelta(hours=1), NOW - timedelta(hours=1),
                              message)}


def test_a_copy_of_a_story_the_channel_already_got_is_merged_not_posted() -> None:
    plan = plan_channel("w", NOW, [Candidate(2, 11, "Post", "https://p.example/9")], {2: FERRY_COPY}, {},
                        story_of={1: 70, 2: 70}, shown=_shown(70, FERRY), seen={1: FERRY}, live_subs={11},
                        filters={}, alerts=[], room=5)
    assert plan.singles == [] and plan.merged == [2]
    [why] = plan.decisions
    assert why.related_article_id == FERRY.id and "adds nothing new" in why.detail


def test_news_of_a_story_the_channel_already_got_is_an_update_in_its_thread() -> None:
    later = _art(4, "Second ferry berth closed for repairs after one week",
                 "Engineers closed the new ferry berth on the north quay after cracks appeared in its ramp, and "
                 "island commuters were sent back to the old berth until the repairs are done.")
    plan = plan_channel("w", NOW, [Candidate(4, 11, "Post", "https://p.example/12")], {4: later}, {},
                        story_of={1: 70, 4: 70}, shown=_shown(70, FERRY), seen={1: FERRY}, live_subs={11},
                        filters={}, alerts=[], room=5)
    [ls] = plan.singles
    assert ls.update and ls.thread == "m1" and ls.story.article_ids == (4,) and ls.story.update
    assert ls.story.citations and all(c.article_id == 4 for c in ls.story.citations)
    # Within the rate limit like any post: a full minute holds the update back, still an update.
    held = plan_channel("w", NOW, [Candidate(4, 11, "Post", "https://p.example/12")], {4: later}, {},
                        story_of={1: 70, 4: 70}, shown=_shown(70, FERRY), seen={1: FERRY}, live_subs={11},
                        filters={}, alerts=[], room=0)
    assert held.singles == [] and [d.update for d in held.deferred] == [True]


def test_an_article_a_digest_of_the_channel_listed_is_not_posted_again() -> None:
    plan = plan_channel("w", NOW, [Candidate(1, 11, "Gazette")], {1: FERRY}, {}, story_of={1: 70},
                        shown=_shown(70, FERRY, message=None), seen={1: FERRY}, live_subs={11}, filters={},
                        alerts=[], room=5)
    assert plan.singles == [] and plan.merged == [1] and plan.decisions[0].outcome == "merged"


def test_filters_per_subscription_and_alerts_on_digest_feeds() -> None:
    cands = [Candidate(1, 10, "Gazette"), Candidate(3, 20, "Digest feed")]
    no_ferries = {10: CompiledFilters([Filter("title", "exclude", "word", "ferry").validate()])}
    plan = plan_channel("w", NOW, cands, {1: FERRY, 3: CONCERT}, {}, live_subs={10}, filters=no_ferries,
                        alerts=[("role:7", keyword_matcher("orchestra"))], room=5)
    # The ferry story is filtered out of the live feed; the digest feed's concert story goes out for its alert.
    assert plan.filtered == [1]
    assert [(ls.story.article_ids, ls.mentions) for ls in plan.singles] == [((3,), ("role:7",))]


def test_every_held_back_article_gets_a_decision_saying_why() -> None:
    cands = [Candidate(FERRY_COPY.id, 1, "Valley Post"), Candidate(CONCERT.id, 1, "Valley Post"),
             Candidate(4, 2, "Gazette")]
    sponsored = _art(4, "Sponsored: river cruises", "Paid cruises on the river this summer, booked online.")
    arts = {a.id: a for a in (FERRY_COPY, CONCERT, sponsored)}
    filters = {2: CompiledFilters([Filter("title", "exclude", "word", "sponsored").validate()])}
    plan = plan_channel("local", NOW, cands, arts, {}, story_of={1: 70, 2: 70, 3: 71, 4: 72},
                        shown=_shown(70, FERRY), seen={1: FERRY}, live_subs={1, 2}, filters=filters, alerts=[],
                        room=5)
    why = {d.article_id: (d.outcome, d.detail, d.related_article_id) for d in plan.decisions}
    assert why[FERRY_COPY.id][0] == "merged" and why[FERRY_COPY.id][2] == FERRY.id
    assert f"“{FERRY.title}”" in why[FERRY_COPY.id][1]
    assert why[4] == ("filtered", "filter #1 (exclude title word “sponsored”) matched", None)
    assert [s.story.headline for s in plan.singles] == [CONCERT.title] and CONCERT.id not in why
    # A digest feed's story with no alert waits for the digest, and says so.
    plan = plan_channel("local", NOW, [Candidate(CONCERT.id, 3, "Gazette")], arts, {}, live_subs=set(),
                        filters={}, alerts=[], room=5)
    assert [d.outcome for d in plan.decisions] == ["digest"] and not plan.singles


WORD = "Zephyrine"  # an invented word, placed in one field of one story at a time
FIELDS_OF_STORY = ("title", "text", "speaker", "outlet")


def _story_with_word_in(field: str) -> tuple[Article, list[QuoteRow], str]:
    """Return an article, its quotes and its outlet where only ``field`` holds WORD."""
    title = f"{WORD} ferry timetable changes" if field == "title" else "Ferry timetable changes on the Orvane line"
    said = "Crews will run an extra evening crossing from next week"
    text = (f"The harbour board changed the Orvane ferry timetable. \"{said},\" Okafor said at the "
            f"{WORD + ' ' if field == 'text' else ''}pier office.")
    art = Article(id=40, title=title, text=text, summary=text, published=NOW - timedelta(minutes=5), fetched=NOW)
    speaker = f"{WORD} Okafor" if field == "speaker" else "Dele Okafor"
    start = text.index(said)
    quotes = [QuoteRow(1, said, speaker, "harbour master", 40, title, None, art.published, start, start + len(said),
                       True)]
    outlet = f"{WORD} Gazette" if field == "outlet" else "Coast Gazette"
    return art, quotes, outlet


@pytest.mark.parametrize("where", FIELDS_OF_STORY)
def test_each_filter_field_looks_at_that_field_only(where: str) -> None:
    art, quotes, outlet = _story_with_word_in(where)
    for field in FIELDS:
        for action in ("include", "exclude"):
            rule = CompiledFilters([Filter(field, action, "word", WORD.lower()).validate()])
            plan = plan_channel("w", NOW, [Candidate(40, 10, outlet)], {40: art}, {40: quotes},
                                live_subs={10}, filters={10: rule}, alerts=[], room=5)
            matches = field in (where, "any")
            posted = bool(plan.singles)
            assert posted == (matches if action == "include" else not matches), (
                f"{action} {field} on a story with {WORD!r} only in its {where}: posted={posted}")
            assert posted != bool(plan.filtered)


def test_a_post_exactly_one_window_old_no_longer_counts() -> None:
    assert rate_room([NOW - RATE_WINDOW], NOW) == RATE_LIMIT
    assert rate_room([NOW - RATE_WINDOW + timedelta(microseconds=1)], NOW) == RATE_LIMIT - 1


def test_a_burst_with_one_post_of_room_is_one_fold_and_the_rest_waits() -> None:
    burst = list(range(FOLD_MAX + 7))
    assert split_for_rate(burst, 1) == ([], burst[:FOLD_MAX], burst[FOLD_MAX:])  # type: ignore[arg-type]
    singles, folded, later = split_for_rate(burst, 3)  # type: ignore[arg-type]
    assert (singles, folded, later) == (burst[:2], burst[2:2 + FOLD_MAX], burst[2 + FOLD_MAX:])


SCENES = {
    "lighthouse": ("Lighthouse keepers restore the Gull Point lamp", "Volunteers repainted the Gull Point lighthouse "
                   "and fitted a new lamp, the heritage trust said on Friday."),
    "lighthouse again": ("Gull Point lighthouse lamp restored by keepers", "The heritage trust said volunteers had "
                         "repainted the Gull Point lighthouse and fitted a new lamp on Friday."),
    "regatta": ("Rowing regatta moves to August", "Organisers moved the county rowing regatta to August because "
                "spring storms damaged the boathouse slipway."),
    "orchard": ("Cider orchard opens to visitors", "A family cider orchard in the valley opens its gates to walkers "
                "every weekend from May, with tastings in the old barn."),
    "glacier": ("Glacier survey finds faster melting", "Scientists measuring the northern glacier found the ice front "
                "retreated forty metres this year, twice the usual rate."),
}


def _story(i: int, topic: str, url: str | None = None) -> Article:
    title, text = SCENES[topic]
    return Article(id=i, title=title, text=text, summary=text, url=url, published=NOW - timedelta(minutes=60 - i),
                   fetched=NOW)


def test_every_story_of_a_round_is_decided_whatever_the_ones_before_it_were() -> None:
    seen = _story(11, "lighthouse")
    merged, filtered, digest_only, posted = (_story(12, "lighthouse again"), _story(13, "regatta"), _story(14, "orchard"),
                                             _story(15, "glacier", url="https://g.example/glacier"))
    quotes = {15: [QuoteRow(2, "The ice will be mapped again in spring", "Dele Okafor", None, 15, posted.title, None,
                            posted.published, 10, 48, True)]}
    cands = [Candidate(12, 10, "Gazette"), Candidate(13, 10, "Gazette"), Candidate(14, 20, "Digest feed"),
             Candidate(15, 10, "Gazette")]
    no_regattas = {10: CompiledFilters([Filter("title", "exclude", "word", "regatta").validate()])}
    plan = plan_channel("w", NOW, cands, {a.id: a for a in (merged, filtered, digest_only, posted)}, quotes,
                        story_of={11: 80, 12: 80, 13: 81, 14: 82, 15: 83}, shown=_shown(80, seen),
                        seen={11: seen}, live_subs={10}, filters=no_regattas, alerts=[], room=5)
    assert plan.merged == [12]
    # The regatta story is filtered out; the digest feed's story, with no alert, waits for the digest.
    assert sorted(plan.filtered) == [13, 14]
    [only] = plan.singles
    assert only.story.article_ids == (15,) and only.speakers == ("Dele Okafor",)
    # The feed item had no link of its own: the post links the article.
    assert only.values().link == "https://g.example/glacier"


def test_words_at_the_seams_of_a_storys_parts_are_whole_words() -> None:
    # The story's text is its summary then each article's text: a word that ends one part or starts the next is
    # still a whole word.
    first = Article(id=50, title="Orvane pier to close", text=f"{WORD} crews start work on the Orvane pier today.",
                    summary=f"Work on the Orvane pier starts with {WORD}", published=NOW - timedelta(minutes=3),
                    fetched=NOW)
    rule = CompiledFilters([Filter("text", "include", "word", WORD.lower()).validate()])
    plan = plan_channel("w", NOW, [Candidate(50, 10, "Gazette")], {50: first}, {}, live_subs={10},
                        filters={10: rule}, alerts=[], room=5)
    assert [ls.story.article_ids for ls in plan.singles] == [(50,)]


# A story the channel got an hour ago, told first by PIER then by FERRY; only its new articles are news here.
PIER = _art(5, "Harbour board names the new north quay berth", "The harbour board named the north quay's new "
            "berth after a retired ferry captain and said it would open within the month.")


def test_an_article_shown_before_is_merged_naming_the_storys_first_article_at_hand() -> None:
    shown = _shown(70, PIER, FERRY)
    plan = plan_channel("w", NOW, [Candidate(FERRY.id, 11, "Gazette")], {FERRY.id: FERRY}, {},
                        story_of={PIER.id: 70, FERRY.id: 70}, shown=shown, seen={PIER.id: PIER, FERRY.id: FERRY},
                        live_subs={11}, filters={}, alerts=[], room=5)
    assert plan.merged == [FERRY.id] and plan.decisions == [
        Decision(FERRY.id, "merged", f"already shown here in the story “{PIER.title}”", PIER.id)]
    # The story's earlier articles no longer at hand (pruned): the article names itself, and nothing else.
    plan = plan_channel("w", NOW, [Candidate(FERRY.id, 11, "Gazette")], {FERRY.id: FERRY}, {},
                        story_of={PIER.id: 70, FERRY.id: 70}, shown=shown, seen={}, live_subs={11}, filters={},
                        alerts=[], room=5)
    assert plan.decisions == [Decision(FERRY.id, "merged", f"already shown here in the story “{FERRY.title}”")]


def test_a_copy_that_adds_nothing_is_merged_beside_the_rounds_other_decisions() -> None:
    cands = [Candidate(FERRY.id, 11, "Gazette"), Candidate(FERRY_COPY.id, 11, "Post")]
    plan = plan_channel("w", NOW, cands, {FERRY.id: FERRY, FERRY_COPY.id: FERRY_COPY}, {},
                        story_of={PIER.id: 70, FERRY.id: 70, FERRY_COPY.id: 70}, shown=_shown(70, PIER, FERRY),
                        seen={PIER.id: PIER, FERRY.id: FERRY}, live_subs={11}, filters={}, alerts=[], room=5)
    assert plan.singles == [] and plan.merged == [FERRY.id, FERRY_COPY.id]
    assert plan.decisions == [
        Decision(FERRY.id, "merged", f"already shown here in the story “{PIER.title}”", PIER.id),
        Decision(FERRY_COPY.id, "merged", f"the same story as “{PIER.title}” (article #{PIER.id}), which this "
                 "channel already got; it adds nothing new", PIER.id)]


def test_a_title_only_item_of_a_story_whose_articles_were_pruned_is_merged_under_its_headline() -> None:
    bare = Article(id=6, title="Ferry berth", text="", published=NOW - timedelta(minutes=2), fetched=NOW)
    plan = plan_channel("w", NOW, [Candidate(6, 11, "Post")], {6: bare}, {}, story_of={FERRY.id: 70, 6: 70},
                        shown=_shown(70, FERRY), seen={}, live_subs={11}, filters={}, alerts=[], room=5)
    assert plan.singles == [] and plan.decisions == [
        Decision(6, "merged", "the same story as “Ferry berth”, which this channel already got; it adds nothing new")]


def test_filtered_articles_name_their_subscription_and_a_rule_free_one_posts_without_a_reason() -> None:
    no_ferries = CompiledFilters([Filter("title", "exclude", "word", "ferry").validate()])
    plan = plan_channel("w", NOW, [Candidate(FERRY.id, 12, "Gazette"), Candidate(CONCERT.id, 13, "Post")],
                        {FERRY.id: FERRY, CONCERT.id: CONCERT}, {}, live_subs={12, 13}, filters={12: no_ferries},
                        alerts=[], room=5)
    assert plan.decisions == [Decision(FERRY.id, "filtered", "filter #1 (exclude title word “ferry”) matched",
                                       subscription_id=12)]
    [ls] = plan.singles
    assert ls.subscription_ids == (13,) and ls.reasons == ()


def test_a_digest_feeds_story_waits_beside_the_rounds_other_decisions() -> None:
    plan = plan_channel("w", NOW, [Candidate(FERRY.id, 11, "Gazette"), Candidate(CONCERT.id, 20, "Digest feed")],
                        {FERRY.id: FERRY, CONCERT.id: CONCERT}, {}, story_of={FERRY.id: 70, CONCERT.id: 71},
                        shown=_shown(70, FERRY), seen={FERRY.id: FERRY}, live_subs={11}, filters={}, alerts=[],
                        room=5)
    assert plan.decisions == [
        Decision(FERRY.id, "merged", f"already shown here in the story “{FERRY.title}”", FERRY.id),
        Decision(CONCERT.id, "digest", "its feed posts in digests, and no alert of this channel matched it")]


def test_an_article_with_no_time_counts_as_published_now() -> None:
    undated = Article(id=1, title="Orvane ferry fares frozen for the winter", text="The harbour board froze ferry "
                      "fares on the Orvane crossing until spring.")
    plan = plan_channel("w", NOW, [Candidate(1, 10, "Gazette"), Candidate(CONCERT.id, 10, "Gazette")],
                        {1: undated, CONCERT.id: CONCERT}, {}, live_subs={10}, filters={}, alerts=[], room=5)
    # The concert story was published an hour ago: the undated one, stored this round, comes after it.
    assert [ls.story.article_ids for ls in plan.singles] == [(CONCERT.id,), (1,)]
    assert plan.singles[1].story.published == NOW


def test_a_storys_titles_for_filters_are_its_headline_then_its_other_titles_one_a_line() -> None:
    story = Story(headline=FERRY_COPY.title, summary="", links=(), article_ids=(1, 2))
    text = story_text(story, [FERRY, FERRY_COPY], [], ["Gazette", "Post", "Gazette"])
    assert text.title == f"{FERRY_COPY.title}\n{FERRY.title}" and text.outlets == ("Gazette", "Post")
