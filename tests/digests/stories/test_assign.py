"""The online assigner on invented events: what joins, what stays apart, and how little order matters."""

from __future__ import annotations

import itertools
import random
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from digests.store import NewArticle
from digests.stories import Assigner, StoryFeatures, story_features
from digests.stories._assign import Member, Params
from tests.helpers.stories import FIRE_A, FIRE_B, FLOOD, STRIKE, event_articles, templated_items

NOW = datetime(2026, 1, 5, 12, tzinfo=UTC)


def _run(arts: list[NewArticle], at: datetime | None = None) -> dict[int, int]:
    """Assign articles in order (id = position); return article -> story key after every move and merge."""
    a = Assigner()
    where: dict[int, object] = {}
    for i, art in enumerate(arts):
        a.assign(i, story_features(art.title, art.text, art.published), at or NOW, art.published)
        changes = a.take_changes()
        where.update(changes.members)
        for small, big in changes.merged:
            for aid, st in list(where.items()):
                if st is small:
                    where[aid] = big
    return {aid: st.key for aid, st in where.items()}  # type: ignore[attr-defined]


def _partition(labels: dict[int, int], n: int) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for i in range(n):
        groups.setdefault(labels[i], set()).add(i)
    return {frozenset(g) for g in groups.values()}


def test_one_event_told_by_four_outlets_in_their_own_words_is_one_story() -> None:
    arts = event_articles(FIRE_A, 4)
    assert len(_partition(_run(arts), 4)) == 1


def test_two_fires_years_apart_in_other_places_stay_two_stories() -> None:
    arts = event_articles(FIRE_A, 4) + event_articles(FIRE_B, 4)
    parts = _partition(_run(arts), 8)
    assert parts == {frozenset(range(4)), frozenset(range(4, 8))}


def test_interleaved_events_split_by_event_not_by_arrival() -> None:
    a, b, c = event_articles(FIRE_B, 4), event_articles(FLOOD, 3), event_articles(STRIKE, 3)
    arts = [x for group in itertools.zip_longest(a, b, c) for x in group if x is not None]
    keys = [("fire" if x in a else "flood" if x in b else "strike") for x in arts]
    want = {frozenset(i for i, k in enumerate(keys) if k == kind) for kind in ("fire", "flood", "strike")}
    assert _partition(_run(arts), len(arts)) == want


def test_templated_items_with_different_facts_are_twelve_stories() -> None:
    items = templated_items(12)
    assert len(_partition(_run(items), 12)) == 12


def test_the_grouping_barely_depends_on_arrival_order() -> None:
    arts = event_articles(FIRE_A, 4) + event_articles(FIRE_B, 4) + event_articles(FLOOD, 3) + event_articles(
        STRIKE, 3)
    want = {frozenset(range(0, 4)), frozenset(range(4, 8)), frozenset(range(8, 11)), frozenset(range(11, 14))}
    for seed in range(6):
        order = list(range(len(arts)))
        random.Random(seed).shuffle(order)
        labels = _run([arts[i] for i in order])
        assert _partition({order[pos]: key for pos, key in labels.items()}, len(arts)) == want, seed


def _flood_then(art: NewArticle, when: datetime) -> bool:
    """Tell whether ``art``, arriving at ``when``, joins a flood story told twice at NOW."""
    a = Assigner()
    for i, told in enumerate(event_articles(FLOOD, 2, published=NOW)):
        a.assign(i, story_features(told.title, told.text, told.published), NOW, told.published)
    flood = a.story_of(0)
    return a.assign(10, story_features(art.title, art.text, when), when, when) is flood


def test_a_dormant_story_wakes_only_on_strong_evidence_and_never_past_the_horizon() -> None:
    loose = NewArticle("Pellingham bridge to be inspected",
                       "Engineers will inspect the old bridge in Pellingham next month, the county said.")
    assert _flood_then(loose, NOW + timedelta(days=1))  # the story is live: this is enough
    assert not _flood_then(loose, NOW + timedelta(days=7))  # dormant: it is not
    strong = event_articles(FLOOD, 3, published=NOW)[2]
    assert _flood_then(strong, NOW + timedelta(days=7))
    assert not _flood_then(strong, NOW + timedelta(days=40))  # past the horizon: a story of its own


def test_bad_input_each_gets_a_story_of_its_own() -> None:
    arts = event_articles(FIRE_A, 2)
    bad = [NewArticle("", "Ticket prices for the autumn choir concert were announced by the organisers."),
           NewArticle("Fire", "fire"),
           NewArticle("火災", "倉庫で火災が発生し、十四人が治療を受けた。消防によると出火元は搬入口だという。"),
           NewArticle("Filler", "warehouse fire smoke " * 600_000)]
    a = Assigner()
    for i, art in enumerate(arts):
        a.assign(i, story_features(art.title, art.text, art.published), NOW, art.published)
    started = time.perf_counter()
    for j, art in enumerate(bad, start=10):
        story = a.assign(j, story_features(art.title, art.text, art.published), NOW)
        assert story.n == 1, art.title
    assert time.perf_counter() - started < 5  # 10 MB of text costs what its first 20,000 characters cost


def test_features_survive_their_stored_form() -> None:
    art = event_articles(FIRE_A, 1)[0]
    f = story_features(art.title, art.text, art.published)
    assert StoryFeatures.from_json(f.to_json()) == f
    assert f.year == FIRE_A.year
    assert "kestrel" in f.names and "orlen" in f.keys


def test_unrelated_items_sharing_only_the_year_stay_apart() -> None:
    texts = [
        ("Harrowby library keeps later hours", "Readers in Harrowby can borrow books until nine from March 2025, "
         "librarian Ines Varrow said, after a petition by students."),
        ("Cycle lane planned on Quenmoor Road", "Tobiah Kell, who chairs the transport panel, wants a protected "
         "cycle lane along Quenmoor Road by the end of 2025."),
        ("Teskal school canteen switches caterer", "Pupils at Teskal Academy will eat meals cooked by Brightfork "
         "Kitchens from the autumn term of 2025, head teacher Maren Solt wrote to parents."),
        ("Allotment rents rise in Brannock", "Gardeners renting plots from Brannock Parish face higher fees in "
         "2025; treasurer Piet Arlund blamed water charges."),
    ]
    arts = [NewArticle(title, text, published=datetime(2025, 3, 20, 9, tzinfo=UTC) + timedelta(hours=i))
            for i, (title, text) in enumerate(texts)]
    f = story_features(arts[0].title, arts[0].text, arts[0].published)
    assert f.nums == {} and f.year == 2025  # the year is the year's evidence, not a number of the event
    assert len(_partition(_run(arts, datetime(2025, 3, 21, tzinfo=UTC)), len(arts))) == len(arts)



def _wrongly_joined(params: Params) -> tuple[Assigner, dict[int, object]]:
    """Put three fire and two flood articles into one story (as an unlucky order can), then assign a third flood one."""
    a = Assigner(params)
    fire, flood = event_articles(FIRE_B, 3), event_articles(FLOOD, 3)
    mixed = a._new_story(NOW)
    for i, art in enumerate(fire + flood[:2]):
        feats = story_features(art.title, art.text, art.published)
        a.count(feats)
        a._add(mixed, Member(i, a.vectors(feats), feats.year, NOW, mixed, art.published))
    a.take_changes()
    last = flood[2]
    a.assign(5, story_features(last.title, last.text, last.published), NOW, last.published)
    return a, dict(a.take_changes().members)


def test_reclustering_splits_a_story_that_wrongly_holds_two_events_and_records_the_moves() -> None:
    a, moved = _wrongly_joined(Params())
    stories = {aid: a.story_of(aid) for aid in range(6)}
    assert len({id(stories[i]) for i in range(3)}) == 1 and len({id(stories[i]) for i in range(3, 6)}) == 1
    assert stories[0] is not stories[3]
    # The store hears of every article whose story changed, each with the story it is in now.
    assert {3, 4, 5} <= set(moved) and all(moved[aid] is stories[aid] for aid in moved)


def test_without_reclustering_the_wrong_join_stays() -> None:
    a, _ = _wrongly_joined(replace(Params(), recluster_k=0))
    assert len({id(a.story_of(aid)) for aid in range(6)}) == 1


# One local official quoted by two unrelated events (a ferry breakdown, a frost in the orchards), with a few
# unrelated local items, as a new bot's small store holds them.
OFFICIAL = "Marta Vellin"
FERRY = [
    ("Ferry to Skarrow Island cancelled after engine fault",
     f"The morning ferry from Dunholt harbour to Skarrow Island was cancelled on Tuesday after an engine fault, "
     f"leaving 80 passengers on the quay. Harbour councillor {OFFICIAL} said a replacement boat would sail on "
     f"Thursday. \"Nobody should be stranded on the island for more than two days,\" Vellin said."),
    ("Skarrow ferry breakdown strands islanders",
     f"Islanders bound for Skarrow were stranded at Dunholt on Tuesday when the ferry's engine failed before "
     f"departure. \"Nobody should be stranded on the island for more than two days,\" said councillor {OFFICIAL}. "
     f"The operator, Greyline Shipping, is inspecting the vessel."),
    ("Dunholt ferry out of service, replacement due Thursday",
     f"Greyline Shipping took its Dunholt to Skarrow Island ferry out of service on Tuesday after an engine fault. "
     f"About 80 passengers were turned back. Councillor {OFFICIAL} said the council had asked for a replacement "
     f"boat by Thursday."),
]
ORCHARD = ("Frost ruins apple blossom at Penwick orchards",
           f"A late frost on Sunday night destroyed most of the apple blossom in the Penwick valley orchards, growers "
           f"said. Councillor {OFFICIAL} visited the Halloway farm on Monday. \"This is a hard year for the growers, "
           f"and the council will help where it can,\" Vellin said.")
LOCAL = [
    ("Quoris library extends its opening hours",
     "The Quoris public library will open until nine in the evening from September, head librarian Osric Penn "
     "said. Students had asked for quiet rooms."),
    ("Road works close the Estmere bridge",
     "The Estmere bridge will close for repairs for six weeks from July, the highways office said. Engineer Tilde "
     "Oram said the deck needed new joints."),
    ("Brannock school choir wins regional contest",
     "The Brannock primary school choir won the regional singing contest on Saturday, teacher Wim Sallow said. "
     "Forty children sang."),
]


def _small_store(items: list[tuple[str, str]]) -> dict[int, int]:
    """Assign (title, text) items in order through a fresh assigner, as a new bot's store does; return stories."""
    when = datetime(2031, 6, 3, 9, tzinfo=UTC)
    return _run([NewArticle(url=f"https://local.example/{i}", title=t, text=x, published=when)
                 for i, (t, x) in enumerate(items)], when)


def test_one_local_event_told_by_three_outlets_joins_in_a_small_store() -> None:
    for order in (LOCAL + FERRY, FERRY[:1] + LOCAL + FERRY[1:], FERRY + LOCAL):
        labels = _small_store(order)
        assert len({labels[order.index(x)] for x in FERRY}) == 1
        assert len(_partition(labels, len(order))) == len(LOCAL) + 1


@pytest.mark.xfail(strict=True, reason="known: one shared official outweighs everything else in a small store "
                                       "(docs/quality.md, Stories, 'one shared name')")
def test_two_unrelated_events_quoting_one_official_stay_two_stories_in_a_small_store() -> None:
    for order in (LOCAL + FERRY + [ORCHARD], [ORCHARD] + LOCAL + FERRY, FERRY[:1] + [ORCHARD] + FERRY[1:] + LOCAL):
        labels = _small_store(order)
        assert labels[order.index(ORCHARD)] not in {labels[order.index(x)] for x in FERRY}
