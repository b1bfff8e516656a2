"""Settings: the database URL and the shard settings several processes need, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


def test_the_store_url_is_the_database_url_else_the_sqlite_file() -> None:
    assert _settings(db_path=Path("data/x.db")).store_url == "sqlite:///data/x.db"
    url = "postgresql://bot@127.0.0.1:5432/newsbot"
    assert _settings(db_path=Path("data/x.db"), database_url=url).store_url == url


def test_shard_ids_are_a_list_below_the_count() -> None:
    assert _settings(shard_ids="2, 0", shard_count=3).shard_id_list == [0, 2]
    assert _settings(shard_count=3).shard_id_list is None
    with pytest.raises(ValidationError, match="must be below NEWSBOT_SHARD_COUNT"):
        _settings(shard_ids="3", shard_count=3)
    with pytest.raises(ValidationError, match="needs NEWSBOT_SHARD_COUNT"):
        _settings(shard_ids="0")
    with pytest.raises(ValidationError, match="not a list of shard ids"):
        _settings(shard_ids="zero", shard_count=2)
