"""``newsbot extract stories``: the store's own story assignment over a throw-away in-memory store."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any

CHUNK = 16  # articles analysed and stored together (the store's write chunk)


def _record_article(record: dict[str, Any]) -> Any:
    """Return the NewArticle a JSONL record stands for, or None when it has neither text nor title."""
    from digests.ingest import first_sentence, parse_date
    from digests.store import NewArticle

    text = str(record.get("text") or "").strip()
    title = " ".join(str(record.get("title") or "").split())
    if not text and not title:
        return None
    if not text:
        text = title
    if not title:
        title = first_sentence(text)
    published = parse_date(record["published"]) if isinstance(record.get("published"), str) else None
    url = record.get("url") if isinstance(record.get("url"), str) and record.get("url") else None
    return NewArticle(title=title, text=text, url=url, published=published)


async def assign_records(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Store each record in arrival order in a fresh in-memory store; return ``{"id", "story"}`` per record."""
    return (await extract_records(records))[0]


async def extract_records(records: Iterable[dict[str, Any]], *, quotes: bool = False,
                          ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Store each record in arrival order in a fresh in-memory store; return the story lines and (``quotes``)
    one ``{"quote","speaker","ids","variants"}`` line per quote merged across the records."""
    from digests.ingest import analyze_and_prepare
    from digests.store import Store
    from digests.store._batch import BatchItem

    store = await Store.open(":memory:")
    try:
        records = list(records)
        arts = [_record_article(r) for r in records]
        now = datetime.now(UTC)
        stored: list[int | None] = [None] * len(records)
        todo = [i for i, a in enumerate(arts) if a is not None]
        for start in range(0, len(todo), CHUNK):
            part = todo[start:start + CHUNK]
            prepared = await asyncio.to_thread(analyze_and_prepare, [arts[i] for i in part])
            items = [BatchItem(arts[i], analysis, ("local",), "upload", now, prep)
                     for i, (analysis, prep) in zip(part, prepared, strict=True)]
            for i, res in zip(part, await store.add_articles(items), strict=True):
                stored[i] = res.article_id
        story_of = await store.stories_for_articles(a for a in stored if a is not None)
        out = []
        for n, (record, aid) in enumerate(zip(records, stored, strict=True)):
            # A record that could not be stored (no text, no title) is a story of its own.
            story = story_of.get(aid) if aid is not None else None
            out.append({"id": record.get("id"), "story": story if story is not None else f"alone-{n}"})
        merged: list[dict[str, Any]] = []
        if quotes:
            from digests.stories._quote_queries import quote_lines

            # A record stored as a duplicate of another is listed with it: the same article carried the words.
            doc_ids: dict[int, list[str]] = {}
            for record, aid in zip(records, stored, strict=True):
                if aid is not None:
                    doc_ids.setdefault(aid, []).append(str(record.get("id")))
            merged = await quote_lines(store, "local", doc_ids)
        return out, merged
    finally:
        await store.close()


def run_stories(records: Iterable[dict[str, Any]], out: IO[str], quotes_out: IO[str] | None = None) -> int:
    """Write one ``{"id", "story"}`` line per record, in order (and the merged quotes); return how many."""
    lines, merged = asyncio.run(extract_records(records, quotes=quotes_out is not None))
    for line in lines:
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
    if quotes_out is not None:
        for q in merged:
            quotes_out.write(json.dumps(q, ensure_ascii=False) + "\n")
    return len(lines)


def run_stories_path(jsonl: str, out: str | None, quotes_out: str | None = None) -> int:
    """Run story assignment over the JSONL file ``jsonl``, writing to ``out`` (stdout when None) and the quotes
    merged across the records to ``quotes_out``."""
    import contextlib
    import sys

    from digests.nlp.extract import iter_jsonl

    with open(jsonl, encoding="utf-8") as fin:
        records = list(iter_jsonl(fin))
    with contextlib.ExitStack() as stack:
        fout = stack.enter_context(open(out, "w", encoding="utf-8")) if out else sys.stdout
        qout = stack.enter_context(open(quotes_out, "w", encoding="utf-8")) if quotes_out else None
        return run_stories(records, fout, qout)
