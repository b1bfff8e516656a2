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
