"""`newsbot` subcommands: run, ingest, ask, digest, extract, stories, health, db."""

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
    p.add_argument("task", choices=["quotes", "timexes", "summary", "pages", "timelines", "stories",
                                    "story-summary"])
    p.add_argument("--jsonl", help="input lines (every task but timelines)")
    p.add_argument("--docs", help="timelines: documents to store, in order")
    p.add_argument("--queries", help='timelines: one {"entity"} a line')
    p.add_argument("--out")
    p.add_argument("--quotes-out", metavar="Q", help='stories: one {"quote","speaker","ids","variants"} line per '
                                                     "quote merged across the inputs")
    p.add_argument("--sentences", type=int, default=3)
    p.add_argument("--max-words", type=int, default=80, help="story-summary: word budget per story")
    p = sub.add_parser("stories", help="stories: rebuild (assign every stored article to its story again)")
    _common(p, True)
    ssub = p.add_subparsers(dest="stories_cmd", required=True)
    ssub.add_parser("rebuild", help="forget every story and assign every stored article again, in arrival order")
    p = sub.add_parser("health", help="ask a running bot's health endpoint (NEWSBOT_HEALTH_PORT); exit 0 if ready")
    p.add_argument("--live", action="store_true", help="ask only whether the process answers (liveness)")
    p = sub.add_parser("db", help="database upkeep: upgrade (apply migrations), backup (SQLite), copy (move a store)")
    _common(p, True)
    dbsub = p.add_subparsers(dest="db_cmd", required=True)
    dbsub.add_parser("upgrade", help="apply pending migrations, give every stored article its story, group the "
                                     "quotes of articles stored before quote groups, print the schema version")
    p = dbsub.add_parser("backup", help="copy the SQLite database to a new file while the bot runs (online backup)")
    p.add_argument("target", metavar="FILE", help="the backup file to create (must not exist)")
    p = dbsub.add_parser("copy", help="copy every row of one store into an empty other one, then verify it")
    p.add_argument("--from", dest="src", required=True, metavar="URL", help="source store (sqlite:///… or postgresql://…)")
    p.add_argument("--to", dest="dst", required=True, metavar="URL", help="empty target store")
    return ap


# Settings whose values are never echoed back in an error (tokens, keys, URLs that may hold a password).
_SECRET_WORDS = ("TOKEN", "SECRET", "KEY", "URL")


def setting_errors(exc: Any) -> str:
    """Return a settings ValidationError as one line: each bad setting, its value when harmless, what to do."""
    parts = []
    for e in exc.errors():
        name = ".".join(str(x) for x in e["loc"])
        msg = str(e["msg"]).removeprefix("Value error, ")
        value = e.get("input")
        shown = (f"={value!r}" if name and isinstance(value, str) and len(value) <= 60
                 and not any(w in name for w in _SECRET_WORDS) else "")
        parts.append(f"{name}{shown}: {msg}" if name else msg)
    return "; ".join(parts)


def _settings(args: argparse.Namespace) -> Settings:
    from pydantic import ValidationError

    from bot.config import Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"newsbot: bad setting: {setting_errors(exc)}", file=sys.stderr)
        raise SystemExit(2) from None
    if getattr(args, "db", None):
        if "://" in args.db:
            settings.database_url = args.db
        else:
            settings.db_path, settings.database_url = Path(args.db), None
    return settings


def _check_store(settings: Settings, args: argparse.Namespace, *, create: bool) -> str | None:
    """Refuse, in one line, a SQLite path that would create a database where none was meant (exit 2).

    Return the path of the SQLite file that opening the store will create, if it does not exist yet.
    """
    from bot.lifecycle import db_origin, store_location_problem
    from digests.store._base import sqlite_path

    problem = store_location_problem(settings, create=create, origin=db_origin(settings, getattr(args, "db", None)))
    if problem:
        print(f"newsbot: {problem}", file=sys.stderr)
        raise SystemExit(2)
    path = sqlite_path(settings.store_url)
    return path if path is not None and path != ":memory:" and not Path(path).exists() else None


def _fail(msg: str) -> int:
    print(f"newsbot: {msg}", file=sys.stderr)
    return 1


# One-shot commands that only read never create a database: a mistyped --db must not answer from an empty one.
# Those that write (ingest, db upgrade) may, and say so.
_CREATES = {"ingest"}


async def _with_services(args: argparse.Namespace, fn: Any) -> int:
    from bot.commands import load
    from bot.services import Services

    load()
    settings = _settings(args)
    create = args.cmd in _CREATES
    new_file = _check_store(settings, args, create=create)
    svc = await Services.create(settings, create=create)
    if new_file:
        print(f"newsbot: created a new database at {new_file}", file=sys.stderr)
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

    if args.task == "timelines":
        if not args.docs or not args.queries:
            return _fail("extract timelines needs --docs DOCS and --queries Q")
    elif not args.jsonl:
        return _fail(f"extract {args.task} needs --jsonl IN")
    if args.quotes_out and args.task != "stories":
        return _fail("--quotes-out goes with extract stories")
    try:
        if args.task == "timelines":
            from digests.stories.timeline_extract import run_timelines_path

            run_timelines_path(args.docs, args.queries, args.out)
        elif args.task == "pages":
            run_pages_path(args.jsonl, args.out)
        elif args.task == "stories":
            from digests.stories import run_stories_path

            run_stories_path(args.jsonl, args.out, args.quotes_out)
        elif args.task == "story-summary":
            from digests.stories._summary import run_story_summaries_path

            run_story_summaries_path(args.jsonl, args.out, max_words=args.max_words)
        else:
            run_path(args.task, args.jsonl, args.out, args.sentences)
    except (OSError, ValueError) as exc:
        return _fail(str(exc))
    return 0


async def _assign_archive(store: Any, *, rebuild: bool = False) -> int:
    """Give every stored article without a story its story (all of them again with ``rebuild``), with progress."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    from rich.progress import Progress

    total = await store.count_articles() if rebuild else await store.unassigned_articles()
    if not total:
        return 0
    # The signatures are CPU work: a process pool computes them when there are enough to be worth its start-up.
    pool = (ProcessPoolExecutor(max(1, (os.cpu_count() or 1)), mp_context=multiprocessing.get_context("spawn"))
            if total >= 2000 else None)
    try:
        with Progress(transient=True, disable=not sys.stderr.isatty()) as progress:
            task = progress.add_task("assigning stories", total=total)

            def advance(n: int) -> None:
                progress.advance(task, n)

            if rebuild:
                done = await store.rebuild_stories(executor=pool, progress=advance)
            else:
                done = await store.sweep_stories(executor=pool, progress=advance)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return int(done)


async def _group_archive_quotes(store: Any) -> int:
    """Group across outlets the quotes of articles stored before quote groups existed, with progress."""
    from rich.progress import Progress

    ids = await store.ungrouped_quote_articles()
    if not ids:
        return 0
    with Progress(transient=True, disable=not sys.stderr.isatty()) as progress:
        task = progress.add_task("grouping quotes across outlets", total=len(ids))

        def advance(n: int) -> None:
            progress.advance(task, n)

        return int(await store.group_archive_quotes(ids, progress=advance))


async def _stories(args: argparse.Namespace) -> int:
    from digests.store import Store

    settings = _settings(args)
    _check_store(settings, args, create=False)  # a mistyped --db must not rebuild a new, empty database
    store = await Store.open(settings.store_url)
    try:
        done = await _assign_archive(store, rebuild=True)
        row = await store.count_stories()
        print(f"{done} articles assigned to {row} stories")
    finally:
        await store.close()
    return 0


async def _db(args: argparse.Namespace) -> int:
    from digests.store import Store, redact_url

    if args.db_cmd == "backup":
        return await _backup(args)
    if args.db_cmd == "upgrade":
        settings = _settings(args)
        new_file = _check_store(settings, args, create=True)
        url = settings.store_url
        store = await Store.open(url)
        if new_file:
            print(f"newsbot: created a new database at {new_file}", file=sys.stderr)
        try:
            done = await _assign_archive(store)
            if done:
                print(f"{done} stored articles assigned to their stories")
            grouped = await _group_archive_quotes(store)
            if grouped:
                print(f"quotes of {grouped} stored articles grouped across outlets")
            print(f"{redact_url(url)}: schema version {await store.schema_version()} ({store.backend})")
        finally:
            await store.close()
        return 0
    from digests.store.copy import copy_store

    report = await copy_store(args.src, args.dst, log=print)
    print(report.summary())
    return 0 if report.ok else 1


async def _backup(args: argparse.Namespace) -> int:
    from digests.store._base import sqlite_path
    from digests.store._sqlite import backup_file

    settings = _settings(args)
    path = sqlite_path(settings.store_url)
    if path is None:
        return _fail("the database is PostgreSQL: back it up with pg_dump (docs/operations.md)")
    _check_store(settings, args, create=False)
    verdict = await asyncio.to_thread(backup_file, path, args.target)
    if verdict != "ok":
        return _fail(f"the backup {args.target} failed its integrity check: {verdict}")
    print(f"backed up {path} to {args.target} (integrity check: ok)")
    return 0


def _run(args: argparse.Namespace) -> int:
    from bot.app import run_bot
    from bot.lifecycle import EXIT_CONFIG, StartupError

    settings = _settings(args)
    problem = settings.front_end_problem()
    if problem:
        print(f"newsbot: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    _check_store(settings, args, create=True)
    try:
        return run_bot(settings)
    except StartupError as exc:
        print(f"newsbot: {exc}", file=sys.stderr)
        return 1


def _health(args: argparse.Namespace) -> int:
    from bot.health import probe

    settings = _settings(args)
    if not settings.health_port:
        return _fail("NEWSBOT_HEALTH_PORT is not set, so the bot serves no health endpoint; set it (e.g. 8080)")
    status, body = probe(settings.health_host, settings.health_port, "/healthz" if args.live else "/readyz")
    if status == 0:
        return _fail(f"no answer from the health endpoint on port {settings.health_port}: {body}")
    print(body)
    return 0 if status == 200 else 1


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
    if args.cmd == "stories":
        return asyncio.run(_stories(args))
    if args.cmd == "run":
        return _run(args)
    if args.cmd == "health":
        return _health(args)
    handlers = {"ingest": _ingest, "ask": _ask, "digest": _digest}
    try:
        return asyncio.run(_with_services(args, lambda svc: handlers[args.cmd](svc, args)))
    except KeyboardInterrupt:
        return 130



