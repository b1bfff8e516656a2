"""Stories across outlets and days: online assignment as articles are stored, a story's summary and its timeline."""

from __future__ import annotations

from digests.stories._assign import ActiveStory, Assigner, Changes, Member, Params
from digests.stories._extract import assign_records, run_stories, run_stories_path
from digests.stories._features import KINDS, StoryFeatures, story_features, terms_of
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
    "KINDS",
    "ActiveStory",
    "ArticleText",
    "Assigner",
    "Changes",
    "Member",
    "Params",
    "StoryArticle",
    "StoryEvent",
    "StoryFeatures",
    "StorySummary",
    "SummarySentence",
    "TimelineArticle",
    "articles_from_json",
    "assign_records",
    "date_label",
    "run_stories",
    "run_stories_path",
    "story_features",
    "story_timeline",
    "summarize_story",
    "summarize_story_llm",
    "terms_of",
]
