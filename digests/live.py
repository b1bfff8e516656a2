"""Live delivery decisions: which new stories a channel gets now, merged across feeds, filtered, rate limited.

Articles are grouped by the story the store assigned them. A story the channel was shown before (a live post or
a digest) comes back as an update: only its new articles, a summary of what they add, posted into the thread
of the story's first post; an update that adds nothing is merged, not posted.

Pure engine logic: the scheduler collects candidates from feed polls and posts what ``plan_channel`` returns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from digests.digest import StoryGroup, group_by_story, story_of_group
from digests.filters import CompiledFilters, StoryText
from digests.models import Article, Story
from digests.store import QuoteRow, ShownStory
from digests.templates import StoryValues

# At most this many posts a channel gets in RATE_WINDOW; the rest of a burst is folded into one post.
RATE_LIMIT = 5
RATE_WINDOW = timedelta(minutes=1)
# A folded post lists at most this many headlines; later ones wait for the next round.
FOLD_MAX = 20


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
    # An update of a story the channel was shown before: what it was shown, and the post whose thread takes it.
    shown: ShownStory | None = None

    @property
    def update(self) -> bool:
        """Tell whether this post updates a story the channel got before."""
        return self.shown is not None

    @property
    def thread(self) -> str | None:
        """Return the id of the story's first post here, whose thread takes its updates (None: none known)."""
        return self.shown.message if self.shown else None

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
                 quotes: Mapping[int, Sequence[QuoteRow]], *, story_of: Mapping[int, int] | None = None,
                 shown: Mapping[int, ShownStory] | None = None, seen: Mapping[int, Article] | None = None,
                 live_subs: set[int], filters: Mapping[int, CompiledFilters],
                 alerts: Sequence[tuple[str, Any]], room: int) -> ChannelPlan:
    """Decide a channel's live posts from new candidates.

    Articles of one stored story (``story_of``: article id -> story id; one article seen in several feeds, or
    another outlet's telling) become one post with all their sources. A story the channel was shown before
    (``shown``, by story id; ``seen``: those articles' texts) is an update of its new articles, and is merged
    instead when it adds nothing new. A story is posted when a live subscription that brought it lets it through
    its filters, or when an alert matches it (``alerts``: (mention, compiled keyword)); only those alerts'
    mentions are attached. Every article held back gets a ``Decision`` saying why.
    """
    plan = ChannelPlan()
    shown = shown or {}
    seen = seen or {}
    by_article: dict[int, list[Candidate]] = {}
    for c in candidates:
        if c.article_id in articles:
            by_article.setdefault(c.article_id, []).append(c)
    new = sorted((articles[i] for i in by_article), key=lambda a: (effective_time(a, now), a.id))
    groups = group_by_story(new, story_of or {}, shown)
    grouped = {a.id for g in groups for a in g.articles}
    for a in new:
        if a.id not in grouped:  # a digest (or a post) of this channel listed this very article already
            had = shown.get((story_of or {}).get(a.id, -1))
            first = _first_seen(had, seen) if had else None
            plan.merged.append(a.id)
            plan.decisions.append(Decision(a.id, "merged", "already shown here in the story "
                                           f"“{first.title if first else a.title}”", first.id if first else None))
    ready: list[LiveStory] = []
    for g in groups:
        fresh = list(g.articles)
        before = shown.get(g.story_id) if g.story_id is not None else None
        if before is not None:
            g = StoryGroup(g.articles, g.story_id, g.seen_ids, tuple(seen[i] for i in g.seen_ids if i in seen))
        story = story_of_group(g, {a.id: quotes.get(a.id, ()) for a in fresh}, now)
        if before is not None and not story.citations:
            # Another telling of what the channel already got (a copy from another feed): nothing to update.
            first = _first_seen(before, seen)
            plan.merged.extend(a.id for a in fresh)
            what = (f"“{first.title}” (article #{first.id})" if first else f"“{story.headline}”")
            plan.decisions += [Decision(a.id, "merged", f"the same story as {what}, which this channel already got; "
                                        "it adds nothing new", first.id if first else None) for a in fresh]
            continue
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
        ready.append(LiveStory(story, sources, mentions, tuple(passing), text.speakers, reasons, before))
    plan.singles, plan.folded, plan.deferred = split_for_rate(ready, room)
    return plan


def _first_seen(shown: ShownStory, seen: Mapping[int, Article]) -> Article | None:
    """Return the first article of a story the channel was shown that is at hand."""
    return next((seen[i] for i in shown.article_ids if i in seen), None)
