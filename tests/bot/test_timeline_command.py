"""/timeline end to end through the command layer: stored articles in, one reply drawn on every front end."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.commands import Invocation, run_line
from bot.console import render_text
from bot.discord.render import reply_to_embeds
from bot.slack.render import reply_to_blocks
from tests.e2e.discord_standin import check_message
from tests.e2e.slack_standin import block_problems

REPORTS = [
    ("Velden pier reopens", "The Velden pier reopened to walkers on Saturday after months of repairs.\n\n"
     "\"We lost half our visitors in January,\" said the owner of the pier café.\n\n"
     "The Velden pier is open to walkers until 9 p.m. on weekdays.\n\n"
     "Visitors in the first week of May outnumbered those of the whole of November."),
    ("Walkers back on Velden pier", "Walkers returned to the Velden pier, which reopened on Saturday after repairs."),
    ("Repairs done", "After the repairs, the Velden pier reopened on Saturday to crowds of walkers."),
]


async def _ingest(services: Any, tmp_path: Path) -> None:
    for i, (title, body) in enumerate(REPORTS):
        path = tmp_path / f"report{i}.md"
        path.write_text(f"# {title}\n\n{body}\n", encoding="utf-8")
        out = await services.ingestor.ingest_path(path, workspace="local",
                                                  published=datetime(2032, 5, 10, 9, tzinfo=UTC))
        assert out.status == "added", out


async def test_one_reopening_from_three_articles_and_no_false_events(services: Any, tmp_path: Path) -> None:
    """Issue 27: one entry with three sources. Issue 28: the quote's January, the café's hours and the
    November of a comparison are not events."""
    await _ingest(services, tmp_path)
    reply = await run_line(services, Invocation("local", "c", "u"), "/timeline Velden pier")
    events = reply.data["events"]
    assert [(e["date"], len(e["sources"])) for e in events] == [("2032-05-08", 3)], json.dumps(events, indent=1)
    text = render_text(reply)
    assert "3 source(s)" in text and "January" not in text and "9 p.m." not in text and "November" not in text
    for page in range(reply.pages):
        assert check_message({"embeds": [e.to_dict() for e in reply_to_embeds(reply, page)]}) == []
        assert block_problems(reply_to_blocks(reply, page, command_line="/timeline Velden pier")) == []


async def test_importance_order_and_the_picture(services: Any, tmp_path: Path) -> None:
    await _ingest(services, tmp_path)
    extra = tmp_path / "history.md"
    extra.write_text("# Pier history\n\nThe Velden pier was built in 1904 and first repaired in 1950.\n",
                     encoding="utf-8")
    await services.ingestor.ingest_path(extra, workspace="local", published=datetime(2032, 5, 11, tzinfo=UTC))
    inv = Invocation("local", "c", "u")
    by_date = await run_line(services, inv, "/timeline Velden pier")
    by_weight = await run_line(services, inv, "/timeline Velden pier order:importance image:true")
    assert [e["date"] for e in by_date.data["events"]] == ["1904", "1950", "2032-05-08"]
    assert by_weight.data["events"][0]["date"] == "2032-05-08"
    assert "most reported dates first" in by_weight.text
    assert by_weight.image is not None and by_weight.image.startswith(b"\x89PNG")
