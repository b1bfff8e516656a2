"""Run saved web pages through the ingest extraction path over JSONL (`newsbot extract pages`).

Input lines are {"id", "html", "url"?}; output lines are {"id", "title", "text", "published"} with published
YYYY-MM-DD or null, plus "error" when the page was refused (what `newsbot ingest page.html` would report).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any

from digests.ingest._documents import DocumentError, document_from_text


def page_record(record: dict[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
    """Return the output line for one input page, extracted exactly as an ingested HTML page is."""
    rid = record.get("id")
    html = record.get("html")
    url = record.get("url") if isinstance(record.get("url"), str) else None
    if not isinstance(html, str):
        return {"id": rid, "title": "", "text": "", "published": None, "error": "no \"html\" string in the line"}
    try:
        doc = document_from_text(html, is_html=True, url=url, now=now)
    except DocumentError as exc:
        return {"id": rid, "title": "", "text": "", "published": None, "error": str(exc)}
    return {"id": rid, "title": doc.title, "text": doc.text,
            "published": doc.published.date().isoformat() if doc.published else None}


def iter_pages(stream: IO[str]) -> Iterator[dict[str, Any]]:
    """Yield one JSON object per non-empty line, with the line number in any error."""
    for n, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {n}: not valid JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise ValueError(f"line {n}: expected a JSON object")
        yield obj


def run_pages(records: Iterable[dict[str, Any]], out: IO[str], *, now: datetime | None = None) -> int:
    """Write one output line per page, in order, and return how many were written."""
    count = 0
    for record in records:
        out.write(json.dumps(page_record(record, now=now), ensure_ascii=False) + "\n")
        count += 1
    return count


def run_pages_path(jsonl: str, out: str | None) -> int:
    """Extract every page of the JSONL file ``jsonl`` into ``out`` (stdout when None)."""
    with open(jsonl, encoding="utf-8") as fin:
        if out is None:
            return run_pages(iter_pages(fin), sys.stdout)
        with open(out, "w", encoding="utf-8") as fout:
            return run_pages(iter_pages(fin), fout)
