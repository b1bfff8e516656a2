"""Merged quotes in memory: copies of one quote across articles, their wordings, one speaker, labels left out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from digests.nlp.quotes import extract_quotes
from digests.stories import QuoteInstance, build_merged, key_quotes, merge_quotes
from digests.stories._quotes import article_names, export_line, shown_alone

# Three outlets' reports of one event, written for this test.
GAZETTE = (
    "The Kelmsford harbour bridge will close for six weeks from Monday while engineers replace corroded cables, "
    "the Kelmsford Port Authority said.\n\n"
    "\u201cWe will reopen the bridge before the summer ferries start running, whatever the weather throws at us,\u201d "
    "said Ottilie Brandvik, the authority's chief engineer.\n\n"
    "Traders on Quay Street fear the closure will cost them customers during the spring festival.")
TIMES = (
    "Engineers in Kelmsford began replacing the cables of the harbour bridge this week, and the Kelmsford Port "
    "Authority said the crossing will stay shut for six weeks.\n\n"
    "\u201cWe will reopen the bridge before the summer ferries start running,\u201d her spokesman said.\n\n"
    "Ottilie Brandvik, who leads the repairs, toured the site on Tuesday with traders from Quay Street.")
WIRE = (
    "Cable repairs started on the Kelmsford harbour bridge, which the Kelmsford Port Authority closed on Monday.\n\n"
    "\u201cWe shall reopen the bridge before the summer ferries start running, whatever the weather throws at us,\u201d "
    "said chief engineer Ottilie Brandvik.\n\n"
    "Businesses on Quay Street have asked for a temporary footbridge.")
DAY = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _instances(texts: list[tuple[int, str, str]], when: datetime = DAY) -> list[QuoteInstance]:
    out = []
    for aid, host, text in texts:
        for q in extract_quotes(text):
            assert text[q.start:q.end] == q.quote
            para = text.rfind("\n", 0, q.start) + 1
            out.append(QuoteInstance(len(out) + 1, aid, q.quote, q.start, q.end, q.speaker, q.role, q.cue, q.mention,
                                     q.confidence, f"https://{host}/a{aid}", f"Article {aid}", when,
                                     text[para:q.start].rstrip("\u201c\" "), text[q.end + 1:q.end + 81]))
    return out


def _names(texts: list[tuple[int, str, str]]) -> dict[int, frozenset[str]]:
    return {aid: article_names(text) for aid, _, text in texts}


ARTICLES = [(1, "kelmsford-gazette.example", GAZETTE), (2, "northshore-times.example", TIMES),
            (3, "coastal-wire.example", WIRE)]


def test_a_truncated_copy_merges_and_its_speaker_comes_from_the_other_outlets() -> None:
    merged = merge_quotes(_instances(ARTICLES), names=_names(ARTICLES))
    [m] = [m for m in merged if len(m.instances) > 1]
    assert m.outlets == 3 and sorted(m.article_ids) == [1, 2, 3]
    # The shorter copy ("her spokesman said") is shown under the engineer the other outlets name.
    assert m.speaker == "Ottilie Brandvik"
    # Every instance stays checked against its own article.
    texts = dict((aid, text) for aid, _, text in ARTICLES)
    assert all(texts[i.article_id][i.start:i.end] == i.quote for i in m.instances)
    assert m.quote.startswith("We will reopen the bridge") and m.quote.endswith("throws at us,")


def test_a_changed_word_is_shown_as_a_wording_difference() -> None:
    merged = merge_quotes(_instances(ARTICLES), names=_names(ARTICLES))
    [m] = [m for m in merged if len(m.instances) > 1]
    assert [v.quote for v in m.variants] == [
        "We shall reopen the bridge before the summer ferries start running, whatever the weather throws at us,"]
    # The truncated copy is not a wording difference; the changed word is, in one outlet.
    assert m.differing_outlets == 1


def test_copies_far_apart_in_time_stay_apart() -> None:
    early = _instances(ARTICLES[:1])
    late = _instances(ARTICLES[2:], DAY + timedelta(days=60))
    merged = merge_quotes(early + late, names=_names(ARTICLES))
    assert all(len(m.instances) == 1 for m in merged)


def test_a_short_sentence_in_two_unrelated_articles_stays_two_quotes() -> None:
    a = ("The Vellmoor tram depot flooded overnight.\n\n\u201cWe are looking into it,\u201d said Runa Falk, "
         "who manages the depot for Vellmoor Transit.")
    b = ("A bakery in Orlaby lost its ovens to a power cut.\n\n\u201cWe are looking into it,\u201d said Emil Dorn "
         "of Orlaby Power.")
    texts = [(1, "a.example", a), (2, "b.example", b)]
    merged = merge_quotes(_instances(texts), names=_names(texts))
    assert [len(m.instances) for m in merged] == [1, 1]


def test_a_title_in_quotation_marks_is_not_a_statement() -> None:
    # Two outlets name a film in quotation marks; neither gives it to anyone with a speech verb.
    def inst(n: int, before: str, after: str) -> QuoteInstance:
        return QuoteInstance(n, n, "The Long Night at Harrow Bay.", 40, 68, "Ilse Varga", None, None, None, 0.6,
                             f"https://outlet{n}.example/x", "", DAY, before, after)

    m = build_merged([inst(1, "She went on to star in \u201cGrey Harbour\u201d and ", ""),
                      inst(2, "Her credits include ", " and a stage tour.")])
    assert not m.statement
    # The same words said by someone are a statement.
    said = QuoteInstance(3, 3, "The Long Night at Harrow Bay.", 0, 28, "Ilse Varga", None, "said", "Varga", 0.9,
                         "https://outlet3.example/x", "", DAY, "", " Varga said.")
    assert build_merged([inst(1, "She went on to star in ", ""), said]).statement


def test_a_sign_read_out_by_several_outlets_is_not_a_statement() -> None:
    def inst(n: int, before: str) -> QuoteInstance:
        return QuoteInstance(n, n, "Save our harbour!", 30, 47, "Halvard Renn", None, None, None, 0.5,
                             f"https://outlet{n}.example/x", "", DAY, before, "")

    assert not build_merged([inst(1, "Protesters carried signs that read "), inst(2, "One banner said ")]).statement


def test_key_quotes_prefer_the_quote_most_outlets_carried() -> None:
    merged = merge_quotes(_instances(ARTICLES), names=_names(ARTICLES))
    solo = QuoteInstance(99, 4, "The footbridge will cost less than the lost trade of a single festival weekend.",
                         0, 80, "Quay Street traders' association", None, "said", "the association", 0.99,
                         "https://d.example/x", "", DAY)
    picked = key_quotes([*merged, build_merged([solo])], n=2)
    assert picked[0].outlets == 3 and picked[0].speaker == "Ottilie Brandvik"
    assert len(picked) == 2


def test_a_crowds_chant_and_a_signs_words_are_not_statements() -> None:
    def inst(n: int, mention: str, cue: str, before: str) -> QuoteInstance:
        return QuoteInstance(n, n, "Keep the ferry running!", 40, 63, "Halvard Renn", None, cue, mention, 0.7,
                             f"https://outlet{n}.example/x", "", DAY, before, "")

    chant = [inst(1, "protesters", "chanted", "Outside the hall, "), inst(2, "the crowd", "shouted", "As he left, ")]
    assert not build_merged(chant).statement
    sign = [inst(1, "One sign", "said", ""), inst(2, "a banner", "read", "")]
    assert not build_merged(sign).statement
    # One man shouting the words to a reporter is speech.
    said = [inst(1, "Renn", "shouted", ""), inst(2, "the crowd", "chanted", "Outside, ")]
    assert build_merged(said).statement


def test_a_scare_quoted_term_is_not_a_statement() -> None:
    def inst(n: int, before: str) -> QuoteInstance:
        return QuoteInstance(n, n, "temporary", 30, 39, "Ottilie Brandvik", None, None, None, 0.4,
                             f"https://outlet{n}.example/x", "", DAY, before, " closure")

    assert not build_merged([inst(1, "The authority calls it a "), inst(2, "What officials describe as a ")]).statement


# A march as three outlets told it, written for these tests: each gives the chant to someone who reports it.
MARCH = [
    (11, "dunmere-post.example",
     "Hundreds marched through Dunmere on Saturday after the closure of the Tarrow Mill.\n\n"
     "As they passed the town hall, marchers chanted, \u201cOpen the mill, pay the workers, we will not go home,\u201d "
     "witnesses reported.\n\nMill owner Bertil Sand said he would meet the union on Monday."),
    (12, "valley-news.example",
     "Hundreds marched through Dunmere on Saturday after the closure of the Tarrow Mill.\n\n"
     "Protesters chanted: \u201cOpen the mill, pay the workers, we will not go home,\u201d residents said.\n\n"
     "Mill owner Bertil Sand said he would meet the union on Monday."),
]


def test_a_chant_that_others_report_is_not_a_statement() -> None:
    insts = _instances(MARCH)
    # Each article gives the words to whoever reported the chant, next to a speech verb.
    assert {i.cue for i in insts} == {"reported", "said"}
    [m] = merge_quotes(insts, names=_names(MARCH))
    assert m.outlets == 2 and not m.statement


def test_words_a_person_says_after_a_crowd_chanted_are_a_statement() -> None:
    speech = (13, "mill-weekly.example",
              "Hundreds marched through Dunmere on Saturday after the closure of the Tarrow Mill.\n\n"
              "\u201cOpen the mill, pay the workers, we will not go home,\u201d union leader Mette Ravn told the "
              "marchers at the town hall.\n\nMill owner Bertil Sand said he would meet the union on Monday.")
    texts = [*MARCH, speech]
    [m] = merge_quotes(_instances(texts), names=_names(texts))
    assert m.statement and m.speaker == "Mette Ravn"


def test_a_film_title_a_person_mentions_is_not_a_statement() -> None:
    # One outlet's sentence has a speech verb ("said … that her film …"), but the words are the film's title.
    texts = [(21, "screen-daily.example",
              "Ilse Varga has a new film out.\n\nVarga, who starred in \u201cThe Quiet Orchard at Dawn\u201d and two "
              "stage plays, said she was pleased with the reviews."),
             (22, "arts-wire.example",
              "Ilse Varga said on Friday that her film \u201cThe Quiet Orchard at Dawn\u201d would open in March.")]
    insts = _instances(texts)
    assert any(i.cue == "said" and i.speaker == "Ilse Varga" for i in insts)
    [m] = merge_quotes(insts, names=_names(texts))
    assert m.outlets == 2 and not m.statement


def test_two_outlets_naming_two_people_for_the_words_is_an_even_split() -> None:
    said = "We will not sell the ferry company to anyone who plans to cut the winter crossings"
    texts = [(31, "harbour-herald.example",
              "The ferry operator Tarrow Line is for sale, its board confirmed on Tuesday in Kelmsford.\n\n"
              f"\u201c{said},\u201d said board chair Agnes Holm.\n\nBids close at the end of April."),
             (32, "estuary-times.example",
              "Kelmsford's ferry operator, Tarrow Line, has been put up for sale by its board.\n\n"
              f"\u201c{said},\u201d said finance director Rolf Ekdahl.\n\nThe sale is expected to take months.")]
    [m] = [m for m in merge_quotes(_instances(texts), names=_names(texts)) if len(m.instances) > 1]
    assert m.verdict.status == "split" and m.speaker is None
    assert set(m.verdict.split) == {"Agnes Holm", "Rolf Ekdahl"}
    line = export_line(m, {31: ["doc-31"], 32: ["doc-32"]})
    assert line["speaker"] == "" and set(line["split"]) == {"Agnes Holm", "Rolf Ekdahl"}  # type: ignore[arg-type]


def test_a_banners_words_are_a_label_but_a_statement_that_read_is_its_issuers() -> None:
    def inst(n: int, before: str, mention: str) -> QuoteInstance:
        return QuoteInstance(n, n, "No more closures on the north shore", 60, 95, mention, None, "said", mention,
                             0.9, f"https://outlet{n}.example/x", "", DAY, before, f", {mention} said.")

    banner = [inst(1, "Marchers carried a banner that read, ", "witnesses"),
              inst(2, "One placard, held up at the front, said: ", "residents")]
    assert not build_merged(banner).statement
    issued = [inst(1, "The council's statement read: ", "council leader Britt Sollie"),
              inst(2, "In a statement, the council wrote: ", "council leader Britt Sollie")]
    assert build_merged(issued).statement


def test_a_quote_one_article_prints_as_a_label_is_not_shown_alone() -> None:
    def inst(quote: str, before: str, cue: str | None = None, mention: str | None = None) -> QuoteInstance:
        return QuoteInstance(1, 1, quote, len(before), len(before) + len(quote), "Runa Falk", None, cue, mention,
                             0.8, None, "", DAY, before, "")

    assert not shown_alone(inst("Harbour Morning Live", "Runa Falk told", "told", "Runa Falk"))
    assert not shown_alone(inst("Keep the quay open!", "Outside the hall, the crowd chanted,"))
    assert not shown_alone(inst("Save the Ferry", "Marchers carried placards reading"))
    assert shown_alone(inst("We will keep the quay open for the festival,", "", "said", "Falk"))
    assert shown_alone(inst("Keep the quay open,", "Falk told reporters:", "told", "Falk"))
    # A mark that keeps its own space ("« … »") opens a new sentence here, not a title inside one.
    assert shown_alone(inst("We harbour Ferry Landing Pier,", "The council met on Monday. «\u00a0", "said",
                            "Falk"))
    assert not shown_alone(inst("Harbour Morning Live", "Runa Falk told «\u00a0", "told", "Runa Falk"))
