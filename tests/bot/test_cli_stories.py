"""`newsbot db upgrade` gives an archive its stories; `newsbot stories rebuild` assigns every article again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import main
from digests.store import Store
from tests.helpers.stories import FIRE_A, FLOOD, event_articles


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for var in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "NEWSBOT_DB_PATH", "NEWSBOT_DATABASE_URL"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path / "archive.db"


async def _archive(path: Path) -> None:
    """Store five articles without stories, as a database from before migration 6 holds them."""
    store = await Store.open(path)
    store.stories_keeper.enabled = False
    for art in event_articles(FIRE_A, 3) + event_articles(FLOOD, 2):
        await store.add_article(art, None, workspace="local", via="upload")
    await store.close()


async def _stories(path: Path) -> tuple[int, int]:
    store = await Store.open(path)
    try:
        return await store.unassigned_articles(), await store.count_stories()
    finally:
        await store.close()


def test_db_upgrade_assigns_the_archive_and_rebuild_does_it_again(db: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_archive(db))
    assert asyncio.run(_stories(db)) == (5, 0)
    assert main(["--db", str(db), "db", "upgrade"]) == 0
    assert "5 stored articles assigned to their stories" in capsys.readouterr().out
    assert asyncio.run(_stories(db)) == (0, 2)
    assert main(["--db", str(db), "stories", "rebuild"]) == 0
    assert "5 articles assigned to 2 stories" in capsys.readouterr().out


def test_db_upgrade_groups_the_quotes_of_an_archive_across_outlets(db: Path, capsys: pytest.CaptureFixture[str],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import digests.store._quote_groups as groups
    from tests.digests.store.test_quote_groups import SAID, _article

    async def archive() -> None:
        store = await Store.open(db)
        for n in (1, 2):
            art, analysis = _article(n, SAID, "Ottilie Brandvik", "Brandvik", 0.9)
            await store.add_article(art, analysis, workspace="local", via="feed")
        await store.close()

    async def grouped() -> set[int | None]:
        store = await Store.open(db)
        try:
            return {r.group_id for r in await store.quotes_for_articles("local", [1, 2])}
        finally:
            await store.close()

    with monkeypatch.context() as m:
        m.setattr(groups, "assign_groups", lambda *_: None)  # stored as before quote groups existed
        asyncio.run(archive())
    assert asyncio.run(grouped()) == {None}
    assert main(["--db", str(db), "db", "upgrade"]) == 0
    assert "quotes of 2 stored articles grouped across outlets" in capsys.readouterr().out
    [gid] = asyncio.run(grouped())
    assert gid is not None
    assert main(["--db", str(db), "db", "upgrade"]) == 0
    assert "grouped across outlets" not in capsys.readouterr().out
