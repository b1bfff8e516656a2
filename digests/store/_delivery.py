"""The delivery log: what became of each item a subscription brought to a channel, and why (``/feeds why``).

Portable SQL over the same primitives as the options mixin (``?`` placeholders, times as ISO text); a backend
adds ``_opt_many`` for the bulk insert a feed's first fetch needs (hundreds of baseline items at once).
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from digests.store._options import _dt, _iso
from digests.store._text import canonical_url

# posted: went out as its own post; folded: listed in an "N more stories" post (rate limit); merged: told the
# story of another article, posted with it or before it; filtered: a filter rule held it back; too_old: published
# before the subscription started; duplicate: the same article as one the channel already had; baseline: in the
# feed when the channel subscribed; digest: left for the channel's digests; failed: the post itself failed.
OUTCOMES = ("posted", "folded", "merged", "filtered", "too_old", "duplicate", "baseline", "digest", "failed")
MAX_DETAIL = 500


def item_key(url: str | None) -> str:
    """Return the form of an item's link the log is searched by (canonical: no tracking, no fragment)."""
    if not url:
        return ""
    try:
        return canonical_url(url)
    except ValueError:
        return url.strip()


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """One line of the delivery log: an item, a channel, what happened to it and why."""

    workspace: str
    channel: str
    outcome: str
    at: datetime
    detail: str = ""
    subscription_id: int | None = None
    feed_url: str = ""
    article_id: int | None = None
    item_url: str | None = None
    item_title: str = ""
    published: datetime | None = None
    related_article_id: int | None = None
    id: int | None = None


def _row(r: Any) -> DeliveryRecord:
    return DeliveryRecord(
        workspace=r["workspace"], channel=r["channel"], outcome=r["outcome"], at=_dt(r["at"]) or datetime.now(UTC),
        detail=r["detail"] or "", subscription_id=r["subscription_id"], feed_url=r["feed_url"] or "",
        article_id=r["article_id"], item_url=r["item_url"], item_title=r["item_title"] or "",
        published=_dt(r["published"]), related_article_id=r["related_article_id"], id=r["id"])


_COLS = ("workspace, channel, subscription_id, feed_url, article_id, item_key, item_url, item_title, published, "
         "outcome, detail, related_article_id, at")


def _like(word: str) -> str:
    return "%" + word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class DeliveryMixin(abc.ABC):
    """Store methods for the delivery log."""

    @abc.abstractmethod
    async def _opt_all(self, sql: str, *args: Any) -> list[Any]:
        """Run one query; return its rows (items by column name)."""

    @abc.abstractmethod
    async def _opt_exec(self, sql: str, *args: Any) -> int:
        """Run one write statement; return how many rows it changed."""

    @abc.abstractmethod
    async def _opt_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one write statement for each row of arguments, in one transaction."""

    async def log_deliveries(self, entries: Sequence[DeliveryRecord]) -> None:
        """Append lines to the delivery log (one transaction)."""
        rows = []
        for e in entries:
            if e.outcome not in OUTCOMES:
                raise ValueError(f"unknown delivery outcome {e.outcome!r}")
            rows.append((e.workspace, e.channel, e.subscription_id, e.feed_url, e.article_id, item_key(e.item_url),
                         e.item_url, e.item_title[:300], _iso(e.published) if e.published else None, e.outcome,
                         e.detail[:MAX_DETAIL], e.related_article_id, _iso(e.at)))
        if rows:
            # Only the fixed column list and "?" placeholders are composed into the SQL.
            await self._opt_many(f"INSERT INTO delivery_log({_COLS}) VALUES ({','.join('?' * 13)})",  # noqa: S608
                                 rows)

    async def deliveries_of(self, workspace: str, channel: str,
                            article_ids: Sequence[int]) -> list[DeliveryRecord]:
        """Return a channel's log lines about some articles, oldest first."""
        ids = sorted(set(article_ids))
        out: list[DeliveryRecord] = []
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            rows = await self._opt_all(
                f"SELECT id, {_COLS} FROM delivery_log WHERE workspace = ? AND channel = ? "  # noqa: S608
                f"AND article_id IN ({','.join('?' * len(part))}) ORDER BY at, id", workspace, channel, *part)
            out += [_row(r) for r in rows]
        return sorted(out, key=lambda d: (d.at, d.id or 0))

    async def find_deliveries(self, workspace: str, channel: str, *, url: str | None = None,
                              words: Sequence[str] = (), limit: int = 20) -> list[DeliveryRecord]:
        """Return a channel's log lines about an item, by its link or words of its title, newest first."""
        where, args = ["workspace = ?", "channel = ?"], [workspace, channel]
        if url:
            where.append("item_key = ?")
            args.append(item_key(url))
        for w in words:
            where.append("LOWER(item_title) LIKE ? ESCAPE '\\'")
            args.append(_like(w))
        if len(where) == 2:
            return []
        rows = await self._opt_all(
            f"SELECT id, {_COLS} FROM delivery_log WHERE {' AND '.join(where)} "  # noqa: S608
            "ORDER BY at DESC, id DESC LIMIT ?",
            *args, limit)
        return [_row(r) for r in rows]

    async def prune_deliveries(self, before: datetime) -> int:
        """Delete log lines written before ``before`` (the retention); return how many went."""
        return await self._opt_exec("DELETE FROM delivery_log WHERE at < ?", _iso(before))
