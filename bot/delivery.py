"""One delivery function for every post to a channel, whatever the platform (used by the scheduler)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable

from bot.commands import Reply

log = logging.getLogger("newsbot.delivery")

# (workspace, channel, reply) -> ids of the messages posted
Poster = Callable[[str, str, Reply], Awaitable[list[str]]]


class DeliveryError(Exception):
    """A post could not be delivered (missing permission, deleted channel, no front end)."""


class Delivery:
    """Route posts to the front end that owns a workspace (``discord:…``, ``slack:…``, ``local``)."""

    def __init__(self) -> None:
        self._posters: dict[str, Poster] = {}
        self._registered: dict[str, asyncio.Event] = {}

    def register(self, platform: str, poster: Poster) -> None:
        """Route workspaces named ``platform:…`` (or exactly ``platform``) to ``poster``."""
        self._posters[platform] = poster
        self._registered.setdefault(platform, asyncio.Event()).set()

    async def wait_registered(self, platforms: Iterable[str]) -> None:
        """Return once every one of ``platforms`` has a poster (a front end registers it when it can post)."""
        for platform in platforms:
            await self._registered.setdefault(platform, asyncio.Event()).wait()

    def platform_of(self, workspace: str) -> str:
        """Return the platform part of a workspace name."""
        return workspace.split(":", 1)[0]

    async def post(self, workspace: str, channel: str, reply: Reply) -> list[str]:
        """Post a reply to a channel; raise DeliveryError with a clear reason on failure."""
        poster = self._posters.get(self.platform_of(workspace))
        if poster is None:
            raise DeliveryError(f"no front end is running for {workspace}")
        return await poster(workspace, channel, reply)
