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
