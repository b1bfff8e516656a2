"""Slash commands: one Slack command per registry command or group (``/feeds add`` is ``/feeds`` + ``add``)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands import REGISTRY, CommandError, split_command_line
from bot.slack.core import SlackContext, command_line
from bot.slack.render import fallback_text, reply_to_blocks
from bot.slack.upload import IMAGE_FOLLOWS, upload_failed_note, upload_image, wants_upload

log = logging.getLogger("newsbot.slack")

# /help lists terminal syntax; Slack users get the slash-command picker instead.
_NOT_ON_SLACK = {"help"}


def slack_command_names() -> list[str]:
    """Return the Slack slash-command names (without "/") that the registry defines."""
    names = {cmd.group or cmd.name for cmd in REGISTRY.values()}
    return sorted(names - _NOT_ON_SLACK)


def _is_slow(line: str) -> bool:
    try:
        cmd, _ = split_command_line(line)
    except CommandError:
        return False
    return cmd.slow


def register(app: AsyncApp, ctx: SlackContext) -> None:
    """Register a listener for every slash command."""

    async def on_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                         client: AsyncWebClient) -> None:
        line = command_line(command["command"], command.get("text", ""))
        # Slack wants the ack within 3 seconds; the answer follows through response_url.
        if _is_slow(line):
            await ack(text=f"Working on {command['command']}…")
        else:
            await ack()
        reply = await ctx.run(line, team_id=command["team_id"], channel_id=command["channel_id"],
                              user_id=command["user_id"])
        upload = wants_upload(reply)
        await respond(text=fallback_text(reply),
                      blocks=reply_to_blocks(reply, reply.page, command_line=line,
                                             image_note=IMAGE_FOLLOWS if upload else None),
                      response_type="ephemeral" if reply.ephemeral else "in_channel",
                      unfurl_links=False, unfurl_media=False)
        if not upload:
            return
        # The picture follows the text answer as a file; if Slack refuses it, the text stands alone.
        reason = await upload_image(client, command["channel_id"], reply)
        if reason is not None:
            await respond(text=upload_failed_note(reason), response_type="ephemeral", replace_original=False)

    for name in slack_command_names():
        app.command("/" + name)(on_command)
