"""The synthetic corpus is deterministic and truthful about its quotes; a tiny benchmark run writes every key."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.corpus import WORKSPACES, Corpus
from bench.scale import QUERY_KINDS, percentile, tail_start

ROOT = Path(__file__).resolve().parents[2]


def test_same_seed_same_articles_and_random_access() -> None:
    a, b = Corpus(500, seed=3), Corpus(500, seed=3)
    assert [x.text for x in a.articles(0, 50)] == [x.text for x in b.articles(0, 50)]
    # Article i does not depend on the articles before it.
    assert a.article(321) == list(b.articles(321, 322))[0]
    assert Corpus(500, seed=4).article(7).text != a.article(7).text


def test_quotes_are_verbatim_spans_with_named_speakers() -> None:
    corpus = Corpus(300)
    styles: set[str] = set()
    for art in corpus:
        assert 8 <= len(art.quotes) <= 14
        for q in art.quotes:
            assert art.text[q.start:q.end] == q.quote
            assert art.text[q.start - 1] in "“\""
            assert q.speaker in art.text or q.speaker.split()[-1] in art.text
            styles.add(q.style)
    assert styles >= {"after", "colon", "split", "pronoun", "floating", "tweet", "ascii"}


def test_pools_times_and_workspaces() -> None:
    corpus = Corpus(1000)
    assert len({s.name for s in corpus.speakers}) > 3000
    arts = list(corpus.articles(0, 200))
    assert all(x.published < y.published for x, y in zip(arts, arts[1:], strict=False))
    assert all(a.fetched > a.published for a in arts)
    assert {ws for a in arts for ws in a.workspaces} == set(WORKSPACES)
    assert len({a.url for a in arts}) == len(arts)


def test_tail_and_percentile_helpers() -> None:
    corpus = Corpus(10_000)
    start = tail_start(corpus)
    assert sum(WORKSPACES[0] in a.workspaces for a in corpus.articles(start)) == 1000
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3.0
    assert percentile(list(map(float, range(1, 101))), 0.95) == 95.0
    assert percentile([], 0.99) == 0.0


def test_tiny_benchmark_run_writes_every_key(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(  # noqa: S603 - our own module under the test interpreter
        [sys.executable, "-m", "bench", "--articles", "200", "--per-kind", "10", "--json", str(out), "--quiet",
         "--db", str(tmp_path / "bench.db")],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    fig = json.loads(out.read_text(encoding="utf-8"))
    for key in ("n_articles", "analyze_articles_per_s", "ingest_articles_per_s", "db_bytes_per_article", "rss_mb",
                "loop_lag_p99_ms"):
        assert key in fig
    assert fig["n_articles"] == 200
    assert fig["ingest_articles_per_s"] > 0 and fig["db_bytes_per_article"] > 0
    for kind in (*QUERY_KINDS, "digest"):
        assert set(fig[kind]) >= {"p50_ms", "p95_ms", "p99_ms"}, kind
        assert fig[kind]["n"] > 0
    assert fig["command_errors"] == 0
    assert "who_said" in proc.stdout


def test_a_store_built_once_serves_the_streams_and_tail_of_a_later_run(tmp_path: Path) -> None:
    db, out = tmp_path / "bench.db", tmp_path / "bench.json"
    common = [sys.executable, "-m", "bench", "--articles", "200", "--per-kind", "8", "--quiet", "--db", str(db)]
    built = subprocess.run([*common, "--build-only"], cwd=ROOT, capture_output=True, text=True,  # noqa: S603
                           timeout=120, check=False)
    assert built.returncode == 0, built.stderr
    resumed = subprocess.run([*common, "--reuse", "--json", str(out)], cwd=ROOT, capture_output=True,  # noqa: S603
                             text=True, timeout=120, check=False)
    assert resumed.returncode == 0, resumed.stderr
    fig = json.loads(out.read_text(encoding="utf-8"))
    assert fig["under_ingest"] and fig["idle_streams"] and fig["tail_ingest_articles_per_s"] > 0
    assert fig["command_errors"] == 0
