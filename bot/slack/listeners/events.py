"""Events: a mention runs the command that follows it (``@newsbot /who-said …``) and answers in a thread."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncSay
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.core import SlackContext, command_text
from bot.slack.render import fallback_text, reply_to_blocks
from bot.slack.upload import IMAGE_FOLLOWS_THREAD, upload_failed_note, upload_image, wants_upload

_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
HELP = ("Use the slash commands (/who-said, /quotes, /timeline, /digest, /summary, /search, /feeds, /schedule, "
        "/digest-status, /ingest), or mention me followed by one, e.g. `@newsbot /search harbor`.")


def register(app: AsyncApp, ctx: SlackContext) -> None:
    """Register the app_mention listener."""

    async def on_mention(body: dict[str, Any], event: dict[str, Any], say: AsyncSay, client: AsyncWebClient) -> None:
        # Strip the mention before undoing Slack's escaping so the mention markup is not turned into "@U…".
        text = command_text(_MENTION.sub(" ", event.get("text", ""))).strip()
        thread = event.get("thread_ts") or event.get("ts")
        if not text.startswith("/"):
            await say(text=HELP, thread_ts=thread)
            return
        reply = await ctx.run(text, team_id=body.get("team_id") or event.get("team", ""),
                              channel_id=event.get("channel", ""), user_id=event.get("user", ""))
        upload = wants_upload(reply)
        await say(text=fallback_text(reply),
                  blocks=reply_to_blocks(reply, reply.page, command_line=text,
                                         image_note=IMAGE_FOLLOWS_THREAD if upload else None),
                  thread_ts=thread, unfurl_links=False, unfurl_media=False)
        if upload:
            reason = await upload_image(client, event.get("channel", ""), reply, thread_ts=thread)
            if reason is not None:
                await say(text=upload_failed_note(reason), thread_ts=thread)

    app.event("app_mention")(on_mention)
