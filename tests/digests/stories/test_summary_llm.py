"""The optional LLM story summary against a loopback stand-in: citations, the quote check, the extractive fallback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from digests.nlp.llm import LLMSummarizer
from digests.stories import ArticleText, summarize_story, summarize_story_llm

STORY = [
    ArticleText("a", "Quay shut", 'The harbour board shut the north quay on Tuesday. "The breakwater is cracked in three '
                'places," harbour master Odile Brennan said.', "https://gazette.example/q"),
    ArticleText("b", "Storm closes quay", "A storm cracked the Ferrow breakwater and the north quay was closed on "
                "Tuesday. Ferries will use the south quay.", "https://courier.example/q"),
]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def endpoint() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    """Yield a function that starts a loopback chat endpoint with one handler and returns its base URL."""
    runners: list[web.AppRunner] = []

    async def start(handler: Handler) -> str:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        return f"http://127.0.0.1:{runner.addresses[0][1]}/v1"

    yield start
    for runner in runners:
        await runner.cleanup()


def _reply(content: str, seen: list[dict[str, Any]] | None = None, status: int = 200) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        if seen is not None:
            seen.append(body)
        if status != 200:
            return web.Response(status=status)
        return web.json_response({"choices": [{"message": {"role": "assistant", "content": content}}]})

    return handler


async def test_each_model_sentence_cites_its_articles_and_the_prompt_numbers_them(endpoint: Any) -> None:
    seen: list[dict[str, Any]] = []
    content = ("A storm cracked the Ferrow breakwater and the north quay closed on Tuesday. [1][2]\n"
               "Ferries now use the south quay. [2]")
    llm = LLMSummarizer(await endpoint(_reply(content, seen)), "tiny-model")
    summary = await summarize_story_llm(STORY, llm)
    assert [s.text for s in summary.sentences] == [
        "A storm cracked the Ferrow breakwater and the north quay closed on Tuesday.", "Ferries now use the south quay."]
    assert summary.sentences[0].article_id == "a" and summary.sentences[0].also == ("b",)
    assert summary.sentences[1].article_id == "b" and summary.sentences[1].outlet == "courier.example"
    prompt = seen[0]["messages"][-1]["content"]
    assert "[1] gazette.example: Quay shut" in prompt and "[2] courier.example" in prompt
    assert "[1][3]" in seen[0]["messages"][0]["content"]


async def test_an_invented_quotation_is_removed_and_a_verbatim_one_kept(endpoint: Any) -> None:
    content = ('Harbour master Odile Brennan said "the breakwater is cracked in three places". [1]\n'
               'The board called the storm "the worst in living memory" and closed the quay. [1]')
    llm = LLMSummarizer(await endpoint(_reply(content)), "m")
    texts = [s.text for s in (await summarize_story_llm(STORY, llm)).sentences]
    assert texts[0] == 'Harbour master Odile Brennan said "the breakwater is cracked in three places".'
    assert all("worst in living memory" not in t for t in texts)


async def test_any_failure_gives_the_extractive_summary(endpoint: Any) -> None:
    llm = LLMSummarizer(await endpoint(_reply("", status=500)), "m")
    assert await summarize_story_llm(STORY, llm) == summarize_story(STORY)
    only_invented = LLMSummarizer(await endpoint(_reply('"We will rebuild it all," he said. [1]')), "m")
    assert await summarize_story_llm(STORY, only_invented) == summarize_story(STORY)


async def test_an_update_with_nothing_new_makes_no_call(endpoint: Any) -> None:
    seen: list[dict[str, Any]] = []
    llm = LLMSummarizer(await endpoint(_reply("Anything. [1]", seen)), "m")
    summary = await summarize_story_llm(STORY, llm, seen_before={"a", "b"})
    assert summary.update and summary.sentences == () and seen == []
