"""/story, /timeline story:, /quotes story: and /search grouped by story, through the command layer, drawn on
every front end's renderer (invented articles: tests/helpers/tram_story.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.commands import MAX_ARG_CHARS, Invocation, Reply, run_line
from bot.console import render_text
from bot.discord.render import reply_to_embeds
from bot.handlers import autocomplete
from bot.slack.render import reply_to_blocks
from bot.story_commands import story_id_of
from tests.e2e.discord_standin import check_message
from tests.e2e.slack_standin import block_problems
from tests.helpers.tram_story import SAID, SPEAKER, add_articles, add_tram_story

WS, OTHER = "local", "discord:4242"
INV = Invocation(WS, "c", "u")


@pytest.fixture
async def tram(services: Any, tmp_path: Path) -> tuple[Any, int, list[int], int]:
    """Return the services with the tram story and the library article stored in WS."""
    sid, ids, library = await add_tram_story(services, WS, tmp_path)
    return services, sid, ids, library


def drawn_everywhere(reply: Reply, line: str) -> str:
    """Assert every page draws cleanly on Discord and Slack; return the terminal's text."""
    for page in range(reply.pages):
        assert check_message({"embeds": [e.to_dict() for e in reply_to_embeds(reply, page)]}) == []
        assert block_problems(reply_to_blocks(reply, page, command_line=line)) == []
    return render_text(reply)


async def test_story_by_headline_words_shows_links_summary_quotes_and_events(tram: Any) -> None:
    svc, sid, ids, _ = tram
    reply = await run_line(svc, INV, "/story brackmoor tram")
    assert not reply.error, reply.text
    data = reply.data["story"]
    assert data["id"] == sid and reply.title == data["headline"] == "Brackmoor tram line opens to passengers"
    assert [a["id"] for a in data["articles"]] == ids
    assert data["outlets"] == ["harbourline.example", "northpost.example", "valleyherald.example"]
    assert f"Story #{sid} · 3 articles from 3 outlets" in reply.text
    assert data["summary"] and len(data["summary"].split()) <= 100
    assert {s["outlet"] for s in data["summary_sources"]} <= set(data["outlets"])
    # Each sentence cites its article: [n] of the links listed under the summary.
    summary = reply.items[0]
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", summary.body)}
    assert cited and summary.body.rstrip().endswith("]")
    urls = {s["url"] for s in data["summary_sources"]}
    assert {summary.fields[n - 1][1] for n in cited} == urls
    [quote] = data["quotes"]
    assert (quote["quote"].rstrip(","), quote["speaker"], quote["outlets"]) == (SAID, SPEAKER, 3)
    dates = [e["date"] for e in data["events"]]
    assert "2030-05-04" in dates and "2033-03-12" in dates and dates == sorted(dates)
    opening = next(e for e in data["events"] if e["date"] == "2033-03-12")
    assert len(opening["sources"]) == 3  # one entry for the opening every outlet reported
    text = drawn_everywhere(reply, "/story brackmoor tram")
    for art in data["articles"]:
        assert art["url"] in text  # one link per article
    assert "reported by 3 outlets" in text and "— Wenna Tolland" in text


async def test_story_by_id_and_one_line_answers(tram: Any) -> None:
    svc, sid, _, _ = tram
    assert (await run_line(svc, INV, f"/story #{sid}")).data["story"]["id"] == sid
    assert (await run_line(svc, INV, f"/story {sid}")).data["story"]["id"] == sid
    for line in ("/story #987654", "/story 987654321987654321"):
        reply = await run_line(svc, INV, line)
        assert not reply.error and reply.data == {"story": None} and reply.items == ()
        assert reply.text.count("\n") == 0 and "No story #" in reply.text
    # A bare number that is no story's id is read as a headline's word too.
    assert (await run_line(svc, INV, "/story 987654")).text.startswith("No story #987654")
    none = await run_line(svc, INV, "/story zebra crossing festival")
    assert none.text == "No story in your workspace matches those words." and not none.items


@pytest.mark.parametrize("line", ['/story "brackmoor AND (tram* OR', "/story NEAR(tram hospital", "/story ^*:-",
                                  '/story ""', "/story \x00tram"])
async def test_search_syntax_in_the_words_is_taken_as_words(tram: Any, line: str) -> None:
    svc = tram[0]
    reply = await run_line(svc, INV, line)
    assert "failed on our side" not in reply.text
    assert reply.text.count("\n") == 0 and len(reply.text) <= 300


async def test_empty_and_huge_arguments_get_a_short_error(tram: Any) -> None:
    svc = tram[0]
    for line in ("/story", "/story   "):
        reply = await run_line(svc, INV, line)
        assert reply.error and reply.ephemeral and reply.text.startswith("/story needs story")
    huge = await run_line(svc, INV, "/story " + "tram " * 10_000)
    assert huge.error and huge.text == f"story is too long (at most {MAX_ARG_CHARS} characters)"


async def test_another_workspace_never_sees_the_story(tram: Any, tmp_path: Path) -> None:
    svc, sid, _, _ = tram
    other = Invocation(OTHER, "c", "u")
    reply = await run_line(svc, other, f"/story #{sid}")
    assert reply.data == {"story": None} and "No story #" in reply.text
    assert (await run_line(svc, other, "/story brackmoor")).data == {"story": None}
    assert await autocomplete(svc, other, "story", "brack") == []
    for line in (f"/timeline story:#{sid}", f"/quotes story:#{sid}"):
        reply = await run_line(svc, other, line)
        assert reply.error and "No story #" in reply.text, line
    # Its own upload of the event, in its own words, is all it is shown of whatever story that joined.
    [own] = await add_articles(svc.ingestor, OTHER, tmp_path, {"own.md": OWN_TELLING})
    story = (await svc.store.stories_for_articles([own]))[own]
    seen = await run_line(svc, other, f"/story #{story}")
    assert [a["id"] for a in seen.data["story"]["articles"]] == [own]
    # Its headline is its own title or a public article's (one with a link), as for every story headline.
    assert seen.title in ("Our reporter rides the Brackmoor tram", "Brackmoor tram line opens to passengers")


OWN_TELLING = """---
title: Our reporter rides the Brackmoor tram
published: 2033-03-12T18:00:00+00:00
---
Our reporter took the Brackmoor tram from the station to the Quillan hospital on its first day, Saturday.

The ride took eleven minutes, and the carriages were full of families trying out the new Brackmoor line.
"""


async def test_a_bare_number_no_story_has_is_a_headline_word(services: Any, tmp_path: Path) -> None:
    [aid] = await add_articles(services.ingestor, WS, tmp_path, {"race.md": """---
title: Quillan marathon 2041 route crosses the new tram bridge
url: https://northpost.example/marathon-2041
---
The Quillan marathon will cross the new tram bridge for the first time, its organisers said on Monday.
"""})
    sid = (await services.store.stories_for_articles([aid]))[aid]
    assert sid != 2041
    assert (await run_line(services, INV, "/story 2041")).data["story"]["id"] == sid
    assert (await run_line(services, INV, "/story #2041")).data == {"story": None}  # with '#', an id only


async def test_autocomplete_offers_recent_story_headlines(tram: Any) -> None:
    svc, sid, _, _ = tram
    choices = await autocomplete(svc, INV, "story", "brackm")
    assert choices[0] == (f"#{sid} Brackmoor tram line opens to passengers", f"#{sid}")
    assert story_id_of(choices[0][1]) == sid
    assert len(await autocomplete(svc, INV, "story", "")) == 2  # nothing typed: the recent stories
    assert (await autocomplete(svc, INV, "story", f"#{sid}"))[0][1] == f"#{sid}"  # an id typed: that story
    assert await autocomplete(svc, Invocation(OTHER, "c", "u"), "story", f"#{sid}") == []


async def test_timeline_story_restricts_to_the_story(tram: Any) -> None:
    svc, sid, ids, _ = tram
    reply = await run_line(svc, INV, f"/timeline story:#{sid}")
    assert not reply.error and reply.title.startswith(f"Timeline: story #{sid}")
    used = {s["article_id"] for e in reply.data["events"] for s in e["sources"]}
    assert used and used <= set(ids)
    assert "2030-05-04" in [e["date"] for e in reply.data["events"]]
    drawn_everywhere(reply, f"/timeline story:#{sid}")
    # A topic narrows it further; the library article (same place name) never comes in.
    narrowed = await run_line(svc, INV, f"/timeline harbour story:#{sid}")
    assert [e["date"] for e in narrowed.data["events"]] == ["2036"]
    unknown = await run_line(svc, INV, "/timeline story:#987654")
    assert unknown.error and unknown.text.count("\n") == 0
    assert (await run_line(svc, INV, "/timeline")).error


async def test_quotes_story_lists_the_story_quotes_with_their_outlets(tram: Any) -> None:
    svc, sid, ids, library = tram
    reply = await run_line(svc, INV, f"/quotes story:#{sid}")
    assert [(q["quote"].rstrip(","), q["outlets"]) for q in reply.data["quotes"]] == [(SAID, 3)]
    drawn_everywhere(reply, f"/quotes story:#{sid}")
    assert (await run_line(svc, INV, f"/quotes Tolland story:#{sid}")).data["quotes"]
    assert (await run_line(svc, INV, f"/quotes Thale story:#{sid}")).data["quotes"] == []  # the library's speaker
    assert (await run_line(svc, INV, "/quotes Thale")).data["quotes"]  # ... whose quotes /quotes still finds
    assert (await run_line(svc, INV, "/quotes")).error


async def test_search_groups_hits_of_one_story_in_rank_order(tram: Any) -> None:
    svc, sid, ids, library = tram
    reply = await run_line(svc, INV, "/search Quillan")
    ranked = [a["id"] for a in reply.data["articles"]]
    assert sorted(ranked) == sorted([*ids, library])
    groups = reply.data["stories"]
    assert len(groups) == len(reply.items) == 2
    assert [g["articles"][0] for g in groups] == sorted({g["articles"][0] for g in groups}, key=ranked.index)
    tram_group = next(g for g in groups if g["story"] == sid)
    assert sorted(tram_group["articles"]) == sorted(ids)
    entry = reply.items[[g["story"] for g in groups].index(sid)]
    assert "3 articles from 3 outlets" in entry.footer and len(entry.fields) == 2
    assert entry.marks  # the snippet's words are still marked
    assert "4 article(s) in 2 stories." == reply.text
    drawn_everywhere(reply, "/search Quillan")


async def test_search_pages_stay_whole_when_hits_group(services: Any, tmp_path: Path) -> None:
    # Many distinct articles (each its own story) page as before: five entries a page.
    rooms = ("reading", "music", "map", "chess", "film", "print", "garden")
    trades = ("bakers", "weavers", "joiners", "potters", "glaziers", "smiths", "coopers")
    arts = {f"n{i}.md": f"""---
title: Quillan {trades[i]} open a {rooms[i]} workshop
published: 2033-02-{i + 1:02d}T09:00:00+00:00
url: https://harbourline.example/quillan-{trades[i]}
---
The {trades[i]} of Quillan opened a {rooms[i]} workshop in the old {trades[(i + 3) % 7]} hall, week {i + 4} of the season.

{i + 12} apprentices signed up for the {rooms[i]} classes, and the {trades[(i + 1) % 7]} lent {i + 2} benches.
""" for i in range(7)}
    await add_articles(services.ingestor, WS, tmp_path, arts)
    reply = await run_line(services, INV, "/search Quillan")
    assert len(reply.data["articles"]) == 7
    assert sum(len(g["articles"]) for g in reply.data["stories"]) == 7
    assert reply.pages == -(-len(reply.items) // 5) and len(reply.page_items(0)) == min(5, len(reply.items))
