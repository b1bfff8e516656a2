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


async def _reply(services: Any) -> Any:
    await load_samples(services)
    await services.ingestor.ingest_path(shared_eval("seed", "article.txt"), workspace="local",
                                        published=datetime(2021, 8, 15, tzinfo=UTC))
    now = datetime.now(UTC) + timedelta(seconds=1)
    return digest_reply(await build_digest(services.store, "local", now - timedelta(hours=1), now))


async def test_digest_embeds_fit_discord_limits(services: Any) -> None:
    reply = await _reply(services)
    assert len(reply.items) >= 8
    for page in range(reply.pages):
        embeds = [e.to_dict() for e in reply_to_embeds(reply, page)]
        assert 1 <= len(embeds) <= 10
        total = 0
        for e in embeds:
            assert len(e.get("title", "")) <= 256
            assert len(e.get("description", "")) <= 4096
            assert len(e.get("fields", [])) <= 25
            for f in e.get("fields", []):
                assert len(f["name"]) <= 256 and len(f["value"]) <= 1024
            assert len(e.get("footer", {}).get("text", "")) <= 2048
            total += (len(e.get("title", "")) + len(e.get("description", "")) + len(e.get("footer", {}).get("text", ""))
                      + sum(len(f["name"]) + len(f["value"]) for f in e.get("fields", [])))
        assert total <= 6000


async def test_digest_blocks_fit_slack_limits(services: Any) -> None:
    reply = await _reply(services)
    for page in range(reply.pages):
        blocks = reply_to_blocks(reply, page, command_line="/digest")
        assert len(blocks) <= 50
        for block in blocks:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= 3000
            if block["type"] == "header":
                assert len(block["text"]["text"]) <= 150
        assert len(json.dumps(blocks)) < 40_000
