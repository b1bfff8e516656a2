"""Direct quotes and their speakers (stub: implemented in issue 3)."""

from __future__ import annotations

from digests.models import Quote


def extract_quotes(text: str) -> list[Quote]:
    """Return every direct quote in ``text`` with its speaker, in text order."""
    return []
