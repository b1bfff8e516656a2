"""Stories across outlets and days: story summaries (more parts land with the stories issue)."""

from digests.stories._summary import (
    ArticleText,
    StoryArticle,
    StorySummary,
    SummarySentence,
    articles_from_json,
    summarize_story,
)
from digests.stories._summary_llm import summarize_story_llm

__all__ = [
    "ArticleText",
    "StoryArticle",
    "StorySummary",
    "SummarySentence",
    "articles_from_json",
    "summarize_story",
    "summarize_story_llm",
]
