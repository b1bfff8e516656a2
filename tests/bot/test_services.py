"""Services wiring: the optional LLM summarizer is used when configured and its invented quotes are dropped."""

from __future__ import annotations

import json
from pathlib import Path

from aiohttp import web

from bot.config import Settings
from bot.services import Services
from tests.helpers.http import LocalServer

ARTICLE = """Ferry service resumes

The island ferry resumed its winter timetable on Monday after a week of storms kept boats in harbour.
"We are running every crossing again, with two extra sailings on Friday," said operations manager Noor Hadley.
The operator said tickets bought for cancelled crossings will be refunded in full.
"""


async def test_llm_summary_is_stored_and_keeps_only_verbatim_quotes(tmp_path: Path, settings: Settings,
                                                                   http_server: LocalServer) -> None:
    calls: list[dict[str, object]] = []

    async def chat(request: web.Request) -> web.StreamResponse:
        calls.append(await request.json())
        content = ('The island ferry is back on its winter timetable after storms. '
                   'Noor Hadley said "every boat is brand new".')
        return web.json_response({"choices": [{"message": {"role": "assistant", "content": content}}]})

    http_server.route("/v1/chat/completions", chat)
    settings.summary_llm_base_url = http_server.url("/v1")
    settings.summary_llm_model = "test-model"
    svc = await Services.create(settings)
    try:
        path = tmp_path / "ferry.txt"
        path.write_text(ARTICLE)
        out = await svc.ingestor.ingest_path(path, workspace="local")
        art = await svc.store.article("local", out.article_id)
    finally:
        await svc.close()
    assert calls and json.dumps(calls[0]).count("test-model") == 1
    assert art is not None and "winter timetable after storms" in art.summary
    assert "brand new" not in art.summary
