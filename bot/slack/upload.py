"""Upload a reply's picture to a channel with files_upload_v2, turning failures into a reason instead of raising."""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands import Reply
from bot.slack.poster import failure_reason
from bot.slack.render import escape

log = logging.getLogger("newsbot.slack")

# Shown in the text answer when its picture is uploaded right after it.
IMAGE_FOLLOWS = "The picture follows as a file in this channel."
IMAGE_FOLLOWS_THREAD = "The picture follows as a file in this thread."
# Shown on later pages of that answer; page buttons do not upload the picture again.
IMAGE_SENT = "The picture was posted as a file with the first answer."


def wants_upload(reply: Reply) -> bool:
    """Return whether a reply's picture should be uploaded (never for errors or private answers)."""
    return bool(reply.image) and not reply.error and not reply.ephemeral


async def upload_image(client: AsyncWebClient, channel: str, reply: Reply, *,
                       thread_ts: str | None = None) -> str | None:
    """Upload a reply's picture to a channel; return None when it arrived, else a reader-facing reason."""
    if not reply.image:
        return None
    name = reply.image_name or "image.png"
    try:
        # files.getUploadURLExternal, a POST of the bytes to the returned URL, then files.completeUploadExternal.
        await client.files_upload_v2(channel=channel, file=reply.image, filename=name, title=reply.title or name,
                                     alt_txt=reply.title or None, thread_ts=thread_ts)
    except SlackApiError as exc:
        error = exc.response.get("error")
        needed = exc.response.get("needed") or ("files:write" if error == "missing_scope" else None)
        reason = failure_reason(error, channel, needed)
        log.warning("Slack upload of %s to %s failed (%s): %s", name, channel, error, reason)
        return reason
    except SlackClientError as exc:
        log.warning("Slack upload of %s to %s failed: %s", name, channel, exc)
        return f"Slack did not accept the file ({type(exc).__name__})"
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        log.warning("Slack upload of %s to %s failed: Slack could not be reached: %r", name, channel, exc)
        return f"Slack could not be reached: {type(exc).__name__}"
    return None


def upload_failed_note(reason: str) -> str:
    """Return the short note (mrkdwn, escaped) that replaces a picture that could not be uploaded."""
    return escape(f"The picture could not be posted: {reason}. The text above is the whole answer.")
