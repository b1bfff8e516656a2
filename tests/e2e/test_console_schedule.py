"""End to end: `newsbot run` with the terminal front end posts a scheduled digest once, on the real clock."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from digests.store import NewArticle, Store

ROOT = Path(__file__).resolve().parents[2]
TITLE = "Lighthouse keepers return to Skerry Rock"
TEXT = ("Two keepers moved back into the Skerry Rock lighthouse on Monday after the lamp was restored. "
        "\"The light is ours to look after again,\" said keeper Maren Holt. The trust that runs the lighthouse "
        "said visitors can book tours from the spring.")


async def _seed(db: Path) -> None:
    store = await Store.open(db)
    try:
        await store.add_article(NewArticle(title=TITLE, text=TEXT, url="https://news.example/skerry"), None,
                                workspace="local", via="upload", now=datetime.now(UTC) - timedelta(minutes=5))
    finally:
        await store.close()


@pytest.mark.slow
async def test_scheduled_digest_is_printed_once_by_the_terminal_front_end(tmp_path: Path) -> None:
    db = tmp_path / "newsbot.db"
    await _seed(db)
    now = datetime.now(UTC)
    # The next whole minute, or the one after when this one is nearly over (start-up takes a moment).
    fire = (now + timedelta(minutes=2 if now.second > 50 else 1)).replace(second=0, microsecond=0)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DISCORD_", "SLACK_", "SUMMARY_LLM_", "NEWSBOT_", "DATABASE_"))}
    env.update(NEWSBOT_DB_PATH=str(db), NEWSBOT_CONSOLE="on", NEWSBOT_LOAD_SAMPLES="0", NEWSBOT_TIMEZONE="UTC",
               PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    out: list[str] = []

    async def read() -> None:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            out.append(raw.decode())

    reader = asyncio.create_task(read())
    try:
        proc.stdin.write(f"/schedule set daily {fire:%H:%M} timezone:UTC\n".encode())
        await proc.stdin.drain()
        deadline = fire + timedelta(seconds=20)
        while "[post to #console]" not in "".join(out):
            assert datetime.now(UTC) < deadline, "no post arrived:\n" + "".join(out)
            assert proc.returncode is None, "the bot exited:\n" + "".join(out)
            await asyncio.sleep(0.2)
        posted_at = datetime.now(UTC)
        await asyncio.sleep(3)  # a second post, if any, would come right away
        proc.stdin.write(b"/digest-status\n")
        await proc.stdin.drain()
        while "Digest status" not in "".join(out):
            assert datetime.now(UTC) < posted_at + timedelta(seconds=15), "".join(out)
            await asyncio.sleep(0.2)
        proc.stdin.close()  # end of input: the bot shuts down
        assert await asyncio.wait_for(proc.wait(), 20) == 0
        await reader
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        reader.cancel()
    text = "".join(out)
    stderr = (await proc.stderr.read()).decode()
    assert f"Schedule #1: daily {fire:%H:%M} (UTC). Next: {fire:%Y-%m-%d %H:%M} UTC" in text, text + stderr
    assert text.count("[post to #console]") == 1, text
    post = text.split("[post to #console]", 1)[1]
    assert "News digest" in post and TITLE in post
    assert fire <= posted_at < fire + timedelta(seconds=15)
    assert f"{fire:%Y-%m-%d %H:%M} posted" in text.split("Digest status", 1)[1]
    assert "Traceback" not in stderr, stderr
