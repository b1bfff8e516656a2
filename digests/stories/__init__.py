"""Stories: one real-world event across outlets and days, assigned online as articles are stored."""

from digests.stories._assign import ActiveStory, Assigner, Changes, Member, Params
from digests.stories._extract import assign_records, run_stories, run_stories_path
from digests.stories._features import KINDS, StoryFeatures, story_features, terms_of

__all__ = [
    "KINDS",
    "ActiveStory",
    "Assigner",
    "Changes",
    "Member",
    "Params",
    "StoryFeatures",
    "assign_records",
    "run_stories",
    "run_stories_path",
    "story_features",
    "terms_of",
]
