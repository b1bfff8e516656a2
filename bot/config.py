"""Settings from the environment and `.env` (pydantic-settings); none is required for the terminal front end."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from digests.ingest import InternalHosts

DEFAULT_DB_PATH = Path("data/newsbot.db")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class Settings(BaseSettings):
    """Every setting of the bot; see `.env.example` for the documented list."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      populate_by_name=True)

    # Storage and limits
    db_path: Path = Field(DEFAULT_DB_PATH, validation_alias=AliasChoices("NEWSBOT_DB_PATH", "DATABASE_PATH"))
    # sqlite:///path or postgresql://…; when set it wins over db_path (several processes need PostgreSQL).
    database_url: str | None = Field(None, validation_alias="NEWSBOT_DATABASE_URL")
    timezone: str = Field("UTC", validation_alias="NEWSBOT_TIMEZONE")
    allow_loopback: bool = Field(False, validation_alias="NEWSBOT_ALLOW_LOOPBACK")
    # Internal hosts and address ranges feeds may be fetched from (an RSSHub or RSS-Bridge on the LAN).
    allow_internal: str | None = Field(None, validation_alias="NEWSBOT_ALLOW_INTERNAL")
    max_fetch_bytes: int = Field(5 * 1024 * 1024, validation_alias="NEWSBOT_MAX_FETCH_BYTES", gt=0)
    fetch_timeout_s: float = Field(20.0, validation_alias="NEWSBOT_FETCH_TIMEOUT_S", gt=0)
    workers: int = Field(0, validation_alias="NEWSBOT_WORKERS", ge=0)
    # Read-only connections commands use (SQLite: one thread each; PostgreSQL: pool size beside the writer).
    db_readers: int | None = Field(None, validation_alias="NEWSBOT_DB_READERS", ge=1, le=32)
    # Articles per ingest transaction: the longest a command's write waits behind a batch of feed entries.
    write_chunk: int = Field(16, validation_alias="NEWSBOT_WRITE_CHUNK", ge=1, le=1000)
    # While commands are in flight, ingest holds the writer at most this many ms of each second.
    write_budget_ms: int = Field(500, validation_alias="NEWSBOT_WRITE_BUDGET_MS", ge=1, le=1000)
    load_samples: bool = Field(True, validation_alias="NEWSBOT_LOAD_SAMPLES")
    console: Literal["auto", "on", "off"] = Field("auto", validation_alias="NEWSBOT_CONSOLE")

    # Operations: logs, health endpoint, shutdown
    log_level: str = Field("INFO", validation_alias="NEWSBOT_LOG_LEVEL")
    log_format: Literal["text", "json"] = Field("text", validation_alias="NEWSBOT_LOG_FORMAT")
    health_port: int | None = Field(None, validation_alias="NEWSBOT_HEALTH_PORT", ge=1, le=65535)
    health_host: str = Field("127.0.0.1", validation_alias="NEWSBOT_HEALTH_HOST")
    # How long a stopping bot waits for posts in flight before it hands the rest back and exits.
    stop_timeout_s: float = Field(6.0, validation_alias="NEWSBOT_STOP_TIMEOUT_S", gt=0, le=300)

    # Scheduling and feeds
    feed_interval_s: int = Field(900, validation_alias="NEWSBOT_FEED_INTERVAL_S", ge=10)
    digest_max_window_h: int = Field(72, validation_alias="NEWSBOT_DIGEST_MAX_WINDOW_H", ge=1)
    catchup_window_h: int = Field(12, validation_alias="NEWSBOT_CATCHUP_WINDOW_H", ge=0)
    misfire_grace_s: int = Field(3600, validation_alias="NEWSBOT_MISFIRE_GRACE_S", ge=1)
    # How long a process's claim on a due feed lasts: a killed process's feeds are polled again after this.
    feed_lease_s: int = Field(300, validation_alias="NEWSBOT_FEED_LEASE_S", ge=5)
    # How many due feeds one process leases per sweep: several processes share the polling instead of the
    # first one to sweep taking every due feed.
    feed_batch: int = Field(50, validation_alias="NEWSBOT_FEED_BATCH", ge=1)
    feed_failing_after: int = Field(2, validation_alias="NEWSBOT_FEED_FAILING_AFTER", ge=1)
    feed_failed_after: int = Field(8, validation_alias="NEWSBOT_FEED_FAILED_AFTER", ge=1)
    # How long the delivery log (what /feeds why answers from) keeps what happened to each feed item.
    delivery_log_days: int = Field(30, validation_alias="NEWSBOT_DELIVERY_LOG_DAYS", ge=1, le=3650)

    # Discord
    discord_token: SecretStr | None = Field(None, validation_alias="DISCORD_TOKEN")
    discord_guild_id: int | None = Field(None, validation_alias="DISCORD_GUILD_ID")
    discord_admin_role: str | None = Field(None, validation_alias="DISCORD_ADMIN_ROLE")
    discord_api_base_url: str | None = Field(None, validation_alias="DISCORD_API_BASE_URL")
    discord_gateway_url: str | None = Field(None, validation_alias="DISCORD_GATEWAY_URL")
    # Several processes split the guilds by shard: each runs the shard ids it is given out of the total count.
    shard_ids: str | None = Field(None, validation_alias="NEWSBOT_SHARD_IDS")
    shard_count: int | None = Field(None, validation_alias="NEWSBOT_SHARD_COUNT", ge=1, le=4096)

    # Slack
    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_http_port: int = Field(3000, validation_alias="SLACK_HTTP_PORT", ge=0, le=65535)
    slack_http_host: str = Field("0.0.0.0", validation_alias="SLACK_HTTP_HOST")  # noqa: S104
    slack_api_base_url: str | None = Field(None, validation_alias="SLACK_API_BASE_URL")
    slack_admin_group: str | None = Field(None, validation_alias="SLACK_ADMIN_GROUP")

    # Optional LLM summaries (any OpenAI-compatible endpoint); off unless a base URL is set.
    summary_llm_base_url: str | None = Field(None, validation_alias="SUMMARY_LLM_BASE_URL")
    summary_llm_model: str | None = Field(None, validation_alias="SUMMARY_LLM_MODEL")
    summary_llm_api_key: SecretStr | None = Field(None, validation_alias="SUMMARY_LLM_API_KEY")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like Europe/Berlin)") from None
        return value

    @field_validator("console", "log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"{value!r} is not a log level (use {', '.join(LOG_LEVELS)})")
        return level

    @field_validator("allow_internal")
    @classmethod
    def _internal(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        from digests.ingest import InternalHosts

        InternalHosts.parse(value)  # raises ValueError naming the entry that is neither a host nor a range
        return value

    @field_validator("shard_ids")
    @classmethod
    def _shard_list(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not re.fullmatch(r"\s*\d{1,4}(\s*,\s*\d{1,4})*\s*", value):
            raise ValueError(f"{value!r} is not a list of shard ids (write e.g. 0,1)")
        return value

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        ids = self.shard_id_list
        if ids is not None and self.shard_count is None:
            raise ValueError("NEWSBOT_SHARD_IDS needs NEWSBOT_SHARD_COUNT (the total number of shards)")
        if ids is not None and self.shard_count is not None and max(ids) >= self.shard_count:
            raise ValueError(f"shard ids {ids} must be below NEWSBOT_SHARD_COUNT={self.shard_count}")
        return self

    @property
    def shard_id_list(self) -> list[int] | None:
        """Return the shard ids this process runs (None: all shards of NEWSBOT_SHARD_COUNT, or no sharding)."""
        if not self.shard_ids:
            return None
        return sorted({int(x) for x in self.shard_ids.split(",")})

    @property
    def internal_hosts(self) -> InternalHosts | None:
        """Return the internal hosts and ranges feeds may be fetched from (None: public addresses only)."""
        from digests.ingest import InternalHosts

        return InternalHosts.parse(self.allow_internal) if self.allow_internal else None

    @property
    def log_level_number(self) -> int:
        """Return NEWSBOT_LOG_LEVEL as a logging level number."""
        return int(logging.getLevelName(self.log_level))

    @property
    def store_url(self) -> str:
        """Return where the store lives: NEWSBOT_DATABASE_URL, else the SQLite file at db_path."""
        return self.database_url or f"sqlite:///{self.db_path}"

    @property
    def discord_enabled(self) -> bool:
        """Tell whether the Discord front end is configured."""
        return bool(self.discord_token and self.discord_token.get_secret_value())

    @property
    def slack_enabled(self) -> bool:
        """Tell whether the Slack front end is configured (HTTP or Socket Mode)."""
        return bool(self.slack_bot_token and (self.slack_signing_secret or self.slack_app_token))

    def front_end_problem(self) -> str | None:
        """Return what is wrong with the front-end settings for `newsbot run` (one line), or None."""
        def has(secret: SecretStr | None) -> bool:
            return bool(secret and secret.get_secret_value().strip())

        bot_token, signing, app_token = (has(self.slack_bot_token), has(self.slack_signing_secret),
                                         has(self.slack_app_token))
        if bot_token and self.slack_bot_token.get_secret_value().startswith("xapp-"):  # type: ignore[union-attr]
            return ("SLACK_BOT_TOKEN holds an app-level token (xapp-…): put it in SLACK_APP_TOKEN and set "
                    "SLACK_BOT_TOKEN to the bot token (xoxb-…) from the app's OAuth & Permissions page")
        if app_token and not self.slack_app_token.get_secret_value().startswith("xapp-"):  # type: ignore[union-attr]
            return ("SLACK_APP_TOKEN is not an app-level token (those start with xapp-): make one with the "
                    "connections:write scope under Basic Information, or unset it to use HTTP mode")
        if bot_token and not (signing or app_token):
            return ("SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (HTTP mode) nor SLACK_APP_TOKEN "
                    "(Socket Mode) is: set one of them (see docs/slack.md)")
        if (signing or app_token) and not bot_token:
            which = "SLACK_APP_TOKEN" if app_token else "SLACK_SIGNING_SECRET"
            return (f"{which} is set but SLACK_BOT_TOKEN is not: set SLACK_BOT_TOKEN to the bot token (xoxb-…) "
                    "from the app's OAuth & Permissions page")
        if self.console == "off" and not self.discord_enabled and not self.slack_enabled:
            return ("NEWSBOT_CONSOLE=off and no chat front end is configured: set DISCORD_TOKEN, or "
                    "SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET or SLACK_APP_TOKEN, or NEWSBOT_CONSOLE=on "
                    "for the terminal")
        return None

    def secrets(self) -> list[str]:
        """Return every secret value set, so logging can redact them."""
        values = [self.discord_token, self.slack_bot_token, self.slack_signing_secret, self.slack_app_token,
                  self.summary_llm_api_key]
        return [v.get_secret_value() for v in values if v is not None and v.get_secret_value()]
