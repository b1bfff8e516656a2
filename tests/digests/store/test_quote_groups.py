"""Quote groups in the store, on every backend: copies of one quote in several articles become one group as
they are stored; its speaker, chosen from every outlet's attribution, is given back to each instance.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from digests.models import Analysis, Quote
from digests.store import NewArticle, Store
from digests.store._batch import BatchItem, prepare_for_store, prepare_quotes
from digests.stories import quotes_of_articles, who_said

DAY = datetime(2026, 3, 2, 9, tzinfo=UTC)
SAID = "We will reopen the bridge before the summer ferries start running, whatever the weather throws at us"
LEAD = ("The Kelmsford harbour bridge closed on Monday for cable repairs, the Kelmsford Port Authority said, and "
        "traders on Quay Street worry about the spring festival. ")
TAIL = " The Kelmsford Port Authority expects the work to take six weeks."
# Each outlet tells it in its own words (articles alike enough would be stored once, as near-duplicates).
ANGLES = ("A ferry captain said the detour adds forty minutes to every crossing of the estuary.",
          "Schoolchildren from the north shore now ride a bus around the bay each morning.",
          "The fish market moved two stalls closer to the station to keep its regular buyers.",
          "Cyclists have been offered a free water taxi between the two piers at rush hour.",
          "Insurers asked the authority for the inspection report that found the corroded cables.",
          "The rowing club postponed its spring regatta until the scaffolding comes down.")


def _article(n: int, quote: str, speaker: str | None, mention: str | None, confidence: float,
             *, url: bool = True, days: int = 0, role: str | None = None) -> tuple[NewArticle, Analysis]:
    angle = " ".join(ANGLES[(n + k) % len(ANGLES)] for k in range(3)) + f" Report {n}."
    text = f'{LEAD}{angle} "{quote}," {mention or "someone"} said.{TAIL}'
    start = text.index(quote)
    art = NewArticle(f"Bridge report {n}", text, url=f"https://outlet{n}.example/bridge" if url else None,
                     published=DAY + timedelta(days=days))
    q = Quote(quote, start, start + len(quote), speaker, role, "said", mention, confidence)
    return art, Analysis(quotes=(q,))


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    s = await Store.open(store_url)
    yield s
    await s.close()


async def _add(store: Store, n: int, quote: str, speaker: str | None, mention: str | None, confidence: float,
               workspace: str = "local", **kw: object) -> int:
    art, analysis = _article(n, quote, speaker, mention, confidence, **kw)  # type: ignore[arg-type]
    return (await store.add_article(art, analysis, workspace=workspace, via="feed")).article_id


async def test_copies_become_one_group_and_every_article_shows_its_speaker(store: Store) -> None:
    a = await _add(store, 1, SAID, "Ottilie Brandvik", "Ottilie Brandvik", 0.99)
    b = await _add(store, 2, "We will reopen the bridge before the summer ferries start running", "her spokesman",
                   "her spokesman", 0.95)
    c = await _add(store, 3, SAID.replace("will", "shall"), "Ottilie Brandvik", "Brandvik", 0.9)
    rows = await store.quotes_for_articles("local", [a, b, c])
    assert len({r.group_id for r in rows}) == 1 and rows[0].group_id is not None
    # The article that said "her spokesman" now shows the engineer too: its own view agrees with /who-said.
    assert [r.speaker for r in rows] == ["Ottilie Brandvik"] * 3
    assert all(r.confidence is not None for r in rows)
    group = (await store.quote_groups("local", [rows[0].group_id]))[rows[0].group_id]
    assert group.status == "chosen" and group.speaker == "Ottilie Brandvik" and group.outlets == 3
    votes = json.loads(group.evidence)["votes"]
    assert {v["speaker"] for v in votes} == {"Ottilie Brandvik", "her spokesman"}
    # The article's own attribution is kept beside the group's.
    own = await store._rows("SELECT s.name FROM quotes q JOIN speakers s ON s.id = q.own_speaker_id "
                            "WHERE q.article_id = ?", b)
    assert [r[0] for r in own] == ["her spokesman"]
    # Speaker counts follow: the description has no quote left in the workspace.
    speakers = {name: n for _, name, n in await store.match_speakers("local", "")}
    assert speakers == {"Ottilie Brandvik": 3}


async def test_who_said_lists_a_merged_quote_once_with_its_outlets_and_wordings(store: Store) -> None:
    await _add(store, 1, SAID, "Ottilie Brandvik", "Ottilie Brandvik", 0.99)
    await _add(store, 2, SAID.replace("will", "shall"), "Ottilie Brandvik", "Brandvik", 0.9)
    await _add(store, 3, "whatever the weather throws at us", "Ottilie Brandvik", "she", 0.8)  # 6 words: alone
    found = await who_said(store, "local", "reopen the bridge")
    assert len(found) == 1
    m = found[0]
    assert m.outlets == 2 and m.speaker == "Ottilie Brandvik" and m.differing_outlets == 1
    assert [v.quote for v in m.variants] == [SAID.replace("will", "shall")]


async def test_an_even_split_keeps_each_articles_own_speaker(store: Store) -> None:
    a = await _add(store, 1, SAID, "Jonas Elder", "Elder", 0.9)
    b = await _add(store, 2, SAID, "Petra Lind", "Lind", 0.9)
    rows = await store.quotes_for_articles("local", [a, b])
    assert [r.speaker for r in rows] == ["Jonas Elder", "Petra Lind"]
    group = (await store.quote_groups("local", [rows[0].group_id]))[rows[0].group_id]  # type: ignore[list-item]
    assert group.status == "split" and group.speaker is None
    assert set(json.loads(group.evidence)["split"]) == {"Jonas Elder", "Petra Lind"}


async def test_copies_months_apart_or_in_other_workspaces_uploads_stay_apart(store: Store) -> None:
    a = await _add(store, 1, SAID, "Ottilie Brandvik", "Brandvik", 0.9)
    b = await _add(store, 2, SAID, "Ottilie Brandvik", "Brandvik", 0.9, days=60)
    # Private uploads (no URL) of two workspaces: neither sways, nor shows in, the other's quotes.
    c = await _add(store, 3, SAID, "Ottilie Brandvik", "Brandvik", 0.9, workspace="w1", url=False)
    d = await _add(store, 4, SAID, "Petra Lind", "Lind", 0.9, workspace="w2", url=False)
    rows = await store.quotes_for_articles("local", [a, b])
    rows += await store.quotes_for_articles("w1", [c]) + await store.quotes_for_articles("w2", [d])
    assert [r.group_id for r in rows] == [None] * 4
    assert [r.speaker for r in rows] == ["Ottilie Brandvik"] * 3 + ["Petra Lind"]


async def test_a_workspace_sees_only_its_own_instances_of_a_group(store: Store) -> None:
    a = await _add(store, 1, SAID, "Ottilie Brandvik", "Brandvik", 0.9, workspace="w1")
    await _add(store, 2, SAID, "Ottilie Brandvik", "Brandvik", 0.9, workspace="w2")
    [row] = await store.quotes_for_articles("w1", [a])
    assert row.group_id is not None
    group = (await store.quote_groups("w1", [row.group_id]))[row.group_id]
    assert [i.article_id for i in group.instances] == [a]
    [m] = await quotes_of_articles(store, "w1", [a])
    assert m.outlets == 1 and m.article_ids == (a,)


async def test_a_quote_bridging_two_groups_merges_them(store: Store) -> None:
    words = SAID.split()
    head, tail = " ".join(words[:9]), " ".join(words[9:])
    for n in (1, 2):
        await _add(store, n, head, "Ottilie Brandvik", "Brandvik", 0.9)
    for n in (3, 4):
        await _add(store, n, tail, "Ottilie Brandvik", "Brandvik", 0.9)
    before = {r.group_id for r in await store.quotes_for_articles("local", [1, 2, 3, 4])}
    assert len(before) == 2
    await _add(store, 5, SAID, "Ottilie Brandvik", "Brandvik", 0.9)
    after = {r.group_id for r in await store.quotes_for_articles("local", [1, 2, 3, 4, 5])}
    assert len(after) == 1 and after <= before
    assert len(await store._rows("SELECT id FROM quote_groups")) == 1


async def test_a_chunk_of_articles_groups_as_one_at_a_time_does(store: Store) -> None:
    items = []
    for n, (speaker, mention) in enumerate((("Ottilie Brandvik", "Brandvik"), ("Ottilie Brandvik", "she"),
                                            ("the chief engineer", "the chief engineer")), 1):
        art, analysis = _article(n, SAID, speaker, mention, 0.9)
        items.append(BatchItem(art, analysis, ("local",), "feed", DAY))
    results = await store.add_articles(items)
    rows = await store.quotes_for_articles("local", [r.article_id for r in results])
    assert len({r.group_id for r in rows}) == 1 and {r.speaker for r in rows} == {"Ottilie Brandvik"}


@pytest.mark.parametrize("prepared", [True, False])
async def test_keys_the_workers_computed_group_as_the_writers_own(store: Store, prepared: bool) -> None:
    items = []
    # Uploads of one workspace merge, another workspace's and a public copy of the same words stay apart.
    for n, (workspace, url) in enumerate((("w1", False), ("w1", False), ("w2", False), ("local", True)), 1):
        art, analysis = _article(n, SAID, "Ottilie Brandvik", "Brandvik", 0.9, url=url)
        prep = prepare_quotes(prepare_for_store(art), art, analysis) if prepared else None
        assert prep is None or prep.quote_keys is not None and prep.names
        items.append(BatchItem(art, analysis, (workspace,), "upload", DAY, prep))
    ids = [r.article_id for r in await store.add_articles(items)]
    w1 = await store.quotes_for_articles("w1", ids[:2])
    assert len({r.group_id for r in w1}) == 1 and w1[0].group_id is not None
    others = await store.quotes_for_articles("w2", ids[2:3]) + await store.quotes_for_articles("local", ids[3:])
    assert [r.group_id for r in others] == [None, None]


async def test_a_large_group_takes_new_copies_without_deciding_again(store: Store,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from digests.store import _quote_groups

    monkeypatch.setattr(_quote_groups, "FULL_REFRESH", 2)
    for n in range(1, 4):
        await _add(store, n, SAID, "Ottilie Brandvik", "Brandvik", 0.9)
    # The fourth copy joins a group of three (3 -> 4 passes a power of two: decided again); the fifth does not.
    await _add(store, 4, SAID, "Ottilie Brandvik", "Brandvik", 0.9)
    await _add(store, 5, SAID, "her spokesman", "her spokesman", 0.9)
    rows = await store.quotes_for_articles("local", range(1, 6))
    assert len({r.group_id for r in rows}) == 1 and {r.speaker for r in rows} == {"Ottilie Brandvik"}
    [(instances,)] = [tuple(r) for r in await store._rows("SELECT instances FROM quote_groups")]
    assert instances == 5


async def test_a_title_several_outlets_print_is_not_shown_as_a_statement(store: Store) -> None:
    for n in (1, 2):
        text = (f"{LEAD}{ANGLES[n]} {ANGLES[n + 2]} The festival opens with a screening of \"The Long Night at "
                f"Harrow Bay\" on the quay.{TAIL}")
        start = text.index("The Long Night")
        q = Quote("The Long Night at Harrow Bay", start, start + 28, "Ottilie Brandvik", None, None, None, 0.4)
        await store.add_article(NewArticle(f"Festival {n}", text, url=f"https://outlet{n}.example/festival",
                                           published=DAY), Analysis(quotes=(q,)), workspace="local", via="feed")
    rows = await store.quotes_for_articles("local", [1, 2])
    assert len({r.group_id for r in rows}) == 1
    assert await who_said(store, "local", "Long Night Harrow Bay") == []
    assert await quotes_of_articles(store, "local", [1, 2]) == []


async def test_a_copy_joins_through_any_article_of_the_group_that_tells_its_event(store: Store) -> None:
    # A and C name nobody in common; B names the people of both. Copies file a key once, so C finds A's copy:
    # the group's other article (B) says C tells the same event.
    texts = {
        1: "Talks between Varnholt and Kelmira stalled in Orlaby on Monday. ",
        2: "In Orlaby, Varnholt's envoy Petra Lind met Kelmira's Jonas Elder at the Harbour Exchange. ",
        3: "At the Harbour Exchange, Petra Lind and Jonas Elder met for a second day. ",
    }
    for n, lead in texts.items():
        text = f'{lead}"{SAID}," the envoy said. {ANGLES[n]} {ANGLES[n + 2]}'
        start = text.index(SAID)
        q = Quote(SAID, start, start + len(SAID), "Petra Lind", None, "said", "the envoy", 0.9)
        await store.add_article(NewArticle(f"Talks {n}", text, url=f"https://outlet{n}.example/talks",
                                           published=DAY), Analysis(quotes=(q,)), workspace="local", via="feed")
    rows = await store.quotes_for_articles("local", [1, 2, 3])
    assert len({r.group_id for r in rows}) == 1 and rows[0].group_id is not None


async def test_many_groups_are_read_in_parts(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from digests.store import _base

    await _add(store, 1, SAID, "Ottilie Brandvik", "Brandvik", 0.9)
    await _add(store, 2, SAID, "Ottilie Brandvik", "Brandvik", 0.9)
    other = "The footbridge will cost less than the trade we would lose over a single festival weekend"
    await _add(store, 3, other, "Ottilie Brandvik", "Brandvik", 0.9)
    await _add(store, 4, other, "Ottilie Brandvik", "Brandvik", 0.9)
    ids = {r.group_id for r in await store.quotes_for_articles("local", [1, 2, 3, 4])}
    monkeypatch.setattr(_base, "QUOTE_GROUPS_PER_READ", 1)
    groups = await store.quote_groups("local", [g for g in ids if g is not None])
    assert len(ids) == 2 and set(groups) == ids and all(len(g.instances) == 2 for g in groups.values())


async def test_a_group_lives_in_the_story_of_the_wording_it_shows(store: Store) -> None:
    a = await _add(store, 1, SAID, "Ottilie Brandvik", "Ottilie Brandvik", 0.99)
    b = await _add(store, 2, SAID, "Ottilie Brandvik", "Brandvik", 0.9)
    rows = await store.quotes_for_articles("local", [a, b])
    gid = rows[0].group_id
    assert gid is not None
    group = (await store.quote_groups("local", [gid]))[gid]
    stories = await store.stories_for_articles([a, b])
    lead = next(r.article_id for r in rows if r.id == group.lead_quote_id)
    assert group.story_id is not None and group.story_id == stories[lead]


async def test_an_undated_copy_meets_dated_ones_of_any_day(store: Store) -> None:
    old = await _add(store, 1, SAID, "Ottilie Brandvik", "Brandvik", 0.9, days=-400)
    text = f'{LEAD}{ANGLES[4]} {ANGLES[5]} "{SAID}," Brandvik said.{TAIL}'
    start = text.index(SAID)
    q = Quote(SAID, start, start + len(SAID), "Ottilie Brandvik", None, "said", "Brandvik", 0.9)
    undated = (await store.add_article(NewArticle("Bridge, undated", text, url="https://outlet9.example/x"),
                                       Analysis(quotes=(q,)), workspace="local", via="feed")).article_id
    rows = await store.quotes_for_articles("local", [old, undated])
    assert len({r.group_id for r in rows}) == 1 and rows[0].group_id is not None


async def test_quotes_stored_before_quote_groups_are_grouped_by_the_upgrade(store: Store,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import digests.store._pg_quote_groups as pg_groups
    import digests.store._quote_groups as groups

    async def nothing(*_: object) -> None:
        return None

    # Stored as a database from before migration 0007 holds them: no keys, no groups, each article's own speaker.
    with monkeypatch.context() as m:
        m.setattr(groups, "assign_groups", lambda *_: None)
        m.setattr(pg_groups, "assign_groups", nothing)
        a = await _add(store, 1, SAID, "Ottilie Brandvik", "Ottilie Brandvik", 0.99)
        b = await _add(store, 2, "We will reopen the bridge before the summer ferries start running",
                       "her spokesman", "her spokesman", 0.95)
        c = await _add(store, 3, SAID.replace("will", "shall"), "Ottilie Brandvik", "Brandvik", 0.9)
    await store._opt_exec("UPDATE quotes SET confidence = NULL")
    assert {r.group_id for r in await store.quotes_for_articles("local", [a, b, c])} == {None}
    assert await store.ungrouped_quote_articles() == [a, b, c]
    seen: list[int] = []
    assert await store.group_archive_quotes([a, b, c], chunk=2, progress=seen.append) == 3
    assert seen == [2, 1]
    rows = await store.quotes_for_articles("local", [a, b, c])
    assert len({r.group_id for r in rows}) == 1 and rows[0].group_id is not None
    assert [r.speaker for r in rows] == ["Ottilie Brandvik"] * 3
    assert {name: n for _, name, n in await store.match_speakers("local", "")} == {"Ottilie Brandvik": 3}
    # Done once: a second upgrade finds nothing left, and a later copy joins the same group.
    assert await store.ungrouped_quote_articles() == []
    d = await _add(store, 4, SAID, "Ottilie Brandvik", "she", 0.8)
    assert {r.group_id for r in await store.quotes_for_articles("local", [a, d])} == {rows[0].group_id}


async def test_a_title_one_article_prints_is_not_shown_but_its_quotes_are(store: Store) -> None:
    said = "We will keep the quay open for the whole of the festival week"
    text = (f"{LEAD}{ANGLES[0]} Festival director Runa Falk told \"Harbour Morning Live\" that the programme is "
            f"ready. \"{said},\" Falk said.{TAIL}")
    title = text.index("Harbour Morning Live")
    start = text.index(said)
    quotes = (Quote("Harbour Morning Live", title, title + 20, "Runa Falk", None, "told", "Festival director Runa Falk",
                    0.7),
              Quote(said, start, start + len(said), "Runa Falk", None, "said", "Falk", 0.95))
    aid = (await store.add_article(NewArticle("Festival", text, url="https://outlet1.example/festival",
                                              published=DAY), Analysis(quotes=quotes), workspace="local",
                                   via="feed")).article_id
    # Both stay stored; only the statement is shown.
    assert len(await store.quotes_for_articles("local", [aid])) == 2
    assert [m.quote for m in await quotes_of_articles(store, "local", [aid])] == [said]
    assert await who_said(store, "local", "Harbour Morning Live") == []
    rows = await store.quotes_for_articles("local", [aid])
    narration = await store.quote_narration([r.id for r in rows])
    by_quote = {r.quote: narration[r.id] for r in rows}
    cue, mention, before, after = by_quote["Harbour Morning Live"]
    assert (cue, mention) == ("told", "Festival director Runa Falk")
    assert before.endswith('Runa Falk told "') and len(before) == 220 and after.startswith('" that the programme')
    assert by_quote[said][3].startswith(',"') and by_quote[said][0] == "said"


async def test_the_narration_of_a_quote_near_the_start_of_its_article(store: Store) -> None:
    said = "The quay stays open all week"
    text = f'Falk said: "{said}," and left.{LEAD}{TAIL}'
    start = text.index(said)
    aid = (await store.add_article(NewArticle("Quay", text, url="https://outlet1.example/quay", published=DAY),
                                   Analysis(quotes=(Quote(said, start, start + len(said), "Runa Falk", None, "said",
                                                          "Falk", 0.9),)), workspace="local", via="feed")).article_id
    [row] = await store.quotes_for_articles("local", [aid])
    assert (await store.quote_narration([row.id]))[row.id][2:] == ('Falk said: "', text[start + len(said):][:80])
