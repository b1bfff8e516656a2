"""Command handlers: validated arguments in, a render-neutral Reply out; all data access through the engine."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from bot.commands import REGISTRY, Command, CommandError, Invocation, Item, Param, Reply, command
from bot.services import Services
from digests.digest import build_digest
from digests.models import Digest
from digests.queries import timeline as timeline_query
from digests.schedule_spec import ScheduleSpecError, parse_schedule
from digests.store import QuoteRow

PAGE_FETCH = 25


def _day(dt: datetime | None) -> str:
    return dt.date().isoformat() if dt else "date unknown"


def display_quote(text: str) -> str:
    """Return a quote for display: verbatim, minus the comma that hands over to the attribution."""
    return text.rstrip(" ,;:")


def _quote_item(q: QuoteRow) -> Item:
    who = q.speaker or "unattributed"
    if q.role:
        who = f"{who}, {q.role}"
    return Item(title=f"“{display_quote(q.quote)}”", body=f"— {who}", url=q.url,
                footer=f"{q.article_title} · {_day(q.published)} · article #{q.article_id}")


def _quote_data(q: QuoteRow) -> dict[str, Any]:
    return {"quote": q.quote, "speaker": q.speaker, "role": q.role, "article_id": q.article_id,
            "title": q.article_title, "url": q.url, "published": _day(q.published) if q.published else None}


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
    """Answer /who-said."""
    rows = await svc.store.who_said(inv.workspace, args["phrase"], limit=PAGE_FETCH)
    if not rows:
        return Reply(title=f"Who said “{args['phrase']}”", text="No stored quote matches those words.",
                     data={"quotes": []})
    top = rows[0]
    lead = f"{top.speaker or 'An unattributed source'}" + (f" ({top.role})" if top.role else "")
    return Reply(title=f"Who said “{args['phrase']}”", text=f"{lead} — {len(rows)} matching quote(s).",
                 items=tuple(_quote_item(q) for q in rows), data={"quotes": [_quote_data(q) for q in rows]})


@command("quotes", "A speaker's quotes, newest first",
         Param("speaker", "the speaker's name", required=True, autocomplete="speaker"),
         Param("topic", "only quotes about this topic"),
         Param("since", "how far back, e.g. 30d", type="duration"))
async def quotes(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /quotes."""
    matches = await svc.store.match_speakers(inv.workspace, args["speaker"], limit=5)
    if not matches:
        return Reply(title=f"Quotes by {args['speaker']}", text="No speaker by that name in your articles.",
                     data={"speaker": None, "quotes": []})
    sid, name, _count = matches[0]
    rows = await svc.store.quotes_by(inv.workspace, sid, topic=args.get("topic"), since=_since(inv, args["since"]),
                                     limit=PAGE_FETCH)
    roles = await svc.store.speaker_roles(sid, inv.workspace)
    heading = name + (f" ({roles[0]})" if roles else "")
    text = f"{len(rows)} quote(s)" + (f" about {args['topic']}" if args.get("topic") else "")
    if len(matches) > 1:
        text += " · also: " + ", ".join(m[1] for m in matches[1:4])
    return Reply(title=f"Quotes by {heading}", text=text, items=tuple(_quote_item(q) for q in rows),
                 data={"speaker": name, "roles": roles, "quotes": [_quote_data(q) for q in rows]})


@command("timeline", "Dated events about a topic, merged across articles, in date order or most reported first",
         Param("topic", "who or what the events are about", required=True),
         Param("since", "from this date (YYYY-MM-DD) or this long ago (30d)", type="date"),
         Param("until", "up to this date (YYYY-MM-DD)", type="date"),
         Param("order", "by date, or the dates most articles report first", type="choice",
               choices=("date", "importance"), default="date"),
         Param("image", "attach a timeline picture", type="bool", default=False), slow=True)
async def timeline(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /timeline."""
    since = args["since"]
    if isinstance(since, timedelta):
        since = (inv.now - since).date()
    until = args["until"]
    if isinstance(until, timedelta):
        until = (inv.now - until).date()
    by_weight = args["order"] == "importance"
    entries = await timeline_query(svc.store, inv.workspace, args["topic"], since=since, until=until,
                                   order="weight" if by_weight else "date")
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

        image = render_timeline(args["topic"], entries)
    order_note = ", most reported dates first" if by_weight else ""
    return Reply(title=f"Timeline: {args['topic']}",
                 text=f"{len(entries)} dated event(s){order_note}." if entries else "No dated events match that topic.",
                 items=tuple(items), image=image, image_name="timeline.png" if image else None,
                 data={"events": [e.to_dict() for e in entries]})


def digest_reply(d: Digest) -> Reply:
    """Turn a digest into a reply (used by /digest and scheduled posts)."""
    items = []
    for s in d.stories:
        body = s.summary
        if s.key_quote:
            who = s.key_quote.speaker or "unattributed"
            if s.key_quote.role:
                who += f", {s.key_quote.role}"
            body += f"\n> “{display_quote(s.key_quote.quote)}” — {who}"
        fields = tuple((title[:80] or "source", url) for title, url in s.links[:5])
        items.append(Item(title=s.headline, body=body, url=s.links[0][1] if s.links else None,
                          footer=f"{len(s.article_ids)} source(s) · {_day(s.published)}", fields=fields))
    qotd = ""
    if d.quote_of_the_day:
        q = d.quote_of_the_day
        qotd = f"Quote of the day: “{display_quote(q.quote)}” — {q.speaker}" + (f", {q.role}" if q.role else "")
    span = f"{d.window_start:%Y-%m-%d %H:%M} – {d.window_end:%Y-%m-%d %H:%M} UTC"
    text = (f"{len(d.stories)} stor{'y' if len(d.stories) == 1 else 'ies'} · {span}" if d.stories
            else f"Nothing new · {span}")
    if qotd:
        text += "\n" + qotd
    data = {"stories": [{"headline": s.headline, "summary": s.summary, "links": [list(x) for x in s.links],
                         "article_ids": list(s.article_ids),
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
    events = [{"date_start": e.date_start.isoformat(), "date_end": e.date_end.isoformat(),
               "expression": e.expression, "text": e.text}
              for e in await svc.store.events_for_article(inv.workspace, art.id)]
    items = [_quote_item(q) for q in key]
    items += [Item(title=f"{e['date_start']} (“{e['expression']}”)", body=str(e["text"])) for e in events[:5]]
    text = art.summary or art.text[:400]
    fields: list[tuple[str, str]] = [("Published", _day(art.published))]
    if art.url:
        fields.append(("Link", art.url))
    meta = f"Published {_day(art.published)} · {len(key)} key quote(s) · {len(events)} dated event(s)"
    return Reply(title=art.title, text=meta, items=(Item(title="Summary", body=text, url=art.url,
                                                         fields=tuple(fields)), *items),
                 data={"article_id": art.id, "title": art.title, "url": art.url, "summary": text,
                       "published": _day(art.published) if art.published else None,
                       "quotes": [_quote_data(q) for q in key], "events": events})


@command("search", "Articles by full text",
         Param("query", "words to look for", required=True),
         Param("sort", "best or newest first", type="choice", choices=("best", "newest"), default="best"))
async def search(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /search."""
    rows = await svc.store.search(inv.workspace, args["query"], limit=PAGE_FETCH, newest=args["sort"] == "newest")
    items = tuple(Item(title=r.title, body=r.snippet.replace("\n", " ") or r.summary[:300], url=r.url,
                       footer=f"{_day(r.published)} · article #{r.id}") for r in rows)
    return Reply(title=f"Search: {args['query']}",
                 text=f"{len(rows)} article(s)." if rows else "No article matches those words.", items=items,
                 data={"articles": [{"id": r.id, "title": r.title, "url": r.url,
                                     "published": _day(r.published) if r.published else None} for r in rows]})


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


def _feed_url(value: str) -> str:
    from digests.ingest import UnsafeURLError
    from digests.ingest._safety import split_url

    try:
        split_url(value)
    except UnsafeURLError as exc:
        raise CommandError(str(exc)) from None
    return value.strip()


@command("feeds add", "Subscribe this channel to a feed (admins)",
         Param("url", "the RSS or Atom feed URL", required=True),
         Param("backfill", "post this many of the newest items now", type="int", default=0),
         Param("mode", "digest: in scheduled digests; live: each new story posted as it arrives", type="choice",
               choices=("digest", "live"), default="digest"), admin=True, slow=True)
async def feeds_add(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /feeds add."""
    url = _feed_url(args["url"])
    src = await svc.store.source("feed", url)
    sub, created = await svc.store.subscribe(inv.workspace, inv.channel, src.id)
    if not created:
        return Reply(title="Feeds", text=f"This channel already follows {url}; /feeds mode changes how it posts.")
    note = ""
    if svc.scheduler is not None:
        note = await svc.scheduler.feed_added(sub, args["backfill"])
    if args["mode"] == "live":
        # After the first fetch: the items it stored are the baseline, only later ones are posted live.
        await svc.store.set_subscription_options(sub.id, mode="live")
        note += " New stories are posted here as they arrive (at most 5 posts a minute)."
    return Reply(title="Feeds", text=f"Subscribed to {url}." + (f" {note.strip()}" if note else ""))


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
        state = "paused" if s.paused else s.source.health
        if opts[s.id].mode == "live":
            state += " · live"
        detail = ""
        if s.source.last_error:
            detail = s.source.last_error if s.source.health == "ok" else f"last error: {s.source.last_error}"
        last = f"last fetch {s.source.last_fetch:%Y-%m-%d %H:%M} UTC" if s.source.last_fetch else "not fetched yet"
        items.append(Item(title=s.source.title or s.source.url, body=" · ".join(x for x in (state, last, detail) if x),
                          url=s.source.url))
    return Reply(title="Feeds", text=f"{len(subs)} feed(s) in this channel." if subs else "No feeds yet; "
                 "an admin can add one with /feeds add url:<feed URL>.", items=tuple(items),
                 data={"feeds": [{"url": s.source.url, "health": s.source.health, "paused": s.paused,
                                  "last_error": s.source.last_error, "mode": opts[s.id].mode} for s in subs]})


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
            items.append(Item(title=f"Feed {sub.source.health}: {sub.source.url}", body=sub.source.last_error or ""))
    return Reply(title="Digest status", text=f"{len(items)} entr{'y' if len(items) == 1 else 'ies'}." if items
                 else "No schedules or feed problems.", items=tuple(items))


@command("help", "List the commands")
async def help_(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /help."""

    items = tuple(Item(title="/" + c.name + "".join(f" {p.name}:…" if i else f" <{p.name}>"
                                                  for i, p in enumerate(c.params)),
                       body=c.description) for c in REGISTRY.values())
    return Reply(title="Commands", text="Arguments: free text fills the first one; others as name:value.",
                 items=items, page_size=25)


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


def load() -> dict[str, Command]:
    """Return the registry of every command (importing this module and bot.subscriptions registers them)."""
    import bot.subscriptions  # noqa: F401 - imports from this module, so it is loaded here, not at the top

    return REGISTRY
