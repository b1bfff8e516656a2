"""Stories across outlets and days: story summaries (more parts land with the stories issue)."""

from digests.stories._summary import (
    ArticleText,
    StoryArticle,
    StorySummary,
    SummarySentence,
    articles_from_json,
    opener_problem,
    summarize_story,
)

__all__ = [
    "ArticleText",
    "StoryArticle",
    "StorySummary",
    "SummarySentence",
    "articles_from_json",
    "opener_problem",
    "summarize_story",
]
