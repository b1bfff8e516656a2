"""The terminal front end reads commands until stdin closes and prints results."""

from __future__ import annotations

import io
from typing import Any

from bot.app import load_samples, samples_dir
from bot.commands import Item, Reply
from bot.console import Console, render_text


async def test_console_answers_each_line_and_stops_at_end_of_input(services: Any) -> None:
    added = await load_samples(services)
    assert added == len(list(samples_dir().glob("[0-9]*.md")))
    out = io.StringIO()
    await Console(services, stdin=io.StringIO("/search bridge\n\n# a comment\n/nope\n"), stdout=out).run()
    text = out.getvalue()
    assert "Harbor bridge reopens after winter repairs" in text
    assert "unknown command /nope" in text


async def test_samples_load_only_into_an_empty_workspace(services: Any) -> None:
    first = await load_samples(services)
    assert first > 0
    assert await load_samples(services) == 0


def test_render_text_shows_items_links_and_errors() -> None:
    reply = Reply(title="T", text="two", items=(Item("a", "body", url="https://x.test/a", footer="f"),))
    text = render_text(reply)
    assert "1. a" in text and "https://x.test/a" in text and "(f)" in text
    assert render_text(Reply(title="Sorry", text="bad", error=True)).startswith("! Sorry")


async def test_console_shows_a_story_with_its_links_quote_and_events(services: Any, tmp_path: Any) -> None:
    from tests.helpers.tram_story import SAID, add_tram_story

    sid, _, _ = await add_tram_story(services, "local", tmp_path)
    out = io.StringIO()
    await Console(services, stdin=io.StringIO(f"/story #{sid}\n/story #{sid + 1000}\n"), stdout=out).run()
    text = out.getvalue()
    assert text.startswith("Brackmoor tram line opens to passengers") or "\nBrackmoor tram line opens" in text
    assert "https://valleyherald.example/brackmoor-tram-crowds" in text and SAID in text
    assert "2033-03-12" in text and f"No story #{sid + 1000} in your workspace" in text
