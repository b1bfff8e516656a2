"""End to end: `newsbot run`'s terminal front end answers /story, /timeline story: and bad input, read from stdin."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.commands import load
from bot.config import Settings
from bot.services import Services
from tests.helpers.tram_story import SAID, SPEAKER, add_tram_story

ROOT = Path(__file__).resolve().parents[2]


async def test_story_in_the_terminal(tmp_path: Path) -> None:
    db = tmp_path / "newsbot.db"
    load()
    svc = await Services.create(Settings(_env_file=None, db_path=db, load_samples=False))  # type: ignore[call-arg]
    try:
        sid, _, _ = await add_tram_story(svc, "local", tmp_path)
    finally:
        await svc.close()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DISCORD_", "SLACK_", "SUMMARY_LLM_", "NEWSBOT_", "DATABASE_"))}
    env.update(NEWSBOT_DB_PATH=str(db), NEWSBOT_CONSOLE="on", NEWSBOT_LOAD_SAMPLES="0", PYTHONPATH=str(ROOT),
               PYTHONUNBUFFERED="1")
    lines = ["/story brackmoor tram", "/story #987654", "/story", "/story " + "x" * 600,
             '/story "tram AND (OR*', f"/timeline story:#{sid}"]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(("\n".join(lines) + "\n").encode()), 60)
    text, stderr = out.decode(), err.decode()
    assert proc.returncode == 0, text + stderr
    assert "Traceback" not in stderr and "failed on our side" not in text, stderr
    assert "Brackmoor tram line opens to passengers" in text
    assert f"Story #{sid} · 3 articles from 3 outlets" in text
    for url in ("https://harbourline.example/brackmoor-tram", "https://northpost.example/trams-brackmoor",
                "https://valleyherald.example/brackmoor-tram-crowds"):
        assert url in text
    assert SAID in text and f"— {SPEAKER}" in text and "reported by 3 outlets" in text
    assert "2030-05-04" in text  # a dated event of the story
    assert "No story #987654 in your workspace" in text
    assert "/story needs story" in text and "story is too long" in text
    assert "No story in your workspace matches those words." in text  # search syntax taken as words
    assert f"Timeline: story #{sid}" in text
