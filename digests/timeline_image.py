"""Draw a timeline as a PNG readable at chat size (matplotlib, headless)."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from datetime import timedelta

from digests.queries import TimelineEntry


def render_timeline(topic: str, entries: Sequence[TimelineEntry], *, max_events: int = 12) -> bytes:
    """Return PNG bytes of a vertical timeline of up to ``max_events`` events."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = list(entries)[:max_events]
    height = 1.2 + 0.62 * max(1, len(shown))
    fig, ax = plt.subplots(figsize=(8, height), dpi=110)
    try:
        ax.axis("off")
        ax.set_xlim(0, 10)
        ax.set_ylim(-len(shown) - 0.5, 0.8)
        ax.text(0, 0.4, f"Timeline: {topic}"[:70], fontsize=14, fontweight="bold", va="center")
        ax.plot([1.9, 1.9], [-len(shown) + 0.2, -0.2], color="#888", lw=2)
        for i, e in enumerate(shown, 1):
            y = -i + 0.5
            span = e.date_end - e.date_start
            label = e.date_start.strftime("%d %b %Y") if span < timedelta(days=1) else (
                f"{e.date_start:%d %b}–{e.date_end:%d %b %Y}")
            ax.plot([1.9], [y], marker="o", color="#3366cc" if span < timedelta(days=1) else "#cc8833", ms=8)
            ax.text(1.7, y, label, ha="right", va="center", fontsize=9)
            text = textwrap.shorten(e.text, 110, placeholder="…")
            ax.text(2.1, y, "\n".join(textwrap.wrap(text, 70)[:2]), va="center", fontsize=9)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight")
        return buf.getvalue()
    finally:
        plt.close(fig)
