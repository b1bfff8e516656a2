"""Sort the speaker errors of a quotes prediction into categories, automatically, with the shared scorer.

    .venv/bin/python -m bench.quote_errors ../shared/eval/quotes/polnear_dev.jsonl pred.jsonl

Only quote pairs the scorer matches are looked at. Each wrong speaker falls in the first category that fits:

- missing speaker: the prediction names nobody;
- junk name: a capitalised prediction that matches no source of any attribution in the article, direct or
  not, and does not start with a common given name (a sentence opener, a place, a thing);
- description vs name: one side is a description ("the senator", "the campaign") and the other a name;
- pronoun chain: the gold source is a pronoun ("he", "she") resolved through a coreference chain;
- running speaker: the gold source is not mentioned in the quote's own paragraph (a floating quote);
- wrong person nearby: any other wrong name.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

from bench._scorer import load_scorer
from digests.nlp.speakers import given_name_gender

CATEGORIES = ("wrong person nearby", "pronoun chain", "running speaker", "description vs name", "junk name",
              "missing speaker")
_DESCRIPTIVE = ("the ", "a ", "an ", "his ", "her ", "its ", "their ")
_PRONOUNS = frozenset({"he", "she", "they", "him", "her", "i", "we", "it"})


def _descriptive(name: str) -> bool:
    return name.lower().startswith(_DESCRIPTIVE) or name[:1].islower()


def _in_paragraph(mention: str, gold: dict[str, Any], text: str) -> bool:
    start, end = gold.get("start"), gold.get("end")
    if not isinstance(start, int) or not isinstance(end, int):
        return True
    lo, hi = text.rfind("\n", 0, start) + 1, text.find("\n", end)
    para = text[lo : hi if hi >= 0 else len(text)].lower()
    return mention in para.replace(text[start:end].lower(), " ")


def category(pred: str | None, gold: dict[str, Any], article_sources: set[str], score: ModuleType,
             text: str = "") -> str:
    """Return the error category of one wrong speaker."""
    if not pred:
        return "missing speaker"
    gname = gold.get("speaker") or ""
    known = any(score.speaker_match(pred, s) for s in article_sources)
    if not known and not _descriptive(pred) and given_name_gender(pred.split()[0]) is None:
        return "junk name"
    if _descriptive(pred) != _descriptive(gname):
        return "description vs name"
    mention = (gold.get("speaker_mention") or "").lower()
    if gold.get("speaker_via") == "coref" or mention in _PRONOUNS:
        return "pronoun chain"
    if not mention or not _in_paragraph(mention, gold, text):
        return "running speaker"
    return "wrong person nearby"


def categorize(gold_path: Path, pred_path: Path, verbose: bool = False) -> tuple[Counter[str], int]:
    """Return the count of each error category and the number of matched quotes."""
    score = load_scorer(gold_path)
    gold, pred = score.load(str(gold_path)), score.load(str(pred_path))
    counts: Counter[str] = Counter()
    matched = 0
    for aid, g in gold.items():
        pq = pred.get(aid, {}).get("quotes", []) or []
        res = score.score_article(g.get("quotes", []), pq, {"direct"}, 0.5)
        matched += res["tp"]
        sources = set()
        for q in g.get("quotes", []):
            sources.update([q.get("speaker") or ""] + list(q.get("speaker_alternates") or []))
        sources.discard("")
        for i, j in res["bad_spk"]:
            cat = category(pq[i].get("speaker"), res["scored"][j], sources, score, g.get("text") or "")
            counts[cat] += 1
            if verbose:
                print(f"{cat:22s} pred={pq[i].get('speaker')!r} gold={res['scored'][j].get('speaker')!r}")
    return counts, matched


def main(argv: list[str] | None = None) -> int:
    """Print the speaker-error categories of a prediction file."""
    ap = argparse.ArgumentParser(prog="python -m bench.quote_errors")
    ap.add_argument("gold", type=Path)
    ap.add_argument("pred", type=Path)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--list", action="store_true", help="print every wrong speaker with its category")
    args = ap.parse_args(argv)
    if not args.gold.exists():
        print(f"bench.quote_errors: skipped, {args.gold} not found")
        return 0
    counts, matched = categorize(args.gold, args.pred, args.list)
    if args.json:
        json.dump({"matched": matched, **{c: counts[c] for c in CATEGORIES}}, sys.stdout)
        print()
        return 0
    print(f"matched quotes: {matched}, wrong speakers: {sum(counts.values())}")
    for c in CATEGORIES:
        print(f"  {c:22s} {counts[c]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
