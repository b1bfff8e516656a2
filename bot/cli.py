"""`newsbot` subcommands: run, ingest, ask, digest, extract, db."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.services import Services


def _common(p: argparse.ArgumentParser, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    p.add_argument("--db", default=default, metavar="PATH|URL",
                   help="database file or URL (sqlite:///path, postgresql://…; default: NEWSBOT_DATABASE_URL, "
                        "NEWSBOT_DB_PATH or data/newsbot.db)")
    p.add_argument("--workspace", default=argparse.SUPPRESS if suppress else "local",
                   help="workspace: local, discord:<guild id> or slack:<team id>")


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the `newsbot` command."""
    ap = argparse.ArgumentParser(prog="newsbot", description="News digests with quotes, speakers and timelines.")
    _common(ap, suppress=False)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("run", help="start the bot (chat front ends with tokens, else the terminal)")
    _common(p, True)
    p = sub.add_parser("ingest", help="add articles from files or URLs, or a feed")
    _common(p, True)
    p.add_argument("inputs", nargs="*", metavar="PATH|URL")
    p.add_argument("--feed", action="append", default=[], metavar="URL", help="ingest every item of a feed")
    p.add_argument("--published", help="publication date YYYY-MM-DD for the inputs")
    p = sub.add_parser("ask", help='run one command, e.g. newsbot ask "/who-said pariah"')
    _common(p, True)
    p.add_argument("line", nargs="+")
    p.add_argument("--json", action="store_true", help="print the result model as JSON")
    p = sub.add_parser("digest", help="print a digest of the workspace")
    _common(p, True)
    p.add_argument("--since", default="24h", help="window length (24h, 7d)")
    p = sub.add_parser("extract", help="run an extractor over JSONL (evaluation contract)")
    _common(p, True)
    p.add_argument("task", choices=["quotes", "timexes", "summary", "pages", "story-summary"])
    p.add_argument("--jsonl", required=True)
    p.add_argument("--out")
    p.add_argument("--sentences", type=int, default=3)
    p.add_argument("--max-words", type=int, default=80, help="story-summary: word budget per story")
    p = sub.add_parser("db", help="database upkeep: upgrade (apply migrations), copy (move a store)")
    _common(p, True)
    dbsub = p.add_subparsers(dest="db_cmd", required=True)
    dbsub.add_parser("upgrade", help="apply pending migrations to the database and print its schema version")
    p = dbsub.add_parser("copy", help="copy every row of one store into an empty other one, then verify it")
    p.add_argument("--from", dest="src", required=True, metavar="URL", help="source store (sqlite:///… or postgresql://…)")
    p.add_argument("--to", dest="dst", required=True, metavar="URL", help="empty target store")
    return ap


def _settings(args: argparse.Namespace) -> Settings:
    from pydantic import ValidationError

    from bot.config import Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        errs = "; ".join(": ".join(filter(None, (".".join(str(x) for x in e["loc"]),
                                                 str(e["msg"]).removeprefix("Value error, "))))
                         for e in exc.errors())
        raise SystemExit(f"newsbot: bad setting: {errs}") from None
    if getattr(args, "db", None):
        if "://" in args.db:
            settings.database_url = args.db
        else:
            settings.db_path, settings.database_url = Path(args.db), None
    return settings


def _fail(msg: str) -> int:
    print(f"newsbot: {msg}", file=sys.stderr)
    return 1


async def _with_services(args: argparse.Namespace, fn: Any) -> int:
    from bot.handlers import load
    from bot.services import Services

    load()
    svc = await Services.create(_settings(args))
    try:
        return int(await fn(svc))
    finally:
        await svc.close()


def _parse_published(value: str | None) -> datetime | None:
    if value is None:
        return None
    from digests.ingest import parse_date

    dt = parse_date(value)
    if dt is None:
        raise SystemExit(f"newsbot: --published must be a date like 2021-08-15, not {value!r}")
    return dt


async def _ingest(svc: Services, args: argparse.Namespace) -> int:
    from rich.progress import Progress

    from digests.ingest import IngestOutcome

    published = _parse_published(args.published)
    if not args.inputs and not args.feed:
        return _fail("give files, URLs or --feed URL to ingest")
    outcomes: list[IngestOutcome] = []
    with Progress(transient=True, disable=not sys.stderr.isatty()) as progress:
        task = progress.add_task("ingesting", total=len(args.inputs) + len(args.feed))
        for item in args.inputs:
            if item.startswith(("http://", "https://")) or "://" in item:
                out = await svc.ingestor.ingest_url(item, workspace=args.workspace, published=published)
            else:
                out = await svc.ingestor.ingest_path(item, workspace=args.workspace, published=published)
            outcomes.append(out)
            progress.advance(task)
        for url in args.feed:
            src = await svc.store.source("feed", url)
            poll = await svc.ingestor.poll_feed(src, workspaces=[args.workspace], via="upload")
            if poll.error:
                outcomes.append(IngestOutcome(source=url, status="failed", reason=poll.error))
            else:
                await svc.store.update_source(src.id, etag=poll.etag, last_modified=poll.last_modified,
                                              title=poll.title or None, last_fetch=datetime.now(UTC),
                                              last_success=datetime.now(UTC))
                outcomes.extend(poll.outcomes)
            progress.advance(task)
    for out in outcomes:
        if out.status == "failed":
            print(f"failed: {out.source}: {out.reason}", file=sys.stderr)
        elif out.status == "added":
            note = "" if out.published else " (no publication date found; stored without one)"
            print(f"added #{out.article_id}: {out.title}{note}")
        else:
            print(f"{out.status} of #{out.article_id}: {out.source}")
    counts = Counter(o.status for o in outcomes)
    print(f"{counts['added']} added, {counts['duplicate'] + counts['near-duplicate']} duplicate, "
          f"{counts['failed']} failed")
    return 1 if counts["failed"] else 0


async def _ask(svc: Services, args: argparse.Namespace) -> int:
    from bot.commands import Invocation, run_line
    from bot.console import CHANNEL, render_text

    line = " ".join(args.line)
    inv = Invocation(workspace=args.workspace, channel=CHANNEL, user="cli", platform="console", is_admin=True)
    reply = await run_line(svc, inv, line)
    if args.json:
        payload = dict(reply.data)
        if reply.error:
            payload = {"error": reply.text}
        print(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    else:
        print(render_text(reply))
    return 1 if reply.error else 0


async def _digest(svc: Services, args: argparse.Namespace) -> int:
    from bot.commands import CommandError, parse_duration
    from bot.console import render_text
    from bot.handlers import digest_reply
    from digests.digest import build_digest

    try:
        window = parse_duration(args.since)
    except CommandError as exc:
        return _fail(str(exc))
    now = datetime.now(UTC)
    d = await build_digest(svc.store, args.workspace, now - window, now)
    print(render_text(digest_reply(d)))
    return 0


def _extract(args: argparse.Namespace) -> int:
    from digests.ingest.pages import run_pages_path
    from digests.nlp.extract import run_path

    try:
        if args.task == "pages":
            run_pages_path(args.jsonl, args.out)
        elif args.task == "story-summary":
            from digests.stories._summary import run_story_summaries_path

            run_story_summaries_path(args.jsonl, args.out, max_words=args.max_words)
        else:
            run_path(args.task, args.jsonl, args.out, args.sentences)
    except (OSError, ValueError) as exc:
        return _fail(str(exc))
    return 0


async def _db(args: argparse.Namespace) -> int:
    from digests.store import Store, redact_url

    if args.db_cmd == "upgrade":
        url = _settings(args).store_url
        store = await Store.open(url)
        try:
            print(f"{redact_url(url)}: schema version {await store.schema_version()} ({store.backend})")
        finally:
            await store.close()
        return 0
    from digests.store.copy import copy_store

    report = await copy_store(args.src, args.dst, log=print)
    print(report.summary())
    return 0 if report.ok else 1


def main(argv: list[str] | None = None) -> int:
    """Run the `newsbot` command line."""
    from digests.store import StoreError

    args = build_parser().parse_args(argv)
    try:
        return _main(args)
    except StoreError as exc:
        return _fail(str(exc))


def _main(args: argparse.Namespace) -> int:
    if args.cmd == "extract":
        return _extract(args)
    if args.cmd == "db":
        return asyncio.run(_db(args))
    if args.cmd == "run":
        from bot.app import run_bot

        return run_bot(_settings(args))
    handlers = {"ingest": _ingest, "ask": _ask, "digest": _digest}
    try:
        return asyncio.run(_with_services(args, lambda svc: handlers[args.cmd](svc, args)))
    except KeyboardInterrupt:
        return 130



