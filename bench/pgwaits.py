"""Where a PostgreSQL database's backends spend their time: pg_stat_activity sampled while a bench runs.

    .venv/bin/python -m bench.pgwaits --database-url postgresql://…/pg1m_1m --seconds 600 --every-ms 50

Every sample counts the database's active backends by what they are doing: on CPU (no wait event), waiting
for I/O (``IO``: a page read from the OS), for a lock (``Lock``/``LWLock``) or for the client. The statement
is named by its first words, so reads (the commands) and writes (ingest) show apart. Printed at the end:
per statement kind, the mean number of backends in each state (1.0 = one core's worth the whole time).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time
from collections import Counter

import asyncpg


def kind(query: str) -> str:
    """Return a short name for a statement: its verb and first table."""
    q = " ".join(query.split())[:400]
    verb = q.split(" ", 1)[0].upper() if q else "?"
    m = re.search(r"\b(?:FROM|INTO|UPDATE)\s+([a-z_]+)", q, re.IGNORECASE)
    return f"{verb} {m.group(1) if m else ''}".strip()


async def sample(url: str, seconds: float, every_s: float) -> tuple[Counter[tuple[str, str]], int]:
    """Sample the database's active backends; return (counts per (statement kind, state), samples taken)."""
    con = await asyncpg.connect(url)
    counts: Counter[tuple[str, str]] = Counter()
    n = 0
    try:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            rows = await con.fetch(
                "SELECT wait_event_type, wait_event, query FROM pg_stat_activity WHERE datname = current_database() "
                "AND state = 'active' AND pid <> pg_backend_pid()")
            for wtype, wevent, query in rows:
                state = "CPU" if wtype is None else f"{wtype}:{wevent}"
                counts[(kind(query or ""), state)] += 1
            n += 1
            await asyncio.sleep(every_s)
    finally:
        await con.close()
    return counts, n


def main(argv: list[str] | None = None) -> int:
    """Sample pg_stat_activity and print the mean backends per statement kind and state."""
    ap = argparse.ArgumentParser(prog="python -m bench.pgwaits", description=__doc__.split("\n")[0])
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--every-ms", type=float, default=50.0)
    args = ap.parse_args(argv)
    counts, n = asyncio.run(sample(args.database_url, args.seconds, args.every_ms / 1000))
    total = Counter[str]()
    for (_k, state), c in counts.items():
        total[state] += c
    print(f"{n} samples; mean active backends by state: "
          + ", ".join(f"{s} {c / max(1, n):.2f}" for s, c in total.most_common()))
    for (k, state), c in counts.most_common(25):
        print(f"{c / max(1, n):6.2f}  {state:<28} {k}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
