"""Story-timeline speed: the timeline of a 50-article story, read from the store as `/timeline` reads it.

    .venv/bin/python -m bench.story_timeline [--articles 50] [--repeat 200] [--db sqlite:///]

Stores ``--articles`` synthetic articles about one topic (the corpus's deterministic generator; analysis and
storage are not timed), then times, ``--repeat`` times each: the whole path (the articles' texts and events
read in two store calls, the timeline built) without a subject, as a story's timeline is asked for by id, and
with a subject (the topic's noun, as `/timeline <topic>` asks); and the engine alone on articles whose events
must first be extracted from their texts. Prints p50/p95/max in milliseconds per case and the command to
reproduce, and the mean CPU time a call takes (a figure a busy machine disturbs less). Target (issue 27): p95 <= 200 ms for the whole path on a quiet 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench.corpus import Corpus
from digests.nlp.pipeline import analyze
from digests.queries import timeline_articles
from digests.store import NewArticle, Store
from digests.stories import TimelineArticle, story_timeline

TARGET_P95_MS = 200.0


def _quantiles(ms: list[float]) -> tuple[float, float, float]:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95, ordered[-1]


async def _time(repeat: int, fn: Callable[[], Awaitable[Any]]) -> tuple[float, float, float, float]:
    """Return wall-clock p50, p95 and max, and the mean CPU time of this process, in ms per call."""
    ms = []
    cpu0 = time.process_time()
    for _ in range(repeat):
        t0 = time.perf_counter()
        await fn()
        ms.append((time.perf_counter() - t0) * 1000)
    cpu = (time.process_time() - cpu0) * 1000 / max(1, repeat)
    return (*_quantiles(ms), cpu)


async def measure(n: int, repeat: int, db: str) -> dict[str, tuple[float, float, float, float]]:
    """Return (p50, p95, max, mean CPU) in ms for each timed case over a story of ``n`` articles."""
    corpus = Corpus(max(n * 20, 1000))
    topic_noun = corpus.article(0).title.split()[-1]
    story = [a for a in (corpus.article(i) for i in range(n * 40)) if topic_noun in a.title][:n]
    i = n * 40
    while len(story) < n:  # rare topics: fill with the next articles of any topic
        story.append(corpus.article(i))
        i += 1
    store = await Store.open(db)
    try:
        ids = []
        for a in story:
            res = await store.add_article(NewArticle(a.title, a.text, url=a.url, published=a.published),
                                          analyze(a.text, a.title, a.published.date()), workspace="local",
                                          via="upload")
            assert res.article_id is not None
            ids.append(res.article_id)

        async def whole(about: str | None) -> None:
            arts = await store.articles_by_id("local", ids)
            rows = await store.events_for_articles("local", ids)
            story_timeline(timeline_articles(arts, rows), about)

        raw = [TimelineArticle(k, a.title, a.text, a.published.date()) for k, a in enumerate(story)]

        async def engine_from_text() -> None:
            story_timeline(raw, topic_noun)

        return {
            f"story of {n} (store reads + build, no subject)": await _time(repeat, lambda: whole(None)),
            f"story of {n} (store reads + build, about {topic_noun!r})": await _time(repeat, lambda: whole(topic_noun)),
            f"story of {n} (engine, events extracted from text)": await _time(max(1, repeat // 10), engine_from_text),
        }
    finally:
        await store.close()


def main(argv: list[str] | None = None) -> int:
    """Print story-timeline timings."""
    ap = argparse.ArgumentParser(prog="python -m bench.story_timeline")
    ap.add_argument("--articles", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=200)
    ap.add_argument("--db", default="sqlite:///", help="store URL (default: a throw-away in-memory SQLite)")
    args = ap.parse_args(argv)
    results = asyncio.run(measure(args.articles, args.repeat, args.db))
    for name, (p50, p95, worst, cpu) in results.items():
        print(f"bench.story_timeline {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {worst:.1f} ms, "
              f"CPU {cpu:.1f} ms a call")
    print(f"target: p95 <= {TARGET_P95_MS:.0f} ms for the store path on a quiet 2-core machine")
    print(f"reproduce: {sys.executable} -m bench.story_timeline --articles {args.articles} --repeat {args.repeat}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
