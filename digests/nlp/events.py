"""Dated events from temporal expressions (stub: implemented in issue 4)."""

from __future__ import annotations

from datetime import date

from digests.models import Event


def extract_events(text: str, published: date | None) -> list[Event]:
    """Return the dated events of an article, in text order."""
    return []
