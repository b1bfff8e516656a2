"""Timing shared by the per-extractor benchmarks: items per second of the best of several passes."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def best_rate(items: Sequence[T], work: Callable[[T], int], repeat: int) -> tuple[float, int]:
    """Return (items per second of the fastest pass, the sum of ``work`` over one pass)."""
    best = float("inf")
    found = 0
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        found = sum(work(item) for item in items)
        best = min(best, time.perf_counter() - t0)
    return len(items) / best if best > 0 else float("inf"), found


# CPU seconds the calibration workload takes on the reference machine (2-core AMD EPYC, the machine that ran
# the 5 MB analysis in 5.3 s); time budgets measured there are scaled by how much slower the running machine is.
REFERENCE_CPU_S = 0.050


def _calibration_workload() -> None:
    # The analysis's own mix of work: regex scans over a long text, string splits and dict counting.
    words = [f"Word{i % 97}" if i % 7 == 0 else f"word{i % 1013}" for i in range(60_000)]
    text = " ".join(words)
    pattern = re.compile(r"\b[A-Z][a-z]+\d*\b")
    counts: dict[str, int] = {}
    for _ in range(3):
        for m in pattern.finditer(text):
            counts[m.group()] = counts.get(m.group(), 0) + 1
        for w in text.split():
            counts[w.lower()] = counts.get(w.lower(), 0) + 1
    sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def machine_slowness(repeat: int = 5) -> float:
    """Return how many times slower than the reference machine this one runs Python (at least 1.0)."""
    best = float("inf")
    for _ in range(max(1, repeat)):
        t0 = time.thread_time()
        _calibration_workload()
        best = min(best, time.thread_time() - t0)
    return max(1.0, best / REFERENCE_CPU_S)
