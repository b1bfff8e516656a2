"""The display helpers the command modules share: dates and ranges in words, filters as typed, one module."""

from __future__ import annotations

from datetime import date

import pytest

from bot.commands import CommandError
from bot.display import filter_rule, when_label


@pytest.mark.parametrize(("start", "end", "label"), [
    (date(2026, 10, 14), date(2026, 10, 14), "2026-10-14"),
    (date(2026, 10, 11), date(2026, 10, 20), "2026-10-11 – 2026-10-20"),  # mid-October is a range, not a day
    (date(2026, 10, 1), date(2026, 10, 31), "October 2026"),
    (date(2026, 2, 1), date(2026, 2, 28), "February 2026"),
    (date(2026, 1, 1), date(2026, 12, 31), "2026"),
    (date(1990, 1, 1), date(1999, 12, 31), "1990–1999"),
    (date(2026, 10, 1), date(2026, 12, 31), "2026-10-01 – 2026-12-31"),
])
def test_an_event_range_is_shown_as_a_range(start: date, end: date, label: str) -> None:
    assert when_label(start, end) == label


def test_slashes_make_a_regex_filter_and_describe_shows_it_back() -> None:
    rule = filter_rule("any", "exclude", r"/\bsponsored\b/", False)
    assert (rule.kind, rule.pattern) == ("regex", r"\bsponsored\b")
    assert rule.describe() == r"exclude any regex /\bsponsored\b/"
    assert filter_rule("any", "include", "/", False).kind == "word"  # a lone slash is a word
    with pytest.raises(CommandError, match="does not compile"):
        filter_rule("any", "exclude", r"/(a)\1/", False)


def test_the_command_modules_share_display_helpers_without_importing_each_other() -> None:
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "bot"
    for name, other in (("handlers", "bot.subscriptions"), ("subscriptions", "bot.handlers")):
        tree = ast.parse((root / f"{name}.py").read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
            a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert other not in imported, f"bot/{name}.py imports {other}"
        assert "bot.display" in imported
