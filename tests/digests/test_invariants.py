"""Invariants as properties, through the real ingest path (``Ingestor.store_document``: clean-up, analysis in the
executor, storage) and the store, whatever whitespace, quotation marks or Unicode the article holds:

* every stored quote, and every quote a command shows, is the article's text at the quote's offsets;
* every stored event's date range holds the value of its expression;
* no answer given to one workspace mentions another workspace's private article.

Example counts come from the Hypothesis profile in tests/conftest.py (small by default, ``HYPOTHESIS_PROFILE=
thorough`` for a long run); ``deadline=None`` because each example goes through the analysis and a database.
"""

from __future__ import annotations

import calendar
import itertools
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.commands import REGISTRY, Invocation, Reply, dispatch
from bot.config import Settings
from bot.services import Services
from digests.ingest import Document
from digests.nlp.timex import extract_timexes

IO = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
_WORKSPACES = itertools.count(1)

# Spaces a pasted or scraped article holds: plain, non-breaking, narrow non-breaking, thin, ideographic, tab,
# doubled; and quotation marks of several conventions.
SPACES = st.sampled_from([" ", "  ", "\u00a0", " \u00a0", "\u202f", "\u2009", "\t", " \t", "\u3000"])
MARKS = st.sampled_from([('"', '"'), ("“", "”"), ("„", "“"), ("«\u00a0", "\u00a0»"), ("‘", "’")])
# Opening marks whose quotes the extractor must find (it takes double marks only: ‘…’ is checked for verbatim
# offsets alone).
FOUND = {'"', "“", "„", "«\u00a0"}
# Words with letters from several scripts, accents and combining marks, apostrophes and an emoji.
WORDS = st.sampled_from(["harbour", "Straße", "naïve", "café", "Zoë", "Ålesund", "Łódź", "piñata", "Ærø",
                         "co\u0301te", "don’t", "we'll", "東京", "Αθήνα", "Київ", "🌊", "bridge", "tide", "crane",
                         "ferries", "council", "night", "pier", "budget"])
NAMES = st.sampled_from(["Ilse Marrow", "Zoë Ångström", "Tomasz Łukasiewicz", "Aoife Ní Bhriain",
                         "José Núñez", "Chidi Okafor"])


@st.composite
def quoted_article(draw: st.DrawFn) -> tuple[str, list[str]]:
    """Return an article text with one to three attributed quotes, and those in English marks (to be found)."""
    paragraphs, inner = [], []
    for _ in range(draw(st.integers(1, 3))):
        words = draw(st.lists(WORDS, min_size=4, max_size=9))
        gaps = draw(st.lists(SPACES, min_size=len(words) - 1, max_size=len(words) - 1))
        said = "We " + "".join(w + g for w, g in zip(words, [*gaps, ""], strict=True))
        opening, closing = draw(MARKS)
        space = draw(SPACES)
        name = draw(NAMES)
        lead = draw(st.sampled_from(["The council met on Monday.", "Crews worked\u00a0through the night.",
                                     "Naïve plans were dropped.", ""]))
        paragraphs.append(f"{lead}{space if lead else ''}{opening}{said},{closing}{space}said{space}{name}.")
        if opening in FOUND:
            inner.append(said)
    joiner = draw(st.sampled_from(["\n\n", "\n\n\n", "\r\n\r\n", "\n \n"]))
    return joiner.join(paragraphs), inner


@pytest.fixture
async def backend_services(settings: Settings, store_url: str) -> AsyncIterator[Services]:
    """Return Services over a store of each backend (SQLite, PostgreSQL)."""
    svc = await Services.create(settings.model_copy(update={"database_url": store_url}))
    try:
        yield svc
    finally:
        await svc.close()


def _shown_quotes(reply: Reply) -> list[tuple[int, str]]:
    """Return (article id, quote) for each quote a reply shows as an item (“quote” — speaker)."""
    out = []
    for item in reply.items:
        m = re.search(r"article #(\d+)", item.footer)
        if item.title.startswith("“") and item.title.endswith("”") and m:
            out.append((int(m.group(1)), item.title[1:-1]))
    return out


@IO
@given(article=quoted_article())
@example(article=('The pier reopened. "We harbour\u00a0tide  crane\tpier," said Ilse Marrow.',
                  ["We harbour\u00a0tide  crane\tpier"]))
async def test_every_stored_and_shown_quote_is_the_article_text_at_its_offsets(
        services: Services, article: tuple[str, list[str]]) -> None:
    text, inner = article
    n = next(_WORKSPACES)
    ws = f"local:q{n}"
    # A line of its own: an earlier example's text equal but for its spaces would be this one's duplicate.
    text = f"Harbour report {n}.\n\n{text}"
    out = await services.ingestor.store_document(Document(title=f"Harbour notes {n}", text=text), workspace=ws,
                                                 via="upload", source="prop")
    assert out.article_id is not None and out.status == "added"
    stored = await services.store.article(ws, out.article_id)
    assert stored is not None
    quotes = await services.store.quotes_for_articles(ws, [out.article_id])
    for q in quotes:
        assert stored.text[q.start:q.end] == q.quote, (q.quote, stored.text[q.start:q.end])
    # The quotes in double marks are found (the property is not vacuous), whatever their spaces.
    assert {q.quote.rstrip(",") for q in quotes} >= set(inner), ([q.quote for q in quotes], inner, out.status)
    # What /who-said and /quotes show is the same text: verbatim, minus the comma handing over to the speaker.
    inv = Invocation(ws, "c", "u")
    shown: list[tuple[int, str]] = []
    for q in quotes:
        words = " ".join(q.quote.split()[1:4])
        shown += _shown_quotes(await dispatch(services, inv, REGISTRY["who-said"], {"phrase": words}))
        if q.speaker:
            shown += _shown_quotes(await dispatch(services, inv, REGISTRY["quotes"], {"speaker": q.speaker}))
    assert shown or not inner
    verbatim = {stored.text[q.start:q.end].rstrip(" ,;:") for q in quotes}
    for article_id, quote in shown:
        assert article_id == out.article_id and quote in verbatim, quote


def _day_formats(d: date) -> list[tuple[str, date, date]]:
    month = calendar.month_name[d.month]
    return [(f"on {d.day} {month} {d.year}", d, d), (f"on {month} {d.day}, {d.year}", d, d),
            (f"on {d.isoformat()}", d, d)]


def _value_span(value: str) -> tuple[date, date] | None:
    """Return the days a plain TIMEX3 value (YYYY, YYYY-MM, YYYY-MM-DD) names; None for other values."""
    if m := re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)", value):
        d = date(int(m[1]), int(m[2]), int(m[3]))
        return d, d
    if m := re.fullmatch(r"(\d{4})-(\d\d)", value):
        y, mo = int(m[1]), int(m[2])
        return date(y, mo, 1), date(y, mo, calendar.monthrange(y, mo)[1])
    if m := re.fullmatch(r"\d{4}", value):
        return date(int(value), 1, 1), date(int(value), 12, 31)
    return None


@IO
@given(day=st.dates(date(1990, 1, 1), date(2035, 12, 31)), form=st.integers(0, 4), space=SPACES,
       published=st.dates(date(2000, 1, 1), date(2030, 12, 31)))
@example(day=date(2026, 3, 29), form=0, space="\u00a0", published=date(2026, 3, 1))
async def test_every_event_date_range_holds_its_expressions_value(
        services: Services, day: date, form: int, space: str, published: date) -> None:
    month = calendar.month_name[day.month]
    wanted = [*_day_formats(day),
              (f"in {month} {day.year}", date(day.year, day.month, 1),
               date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])),
              (f"in {day.year}", date(day.year, 1, 1), date(day.year, 12, 31))][form]
    expression, first, last = wanted
    n = next(_WORKSPACES)
    ws = f"local:e{n}"
    pub = datetime(published.year, published.month, published.day, 9, tzinfo=UTC)
    text = (f"Pier report {n}. The harbour council met{space}on Monday to plan the new pier.\n\nThe{space}pier "
            f"will open {expression.replace(' ', space)}, the council said.\n\nCrews will work through the winter.")
    out = await services.ingestor.store_document(Document(title=f"Pier plans {n}", text=text, published=pub),
                                                 workspace=ws, via="upload", source="prop")
    events = await services.store.events_for_article(ws, out.article_id or 0)
    for e in events:
        assert e.date_start <= e.date_end, e
        if not re.search(r"\b\d{4}\b", e.expression):
            continue  # "Monday" takes its direction from the sentence's tense: read alone it names another day
        for t in extract_timexes(e.expression, published):
            span = _value_span(t.value)
            if span is not None:  # the range and the day, month or year its expression names overlap
                assert e.date_start <= span[1] and span[0] <= e.date_end, (e.expression, t.value, e)
    mine = [e for e in events if " ".join(e.expression.split()).lower() in expression.lower()
            and " ".join(e.expression.split()).lower().strip(" ,") not in ("on", "in")]
    assert mine, (expression, [(e.expression, e.date_start) for e in events])
    assert any((e.date_start, e.date_end) == (first, last) for e in mine), (expression, mine)


# Both workspaces write about the same things in the same words; each article also has one word of its own.
SHARED = ["harbour", "ferry", "council", "storm", "bridge", "night", "crossing", "pier", "budget", "crews"]


@st.composite
def two_articles(draw: st.DrawFn) -> tuple[list[str], list[str], str]:
    """Return A's and B's article words (sharing a vocabulary) and a query made of shared words."""
    a = draw(st.lists(st.sampled_from(SHARED), min_size=8, max_size=20))
    b = draw(st.lists(st.sampled_from(SHARED), min_size=8, max_size=20))
    query = " ".join(draw(st.lists(st.sampled_from(SHARED), min_size=1, max_size=3)))
    return a, b, query


def _article_ids(value: Any) -> set[int]:
    """Return every ``article_id`` anywhere in a reply's data."""
    if isinstance(value, dict):
        own = {value["article_id"]} if isinstance(value.get("article_id"), int) else set()
        return own.union(*(_article_ids(v) for v in value.values()))
    if isinstance(value, list | tuple):
        return set().union(*(_article_ids(v) for v in value))
    return set()


def _blob(reply: Reply) -> str:
    parts = [reply.title, reply.text, str(reply.data)]
    for item in reply.items:
        parts += [item.title, item.body, item.url or "", item.footer, *(x for f in item.fields for x in f)]
    return "\n".join(parts)


@settings(parent=IO, max_examples=max(5, settings().max_examples // 2))
@given(words=two_articles())
async def test_no_answer_of_one_workspace_mentions_anothers_article(
        backend_services: Services, words: tuple[list[str], list[str], str]) -> None:
    svc = backend_services
    a_words, b_words, query = words
    n = next(_WORKSPACES)
    a, b = f"discord:{n}", f"slack:T{n}"
    when = datetime(2026, 3, 10, 9, tzinfo=UTC)

    def doc(words: list[str], own: str, who: str) -> Document:
        said = " ".join(words[:6]).capitalize()
        return Document(title=f"{own} {' '.join(words[:3])}",
                        text=(f"{' '.join(words).capitalize()} in {own} on 14 April 2026.\n\n\"{said},\" said "
                              f"{who}.\n\nThe {own} {' '.join(words[6:])} report follows in May 2026."),
                        published=when)

    out_a = await svc.ingestor.store_document(doc(a_words, "Dunmore", "Ilse Marrow"), workspace=a, via="upload",
                                              source="a")
    out_b = await svc.ingestor.store_document(doc(b_words, "Kelby", "Ilse Marrow"), workspace=b, via="upload",
                                              source="b")
    assert out_a.article_id != out_b.article_id  # B's is private: never linked to A's as a duplicate
    inv = Invocation(a, "general", "alice", is_admin=True, now=when)
    asks: list[tuple[str, dict[str, Any]]] = [
        ("search", {"query": query}), ("who-said", {"phrase": query}), ("quotes", {"speaker": "Ilse Marrow"}),
        ("quotes", {"speaker": "Marrow", "topic": query}), ("timeline", {"topic": query}),
        ("summary", {"article": f"#{out_b.article_id}"}), ("summary", {"article": "Kelby"}),
        ("digest", {"since": "3650d"}), ("search", {"query": "Kelby " + query})]
    for name, args in asks:
        reply = await dispatch(svc, inv, REGISTRY[name], args)
        blob = _blob(reply)
        for typed in args.values():  # a reply may repeat what A typed ("Search: Kelby ferry"): not a leak
            blob = re.sub(re.escape(typed), "<typed>", blob, flags=re.I)
        assert "kelby" not in blob.lower(), (name, args, blob[:300])
        assert not re.search(rf"#{out_b.article_id}\b", blob), (name, args, blob[:300])
        assert out_b.article_id not in _article_ids(reply.data), (name, args)
