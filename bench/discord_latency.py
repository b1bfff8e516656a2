"""Discord command latency: INTERACTION_CREATE sent -> interaction callback POST received, over loopback.

    .venv/bin/python -m bench.discord_latency --articles 10000 [--commands 400] [--json OUT]

Fills a temporary store with synthetic invented articles (one quote each, inserted with a precomputed
Analysis so no NLP runs), starts the real discord.py client through ``start_discord`` against the loopback
stand-in from tests/e2e, then sends commands one at a time and prints p50/p95/p99 per command and overall.
Target: p95 <= 100 ms. Only commands that answer directly are timed (slow ones acknowledge with a deferral).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.commands import load
from bot.config import Settings
from bot.delivery import Delivery
from bot.discord import start_discord
from bot.services import Services
from digests.models import Analysis, Quote
from digests.store import NewArticle
from tests.e2e.discord_standin import DiscordStandIn

_ONSETS = ("b", "br", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "qu", "r", "s", "st", "t", "v", "w", "z")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "ou")
_CODAS = ("", "n", "r", "l", "s", "th", "nd", "rk", "st", "m")


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(p) for p in (_ONSETS, _VOWELS, _CODAS, _ONSETS, _VOWELS)))
    return sorted(words)


def synthetic_articles(n: int, seed: int = 7) -> list[tuple[NewArticle, Analysis]]:
    """Return ``n`` invented articles, each with one attributed quote, and their tiny precomputed analyses."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng, 4000)
    speakers = [f"{rng.choice(vocab).title()} {rng.choice(vocab).title()}" for _ in range(300)]
    start = datetime(2030, 1, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        words = rng.sample(vocab, 60)
        title = " ".join(words[:6]).capitalize()
        quote = " ".join(words[6:18]).capitalize() + "."
        speaker = speakers[i % len(speakers)]
        lead = " ".join(words[18:40]).capitalize() + ". "
        text = f"{lead}“{quote}” {speaker} said. " + " ".join(words[40:]).capitalize() + "."
        q_start = text.index(quote)
        art = NewArticle(title=title, text=text, url=f"https://example.invalid/bench/{i}",
                         published=start + timedelta(hours=i))
        analysis = Analysis(quotes=(Quote(quote=quote, start=q_start, end=q_start + len(quote), speaker=speaker),),
                            summary=lead.strip())
        out.append((art, analysis))
    return out


def percentile(values: list[float], p: float) -> float:
    """Return the p-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


async def run(articles: int, commands: int, seed: int) -> dict[str, Any]:
    """Fill a store, start the bot against the stand-in, time the commands and return the figures."""
    load()
    tmp = Path(tempfile.mkdtemp(prefix="newsbot-bench-"))
    standin = DiscordStandIn()
    guild = standin.add_guild("Bench", channels=("general",))
    await standin.start()
    workspace = f"discord:{guild['id']}"
    settings = Settings(_env_file=None, db_path=tmp / "bench.db", load_samples=False,  # type: ignore[call-arg]
                        discord_token=SecretStr(standin.token), discord_api_base_url=standin.api_url,
                        discord_gateway_url=standin.gateway_url)
    svc = await Services.create(settings)
    t0 = time.perf_counter()
    data = synthetic_articles(articles, seed)
    for art, analysis in data:
        await svc.store.add_article(art, analysis, workspace=workspace, via="bench")
    fill_s = time.perf_counter() - t0
    task = asyncio.create_task(start_discord(svc, Delivery()))
    rng = random.Random(seed + 1)
    timings: dict[str, list[float]] = {}
    misses: dict[str, int] = {}
    try:
        await standin.wait_until(lambda: standin.synced.is_set() and standin.identified.is_set(), 20, "sync")
        plan: list[tuple[str, dict[str, Any], str | None]] = []
        for _ in range(commands):
            art, analysis = rng.choice(data)
            words = analysis.quotes[0].quote.rstrip(".").split()
            kind = rng.randrange(5)
            if kind == 0:
                plan.append(("who-said", {"phrase": " ".join(words[2:5])}, None))
            elif kind == 1:
                plan.append(("search", {"query": art.title.split()[1]}, None))
            elif kind == 2:
                plan.append(("quotes", {"speaker": str(analysis.quotes[0].speaker).split()[-1]}, None))
            elif kind == 3:
                plan.append(("summary", {"article": art.title}, None))
            else:
                plan.append(("quotes", {"speaker": str(analysis.quotes[0].speaker)[:4]}, "speaker"))
        for name, options, focused in plan[:10]:  # warm-up: first-use costs are not what users wait for
            rec = await standin.send_interaction(standin.command_payload(name, options, guild=guild, focused=focused))
            await standin.wait_until(lambda r=rec: r.callback_at, 10, "warm-up")  # type: ignore[misc]
        for name, options, focused in plan:
            rec = await standin.send_interaction(standin.command_payload(name, options, guild=guild, focused=focused))
            await standin.wait_until(lambda r=rec: r.callback_at, 10, f"/{name}")  # type: ignore[misc]
            assert rec.callback_at is not None
            label = f"{name} (autocomplete)" if focused else name
            timings.setdefault(label, []).append((rec.callback_at - rec.sent_at) * 1000)
            answer = rec.callbacks[0].get("data") or {}
            if rec.callbacks[0].get("type") == 4 and answer.get("flags", 0) & 64:
                raise RuntimeError(f"/{name} answered with an error: {answer.get('content')}")
            # Count answers that found nothing, so fast-because-empty results show up in the figures.
            found = answer.get("choices") if focused else len(answer.get("embeds") or []) > 1
            misses[label] = misses.get(label, 0) + (not found)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await standin.close()
        await svc.close()
    every = [v for vs in timings.values() for v in vs]
    rows = {k: {"n": len(v), "empty": misses.get(k, 0), "p50_ms": percentile(v, 50), "p95_ms": percentile(v, 95), "p99_ms": percentile(v, 99)}
            for k, v in sorted(timings.items())}
    rows["all"] = {"n": len(every), "empty": sum(misses.values()), "p50_ms": percentile(every, 50), "p95_ms": percentile(every, 95),
                   "p99_ms": percentile(every, 99), "mean_ms": statistics.fmean(every)}
    return {"articles": articles, "fill_s": fill_s, "commands": rows}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures and the command that reproduces them."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--commands", type=int, default=400)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args(argv)
    result = asyncio.run(run(args.articles, args.commands, args.seed))
    print(f"store: {result['articles']} synthetic articles, filled in {result['fill_s']:.1f} s")
    print(f"{'command':28} {'n':>5} {'empty':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for name, row in result["commands"].items():
        print(f"{name:28} {row['n']:5d} {row['empty']:6d} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f} {row['p99_ms']:8.1f}")
    p95 = result["commands"]["all"]["p95_ms"]
    print(f"target p95 <= 100 ms: {'met' if p95 <= 100 else 'MISSED'} ({p95:.1f} ms)")
    print("reproduce: .venv/bin/python -m bench.discord_latency " + " ".join(sys.argv[1:] if argv is None else argv))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
