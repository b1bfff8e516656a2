"""Stories with several writers: three stores (each its own connections and assigner, as three processes have)
ingesting one event's articles at the same moment on one PostgreSQL database, and a process killed between
storing an article and giving it its story."""

from __future__ import annotations

import asyncio
import sys
import textwrap
from datetime import UTC, datetime

import pytest

from digests.store import NewArticle, Store
from tests.conftest import ROOT
from tests.helpers import pg
from tests.helpers.stories import FIRE_A, FIRE_B, FLOOD, STRIKE, event_articles

pytestmark = pytest.mark.timeout(180)
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _corpus() -> tuple[list[NewArticle], list[str]]:
    arts, events = [], []
    for event, n in ((FIRE_A, 4), (FIRE_B, 4), (FLOOD, 3), (STRIKE, 3)):
        arts += event_articles(event, n)
        events += [event.key] * n
    return arts, events


def _partition(stories: dict[int, int], ids: list[int]) -> set[frozenset[int]]:
    """Return the grouping as sets of positions in the corpus (story ids differ between databases)."""
    groups: dict[int, set[int]] = {}
    for pos, aid in enumerate(ids):
        groups.setdefault(stories[aid], set()).add(pos)
    return {frozenset(g) for g in groups.values()}


async def _one_writer(url: str, arts: list[NewArticle]) -> set[frozenset[int]]:
    s = await Store.open(url)
    try:
        ids = [(await s.add_article(a, None, workspace="local", via="feed", now=NOW)).article_id for a in arts]
        return _partition(await s.stories_for_articles(ids), ids)
    finally:
        await s.close()


async def test_three_writers_at_once_give_the_stories_one_writer_gives(pg_url: str) -> None:
    arts, events = _corpus()
    want = {frozenset(i for i, e in enumerate(events) if e == key) for key in dict.fromkeys(events)}
    assert await _one_writer(pg_url, arts) == want
    pg.reset_database(pg_url)
    stores = [await Store.open(pg_url) for _ in range(3)]
    try:
        ids: list[int] = [0] * len(arts)
        start = asyncio.Event()

        async def writer(k: int) -> None:
            await start.wait()
            # Writer k takes every third article: each event's articles arrive in all three at the same time.
            for pos in range(k, len(arts), 3):
                res = await stores[k].add_article(arts[pos], None, workspace=f"discord:{k}", via="feed", now=NOW)
                ids[pos] = res.article_id

        tasks = [asyncio.create_task(writer(k)) for k in range(3)]
        start.set()
        await asyncio.gather(*tasks)
        got = _partition(await stores[0].stories_for_articles(ids), ids)
        assert got == want
        assert await stores[1].count_stories() == len(want)
        assert await stores[2].unassigned_articles() == 0
    finally:
        for s in stores:
            await s.close()


_KILLED = textwrap.dedent("""
    import asyncio, os, sys
    from datetime import UTC, datetime
    from digests.store import Store
    from tests.helpers.stories import FLOOD, event_articles

    async def main():
        store = await Store.open(sys.argv[1])
        async def die(*args, **kwargs):
            os._exit(9)  # killed after the article is stored, before its story is written
        store.stories_keeper.assign = die
        await store.add_article(event_articles(FLOOD, 3)[2], None, workspace="local", via="feed",
                                now=datetime(2026, 3, 2, 9, tzinfo=UTC))

    asyncio.run(main())
""")


async def test_an_article_whose_process_was_killed_before_its_story_gets_one_at_the_next_start(
        store_url: str) -> None:
    s = await Store.open(store_url)
    try:
        first = [(await s.add_article(a, None, workspace="local", via="feed", now=NOW)).article_id
                 for a in event_articles(FLOOD, 2)]
    finally:
        await s.close()
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", _KILLED, store_url, cwd=ROOT,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 9, err.decode()[-2000:]
    s = await Store.open(store_url)
    try:
        assert await s.count_articles() == 3 and await s.unassigned_articles() == 1
        assert await s.sweep_stories() == 1
        assert await s.unassigned_articles() == 0
        stories = await s.stories_for_articles(range(1, 10**6))
        assert len(set(stories.values())) == 1 and first[0] in stories
    finally:
        await s.close()
