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


@pytest.mark.parametrize("values,needle", [
    ({"console": "off"}, "NEWSBOT_CONSOLE=off and no chat front end is configured"),
    ({"slack_bot_token": "xoxb-1"}, "neither SLACK_SIGNING_SECRET (HTTP mode) nor SLACK_APP_TOKEN"),
    ({"slack_signing_secret": "s3cret"}, "SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not"),
    ({"slack_app_token": "xapp-1-A1-2"}, "SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not"),
    ({"slack_bot_token": "xapp-1-A1-2", "slack_app_token": "xapp-1-A1-3"}, "SLACK_BOT_TOKEN holds an app-level"),
    ({"slack_bot_token": "xoxb-1", "slack_app_token": "xoxb-2"}, "SLACK_APP_TOKEN is not an app-level token"),
])
def test_a_half_configured_front_end_is_named_with_what_to_do(values: dict[str, str], needle: str) -> None:
    problem = _settings(**values).front_end_problem()
    assert problem is not None and needle in problem and "\n" not in problem


@pytest.mark.parametrize("values", [
    {}, {"console": "on"}, {"discord_token": "d"}, {"console": "off", "discord_token": "d"},
    {"slack_bot_token": "xoxb-1", "slack_signing_secret": "s"},
    {"slack_bot_token": "xoxb-1", "slack_app_token": "xapp-1-A1-2", "console": "off"},
    {"slack_bot_token": "", "slack_signing_secret": ""},  # empty means unset (compose's ${VAR:-})
])
def test_complete_settings_have_no_front_end_problem(values: dict[str, str]) -> None:
    assert _settings(**values).front_end_problem() is None


def test_operations_settings_are_checked_and_normalized() -> None:
    s = _settings(console=" ON ", log_level="debug", log_format="JSON")
    assert (s.console, s.log_level, s.log_format, s.log_level_number) == ("on", "DEBUG", "json", 10)
    assert (s.health_port, s.health_host, s.stop_timeout_s) == (None, "127.0.0.1", 6.0)
    with pytest.raises(ValidationError, match="'auto', 'on' or 'off'"):
        _settings(console="maybe")
    with pytest.raises(ValidationError, match="is not a log level"):
        _settings(log_level="chatty")
    with pytest.raises(ValidationError, match="less than or equal to 65535"):
        _settings(health_port=70000)


def test_the_internal_allow_list_is_parsed_once_and_refuses_what_it_cannot_read() -> None:
    assert _settings().internal_hosts is None and _settings(allow_internal=" ").internal_hosts is None
    hosts = _settings(allow_internal="rsshub, *.lan 10.0.5.0/24").internal_hosts
    assert hosts is not None and hosts.names == {"rsshub"} and hosts.suffixes == (".lan",)
    with pytest.raises(ValidationError, match="'https://rsshub/' is neither a host name"):
        _settings(allow_internal="rsshub https://rsshub/")


def test_every_setting_is_in_env_example_and_the_operations_ones_in_the_readme() -> None:
    from pydantic import AliasChoices

    from tests.conftest import ROOT

    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = []
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        names.append(alias.choices[0] if isinstance(alias, AliasChoices) else alias)
    assert [n for n in names if f"#{n}=" not in example] == []
    ops = ["NEWSBOT_ALLOW_INTERNAL", "NEWSBOT_LOG_LEVEL", "NEWSBOT_LOG_FORMAT", "NEWSBOT_HEALTH_PORT",
           "NEWSBOT_HEALTH_HOST", "NEWSBOT_STOP_TIMEOUT_S", "NEWSBOT_CONSOLE", "NEWSBOT_DB_PATH"]
    assert [n for n in ops if f"`{n}`" not in readme] == []
