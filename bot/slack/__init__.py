"""The Slack front end: slack_bolt AsyncApp, a listener group per kind of request, Block Kit rendering."""

from __future__ import annotations

from bot.slack.app import SlackHttpServer, build_app, make_client, start_slack
from bot.slack.render import reply_to_blocks

__all__ = ["SlackHttpServer", "build_app", "make_client", "reply_to_blocks", "start_slack"]
