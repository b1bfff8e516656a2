"""Analysis time against article size: every shape of hostile page, 50 KB to 5 MB, on one core.

    .venv/bin/python -m bench.sizes [--sizes 50000,200000,1000000,5000000] [--shapes quotes,paragraphs,...]

Each shape is generated (own words, no evaluation text) to the size asked and analysed once by
``digests.nlp.pipeline.analyze``. The table gives seconds and seconds per MB; growth is linear when seconds per
MB stays flat from the smallest size to the largest (the last column is largest / smallest seconds per MB).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from digests.nlp.pipeline import analyze

_WORDS = ("council budget river bridge school market weather harbour vote plan road water energy price village "
          "doctor station report festival garden library ferry tunnel orchard clinic museum").split()
_NAMES = ("Jane Okafor", "Tomas Lindqvist", "Mara Ellison", "Piet de Wit", "Ana Ruiz", "Oskar Brandt")


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(n))


def _fill(size: int, piece: Callable[[], str]) -> str:
    out: list[str] = []
    n = 0
    while n < size:
        s = piece()
        out.append(s)
        n += len(s)
    return "".join(out)[:size]


def quote_paragraph(size: int, rng: random.Random) -> str:
    """Return one paragraph of quoted 30-word segments, each attributed (a transcript without breaks)."""
    return _fill(size, lambda: f"“{_words(rng, 30).capitalize()},” said {rng.choice(_NAMES)} on "
                               f"March {rng.randint(1, 28)}, {rng.randint(1990, 2030)}. ")


def paragraphs(size: int, rng: random.Random) -> str:
    """Return many short news paragraphs, each with a date, a name and a quote."""
    return _fill(size, lambda: f"{_words(rng, 14).capitalize()} in the town of {rng.choice(_NAMES).split()[-1]}ville "
                               f"on Monday, {rng.randint(1, 28)} May {rng.randint(1990, 2030)}. "
                               f"{_words(rng, 18).capitalize()}. “{_words(rng, 12).capitalize()},” "
                               f"{rng.choice(_NAMES)} said.\n\n")


def no_punctuation(size: int, rng: random.Random) -> str:
    """Return lower-case words with dates and no punctuation at all (one sentence, one paragraph)."""
    return _fill(size, lambda: _words(rng, 40) + f" on march {rng.randint(1, 28)} {rng.randint(1900, 2030)} ")


def capitalised(size: int, rng: random.Random) -> str:
    """Return long runs of capitalised words broken only by dates (a page of headlines or shouting)."""
    return _fill(size, lambda: " ".join(rng.choice(_WORDS).capitalize() for _ in range(200))
                 + f" on March {rng.randint(1, 28)}, {rng.randint(1990, 2030)} ")


def mixed(size: int, rng: random.Random) -> str:
    """Return the four shapes above as four sections of a quarter of ``size`` each, between blank lines."""
    parts = [quote_paragraph, paragraphs, no_punctuation, capitalised]
    room = size - 2 * (len(parts) - 1)
    sizes = [room // len(parts)] * (len(parts) - 1) + [room - room // len(parts) * (len(parts) - 1)]
    return "\n\n".join(make_part(n, rng) for make_part, n in zip(parts, sizes, strict=True))


SHAPES: dict[str, Callable[[int, random.Random], str]] = {
    "quotes": quote_paragraph, "paragraphs": paragraphs, "no_punct": no_punctuation, "capitalised": capitalised,
    "mixed": mixed}


def make(shape: str, size: int, seed: int = 1) -> str:
    """Return a ``size``-character article of ``shape``."""
    return SHAPES[shape](size, random.Random(seed))


def measure(shape: str, size: int) -> float:
    """Return the seconds ``analyze`` takes over one article of ``shape`` and ``size``."""
    text = make(shape, size)
    t0 = time.perf_counter()
    analyze(text, "A title", date(2024, 5, 1))
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    """Print analysis seconds per shape and size, and whether seconds per MB stayed flat."""
    ap = argparse.ArgumentParser(prog="python -m bench.sizes", description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="50000,200000,1000000,5000000")
    ap.add_argument("--shapes", default=",".join(SHAPES))
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    analyze("Warm up. “Hello there,” she said on Monday.", "", date(2024, 5, 1))
    print(f"{'shape':<12} " + " ".join(f"{s // 1000:>9} KB" for s in sizes) + "   s/MB first..last  growth")
    for shape in args.shapes.split(","):
        secs = []
        for size in sizes:
            secs.append(measure(shape, size))
        per_mb = [s / (z / 1e6) for s, z in zip(secs, sizes, strict=True)]
        print(f"{shape:<12} " + " ".join(f"{s:>10.2f}s" for s in secs)
              + f"   {per_mb[0]:.2f}..{per_mb[-1]:.2f}  x{per_mb[-1] / per_mb[0]:.2f}", flush=True)
    print(f"\nreproduce: {Path(sys.executable).name} -m bench.sizes --sizes {args.sizes}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
