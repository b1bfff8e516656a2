"""Live delivery decisions: stories merged across feeds, filters and alerts applied, bursts folded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from digests.filters import CompiledFilters, Filter, keyword_matcher
from digests.live import RATE_LIMIT, Candidate, plan_channel, rate_room, split_for_rate
from digests.models import Article

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
    plan = plan_channel("w", NOW, cands, {a.id: a for a in (FERRY, FERRY_COPY, CONCERT)}, {}, [],
                        live_subs={10, 11}, filters={}, alerts=[], room=5)
    assert [set(ls.story.article_ids) for ls in plan.singles] == [{1, 2}, {3}]
    assert plan.singles[0].sources == (("Gazette", "https://g.example/1"), ("Post", "https://p.example/9"))


def test_a_story_the_channel_already_got_is_merged_not_posted() -> None:
    plan = plan_channel("w", NOW, [Candidate(2, 11, "Post", "https://p.example/9")], {2: FERRY_COPY}, {}, [FERRY],
                        live_subs={11}, filters={}, alerts=[], room=5)
    assert plan.singles == [] and plan.merged == [2]


def test_filters_per_subscription_and_alerts_on_digest_feeds() -> None:
    cands = [Candidate(1, 10, "Gazette"), Candidate(3, 20, "Digest feed")]
    no_ferries = {10: CompiledFilters([Filter("title", "exclude", "word", "ferry").validate()])}
    plan = plan_channel("w", NOW, cands, {1: FERRY, 3: CONCERT}, {}, [], live_subs={10}, filters=no_ferries,
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
    plan = plan_channel("local", NOW, cands, arts, {}, [FERRY], live_subs={1, 2}, filters=filters, alerts=[],
                        room=5)
    why = {d.article_id: (d.outcome, d.detail, d.related_article_id) for d in plan.decisions}
    assert why[FERRY_COPY.id][0] == "merged" and why[FERRY_COPY.id][2] == FERRY.id
    assert f"“{FERRY.title}”" in why[FERRY_COPY.id][1]
    assert why[4] == ("filtered", "filter #1 (exclude title word “sponsored”) matched", None)
    assert [s.story.headline for s in plan.singles] == [CONCERT.title] and CONCERT.id not in why
    # A digest feed's story with no alert waits for the digest, and says so.
    plan = plan_channel("local", NOW, [Candidate(CONCERT.id, 3, "Gazette")], arts, {}, [], live_subs=set(),
                        filters={}, alerts=[], room=5)
    assert [d.outcome for d in plan.decisions] == ["digest"] and not plan.singles
