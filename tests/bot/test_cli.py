"""The `newsbot` command line: ingest, ask, digest and the bad-input contract (one-line error, non-zero exit)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from digests.store import Store
from tests.conftest import ROOT, shared_eval

ARTICLE = """Council votes to keep the night market

The town council of Brisk Harbour voted on Monday to keep the night market open through the winter.
"Traders told us the market pays their rent in the quiet months," said councillor Ines Varga.
"""


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout
    for var in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "NEWSBOT_DB_PATH"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path / "x.db"


def test_ingest_twice_reports_a_duplicate_and_ask_finds_it(db: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "market.txt"
    path.write_text(ARTICLE)
    assert main(["--db", str(db), "ingest", str(path), "--published", "2026-11-02"]) == 0
    assert "1 added, 0 duplicate, 0 failed" in capsys.readouterr().out
    assert main(["--db", str(db), "ingest", str(path)]) == 0
    assert "0 added, 1 duplicate, 0 failed" in capsys.readouterr().out
    assert main(["--db", str(db), "ask", "--json", "/search night market"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [a["title"] for a in result["articles"]] == ["Council votes to keep the night market"]
    assert result["articles"][0]["published"] == "2026-11-02"


def test_seed_article_is_stored_once_and_found(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed = shared_eval("seed", "article.txt")
    assert main(["--db", str(db), "ingest", str(seed), "--published", "2021-08-15"]) == 0
    assert main(["--db", str(db), "ingest", str(seed), "--published", "2021-08-15"]) == 0
    assert "1 duplicate" in capsys.readouterr().out
    assert main(["--db", str(db), "ask", "--json", "/search Kabul"]) == 0
    assert len(json.loads(capsys.readouterr().out)["articles"]) == 1


@pytest.mark.parametrize("args,needle", [
    (["ingest", "no-such-file.txt"], "no such file"),
    (["ingest", "http://127.0.0.1:9/x"], "loopback"),
    (["ingest", "ftp://example.test/x"], "only http and https"),
    (["ingest", "x.txt", "--published", "yesterday-ish"], "--published"),
    (["ask", "/no-such-command"], "unknown command"),
    (["ask", "/who-said"], "needs phrase"),
    (["ask", "/schedule set daily 08:00 timezone:Mars/Olympus"], "unknown time zone"),
    (["digest", "--since", "forever"], "not a duration"),
])
def test_bad_input_gives_one_clear_line_and_fails(db: Path, args: list[str], needle: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    _create(db)  # commands that only read refuse a database that does not exist (tested below)
    try:
        code = main(["--db", str(db), *args])
    except SystemExit as exc:  # argparse-style failures exit with their message
        code = 1
        print(exc, file=sys.stderr)
    captured = capsys.readouterr()
    assert code != 0
    assert needle in captured.err + captured.out


def _create(db: Path) -> None:
    async def make() -> None:
        await (await Store.open(db)).close()

    asyncio.run(make())


def test_bad_files_fail_and_store_nothing(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "bin.dat").write_bytes(bytes(range(256)) * 10)
    assert main(["--db", str(db), "ingest", str(tmp_path / "empty.txt"), str(tmp_path / "bin.dat")]) == 1
    err = capsys.readouterr().err
    assert "empty" in err and "binary" in err
    assert main(["--db", str(db), "ask", "--json", "/search anything"]) == 0
    assert json.loads(capsys.readouterr().out)["articles"] == []


def test_run_without_tokens_loads_samples_and_answers_stdin(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    env["NEWSBOT_DB_PATH"] = str(tmp_path / "run.db")
    proc = subprocess.run([sys.executable, "-c", "from bot.cli import main; raise SystemExit(main(['run']))"],
                          input="/search bridge\n/who-said\n", capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert "Harbor bridge reopens" in proc.stdout
    assert "needs phrase" in proc.stdout


PAGE_HTML = """<!doctype html><html><head><title>Night market stays open all winter | Brisk Harbour News</title>
<meta property="og:site_name" content="Brisk Harbour News">
<meta property="article:published_time" content="2026-11-02T08:00:00Z"></head><body>
<nav><a href="/">Home</a> <a href="/town">Town</a></nav><article><h1>Night market stays open all winter</h1>
<p>The town council of Brisk Harbour voted on Monday to keep the night market open through the winter, after
traders said the quiet months decide whether their stalls survive the year.</p>
<p>"Traders told us the market pays their rent in the quiet months," said councillor Ines Varga, who proposed
the change at the meeting.</p>
<p>The market will close one hour earlier from December to February, and the council will pay for heaters
along the harbour wall.</p>
<p>Sign up for our weekly newsletter and get the harbour news in your inbox</p></article>
<footer><p>© 2026 Brisk Harbour News. All rights reserved.</p></footer></body></html>"""


def test_extract_pages_gives_what_ingest_stores(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "pages.jsonl"
    src.write_text(json.dumps({"id": "market", "html": PAGE_HTML}) + "\n"
                   + json.dumps({"id": "stub", "html": "<html><body><p>May 19, 2020</p></body></html>"}) + "\n")
    out = tmp_path / "out.jsonl"
    assert main(["extract", "pages", "--jsonl", str(src), "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["market", "stub"]
    market, stub = rows
    assert market["title"] == "Night market stays open all winter" and market["published"] == "2026-11-02"
    assert "keep the night market open" in market["text"] and "newsletter" not in market["text"]
    assert "All rights reserved" not in market["text"]
    assert stub["text"] == "" and "no article text" in stub["error"]
    # `newsbot ingest page.html` stores the same title, text and date.
    page = tmp_path / "market.html"
    page.write_text(PAGE_HTML)
    assert main(["--db", str(db), "ingest", str(page)]) == 0
    capsys.readouterr()
    assert main(["--db", str(db), "ask", "--json", "/search night market"]) == 0
    (art,) = json.loads(capsys.readouterr().out)["articles"]
    assert art["title"] == market["title"] and art["published"][:10] == market["published"]
    with contextlib.closing(sqlite3.connect(db)) as con:
        (stored,) = con.execute("SELECT text FROM articles").fetchone()
    assert stored == market["text"]


def test_extract_pages_rejects_a_line_that_is_not_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "bad.jsonl"
    src.write_text('{"id": "a", "html": "<p>x</p>"}\n{not json\n')
    assert main(["extract", "pages", "--jsonl", str(src), "--out", str(tmp_path / "o.jsonl")]) != 0
    assert "line 2: not valid JSON" in capsys.readouterr().err


def test_read_commands_never_create_a_database_and_ingest_says_when_it_does(
        db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    typo = tmp_path / "nwesbot.db"
    for args in (["ask", "/search market"], ["digest"], ["db", "backup", str(tmp_path / "b.db")]):
        with pytest.raises(SystemExit) as info:
            main(["--db", str(typo), *args])
        assert info.value.code == 2
        assert f"there is no database at {typo} (--db)" in capsys.readouterr().err
    assert not typo.exists()
    path = tmp_path / "market.txt"
    path.write_text(ARTICLE)
    assert main(["--db", str(db), "ingest", str(path)]) == 0
    assert f"created a new database at {db}" in capsys.readouterr().err
    assert main(["--db", str(db), "ingest", str(path)]) == 0
    assert "created" not in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--db", str(tmp_path / "no-such-folder" / "x.db"), "ingest", str(path)])
    assert "the folder" in capsys.readouterr().err and not (tmp_path / "no-such-folder").exists()
    assert main(["--db", str(tmp_path / "fresh.db"), "db", "upgrade"]) == 0  # a write command: it may create
    assert f"created a new database at {tmp_path / 'fresh.db'}" in capsys.readouterr().err


async def test_an_online_backup_is_a_whole_store_taken_while_it_is_open(
        db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "market.txt"
    path.write_text(ARTICLE)
    assert await asyncio.to_thread(main, ["--db", str(db), "ingest", str(path)]) == 0
    store = await Store.open(db)  # a bot holding the file open
    try:
        backup = tmp_path / "backup.db"
        assert await asyncio.to_thread(main, ["--db", str(db), "db", "backup", str(backup)]) == 0
        assert f"to {backup} (integrity check: ok)" in capsys.readouterr().out
        assert await asyncio.to_thread(main, ["--db", str(db), "db", "backup", str(backup)]) == 1
        assert "exists already" in capsys.readouterr().err
    finally:
        await store.close()
    assert await asyncio.to_thread(main, ["--db", str(backup), "ask", "--json", "/search night market"]) == 0
    assert [a["title"] for a in json.loads(capsys.readouterr().out)["articles"]] == [
        "Council votes to keep the night market"]


def test_extract_timelines_answers_each_entity_as_timeline_does(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    docs = tmp_path / "docs.jsonl"
    docs.write_text("".join(json.dumps(d) + "\n" for d in [
        {"id": "a1", "title": "Keld dam opens", "published": "2031-05-12",
         "text": "The Keld dam opened on Friday.\n\nWork on the Keld dam began in 2027."},
        {"id": "a2", "title": "Crowds at Keld", "published": "2031-05-11",
         "text": "The Keld dam opened to crowds on Friday.\n\nThe Orrin mill closed in 1990."},
    ]), encoding="utf-8")
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"entity": "Keld dam"}\n{"entity": "Orrin mill"}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["extract", "timelines", "--docs", str(docs), "--queries", str(queries), "--out", str(out)]) == 0
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [x["entity"] for x in lines] == ["Keld dam", "Orrin mill"]
    dam = lines[0]["events"]
    assert [(e["date"], e["doc"], sorted(e["sources"])) for e in dam] == [
        ("2027", "a1", ["a1"]), ("2031-05-09", "a1", ["a1", "a2"])]
    assert dam[1]["sentence"] == "The Keld dam opened on Friday."
    assert [(e["date"], e["doc"]) for e in lines[1]["events"]] == [("1990", "a2")]
    for args, needle in ((["extract", "timelines", "--docs", str(docs)], "--queries"),
                         (["extract", "quotes"], "--jsonl")):
        assert main(args) != 0
        assert needle in capsys.readouterr().err
    queries.write_text('{"name": "Keld dam"}\n', encoding="utf-8")
    assert main(["extract", "timelines", "--docs", str(docs), "--queries", str(queries), "--out", str(out)]) != 0
    assert 'no "entity"' in capsys.readouterr().err
