"""Stories across outlets and days; here, a story's timeline: what happened when, from every article."""

from __future__ import annotations

from digests.stories._timeline import StoryEvent, TimelineArticle, date_label, story_timeline

__all__ = ["StoryEvent", "TimelineArticle", "date_label", "story_timeline"]
