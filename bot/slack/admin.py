"""Who may run admin commands on Slack: workspace admins and owners, or members of a configured user group."""

from __future__ import annotations

import logging
import re
import time

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger("newsbot.slack")

_GROUP_ID = re.compile(r"^S[A-Z0-9]{6,}$")


class AdminCheck:
    """Answer "is this user an admin?" from users.info and the admin user group, cached for a short while."""

    def __init__(self, client: AsyncWebClient, group: str | None = None, ttl_s: float = 60.0) -> None:
        self.client = client
        self.group = (group or "").strip().lstrip("@") or None
        self.ttl_s = ttl_s
        # A short cache spares the API on bursts of admin commands; revocations still apply within ttl_s.
        self._users: dict[str, tuple[float, bool]] = {}
        self._members: tuple[float, frozenset[str]] | None = None

    async def is_admin(self, user_id: str) -> bool:
        """Return whether ``user_id`` is a workspace admin/owner or in the admin user group."""
        now = time.monotonic()
        hit = self._users.get(user_id)
        if hit and now - hit[0] < self.ttl_s:
            return hit[1]
        allowed = await self._workspace_admin(user_id) or user_id in await self._group_members(now)
        self._users[user_id] = (now, allowed)
        return allowed

    async def _workspace_admin(self, user_id: str) -> bool:
        try:
            resp = await self.client.users_info(user=user_id)
        except SlackApiError as exc:
            # Refusing is the safe answer when Slack cannot tell us; the log says why (often a missing users:read).
            log.warning("users.info failed for an admin check: %s", exc.response.get("error"))
            return False
        user = resp.get("user") or {}
        return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))

    async def _group_members(self, now: float) -> frozenset[str]:
        if self.group is None:
            return frozenset()
        if self._members and now - self._members[0] < self.ttl_s:
            return self._members[1]
        members: frozenset[str] = frozenset()
        try:
            group_id = await self._group_id()
            if group_id:
                resp = await self.client.usergroups_users_list(usergroup=group_id)
                members = frozenset(resp.get("users") or [])
            else:
                log.warning("Slack admin group %r not found", self.group)
        except SlackApiError as exc:
            log.warning("could not read the Slack admin group: %s", exc.response.get("error"))
        self._members = (now, members)
        return members

    async def _group_id(self) -> str | None:
        assert self.group is not None
        if _GROUP_ID.match(self.group):
            return self.group
        resp = await self.client.usergroups_list()
        wanted = self.group.lower()
        for g in resp.get("usergroups") or []:
            if wanted in (str(g.get("handle", "")).lower(), str(g.get("name", "")).lower()):
                return str(g["id"])
        return None
