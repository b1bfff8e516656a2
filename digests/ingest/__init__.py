"""Sources of articles: files, URLs and RSS/Atom feeds, cleaned, de-duplicated and stored."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

from digests.ingest._documents import (
    Document,
    DocumentError,
    ParsedFeed,
    document_from_text,
    first_sentence,
    page_document,
    parse_date,
    parse_feed,
    read_file,
)
from digests.ingest._fetch import Fetcher, FetchError, FetchLimits, FetchResult, RetryLaterError
from digests.ingest._safety import InternalHosts, UnsafeURLError, address_problem, check_url
from digests.models import Analysis
from digests.nlp.llm import LLMSummarizer
from digests.nlp.pipeline import analyze
from digests.store import NewArticle, SourceRow, Store
from digests.store._batch import BatchItem, Prepared, prepare_for_store, prepare_quotes

__all__ = [
    "BatchDoc",
    "Document",
    "DocumentError",
    "FeedPoll",
    "FeedPreview",
    "FetchError",
    "FetchLimits",
    "FetchResult",
    "Fetcher",
    "IngestOutcome",
    "Ingestor",
    "InternalHosts",
    "ParsedFeed",
    "RetryLaterError",
    "UnsafeURLError",
    "address_problem",
    "check_url",
    "document_from_text",
    "first_sentence",
    "parse_date",
    "parse_feed",
]


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    """What happened to one input: added, duplicate, near-duplicate or failed (with the reason)."""

    source: str
    status: str
    article_id: int | None = None
    title: str = ""
    reason: str = ""
    published: datetime | None = None
    item_title: str = ""  # the title the input itself gave (``title`` is the stored article's, maybe another copy's)


@dataclass(frozen=True, slots=True)
class FeedPoll:
    """One feed fetch: outcome per entry, or not modified, or the error that stopped it."""

    source_id: int
    not_modified: bool = False
    outcomes: list[IngestOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    error: str | None = None
    retry_after: float | None = None
    etag: str | None = None
    last_modified: str | None = None
    title: str = ""


@dataclass(frozen=True, slots=True)
class BatchDoc:
    """One article of a bulk ingest: the article, every workspace that should see it, and its arrival time."""

    article: NewArticle
    workspaces: tuple[str, ...]
    via: str = "feed"
    now: datetime | None = None


def analyze_many(jobs: list[tuple[str, str, date | None]]) -> list[Analysis]:
    """Analyze several articles in one call (one pickling round trip to a worker process per chunk)."""
    return [analyze(text, title, published) for text, title, published in jobs]


@dataclass(frozen=True, slots=True)
class FeedPreview:
    """A feed fetched for a preview: its newest entry analyzed, its problems, nothing stored."""

    url: str
    title: str = ""
    entries: int = 0
    newest: Document | None = None
    analysis: Analysis | None = None
    problems: tuple[str, ...] = ()
    error: str | None = None


def feed_problems(docs: Sequence[Document], parse_problems: Sequence[str]) -> list[str]:
    """Return what is wrong with a parsed feed: undated entries, duplicate GUIDs, plus the parser's notes."""
    out = list(parse_problems)
    undated = sum(1 for d in docs if d.published is None)
    if docs and undated:
        out.append(f"{undated} of {len(docs)} entries have no date" if undated < len(docs)
                   else "no entry has a date: new items cannot be told from old ones by date")
    seen: dict[str, int] = {}
    for d in docs:
        if d.guid:
            seen[d.guid] = seen.get(d.guid, 0) + 1
    dups = [g for g, n in seen.items() if n > 1]
    if dups:
        out.append(f"{len(dups)} GUID(s) used by more than one entry (e.g. {dups[0][:80]}): "
                   "those entries look like one item")
    if not docs:
        out.append("the feed has no entries yet")
    return out


def analyze_and_prepare(arts: list[NewArticle]) -> list[tuple[Analysis, Prepared]]:
    """Analyze articles and compute their dedup keys (MinHash, hashes) in one call on a worker.

    Everything CPU-heavy per article happens here (its story signature too), so the bot's process (the event
    loop and the writer's thread) only binds the results into prepared statements.
    """
    out = []
    for a in arts:
        analysis = analyze(a.text, a.title, a.published.date() if a.published else None)
        # Quote grouping's keys and names too: the writer, one thread for every worker, only looks them up.
        out.append((analysis, prepare_quotes(prepare_for_store(a), a, analysis)))
    return out


class Ingestor:
    """Fetch, extract, analyze off the event loop, de-duplicate and store articles for a workspace."""

    def __init__(self, store: Store, fetcher: Fetcher, *, executor: Executor | None = None,
                 max_file_bytes: int = 5 * 1024 * 1024, llm: LLMSummarizer | None = None) -> None:
        self.store = store
        self.llm = llm
        self.fetcher = fetcher
        self.executor = executor
        self.max_file_bytes = max_file_bytes

    async def store_document(self, doc: Document, *, workspace: str, via: str, source: str,
                             source_id: int | None = None, published: datetime | None = None) -> IngestOutcome:
        """Analyze and store one document (or link it to its duplicate)."""
        when = published or doc.published
        new = NewArticle(title=doc.title, text=doc.text, url=doc.url, guid=doc.guid, published=when,
                         author=doc.author, source_id=source_id)
        loop = asyncio.get_running_loop()
        # The dedup keys (MinHash) are computed where the analysis runs, never on the event loop.
        prepared = await loop.run_in_executor(self.executor, prepare_for_store, new)
        dup = await self.store.find_duplicate(new, workspace, prepared=prepared)
        analysis = None
        if dup is None:
            analysis = await loop.run_in_executor(
                self.executor, analyze, doc.text, doc.title, when.date() if when else None)
            if self.llm is not None:
                # The LLM summarizer checks its quotes against the article and falls back to the extractive one.
                sentences = await self.llm.summarize(doc.text, doc.title)
                analysis = replace(analysis, summary=" ".join(sentences), summary_sentences=tuple(sentences))
        result = await self.store.add_article(new, analysis, workspace=workspace, via=via, prepared=prepared)
        return IngestOutcome(source=source, status=result.status, article_id=result.article_id,
                             title=result.title, published=when, item_title=doc.title)

    async def store_batch(self, docs: Sequence[BatchDoc], *, chunk: int = 16) -> list[IngestOutcome]:
        """Analyze a batch in the executor (chunks spread over its workers) and store it in one transaction."""
        # Exact keys only: the writer repeats the full check (near-duplicates too) inside its transaction,
        # so this pass just spares the workers articles already stored, without a second MinHash per article.
        dups = await self.store.find_duplicates([d.article for d in docs], near=False)
        fresh = [d for d, dup in zip(docs, dups, strict=True) if dup is None]
        arts = [d.article for d in fresh]
        loop = asyncio.get_running_loop()
        parts = await asyncio.gather(*(loop.run_in_executor(self.executor, analyze_and_prepare, arts[i:i + chunk])
                                       for i in range(0, len(arts), chunk)))
        analyses: dict[int, tuple[Analysis, Prepared]] = {}
        for d, (analysis, prep) in zip(fresh, (a for part in parts for a in part), strict=True):
            if self.llm is not None:
                sentences = await self.llm.summarize(d.article.text, d.article.title)
                analysis = replace(analysis, summary=" ".join(sentences), summary_sentences=tuple(sentences))
            analyses[id(d)] = (analysis, prep)
        now = datetime.now(UTC)
        items = []
        for d in docs:
            done = analyses.get(id(d))
            items.append(BatchItem(d.article, done[0] if done else None, d.workspaces, d.via, d.now or now,
                                   done[1] if done else None))
        results = await self.store.add_articles(items)
        return [IngestOutcome(source=d.article.url or d.article.title, status=r.status, article_id=r.article_id,
                              title=r.title, published=d.article.published, item_title=d.article.title)
                for d, r in zip(docs, results, strict=True)]

    async def ingest_path(self, path: str | Path, *, workspace: str, published: datetime | None = None,
                          via: str = "upload") -> IngestOutcome:
        """Ingest one local file."""
        p = Path(path)
        try:
            doc = await asyncio.to_thread(read_file, p, self.max_file_bytes)
        except DocumentError as exc:
            return IngestOutcome(source=str(path), status="failed", reason=str(exc))
        return await self.store_document(doc, workspace=workspace, via=via, source=str(path), published=published)

    async def ingest_url(self, url: str, *, workspace: str, published: datetime | None = None,
                         via: str = "upload") -> IngestOutcome:
        """Fetch one page and ingest it."""
        try:
            res = await self.fetcher.fetch(url)
            doc = await asyncio.to_thread(page_document, res.body, res.charset, res.content_type, res.url)
        except (UnsafeURLError, FetchError, DocumentError) as exc:
            return IngestOutcome(source=url, status="failed", reason=str(exc))
        if doc.url is None:
            doc = Document(doc.title, doc.text, url, doc.guid, doc.published, doc.author)
        return await self.store_document(doc, workspace=workspace, via=via, source=url, published=published)

    async def preview_feed(self, url: str) -> FeedPreview:
        """Fetch and parse a feed and analyze its newest entry, storing nothing; report the feed's problems."""
        try:
            res = await self.fetcher.fetch(url)
        except (UnsafeURLError, FetchError) as exc:
            return FeedPreview(url, error=str(exc))
        try:
            feed = await asyncio.to_thread(parse_feed, res.body, res.url)
        except DocumentError as exc:
            return FeedPreview(url, error=str(exc))
        problems = tuple(feed_problems(feed.documents, feed.problems))
        if not feed.documents:
            return FeedPreview(url, feed.title, 0, problems=problems)
        floor = datetime.min.replace(tzinfo=UTC)
        # Feeds list newest first by convention; a dated entry decides when they do not.
        newest = max(enumerate(feed.documents), key=lambda p: (p[1].published or floor, -p[0]))[1]
        when = newest.published
        loop = asyncio.get_running_loop()
        analysis = await loop.run_in_executor(self.executor, analyze, newest.text, newest.title,
                                              when.date() if when else None)
        return FeedPreview(url, feed.title, len(feed.documents), newest, analysis, problems)

    async def poll_feed(self, source: SourceRow, *, workspaces: list[str], via: str = "feed") -> FeedPoll:
        """Fetch a feed with a conditional GET and store its new entries for each workspace."""
        try:
            res = await self.fetcher.fetch(source.url, etag=source.etag, last_modified=source.last_modified)
        except RetryLaterError as exc:
            return FeedPoll(source.id, error=str(exc), retry_after=exc.retry_after)
        except (UnsafeURLError, FetchError) as exc:
            return FeedPoll(source.id, error=str(exc))
        if res.status == 304:
            return FeedPoll(source.id, not_modified=True, etag=source.etag, last_modified=source.last_modified)
        try:
            feed = await asyncio.to_thread(parse_feed, res.body, res.url)
        except DocumentError as exc:
            return FeedPoll(source.id, error=str(exc))
        outcomes: list[IngestOutcome] = []
        for doc in reversed(feed.documents):  # oldest first, so ids grow with time
            for ws in workspaces or ["local"]:
                outcomes.append(await self.store_document(doc, workspace=ws, via=via, source=doc.url or source.url,
                                                          source_id=source.id))
        return FeedPoll(source.id, outcomes=outcomes, problems=feed.problems, etag=res.etag,
                        last_modified=res.last_modified, title=feed.title)
