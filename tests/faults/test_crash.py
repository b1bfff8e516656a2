"""Crash safety: kill -9 in the middle of a batch ingest and of a digest post, then restart.

Committed articles survive, a re-run adds each missing file exactly once, SQLite's integrity check passes, and a
claimed digest window is never claimed (so never posted) a second time.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from digests.store import Store

ROOT = Path(__file__).resolve().parents[2]
FILES = 120
WORDS = ("harbour council bridge tram library garden river school ferry market bakery orchard choir museum "
         "lighthouse quarry clinic stadium allotment canal tower station festival archive workshop depot "
         "mayor engineer teacher nurse farmer captain clerk warden ranger baker potter weaver").split()


def _env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DISCORD_", "SLACK_", "SUMMARY_LLM_", "NEWSBOT_", "DATABASE_"))}
    env.update(NEWSBOT_DB_PATH=str(db), NEWSBOT_LOAD_SAMPLES="0", PYTHONPATH=str(ROOT), NEWSBOT_WORKERS="0")
    return env


def _write_articles(folder: Path) -> list[Path]:
    rng = random.Random(20260310)
    paths = []
    for i in range(FILES):
        words = " ".join(rng.choice(WORDS) for _ in range(70))
        name = f"Reporter{i:03d} Quill"
        body = (f"---\ntitle: Crash test story number {i}\npublished: 2026-03-{1 + i % 28:02d}\n"
                f"url: https://crash.example.test/story/{i}\n---\n"
                f"Story {i} begins in the town of Ward{i}. {words}.\n\n"
                f"\"Number {i} was a long day for all of us,\" said {name}, the warden.\n")
        path = folder / f"story-{i:03d}.md"
        path.write_text(body, encoding="utf-8")
        paths.append(path)
    return paths


def _ids(db: Path) -> set[int]:
    if not db.exists():
        return set()
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return {r[0] for r in conn.execute("SELECT id FROM articles")}
    except sqlite3.OperationalError:
        return set()  # the schema is not there yet


def _ingest(db: Path, files: list[Path]) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())", "ingest",
           *map(str, files)]
    return subprocess.Popen(cmd, env=_env(db), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _kill_mid_ingest(db: Path, files: list[Path]) -> set[int]:
    """Start an ingest, SIGKILL it once some articles are committed; return the ids committed by then."""
    proc = _ingest(db, files)
    seen: set[int] = set()
    deadline = time.monotonic() + 60
    try:
        while len(seen) < 15 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
            seen = _ids(db)
        seen = _ids(db)  # everything committed up to the moment of the kill
        assert proc.poll() is None, "the ingest finished before it could be killed; use more files"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    return seen


def _run_ingest(db: Path, files: list[Path]) -> None:
    rerun = _ingest(db, files)
    _, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err.decode()[-2000:]


async def test_kill_9_during_a_batch_ingest_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    files = _write_articles(tmp_path)
    seen = _kill_mid_ingest(db, files)
    assert 15 <= len(seen) < FILES

    store = await Store.open(db)
    try:
        assert await store.integrity_check() == "ok"
        survived = _ids(db)
        assert seen <= survived  # no committed article lost
    finally:
        await store.close()

    _run_ingest(db, files)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        titles = [r[0] for r in conn.execute("SELECT title FROM articles")]
        assert len(titles) == FILES and len(set(titles)) == FILES  # each story exactly once
        assert conn.execute("SELECT COUNT(*) FROM workspace_articles WHERE workspace = 'local'").fetchone()[0] == FILES
        # No half-written article: every one has its keys and its full-text row.
        assert conn.execute("SELECT COUNT(*) FROM articles a WHERE NOT EXISTS "
                            "(SELECT 1 FROM article_keys k WHERE k.article_id = a.id)").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH 'crash'").fetchone()[0] == FILES
    assert _ids(db) >= seen


CLAIMER = """
import asyncio, sys
from datetime import datetime
from digests.store import Store

async def main() -> None:
    store = await Store.open(sys.argv[1])
    sched = await store.add_schedule("slack:T1", "general", "daily 08:00", "0 8 * * *", "UTC")
    run = await store.claim_run(sched.id, datetime.fromisoformat(sys.argv[2]), datetime.fromisoformat(sys.argv[3]))
    print(f"claimed {sched.id} {run}", flush=True)
    await asyncio.sleep(60)  # "posting": killed here, before finish_run

asyncio.run(main())
"""


def _claim_and_kill(db: Path, start: datetime, end: datetime) -> tuple[int, int]:
    """Run a process that claims a digest window, SIGKILL it while it "posts"; return (schedule id, run id)."""
    proc = subprocess.Popen([sys.executable, "-c", CLAIMER, str(db), start.isoformat(), end.isoformat()],
                            env=_env(db), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        assert line.startswith("claimed "), proc.stderr.read().decode() if proc.stderr else line
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    schedule_id, run_id = (int(x) for x in line.split()[1:3])
    return schedule_id, run_id


async def test_kill_9_during_a_digest_post_never_posts_the_window_twice(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    end = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    start = end - timedelta(days=1)
    schedule_id, run_id = _claim_and_kill(db, start, end)

    store = await Store.open(db)
    try:
        assert await store.integrity_check() == "ok"
        # The restarted process finds the window claimed and is refused: the digest is not posted again.
        assert await store.claim_run(schedule_id, start, end) is None
        assert await store.claim_run(schedule_id, start, end, late=True) is None
        runs = await store.runs(schedule_id)
        assert [(r.id, r.status, r.finished_at) for r in runs] == [(run_id, "claimed", None)]
        # The ledger is not stuck: the next window can still be claimed.
        assert await store.claim_run(schedule_id, end, end + timedelta(days=1)) is not None
    finally:
        await store.close()
