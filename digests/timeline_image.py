"""Draw a timeline as a PNG readable at chat size (matplotlib, headless), on a proportional time axis.

Each event sits on a vertical axis at the height its date has between the first and the last date shown (a
range is a bar from its first to its last day), so a gap of years looks like one. Labels keep a readable
distance from each other and are tied to their dates by a leader line when they had to move.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from datetime import date, timedelta

from digests.queries import TimelineEntry

# Vertical units: the axis is at least this long, and labels stay this far apart.
MIN_AXIS = 6.0
LABEL_GAP = 0.62
AXIS_X = 2.0
LABEL_X = 2.35


def axis_positions(entries: Sequence[TimelineEntry], length: float) -> list[tuple[float, float]]:
    """Return, per entry, the (top, bottom) of its dates on an axis of ``length`` units (0 = the first date)."""
    first = min(e.date_start for e in entries).toordinal()
    last = max(e.date_end for e in entries).toordinal()
    span = max(last - first, 1)
    return [((e.date_start.toordinal() - first) / span * length, (e.date_end.toordinal() - first) / span * length)
            for e in entries]


def spread_labels(wanted: Sequence[float], gap: float) -> list[float]:
    """Return label heights as near as possible to ``wanted`` (ascending) but at least ``gap`` apart."""
    out: list[float] = []
    for y in wanted:
        out.append(max(y, out[-1] + gap) if out else y)
    return out


def _ticks(first: date, last: date) -> list[date]:
    """Return a few round dates to mark on the axis: years, months or days, as the span asks."""
    days = (last - first).days
    if days > 3 * 365:
        years = last.year - first.year
        step = next((n for n in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500) if years / n <= 6), 1000)
        return [date(y, 1, 1) for y in range((first.year // step + 1) * step, last.year + 1, step)]
    if days > 90:
        out: list[date] = []
        y, m = first.year, first.month
        while True:
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
            d = date(y, m, 1)
            if d > last:
                return out[:: max(1, len(out) // 6)]
            out.append(d)
    step = max(1, days // 6)
    return [first + timedelta(days=k) for k in range(step, days, step)]


def render_timeline(topic: str, entries: Sequence[TimelineEntry], *, max_events: int = 12) -> bytes:
    """Return PNG bytes of a vertical timeline of up to ``max_events`` events on a proportional time axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = sorted(list(entries)[:max_events], key=lambda e: (e.date_start, e.date_end))
    length = max(MIN_AXIS, LABEL_GAP * len(shown))
    spans = axis_positions(shown, length) if shown else []
    labels = spread_labels([top for top, _ in spans], LABEL_GAP)
    bottom = max([length, *labels]) if shown else 1.0
    fig, ax = plt.subplots(figsize=(8.5, 1.4 + 0.5 * bottom), dpi=110)
    try:
        ax.axis("off")
        ax.set_xlim(0, 10)
        ax.set_ylim(bottom + 0.6, -1.2)
        ax.text(0, -0.8, f"Timeline: {topic}"[:70], fontsize=14, fontweight="bold", va="center")
        if shown:
            first, last = shown[0].date_start, max(e.date_end for e in shown)
            ax.plot([AXIS_X, AXIS_X], [0, length], color="#888", lw=2, zorder=1)
            span = max((last - first).days, 1)
            for tick in _ticks(first, last):
                y = (tick - first).days / span * length
                ax.plot([AXIS_X - 0.08, AXIS_X], [y, y], color="#888", lw=1)
                ax.text(AXIS_X - 0.15, y, tick.strftime("%Y" if tick.month == 1 and tick.day == 1 and span > 365
                                                        else "%b %Y" if tick.day == 1 else "%d %b %Y"),
                        ha="right", va="center", fontsize=7, color="#777")
        for e, (top, end), y in zip(shown, spans, labels, strict=True):
            colour = "#3366cc" if e.date_start == e.date_end else "#cc8833"
            if end - top > 0.05:
                ax.plot([AXIS_X, AXIS_X], [top, end], color=colour, lw=6, solid_capstyle="butt", zorder=2)
            ax.plot([AXIS_X], [top], marker="o", color=colour, ms=7, zorder=3)
            ax.plot([AXIS_X + 0.05, LABEL_X - 0.05], [top, y], color="#bbb", lw=0.8, zorder=1)
            when = e.date or e.date_start.isoformat()
            count = f" · {len(e.sources)} sources" if len(e.sources) > 1 else ""
            text = textwrap.shorten(e.text, 100, placeholder="…")
            ax.text(LABEL_X, y, f"{when}{count}\n" + textwrap.wrap(text, 78)[0] if text else when,
                    va="center", fontsize=8)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight")
        return buf.getvalue()
    finally:
        plt.close(fig)
