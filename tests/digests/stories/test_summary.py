"""Story summaries: drawn from every outlet, never opening on a sentence that needs another, updates say what is new."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from digests.nlp.openers import opener_problem
from digests.stories import ArticleText, articles_from_json, summarize_story
from digests.stories._summary import run_story_summaries, story_summary_record
from tests.conftest import shared_eval

T0 = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)

# Three invented outlets reporting one invented event, each in its own words.
GAZETTE = ArticleText(
    "g1", "Ferrow closes the north quay after storm damage",
    "FERROW — They said the damage was worse than feared. The harbour board of Ferrow closed the north quay on "
    "Tuesday after a storm cracked the breakwater in three places. Engineers will inspect the breakwater this "
    "week. The ferry to Little Sedge will sail from the south quay until repairs are done.",
    "https://ferrow-gazette.example/2027/03/quay", T0, None)
COURIER = ArticleText(
    "c1", "Storm shuts Ferrow quay",
    "The move came after a night of gales. Ferrow's harbour board shut the north quay on Tuesday because the storm "
    "cracked the breakwater. Ferry passengers for Little Sedge must board at the south quay, the board said.",
    "https://www.larkhaven-courier.example/news/quay-shut", T0 + timedelta(hours=1), None)
HERALD = ArticleText(
    "h1", "Cracked breakwater closes quay",
    "It is the second closure this winter. A storm cracked the Ferrow breakwater, and the harbour board closed the "
    "north quay on Tuesday. Engineers are due to inspect the damage on Thursday. Fishing crews said they had "
    "warned the board about the cracks in the autumn.",
    "https://sedge-herald.example/quay", T0 + timedelta(hours=2), None)
STORY = [GAZETTE, COURIER, HERALD]


def test_summary_sentences_are_verbatim_and_cite_their_article_and_outlet() -> None:
    summary = summarize_story(STORY)
    assert summary.sentences and not summary.update
    by_id = {a.id: a for a in STORY}
    for s in summary.sentences:
        art = by_id[s.article_id]
        assert s.text in art.text and s.url == art.url
    outlets = {s.outlet for s in summary.sentences}
    assert outlets <= {"ferrow-gazette.example", "larkhaven-courier.example", "sedge-herald.example"}
    assert summary.words <= 80 * 1.25


def test_what_every_outlet_reports_is_said_once_and_lists_the_others() -> None:
    summary = summarize_story(STORY)
    closing = [s for s in summary.sentences if "quay" in s.text and "breakwater" in s.text and "Tuesday" in s.text]
    # Three outlets tell the closure: the summary says it once and names the other two as saying much the same.
    assert len(closing) == 1
    assert len(closing[0].also) == 2


# The sentence every outlet shares opens, in each, on something said before it: none of them may lead.
LEANING = [
    ArticleText("g", "Quay shut", "FERROW — Ferry passengers for Little Sedge must now board at the south quay. "
                "They shut the north quay on Tuesday after a storm cracked the Ferrow breakwater in three places, the "
                "harbour board said.", "https://gazette.example/q"),
    ArticleText("c", "Quay shut", "Fishing crews had warned about the cracks since the autumn. "
                "The move came after a storm cracked the Ferrow breakwater and the harbour board shut the north quay "
                "on Tuesday.", "https://courier.example/q"),
    ArticleText("h", "Quay shut", "Engineers will inspect the damage on Thursday, the board said. "
                "But the north quay was shut on Tuesday by the harbour board after a storm cracked the Ferrow "
                "breakwater.", "https://herald.example/q"),
]


@pytest.mark.parametrize("max_words", [20, 35, 80])
def test_the_summary_never_opens_on_a_pronoun_back_reference_or_dateline(max_words: int) -> None:
    summary = summarize_story(LEANING, max_words=max_words)
    texts = [s.text for s in summary.sentences]
    assert texts and opener_problem(texts[0]) is None
    assert not any("FERROW" in t for t in texts)
    # A sentence that leans on another follows that very sentence of its article.
    for i, t in enumerate(texts[1:], 1):
        if opener_problem(t) is not None:
            art = next(a for a in LEANING if t in a.text)
            assert art.text.index(texts[i - 1]) < art.text.index(t)


def test_opener_problem_names_each_kind_of_bad_opening() -> None:
    assert opener_problem("They said the damage was worse than feared.") == "pronoun"
    assert opener_problem("The move came after a night of gales.") == "back-reference"
    assert opener_problem("But the board said the ferry would still sail.") == "back-reference"
    assert opener_problem("FERROW — The harbour board closed the quay on Tuesday.") == "dateline"
    assert opener_problem("By Ada Quist, harbour reporter") == "byline"
    assert opener_problem("What happens next: The board meets engineers on Thursday.") == "subheading"
    assert opener_problem("US regulators opened an inquiry into the ferry operator on Monday.") is None
    assert opener_problem("The harbour board closed the north quay on Tuesday.") is None


def test_a_sentence_that_leans_on_the_one_before_comes_only_right_after_it() -> None:
    lead = ArticleText("a", "Quay closed", "The harbour board closed the north quay on Tuesday after the storm. "
                       "It will stay shut for at least a month while engineers inspect the breakwater.")
    other = ArticleText("b", "Quay shut", "Ferrow's north quay will stay shut for at least a month, the harbour "
                        "board said after the storm on Tuesday.", outlet="Courier")
    summary = summarize_story([lead, other], max_words=80)
    texts = [s.text for s in summary.sentences]
    for i, t in enumerate(texts):
        if t.startswith("It will"):
            assert i > 0 and texts[i - 1].startswith("The harbour board closed")


def test_an_update_says_only_what_is_new_since_the_articles_seen() -> None:
    late = ArticleText(
        "h2", "Quay to reopen in May",
        "The harbour board closed the north quay on Tuesday after a storm cracked the breakwater. "
        "Divers found a fourth crack on Friday, and the quay will not reopen before May. "
        "The repair will cost about two million pounds, the board's engineer told councillors.",
        "https://sedge-herald.example/quay-may", T0 + timedelta(days=4), None)
    for seen in (T0 + timedelta(days=1), {"g1", "c1", "h1"}):
        update = summarize_story([*STORY, late], seen_before=seen)
        assert update.update and update.new_articles == ("h2",)
        texts = [s.text for s in update.sentences]
        assert texts and all(s.article_id == "h2" for s in update.sentences)
        assert any("fourth crack" in t for t in texts)
        # The closure was in the seen articles: repeating it is not news.
        assert not any(t.startswith("The harbour board closed") for t in texts)


def test_an_update_with_nothing_new_is_empty() -> None:
    again = ArticleText("x9", "Quay closed", "Ferrow's harbour board shut the north quay on Tuesday because the storm "
                        "cracked the breakwater.", "https://other.example/q", T0 + timedelta(days=2), None)
    update = summarize_story([*STORY, again], seen_before={"g1", "c1", "h1"})
    assert update.update and update.sentences == () and update.new_articles == ("x9",)


def test_no_articles_or_empty_texts_give_an_empty_summary() -> None:
    assert summarize_story([]).sentences == ()
    assert summarize_story([ArticleText(1, "", ""), ArticleText(2, "Title only", "   ")]).sentences == ()


def test_json_lines_in_and_out_with_a_clear_error_for_a_bad_line() -> None:
    good = {"id": "s1", "articles": [{"id": a.id, "title": a.title, "text": a.text, "url": a.url,
                                      "published": a.published.isoformat() if a.published else None} for a in STORY]}
    out = story_summary_record(good)
    assert out["id"] == "s1" and out["summary"] and "error" not in out
    assert all(line in GAZETTE.text + COURIER.text + HERALD.text for line in out["summary"].split("\n"))
    assert story_summary_record({"id": "s2"})["error"] == 'no "articles" list in the line'
    assert "article 1" in story_summary_record({"id": "s3", "articles": [{"id": "x"}]})["error"]
    arts = articles_from_json(good["articles"])
    assert arts[0].published == T0 and arts[1].url == COURIER.url


def test_cli_writes_one_line_per_story(tmp_path: Path) -> None:
    src = tmp_path / "stories.jsonl"
    src.write_text(json.dumps({"id": "s1", "articles": [{"id": a.id, "title": a.title, "text": a.text}
                                                        for a in STORY]}) + "\n" + json.dumps({"id": "s2"}) + "\n")
    out = tmp_path / "out.jsonl"
    assert main(["extract", "story-summary", "--jsonl", str(src), "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["s1", "s2"] and rows[0]["summary"] and rows[1]["summary"] == ""


def test_storysum_dev_meets_the_issue_floor() -> None:
    gold_path = shared_eval("storysum", "dev.jsonl")
    rouge_scorer = pytest.importorskip("rouge_score.rouge_scorer")
    rows = [json.loads(line) for line in gold_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    import io

    buf = io.StringIO()
    run_story_summaries(rows, buf)
    preds = {r["id"]: r["summary"] for r in map(json.loads, buf.getvalue().splitlines())}
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    r1 = r2 = words = 0.0
    for g in rows:
        s = scorer.score(g["reference"], preds[g["id"]])
        r1 += s["rouge1"].fmeasure * 100
        r2 += s["rouge2"].fmeasure * 100
        words += len(preds[g["id"]].split())
    n = len(rows)
    # Measured 41.30 / 19.41 at 69 words (docs/quality.md); the floor leaves room for scorer details only.
    assert r1 / n >= 40.5 and r2 / n >= 18.5 and words / n <= 80


def test_stored_articles_fit_and_their_source_names_the_outlet() -> None:
    from digests.models import Article

    stored = [Article(i + 1, a.title, a.text, a.url, a.published, source=f"Feed {i}") for i, a in enumerate(STORY)]
    summary = summarize_story(stored)
    assert summary.sentences
    assert {s.article_id for s in summary.sentences} <= {1, 2, 3}
    assert all(s.outlet in {"Feed 0", "Feed 1", "Feed 2"} for s in summary.sentences)
