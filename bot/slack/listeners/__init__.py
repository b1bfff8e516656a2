"""Bolt listener groups; each module has ``register(app, ctx)``."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.slack.core import SlackContext
from bot.slack.listeners import actions, commands, events


def register_all(app: AsyncApp, ctx: SlackContext) -> None:
    """Register every listener group on the app."""
    commands.register(app, ctx)
    actions.register(app, ctx)
    events.register(app, ctx)
