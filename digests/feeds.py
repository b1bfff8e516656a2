"""Feed polling on the engine side: per-host politeness, backoff, health states and what to announce."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from digests.ingest import FeedPoll, Ingestor, IngestOutcome
from digests.store import SourceRow, Store

log = logging.getLogger("newsbot.feeds")

OK, FAILING, FAILED = "ok", "failing", "failed"
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class FeedPolicy:
    """How often to poll, when a feed counts as failing or failed, and how far to back off."""

    interval_s: float = 900.0
    failing_after: int = 2
    failed_after: int = 8
    max_backoff_s: float = 6 * 3600.0
    max_retry_after_s: float = 24 * 3600.0
    host_spacing_s: float = 1.0
    # A host that sent Retry-After is left alone this long at most before the gate lets the next feed through;
    # the feed that got the answer itself waits the full Retry-After through its next_fetch.
    max_host_pause_s: float = 300.0


def health_for(failures: int, policy: FeedPolicy) -> str:
    """Return the health state after ``failures`` consecutive failures."""
    if failures >= max(policy.failed_after, policy.failing_after):
        return FAILED
    if failures >= policy.failing_after:
        return FAILING
    return OK


def backoff_s(failures: int, policy: FeedPolicy, retry_after: float | None = None) -> float:
    """Return seconds until the next try after ``failures`` consecutive failures (never before Retry-After)."""
    if failures <= 0:
        return policy.interval_s
    # Start at a quarter interval so one transient error is retried soon, then double up to the cap.
    delay = min(policy.max_backoff_s, max(policy.interval_s / 4, 1.0) * 2 ** min(failures - 1, 20))
    if retry_after:
        delay = max(delay, min(retry_after, policy.max_retry_after_s))
    return delay


@dataclass(frozen=True, slots=True)
class Announcement:
    """A health change to say once in one subscribed channel."""

    workspace: str
    channel: str
    source_id: int
    url: str
    health: str
    text: str


@dataclass(frozen=True, slots=True)
class PollReport:
    """What one poll did: fetch result, articles seen, new health and the announcements it calls for."""

    source_id: int
    url: str
    ok: bool
    not_modified: bool = False
    error: str | None = None
    health: str = OK
    failures: int = 0
    next_fetch: datetime | None = None
    added: int = 0
    items: list[IngestOutcome] = field(default_factory=list)
    initial_for: frozenset[str] = frozenset()
    title: str = ""
    announcements: list[Announcement] = field(default_factory=list)


class HostGate:
    """Let one request per host run at a time, spaced apart, and hold a host back after Retry-After."""

    def __init__(self, spacing_s: float = 1.0, max_pause_s: float = 300.0) -> None:
        self.spacing_s = spacing_s
        self.max_pause_s = max_pause_s
        self._locks: dict[str, asyncio.Lock] = {}
        self._not_before: dict[str, float] = {}

    @contextlib.asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        """Wait for the host's turn, then hold it for the duration of the block."""
        lock = self._locks.setdefault(host, asyncio.Lock())
        async with lock:
            loop = asyncio.get_running_loop()
            wait = self._not_before.get(host, 0.0) - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                yield
            finally:
                # Spacing counts from the end of a request, so a slow host is not hit back-to-back.
                self._not_before[host] = max(self._not_before.get(host, 0.0), loop.time() + self.spacing_s)

    def defer(self, host: str, seconds: float) -> None:
        """Keep requests to ``host`` back for ``seconds`` (bounded), e.g. after a 429 with Retry-After."""
        loop = asyncio.get_running_loop()
        until = loop.time() + min(max(seconds, 0.0), self.max_pause_s)
        self._not_before[host] = max(self._not_before.get(host, 0.0), until)


def _announcement_text(source: SourceRow, health: str, error: str | None, failures: int) -> str:
    name = source.title or source.url
    if health == OK:
        return f"Feed {name} is working again."
    if health == FAILING:
        return (f"Feed {name} is failing ({failures} failed fetches in a row; last error: {error}). "
                "It is retried with backoff; /feeds list shows its state.")
    return (f"Feed {name} has failed {failures} times in a row and is marked failed (last error: {error}). "
            "It is still retried every few hours; /feeds list shows its state.")


def unique_items(outcomes: Iterable[IngestOutcome]) -> list[IngestOutcome]:
    """Return one outcome per stored article, in feed order (oldest first), dropping failed entries."""
    seen: set[int] = set()
    out: list[IngestOutcome] = []
    for o in outcomes:
        if o.article_id is None or o.status == "failed" or o.article_id in seen:
            continue
        seen.add(o.article_id)
        out.append(o)
    return out


def newest(items: list[IngestOutcome], n: int) -> list[IngestOutcome]:
    """Return the ``n`` newest items, newest first (by date, else by feed position)."""
    floor = datetime.min.replace(tzinfo=UTC)
    ranked = sorted(enumerate(items), key=lambda p: (p[1].published or floor, p[0]), reverse=True)
    return [o for _, o in ranked[:max(n, 0)]]


class FeedPoller:
    """Poll feeds politely and keep their health; the caller delivers the announcements it returns."""

    def __init__(self, store: Store, ingestor: Ingestor, policy: FeedPolicy | None = None, *,
                 clock: Clock | None = None, gate: HostGate | None = None) -> None:
        self.store = store
        self.ingestor = ingestor
        self.policy = policy or FeedPolicy()
        self.clock = clock or utc_now
        self.gate = gate or HostGate(self.policy.host_spacing_s, self.policy.max_host_pause_s)

    async def due(self) -> list[SourceRow]:
        """Return active feeds whose next fetch time has come (or that were never fetched)."""
        now = self.clock()
        return [s for s in await self.store.active_sources() if s.next_fetch is None or s.next_fetch <= now]

    async def poll(self, source: SourceRow, *, initial_for: Iterable[str] = ()) -> PollReport:
        """Fetch one feed, store new items, update its health; ``initial_for`` workspaces get a silent baseline."""
        subs = [s for s in await self.store.subscriptions(source_id=source.id) if not s.paused]
        workspaces = sorted({s.workspace for s in subs} | set(initial_for))
        if not workspaces:
            return PollReport(source.id, source.url, ok=True, health=source.health, failures=source.failures)
        # A feed never fetched successfully has no baseline anywhere: its current items are history, not news.
        initial = set(workspaces) if source.last_success is None else set(initial_for)
        feed_ws = [w for w in workspaces if w not in initial]
        # A new baseline needs the whole feed, so skip the conditional GET that would answer 304 to it.
        fetch_src = replace(source, etag=None, last_modified=None) if initial else source
        host = urlsplit(source.url).hostname or source.url
        started = self.clock()
        async with self.gate.slot(host):
            try:
                if feed_ws:
                    res = await self.ingestor.poll_feed(fetch_src, workspaces=feed_ws, via="feed")
                else:
                    res = await self.ingestor.poll_feed(fetch_src, workspaces=[min(initial)], via="initial")
            except Exception as exc:  # noqa: BLE001 - any failure must become visible health, not a dead task
                log.exception("polling %s failed", source.url)
                res = FeedPoll(source.id, error=f"{exc.__class__.__name__}: {exc}")
            if res.error and res.retry_after:
                self.gate.defer(host, res.retry_after)
        items = unique_items(res.outcomes)
        if res.error is None and initial:
            for ws in sorted(initial):
                for o in items:
                    assert o.article_id is not None
                    await self.store.grant(o.article_id, ws, "initial")
        return await self._record(source, res, started, items, frozenset(initial))

    async def _record(self, source: SourceRow, res: FeedPoll, now: datetime, items: list[IngestOutcome],
                      initial: frozenset[str]) -> PollReport:
        policy = self.policy
        fields: dict[str, object] = {"last_fetch": now}
        if res.error is None:
            failures = 0
            nxt = now + timedelta(seconds=policy.interval_s)
            # A feed that works but has problems (recovered from broken XML, impossible dates) says so in its
            # health line; last_error holds the latest problem until a clean fetch clears it.
            note = f"warning: {res.problems[0]}" + (f" (+{len(res.problems) - 1} more)" if len(res.problems) > 1
                                                     else "") if res.problems else None
            if res.not_modified:
                # An unchanged feed keeps the warning its last full fetch showed, but never an error: the fetch
                # before this one failed only if it counted a failure, and this one worked.
                note = source.last_error if source.failures == 0 else None
            fields.update(failures=0, health=OK, last_error=note[:300] if note else None, last_success=now,
                          next_fetch=nxt)
            # Keep validators from a full baseline fetch too: every subscriber is now up to date with this feed.
            if not res.not_modified:
                fields.update(etag=res.etag, last_modified=res.last_modified)
            # A 304 carries no title: the stored one stays; a full fetch may rename the feed.
            if res.title and res.title != source.title:
                fields["title"] = res.title
        else:
            failures = source.failures + 1
            nxt = now + timedelta(seconds=backoff_s(failures, policy, res.retry_after))
            # The failure is also kept apart from the current state, so it stays visible as history after the
            # feed recovers and /feeds list no longer shows it as the feed's state.
            fields.update(failures=failures, health=health_for(failures, policy), last_error=res.error[:300],
                          next_fetch=nxt, last_failure=res.error[:300], last_failure_at=now)
        health = str(fields["health"])
        announcements: list[Announcement] = []
        if health != source.announced_health:
            fields["announced_health"] = health
            named = replace(source, title=source.title or res.title or None)
            text = _announcement_text(named, health, res.error, failures)
            subs = [s for s in await self.store.subscriptions(source_id=source.id) if not s.paused]
            announcements = [Announcement(s.workspace, s.channel, source.id, source.url, health, text) for s in subs]
        await self.store.update_source(source.id, **fields)
        return PollReport(
            source.id, source.url, ok=res.error is None, not_modified=res.not_modified, error=res.error,
            health=health, failures=failures, next_fetch=nxt,
            added=sum(1 for o in res.outcomes if o.status == "added"), items=items, initial_for=initial,
            title=res.title or source.title or "", announcements=announcements,
        )
