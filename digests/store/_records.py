"""Rows the store returns: plain frozen dataclasses, free of SQL and of any chat library."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class NewArticle:
    """An article about to be stored, as ingest produced it."""

    title: str
    text: str
    url: str | None = None
    guid: str | None = None
    published: datetime | None = None
    author: str | None = None
    source_id: int | None = None


@dataclass(frozen=True, slots=True)
class AddResult:
    """What storing one article did: added, duplicate (exact) or near-duplicate (linked to ``article_id``)."""

    article_id: int
    status: str
    title: str = ""


@dataclass(frozen=True, slots=True)
class ArticleRow:
    """An article as listed by queries (no body text)."""

    id: int
    title: str
    url: str | None
    published: datetime | None
    summary: str
    source: str | None = None
    snippet: str = ""


@dataclass(frozen=True, slots=True)
class QuoteRow:
    """A stored quote with its speaker and article."""

    id: int
    quote: str
    speaker: str | None
    role: str | None
    article_id: int
    article_title: str
    url: str | None
    published: datetime | None
    start: int
    end: int
    is_key: bool = False
    group_id: int | None = None  # the quote group when other articles carry the same words
    confidence: float | None = None  # the speaker ranker's probability for the article's own attribution


@dataclass(frozen=True, slots=True)
class QuoteGroupRow:
    """A quote several articles carry: the speaker chosen from all of them, and the instances a workspace sees."""

    id: int
    speaker: str | None
    role: str | None
    status: str  # agreed, chosen, split, unknown
    statement: bool  # False: a label (a sign, a chant, a title) printed in quotation marks, not said
    evidence: str  # JSON: {"votes": [{"speaker", "kind", "weight", "articles"}], "split": [names]}
    lead_quote_id: int | None
    outlets: int
    story_id: int | None
    instances: tuple[QuoteRow, ...] = ()


@dataclass(frozen=True, slots=True)
class EventRow:
    """A stored dated event with its article."""

    id: int
    date_start: date
    date_end: date
    granularity: str
    expression: str
    text: str
    article_id: int
    article_title: str
    url: str | None
    published: datetime | None
    start: int = 0  # the event's sentence in the article text (character offsets)
    end: int = 0


@dataclass(frozen=True, slots=True)
class SourceRow:
    """A feed or other source with its fetch state and health."""

    id: int
    kind: str
    url: str
    title: str | None
    etag: str | None
    last_modified: str | None
    health: str
    last_error: str | None
    failures: int
    last_fetch: datetime | None
    last_success: datetime | None
    next_fetch: datetime | None
    interval_s: int
    announced_health: str
    # The latest failed fetch, kept after the feed recovers so /feeds list can show it as history.
    last_failure: str | None = None
    last_failure_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SubscriptionRow:
    """A channel's subscription to a source."""

    id: int
    workspace: str
    channel: str
    paused: bool
    source: SourceRow
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    """A channel's digest schedule."""

    id: int
    workspace: str
    channel: str
    spec: str
    cron: str
    timezone: str
    notify_empty: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RunRow:
    """One digest delivery attempt for a schedule window."""

    id: int
    schedule_id: int
    window_start: datetime
    window_end: datetime
    status: str
    late: bool
    claimed_at: datetime
    finished_at: datetime | None
    message_ids: str | None
    error: str | None


@dataclass(frozen=True, slots=True)
class PageStateRow:
    """What a paged chat reply needs to be shown again at another page, by any process: the command run."""

    id: int
    command: str
    args: str
    workspace: str
    channel: str
    user: str
    is_admin: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StoryRow:
    """A story: one event across outlets and days (global; a workspace sees only its visible articles).

    Read for a workspace (``workspace_story``, ``article_story`` with one, ``stories_in_window``,
    ``match_stories``), its headline, counts and times are those of the articles that workspace sees; read
    without one (``story``), over every workspace's.
    """

    id: int
    headline: str
    first_at: datetime | None
    last_at: datetime | None
    articles: int  # articles in the story
    outlets: int  # distinct source hosts
    merged_into: int | None = None  # set on a story that was merged into another


@dataclass(frozen=True, slots=True)
class StoryView:
    """A story as one workspace sees it: its visible articles (oldest first) and those new in a window."""

    story: StoryRow
    article_ids: tuple[int, ...]
    new_ids: tuple[int, ...] = ()
