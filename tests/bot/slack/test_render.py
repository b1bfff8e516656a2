"""Block Kit rendering stays within Slack's limits, escapes mrkdwn, and pages with buttons that re-run a command."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands import Item, Reply
from bot.handlers import digest_reply
from bot.slack.core import command_line, command_text
from bot.slack.render import (
    ACTION_NEXT,
    ACTION_PREV,
    escape_notification,
    escape_text,
    fallback_text,
    parse_page_value,
    reply_to_blocks,
)
from digests.models import Digest, Quote, Story
from tests.e2e.slack_standin import block_problems, limit, made, mrkdwn_objects, pings, shown

# Invented filler: many sentences, so cuts can land on sentence ends.
SENTENCE = "The river authority & the <port> board met again on Tuesday to argue about dredging. "


def _check_limits(blocks: list[dict[str, Any]]) -> None:
    # Slack's limits come from the stand-in's table (the rules Slack enforces), never from the renderer's constants.
    assert block_problems(blocks) == []
    assert len(blocks) <= limit("blocks.count")
    assert not any(pings({"text": "", "blocks": blocks}).values()), "rendered text must never notify anyone"


def _long_digest(stories: int) -> Reply:
    now = datetime(2024, 5, 31, 8, 0, tzinfo=UTC)
    quote = Quote(quote="We will keep dredging until the channel is safe " * 20, start=0, end=1,
                  speaker="Hedda Lindqvist", role="harbor master")
    return digest_reply(Digest(
        workspace="slack:T1", window_start=now - timedelta(days=1), window_end=now,
        stories=tuple(Story(headline=f"Story {i}: " + "a very long headline about dredging " * 10,
                            summary=SENTENCE * 80,
                            links=tuple((f"Source {j} " + "with a long title " * 20, f"https://news.example.test/{i}/{j}")
                                        for j in range(8)),
                            article_ids=(i,), published=now, key_quote=quote) for i in range(40)),
        quote_of_the_day=quote))


def test_a_digest_of_many_long_stories_stays_within_slack_limits() -> None:
    reply = _long_digest(40)
    assert reply.pages == 8
    for page in range(reply.pages):
        blocks = reply_to_blocks(reply, page, command_line="/digest since:24h")
        _check_limits(blocks)
        sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
        # Each story keeps its headline link, and its long summary is cut at a sentence end.
        story_sections = [s for s in sections if s.startswith("*<https://")]
        assert len(story_sections) == 5
        assert all(s.split("\n")[1].endswith("argue about dredging.") for s in story_sections)
        assert all("&amp;" in s and "&lt;port&gt;" in s and "<port>" not in s for s in story_sections)


def test_a_page_with_more_items_than_blocks_allow_is_compacted() -> None:
    items = tuple(Item(title=f"Item {i}", body=SENTENCE * 50, url=f"https://e.test/{i}", footer="footer")
                  for i in range(60))
    reply = Reply(title="Many", text="x", items=items, page_size=60)
    blocks = reply_to_blocks(reply, 0)
    _check_limits(blocks)
    assert "more not shown" in blocks[-1]["elements"][0]["text"]
    reply = Reply(title="Help", items=items[:25], page_size=25)
    blocks = reply_to_blocks(reply, 0)
    _check_limits(blocks)
    assert sum(b["type"] == "section" for b in blocks) == 25


def test_header_and_fallback_text_are_cut() -> None:
    reply = Reply(title="T" * 400, text=SENTENCE * 100)
    blocks = reply_to_blocks(reply)
    _check_limits(blocks)
    assert len(fallback_text(reply)) <= 3000


def test_mrkdwn_is_escaped_and_links_are_safe() -> None:
    reply = Reply(title="Search", text="Tom & Jerry <!channel> said > that",
                  items=(Item(title="A <b> & c", body="x", url="https://e.test/a?b=1&c=2|x>y"),
                         Item(title="No link", body="ftp://not-linked.test", url="javascript:alert(1)")))
    blocks = reply_to_blocks(reply)
    assert blocks[1]["text"]["text"] == "Tom &amp; Jerry &lt;!channel&gt; said &gt; that"
    first = blocks[2]["text"]["text"]
    assert first.startswith("*<https://e.test/a?b=1&amp;c=2%7Cx&gt;y|A &lt;b&gt; &amp; c>*")
    assert "javascript:" not in str(blocks)


def test_page_buttons_carry_the_command_and_the_page() -> None:
    items = tuple(Item(title=f"Item {i}") for i in range(12))
    reply = Reply(title="Search", items=items, page_size=5)
    first = reply_to_blocks(reply, 0, command_line="/search harbor")
    buttons = {e["action_id"]: e["value"] for b in first if b["type"] == "actions" for e in b["elements"]}
    assert set(buttons) == {ACTION_NEXT}
    assert parse_page_value(buttons[ACTION_NEXT]) == ("/search harbor", 1)
    middle = reply_to_blocks(reply, 1, command_line="/search harbor")
    buttons = {e["action_id"]: e["value"] for b in middle if b["type"] == "actions" for e in b["elements"]}
    assert parse_page_value(buttons[ACTION_PREV])[1] == 0 and parse_page_value(buttons[ACTION_NEXT])[1] == 2
    last = reply_to_blocks(reply, 99, command_line="/search harbor")  # clamped to the last page
    assert "Page 3 of 3" in str(last)
    # No command line (a scheduled post) or one too long for a button value: no buttons, still a page note.
    for blocks in (reply_to_blocks(reply, 0), reply_to_blocks(reply, 0, command_line="/search " + "x" * 2100)):
        assert not any(b["type"] == "actions" for b in blocks) and "Page 1 of 3" in str(blocks)


def test_a_single_page_has_no_pager() -> None:
    blocks = reply_to_blocks(Reply(title="One", items=(Item(title="a"),)), command_line="/search a")
    assert not any(b["type"] in ("actions", "context") for b in blocks)


def test_slack_command_text_is_unescaped() -> None:
    assert command_text("<https://e.test/feed?a=1&amp;b=2|e.test/feed>") == "https://e.test/feed?a=1&b=2"
    assert command_text("&lt;tag&gt; &amp;amp; <@U123|ana> <#C1|news> <!here>") == "<tag> &amp; @ana #news "
    assert command_line("/feeds", "add <https://e.test/rss>") == "/feeds add https://e.test/rss"


# ---- feed text renders as text (issue 16) -------------------------------------------------------------------------



@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="<>@&#:!*_~`|[]()^ 0123456789abhtrepsuv/\n", max_size=60))
def test_any_markup_text_shows_as_typed_and_makes_nothing(text: str) -> None:
    out = escape_text(text)
    assert shown(out) == text
    # escape_text is for the bot's text objects, which are all verbatim: Slack links no bare URL in them.
    assert made(out, verbatim=True) == [], (text, out)
    note = escape_notification(text)
    assert shown(note) == text and made(note) == [], (text, note)


def test_the_issues_hostile_story_text_shows_as_typed() -> None:
    text = "<@&123> @everyone <https://x|y> <t:0> **bold** <!here> <!subteam^S1> *b* _i_ ~s~ `c`"
    assert shown(escape_text(text)) == text and made(escape_text(text), verbatim=True) == []


def test_urls_in_text_keep_no_invisible_character_and_every_text_object_is_verbatim() -> None:
    """A URL in feed text reaches Slack exactly as typed (copyable) and, verbatim, is not turned into a link."""
    url = "https://news.example/2026/rail_line-closure?id=4&x=1"
    out = escape_text(f"Details at {url} and more.")
    assert "\u200b" not in out and shown(out) == f"Details at {url} and more."
    blocks = reply_to_blocks(Reply(title="t", text=f"Subscribed to {url}.", items=(Item(title=url, body=url,
                                                                                        footer=url),)))
    for text, verbatim in mrkdwn_objects(blocks):
        assert verbatim, text
        assert "\u200b" not in text, text


def test_marked_search_words_are_bold_and_a_quote_is_rich_text() -> None:
    from bot.commands import ItemQuote
    from tests.e2e.slack_standin import block_quotes

    body = "the *new* harbour berth opens"
    start = body.index("harbour")
    item = Item(title="Berth", body=body, marks=((start, start + len("harbour")),),
                quote=ItemQuote("“We will build it”", "Ada Lund", "https://e.example/a"))
    blocks = reply_to_blocks(Reply(title="Search: harbour", items=(item,)))
    _check_limits(blocks)
    section = next(t for t, _ in mrkdwn_objects(blocks) if "harbour" in t)
    assert "*harbour*" in section and shown(section).endswith("the *new* *harbour* berth opens")
    assert block_quotes(blocks) == ["“We will build it”\n— Ada Lund · source"]
    rich = next(b for b in blocks if b["type"] == "rich_text")
    assert rich["elements"][0]["elements"][-1] == {"type": "link", "url": "https://e.example/a", "text": "source"}
