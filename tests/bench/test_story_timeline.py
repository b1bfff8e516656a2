"""The story-timeline benchmarks run at small scale, and the dev-set halves split and cut as documented."""

from __future__ import annotations

from typing import Any

from bench.story_timeline import measure
from bench.storytl import halves, restrict


async def test_the_speed_bench_runs_on_a_small_story() -> None:
    results = await measure(5, 2, "sqlite:///")
    assert len(results) == 3
    assert all(0 < p50 <= p95 <= worst and cpu > 0 for p50, p95, worst, cpu in results.values())


def test_halves_alternate_over_ids_sorted_as_numbers_and_cut_both_sides() -> None:
    docs: list[dict[str, Any]] = [{"id": i} for i in ("10", "9", "100", "2")]
    assert halves(docs) == {"A": {"2", "10"}, "B": {"9", "100"}}
    gold = [{"entity": "Keld dam", "events": [
        {"date": "2031", "order": 1, "doc": "9", "sentence": "s9", "mention": "opened",
         "mentions": [{"doc": "9", "sentence": "s9", "mention": "opened"},
                      {"doc": "2", "sentence": "s2", "mention": "opening"}]},
        {"date": None, "order": 0, "doc": "9", "sentence": "t9", "mention": "built",
         "mentions": [{"doc": "9", "sentence": "t9", "mention": "built"}]}]}]
    pred = [{"entity": "Keld dam", "events": [{"date": "2031", "doc": "2", "sentence": "s2"},
                                              {"date": "2031", "doc": "9", "sentence": "s9"}]}]
    g, p = restrict(gold, pred, {"2", "10"})
    assert [(e["doc"], e["mention"]) for e in g[0]["events"]] == [("2", "opening")]
    assert [e["doc"] for e in p[0]["events"]] == ["2"]
