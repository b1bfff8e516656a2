"""The timeline picture: dates placed in proportion to time, labels kept apart, a PNG at chat size."""

from __future__ import annotations

from datetime import date

from digests.queries import TimelineEntry
from digests.timeline_image import axis_positions, render_timeline, spread_labels


def _entry(start: date, end: date | None = None, text: str = "The Velden pier reopened.") -> TimelineEntry:
    return TimelineEntry(start, end or start, "day" if end is None else "month", "", text, 1, [{}])


def test_dates_sit_in_proportion_to_the_time_between_them() -> None:
    entries = [_entry(date(2030, 1, 1)), _entry(date(2030, 1, 11)), _entry(date(2030, 4, 11))]
    tops = [top for top, _ in axis_positions(entries, 10.0)]
    assert tops[0] == 0.0 and tops[2] == 10.0
    assert abs(tops[1] - 10.0 * 10 / 100) < 1e-9  # ten days of a hundred
    month = axis_positions([_entry(date(2030, 1, 1)), _entry(date(2030, 3, 1), date(2030, 3, 31))], 10.0)[1]
    assert month[0] < month[1] == 10.0  # a range is a bar from its first to its last day


def test_labels_keep_their_distance_and_their_order() -> None:
    assert spread_labels([0.0, 0.1, 0.2, 5.0], 0.6) == [0.0, 0.6, 1.2, 5.0]


def test_a_picture_of_a_century_and_of_one_day() -> None:
    long = [_entry(date(1904, 1, 1), date(1904, 12, 31)), *(_entry(date(2032, 5, d)) for d in range(1, 15))]
    for entries in (long, [_entry(date(2032, 5, 8))]):
        png = render_timeline("Velden pier", entries)
        assert png.startswith(b"\x89PNG") and len(png) < 1_000_000
