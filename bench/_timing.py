"""Timing shared by the per-extractor benchmarks: items per second of the best of several passes."""

from __future__ import annotations

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
