"""Command handlers: validated arguments in, a render-neutral Reply out; all data access through the engine."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from bot.commands import REGISTRY, CommandError, Invocation, Item, Param, Reply, command
from bot.display import (
    arrival_note,
    day,
    digest_story_item,
    display_quote,
    feed_url,
    filter_rule,
    merged_data,
    merged_item,
    merged_speaker,
    quote_data,
    quote_item,
    speaker_label,
    when_label,
)
from bot.services import Services
from bot.text import unmark
from digests.digest import build_digest
from digests.models import Digest
from digests.queries import STORY_LINKS, outlet_label, story_timeline_entries
from digests.queries import timeline as timeline_query
from digests.schedule_spec import ScheduleSpecError, parse_schedule
from digests.store import ArticleRow
from digests.stories import MergedQuote, quotes_of_articles
from digests.stories import quotes_by as merged_quotes_by
from digests.stories import who_said as merged_who_said
from digests.stories._timeline import Order

PAGE_FETCH = 25
# /search links this many more hits of one story under its best hit (the rest are counted).
SEARCH_MORE_LINKS = 4
# /summary lists at most this many dated events (and says how many it left out).
SUMMARY_EVENTS = 20


def _since(inv: Invocation, value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return inv.now - value
    if isinstance(value, date):
        from datetime import UTC, time

        return datetime.combine(value, time(0), tzinfo=UTC)
    return None


@command("who-said", "Who said a phrase: matching quotes with speaker, article, date and link",
         Param("phrase", "words from the quote", required=True))
async def who_said(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /who-said: each quote once, with the outlets that carried it."""
    found = await merged_who_said(svc.store, inv.workspace, args["phrase"], limit=PAGE_FETCH)
    if not found:
        return Reply(title=f"Who said “{args['phrase']}”", text="No stored quote matches those words.",
                     data={"quotes": []})
    return Reply(title=f"Who said “{args['phrase']}”", text=who_said_header(found),
                 items=tuple(merged_item(m) for m in found), data={"quotes": [merged_data(m) for m in found]})


def who_said_header(found: list[MergedQuote]) -> str:
    """Return the line above /who-said's quotes: who said them, naming everyone when several people did."""
    counts: dict[str, int] = {}
    roles: dict[str, str | None] = {}
    for m in found:
        if m.verdict.status == "split":
            who = merged_speaker(m)
        else:
            who = m.speaker or "an unattributed source"
        counts[who] = counts.get(who, 0) + 1
        roles.setdefault(who, m.verdict.role if m.speaker else None)
    n = len(found)
    quotes = f"{n} matching quote{'' if n == 1 else 's'}"
    if len(counts) == 1:
        who = next(iter(counts))
        role = roles[who]
        return f"{who[:1].upper() + who[1:]}" + (f" ({role})" if role else "") + f" — {quotes}."
    named = [f"{who} ({c})" for who, c in sorted(counts.items(), key=lambda kv: -kv[1])]
    more = f" and {len(named) - 5} more" if len(named) > 5 else ""
    return f"{quotes} by {len(counts)} speakers: {', '.join(named[:5])}{more}."


@command("quotes", "A speaker's quotes, newest first, or a story's quotes (story:<id>)",
         Param("speaker", "the speaker's name", autocomplete="speaker"),
         Param("topic", "only quotes about this topic"),
         Param("since", "how far back, e.g. 30d", type="duration"),
         Param("story", "only this story's quotes: its #id or headline words", autocomplete="story"))
async def quotes(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /quotes: each quote once, with the outlets that carried it."""
    if args["story"]:
        return await story_quotes(svc, inv, args)
    if not args["speaker"]:
        raise CommandError("/quotes needs speaker: the speaker's name (or story: a story's #id)")
    matches = await svc.store.match_speakers(inv.workspace, args["speaker"], limit=5)
    if not matches:
        return Reply(title=f"Quotes by {args['speaker']}", text="No speaker by that name in your articles.",
                     data={"speaker": None, "quotes": []})
    sid, name, _count = matches[0]
    found = await merged_quotes_by(svc.store, inv.workspace, sid, topic=args.get("topic"),
                                   since=_since(inv, args["since"]), limit=PAGE_FETCH)
    roles = await svc.store.speaker_roles(sid, inv.workspace)
    heading = name + (f" ({roles[0]})" if roles else "")
    text = f"{len(found)} quote(s)" + (f" about {args['topic']}" if args.get("topic") else "")
    if len(matches) > 1:
        text += " · also: " + ", ".join(m[1] for m in matches[1:4])
    return Reply(title=f"Quotes by {heading}", text=text, items=tuple(merged_item(m) for m in found),
                 data={"speaker": name, "roles": roles, "quotes": [merged_data(m) for m in found]})


async def story_quotes(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /quotes story:<id>: the story's quotes (those of its articles the workspace sees), the most outlets
    first, optionally one speaker's, about a topic or since a time."""
    from bot.story_commands import story_arg

    st = await story_arg(svc, inv, args["story"])
    arts = await svc.store.story_articles(inv.workspace, st.id, limit=STORY_LINKS)
    since = _since(inv, args["since"])
    if since is not None:
        arts = [a for a in arts if a.published is None or a.published >= since]
    found = await quotes_of_articles(svc.store, inv.workspace, [a.id for a in arts])
    found = [m for m in found if m.statement]
    if args["speaker"]:
        wanted = args["speaker"].casefold()
        found = [m for m in found if wanted in merged_speaker(m).casefold()]
    if args["topic"]:
        words = args["topic"].casefold().split()
        found = [m for m in found if all(w in m.quote.casefold() for w in words)]
    found = sorted(found, key=lambda m: -m.outlets)[:PAGE_FETCH]
    heading = f"Quotes of story #{st.id}: {st.headline}" if st.headline else f"Quotes of story #{st.id}"
    who = f" by {args['speaker']}" if args["speaker"] else ""
    text = (f"{len(found)} quote(s){who}, the most outlets first." if found
            else f"No quote{who} in this story's articles.")
    return Reply(title=heading[:250], text=text, items=tuple(merged_item(m) for m in found),
                 data={"story": st.id, "speaker": args["speaker"], "quotes": [merged_data(m) for m in found]})


@command("timeline", "Dated events about a topic or a story, merged across articles, by date or most reported first",
         Param("topic", "who or what the events are about"),
         Param("since", "from this date (YYYY-MM-DD) or this long ago (30d)", type="date"),
         Param("until", "up to this date (YYYY-MM-DD)", type="date"),
         Param("order", "by date, or the dates most articles report first", type="choice",
               choices=("date", "importance"), default="date"),
         Param("image", "attach a timeline picture", type="bool", default=False),
         Param("story", "only this story's articles: its #id or headline words", autocomplete="story"), slow=True)
async def timeline(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /timeline."""
    if not args["topic"] and not args["story"]:
        raise CommandError("/timeline needs topic: who or what the events are about (or story: a story's #id)")
    since = args["since"]
    if isinstance(since, timedelta):
        since = (inv.now - since).date()
    until = args["until"]
    if isinstance(until, timedelta):
        until = (inv.now - until).date()
    by_weight = args["order"] == "importance"
    order: Order = "weight" if by_weight else "date"
    about = args["topic"]
    if args["story"]:
        from bot.story_commands import story_arg

        st = await story_arg(svc, inv, args["story"])
        entries = await story_timeline_entries(svc.store, inv.workspace, st.id, about, since=since, until=until,
                                               order=order)
        about = f"{about} in story #{st.id}" if about else f"story #{st.id}: {st.headline}"
    else:
        entries = await timeline_query(svc.store, inv.workspace, about, since=since, until=until, order=order)
    items = []
    for e in entries:
        when = e.date or (e.date_start.isoformat() if e.date_start == e.date_end else f"{e.date_start} – {e.date_end}")
        if e.dated_by == "text":
            how = f"{e.granularity}, “{e.expression}”"
        elif e.dated_by == "context":
            how = f"the day its report tells of, “{e.expression}”"
        else:
            how = "the day it was reported"
        src = ", ".join(str(s["title"]) for s in e.sources[:3])
        weight = f" · {e.date_weight} articles point at this date" if by_weight and e.date_weight > 1 else ""
        items.append(Item(title=f"{when} ({how})", body=e.text,
                          url=str(e.sources[0]["url"]) if e.sources and e.sources[0]["url"] else None,
                          footer=f"{len(e.sources)} source(s): {src}{weight}"))
    image = None
    if args["image"] and entries:
        from digests.timeline_image import render_timeline

        image = render_timeline(about, entries)
    order_note = ", most reported dates first" if by_weight else ""
    none = "No dated events in this story." if args["story"] and not args["topic"] else "No dated events match that topic."
    return Reply(title=f"Timeline: {about}"[:250],
                 text=f"{len(entries)} dated event(s){order_note}." if entries else none,
                 items=tuple(items), image=image, image_name="timeline.png" if image else None,
                 data={"events": [e.to_dict() for e in entries]})


def digest_reply(d: Digest) -> Reply:
    """Turn a digest into a reply (used by /digest and scheduled posts)."""
    items = []
    for s in d.stories:
        items.append(digest_story_item(s))
    qotd = ""
    if d.quote_of_the_day:
        q = d.quote_of_the_day
        qotd = f"Quote of the day: “{display_quote(q.quote)}” — {speaker_label(q.speaker, q.role)}"
    span = f"{d.window_start:%Y-%m-%d %H:%M} – {d.window_end:%Y-%m-%d %H:%M} UTC"
    text = (f"{len(d.stories)} stor{'y' if len(d.stories) == 1 else 'ies'} · {span}" if d.stories
            else f"Nothing new · {span}")
    if qotd:
        text += "\n" + qotd
    data = {"stories": [{"headline": s.headline, "summary": s.summary, "links": [list(x) for x in s.links],
                         "article_ids": list(s.article_ids), "story_id": s.story_id, "outlets": list(s.outlets),
                         "update": s.update, "seen_before": s.seen_count,
                         "citations": [{"text": c.text, "article_id": c.article_id, "outlet": c.outlet,
                                        "url": c.url} for c in s.citations],
                         "key_quote": ({"quote": s.key_quote.quote, "speaker": s.key_quote.speaker,
                                        "role": s.key_quote.role, "article_id": s.key_quote_article_id}
                                       if s.key_quote else None)} for s in d.stories],
            "quote_of_the_day": ({"quote": d.quote_of_the_day.quote, "speaker": d.quote_of_the_day.speaker,
                                  "article_id": d.quote_of_the_day_article_id} if d.quote_of_the_day else None)}
    return Reply(title="News digest", text=text, items=tuple(items), data=data, page_size=5)


@command("digest", "A digest now, of what reached this workspace recently",
         Param("since", "window length, e.g. 24h or 7d", type="duration", default=timedelta(hours=24)), slow=True)
async def digest(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /digest."""
    d = await build_digest(svc.store, inv.workspace, inv.now - args["since"], inv.now)
    return digest_reply(d)


@command("summary", "Summary, key quotes and events of one article",
         Param("article", "article title or #id", required=True, autocomplete="article"))
async def summary(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /summary."""
    found = await svc.store.find_articles(inv.workspace, args["article"], limit=1)
    if not found:
        return Reply(title="Summary", text="No article with that title or id in your workspace.", data={})
    art = await svc.store.article(inv.workspace, found[0].id)
    if art is None:
        raise CommandError("that article is not available")
    qrows = await svc.store.quotes_for_articles(inv.workspace, [art.id])
    key = [q for q in qrows if q.is_key][:5] or [q for q in qrows if q.speaker][:3]
    rows = await svc.store.events_for_article(inv.workspace, art.id)
    events = [{"date_start": e.date_start.isoformat(), "date_end": e.date_end.isoformat(),
               "when": when_label(e.date_start, e.date_end), "expression": e.expression, "text": e.text}
              for e in rows]
    shown = events[:SUMMARY_EVENTS]
    items = [quote_item(q) for q in key]
    items += [Item(title=f"{e['when']} (“{e['expression']}”)", body=str(e["text"])) for e in shown]
    text = art.summary or art.text[:400]
    fields: list[tuple[str, str]] = [("Published", day(art.published))]
    if art.url:
        fields.append(("Link", art.url))
    counted = f"{len(events)} dated event(s)" + (f", the first {len(shown)} shown" if len(shown) < len(events) else "")
    meta = f"Published {day(art.published)} · {len(key)} key quote(s) · {counted}"
    return Reply(title=art.title, text=meta, items=(Item(title="Summary", body=text, url=art.url,
                                                         fields=tuple(fields)), *items),
                 data={"article_id": art.id, "title": art.title, "url": art.url, "summary": text,
                       "published": day(art.published) if art.published else None,
                       "quotes": [quote_data(q) for q in key], "events": events})


@command("search", "Articles by full text",
         Param("query", "words to look for", required=True),
         Param("sort", "best or newest first", type="choice", choices=("best", "newest"), default="best"))
async def search(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /search."""
    rows = await svc.store.search(inv.workspace, args["query"], limit=PAGE_FETCH, newest=args["sort"] == "newest")
    story_of = await svc.store.stories_for_articles([r.id for r in rows])
    # Hits of one story make one entry, at the rank of its best hit; an article without a story yet is its own.
    groups: dict[int | str, list[ArticleRow]] = {}
    for r in rows:
        groups.setdefault(story_of.get(r.id, f"a{r.id}"), []).append(r)
    items = []
    for key, hits in groups.items():
        r = hits[0]
        # The snippet marks the words found as **word**: that is emphasis for the front ends to draw, not text.
        body, marks = unmark(r.snippet.replace("\n", " ")) if r.snippet else (r.summary[:300], ())
        footer = f"{day(r.published)} · article #{r.id}"
        fields: tuple[tuple[str, str], ...] = ()
        if len(hits) > 1:
            outlets = len({outlet_label(h) for h in hits})
            footer += (f" · story #{key}: {len(hits)} articles from {outlets} outlet{'s' if outlets != 1 else ''}"
                       f" · /story #{key}")
            fields = tuple((f"{outlet_label(h)}: {h.title}"[:100], h.url or f"article #{h.id}")
                           for h in hits[1:1 + SEARCH_MORE_LINKS])
        items.append(Item(title=r.title, body=body, url=r.url, footer=footer, marks=marks, fields=fields))
    n = len(rows)
    text = f"{n} article(s)" + (f" in {len(groups)} stor{'y' if len(groups) == 1 else 'ies'}." if n else "")
    return Reply(title=f"Search: {args['query']}",
                 text=text if rows else "No article matches those words.", items=tuple(items),
                 data={"articles": [{"id": r.id, "title": r.title, "url": r.url, "story": story_of.get(r.id),
                                     "published": day(r.published) if r.published else None} for r in rows],
                       "stories": [{"story": k if isinstance(k, int) else None, "articles": [h.id for h in hits]}
                                   for k, hits in groups.items()]})


@command("ingest", "Add one article by URL", Param("url", "the article's web address", required=True), slow=True)
async def ingest(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /ingest."""
    out = await svc.ingestor.ingest_url(args["url"], workspace=inv.workspace)
    if out.status == "failed":
        raise CommandError(f"could not add that URL: {out.reason}")
    note = "" if out.published else " (no publication date found)"
    return Reply(title="Ingest", text=f"{out.status}: {out.title} (article #{out.article_id}){note}",
                 data={"status": out.status, "article_id": out.article_id, "title": out.title})


# ---- feeds -----------------------------------------------------------------------------------------------------


@command("feeds add", "Subscribe this channel to a feed (admins)",
         Param("url", "the RSS or Atom feed URL", required=True),
         Param("backfill", "post this many of the newest items now (after the filters)", type="int", default=0),
         Param("mode", "digest: in scheduled digests; live: each new story posted as it arrives", type="choice",
               choices=("digest", "live"), default="digest"),
         Param("include", "only post stories with this word, phrase or /regex/"),
         Param("exclude", "never post stories with this word, phrase or /regex/"),
         Param("field", "where the filter looks", type="choice", choices=("any", "title", "text", "speaker", "outlet"),
               default="any"),
         admin=True, slow=True)
async def feeds_add(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /feeds add."""
    url = feed_url(args["url"])
    rules = [filter_rule(args["field"], action, str(args[action]), False)
             for action in ("include", "exclude") if args[action]]
    src = await svc.store.source("feed", url)
    sub, created = await svc.store.subscribe(inv.workspace, inv.channel, src.id)
    if not created:
        return Reply(title="Feeds", text=f"This channel already follows {url}; nothing was changed. /feeds mode "
                     "changes how it posts and /feeds filter add filters it.")
    # Mode and filters first: the first fetch's backfill is filtered, and the answer says how items arrive.
    await svc.store.set_subscription_options(sub.id, mode=args["mode"], filters=[r.to_dict() for r in rules])
    note = ""
    if svc.scheduler is not None:
        note = await svc.scheduler.feed_added(sub, args["backfill"])
    else:
        note = f"It is fetched while the bot runs; {arrival_note(args['mode'])}."
    shown = "".join(f" Filter #{i}: {r.describe()}." for i, r in enumerate(rules, 1))
    return Reply(title="Feeds", text=f"Subscribed to {url}.{shown} {note.strip()}".strip(),
                 data={"url": url, "mode": args["mode"], "filters": [r.to_dict() for r in rules]})


@command("feeds remove", "Unsubscribe this channel from a feed (admins)",
         Param("url", "the feed URL", required=True, autocomplete="feed"), admin=True)
async def feeds_remove(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /feeds remove."""
    if not await svc.store.unsubscribe(inv.workspace, inv.channel, args["url"].strip()):
        raise CommandError("this channel does not follow that feed; see /feeds list")
    return Reply(title="Feeds", text=f"Unsubscribed from {args['url'].strip()}.")


@command("feeds list", "This channel's feeds with their health")
async def feeds_list(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /feeds list."""
    subs = await svc.store.subscriptions(inv.workspace, inv.channel)
    opts = await svc.store.subscription_options([s.id for s in subs])
    items = []
    for s in subs:
        items.append(Item(title=s.source.title or s.source.url, body=" · ".join(health_parts(s, opts[s.id].mode)),
                          url=s.source.url))
    return Reply(title="Feeds", text=f"{len(subs)} feed(s) in this channel." if subs else "No feeds yet; "
                 "an admin can add one with /feeds add url:<feed URL>.", items=tuple(items),
                 data={"feeds": [{"url": s.source.url, "title": s.source.title, "health": s.source.health,
                                  "paused": s.paused, "last_error": s.source.last_error,
                                  "last_failure": s.source.last_failure,
                                  "last_failure_at": s.source.last_failure_at.isoformat()
                                  if s.source.last_failure_at else None, "mode": opts[s.id].mode} for s in subs]})


def health_parts(s: Any, mode: str) -> list[str]:
    """Return a feed's health line: its state now, the last fetch, a current problem, and an earlier failure."""
    src = s.source
    parts = ["paused" if s.paused else src.health]
    if mode == "live":
        parts.append("live")
    parts.append(f"last fetch {src.last_fetch:%Y-%m-%d %H:%M} UTC" if src.last_fetch else "not fetched yet")
    if src.last_error:
        # A feed can still count as ok after one failed fetch (it is retried soon); that fetch still failed.
        parts.append(f"error: {src.last_error}" if src.failures else src.last_error)
    if not src.failures and src.last_failure and src.last_failure_at:
        # Recovered: the failure is history, dated, never the feed's state.
        parts.append(f"recovered; last failure {src.last_failure_at:%Y-%m-%d %H:%M} UTC: {src.last_failure}")
    return parts


async def _pause(svc: Services, inv: Invocation, url: str, paused: bool) -> Reply:
    if not await svc.store.set_paused(inv.workspace, inv.channel, url.strip(), paused):
        raise CommandError("this channel does not follow that feed; see /feeds list")
    return Reply(title="Feeds", text=f"{'Paused' if paused else 'Resumed'} {url.strip()}.")


@command("feeds pause", "Pause a feed in this channel (admins)",
         Param("url", "the feed URL", required=True, autocomplete="feed"), admin=True)
async def feeds_pause(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /feeds pause."""
    return await _pause(svc, inv, args["url"], True)


@command("feeds resume", "Resume a paused feed (admins)",
         Param("url", "the feed URL", required=True, autocomplete="feed"), admin=True)
async def feeds_resume(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /feeds resume."""
    return await _pause(svc, inv, args["url"], False)


# ---- schedules ---------------------------------------------------------------------------------------------------


@command("schedule set", "Post a digest here on a schedule (admins)",
         Param("when", "daily 08:00, weekdays 07:30, weekly mon 09:00, or cron", required=True),
         Param("timezone", "IANA time zone, e.g. Europe/Berlin", type="timezone", autocomplete="timezone"),
         Param("notify_empty", "post a 'nothing new' note for empty windows", type="bool", default=False),
         Param("layout", "message: one post; thread: a headline, the stories in its thread", type="choice",
               choices=("message", "thread"), default="message"),
         admin=True)
async def schedule_set(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /schedule set."""
    try:
        cron = parse_schedule(args["when"])
    except ScheduleSpecError as exc:
        raise CommandError(str(exc)) from None
    tz = args["timezone"] or svc.settings.timezone
    row = await svc.store.add_schedule(inv.workspace, inv.channel, args["when"], cron, tz, args["notify_empty"])
    await svc.store.set_schedule_layout(row.id, args["layout"])
    nxt = ""
    if svc.scheduler is not None:
        await svc.scheduler.schedule_changed(row.id)
        when = svc.scheduler.next_run(row.id)
        nxt = f" Next: {when:%Y-%m-%d %H:%M %Z}." if when else ""
    return Reply(title="Schedule", text=f"Schedule #{row.id}: {args['when']} ({tz}).{nxt}",
                 data={"id": row.id, "cron": cron, "timezone": tz})


@command("schedule list", "This channel's digest schedules")
async def schedule_list(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /schedule list."""
    rows = await svc.store.schedules(inv.workspace, inv.channel)
    items = []
    for r in rows:
        nxt = svc.scheduler.next_run(r.id) if svc.scheduler else None
        items.append(Item(title=f"#{r.id}: {r.spec} ({r.timezone})",
                          body=f"next: {nxt:%Y-%m-%d %H:%M %Z}" if nxt else "not scheduled in this process"))
    return Reply(title="Schedules", text=f"{len(rows)} schedule(s)." if rows else "No schedules in this channel.",
                 items=tuple(items), data={"schedules": [{"id": r.id, "spec": r.spec, "cron": r.cron,
                                                         "timezone": r.timezone} for r in rows]})


@command("schedule remove", "Remove a digest schedule (admins)",
         Param("id", "the schedule number from /schedule list", type="int", required=True, autocomplete="schedule"),
         admin=True)
async def schedule_remove(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /schedule remove."""
    if not await svc.store.remove_schedule(inv.workspace, args["id"]):
        raise CommandError(f"no schedule #{args['id']} here; see /schedule list")
    if svc.scheduler is not None:
        await svc.scheduler.schedule_removed(args["id"])
    return Reply(title="Schedule", text=f"Removed schedule #{args['id']}.")


@command("digest-status", "Next digest runs, last runs with outcome, failing feeds")
async def digest_status(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /digest-status."""
    items = []
    for s in await svc.store.schedules(inv.workspace):
        nxt = svc.scheduler.next_run(s.id) if svc.scheduler else None
        runs = await svc.store.runs(s.id, limit=3)
        lines = [f"{r.window_end:%Y-%m-%d %H:%M} {r.status}{' (late)' if r.late else ''}"
                 + (f": {r.error}" if r.error else "") for r in runs]
        items.append(Item(title=f"#{s.id} {s.spec} ({s.timezone}) in {s.channel}",
                          body=(f"next: {nxt:%Y-%m-%d %H:%M %Z}\n" if nxt else "") + ("\n".join(lines) or "no runs yet")))
    for sub in await svc.store.subscriptions(inv.workspace):
        if sub.source.health != "ok":
            items.append(Item(title=f"Feed {sub.source.health}: {sub.source.url}",
                              body=f"error: {sub.source.last_error}" if sub.source.last_error else ""))
    return Reply(title="Digest status", text=f"{len(items)} entr{'y' if len(items) == 1 else 'ies'}." if items
                 else "No schedules or feed problems.", items=tuple(items))


@command("help", "List the commands")
async def help_(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /help."""

    items = tuple(Item(title="/" + c.name + "".join(f" {p.name}:…" if i else f" <{p.name}>"
                                                  for i, p in enumerate(c.params)),
                       body=c.description) for c in REGISTRY.values())
    return Reply(title="Commands", text=(
        "Arguments: free text fills the first one; others as name:value. Quote a value with spaces: "
        "name:\"two words\". Backslashes are kept as typed, so a filter's regular expression needs no extra "
        "escaping: exclude:/\\bsponsored\\b/ (slashes make it a regex)."), items=items, page_size=25)


# ---- autocomplete ----------------------------------------------------------------------------------------------


async def autocomplete(svc: Services, inv: Invocation, kind: str, text: str) -> list[tuple[str, str]]:
    """Return up to 25 (label, value) choices for a parameter being typed."""
    from bot.commands import _clean

    # Typed text is as hostile as a command argument: lone surrogates or NULs must not reach SQLite.
    text = _clean(text)[:100]
    if kind == "speaker":
        return [(f"{name} ({n})"[:100], name[:100]) for _, name, n in
                await svc.store.match_speakers(inv.workspace, text, limit=25)]
    if kind == "article":
        return [(f"#{a.id} {a.title}"[:100], f"#{a.id}") for a in
                await svc.store.find_articles(inv.workspace, text, limit=25)]
    if kind == "story":
        from bot.story_commands import complete_story

        return await complete_story(svc, inv, text)
    if kind == "timezone":
        from digests.schedule_spec import match_timezones

        return [(z, z) for z in match_timezones(text)]
    if kind == "feed":
        subs = await svc.store.subscriptions(inv.workspace, inv.channel)
        return [(s.source.url[:100], s.source.url[:100]) for s in subs if text.lower() in s.source.url.lower()][:25]
    if kind == "schedule":
        rows = await svc.store.schedules(inv.workspace, inv.channel)
        return [(f"#{r.id} {r.spec} ({r.timezone})"[:100], str(r.id)) for r in rows][:25]
    return []
