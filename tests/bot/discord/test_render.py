"""reply_to_embeds keeps every page within Discord's limits and cuts long text at a sentence."""

from __future__ import annotations

from datetime import UTC, datetime

import discord
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands import Item, Reply
from bot.discord.render import error_content, escape, reply_to_embeds
from bot.handlers import digest_reply
from digests.models import Digest, Quote, Story
from tests.e2e.discord_standin import check_message, limit, made, shown

SENTENCE = "The council met again on Tuesday to argue about the harbour wall and its cost. "


def assert_within_limits(embeds: list[discord.Embed]) -> None:
    """Fail unless the embeds form a message Discord accepts."""
    # Discord's limits come from the stand-in's table, never from the renderer under test.
    assert 1 <= len(embeds) <= limit("embeds.count")
    assert sum(len(e) for e in embeds) <= limit("embeds.total")
    problems = check_message({"embeds": [e.to_dict() for e in embeds]})
    assert not problems, problems


def long_digest(stories: int, sentences: int = 80) -> Reply:
    """Return a digest reply of many long stories with long headlines, quotes and many links."""
    now = datetime(2031, 5, 1, tzinfo=UTC)
    quote = Quote(quote="We will rebuild the wall stone by stone, whatever it costs, and we will start this "
                        "summer. " * 6, start=0, end=10, speaker="Councillor Edda Marwick " * 3,
                  role="chair of the works committee " * 4)
    story_list = tuple(
        Story(headline=f"Story {i}: " + "harbour wall repairs and the long argument about money " * 8,
              summary=SENTENCE * sentences,
              links=tuple((f"Source {j} " + "long title " * 20, f"https://example.invalid/{i}/{j}/" + "p" * 300)
                          for j in range(12)),
              article_ids=tuple(range(12)), published=now, key_quote=quote, key_quote_article_id=1)
        for i in range(stories))
    d = Digest(workspace="discord:1", window_start=now, window_end=now, stories=story_list,
               quote_of_the_day=quote, quote_of_the_day_article_id=1)
    return digest_reply(d)


def test_digest_of_many_long_stories_stays_within_every_limit() -> None:
    """Every page of a 40-story digest with 6,000-character summaries fits one message."""
    reply = long_digest(40)
    assert reply.pages == 8
    for page in range(reply.pages):
        embeds = reply_to_embeds(reply, page)
        assert_within_limits(embeds)
        assert len(embeds) == 1 + len(reply.page_items(page))
        assert embeds[0].footer.text == f"Page {page + 1}/{reply.pages}"


def test_long_text_is_cut_at_a_sentence() -> None:
    """A summary too long for its embed ends at a full stop, not mid-word."""
    embeds = reply_to_embeds(long_digest(5), 0)
    assert len(embeds) == 6  # the header and one embed per story: the loop below checks five summaries
    for e in embeds[1:]:
        assert e.description is not None
        # The summary comes first; the key quote follows as Discord's own block quote ("> " lines).
        lines = e.description.splitlines()
        body = "\n".join(ln for ln in lines if not ln.startswith("> "))
        assert body.rstrip().endswith((".", "…")), body[-40:]
        assert "harbour wall and its cost." in body
        quoted = [ln[2:] for ln in lines if ln.startswith("> ")]
        assert quoted and shown(quoted[0]).startswith("“We will rebuild the wall") and quoted[-1].startswith("— ")


@pytest.mark.parametrize("page_size", [9, 10, 25, 40])
def test_many_items_a_page_fit_as_fields(page_size: int) -> None:
    """Pages of more items than embeds a message allows become fields of one embed, still within limits."""
    items = tuple(Item(title="T" * 400, body=SENTENCE * 30, url="https://example.invalid/x", footer="f" * 3000)
                  for _ in range(page_size))
    reply = Reply(title="Commands " * 60, text=SENTENCE * 100, items=items, page_size=page_size)
    embeds = reply_to_embeds(reply, 0)
    assert_within_limits(embeds)
    assert sum(len(e.fields) for e in embeds) <= 25 or len(embeds) > 2


def test_short_reply_is_unchanged() -> None:
    """Text that fits is shown exactly, with the link on the item's title."""
    reply = Reply(title="Who said “pariah”", text="Ana Ruiz — 1 matching quote(s).",
                  items=(Item(title="“A short quote.”", body="— Ana Ruiz", url="https://example.invalid/a",
                              footer="Article · 2031-01-01", fields=(("Link", "https://example.invalid/a"),)),))
    header, item = reply_to_embeds(reply, 0)
    assert header.title == reply.title and header.description == reply.text and not header.footer.text
    assert item.title == "“A short quote.”" and item.url == "https://example.invalid/a"
    assert item.description == "— Ana Ruiz" and item.footer.text == "Article · 2031-01-01"
    assert [(f.name, f.value) for f in item.fields] == [("Link", "https://example.invalid/a")]


def test_a_long_quote_is_shown_whole_not_cut_in_the_title() -> None:
    """An item title longer than 256 characters (a long quote) goes whole into the description."""
    quote = "“" + "We never promised a quick fix, and we will not pretend otherwise now. " * 5 + "”"
    reply = Reply(title="Quotes", items=(Item(title=quote, body="— Ana Ruiz", url="https://example.invalid/q"),))
    _, item = reply_to_embeds(reply, 0)
    assert item.description is not None and quote in item.description
    assert item.title is None or len(item.title) <= 256


def test_pages_clamp_image_and_error() -> None:
    """Out-of-range pages clamp; an image is referenced as an attachment; errors are red and short."""
    items = tuple(Item(title=f"Event {i}") for i in range(12))
    reply = Reply(title="Timeline", items=items, image=b"\x89PNG", image_name="timeline.png")
    assert reply_to_embeds(reply, 99)[0].footer.text == "Page 3/3"
    assert reply_to_embeds(reply, -1)[0].footer.text == "Page 1/3"
    assert reply_to_embeds(reply, 0)[0].image.url == "attachment://timeline.png"
    err = Reply(title="Sorry", text="since must be a duration. " * 200, error=True, ephemeral=True)
    assert reply_to_embeds(err)[0].colour == discord.Colour(0xDC2626)
    assert len(error_content(err)) <= limit("content.length")


def test_invalid_urls_are_dropped() -> None:
    """Only http(s) links become embed URLs; Discord rejects anything else."""
    reply = Reply(title="Search", items=(Item(title="A", url="javascript:alert(1)"), Item(title="B", url="#12"),
                                         Item(title="C", url="ftp://files.example.invalid/c")))
    items = reply_to_embeds(reply, 0)[1:]
    assert [e.title for e in items] == ["A", "B", "C"]
    assert all(e.url is None for e in items)
    assert not check_message({"embeds": [e.to_dict() for e in items]})


# ---- feed text renders as text (issue 16) -------------------------------------------------------------------------


HOSTILE_TEXTS = ["<@&123> @everyone <https://x|y> <t:0> **bold**", "[click](https://evil.example) <#42> @here",
                 "# Heading\n> quote\n- item\n1. first", "`code` ~~gone~~ __under__ ||spoiler|| <:emo:12> \\*",
                 "mail me: https://a.example/x_y_z"]


def test_hostile_feed_text_shows_as_typed_and_makes_nothing() -> None:
    for text in HOSTILE_TEXTS:
        assert shown(escape(text)) == text and made(escape(text)) == [], (text, escape(text))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="<>@&#:!*_~`|[]()\\-+. 0123456789abtehryonvsp/\n", max_size=60))
def test_any_markup_text_shows_as_typed_and_makes_nothing(text: str) -> None:
    out = escape(text)
    assert shown(out) == text
    assert made(out) == [], (text, out)


def test_marked_search_words_are_bold_and_the_rest_is_escaped() -> None:
    """A search hit's words are drawn bold by the bot; the article's own asterisks stay text."""
    body = "the *new* harbour berth opens"
    start = body.index("harbour")
    item = Item(title="Berth", body=body, marks=((start, start + len("harbour")),))
    desc = reply_to_embeds(Reply(title="Search: harbour", items=(item,)))[1].description or ""
    assert "**harbour**" in desc and shown(desc) == "the *new* **harbour** berth opens"
    assert made(desc) == ["bold"]  # the bot's emphasis, and nothing from the text


def test_a_quote_element_is_a_block_quote_and_stays_escaped_inside() -> None:
    from bot.commands import ItemQuote
    from tests.e2e.discord_standin import block_quotes

    item = Item(title="Story", body="Body text.", quote=ItemQuote("“We **will** build <@&1> it”", "Ada Lund, mayor"))
    desc = reply_to_embeds(Reply(title="t", items=(item,)))[1].description or ""
    assert block_quotes(desc) == ["“We **will** build <@&1> it”", "— Ada Lund, mayor"]
    assert made(desc) == []
