"""Frozen data models shared by the engine, the store and every front end."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class Quote:
    """A direct quote found verbatim in an article: ``text[start:end] == quote``."""

    quote: str
    start: int
    end: int
    speaker: str | None = None
    role: str | None = None
    cue: str | None = None
    mention: str | None = None
    # The speaker ranker's probability for this attribution (softmax over the quote's candidates); None when
    # the quote was not attributed by the ranker.
    confidence: float | None = None


@dataclass(frozen=True, slots=True)
class Timex:
    """A temporal expression in TIMEX3 style, resolved against the publication date."""

    text: str
    start: int
    end: int
    type: str  # DATE, TIME, DURATION, SET
    value: str


@dataclass(frozen=True, slots=True)
class Event:
    """A dated event: the sentence a date belongs to, condensed, with its inclusive date range."""

    date_start: date
    date_end: date
    granularity: str  # day, week, month-part, month, quarter, year, decade, century
    expression: str
    text: str
    start: int = 0
    end: int = 0
    entities: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything the NLP pipeline derives from one article's text."""

    quotes: tuple[Quote, ...] = ()
    events: tuple[Event, ...] = ()
    summary: str = ""
    summary_sentences: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Article:
    """A stored article as the engine sees it."""

    id: int
    title: str
    text: str
    url: str | None = None
    published: datetime | None = None
    fetched: datetime | None = None
    author: str | None = None
    source: str | None = None
    summary: str = ""


@dataclass(frozen=True, slots=True)
class Speaker:
    """A canonical speaker with aliases and roles, scoped to a workspace's view."""

    id: int
    name: str
    aliases: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    quote_count: int = 0


@dataclass(frozen=True, slots=True)
class Citation:
    """One sentence of a story's summary and the article it comes from (a renderer links or footnotes it)."""

    text: str
    article_id: int | None = None
    outlet: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Story:
    """One story in a digest: articles that tell the same news, with its best quote."""

    headline: str
    summary: str
    links: tuple[tuple[str, str], ...]  # (title, url or article reference)
    article_ids: tuple[int, ...]
    published: datetime | None = None
    key_quote: Quote | None = None
    key_quote_article_id: int | None = None
    # The article whose headline and summary lead the story (its newest version).
    lead_article_id: int | None = None
    # The stored story these articles belong to (None: an article not assigned to a story yet).
    story_id: int | None = None
    # The outlets of the articles listed, in the order they appear.
    outlets: tuple[str, ...] = ()
    # The summary sentence by sentence, each with the article it cites.
    citations: tuple[Citation, ...] = ()
    # Shown to this channel before: the articles listed are only the new ones, the summary says what is new.
    update: bool = False
    seen_count: int = 0  # articles of it the channel was shown before


@dataclass(frozen=True, slots=True)
class Digest:
    """A render-neutral digest for a workspace and a window."""

    workspace: str
    window_start: datetime
    window_end: datetime
    stories: tuple[Story, ...] = field(default_factory=tuple)
    quote_of_the_day: Quote | None = None
    quote_of_the_day_article_id: int | None = None
