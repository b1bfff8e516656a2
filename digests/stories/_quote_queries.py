"""Merged quotes from the store: what /who-said, /quotes, digests and /story show, each quote once.

The store returns quote rows (one per article) and, for rows in a quote group, the group with the instances a
workspace can see. These functions turn both into ``MergedQuote``s: one per group (its stored speaker, wording
shown, wordings that differ, its outlets' links), one per quote no other article carries; labels that outlets
print in quotation marks (``statement`` false) are left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from digests.store import QuoteGroupRow, QuoteRow, Store
from digests.stories._quote_speaker import Verdict, Vote
from digests.stories._quotes import (
    MergedQuote,
    QuoteInstance,
    export_line,
    key_quotes,
    shown_alone,
    wording_variants,
)

_OPENING = "“\"«„‘'‚ \t"  # the opening mark and spaces the narration before a quote ends in


def instance_of(r: QuoteRow) -> QuoteInstance:
    """Return a stored quote row as an instance (its speaker is the one every view shows)."""
    return QuoteInstance(r.id, r.article_id, r.quote, r.start, r.end, r.speaker, r.role, None, None, r.confidence,
                         r.url, r.article_title, r.published)


def _verdict(g: QuoteGroupRow) -> Verdict:
    try:
        data = json.loads(g.evidence or "{}")
    except ValueError:
        data = {}
    votes = tuple(Vote(str(v.get("speaker", "")), str(v.get("kind", "person")), float(v.get("weight", 0.0)),
                       int(v.get("articles", 0))) for v in data.get("votes", ()) if isinstance(v, dict))
    return Verdict(g.speaker, g.status, votes, tuple(str(s) for s in data.get("split", ())), g.role)


def from_group(g: QuoteGroupRow, fallback: QuoteRow | None = None) -> MergedQuote:
    """Return a stored quote group as a merged quote (only the instances its reader may see)."""
    rows = g.instances or ((fallback,) if fallback else ())
    insts = tuple(instance_of(r) for r in rows)
    lead = next((i for i in insts if i.quote_id == g.lead_quote_id), None)
    if lead is None:
        # The wording the group shows is in an article this workspace cannot see: show the longest it can.
        lead = max(insts, key=lambda i: (len(i.quote), -i.article_id))
    return MergedQuote(insts, lead, _verdict(g), wording_variants(lead, insts), g.statement, g.id,
                       {"outlets_all": g.outlets, "story_id": g.story_id})


def single(r: QuoteRow) -> MergedQuote:
    """Return a quote no other article carries as a merged quote of one instance."""
    inst = instance_of(r)
    status = "agreed" if r.speaker else "unknown"
    return MergedQuote((inst,), inst, Verdict(r.speaker, status, (), (), r.role))


async def merge_rows(store: Store, workspace: str, rows: Sequence[QuoteRow]) -> list[MergedQuote]:
    """Return quote rows as merged quotes in the rows' order, each group once, labels left out.

    A quote no other article carries is left out when its own article prints it as a label (``shown_alone``).
    """
    ids = {r.group_id for r in rows if r.group_id is not None}
    groups = await store.quote_groups(workspace, ids) if ids else {}
    alone = [r for r in rows if r.group_id is None or r.group_id not in groups]
    narration = await store.quote_narration(r.id for r in alone) if alone else {}
    out: list[MergedQuote] = []
    seen: set[int] = set()
    for r in rows:
        g = groups.get(r.group_id) if r.group_id is not None else None
        if g is None:
            cue, mention, before, after = narration.get(r.id, (None, None, "", ""))
            inst = replace(instance_of(r), cue=cue, mention=mention,
                           before=before[before.rfind("\n") + 1:].rstrip(_OPENING), after=after.split("\n", 1)[0])
            if shown_alone(inst):
                out.append(single(r))
        elif g.id not in seen:
            seen.add(g.id)
            if g.statement:
                out.append(from_group(g, r))
    return out


async def who_said(store: Store, workspace: str, phrase: str, *, limit: int = 25) -> list[MergedQuote]:
    """Return the merged quotes holding the words of ``phrase``, the exact phrase first, then newest."""
    return await merge_rows(store, workspace, await store.who_said(workspace, phrase, limit=limit))


async def quotes_by(store: Store, workspace: str, speaker_id: int, *, topic: str | None = None,
                    since: datetime | None = None, limit: int = 25) -> list[MergedQuote]:
    """Return a speaker's merged quotes, newest first (a quote many outlets carried, once)."""
    rows = await store.quotes_by(workspace, speaker_id, topic=topic, since=since, limit=limit)
    return await merge_rows(store, workspace, rows)


async def quotes_of_articles(store: Store, workspace: str, article_ids: Iterable[int]) -> list[MergedQuote]:
    """Return the merged quotes of some articles (a story's), each once, in article and text order."""
    return await merge_rows(store, workspace, await store.quotes_for_articles(workspace, article_ids))


async def quote_lines(store: Store, workspace: str, doc_ids: dict[int, list[str]], *,
                      per_article: bool = False) -> list[dict[str, object]]:
    """Return the ``--quotes-out`` lines of stored articles: one per merged quote (``per_article``: per quote).

    ``doc_ids`` maps each article to the input ids stored as it (a duplicate input shares its article).
    """
    rows = await store.quotes_for_articles(workspace, list(doc_ids))
    merged = [single(r) for r in rows] if per_article else await merge_rows(store, workspace, rows)
    return [export_line(m, doc_ids) for m in merged]


async def story_key_quotes(store: Store, workspace: str, article_ids: Iterable[int], n: int = 3) -> list[MergedQuote]:
    """Return the ``n`` key quotes of a story's articles: merged, the most outlets first (``key_quotes``)."""
    return key_quotes(await quotes_of_articles(store, workspace, article_ids), n)
