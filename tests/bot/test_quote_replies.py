"""/who-said and /quotes list a quote several outlets carried once: its outlets, its wordings side by side,
one speaker; the same reply renders on the terminal, Discord and Slack within their limits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.commands import Invocation, Item, Reply, run_line
from bot.console import render_text
from bot.discord.render import reply_to_embeds
from bot.slack.render import reply_to_blocks
from tests.e2e.discord_standin import check_message
from tests.e2e.slack_standin import block_problems
from tests.helpers.outlets import ARTICLES

INV = Invocation(workspace="local", channel="c1", user="u1")


async def _ingest(services: Any, tmp_path: Path) -> None:
    for name, (title, url, text) in ARTICLES.items():
        path = tmp_path / name
        path.write_text(f"---\ntitle: {title}\nurl: {url}\npublished: 2026-03-02\n---\n{text}\n", encoding="utf-8")
        out = await services.ingestor.ingest_path(path, workspace="local")
        assert out.status == "added"


def _check_platforms(reply: Reply) -> None:
    assert check_message({"embeds": [e.to_dict() for e in reply_to_embeds(reply)]}) == []
    blocks = reply_to_blocks(reply, command_line="/who-said x")
    assert block_problems(blocks) == []
    # Slack sets the wordings side by side as a section's fields; Discord as inline fields.
    sides = [b for b in blocks if b["type"] == "section" and b.get("fields")]
    assert len(sides) == 1 and len(sides[0]["fields"]) == 2
    inline = [f for e in reply_to_embeds(reply)[1:] for f in e.to_dict().get("fields", []) if f.get("inline")]
    assert len(inline) == 2 and "shall" in inline[1]["value"]


async def test_who_said_shows_a_merged_quote_once_on_every_front_end(services: Any, tmp_path: Path) -> None:
    await _ingest(services, tmp_path)
    reply = await run_line(services, INV, "/who-said reopen the bridge")
    assert not reply.error and len(reply.items) == 1
    item: Item = reply.items[0]
    assert "Ottilie Brandvik" in item.body
    assert "reported by 3 outlets" in item.body and "worded differently in 1 outlet" in item.body
    assert {url for _, url in item.fields} == {url for _, url, _ in ARTICLES.values()}
    data = reply.data["quotes"][0]
    assert data["outlets"] == 3 and len(data["articles"]) == 3 and data["speaker"] == "Ottilie Brandvik"
    assert [v["quote"] for v in data["variants"]] == [
        "We shall reopen the bridge before the summer ferries start running, whatever the weather throws at us,"]
    text = render_text(reply)
    assert text.count("reported by 3 outlets") == 1 and "coastal-wire.example" in text and "│ “We shall" in text
    _check_platforms(reply)


async def test_quotes_of_the_speaker_lists_the_merged_quote_once(services: Any, tmp_path: Path) -> None:
    await _ingest(services, tmp_path)
    reply = await run_line(services, INV, "/quotes Brandvik")
    assert not reply.error and reply.title.startswith("Quotes by Ottilie Brandvik")
    assert len(reply.items) == 1 and "reported by 3 outlets" in reply.items[0].body
    # The article that said only "her spokesman" shows the engineer as well.
    summary = await run_line(services, INV, "/summary Kelmsford bridge shuts for cable work")
    assert [q["speaker"] for q in summary.data["quotes"]] == ["Ottilie Brandvik"]


async def test_an_even_split_is_shown_as_disputed(services: Any, tmp_path: Path) -> None:
    bodies = {
        "one.md": ("Vellmoor depot flooded", "https://vellmoor-post.example/depot",
                   "The Vellmoor tram depot flooded overnight after the Orle burst its banks near Kettle Lane.\n\n"
                   "\u201cEvery tram will be back on the rails by the end of the month,\u201d said Jonas Elder.\n\n"
                   "Crews pumped water from the Kettle Lane sheds until dawn."),
        "two.md": ("Trams stranded in Vellmoor", "https://orle-valley-news.example/trams",
                   "Floodwater from the Orle reached the Vellmoor tram depot on Kettle Lane late on Sunday.\n\n"
                   "\u201cEvery tram will be back on the rails by the end of the month,\u201d said Petra Lind.\n\n"
                   "Commuters were offered buses along the old Kettle Lane route."),
    }
    for name, (title, url, text) in bodies.items():
        path = tmp_path / name
        path.write_text(f"---\ntitle: {title}\nurl: {url}\n---\n{text}\n", encoding="utf-8")
        assert (await services.ingestor.ingest_path(path, workspace="local")).status == "added"
    reply = await run_line(services, INV, "/who-said back on the rails")
    [item] = reply.items
    assert "disputed" in item.body and "Jonas Elder (1)" in item.body and "Petra Lind (1)" in item.body
    assert reply.data["quotes"][0]["speaker"] is None and reply.data["quotes"][0]["speaker_status"] == "split"
