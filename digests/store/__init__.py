"""The article store: one repository interface; SQLite (aiosqlite, WAL, FTS5) is the default backend."""

from digests.store._options import AlertRow, SubscriptionOptions
from digests.store._records import (
    AddResult,
    ArticleRow,
    EventRow,
    NewArticle,
    QuoteRow,
    RunRow,
    ScheduleRow,
    SourceRow,
    SubscriptionRow,
)
from digests.store._sqlite import Store, fts_query, speaker_key
from digests.store._text import canonical_url, content_hash

__all__ = [
    "AddResult",
    "AlertRow",
    "ArticleRow",
    "EventRow",
    "NewArticle",
    "QuoteRow",
    "RunRow",
    "ScheduleRow",
    "SourceRow",
    "Store",
    "SubscriptionOptions",
    "SubscriptionRow",
    "canonical_url",
    "content_hash",
    "fts_query",
    "speaker_key",
]
