"""Block actions: the previous/next page buttons re-run the command they carry and show that page."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.slack.core import SlackContext
from bot.slack.render import ACTION_NEXT, ACTION_PREV, fallback_text, parse_page_value, reply_to_blocks
from bot.slack.upload import IMAGE_SENT, wants_upload

log = logging.getLogger("newsbot.slack")


def _ids(body: dict[str, Any]) -> tuple[str, str, str]:
    team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id") or ""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or ""
    return team, channel, (body.get("user") or {}).get("id", "")


def register(app: AsyncApp, ctx: SlackContext) -> None:
    """Register the page-button listener."""

    async def on_page(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        try:
            line, page = parse_page_value(action.get("value", ""))
        except ValueError:
            log.warning("ignored a page button with a malformed value")
            return
        team, channel, user = _ids(body)
        # The clicker's own team scopes the re-run, so a button can never show another workspace's articles.
        reply = await ctx.run(line, team_id=team, channel_id=channel, user_id=user)
        if reply.error:
            # A refusal or error goes to the clicker alone and leaves the shared message as it was.
            await respond(text=fallback_text(reply), blocks=reply_to_blocks(reply), response_type="ephemeral",
                          replace_original=False)
            return
        # The picture went out with the first answer; turning pages does not upload it again.
        note = IMAGE_SENT if wants_upload(reply) else None
        await respond(text=fallback_text(reply), blocks=reply_to_blocks(reply, page, command_line=line,
                                                                         image_note=note),
                      replace_original=True, unfurl_links=False, unfurl_media=False)

    app.action(re.compile(f"^({ACTION_PREV}|{ACTION_NEXT})$"))(on_page)
