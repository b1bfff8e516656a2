"""`newsbot extract stories`: every input id gets a story, in the store's own assignment, from a JSONL file."""

from __future__ import annotations

import json
from pathlib import Path

from bot.cli import main
from tests.helpers.outlets import ARTICLES
from tests.helpers.stories import FIRE_A, FLOOD, event_articles


def test_extract_stories_gives_every_id_a_story_and_a_duplicate_its_original_story(tmp_path: Path) -> None:
    fire, flood = event_articles(FIRE_A, 3), event_articles(FLOOD, 2)
    records = [{"id": f"f{i}", "title": a.title, "text": a.text, "url": a.url,
                "published": a.published.date().isoformat() if a.published else None} for i, a in enumerate(fire)]
    records += [{"id": f"w{i}", "text": a.text} for i, a in enumerate(flood)]  # no title: the first sentence
    records += [{"id": "dup", "title": "Copied", "text": fire[0].text},  # the same body as f0
                {"id": "empty", "text": ""},
                {"id": "brief", "text": "Fire chief Hedda Marrow says the burnt Kestrel Mills warehouse in Orlen Bay "
                                        "will be pulled down."}]  # a one-paragraph brief joins like any article
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert main(["extract", "stories", "--jsonl", str(src), "--out", str(out)]) == 0
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [x["id"] for x in lines] == [r["id"] for r in records]
    story = {x["id"]: x["story"] for x in lines}
    assert story["f0"] == story["f1"] == story["f2"] == story["dup"] == story["brief"]
    assert story["w0"] == story["w1"] != story["f0"]
    assert len({story["empty"], story["f0"], story["w0"]}) == 3


def test_extract_stories_writes_each_quote_merged_across_the_inputs_once(tmp_path: Path) -> None:
    records = [{"id": name.removesuffix(".md"), "title": title, "url": url, "text": text, "published": "2026-03-02"}
               for name, (title, url, text) in ARTICLES.items()]
    src, out, quotes = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "quotes.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert main(["extract", "stories", "--jsonl", str(src), "--out", str(out), "--quotes-out", str(quotes)]) == 0
    lines = [json.loads(x) for x in quotes.read_text(encoding="utf-8").splitlines()]
    merged = [x for x in lines if len(x["ids"]) > 1]
    assert len(merged) == 1 and set(merged[0]) == {"quote", "speaker", "ids", "variants"}
    assert sorted(merged[0]["ids"]) == ["gazette", "times", "wire"] and merged[0]["speaker"] == "Ottilie Brandvik"
    assert merged[0]["variants"] == [
        "We shall reopen the bridge before the summer ferries start running, whatever the weather throws at us,"]
    assert main(["extract", "quotes", "--jsonl", str(src), "--quotes-out", str(quotes)]) == 1
