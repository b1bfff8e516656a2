"""Subscription commands (mode, filters, format, preview) and alerts; live posts as render-neutral replies."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC
from typing import Any

from bot.commands import CommandError, Invocation, Item, ItemQuote, Param, Reply, command
from bot.display import display_quote, feed_url, filter_rule, speaker_label
from bot.services import Services
from digests.filters import CompiledFilters, Filter, FilterError, keyword_matcher, load_filters
from digests.live import RATE_LIMIT, LiveStory, story_text
from digests.models import Quote, Story
from digests.store import DeliveryRecord, SubscriptionRow
from digests.templates import PLACEHOLDERS, TemplateError, render_template, validate_template

MAX_ALERTS = 25
TITLE_OUTLETS = 80


# ---- replies for live posts ---------------------------------------------------------------------------------------


def live_reply(ls: LiveStory, template: str | None = None) -> Reply:
    """Turn a live story into a reply: headline, summary and key quote (or the subscription's format), sources."""
    v = ls.values()
    quote = None
    if template:
        body = render_template(template, v)
    else:
        body = v.summary
        q = ls.story.key_quote
        if v.quote and q is not None:
            quote = ItemQuote(v.quote, speaker_label(q.speaker, q.role), v.link or None)
    fields = tuple((outlet[:80] or "source", link) for outlet, link in ls.sources if link)[:5]
    footer = " · ".join(x for x in (v.published, f"{len(ls.sources)} source(s)") if x)
    item = Item(title=v.title, body=body, url=v.link or None, footer=footer, fields=fields, quote=quote)
    outlets = v.outlet[:TITLE_OUTLETS] or "a feed"
    if ls.update:
        item = replace(item, title=f"Update: {v.title}", footer=" · ".join(
            x for x in (v.published, f"update: {len(ls.story.article_ids)} new article(s) since this channel's "
                        "first post of it", f"{len(ls.sources)} source(s)") if x))
    return Reply(title=f"{'Update' if ls.update else 'New'} from {outlets}", items=(item,), mentions=ls.mentions,
                 page_size=1, in_thread=ls.thread,
                 data={"headline": v.title, "summary": v.summary, "quote": v.quote, "speaker": v.speaker,
                       "sources": [list(s) for s in ls.sources], "article_ids": list(ls.story.article_ids),
                       "mentions": list(ls.mentions), "story_id": ls.story.story_id, "update": ls.update,
                       "thread": ls.thread})


def folded_reply(stories: list[LiveStory]) -> Reply:
    """Fold the overflow of a burst into one post listing each story's headline and link."""
    items = tuple(Item(title=f"Update: {s.story.headline}" if s.update else s.story.headline,
                       url=s.values().link or None,
                       footer=", ".join(dict.fromkeys(o for o, _ in s.sources))[:200]) for s in stories)
    mentions = tuple(dict.fromkeys(m for s in stories for m in s.mentions))
    n = len(stories)
    return Reply(title=f"{n} more stor{'y' if n == 1 else 'ies'}",
                 text=f"Posted together: this channel gets at most {RATE_LIMIT} live posts a minute.", items=items,
                 mentions=mentions, page_size=max(1, n),
                 data={"headlines": [s.story.headline for s in stories], "mentions": list(mentions)})


# ---- helpers ------------------------------------------------------------------------------------------------------


async def _subscription(svc: Services, inv: Invocation, url: str) -> SubscriptionRow:
    url = url.strip()
    for s in await svc.store.subscriptions(inv.workspace, inv.channel):
        if s.source.url == url:
            return s
    raise CommandError("this channel does not follow that feed; see /feeds list")


# ---- mode and format ----------------------------------------------------------------------------------------------


@command("feeds mode", "Post a feed's stories in digests or live as they arrive (admins)",
         Param("url", "the feed URL", required=True, autocomplete="feed"),
         Param("mode", "digest or live", type="choice", choices=("digest", "live"), required=True), admin=True)
async def feeds_mode(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /feeds mode."""
    sub = await _subscription(svc, inv, args["url"])
    before = (await svc.store.subscription_options([sub.id]))[sub.id].mode
    await svc.store.set_subscription_options(sub.id, mode=args["mode"])
    live = args["mode"] == "live"
    if before == args["mode"]:
        what = "already posts each new story here as it arrives" if live else "already posts in this channel's digests"
    else:
        what = (f"each new story is posted here as it arrives (at most {RATE_LIMIT} posts a minute), from now on"
                if live else "its stories appear in this channel's digests, no longer live")
    return Reply(title="Feeds", text=f"{sub.source.url}: {what}.", data={"mode": args["mode"]})


@command("feeds format", "Set how a feed's live posts read, with placeholders (admins)",
         Param("url", "the feed URL", required=True, autocomplete="feed"),
         Param("template", "e.g. {title} — {summary} ({outlet}); 'default' resets", required=True), admin=True)
async def feeds_format(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /feeds format."""
    sub = await _subscription(svc, inv, args["url"])
    template = args["template"].replace("\\n", "\n")
    if template.strip().lower() in ("default", "reset"):
        await svc.store.set_subscription_options(sub.id, clear_template=True)
        return Reply(title="Feeds", text=f"{sub.source.url} uses the default format again.")
    try:
        validate_template(template)
    except TemplateError as exc:
        raise CommandError(str(exc)) from None
    await svc.store.set_subscription_options(sub.id, template=template)
    return Reply(title="Feeds", text=f"Format set for {sub.source.url}.", data={"template": template},
                 items=(Item(title="Placeholders", body=" ".join("{" + p + "}" for p in PLACEHOLDERS)),))


# ---- filters ------------------------------------------------------------------------------------------------------


@command("feeds filter add", "Only post (include) or never post (exclude) a feed's matching stories (admins)",
         Param("url", "the feed URL", required=True, autocomplete="feed"),
         Param("field", "where to look", type="choice", choices=("any", "title", "text", "speaker", "outlet"),
               default="any"),
         Param("include", "word, phrase or /regex/ a story must have"),
         Param("exclude", "word, phrase or /regex/ a story must not have"),
         Param("regex", "treat the value as a regular expression (RE2 syntax), as /…/ does", type="bool",
               default=False),
         admin=True)
async def feeds_filter_add(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /feeds filter add."""
    if bool(args["include"]) == bool(args["exclude"]):
        raise CommandError("give exactly one of include: or exclude:")
    sub = await _subscription(svc, inv, args["url"])
    action = "include" if args["include"] else "exclude"
    rule = filter_rule(args["field"], action, str(args[action]), args["regex"])
    opts = (await svc.store.subscription_options([sub.id]))[sub.id]
    current = list(opts.filters)
    if len(current) >= 25:
        raise CommandError("a feed has at most 25 filters; remove one with /feeds filter remove")
    if rule.to_dict() in current:
        return Reply(title="Filters", text=f"{sub.source.url} already has that filter.")
    await svc.store.set_subscription_options(sub.id, filters=[*current, rule.to_dict()])
    return Reply(title="Filters", text=f"Filter #{len(current) + 1} on {sub.source.url}: {rule.describe()}.",
                 data={"filter": rule.to_dict(), "number": len(current) + 1})


@command("feeds filter list", "This channel's feed filters",
         Param("url", "only this feed", autocomplete="feed"))
async def feeds_filter_list(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /feeds filter list."""
    subs = await svc.store.subscriptions(inv.workspace, inv.channel)
    if args["url"]:
        subs = [s for s in subs if s.source.url == args["url"].strip()]
    opts = await svc.store.subscription_options([s.id for s in subs])
    items, data = [], []
    for s in subs:
        rules = [Filter.from_dict(d) for d in opts[s.id].filters]
        mode = opts[s.id].mode
        body = "\n".join(f"#{i}: {r.describe()}" for i, r in enumerate(rules, 1)) or "no filters: every story"
        if opts[s.id].template:
            body += f"\nformat: {opts[s.id].template}"
        items.append(Item(title=s.source.title or s.source.url, body=body, url=s.source.url, footer=f"mode: {mode}"))
        data.append({"url": s.source.url, "mode": mode, "filters": [r.to_dict() for r in rules],
                     "template": opts[s.id].template})
    return Reply(title="Filters", text=f"{len(subs)} feed(s)." if subs else "No feeds here.", items=tuple(items),
                 data={"feeds": data})


@command("feeds filter remove", "Remove a feed filter by its number (admins)",
         Param("url", "the feed URL", required=True, autocomplete="feed"),
         Param("number", "the filter's number from /feeds filter list", type="int", required=True), admin=True)
async def feeds_filter_remove(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /feeds filter remove."""
    sub = await _subscription(svc, inv, args["url"])
    current = list((await svc.store.subscription_options([sub.id]))[sub.id].filters)
    n = args["number"]
    if not 1 <= n <= len(current):
        raise CommandError(f"{sub.source.url} has no filter #{n}; see /feeds filter list")
    gone = Filter.from_dict(current.pop(n - 1))
    await svc.store.set_subscription_options(sub.id, filters=current)
    return Reply(title="Filters", text=f"Removed filter #{n} ({gone.describe()}).")


# ---- preview ------------------------------------------------------------------------------------------------------


@command("feeds test", "Preview a feed's newest item as it would be posted here; stores nothing",
         Param("url", "the RSS or Atom feed URL", required=True), slow=True)
async def feeds_test(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /feeds test."""
    url = feed_url(args["url"])
    preview = await svc.ingestor.preview_feed(url)
    if preview.error:
        return Reply(title="Feed test", text=f"{url} cannot be used: {preview.error}", error=True,
                     data={"ok": False, "problems": [preview.error]})
    problems = list(preview.problems)
    head = f"{preview.title or url}: {preview.entries} entr{'y' if preview.entries == 1 else 'ies'}."
    if preview.newest is None or preview.analysis is None:
        return Reply(title="Feed test", text=head + " Nothing to preview.",
                     items=tuple(Item(title="Problem", body=p) for p in problems),
                     data={"ok": True, "problems": problems})
    doc, an = preview.newest, preview.analysis
    subs = [s for s in await svc.store.subscriptions(inv.workspace, inv.channel) if s.source.url == url]
    opts = (await svc.store.subscription_options([subs[0].id]))[subs[0].id] if subs else None
    quotes = [q for q in an.quotes if q.speaker and 6 <= len(q.quote.split()) <= 70]
    key = max(quotes, key=lambda q: len(q.quote), default=None)
    story = Story(headline=doc.title, summary=an.summary or doc.text[:400], links=((doc.title, doc.url or url),),
                  article_ids=(), published=doc.published,
                  key_quote=Quote(display_quote(key.quote), key.start, key.end, key.speaker, key.role) if key else None)
    outlet = preview.title or url
    ls = LiveStory(story, ((outlet, doc.url or ""),))
    verdict = "It would be posted as below."
    if opts and opts.filters:
        from digests.models import Article

        art = Article(id=0, title=doc.title, text=doc.text, url=doc.url, published=doc.published)
        speakers = tuple(dict.fromkeys(q.speaker for q in an.quotes if q.speaker))
        text = replace(story_text(story, [art], [], [outlet]), speakers=speakers)
        ok, why = CompiledFilters(load_filters(opts.filters)).verdict(text)
        if not ok:
            verdict = f"This channel's filters for the feed would NOT post it ({why}); this is how it would look."
    post = live_reply(ls, opts.template if opts else None)
    note = ("No problems found." if not problems else "Problems: " + "; ".join(problems)) + " Nothing was stored."
    return Reply(title=f"Feed test: {post.items[0].title[:200]}", text=f"{head} {verdict} {note}",
                 items=post.items, data={"ok": True, "problems": problems, "preview": post.data,
                                         "would_post": verdict.startswith("It would")})


# ---- why ----------------------------------------------------------------------------------------------------------

OUTCOME_WORDS = {
    "posted": "Posted", "folded": "Folded into one post with others", "merged": "Merged into another story",
    "filtered": "Held back by a filter", "too_old": "Too old for this subscription",
    "duplicate": "Duplicate of an article this channel already had", "baseline": "Not posted: already in the feed",
    "digest": "Left for the digests", "failed": "The post failed",
}
WHY_ITEMS = 5


def _why_line(d: DeliveryRecord) -> str:
    return f"{OUTCOME_WORDS.get(d.outcome, d.outcome)}: {d.detail}" if d.detail else OUTCOME_WORDS.get(d.outcome,
                                                                                                        d.outcome)


@command("feeds why", "Why an item of this channel's feeds was posted or not, by its link or title words (admins)",
         Param("item", "the item's link, or words of its title", required=True), admin=True, slow=True)
async def feeds_why(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /feeds why from the delivery log."""
    asked = args["item"].strip()
    is_url = asked.lower().startswith(("http://", "https://"))
    words = [] if is_url else [w for w in re.findall(r"\w[\w'’\-]*", asked.lower()) if len(w) > 1][:8]
    if not is_url and not words:
        raise CommandError("give the item's link or some words of its title")
    rows = await svc.store.find_deliveries(inv.workspace, inv.channel, url=asked if is_url else None, words=words,
                                           limit=50)
    days = svc.settings.delivery_log_days
    if not rows:
        return Reply(title=f"Why: {asked[:200]}", text=(
            f"No item of this channel's feeds matches that in the last {days} days. The log keeps what happened "
            "to each item a feed of this channel brought; /feeds list shows the feeds."), data={"items": []})
    groups: dict[tuple[int | None, str], list[DeliveryRecord]] = {}
    for d in rows:  # newest first
        groups.setdefault((d.article_id, d.item_url or d.item_title), []).append(d)
    items, data = [], []
    for lines in list(groups.values())[:WHY_ITEMS]:
        latest = lines[0]
        body = _why_line(latest)
        if len(lines) > 1:
            body += "\nEarlier: " + "\nEarlier: ".join(_why_line(d) for d in lines[1:3])
        published = f"published {latest.published.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if latest.published \
            else "no publication date"
        items.append(Item(title=latest.item_title or latest.item_url or f"article #{latest.article_id}", body=body,
                          url=latest.item_url, footer=f"{latest.feed_url} · {published}"))
        data.append({"title": latest.item_title, "url": latest.item_url, "outcome": latest.outcome,
                     "detail": latest.detail, "feed": latest.feed_url, "article_id": latest.article_id,
                     "related_article_id": latest.related_article_id, "at": latest.at.isoformat(),
                     "history": [d.outcome for d in lines]})
    more = f" (the {WHY_ITEMS} newest shown)" if len(groups) > WHY_ITEMS else ""
    return Reply(title=f"Why: {asked[:200]}", text=f"{len(groups)} item(s) match{more}; the latest outcome first.",
                 items=tuple(items), data={"items": data})


# ---- alerts -------------------------------------------------------------------------------------------------------


def _mention_label(inv: Invocation, mention: str) -> str:
    kind, _, ident = mention.partition(":")
    if kind == "role":
        return f"role {ident}"
    if kind == "subteam":
        return f"user group {ident}"
    return mention


@command("alerts add", "Post matching new stories here mentioning a role or user group (admins)",
         Param("keyword", "word or phrase a story must contain", required=True),
         Param("role", "the role (Discord) or @user group (Slack) to mention", type="role", required=True),
         admin=True)
async def alerts_add(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /alerts add."""
    mention = args["role"]
    if inv.platform == "discord" and mention == f"role:{inv.workspace.rsplit(':', 1)[-1]}":
        raise CommandError("alerts never mention @everyone; pick a role")
    if inv.platform == "discord" and not mention.startswith("role:"):
        raise CommandError("on Discord an alert mentions a role")
    if inv.platform == "slack" and not mention.startswith("subteam:"):
        raise CommandError("on Slack an alert mentions a user group, e.g. role:@newsroom")
    keyword = " ".join(args["keyword"].split())
    try:
        keyword_matcher(keyword)
    except FilterError as exc:
        raise CommandError(str(exc)) from None
    if len(await svc.store.alerts(inv.workspace, inv.channel)) >= MAX_ALERTS:
        raise CommandError(f"a channel has at most {MAX_ALERTS} alerts; remove one with /alerts remove")
    row, created = await svc.store.add_alert(inv.workspace, inv.channel, keyword, mention)
    text = (f"Alert #{row.id}: new stories with “{keyword}” are posted here mentioning "
            f"{_mention_label(inv, mention)}." if created else f"Alert #{row.id} already does that.")
    return Reply(title="Alerts", text=text, data={"id": row.id, "keyword": keyword, "mention": mention})


@command("alerts list", "This channel's alerts")
async def alerts_list(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /alerts list."""
    rows = await svc.store.alerts(inv.workspace, inv.channel)
    items = tuple(Item(title=f"#{a.id}: “{a.keyword}”", body=f"mentions {_mention_label(inv, a.mention)}")
                  for a in rows)
    return Reply(title="Alerts", text=f"{len(rows)} alert(s)." if rows else "No alerts in this channel.",
                 items=items, data={"alerts": [{"id": a.id, "keyword": a.keyword, "mention": a.mention}
                                               for a in rows]})


@command("alerts remove", "Remove an alert (admins)",
         Param("id", "the alert number from /alerts list", type="int", required=True), admin=True)
async def alerts_remove(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /alerts remove."""
    if not await svc.store.remove_alert(inv.workspace, inv.channel, args["id"]):
        raise CommandError(f"no alert #{args['id']} in this channel; see /alerts list")
    return Reply(title="Alerts", text=f"Removed alert #{args['id']}.")
