"""The LLM summarizer against a loopback stand-in for an OpenAI-compatible endpoint."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from digests.nlp.llm import LLMSummarizer, enforce_verbatim_quotes, summarize_llm
from digests.nlp.summarize import summarize

ARTICLE = (
    "The ferry service between Carrow Point and Little Sedge will resume on Friday after a three-week "
    "repair of its landing ramp. \"The ramp is stronger than it has ever been,\" harbour master Odile "
    "Brennan said. Tickets bought for cancelled crossings will be refunded in full. The operator said a "
    "second boat would join the route in the summer."
)
KEY = "sk-test-not-a-real-key-7731"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def endpoint() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    """Yield a function that starts a loopback server with one handler and returns its base URL."""
    runners: list[web.AppRunner] = []

    async def start(handler: Handler) -> str:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = runner.addresses[0][1]
        return f"http://127.0.0.1:{port}/v1"

    yield start
    for runner in runners:
        await runner.cleanup()


def _reply(content: str, seen: list[dict[str, Any]] | None = None) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        if seen is not None:
            seen.append({"body": body, "auth": request.headers.get("Authorization")})
        return web.json_response({"choices": [{"message": {"role": "assistant", "content": content}}]})

    return handler


async def test_success_returns_model_sentences_and_sends_the_request(endpoint: Any) -> None:
    seen: list[dict[str, Any]] = []
    content = "The Carrow Point ferry resumes on Friday after ramp repairs.\nCancelled tickets will be refunded."
    url = await endpoint(_reply(content, seen))
    out = await summarize_llm(ARTICLE, "Ferry returns", base_url=url, model="tiny-model", api_key=KEY)
    assert out == [
        "The Carrow Point ferry resumes on Friday after ramp repairs.",
        "Cancelled tickets will be refunded.",
    ]
    assert seen[0]["auth"] == f"Bearer {KEY}"
    assert seen[0]["body"]["model"] == "tiny-model"
    assert ARTICLE in seen[0]["body"]["messages"][-1]["content"]


async def test_verbatim_quote_is_kept_and_invented_quote_removed(endpoint: Any) -> None:
    content = (
        'Odile Brennan said "the ramp is stronger than it has ever been" after repairs.\n'
        'The operator called the route "the best crossing in the region" and plans a second boat.\n'
        '"We apologise to every passenger," the operator said.'
    )
    url = await endpoint(_reply(content))
    out = await summarize_llm(ARTICLE, base_url=url, model="m", api_key=KEY)
    assert out[0] == 'Odile Brennan said "the ramp is stronger than it has ever been" after repairs.'
    joined = " ".join(out)
    assert "best crossing" not in joined
    assert "apologise" not in joined
    assert any("second boat" in s for s in out)


async def test_server_error_falls_back_to_extractive_and_hides_the_key(
    endpoint: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async def boom(request: web.Request) -> web.StreamResponse:
        return web.Response(status=500, text="internal error")

    url = await endpoint(boom)
    with caplog.at_level(logging.WARNING, logger="digests.nlp.llm"):
        out = await summarize_llm(ARTICLE, base_url=url, model="m", api_key=KEY)
    assert out == summarize(ARTICLE)
    assert "HTTP 500" in caplog.text
    assert KEY not in caplog.text


async def test_timeout_falls_back_to_extractive(endpoint: Any, caplog: pytest.LogCaptureFixture) -> None:
    release = asyncio.Event()

    async def hang(request: web.Request) -> web.StreamResponse:
        await release.wait()
        return web.json_response({})

    url = await endpoint(hang)
    with caplog.at_level(logging.WARNING, logger="digests.nlp.llm"):
        out = await summarize_llm(ARTICLE, base_url=url, model="m", api_key=KEY, timeout=0.2)
    release.set()
    assert out == summarize(ARTICLE)
    assert "TimeoutError" in caplog.text
    assert KEY not in caplog.text


async def test_malformed_reply_and_refused_connection_fall_back(endpoint: Any) -> None:
    async def odd(request: web.Request) -> web.StreamResponse:
        return web.json_response({"choices": []})

    url = await endpoint(odd)
    assert await summarize_llm(ARTICLE, base_url=url, model="m") == summarize(ARTICLE)
    # Port 9 (discard) on loopback is closed in test environments: the connection is refused.
    assert await summarize_llm(ARTICLE, base_url="http://127.0.0.1:9", model="m", timeout=2) == summarize(ARTICLE)


async def test_class_respects_word_budget_and_repr_hides_key(endpoint: Any) -> None:
    content = "\n".join(f"Sentence number {i} about the ferry route and its ramp repair work." for i in range(6))
    url = await endpoint(_reply(content))
    llm = LLMSummarizer(url, "m", KEY, max_words=25, max_sentences=3)
    out = await llm.summarize(ARTICLE)
    assert 1 <= len(out) <= 3
    assert sum(len(s.split()) for s in out) <= 25
    assert KEY not in repr(llm)


def test_enforce_verbatim_quotes_folds_typography_only() -> None:
    article = "She said “the plan is simple” and left. He said 'no comment'."
    kept = enforce_verbatim_quotes(['The minister said "the plan  is simple" today.'], article)
    assert kept == ['The minister said "the plan  is simple" today.']
    assert enforce_verbatim_quotes(['"Entirely made up words," she said.'], article) == []
