"""Temporal expressions normalized to TIMEX3 values (stub: implemented in issue 4)."""

from __future__ import annotations

from datetime import date

from digests.models import Timex


def extract_timexes(text: str, published: date | None) -> list[Timex]:
    """Return the temporal expressions in ``text`` resolved against ``published``."""
    return []
