"""Stories across outlets and days: online assignment as articles are stored, and a story's timeline."""

from __future__ import annotations

from digests.stories._assign import ActiveStory, Assigner, Changes, Member, Params
from digests.stories._extract import assign_records, run_stories, run_stories_path
from digests.stories._features import KINDS, StoryFeatures, story_features, terms_of
from digests.stories._timeline import StoryEvent, TimelineArticle, date_label, story_timeline

__all__ = [
    "KINDS",
    "ActiveStory",
    "Assigner",
    "Changes",
    "Member",
    "Params",
    "StoryEvent",
    "StoryFeatures",
    "TimelineArticle",
    "assign_records",
    "date_label",
    "run_stories",
    "run_stories_path",
    "story_features",
    "story_timeline",
    "terms_of",
]
