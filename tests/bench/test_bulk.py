"""The bulk-built store (bench.bulk) holds rows an ingest would write: consistent text, quotes, speakers, stories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from bench.bulk import Renamer, build, moved, reset_tail
from bench.corpus import Corpus
from bench.scale import QUERY_KINDS, Query, ingest_range, make_queries, run_query, setup_feeds, tail_start
from bot.commands import Invocation, load, run_line
from bot.config import Settings
from bot.services import Services

N, POOL = 150, 40  # a tail of 120 articles: the pool and two copies of it


def test_exchanged_names_keep_every_quote_offset() -> None:
    corpus = Corpus(1000)
    ren = Renamer(corpus)
    for i in range(20):
        art = corpus.article(i)
        text, starts, deltas = ren.text(art.text, ren.shift(3))
        assert text != art.text
        for q in art.quotes:
            assert text[moved(q.start, starts, deltas):moved(q.end, starts, deltas)] == q.quote
        cast = {q.speaker for q in art.quotes}
        assert not any(name in text for name in cast)  # every speaker stands in for another


async def test_bulk_store_answers_like_an_ingested_one(pg_url: str, tmp_path: Path) -> None:
    fig = await build(N, pg_url, pool_size=POOL, workers=0, log=lambda _: None)
    corpus = Corpus(N)
    tail = tail_start(corpus)
    assert fig["articles"] == tail
    con = await asyncpg.connect(pg_url)
    try:
        # Per pool article and per copy, the same rows (the last copy is cut at the tail).
        per = await con.fetch(
            "SELECT k, count(DISTINCT id), count(*) FILTER (WHERE bad), (SELECT count(*) FROM events e "
            "WHERE (e.article_id - 1) / $1 = k), count(q) FROM (SELECT (a.id - 1) / $1 AS k, a.id, q.id AS q, "
            "substr(a.text, q.start + 1, q.\"end\" - q.start) <> q.quote AS bad "
            "FROM articles a LEFT JOIN quotes q ON q.article_id = a.id) x GROUP BY k ORDER BY k", POOL)
        assert [r[1] for r in per] == [POOL] * (tail // POOL)
        assert len({tuple(r[2:]) for r in per}) == 1 and per[0][4] > POOL
        assert await con.fetchval("SELECT count(*) FROM articles a WHERE NOT EXISTS "
                                  "(SELECT 1 FROM workspace_articles w WHERE w.article_id = a.id)") == 0
        stories = await con.fetchval("SELECT count(DISTINCT story_id) FROM article_stories")
        pool_stories = await con.fetchval("SELECT count(DISTINCT story_id) FROM article_stories "
                                          "WHERE article_id <= $1", POOL)
        assert stories == pool_stories * (tail // POOL)
        # Every workspace's speaker counts are the quotes it can see.
        assert await con.fetchval(
            "SELECT count(*) FROM workspace_speakers s FULL JOIN (SELECT w.workspace, q.speaker_id, count(*) AS n "
            "FROM quotes q JOIN workspace_articles w ON w.article_id = q.article_id WHERE q.speaker_id IS NOT NULL "
            "GROUP BY 1, 2) c ON c.workspace = s.workspace AND c.speaker_id = s.speaker_id "
            "WHERE s.quote_count IS DISTINCT FROM c.n") == 0
    finally:
        await con.close()

    load()
    settings = Settings(_env_file=None, db_path=tmp_path / "x.db", database_url=pg_url,  # type: ignore[call-arg]
                        workers=0, load_samples=False)
    svc = await Services.create(settings)
    try:
        # Every command answers over the copies without an error.
        for q in make_queries(corpus, tail, 3, seed=4):
            _, failed = await run_query(svc, q)
            assert not failed, q
        kinds = {q.kind for q in make_queries(corpus, tail, 1)}
        assert kinds == set(QUERY_KINDS)
        # A copy's quote is found, said by the speaker who stands in for the pool's.
        ren = Renamer(corpus)
        art = corpus.article(POOL + 5)
        pool_art = corpus.article(5)
        quote = pool_art.quotes[0]
        phrase = " ".join(quote.quote.strip("“”\",.").split()[:4])
        inv = Invocation(workspace=pool_art.workspaces[0], channel="news", user="u",
                         now=art.published + timedelta(days=1))
        reply = await run_line(svc, inv, f"/who-said {phrase}")
        stand_in = ren.speakers[ren.other(ren.full[quote.speaker], ren.shift(1))].name
        shown = reply.text + " ".join(str(it) for it in reply.items)
        assert not reply.error and stand_in in shown and quote.speaker in shown
        ac = await run_query(svc, Query("autocomplete", pool_art.workspaces[0], complete=("speaker", stand_in[:3])),
                             now=datetime.now(UTC))
        assert not ac[1]
        # The bench's tail goes in on top of the build, and --reset-tail takes it out again.
        added = await ingest_range(svc, corpus, tail, tail + 4, await setup_feeds(svc, corpus), batch=4, in_flight=1)
        assert added == 4
    finally:
        await svc.close()
    assert await reset_tail(pg_url, log=lambda _: None) == added
    con = await asyncpg.connect(pg_url)
    try:
        assert await con.fetchval("SELECT count(*) FROM articles") == tail
    finally:
        await con.close()
