"""Scheduled posts to Slack channels through chat.postMessage, with clear reasons when they fail."""

from __future__ import annotations

import logging
import re
from dataclasses import replace

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands import Reply
from bot.delivery import DeliveryError, Poster
from bot.slack.render import escape_notification, fallback_text, reply_to_blocks

log = logging.getLogger("newsbot.slack")
_GROUP = re.compile(r"^[A-Z0-9]{2,30}$")

_REASONS = {
    "channel_not_found": "channel {channel} was not found (deleted, private without the bot, or a typo)",
    "not_in_channel": "the bot is not a member of {channel}; invite it with /invite @newsbot",
    "is_archived": "channel {channel} is archived",
    "restricted_action": "the workspace does not allow the bot to post in {channel}",
    "msg_too_long": "the message was too long for Slack",
    "invalid_blocks": "Slack rejected the message layout (invalid_blocks)",
    "ratelimited": "Slack kept rate-limiting the bot; the post was given up after retries",
    "invalid_auth": "the Slack bot token is invalid",
    "not_authed": "no Slack bot token was sent",
    "token_revoked": "the Slack bot token was revoked",
    "account_inactive": "the Slack app was uninstalled or its token deactivated",
}


def failure_reason(error: str | None, channel: str, needed: str | None = None) -> str:
    """Return a reader-facing reason for a Slack API error code."""
    if error == "missing_scope":
        return f"the Slack app lacks the {needed or 'required'} scope; reinstall it from manifest.json"
    template = _REASONS.get(error or "", "Slack refused the post to {channel} (" + str(error) + ")")
    return template.format(channel=channel)


def make_poster(client: AsyncWebClient) -> Poster:
    """Return a delivery poster that posts a reply's pages to a Slack channel (later pages in a thread)."""
    own_team: list[str] = []

    async def team_id() -> str:
        # One bot token serves one workspace; learn which once, so a post for another team fails clearly.
        if not own_team:
            resp = await client.auth_test()
            own_team.append(str(resp.get("team_id") or ""))
        return own_team[0]

    async def post(workspace: str, channel: str, reply: Reply) -> list[str]:
        ids: list[str] = []
        try:
            wanted = workspace.split(":", 1)[1] if ":" in workspace else ""
            if wanted and wanted != await team_id():
                raise DeliveryError(f"the Slack token belongs to another workspace than {workspace}")
            # The only markup the bot means: its alert's user group, in the notification text.
            mention = " ".join(f"<!subteam^{m.split(':', 1)[1]}>" for m in reply.mentions
                               if m.startswith("subteam:") and _GROUP.match(m.split(":", 1)[1]))
            if reply.layout == "thread" and reply.items:
                head = replace(reply, items=(), page=0)
                resp = await client.chat_postMessage(
                    channel=channel, blocks=reply_to_blocks(head),
                    text=(mention + " " if mention else "") + fallback_text(reply),
                    unfurl_links=False, unfurl_media=False)
                ids.append(str(resp["ts"]))
                # Each story is a reply in the headline's thread, so the channel shows one message.
                for item in reply.items:
                    part = replace(reply, title=item.title[:150] or reply.title, text="", items=(item,), page=0,
                                   page_size=1)
                    resp = await client.chat_postMessage(
                        channel=channel, blocks=reply_to_blocks(part)[1:],
                        text=escape_notification(item.title[:500]), thread_ts=ids[0], unfurl_links=False,
                        unfurl_media=False)
                    ids.append(str(resp["ts"]))
                return ids
            for page in range(reply.pages):
                # No page buttons: a scheduled window cannot be re-run later, so every page is posted.
                resp = await client.chat_postMessage(
                    channel=channel, blocks=reply_to_blocks(reply, page),
                    text=((mention + " " if mention else "") + fallback_text(reply) if page == 0
                          else escape_notification(f"{reply.title} ({page + 1}/{reply.pages})")),
                    thread_ts=reply.in_thread or (ids[0] if ids else None), unfurl_links=False, unfurl_media=False)
                ids.append(str(resp["ts"]))
        except SlackApiError as exc:
            error = exc.response.get("error")
            reason = failure_reason(error, channel, exc.response.get("needed"))
            if ids:
                reason += f" (after posting {len(ids)} of {reply.pages} parts)"
            raise DeliveryError(reason) from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise DeliveryError(f"Slack could not be reached: {type(exc).__name__}") from exc
        return ids

    return post
