"""Extractive summaries on invented articles, plus the optional dev-set check against LEAD-3."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digests.nlp.sentences import sentences
from digests.nlp.summarize import is_caption, is_debris, lead_problem, score_sentences, summarize

ARTICLE = (
    "(CNN)The town of Wexcombe opened a floating solar farm on its reservoir on Monday, the first of its kind "
    "in the county. The panels will power about 1,200 homes and cut the water company's bills by a fifth. "
    "Scroll down for video "
    "Engineers spent two years testing anchors that can ride out winter storms on the open water. "
    "\"We were told it could not be done here,\" said project lead Imani Castellanos. "
    "Local anglers had worried about the fish, but a survey found no harm to the trout population. "
    "The county council now plans three more floating farms by the end of the decade. "
    "Share this article "
    "Pictured: the panels at sunrise."
)


def test_output_is_verbatim_and_in_article_order() -> None:
    out = summarize(ARTICLE)
    assert out
    order = [sentences(ARTICLE).index(s) for s in out]
    assert order == sorted(order)
    for s in out:
        assert s in ARTICLE


def test_lead_sentence_is_chosen_without_its_dateline() -> None:
    out = summarize(ARTICLE)
    assert out[0].startswith("The town of Wexcombe opened a floating solar farm")


def test_debris_is_never_chosen() -> None:
    out = summarize(ARTICLE, max_sentences=10, max_words=500)
    joined = " ".join(out)
    assert "Scroll down" not in joined
    assert "Share this article" not in joined
    assert "Pictured:" not in joined
    assert is_debris("Scroll down for video")
    assert is_debris("By Tomas Okonkwo-Reyes For The Daily Bulletin")
    assert is_debris("Ruth Adeyemi contributed to this report.")
    assert is_caption("Downtrodden: Crowds wait for bread in the square")
    assert not is_caption("Officials said: the road will reopen on Friday.")


def test_word_budget_is_met_at_a_sentence_boundary() -> None:
    for budget in (15, 30, 45, 60):
        out = summarize(ARTICLE, max_sentences=10, max_words=budget)
        words = sum(len(s.split()) for s in out)
        assert words <= int(budget * 1.25)
        assert all(s in sentences(ARTICLE) for s in out)


def test_sentence_budget() -> None:
    assert len(summarize(ARTICLE, max_sentences=1)) == 1
    assert len(summarize(ARTICLE, max_sentences=2, max_words=200)) == 2
    assert summarize(ARTICLE, max_sentences=0) == []


def test_near_duplicate_sentences_are_dropped() -> None:
    text = (
        "Heavy rain flooded the main road into Dunmere on Sunday night. "
        "Heavy rain flooded the main road into Dunmere late on Sunday. "
        "The bakery on the corner stayed open to hand out hot tea to stranded drivers. "
        "Council crews cleared the drains by morning and traffic moved again."
    )
    out = summarize(text, max_sentences=3, max_words=200)
    flooded = [s for s in out if s.startswith("Heavy rain flooded")]
    assert len(flooded) == 1


def test_single_overlong_sentence_is_cut_to_the_cap() -> None:
    text = "The " + " ".join(f"word{i}" for i in range(120)) + " ended."
    out = summarize(text, max_words=20)
    assert len(out) == 1
    assert len(out[0].split()) <= 26
    assert text.startswith(out[0].removesuffix(" …"))


def test_title_lifts_a_matching_sentence() -> None:
    text = (
        "Residents gathered in the square on a cold morning. "
        "Many brought flasks and folding chairs. "
        "Some sang while they waited. "
        "The old clock tower was finally lit again after forty years of darkness. "
        "Children counted down the seconds."
    )
    scores = dict(score_sentences(text, title="Clock tower lit again after forty years"))
    plain = dict(score_sentences(text))
    tower = "The old clock tower was finally lit again after forty years of darkness."
    assert scores[tower] > plain[tower]


def test_empty_text() -> None:
    assert summarize("") == []


DEV = Path(__file__).resolve().parents[3].parent / "shared" / "eval" / "summary" / "dev.jsonl"


@pytest.mark.skipif(not DEV.exists(), reason="evaluation set not present")
def test_dev_set_summaries_are_within_75_words_and_verbatim() -> None:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        out = summarize(row["text"])
        assert out
        assert sum(len(s.split()) for s in out) <= 75
        for s in out:
            assert s in row["text"]


def test_text_of_only_short_sentences_still_gets_a_summary() -> None:
    assert summarize("Rain fell. Roads shut. Schools closed.") == ["Rain fell.", "Roads shut.", "Schools closed."]


def test_questions_and_quote_openers_give_way_to_reported_facts() -> None:
    text = (
        "Will the ferry ever sail again? "
        "The Kelbourne ferry company has cancelled all winter crossings after its only boat failed an inspection. "
        "'We are heartbroken and we know how much the island relies on us,' a spokesman said on Tuesday. "
        "Islanders will be offered seats on a chartered fishing boat twice a week until the spring."
    )
    out = summarize(text, max_sentences=2, max_words=40)
    assert out == [
        "The Kelbourne ferry company has cancelled all winter crossings after its only boat failed an inspection.",
        "Islanders will be offered seats on a chartered fishing boat twice a week until the spring.",
    ]


def test_a_short_filler_from_deep_in_the_story_is_not_added_to_fill_the_budget() -> None:
    lead = [
        "A fire at the Dunmere paper mill forced the evacuation of three hundred workers early on Monday morning.",
        "Crews from four towns fought the blaze for six hours before bringing it under control by midday.",
        "The mill's owner said production would stop for at least a month while engineers check the roof.",
    ]
    later = [
        "Smoke could be seen from the coast road for most of the morning, witnesses in the harbour said.",
        "A nearby school kept its pupils indoors as a precaution until the wind changed direction.",
        "The mill has made paper on the site since the nineteenth century.",
        "Nobody was hurt.",
    ]
    out = summarize(" ".join(lead + later), max_sentences=3, max_words=50)
    assert "Nobody was hurt." not in out
    assert out[0] == lead[0]


# Summary leads: one invented article per rule; the lead must not open on what the rule names.
STORY = [
    "The Ferrow harbour board approved an eleven-million-pound rebuild of the north breakwater on Tuesday.",
    "Winter storms have cracked the breakwater in three places since the spring, engineers said.",
    "Work is due to start in April and to take two summers, with the ferry running throughout.",
]


def _lead(text: str, title: str = "") -> list[str]:
    out = summarize(text, title)
    assert out
    return out


def test_lead_skips_a_byline() -> None:
    out = _lead("By Ada Quist, harbour correspondent, with reporting from the ferry terminal on Tuesday. "
                + " ".join(STORY))
    assert lead_problem(out) is None and out[0] == STORY[0]


def test_lead_skips_a_dateline() -> None:
    out = _lead("FERROW, Harbourshire -- " + " ".join(STORY))
    assert not out[0].startswith("FERROW") and lead_problem(out) is None


def test_lead_skips_a_caption_glued_to_the_first_sentence() -> None:
    text = ("Cracked: The north breakwater seen from the lighthouse after the October storm "
            + " ".join(STORY))
    out = _lead(text)
    assert out[0] == STORY[0]
    assert lead_problem(["Cracked: The north breakwater seen from the lighthouse after the October storm."]) == "caption"


def test_lead_skips_a_photo_credit() -> None:
    out = _lead("Photograph by Ben Morrow for the Ferrow Gazette, taken from the lighthouse at dawn on Monday. "
                + " ".join(STORY))
    assert out[0] == STORY[0]
    assert lead_problem(["The breakwater at dawn, seen from the lighthouse on the hill. Photo: Ben Morrow / Reuters"]) \
        == "credit"


def test_lead_never_opens_on_a_pronoun_whose_person_is_not_in_the_summary() -> None:
    text = ("She told the board that the cracks had grown every week since the first storm of the season. "
            + " ".join(STORY) + " Harbour master Ines Varga had asked for the rebuild for three years.")
    out = _lead(text)
    assert not out[0].startswith("She")
    assert lead_problem(["She told the board that the cracks had grown every week."]) == "pronoun"
    assert lead_problem(["Harbour master Ines Varga spoke first.", "She told the board the cracks had grown."]) is None


def test_a_quotation_over_two_sentences_is_never_cut() -> None:
    text = (STORY[0] + ' "We have waited long enough. The next storm could close the port," said harbour master '
            "Ines Varga. " + STORY[1] + " " + STORY[2])
    out = _lead(text)
    for s in out:
        assert s.count('"') % 2 == 0
    assert lead_problem(['"We have waited long enough.']) == "quote-cut"


def test_the_title_is_not_glued_to_the_first_sentence() -> None:
    title = "Breakwater to be rebuilt"
    out = _lead(title + " " + " ".join(STORY), title)
    assert out[0] == STORY[0]
    assert lead_problem([title + " " + STORY[0]], title) == "title"


def test_lead_never_leans_on_a_sentence_the_summary_left_out() -> None:
    text = ('"We cannot face another winter like the last one," harbour master Ines Varga told the meeting. '
            "They voted on Tuesday to rebuild the north breakwater for eleven million pounds, the Ferrow harbour "
            "board said after a long meeting. " + " ".join(STORY[1:]))
    out = _lead(text)
    assert not out[0].startswith("They")
    assert lead_problem(out, text=text) is None
    assert lead_problem(["They voted on Tuesday to rebuild the breakwater."], text=text) == "back-reference"
    # The article's own first sentence may open on "They": nothing was left out before it.
    first = "They came by boat, by bus and on foot to hear the harbour board vote on the breakwater on Tuesday."
    assert lead_problem([first], text=first + " " + " ".join(STORY)) is None


def test_a_subheading_glued_to_the_lead_is_cut_from_it() -> None:
    text = "What happens next: " + " ".join(STORY)
    out = _lead(text)
    assert out[0] == STORY[0]
    assert lead_problem(["What happens next: " + STORY[0]]) == "subheading"
