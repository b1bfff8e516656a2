"""Real saved web pages: our extraction path beside plain trafilatura, by the evaluation's own scorer.

    .venv/bin/python -m bench.pages [--jsonl ../shared/eval/pages/dev.jsonl] [--errors N]

Runs every page through `digests.ingest.pages.page_record` (what `newsbot extract pages` and `newsbot ingest
page.html` do) and through plain `trafilatura.extract` with its defaults, prints the scorer's line for both over
the whole set and over each half (split by sha1 of the id: half A was tuned on in issue 17's first pass; the second
pass read half B's errors and checked each change on half A), counts
summaries that open on a byline, caption or unresolved pronoun, and prints pages per second of CPU time.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from bench._scorer import load_scorer
from digests.ingest.pages import page_record
from digests.nlp.sentences import split_sentences
from digests.nlp.summarize import lead_problem, summarize

DEFAULT_GOLD = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "pages" / "dev.jsonl"


def half_of(page_id: str) -> str:
    """Return "A" (tuned on in the first pass) or "B" (errors read in the second), by sha1 of the page id."""
    return "A" if int(hashlib.sha1(page_id.encode("utf-8")).hexdigest(), 16) % 2 == 0 else "B"


def score_line(scorer: ModuleType, gold: list[dict[str, Any]], preds: list[dict[str, Any]], errors: int = 0) -> str:
    """Run the scorer's own main() on ``gold`` and ``preds`` and return its output (last line, or all with errors)."""
    with tempfile.TemporaryDirectory(prefix="newsbot-pages-") as tmp:
        g, p = Path(tmp) / "gold.jsonl", Path(tmp) / "pred.jsonl"
        g.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in gold), encoding="utf-8")
        p.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in preds), encoding="utf-8")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            scorer.main([str(g), str(p), "--errors", str(errors)])
    out = buf.getvalue().rstrip("\n")
    return out if errors else out.rsplit("\n", 1)[-1]


def plain_trafilatura(html: str, url: str | None) -> dict[str, Any]:
    """Return plain trafilatura's default output (title, text, date) for one page, as SOURCE.md's baseline (a)."""
    import trafilatura

    raw = trafilatura.extract(html, output_format="json", with_metadata=True)
    if not raw:
        return {"title": "", "text": "", "published": None}
    d = json.loads(raw)
    return {"title": d.get("title") or "", "text": d.get("text") or "", "published": d.get("date")}


def main(argv: list[str] | None = None) -> int:
    """Score our page extraction and plain trafilatura's on the pages set and print the figures."""
    ap = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.split("\n")[0])
    ap.add_argument("--jsonl", type=Path, default=DEFAULT_GOLD)
    ap.add_argument("--errors", type=int, default=0, help="also list the scorer's N worst pages of ours")
    ap.add_argument("--out", type=Path, help="write our predictions to this JSONL")
    ap.add_argument("--no-plain", action="store_true", help="skip plain trafilatura")
    args = ap.parse_args(argv)
    if not args.jsonl.exists():
        print(f"no evaluation file at {args.jsonl}; nothing to measure", file=sys.stderr)
        return 0
    gold = [json.loads(line) for line in args.jsonl.open(encoding="utf-8") if line.strip()]
    scorer = load_scorer(args.jsonl)
    now = datetime.now(UTC)
    # The first pass pays one-off costs (imports, dateparser's locale tables: seconds, once per process);
    # a running bot is past them, so the speed figure is the second pass over the same pages.
    cold = time.process_time()
    ours = [page_record({"id": g["id"], "html": g["html"], "url": g.get("url")}, now=now) for g in gold]
    cold = time.process_time() - cold
    cpu = time.process_time()
    wall = time.perf_counter()
    again = [page_record({"id": g["id"], "html": g["html"], "url": g.get("url")}, now=now) for g in gold]
    cpu = time.process_time() - cpu
    wall = time.perf_counter() - wall
    same = sum(a == b for a, b in zip(ours, again, strict=True))
    if args.out:
        args.out.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in ours), encoding="utf-8")
    plain = [] if args.no_plain else [{"id": g["id"], **plain_trafilatura(g["html"], g.get("url"))} for g in gold]
    print(f"set={args.jsonl} pages={len(gold)} (half A {sum(half_of(g['id']) == 'A' for g in gold)} tuned on first, "
          f"half B {sum(half_of(g['id']) == 'B' for g in gold)} errors read in the second pass)")
    for label, part in (("all", gold), ("half A", [g for g in gold if half_of(g["id"]) == "A"]),
                        ("half B", [g for g in gold if half_of(g["id"]) == "B"])):
        ids = {g["id"] for g in part}
        print(f"{label:7s} ours   {score_line(scorer, part, [p for p in ours if p['id'] in ids])}")
        if plain:
            print(f"{label:7s} plain  {score_line(scorer, part, [p for p in plain if p['id'] in ids])}")
    for name, make in (("ours", lambda p: summarize(p["text"], p["title"])),
                       ("LEAD-3", lambda p: [p["text"][a:b] for a, b in split_sentences(p["text"])[:3]])):
        openers: Counter[str] = Counter(lead_problem(make(p) if p["text"] else [], p["title"], p["text"]) or "ok"
                                        for p in ours)
        bad = sum(n for k, n in openers.items() if k != "ok")
        print(f"summary leads ({name}): {bad} of {len(ours)} open badly "
              f"({', '.join(f'{k}={n}' for k, n in sorted(openers.items()))})")
    refused = [p["id"] for p in ours if p.get("error")]
    print(f"refused pages: {len(refused)}{' (' + ', '.join(refused) + ')' if refused else ''}")
    print(f"same output on the second pass: {same} of {len(gold)} pages")
    print(f"speed: {len(gold) / cpu:.1f} pages/s of CPU time on one core ({len(gold) / wall:.1f} pages/s wall; "
          f"first pass with one-off imports and tables {len(gold) / cold:.1f} pages/s)")
    if args.errors:
        print(score_line(scorer, gold, ours, args.errors))
    cmd = " ".join(["python -m bench.pages", *(argv if argv is not None else sys.argv[1:])])
    print(f"command: cd {os.getcwd()} && .venv/bin/{cmd}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
