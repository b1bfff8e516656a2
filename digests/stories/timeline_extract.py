"""`newsbot extract timelines`: documents stored in order, then what `/timeline` answers for each request.

DOCS lines ``{"id","title"?,"text","published"?,"url"?}`` go into a throw-away in-memory store through the same
analysis and store calls as an ingest; each Q line ``{"entity"}`` is answered by the query behind `/timeline`
and written as ``{"entity","events":[{"date","doc","sentence","sources"}]}`` in the order `/timeline` shows,
``date`` being YYYY-MM-DD, YYYY-MM, YYYY or null and ``doc``/``sources`` the input ids.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import IO, Any

from digests.nlp.extract import iter_jsonl
from digests.nlp.pipeline import analyze
from digests.queries import timeline
from digests.store import NewArticle, Store

WORKSPACE = "local"


def _published(value: Any, line: int) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(f"docs line {line}: \"published\" must be a date like 2021-08-15")
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        raise ValueError(f"docs line {line}: \"published\" must be a date like 2021-08-15, not {value!r}") from None
    return datetime.combine(day, time(0), tzinfo=UTC)


async def _store_docs(store: Store, docs: Iterable[dict[str, Any]]) -> dict[int, str]:
    """Store each document in order; return the input id of every stored article."""
    ids: dict[int, str] = {}
    for n, doc in enumerate(docs, 1):
        text = doc.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"docs line {n}: no \"text\"")
        doc_id = str(doc.get("id", n))
        title = str(doc.get("title") or "")
        published = _published(doc.get("published"), n)
        url = doc.get("url") if isinstance(doc.get("url"), str) else None
        analysis = await asyncio.to_thread(analyze, text, title, published.date() if published else None)
        result = await store.add_article(NewArticle(title, text, url=url, published=published), analysis,
                                         workspace=WORKSPACE, via="upload")
        if result.article_id is not None:
            ids.setdefault(result.article_id, doc_id)  # a duplicate keeps the id of the first copy
    return ids


async def run_timelines(docs: Iterable[dict[str, Any]], queries: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """Store ``docs``, answer every query as `/timeline` does, write one line each; return how many."""
    store = await Store.open("sqlite:///")
    try:
        ids = await _store_docs(store, docs)
        count = 0
        for n, q in enumerate(queries, 1):
            entity = q.get("entity")
            if not isinstance(entity, str) or not entity.strip():
                raise ValueError(f"queries line {n}: no \"entity\"")
            entries = await timeline(store, WORKSPACE, entity)
            events = [{"date": e.date, "doc": ids.get(e.article_id, str(e.article_id)), "sentence": e.sentence,
                       "sources": [ids.get(int(str(s["article_id"])), str(s["article_id"])) for s in e.sources]}
                      for e in entries]
            out.write(json.dumps({"entity": entity, "events": events}, ensure_ascii=False) + "\n")
            count += 1
        return count
    finally:
        await store.close()


def run_timelines_path(docs: str, queries: str, out: str | None) -> int:
    """Run the timelines contract over the files ``docs`` and ``queries``, writing to ``out`` (stdout if None)."""
    import sys

    with open(docs, encoding="utf-8") as fd:
        doc_rows = list(iter_jsonl(fd))
    with open(queries, encoding="utf-8") as fq:
        query_rows = list(iter_jsonl(fq))
    if out is None:
        return asyncio.run(run_timelines(doc_rows, query_rows, sys.stdout))
    with open(out, "w", encoding="utf-8") as fout:
        return asyncio.run(run_timelines(doc_rows, query_rows, fout))
