"""Page extraction: deterministic per page, the fallback ladder, stubs refused, tables kept, headline and date."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from digests.ingest import DocumentError
from digests.ingest._documents import document_from_html
from digests.ingest._pages import (
    choose_title,
    copyright_years,
    covered_share,
    extract_page,
    is_stub,
    ld_headlines,
    plausible_guess,
    shown_dates,
    strip_site,
    with_tail,
)
from tests.conftest import shared_eval

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

PARAS = [
    "The harbour board of Ferrow voted on Tuesday to rebuild the north breakwater, which winter storms have "
    "cracked in three places since the spring.",
    "Engineers told the board that the repair would take two summers and cost about eleven million pounds, "
    "most of it from a national coastal fund.",
    "Fishing crews had asked for the work for years, saying the cracks let heavy swell into the inner basin "
    "and damaged moored boats twice last winter.",
    "The board will publish the construction timetable next month, after a consultation with the ferry "
    "operator and the lifeboat station.",
]
SHARED = ("Ferrow Gazette is an independent local paper covering the harbour, the council and the schools "
          "of the Ferrow peninsula since 1921.")


def page(title: str, paras: list[str], *, head: str = "", extra: str = "", site: str = "Ferrow Gazette") -> str:
    """Return an invented news page with a nav, an article and a footer that every page of the site shares."""
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (f"<!doctype html><html><head><title>{title} | {site}</title>"
            f'<meta property="og:site_name" content="{site}">{head}</head><body>'
            '<nav><a href="/">Home</a> <a href="/harbour">Harbour</a> <a href="/council">Council</a></nav>'
            f"<article><h1>{title}</h1>{body}{extra}</article>"
            f"<footer><p>{SHARED}</p><p>Copyright 2026 {site}. All rights reserved.</p></footer></body></html>")


def test_the_same_page_gives_the_same_text_however_often_and_after_whatever_else() -> None:
    pages = [page(f"Breakwater story {i}", [*PARAS[i:], *PARAS[:i]]) for i in range(4)]
    first = [extract_page(p, now=NOW).text for p in pages]
    assert all(PARAS[0] in t for t in first)
    # trafilatura's process-wide duplicate memory would drop the shared paragraphs (and then whole pages) here.
    for _ in range(3):
        assert [extract_page(p, now=NOW).text for p in pages] == first


def test_every_dev_page_extracts_the_same_three_times_in_one_process() -> None:
    path = shared_eval("pages", "dev.jsonl")
    rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    runs = [[extract_page(r["html"], r.get("url"), now=NOW).text for r in rows] for _ in range(3)]
    assert runs[0] == runs[1] == runs[2]
    assert sum(len(t) >= 200 for t in runs[0]) == len(rows)


def test_structured_article_body_is_used_when_the_page_shows_a_teaser() -> None:
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Breakwater to be rebuilt",
                     "articleBody": " ".join(PARAS * 3)})
    html = page("Breakwater to be rebuilt", ["Subscribers can read the full story."],
                head=f'<script type="application/ld+json">{ld}</script>')
    ex = extract_page(html, now=NOW)
    assert ex.step in ("recall", "baseline")  # the precise pass keeps only the teaser
    assert PARAS[2] in ex.text


def test_structured_body_that_only_adds_furniture_to_the_shown_story_is_not_used() -> None:
    furniture = [f"More from the Gazette: lighthouse keepers, ferry fares and the school fete, part {i} of our "
                 "weekend reading list for the whole family" for i in range(12)]
    story = [*PARAS, "Divers surveyed the foundations in August and found the older stones sound below the "
             "waterline, so only the upper courses and the concrete cap need replacing.",
             "The lifeboat crew said it would keep its slipway open throughout, with a temporary pontoon "
             "on the sheltered side of the harbour for the busiest weeks."]
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Breakwater to be rebuilt",
                     "articleBody": "\n".join([*story, *furniture])})
    html = page("Breakwater to be rebuilt", story, head=f'<script type="application/ld+json">{ld}</script>')
    ex = extract_page(html, now=NOW)
    assert ex.step == "precise"
    assert PARAS[3] in ex.text and "weekend reading list" not in ex.text


def test_covered_share_measures_containment_one_way() -> None:
    story = " ".join(PARAS)
    assert covered_share(PARAS[1], story) == 1.0
    assert covered_share(story, PARAS[1]) < 0.5
    assert covered_share("", story) == 1.0


def test_a_page_that_is_only_a_date_is_refused_not_stored() -> None:
    html = page("Notes", ["May 19, 2020"])
    with pytest.raises(DocumentError, match="no article text"):
        document_from_html(html, now=NOW)
    assert is_stub("Posted on May 19, 2020 by admin")
    assert not is_stub(" ".join(PARAS[:1]))


def test_table_rows_are_kept_as_text() -> None:
    table = ("<table><tr><th>Section</th><th>Length</th></tr><tr><td>North arm</td><td>340 metres</td></tr>"
             "<tr><td>Pier head</td><td>85 metres</td></tr></table>")
    ex = extract_page(page("Breakwater to be rebuilt", PARAS, extra=table), now=NOW)
    assert "North arm" in ex.text and "340 metres" in ex.text
    assert "Pier head" in ex.text


@pytest.mark.parametrize(("raw", "site", "url", "want"), [
    ("Breakwater to be rebuilt | Ferrow Gazette", "Ferrow Gazette", None, "Breakwater to be rebuilt"),
    ("Breakwater to be rebuilt - Ferrow Gazette", None, "https://www.ferrowgazette.example/a/1",
     "Breakwater to be rebuilt"),
    ("Ferrow Gazette | Breakwater to be rebuilt", "Ferrow Gazette", None, "Breakwater to be rebuilt"),
    ("Breakwater to be rebuilt | FG | 19.01.2026", "FG", None, "Breakwater to be rebuilt"),
    ("Ferry times: what changes in May", "Ferrow Gazette", None, "Ferry times: what changes in May"),
    ("Ferrow Gazette » Weekend » Breakwater to be rebuilt", "Ferrow Gazette", None, "Breakwater to be rebuilt"),
    ("Breakwater to be rebuilt | Harbour | Ferrow Gazette", "Ferrow Gazette", None, "Breakwater to be rebuilt"),
    ("Ferrow Gazette - Ferry times - what changes in May", "Ferrow Gazette", None, "Ferry times - what changes in May"),
])
def test_site_name_and_date_are_cut_from_the_title(raw: str, site: str | None, url: str | None, want: str) -> None:
    assert strip_site(raw, site, url) == want


def test_the_visible_headline_wins_over_a_shortened_social_title() -> None:
    import trafilatura

    head = '<meta property="og:title" content="Breakwater: what it means">'
    html = page("Harbour board votes to rebuild the storm-cracked north breakwater", PARAS, head=head)
    tree = trafilatura.load_html(html)
    assert choose_title(tree, "Breakwater: what it means", "Ferrow Gazette", None) == \
        "Harbour board votes to rebuild the storm-cracked north breakwater"
    assert extract_page(html, now=NOW).title == "Harbour board votes to rebuild the storm-cracked north breakwater"


def test_an_h1_that_the_title_names_as_the_site_is_a_banner_not_the_headline() -> None:
    import trafilatura

    html = page("Notes from the Tideline", PARAS, site="tideline.example").replace(
        "<title>Notes from the Tideline | tideline.example</title>",
        "<title>Notes from the Tideline » Archive » Rebuilding the north breakwater</title>")
    tree = trafilatura.load_html(html)
    assert choose_title(tree, "Notes from the Tideline", "tideline.example", "https://tideline.example/2026/05/x") \
        == "Rebuilding the north breakwater"


def test_metadata_sources_agreeing_on_a_headline_drop_a_kicker_glued_into_the_h1() -> None:
    import trafilatura

    ld = json.dumps({"@type": "NewsArticle", "headline": "Why the breakwater must be rebuilt"})
    head = ('<meta property="og:title" content="Why the breakwater must be rebuilt">'
            f'<script type="application/ld+json">{ld}</script>')
    html = page("Why the breakwater must be rebuilt", PARAS, head=head).replace(
        "<h1>Why", "<h1><span>Harbour Watch</span>Why")
    tree = trafilatura.load_html(html)
    assert ld_headlines(tree) == ["Why the breakwater must be rebuilt"]
    assert choose_title(tree, "Why the breakwater must be rebuilt", "Ferrow Gazette", None) == \
        "Why the breakwater must be rebuilt"


def test_metadata_date_first_and_never_in_the_future() -> None:
    meta = '<meta property="article:published_time" content="2026-10-02T09:30:00Z">'
    assert extract_page(page("Breakwater to be rebuilt", PARAS, head=meta), now=NOW).published == \
        datetime(2026, 10, 2, tzinfo=UTC)
    future = '<meta property="article:published_time" content="2027-03-01T09:30:00Z">'
    got = extract_page(page("Breakwater to be rebuilt", PARAS, head=future), now=NOW).published
    assert got is None or got <= NOW


def test_a_later_date_printed_under_the_headline_wins_over_older_metadata() -> None:
    meta = '<meta property="article:published_time" content="2024-01-01T00:00:00Z">'
    html = page("Breakwater to be rebuilt", ["Updated March 4, 2026", *PARAS], head=meta)
    assert extract_page(html, now=NOW).published == datetime(2026, 3, 4, tzinfo=UTC)


def test_the_copyright_year_never_becomes_the_publication_date() -> None:
    ex = extract_page(page("Breakwater to be rebuilt", PARAS), now=NOW)
    assert ex.published is None
    assert copyright_years("© 2015–2026 Ferrow Media") == [2015, 2026]
    assert not plausible_guess(datetime(2026, 1, 1, tzinfo=UTC), [2026])
    assert not plausible_guess(datetime(2009, 5, 1, tzinfo=UTC), [2015, 2026])
    assert plausible_guess(datetime(2020, 5, 1, tzinfo=UTC), [2015, 2026])


def test_shown_dates_reads_only_unambiguous_forms() -> None:
    got = shown_dates("Posted 4 March 2026, updated Mar. 6, 2026 (2026-03-07); 03/04/2026 is ambiguous")
    assert [d.day for d in got] == [4, 6, 7]


def test_code_blocks_are_kept() -> None:
    code = "<pre><code>pip install ferrow-tides\nferrow-tides --port 4</code></pre>"
    html = page("How to read the tide tables", PARAS[:2]).replace("</article>", code + "".join(
        f"<p>{p}</p>" for p in PARAS[2:]) + "</article>")
    ex = extract_page(html, now=NOW)
    assert "pip install ferrow-tides" in ex.text and PARAS[3] in ex.text


@pytest.mark.parametrize("link", [
    '<span class="link"><a href="https://ferrow.example/a">the skipper Ivo Larne was banned for three races</a></span>',
    '<span class="bottom">the skipper Ivo Larne was banned for three races</span>',
    '<span style="border-bottom: 1px dotted">the skipper Ivo Larne was banned for three races</span>',
    '<span class="author"><em>the skipper Ivo Larne was banned for three races</em></span>',
])
def test_link_text_inside_a_sentence_is_kept(link: str) -> None:
    lead = (f"<p>The Ferrow Gazette has reported that {link} for his part in the collision at the harbour mouth on "
            "Saturday, and the sailing club said it would appeal.</p>")
    html = page("Club appeals race ban", [], extra=lead + "".join(f"<p>{p}</p>" for p in PARAS))
    text = extract_page(html, now=NOW).text
    assert ("has reported that the skipper Ivo Larne was banned for three races for his part in the collision"
            in text)


def test_a_hidden_span_inside_a_sentence_stays_hidden() -> None:
    lead = ('<p>The harbour board met on Tuesday <span style="display:none">SECRET TRACKING TEXT</span> and voted to '
            "rebuild the breakwater before the winter storms return to the peninsula.</p>")
    html = page("Breakwater vote", [], extra=lead + "".join(f"<p>{p}</p>" for p in PARAS))
    text = extract_page(html, now=NOW).text
    assert "SECRET" not in text and "The harbour board met on Tuesday" in text


def test_a_membership_pitch_inside_the_article_is_dropped() -> None:
    pitch = ("<p>When you join the Ferrow Gazette family, you'll get unlimited digital access to reporting you "
             "won't find anywhere else, and your membership keeps our newsroom open.</p>"
             "<p>Join now or renew to get:</p><ul><li>— Instant access to our special reports</li>"
             "<li>— Membership perks and invitations</li></ul>"
             "<p>First-time subscribers also receive a printed tide table! Do it for the harbour.</p>")
    more = ["The lifeboat crew said the inner basin had been unsafe for the smaller boats on eleven nights since "
            "October, and that two moorings had broken in the last storm.",
            "A public meeting on the plans will be held in the school hall on the first Thursday of next month, "
            "with the engineers and the harbour master taking questions.",
            "The ferry operator said the timetable would not change while the work goes on, though the quay may "
            "close for a few days in the second summer."]
    html = page("Breakwater vote", PARAS[:2], extra=pitch + "".join(f"<p>{p}</p>" for p in PARAS[2:] + more))
    text = extract_page(html, now=NOW).text
    assert PARAS[0] in text and more[2] in text
    assert "join" not in text.lower() and "subscribers" not in text and "Instant access" not in text


def test_the_balanced_pass_adds_a_short_tail_only_after_all_of_the_precise_text() -> None:
    precise = "\n\n".join(PARAS * 2)
    tail = "Harbour office: 3 Quay Street, Ferrow, open weekdays."
    assert with_tail(precise, precise + "\n\n" + tail) == precise + "\n\n" + tail
    # A long tail is another block of the page (comments, related stories), not the end of the story.
    assert with_tail(precise, precise + "\n\n" + "\n\n".join([tail] * 8)) == precise
    # The passes read different stories when the precise paragraphs are not all there in order.
    swapped = "\n\n".join([PARAS[1], PARAS[0], *PARAS[2:], *PARAS])
    assert with_tail(precise, swapped + "\n\n" + tail) == precise
    assert with_tail(precise, precise + "\n\nMore at https://ferrow.example/harbour") == precise


def test_a_teaser_headline_linking_to_another_story_is_dropped_but_the_own_headline_stays() -> None:
    teaser = '<h3><a href="https://ferrow.example/2026/ferry-fares-rise">Ferry fares to rise by a tenth in spring</a></h3>'
    own = '<h2><a href="https://ferrow.example/2026/breakwater-vote">Breakwater vote</a></h2>'
    html = page("Breakwater vote", [], extra=own + "".join(f"<p>{p}</p>" for p in PARAS[:2]) + teaser
                + "".join(f"<p>{p}</p>" for p in PARAS[2:]))
    text = extract_page(html, "https://ferrow.example/2026/breakwater-vote", now=NOW).text
    assert "Ferry fares to rise" not in text
    assert PARAS[1] in text and PARAS[2] in text and "Breakwater vote" in text


def test_a_later_rung_may_add_to_the_lead_but_never_replace_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import digests.ingest._pages as pages

    lead = PARAS[0]
    sidebar = "\n".join(f"Elsewhere: the {town} council approved a plan on Monday to repaint its bridge and widen "
                        "the pavements on the high street after six weeks of consultation." for town in
                        ("Kelmoor", "Dunwick", "Halsby", "Rosmont", "Torvane", "Brisk"))
    assert pages.keeps_lead(lead, lead + "\n\n" + sidebar) and not pages.keeps_lead(lead, sidebar)
    assert pages.keeps_lead("Breakwater vote\n\nShort.", sidebar, "Breakwater vote")  # no lead to keep

    def fake_pass(page: object, url: str | None, focus: str, *, fast: bool = False) -> str:
        return lead if focus == "precision" else sidebar

    monkeypatch.setattr(pages, "_pass", fake_pass)
    monkeypatch.setattr(pages, "_baseline", lambda page: sidebar)
    html = page("Breakwater vote", [lead])
    ex = extract_page(html, now=NOW)
    assert ex.text.startswith(lead) and ex.step == "precise"
    # When the longer text holds the lead, it may take over.
    monkeypatch.setattr(pages, "_pass", lambda p, u, f, *, fast=False: lead if f == "precision" else
                        lead + "\n" + sidebar)
    assert extract_page(html, now=NOW).step == "recall"
