"""Post formats: placeholders checked when set, filled literally, empty lines dropped."""

from __future__ import annotations

import pytest

from digests.templates import StoryValues, TemplateError, render_template, validate_template

VALUES = StoryValues(title="Ferry berth opens", summary="A second berth opened.", quote="“Queues will halve.”",
                     speaker="Talia Brennick", link="https://news.example/a", published="2031-03-02 09:00 UTC",
                     outlet="Harbour Gazette")


def test_a_template_is_filled_with_the_story() -> None:
    t = validate_template("{title} ({outlet})\n{quote} — {speaker}\n{link}")
    assert render_template(t, VALUES) == ("Ferry berth opens (Harbour Gazette)\n“Queues will halve.” — Talia "
                                          "Brennick\nhttps://news.example/a")


def test_lines_whose_placeholders_are_all_empty_are_dropped() -> None:
    t = validate_template("{summary}\n{quote} — {speaker}")
    assert render_template(t, StoryValues(summary="Only a summary.")) == "Only a summary."


def test_braces_in_story_text_are_not_read_as_placeholders() -> None:
    assert render_template("{title}", StoryValues(title="Budget {summary} leak")) == "Budget {summary} leak"
    assert render_template("{{literal}} {title}", VALUES) == "{literal} Ferry berth opens"


@pytest.mark.parametrize(("template", "reason"), [
    ("{headline}", "unknown placeholder {headline}"),
    ("{title", "unbalanced braces"),
    ("title}", "unbalanced braces"),
    ("{title!r}", "no format spec"),
    ("{title:>20}", "no format spec"),
    ("no placeholders at all", "uses no placeholder"),
    ("   ", "empty"),
    ("{title}" * 200, "longer than 1000"),
])
def test_bad_templates_are_refused_with_the_reason(template: str, reason: str) -> None:
    with pytest.raises(TemplateError) as exc:
        validate_template(template)
    assert reason in str(exc.value)
