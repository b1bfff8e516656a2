"""The plans of every command's queries on a bench store: EXPLAIN (ANALYZE, BUFFERS) of what the handlers run.

    .venv/bin/python -m bench.explain --articles 1000000 --database-url postgresql://…/pg1m_1m > plans.txt

Each command of the bench's query mix runs once through the real handler (as ``python -m bench`` runs it)
with the store's reads recorded; every recorded statement is then explained with the parameters it ran with,
on a connection with the store's own settings. Printed per command: the statement, its plan, its time.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg

from bench.corpus import Corpus
from bench.scale import QUERY_KINDS, make_queries, run_query, tail_start
from digests.store._pg import _sql


async def plans(n_articles: int, url: str, *, per_kind: int = 1, seed: int = 9) -> list[dict[str, Any]]:
    """Return, per command run, the statements it read with and their EXPLAIN (ANALYZE, BUFFERS) text."""
    from bot.commands import load
    from bot.config import Settings
    from bot.services import Services

    corpus = Corpus(n_articles, seed=seed)
    settings = Settings(_env_file=None, db_path=Path("unused.db"), workers=0,  # type: ignore[call-arg]
                        load_samples=False, database_url=url)
    load()
    svc = await Services.create(settings, warm=True)
    store: Any = svc.store
    recorded: list[tuple[str, tuple[Any, ...]]] = []
    real_all, real_one = store._all, store._one

    async def rec_all(sql: str, *params: Any) -> Any:
        recorded.append((sql, params))
        return await real_all(sql, *params)

    async def rec_one(sql: str, *params: Any) -> Any:
        recorded.append((sql, params))
        return await real_one(sql, *params)

    store._all = store._rows = rec_all
    store._one = store._row = rec_one
    out: list[dict[str, Any]] = []
    con = await asyncpg.connect(url, server_settings={"plan_cache_mode": "force_custom_plan", "jit": "off",
                                                      "max_parallel_workers_per_gather": "0"})
    try:
        queries = make_queries(corpus, tail_start(corpus), max(1, per_kind), seed=seed)
        for kind in QUERY_KINDS:
            for q in [q for q in queries if q.kind == kind][:per_kind]:
                await run_query(svc, q)  # warm, as the bench's timed runs are
                recorded.clear()
                ms, failed = await run_query(svc, q)
                stmts = []
                for sql, params in recorded:
                    t0 = time.perf_counter()
                    rows = await con.fetch("EXPLAIN (ANALYZE, BUFFERS) " + _sql(sql), *params)
                    stmts.append({"sql": _sql(sql), "params": [repr(p)[:80] for p in params],
                                  "plan": "\n".join(r[0] for r in rows),
                                  "explain_ms": round((time.perf_counter() - t0) * 1000, 1)})
                out.append({"kind": kind, "line": q.line or f"autocomplete {q.complete}", "workspace": q.workspace,
                            "ms": round(ms, 1), "failed": failed, "statements": stmts})
    finally:
        await con.close()
        await svc.close()
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the plans of the bench's commands on one store."""
    ap = argparse.ArgumentParser(prog="python -m bench.explain", description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, required=True)
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--per-kind", type=int, default=1)
    ap.add_argument("--seed", type=int, default=9)
    args = ap.parse_args(argv)
    for run in asyncio.run(plans(args.articles, args.database_url, per_kind=args.per_kind, seed=args.seed)):
        print(f"=== {run['kind']}: {run['line']}  [{run['workspace']}]  {run['ms']} ms through the handler")
        for st in run["statements"]:
            print(f"--- {st['sql']}\n    params: {st['params']}\n{st['plan']}\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
