"""Services wiring: the optional LLM summarizer is used when configured and its invented quotes are dropped."""

from __future__ import annotations

import gc
import json
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from aiohttp import web

from bot.config import Settings
from bot.services import ANALYSIS_NICE, Services, settle_heap
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


async def test_worker_processes_are_started_and_warm_before_the_first_ingest(settings: Settings) -> None:
    settings.workers = 2
    svc = await Services.create(settings)  # a one-shot command: no worker until there is work
    try:
        assert isinstance(svc.owned_executor, ProcessPoolExecutor)
        assert not svc.owned_executor._processes  # noqa: SLF001
    finally:
        await svc.close()
    svc = await Services.create(settings, warm=True)  # the bot
    try:
        pool = svc.owned_executor
        assert isinstance(pool, ProcessPoolExecutor)
        # Both workers exist already, each niced, and have run an analysis (its code and models are loaded).
        pids = set(pool._processes)  # noqa: SLF001 - the pool's own record of its worker processes
        assert len(pids) == 2
        assert all(os.getpriority(os.PRIO_PROCESS, pid) >= ANALYSIS_NICE for pid in pids)
    finally:
        await svc.close()


def test_settle_heap_keeps_start_up_objects_out_of_later_collections() -> None:
    loaded = [{"model": i} for i in range(1000)]
    try:
        settle_heap()
        assert gc.get_freeze_count() >= len(loaded)
    finally:
        gc.unfreeze()
