"""Stories across outlets and days: online assignment as articles are stored, a story's summary and timeline,
and quotes merged across outlets (issue 26).

``merge_quotes`` and ``build_merged`` group instances of one quote and decide its speaker in memory;
``who_said``, ``quotes_by``, ``quotes_of_articles`` and ``story_key_quotes`` read merged quotes from the store
(the store assigns quote groups as articles arrive); ``key_quotes`` picks a story's key quotes, the most
outlets first; ``quote_lines`` writes the ``--quotes-out`` lines.
"""

from __future__ import annotations

from digests.stories._assign import ActiveStory, Assigner, Changes, Member, Params
from digests.stories._extract import assign_records, run_stories, run_stories_path
from digests.stories._features import KINDS, StoryFeatures, story_features, terms_of
from digests.stories._quote_queries import (
    quote_lines,
    quotes_by,
    quotes_of_articles,
    story_key_quotes,
    who_said,
)
from digests.stories._quote_speaker import Attribution, Verdict, Vote, decide_speaker
from digests.stories._quote_text import same_quote, worded_differently
from digests.stories._quotes import (
    MergedQuote,
    QuoteInstance,
    build_merged,
    export_line,
    key_quotes,
    merge_quotes,
)
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
    "Attribution",
    "Changes",
    "Member",
    "MergedQuote",
    "Params",
    "QuoteInstance",
    "StoryArticle",
    "StoryEvent",
    "StoryFeatures",
    "StorySummary",
    "SummarySentence",
    "TimelineArticle",
    "Verdict",
    "Vote",
    "articles_from_json",
    "assign_records",
    "build_merged",
    "date_label",
    "decide_speaker",
    "export_line",
    "key_quotes",
    "merge_quotes",
    "quote_lines",
    "quotes_by",
    "quotes_of_articles",
    "run_stories",
    "run_stories_path",
    "same_quote",
    "story_features",
    "story_key_quotes",
    "story_timeline",
    "summarize_story",
    "summarize_story_llm",
    "terms_of",
    "who_said",
    "worded_differently",
]
