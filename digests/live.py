"""Live delivery decisions: which new stories a channel gets now, merged across feeds, filtered, rate limited.

Pure engine logic: the scheduler collects candidates from feed polls and posts what ``plan_channel`` returns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from digests.digest import compose, group_stories
from digests.filters import CompiledFilters, StoryText
from digests.models import Article, Story
from digests.store import QuoteRow
from digests.templates import StoryValues

# At most this many posts a channel gets in RATE_WINDOW; the rest of a burst is folded into one post.
RATE_LIMIT = 5
RATE_WINDOW = timedelta(minutes=1)
# A folded post lists at most this many headlines; later ones wait for the next round.
FOLD_MAX = 20
# New stories are compared with what the channel got this long ago, so a late copy from another feed is dropped.
MERGE_WINDOW = timedelta(hours=48)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A new article a feed poll brought to a channel, and which subscription (and feed) brought it."""

    article_id: int
    subscription_id: int
    outlet: str
    link: str | None = None
    since: datetime | None = None  # only articles published from then on are news here
    item_title: str = ""  # the item as the feed gave it (its article may be another feed's copy)
    feed_url: str = ""
    status: str = "added"  # what storing the item did: added, duplicate, near-duplicate


@dataclass(frozen=True, slots=True)
class Decision:
    """Why an article of a round was not posted on its own: merged, filtered, or left for the digest."""

    article_id: int
    outcome: str
    detail: str
    related_article_id: int | None = None
    subscription_id: int | None = None


@dataclass(frozen=True, slots=True)
class LiveStory:
    """One story to post live: the composed story, its sources across feeds, and whom to mention."""

    story: Story
    sources: tuple[tuple[str, str], ...]  # (outlet, link)
    mentions: tuple[str, ...] = ()
    subscription_ids: tuple[int, ...] = ()
    speakers: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()  # why it is posted: an include filter or an alert that matched

    def values(self) -> StoryValues:
        """Return the template values of this story."""
        q = self.story.key_quote
        link = next((u for _, u in self.sources if u), "") or (self.story.links[0][1] if self.story.links else "")
        return StoryValues(
            title=self.story.headline, summary=self.story.summary,
            quote=f"“{q.quote.rstrip(' ,;:')}”" if q else "", speaker=(q.speaker or "") if q else "",
            link=link if link.startswith(("http://", "https://")) else "",
            published=f"{self.story.published:%Y-%m-%d %H:%M} UTC" if self.story.published else "",
            outlet=", ".join(dict.fromkeys(o for o, _ in self.sources)))


@dataclass
class ChannelPlan:
    """What one channel gets from one round: single posts, one folded post, and what was dropped or held."""

    singles: list[LiveStory] = field(default_factory=list)
    folded: list[LiveStory] = field(default_factory=list)
    deferred: list[LiveStory] = field(default_factory=list)
    filtered: list[int] = field(default_factory=list)  # article ids no subscription's filters let through
    merged: list[int] = field(default_factory=list)  # article ids of stories the channel already got
    decisions: list[Decision] = field(default_factory=list)  # why each held-back article was held back


def rate_room(sent: Sequence[datetime], now: datetime, limit: int = RATE_LIMIT,
              window: timedelta = RATE_WINDOW) -> int:
    """Return how many more posts a channel may get now, given when its recent posts went out."""
    return max(0, limit - sum(1 for t in sent if now - t < window))


def split_for_rate(stories: Sequence[LiveStory], room: int) -> tuple[list[LiveStory], list[LiveStory],
                                                                     list[LiveStory]]:
    """Split ready stories into (single posts, folded into one post, held for later) within ``room`` posts."""
    stories = list(stories)
    if room <= 0:
        return [], [], stories
    if len(stories) <= room:
        return stories, [], []
    # One post of the room is kept for the fold, so a burst never costs more than the limit.
    singles = stories[:room - 1]
    folded = stories[room - 1:room - 1 + FOLD_MAX]
    return singles, folded, stories[room - 1 + FOLD_MAX:]


def story_text(story: Story, articles: Sequence[Article], quotes: Sequence[QuoteRow],
               outlets: Sequence[str]) -> StoryText:
    """Return what filters and alerts look at for a story: headline, text, speakers and outlets."""
    text = "\n".join([story.summary] + [a.text for a in articles])
    speakers = tuple(dict.fromkeys(q.speaker for q in quotes if q.speaker))
    return StoryText(title="\n".join(dict.fromkeys([story.headline] + [a.title for a in articles])), text=text,
                     speakers=speakers, outlets=tuple(dict.fromkeys(outlets)))


def effective_time(article: Article, default: datetime) -> datetime:
    """Return when an article counts as published: its publication time, else when it was stored."""
    return article.published or article.fetched or default


def plan_channel(workspace: str, now: datetime, candidates: Sequence[Candidate], articles: Mapping[int, Article],
                 quotes: Mapping[int, Sequence[QuoteRow]], recent: Sequence[Article], *,
                 live_subs: set[int], filters: Mapping[int, CompiledFilters],
                 alerts: Sequence[tuple[str, Any]], room: int) -> ChannelPlan:
    """Decide a channel's live posts from new candidates.

    Articles telling the same story (one article seen in several feeds, or near-duplicates) become one story
    with all its sources; a story the channel already got (``recent``) is dropped as merged. A story is
    posted when a live subscription that brought it lets it through its filters, or when an alert matches it
    (``alerts``: (mention, compiled keyword)); only those alerts' mentions are attached. Every article held
    back gets a ``Decision`` saying why.
    """
    plan = ChannelPlan()
    by_article: dict[int, list[Candidate]] = {}
    for c in candidates:
        if c.article_id in articles:
            by_article.setdefault(c.article_id, []).append(c)
    new = sorted((articles[i] for i in by_article), key=lambda a: (effective_time(a, now), a.id))
    recent_ids = {a.id for a in recent}
    ready: list[LiveStory] = []
    for members in group_stories([*recent, *new]):
        fresh = [a for a in members if a.id not in recent_ids]
        if not fresh:
            continue
        if len(fresh) < len(members):  # the channel already has this story from an earlier round
            first = next(a for a in members if a.id in recent_ids)
            plan.merged.extend(a.id for a in fresh)
            plan.decisions += [Decision(a.id, "merged", f"the same story as “{first.title}” (article #{first.id}), "
                                        "which this channel already got", first.id) for a in fresh]
            continue
        digest = compose(workspace, now, now, fresh, {a.id: quotes.get(a.id, ()) for a in fresh}, max_stories=1)
        story = digest.stories[0]
        cands = [c for a in fresh for c in by_article[a.id]]
        sources = tuple(dict.fromkeys((c.outlet, c.link or "") for c in cands))
        subs = tuple(dict.fromkeys(c.subscription_id for c in cands))
        qrows = [q for a in fresh for q in quotes.get(a.id, ())]
        text = story_text(story, fresh, qrows, [o for o, _ in sources])
        verdicts = {s: filters[s].verdict(text) if s in filters else (True, "") for s in subs}
        passing = [s for s in subs if verdicts[s][0]]
        if not passing:
            plan.filtered.extend(a.id for a in fresh)
            plan.decisions += [Decision(c.article_id, "filtered", verdicts[c.subscription_id][1],
                                        subscription_id=c.subscription_id) for c in cands]
            continue
        everything = text.field("any")
        mentions = tuple(dict.fromkeys(m for m, rx in alerts if rx.search(everything)))
        if not (set(passing) & live_subs) and not mentions:
            plan.filtered.extend(a.id for a in fresh)  # a digest subscription's story: it waits for the digest
            plan.decisions += [Decision(a.id, "digest", "its feed posts in digests, and no alert of this channel "
                                        "matched it") for a in fresh]
            continue
        reasons = tuple(dict.fromkeys(r for s in passing if (r := verdicts[s][1])))
        ready.append(LiveStory(story, sources, mentions, tuple(passing), text.speakers, reasons))
    plan.singles, plan.folded, plan.deferred = split_for_rate(ready, room)
    return plan
