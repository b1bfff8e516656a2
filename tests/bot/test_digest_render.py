"""A digest of the samples plus the seed, rendered for Discord and Slack, stays within every platform limit."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.app import load_samples
from bot.discord.render import reply_to_embeds
from bot.handlers import digest_reply
from bot.slack.render import reply_to_blocks
from digests.digest import build_digest
from tests.conftest import shared_eval
from tests.e2e.discord_standin import check_message
from tests.e2e.slack_standin import block_problems, limit


async def _reply(services: Any) -> Any:
    await load_samples(services)
    await services.ingestor.ingest_path(shared_eval("seed", "article.txt"), workspace="local",
                                        published=datetime(2021, 8, 15, tzinfo=UTC))
    now = datetime.now(UTC) + timedelta(seconds=1)
    # Digests go by publication time: the window reaches back to the seed's date (2021) and the samples' (2026).
    return digest_reply(await build_digest(services.store, "local", datetime(2021, 8, 1, tzinfo=UTC), now))


async def test_digest_embeds_fit_discord_limits(services: Any) -> None:
    reply = await _reply(services)
    assert len(reply.items) >= 8 and reply.pages >= 2
    for page in range(reply.pages):
        embeds = [e.to_dict() for e in reply_to_embeds(reply, page)]
        assert len(embeds) == 1 + len(reply.page_items(page))
        assert check_message({"embeds": embeds}) == []


async def test_digest_blocks_fit_slack_limits(services: Any) -> None:
    reply = await _reply(services)
    assert reply.pages >= 2
    for page in range(reply.pages):
        blocks = reply_to_blocks(reply, page, command_line="/digest")
        assert block_problems(blocks) == [] and len(blocks) <= limit("blocks.count")
        assert sum(b["type"] == "section" for b in blocks) >= len(reply.page_items(page))
        assert len(json.dumps(blocks)) < 40_000


def test_an_update_and_its_citations_render_within_every_platform_limit() -> None:
    from digests.models import Citation, Digest, Story

    at = datetime(2031, 3, 4, 8, tzinfo=UTC)
    cited = (Citation("Engineers found a crack in the new ramp of the Orvane berth on Monday.", 7, "gazette.example",
                      "https://gazette.example/ramp"),
             Citation("Commuters go back to the old berth until the repairs end.", 8, "post.example",
                      "https://post.example/berth"))
    story = Story("Orvane berth closed for ramp repairs", " ".join(c.text for c in cited),
                  (("Orvane ramp cracks", "https://post.example/berth"), ("Berth shut", "https://gazette.example/ramp")),
                  (8, 7), at, story_id=3, outlets=("post.example", "gazette.example"), citations=cited, update=True,
                  seen_count=2)
    reply = digest_reply(Digest("local", at - timedelta(days=1), at, (story,)))
    [item] = reply.items
    assert item.title == "Update: Orvane berth closed for ramp repairs"
    assert item.body == f"{cited[0].text} [1] {cited[1].text} [2]"
    assert [f[0] for f in item.fields] == ["[1] gazette.example: Berth shut", "[2] post.example: Orvane ramp cracks"]
    assert item.footer.startswith("2 outlets · update: 2 new articles")
    assert reply.data["stories"][0]["update"] and reply.data["stories"][0]["story_id"] == 3
    assert check_message({"embeds": [e.to_dict() for e in reply_to_embeds(reply, 0)]}) == []
    assert block_problems(reply_to_blocks(reply, 0, command_line="/digest")) == []
