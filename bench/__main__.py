"""Benchmarks at scale over the synthetic corpus; prints one table and optionally writes the figures as JSON.

    .venv/bin/python -m bench --articles 10000 --json bench-10k.json     (make bench: 10,000 articles)

See docs/benchmarks.md for the JSON layout, the targets and the results.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.scale import QUERY_KINDS, run

# Targets at 100,000 articles (issue 9): p95 per command, digest p95, lag, memory, analysis speed.
TARGETS = {kind: 50.0 for kind in QUERY_KINDS} | {"digest": 1000.0}


def table(fig: dict[str, Any]) -> str:
    """Return the figures as one plain-text table."""
    rows = [("articles", f"{fig['n_articles']:,}", ""),
            ("analysis, articles/s per core", f"{fig['analyze_articles_per_s']:.0f}", ">= 100"),
            ("ingest, articles/s (build)", f"{fig['ingest_articles_per_s']:.0f}", ""),
            ("db bytes per article", f"{fig['db_bytes_per_article']:,.0f}", ""),
            ("rss of the bot (private), MB", f"{fig['rss_mb']:.0f}", "<= 300"),
            ("mapped db pages (page cache), MB", f"{fig.get('rss_file_mb', 0):.0f}", ""),
            ("loop lag p99 during ingest, ms", f"{fig['loop_lag_p99_ms']:.1f}", "<= 50"),
            ("loop lag p99, same streams idle, ms", f"{fig.get('idle_loop_lag_p99_ms', 0):.1f}", ""),
            ("other core loaded by a busy process", "yes" if fig.get("loaded_other_core") else "no", ""),
            ("20 streams, mean think time, ms", f"{fig.get('stream_think_ms', 0):.0f}", "")]
    out = [f"{'figure':<34} {'value':>14}  target", "-" * 60]
    out += [f"{name:<34} {value:>14}  {target}" for name, value, target in rows]
    out += ["", f"{'command (ms)':<16} {'p50':>8} {'p95':>8} {'p99':>8} {'n':>6}  target p95  "
                f"{'streams idle p95':>16} {'ingest p95':>10} {'ratio':>6}", "-" * 104]
    for kind in (*QUERY_KINDS, "digest"):
        p = fig.get(kind)
        if not p:
            continue
        under = fig.get("under_ingest", {}).get(kind, {}).get("p95_ms")
        idle = fig.get("idle_streams", {}).get(kind, {}).get("p95_ms")
        ratio = fig.get("ingest_ratio", {}).get(kind)
        label = f"{kind} ({fig['digest_articles']})" if kind == "digest" else kind
        out.append(f"{label:<16} {p['p50_ms']:>8.1f} {p['p95_ms']:>8.1f} {p['p99_ms']:>8.1f} {p['n']:>6}  "
                   f"<= {TARGETS[kind]:<8.0f} {'' if idle is None else f'{idle:.1f}':>16} "
                   f"{'' if under is None else f'{under:.1f}':>10} {'' if ratio is None else f'{ratio:.2f}':>6}")
    if fig.get("ingest_ratio"):
        worst = max(fig["under_ingest"][k]["p95_ms"] for k in fig["ingest_ratio"])
        out.append(f"\nduring ingest: worst command p95 {worst:.1f} ms (target <= 100), worst ratio "
                   f"{max(fig['ingest_ratio'].values()):.2f} (target <= 4)")
    if fig.get("command_errors"):
        out.append(f"\n{fig['command_errors']} command(s) answered with an error")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Run the scale benchmarks and print the table (and the JSON file when asked)."""
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--json", type=Path, help="write the figures here")
    ap.add_argument("--db", type=Path, help="SQLite file to build (default: a temporary directory)")
    ap.add_argument("--database-url", help="build in this empty PostgreSQL database (postgresql://…) instead")
    ap.add_argument("--reuse", action="store_true",
                    help="query an existing --db instead of rebuilding it (after --build-only: streams and tail too)")
    ap.add_argument("--build-only", action="store_true", help="build the store up to the tail, then stop")
    ap.add_argument("--workers", type=int, default=2, help="analysis processes")
    ap.add_argument("--batch", type=int, default=64, help="articles per transaction")
    ap.add_argument("--per-kind", type=int, default=200, help="timed queries per command")
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--load-other-core", action="store_true",
                    help="keep an unrelated busy process spinning on a core during the run (a shared machine)")
    ap.add_argument("--think-ms", type=float, default=250.0,
                    help="mean pause of each of the 20 command streams between commands (0: back to back)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)

    def log(msg: str) -> None:
        if not args.quiet:
            print(msg, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="newsbot-bench-") as tmp:
        db = args.db or Path(tmp) / "bench.db"
        fig = asyncio.run(run(args.articles, db, workers=args.workers, batch=args.batch, per_kind=args.per_kind,
                              reuse=args.reuse, seed=args.seed, log=log,
                              database_url=args.database_url, load_other_core=args.load_other_core,
                              think_ms=args.think_ms, build_only=args.build_only)).as_json()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(fig, indent=2) + "\n", encoding="utf-8")
    print(table(fig))
    cmd = f"{Path(sys.executable).name} -m bench --articles {args.articles}" + (f" --json {args.json}" if args.json else "")
    if args.load_other_core:
        cmd += " --load-other-core"
    if args.think_ms != 250.0:
        cmd += f" --think-ms {args.think_ms:g}"
    if args.database_url:
        from digests.store import redact_url

        cmd += f" --database-url {redact_url(args.database_url)}"
    print(f"\nreproduce: {cmd}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
