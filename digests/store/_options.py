"""Subscription options, alerts, schedule layouts and the live-post ledger, in one place for every backend.

The SQL here is portable (``?`` placeholders, ``ON CONFLICT DO NOTHING``, times as ISO text); a backend only
provides ``_opt_exec`` (rows changed) and ``_opt_all`` (rows) for it.
"""

from __future__ import annotations

import abc
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

MODES = ("digest", "live")
# How long a channel's record of its live posts is kept: far longer than the rate limit looks back.
SENDS_KEPT = timedelta(days=1)
LAYOUTS = ("message", "thread")
LIVE_STATES = ("baseline", "posted", "folded", "filtered", "merged")


def _iso(dt: datetime) -> str:
    if dt.tzinfo is None:
        raise ValueError("naive datetime given to the store")
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


def _dt(value: str | None) -> datetime | None:
    if not value:
        return None
    dt = datetime.fromisoformat(value)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SubscriptionOptions:
    """How one subscription delivers: mode, filters (stored form), format template, live start."""

    subscription_id: int
    mode: str = "digest"
    filters: tuple[dict[str, str], ...] = ()
    template: str | None = None
    live_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class ShownStory:
    """What a channel was shown of one story: its articles, when first and last, the first live post's id."""

    story_id: int  # the story as it is now (a story shown before a merge is found under the one it went into)
    article_ids: tuple[int, ...]
    first_at: datetime
    last_at: datetime
    message: str | None = None


# Article ids kept per shown story (the newest): an update reads them back as what the channel already knows.
SHOWN_IDS_KEPT = 500


@dataclass(frozen=True, slots=True)
class AlertRow:
    """A channel's alert: stories matching ``keyword`` are posted mentioning ``mention`` (role:ID or subteam:ID)."""

    id: int
    workspace: str
    channel: str
    keyword: str
    mention: str
    created_at: datetime | None = field(default=None, compare=False)


class OptionsMixin(abc.ABC):
    """Store methods for subscription options, alerts, schedule layouts and the live-post ledger."""

    @abc.abstractmethod
    async def _opt_exec(self, sql: str, *args: Any) -> int:
        """Run one write statement; return how many rows it changed."""

    @abc.abstractmethod
    async def _opt_all(self, sql: str, *args: Any) -> list[Any]:
        """Run one query; return its rows (items by column name)."""

    # ---- subscription options ---------------------------------------------------------------------------------

    async def subscription_options(self, subscription_ids: Iterable[int]) -> dict[int, SubscriptionOptions]:
        """Return the options of subscriptions (defaults for those never set)."""
        ids = sorted(set(subscription_ids))
        out = {i: SubscriptionOptions(i) for i in ids}
        if not ids:
            return out
        marks = ",".join("?" * len(ids))
        for r in await self._opt_all(
                "SELECT subscription_id, mode, filters, template, live_since FROM subscription_options "
                f"WHERE subscription_id IN ({marks})", *ids):
            out[int(r["subscription_id"])] = SubscriptionOptions(
                int(r["subscription_id"]), r["mode"], tuple(json.loads(r["filters"] or "[]")), r["template"],
                _dt(r["live_since"]))
        return out

    async def set_subscription_options(self, subscription_id: int, *, mode: str | None = None,
                                       filters: Sequence[dict[str, str]] | None = None,
                                       template: str | None = None, clear_template: bool = False,
                                       now: datetime | None = None
                                       ) -> SubscriptionOptions:
        """Change some options of a subscription; switching to live starts its live window at ``now``."""
        old = (await self.subscription_options([subscription_id]))[subscription_id]
        if mode is not None and mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        new_mode = mode or old.mode
        live_since = old.live_since
        if new_mode == "live" and (old.mode != "live" or live_since is None):
            live_since = now or datetime.now(UTC)
        new = SubscriptionOptions(
            subscription_id, new_mode, tuple(filters) if filters is not None else old.filters,
            None if clear_template else (template if template is not None else old.template),
            live_since if new_mode == "live" else None)
        args = (new.mode, json.dumps(list(new.filters), ensure_ascii=False), new.template,
                _iso(new.live_since) if new.live_since else None)
        changed = await self._opt_exec(
            "UPDATE subscription_options SET mode = ?, filters = ?, template = ?, live_since = ? "
            "WHERE subscription_id = ?", *args, subscription_id)
        if not changed:
            await self._opt_exec(
                "INSERT INTO subscription_options(mode, filters, template, live_since, subscription_id) "
                "VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING", *args, subscription_id)
        return new

    # ---- alerts -----------------------------------------------------------------------------------------------

    async def add_alert(self, workspace: str, channel: str, keyword: str, mention: str,
                        now: datetime | None = None) -> tuple[AlertRow, bool]:
        """Add an alert to a channel (or return the identical one); return it and whether it is new."""
        created = await self._opt_exec(
            "INSERT INTO alerts(workspace, channel, keyword, mention, created_at) VALUES (?,?,?,?,?) "
            "ON CONFLICT DO NOTHING", workspace, channel, keyword, mention, _iso(now or datetime.now(UTC)))
        rows = [a for a in await self.alerts(workspace, channel) if (a.keyword, a.mention) == (keyword, mention)]
        return rows[0], bool(created)

    async def alerts(self, workspace: str, channel: str | None = None) -> list[AlertRow]:
        """Return a workspace's alerts (of one channel if given), oldest first."""
        sql = "SELECT id, workspace, channel, keyword, mention, created_at FROM alerts WHERE workspace = ?"
        args: list[Any] = [workspace]
        if channel is not None:
            sql += " AND channel = ?"
            args.append(channel)
        rows = await self._opt_all(sql + " ORDER BY id", *args)
        return [AlertRow(int(r["id"]), r["workspace"], r["channel"], r["keyword"], r["mention"],
                         _dt(r["created_at"])) for r in rows]

    async def remove_alert(self, workspace: str, channel: str, alert_id: int) -> bool:
        """Remove one of a channel's alerts; False when the channel has no such alert."""
        return bool(await self._opt_exec("DELETE FROM alerts WHERE id = ? AND workspace = ? AND channel = ?",
                                         alert_id, workspace, channel))

    # ---- schedule layouts -------------------------------------------------------------------------------------

    async def set_schedule_layout(self, schedule_id: int, layout: str) -> None:
        """Set how a schedule posts its digest: one message (with pages) or a headline with a thread."""
        if layout not in LAYOUTS:
            raise ValueError(f"unknown layout {layout!r}")
        if not await self._opt_exec("UPDATE schedule_options SET layout = ? WHERE schedule_id = ?", layout,
                                    schedule_id):
            await self._opt_exec("INSERT INTO schedule_options(schedule_id, layout) VALUES (?,?) "
                                 "ON CONFLICT DO NOTHING", schedule_id, layout)

    async def schedule_layout(self, schedule_id: int) -> str:
        """Return a schedule's layout (``message`` unless set)."""
        rows = await self._opt_all("SELECT layout FROM schedule_options WHERE schedule_id = ?", schedule_id)
        return str(rows[0]["layout"]) if rows else "message"

    # ---- the live-post ledger ---------------------------------------------------------------------------------

    async def live_claim(self, workspace: str, channel: str, article_ids: Iterable[int], state: str,
                         now: datetime | None = None) -> list[int]:
        """Record articles as handled in a channel; return those this call claimed (never claimed before).

        The ledger row is the lock: two polls (or processes) racing for the same article post it once.
        """
        if state not in LIVE_STATES:
            raise ValueError(f"unknown live state {state!r}")
        when = _iso(now or datetime.now(UTC))
        claimed = []
        for aid in dict.fromkeys(article_ids):
            if await self._opt_exec(
                    "INSERT INTO live_posts(workspace, channel, article_id, state, at) VALUES (?,?,?,?,?) "
                    "ON CONFLICT DO NOTHING", workspace, channel, aid, state, when):
                claimed.append(aid)
        return claimed

    async def live_handled(self, workspace: str, channel: str, article_ids: Iterable[int]) -> set[int]:
        """Return which of the articles the channel's live ledger already holds."""
        ids = sorted(set(article_ids))
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        rows = await self._opt_all(
            f"SELECT article_id FROM live_posts WHERE workspace = ? AND channel = ? AND article_id IN ({marks})",
            workspace, channel, *ids)
        return {int(r["article_id"]) for r in rows}

    async def live_recent(self, workspace: str, channel: str, since: datetime,
                          states: Sequence[str] = ("posted", "folded")) -> list[tuple[int, datetime]]:
        """Return (article id, when) of articles posted in a channel since ``since``, newest first."""
        marks = ",".join("?" * len(states))
        rows = await self._opt_all(
            "SELECT article_id, at FROM live_posts WHERE workspace = ? AND channel = ? AND at >= ? "
            f"AND state IN ({marks}) ORDER BY at DESC", workspace, channel, _iso(since), *states)
        return [(int(r["article_id"]), _dt(r["at"]) or since) for r in rows]

    async def record_live_send(self, workspace: str, channel: str, at: datetime) -> None:
        """Note that a channel got one live post at ``at``; the rate limit counts these."""
        await self._opt_exec("INSERT INTO live_sends(workspace, channel, at) VALUES (?,?,?)",
                             workspace, channel, _iso(at))
        # Rows far older than the rate window are dropped as new ones come, so the table stays small.
        await self._opt_exec("DELETE FROM live_sends WHERE workspace = ? AND channel = ? AND at < ?",
                             workspace, channel, _iso(at - SENDS_KEPT))

    async def live_sends(self, workspace: str, channel: str, since: datetime) -> list[datetime]:
        """Return when a channel got each of its live posts since ``since``, newest first."""
        rows = await self._opt_all(
            "SELECT at FROM live_sends WHERE workspace = ? AND channel = ? AND at >= ? ORDER BY at DESC, id DESC",
            workspace, channel, _iso(since))
        return [_dt(r["at"]) or since for r in rows]

    async def hold_live(self, workspace: str, channel: str,
                        held: Iterable[tuple[int, int, str, str | None, datetime | None]]) -> None:
        """Keep stories the rate limit held back, as (article, subscription, outlet, link, since), for a later round."""
        for article_id, subscription_id, outlet, link, since in held:
            await self._opt_exec(
                "INSERT INTO live_held(workspace, channel, article_id, subscription_id, outlet, link, since) "
                "VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING", workspace, channel, article_id, subscription_id,
                outlet, link, _iso(since) if since else None)

    async def release_live_held(self, workspace: str, channel: str, keep: Iterable[int] = ()) -> None:
        """Drop a channel's held stories, except those of the articles in ``keep``."""
        ids = sorted(set(keep))
        marks = ",".join("?" * len(ids))
        await self._opt_exec("DELETE FROM live_held WHERE workspace = ? AND channel = ?"
                             + (f" AND article_id NOT IN ({marks})" if ids else ""), workspace, channel, *ids)

    # ---- stories a channel was shown ---------------------------------------------------------------------------

    async def shown_stories(self, workspace: str, channel: str, story_ids: Iterable[int]) -> dict[int, ShownStory]:
        """Return what a channel was shown of these stories (by story id, merges followed), from digests and
        live posts."""
        ids = sorted(set(story_ids))
        out: dict[int, ShownStory] = {}
        for at in range(0, len(ids), 500):
            part = ids[at:at + 500]
            marks = ",".join("?" * len(part))
            # A row written for a story merged since counts for the story it went into (merges are one hop:
            # the store points every merged story at the final one).
            rows = await self._opt_all(
                "SELECT COALESCE(s.merged_into, h.story_id) AS now_id, h.article_ids, h.first_at, h.last_at, "
                "h.message FROM shown_stories h LEFT JOIN stories s ON s.id = h.story_id "
                f"WHERE h.workspace = ? AND h.channel = ? AND COALESCE(s.merged_into, h.story_id) IN ({marks}) "
                "ORDER BY h.first_at", workspace, channel, *part)
            for r in rows:
                sid = int(r["now_id"])
                first, last = _dt(r["first_at"]) or datetime.now(UTC), _dt(r["last_at"]) or datetime.now(UTC)
                arts = tuple(int(x) for x in json.loads(r["article_ids"] or "[]"))
                had = out.get(sid)
                if had is None:
                    out[sid] = ShownStory(sid, arts, first, last, r["message"])
                else:
                    out[sid] = ShownStory(sid, tuple(dict.fromkeys(had.article_ids + arts)), min(had.first_at, first),
                                          max(had.last_at, last), had.message or r["message"])
        return out

    async def mark_shown(self, workspace: str, channel: str, story_id: int, article_ids: Iterable[int],
                         at: datetime, message: str | None = None) -> None:
        """Record that a channel was shown these articles of a story at ``at`` (``message``: its first live post)."""
        rows = await self._opt_all("SELECT article_ids FROM shown_stories WHERE workspace = ? AND channel = ? "
                                   "AND story_id = ?", workspace, channel, story_id)
        known = [int(x) for x in json.loads(rows[0]["article_ids"] or "[]")] if rows else []
        ids = list(dict.fromkeys([*known, *(int(a) for a in article_ids)]))[-SHOWN_IDS_KEPT:]
        await self._opt_exec(
            "INSERT INTO shown_stories(workspace, channel, story_id, article_ids, first_at, last_at, message) "
            "VALUES (?,?,?,?,?,?,?) ON CONFLICT (workspace, channel, story_id) DO UPDATE SET "
            "article_ids = excluded.article_ids, last_at = excluded.last_at, "
            "message = COALESCE(shown_stories.message, excluded.message)",
            workspace, channel, story_id, json.dumps(ids), _iso(at), _iso(at), message)

    async def prune_shown_stories(self, before: datetime) -> int:
        """Forget what channels were shown of stories last shown before ``before``; return how many rows went."""
        return await self._opt_exec("DELETE FROM shown_stories WHERE last_at < ?", _iso(before))

    async def live_held(self) -> list[tuple[str, str, int, int, str, str | None, datetime | None]]:
        """Return every channel's held stories: (workspace, channel, article, subscription, outlet, link, since)."""
        rows = await self._opt_all(
            "SELECT workspace, channel, article_id, subscription_id, outlet, link, since FROM live_held "
            "ORDER BY workspace, channel, article_id, subscription_id")
        return [(r["workspace"], r["channel"], int(r["article_id"]), int(r["subscription_id"]), r["outlet"],
                 r["link"], _dt(r["since"])) for r in rows]
