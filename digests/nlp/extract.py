"""Run one extraction task over a JSONL file, as `newsbot extract` does (the evaluation contract)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date
from typing import IO, Any

TASKS = ("quotes", "timexes", "summary")


def _parse_published(value: Any) -> date | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def extract_record(task: str, record: dict[str, Any], sentences: int = 3) -> dict[str, Any]:
    """Return the output line for one input record of a task."""
    text = record.get("text") or ""
    rid = record.get("id")
    if task == "quotes":
        from digests.nlp.quotes import extract_quotes

        quotes = extract_quotes(text)
        return {
            "id": rid,
            "quotes": [
                {k: v for k, v in {"quote": q.quote, "start": q.start, "end": q.end, "speaker": q.speaker,
                                   "role": q.role, "cue": q.cue}.items() if v is not None or k == "speaker"}
                for q in quotes
            ],
        }
    if task == "timexes":
        from digests.nlp.timex import extract_timexes

        timexes = extract_timexes(text, _parse_published(record.get("published")))
        return {
            "id": rid,
            "timexes": [
                {"text": t.text, "start": t.start, "end": t.end, "type": t.type, "value": t.value} for t in timexes
            ],
        }
    if task == "summary":
        from digests.nlp.summarize import summarize

        parts = summarize(text, title=record.get("title") or "", max_sentences=sentences)
        return {"id": rid, "summary": "\n".join(parts)}
    raise ValueError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}")


def iter_jsonl(stream: IO[str]) -> Iterator[dict[str, Any]]:
    """Yield one JSON object per non-empty line, with a line number in any error."""
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


def run(task: str, records: Iterable[dict[str, Any]], out: IO[str], sentences: int = 3) -> int:
    """Write one output line per record, in order, and return how many were written."""
    count = 0
    for record in records:
        out.write(json.dumps(extract_record(task, record, sentences), ensure_ascii=False) + "\n")
        count += 1
    return count


def run_path(task: str, jsonl: str, out: str | None, sentences: int = 3) -> int:
    """Run a task over the JSONL file ``jsonl``, writing to ``out`` (stdout when None)."""
    import sys

    with open(jsonl, encoding="utf-8") as fin:
        if out is None:
            return run(task, iter_jsonl(fin), sys.stdout, sentences)
        with open(out, "w", encoding="utf-8") as fout:
            return run(task, iter_jsonl(fin), fout, sentences)
