"""Commands never wait behind a running ingest batch longer than one batch's write (both store backends)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.corpus import Corpus
from bot.commands import Invocation, load, run_line
from bot.config import Settings
from bot.services import Services
from digests.nlp.pipeline import analyze
from digests.store import NewArticle
from digests.store._batch import BatchItem, prepare


def _items(corpus: Corpus, start: int, stop: int, source_id: int) -> list[BatchItem]:
    out = []
    for art in corpus.articles(start, stop):
        new = NewArticle(title=art.title, text=art.text, url=art.url, guid=art.guid, published=art.published,
                         source_id=source_id)
        out.append(BatchItem(new, analyze(art.text, art.title, art.published.date()), art.workspaces, "feed",
                             art.fetched, prepare(new)))
    return out


async def test_a_command_waits_less_than_one_batch_write(store_url: str, tmp_path: Path) -> None:
    load()
    settings = Settings(_env_file=None, db_path=tmp_path / "x.db", database_url=store_url,  # type: ignore[call-arg]
                        workers=0, load_samples=False, write_chunk=8)
    svc = await Services.create(settings)
    try:
        corpus = Corpus(400, seed=5)
        src = await svc.store.source("feed", "https://example.org/feed", "Example")
        first, batch = _items(corpus, 0, 64, src.id), _items(corpus, 64, 192, src.id)
        t0 = time.perf_counter()
        await svc.store.add_articles(first)
        one_batch = time.perf_counter() - t0  # one batch's write with nothing else waiting (64 articles)
        art = corpus.article(3)
        phrase = " ".join(art.quotes[0].quote.strip("“”\"").split()[:3])
        inv = Invocation(workspace=art.workspaces[0], channel="news", user="u", now=datetime.now(UTC))

        running = asyncio.create_task(svc.store.add_articles(batch))  # twice as long as ``first``
        for _ in range(5000):  # until the batch holds the writer (its first chunk is being written)
            if svc.store._write.locked():  # type: ignore[attr-defined]
                break
            await asyncio.sleep(0.001)
        t0 = time.perf_counter()
        reply = await run_line(svc, inv, f"/who-said {phrase}")
        read_wait = time.perf_counter() - t0
        read_done_first = not running.done()
        t0 = time.perf_counter()
        await svc.store.save_page_state("quotes", "x", workspace="w", channel="c", user="u", is_admin=False,
                                        created_at=datetime.now(UTC))
        write_wait = time.perf_counter() - t0
        write_done_first = not running.done()
        results = await running
    finally:
        await svc.close()
    assert not reply.error
    assert len(results) == len(batch) and {r.status for r in results} <= {"added", "duplicate", "near-duplicate"}
    # Reads use the pool and a command's write goes in between two chunks: neither waits for the whole batch.
    assert read_done_first and write_done_first
    assert read_wait < one_batch, (read_wait, one_batch)
    assert write_wait < one_batch, (write_wait, one_batch)
