"""Stories across outlets and days; here, quotes merged across outlets (issue 26).

``merge_quotes`` and ``build_merged`` group instances of one quote and decide its speaker in memory;
``who_said``, ``quotes_by``, ``quotes_of_articles`` and ``story_key_quotes`` read merged quotes from the store
(the store assigns groups as articles arrive); ``key_quotes`` picks a story's key quotes, the most outlets first.
"""

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

__all__ = [
    "Attribution",
    "MergedQuote",
    "QuoteInstance",
    "Verdict",
    "Vote",
    "build_merged",
    "decide_speaker",
    "export_line",
    "key_quotes",
    "merge_quotes",
    "quote_lines",
    "quotes_by",
    "quotes_of_articles",
    "same_quote",
    "story_key_quotes",
    "who_said",
    "worded_differently",
]
