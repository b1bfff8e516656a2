"""The article store: one interface (``Store``), two backends: SQLite (the default) and PostgreSQL."""

from digests.nlp.speakers import speaker_key
from digests.store._base import SchemaTooNew, Store, StoreError, StoreUnavailable, fts_query, redact_url
from digests.store._delivery import DeliveryRecord, item_key
from digests.store._options import AlertRow, ShownStory, SubscriptionOptions
from digests.store._records import (
    AddResult,
    ArticleRow,
    EventRow,
    NewArticle,
    PageStateRow,
    QuoteGroupRow,
    QuoteRow,
    RunRow,
    ScheduleRow,
    SourceRow,
    StoryRow,
    StoryView,
    SubscriptionRow,
)
from digests.store._sqlite import SqliteStore
from digests.store._text import canonical_url, content_hash

__all__ = [
    "AddResult",
    "AlertRow",
    "ArticleRow",
    "DeliveryRecord",
    "EventRow",
    "NewArticle",
    "PageStateRow",
    "QuoteGroupRow",
    "QuoteRow",
    "RunRow",
    "ScheduleRow",
    "SourceRow",
    "SchemaTooNew",
    "ShownStory",
    "StoryRow",
    "StoryView",
    "SqliteStore",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "SubscriptionOptions",
    "SubscriptionRow",
    "canonical_url",
    "content_hash",
    "fts_query",
    "item_key",
    "redact_url",
    "speaker_key",
]
