"""Run a command line for a Slack user: undo Slack's text escaping, check admin rights, dispatch."""

from __future__ import annotations

import re

from bot.commands import CommandError, Invocation, Reply, dispatch, error_reply, split_command_line
from bot.services import Services
from bot.slack.admin import AdminCheck

# <https://x|label>, <@U123|name>, <#C123|name>, <!subteam^S1|@group>, <!here>
_SPECIAL = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def _plain(m: re.Match[str]) -> str:
    target, label = m.group(1), m.group(2)
    if target.startswith(("@", "#")):
        return target[0] + (label or target[1:])
    if target.startswith("!subteam^"):
        return "subteam:" + target[len("!subteam^"):]  # a user group keeps its id: alerts mention it
    if target.startswith("!"):
        return label or ""
    if target.startswith("mailto:"):
        return label or target[len("mailto:"):]
    # A link: the URL itself is what commands need, never the label Slack shows.
    return target


def command_text(text: str) -> str:
    """Turn slash-command text as Slack sends it (escaped, links in angle brackets) back into what was typed."""
    # Slack escapes exactly these three; a general HTML unescape would also turn a typed "&copy;" into "©".
    text = _SPECIAL.sub(_plain, text or "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def command_line(command: str, text: str) -> str:
    """Return the terminal-syntax line for a Slack slash command and its text."""
    return "/" + command.strip().lstrip("/") + " " + command_text(text)


def workspace_of(team_id: str) -> str:
    """Return the store's workspace name for a Slack team."""
    return f"slack:{team_id}"


class SlackContext:
    """What every listener needs: the engine services and the admin check."""

    def __init__(self, svc: Services, admins: AdminCheck) -> None:
        self.svc = svc
        self.admins = admins

    async def run(self, line: str, *, team_id: str, channel_id: str, user_id: str) -> Reply:
        """Parse and run a command line as a Slack user in a channel."""
        try:
            cmd, raw = split_command_line(line)
        except CommandError as exc:
            return error_reply(str(exc))
        # Only admin commands cost a users.info call; dispatch refuses when is_admin stays False.
        is_admin = cmd.admin and await self.admins.is_admin(user_id)
        inv = Invocation(workspace=workspace_of(team_id), channel=channel_id, user=user_id, platform="slack",
                         is_admin=is_admin)
        return await dispatch(self.svc, inv, cmd, raw)
