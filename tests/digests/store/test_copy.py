"""`newsbot db copy`: the seed-and-samples store copied from SQLite to PostgreSQL answers exactly as before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import ROOT, shared_eval

QUESTIONS = ["/who-said international pariah", "/quotes speaker:Blinken", "/timeline Taliban", "/search bridge"]


def _ask(url: str, line: str, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert main(["--db", url, "ask", "--json", line]) == 0, line
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_copy_to_postgresql_keeps_every_row_and_every_answer(
        tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    seed = shared_eval("seed", "article.txt")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSBOT_DATABASE_URL", raising=False)
    src = f"sqlite:///{tmp_path / 'community.db'}"
    samples = sorted(str(p) for p in (ROOT / "digests" / "samples").glob("[0-9]*.md"))
    assert main(["--db", src, "ingest", *samples]) == 0
    assert main(["--db", src, "ingest", str(seed), "--published", "2021-08-15"]) == 0
    capsys.readouterr()
    before = {q: _ask(src, q, capsys) for q in QUESTIONS}
    assert all(before.values())

    assert main(["db", "copy", "--from", src, "--to", pg_url]) == 0
    report = capsys.readouterr().out
    assert "verified" in report and "MISMATCH" not in report and "NOT verified" not in report
    assert "who-said sample: 0/" not in report

    after = {q: _ask(pg_url, q, capsys) for q in QUESTIONS}
    for q in QUESTIONS:
        assert after[q] == before[q], q
    # The copy is a working store: new articles get fresh ids.
    extra = tmp_path / "extra.txt"
    extra.write_text("Ferry timetable changes\n\nThe ferry operator in Dunmore will add a late boat on Fridays "
                     "from next month, its manager said on Tuesday.\n")
    assert main(["--db", pg_url, "ingest", str(extra)]) == 0
    assert "1 added" in capsys.readouterr().out


def test_copy_refuses_a_target_that_is_not_empty(tmp_path: Path, pg_url: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    src = f"sqlite:///{tmp_path / 'a.db'}"
    note = tmp_path / "n.txt"
    note.write_text("Harbour notice\n\nThe harbour office in Dunmore closes early on Friday for a staff event.\n")
    assert main(["--db", src, "ingest", str(note)]) == 0
    assert main(["db", "copy", "--from", src, "--to", pg_url]) == 0
    capsys.readouterr()
    assert main(["db", "copy", "--from", src, "--to", pg_url]) == 1
    assert "is not empty" in capsys.readouterr().err


def test_db_upgrade_reports_the_schema_version(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", f"sqlite:///{tmp_path / 'u.db'}", "db", "upgrade"]) == 0
    folder = Path(__file__).resolve().parents[3] / "digests" / "store" / "migrations"
    latest = max(int(f.name.split("_", 1)[0]) for f in folder.glob("*.sql"))
    assert f"schema version {latest} (sqlite)" in capsys.readouterr().out


def test_copy_keeps_subscription_options_alerts_layouts_and_the_live_ledger(
        tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 16's tables are copied too, and the copy's alert ids continue after the copied ones."""
    import asyncio
    from datetime import UTC, datetime

    from digests.store import NewArticle, Store

    src = f"sqlite:///{tmp_path / 'subs.db'}"
    when = datetime(2031, 3, 2, 12, 0, tzinfo=UTC)
    rule = {"field": "title", "action": "exclude", "kind": "word", "pattern": "sponsored"}

    async def fill() -> None:
        s = await Store.open(src)
        try:
            feed = await s.source("feed", "https://feeds.example/a.xml")
            sub, _ = await s.subscribe("w", "c", feed.id)
            await s.set_subscription_options(sub.id, mode="live", filters=[rule], template="{title}", now=when)
            await s.add_alert("w", "c", "ferry", "role:7", now=when)
            sched = await s.add_schedule("w", "c", "daily 08:00", "0 8 * * *", "UTC")
            await s.set_schedule_layout(sched.id, "thread")
            art = await s.add_article(NewArticle(title="Ferry", text="The ferry runs again from Monday. " * 4),
                                      None, workspace="w", via="feed")
            await s.live_claim("w", "c", [art.article_id], "posted", when)
        finally:
            await s.close()

    async def read() -> tuple[object, ...]:
        s = await Store.open(pg_url)
        try:
            sub = (await s.subscriptions("w"))[0]
            opts = (await s.subscription_options([sub.id]))[sub.id]
            new_alert, created = await s.add_alert("w", "c", "harbour", "role:8")
            sched = (await s.schedules("w"))[0]
            return (opts.mode, opts.filters, opts.template, opts.live_since, [a.keyword for a in await s.alerts("w")],
                    created and new_alert.id > 1, await s.schedule_layout(sched.id),
                    len(await s.live_recent("w", "c", when)))
        finally:
            await s.close()

    asyncio.run(fill())
    assert main(["db", "copy", "--from", src, "--to", pg_url]) == 0
    assert "MISMATCH" not in capsys.readouterr().out
    assert asyncio.run(read()) == ("live", (rule,), "{title}", when, ["ferry", "harbour"], True, "thread", 1)
