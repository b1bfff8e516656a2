"""Stories across outlets and days: a story's summary and its timeline, each drawn from every article."""

from __future__ import annotations

from digests.stories._summary import (
    ArticleText,
    StoryArticle,
    StorySummary,
    SummarySentence,
    articles_from_json,
    summarize_story,
)
from digests.stories._summary_llm import summarize_story_llm
from digests.stories._timeline import StoryEvent, TimelineArticle, date_label, story_timeline

__all__ = [
    "ArticleText",
    "StoryArticle",
    "StoryEvent",
    "StorySummary",
    "SummarySentence",
    "TimelineArticle",
    "articles_from_json",
    "date_label",
    "story_timeline",
    "summarize_story",
    "summarize_story_llm",
]
