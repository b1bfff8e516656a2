"""The discord.py client: app commands built from the registry, replies as embeds, a page view and a poster."""

from __future__ import annotations

import asyncio
import inspect
import io
import json
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Optional

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.abc import GuildChannel

from bot.commands import (
    REGISTRY,
    Command,
    CommandError,
    Invocation,
    Param,
    Reply,
    coerce,
    dispatch,
    error_reply,
    groups,
    load,
)
from bot.delivery import Delivery, DeliveryError
from bot.discord.render import error_content, reply_to_embeds
from bot.lifecycle import StartupError, brief, retry_start
from bot.services import Services
from bot.text import fit

if TYPE_CHECKING:
    from bot.health import Health

log = logging.getLogger("newsbot.discord")

# The bot is text only: discord.py's start-up notes about missing voice libraries (PyNaCl, davey) are noise.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False

# Interaction tokens live 15 minutes; the page view must expire before that so its clean-up edit still works.
PAGE_TIMEOUT_S = 600.0
# Discord forgets an interaction not answered within 3 s (10062 Unknown interaction). A command still running
# after this long is deferred ("thinking…") and answered by a follow-up; autocomplete, which cannot be deferred,
# gives up and offers nothing.
DEFER_AFTER_S = 2.0
# The bot never means to notify anyone: text it echoes (an "@everyone" in a feed title or a user's typo) stays text.
NO_MENTIONS = discord.AllowedMentions.none()
DESCRIPTION_MAX = 100  # Discord's limit for command and option descriptions
THREAD_NAME_MAX = 100  # Discord's limit for thread and forum post names
THREAD_EXISTS = 160004  # Discord's error code: a thread has already been created for this message

Callback = Callable[..., Coroutine[Any, Any, None]]
AutocompleteFn = Callable[[discord.Interaction, str], Awaitable[list[app_commands.Choice[Any]]]]


def configure_endpoints(api_base_url: str | None, gateway_url: str | None) -> None:
    """Point discord.py's REST and gateway URLs at a stand-in (both are process-wide class attributes)."""
    if api_base_url:
        base = api_base_url.rstrip("/")
        if not re.search(r"/api/v\d+$", base):
            base += "/api/v10"  # accept the server root too; discord.py's BASE includes the API version
        # One assignment covers REST, interaction callbacks and webhook follow-ups: they all build a Route.
        discord.http.Route.BASE = base
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def workspace_of(interaction: discord.Interaction) -> str:
    """Return the workspace of an interaction: the guild, or the user's own DM space."""
    if interaction.guild_id is not None:
        return f"discord:{interaction.guild_id}"
    return f"discord:dm:{interaction.user.id}"


def is_admin(interaction: discord.Interaction, admin_role: str | None) -> bool:
    """Tell whether the user may run admin commands: Manage Server, the configured role, or their own DM."""
    if interaction.guild_id is None:
        return True  # a DM is the user's own workspace: nobody else sees or changes it
    if interaction.permissions.manage_guild:
        return True
    roles = getattr(interaction.user, "roles", [])
    return bool(admin_role) and any(r.name == admin_role for r in roles)


def _time_left(interaction: discord.Interaction) -> float:
    """Return how long a handler may still run before the interaction must be answered or deferred."""
    age = (discord.utils.utcnow() - interaction.created_at).total_seconds()
    return max(0.0, DEFER_AFTER_S - max(0.0, age))


def _annotation(p: Param) -> Any:
    base: Any = app_commands.Range[int, 0, 10_000] if p.type == "int" else bool if p.type == "bool" else str
    if p.type == "role":
        base = discord.Role
    # Everything else stays a string: bot.commands.coerce owns validation, so every front end says the same thing.
    return base if p.required else Optional[base]  # noqa: UP045 - discord.py inspects typing.Optional


def _choice(p: Param, label: str, value: str) -> app_commands.Choice[Any] | None:
    if not label:
        return None
    if p.type == "int":
        try:
            return app_commands.Choice(name=label[:100], value=int(value))
        except ValueError:
            return None
    return app_commands.Choice(name=label[:100], value=value[:100])


# Page buttons carry the id of a stored page state and the page they show: any process, or this one after a
# restart, can turn the page (discord.py routes the press to PageButton by this pattern, not by an in-memory view).
_BUTTONS = {"f": ("« First", discord.ButtonStyle.secondary), "p": ("‹ Prev", discord.ButtonStyle.secondary),
            "n": ("Next ›", discord.ButtonStyle.primary), "l": ("Last »", discord.ButtonStyle.secondary)}
NOT_YOURS = "Only the person who ran the command can turn these pages."
GONE = "These pages are no longer available; run the command again."


class PageButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
                 template=r"nb:page:(?P<state>[0-9]{1,18}):(?P<tag>[fpnl]):(?P<page>[0-9]{1,6})"):
    """One page button; its custom_id names the stored command and the page to show."""

    def __init__(self, state: int, tag: str, page: int, *, disabled: bool = False) -> None:
        label, style = _BUTTONS[tag]
        super().__init__(discord.ui.Button(label=label, style=style, disabled=disabled,
                                           custom_id=f"nb:page:{state}:{tag}:{page}"))
        self.state, self.tag, self.page = state, tag, page

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> PageButton:
        """Rebuild the button from a pressed custom_id."""
        return cls(int(match["state"]), match["tag"], int(match["page"]))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        """Turn the message to this button's page."""
        client = interaction.client
        assert isinstance(client, NewsBot)
        await client.turn_page(interaction, self.state, self.page)


class PageView(discord.ui.View):
    """First/previous/next/last buttons for one page of a stored paged reply; removed when it times out."""

    def __init__(self, state: int, reply: Reply, timeout: float | None) -> None:
        super().__init__(timeout=timeout)
        self.message: discord.InteractionMessage | discord.WebhookMessage | None = None
        page, last = reply.page, reply.pages - 1
        for tag, target in (("f", 0), ("p", max(page - 1, 0)), ("n", min(page + 1, last)), ("l", last)):
            self.add_item(PageButton(state, tag, target, disabled=page <= 0 if tag in "fp" else page >= last))

    async def on_timeout(self) -> None:
        """Remove the buttons so nobody presses a dead control."""
        if self.message is None:
            return
        try:
            await self.message.edit(view=None)
        except discord.HTTPException as exc:
            log.info("could not remove page buttons from message %s: %s", self.message.id, exc)


class NewsBot(discord.Client):
    """The Discord front end: one app command per registry entry, all answered through bot.commands.dispatch."""

    def __init__(self, svc: Services, delivery: Delivery, *, page_timeout: float | None = None,
                 **client_options: Any) -> None:
        # Default intents only: slash commands need no privileged intent, and no member chunking to wait for.
        super().__init__(intents=discord.Intents.default(), chunk_guilds_at_startup=False,
                         allowed_mentions=NO_MENTIONS, **client_options)
        self.svc = svc
        self.delivery = delivery
        self.page_timeout = page_timeout  # None: PAGE_TIMEOUT_S, read when a view is made
        self.tree = app_commands.CommandTree(self)
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]
        build_commands(self.tree, self)

    async def setup_hook(self) -> None:
        """Sync the commands once and register the poster; runs once per process, unlike on_ready."""
        guild_id = self.svc.settings.discord_guild_id
        if guild_id:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        else:
            synced = await self.tree.sync()
        log.info("synced %d Discord command(s)%s", len(synced), f" to guild {guild_id}" if guild_id else "")
        self.add_dynamic_items(PageButton)
        self.delivery.register("discord", self.post)

    async def on_ready(self) -> None:
        """Say where the bot is; with no server yet, log the invite link that adds it to one."""
        # A process running some shards of several sees only its shards' servers: it cannot tell "none at all".
        if not self.guilds and self.application_id and (self.shard_count or 1) == 1:
            log.warning("the bot is in no Discord server yet; invite it with %s", invite_url(self.application_id))
        else:
            log.info("connected to %d Discord server(s)", len(self.guilds))

    # ---- commands -----------------------------------------------------------------------------------------------

    def invocation(self, interaction: discord.Interaction) -> Invocation:
        """Return who runs a command, where, from an interaction."""
        channel_id = interaction.channel_id
        ch = interaction.channel
        # Commands are typed in a forum's posts, never in the forum itself: what they set up belongs to the forum.
        if isinstance(ch, discord.Thread) and isinstance(ch.parent, discord.ForumChannel):
            channel_id = ch.parent_id
        return Invocation(workspace=workspace_of(interaction), channel=str(channel_id or ""),
                          user=str(interaction.user.id), platform="discord",
                          is_admin=is_admin(interaction, self.svc.settings.discord_admin_role))

    async def run_command(self, interaction: discord.Interaction, cmd: Command, values: dict[str, Any]) -> None:
        """Check, defer if slow, run and answer one command."""
        inv = self.invocation(interaction)
        # A role option arrives as a Role; the engine only needs its id (and must never take @everyone's).
        raw = {k: (f"role:{v.id}" if not v.is_default() else "@everyone") if isinstance(v, discord.Role) else v
               for k, v in values.items() if v is not None}
        refusal: Reply | None = None
        if cmd.admin and not inv.is_admin:
            refusal = await dispatch(self.svc, inv, cmd, raw)  # dispatch words the refusal, same as elsewhere
        else:
            try:
                coerce(cmd, raw)  # validate before deferring, so a mistake is still answered privately
            except CommandError as exc:
                refusal = error_reply(str(exc))
        if refusal is not None:
            await interaction.response.send_message(error_content(refusal), ephemeral=True)
            return
        deferred = cmd.slow
        if deferred:
            await interaction.response.defer(thinking=True)
        task = asyncio.ensure_future(dispatch(self.svc, inv, cmd, raw))
        if not deferred:
            done, _ = await asyncio.wait({task}, timeout=_time_left(interaction))
            if not done:  # a quick command turned out slow (a big workspace, a busy host): defer before 3 s pass
                await interaction.response.defer(thinking=True)
                deferred = True
        reply = await task
        await self.answer(interaction, reply, deferred=deferred, command=(cmd, raw, inv))

    async def turn_page(self, interaction: discord.Interaction, state_id: int, page: int) -> None:
        """Show another page of a stored paged reply: the command is run again as its invoker ran it."""
        row = await self.svc.store.page_state(state_id)
        cmd = REGISTRY.get(row.command) if row else None
        if row is None or cmd is None or row.workspace != workspace_of(interaction):
            await interaction.response.send_message(GONE, ephemeral=True)
            return
        if str(interaction.user.id) != row.user:
            await interaction.response.send_message(NOT_YOURS, ephemeral=True)
            return
        inv = Invocation(workspace=row.workspace, channel=row.channel, user=row.user, platform="discord",
                         is_admin=row.is_admin, now=row.created_at)
        reply = (await dispatch(self.svc, inv, cmd, json.loads(row.args))).at_page(page)
        view = PageView(state_id, reply, None)
        view.stop()  # only rendered: presses reach PageButton by its custom_id, so no view is kept in memory
        await interaction.response.edit_message(embeds=reply_to_embeds(reply), view=view)

    async def answer(self, interaction: discord.Interaction, reply: Reply, *, deferred: bool,
                     command: tuple[Command, dict[str, Any], Invocation] | None = None) -> None:
        """Send a reply as embeds (with page buttons and an attachment when it has them)."""
        if reply.error:
            if deferred:
                # The "thinking" message is public; replace it with a private note so errors stay ephemeral.
                await interaction.delete_original_response()
                await interaction.followup.send(error_content(reply), ephemeral=True)
            else:
                await interaction.response.send_message(error_content(reply), ephemeral=True)
            return
        kwargs: dict[str, Any] = {"embeds": reply_to_embeds(reply), "ephemeral": reply.ephemeral}
        timeout = PAGE_TIMEOUT_S if self.page_timeout is None else self.page_timeout
        view = None
        if reply.pages > 1 and command is not None:
            cmd, raw, inv = command
            state = await self.svc.store.save_page_state(cmd.name, json.dumps(raw), workspace=inv.workspace,
                                                         channel=inv.channel, user=inv.user, is_admin=inv.is_admin,
                                                         created_at=inv.now)
            view = PageView(state, reply, timeout)
        if view is not None:
            kwargs["view"] = view
        if reply.image and reply.image_name:
            kwargs["files"] = [discord.File(io.BytesIO(reply.image), filename=reply.image_name)]
        message: discord.InteractionMessage | discord.WebhookMessage | None = None
        if deferred:
            message = await interaction.followup.send(wait=True, **kwargs)
        else:
            resp = await interaction.response.send_message(**kwargs)
            if isinstance(resp.resource, discord.InteractionMessage):
                message = resp.resource
        if view is not None:
            view.message = message

    async def _on_tree_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        log.error("Discord command failed: %s", error, exc_info=error)
        text = "That did not work on our side; the error was logged."
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not tell the user about the failure")

    async def complete(self, interaction: discord.Interaction, p: Param, current: str
                       ) -> list[app_commands.Choice[Any]]:
        """Return autocomplete choices for a parameter from bot.handlers.autocomplete."""
        from bot.handlers import autocomplete

        assert p.autocomplete is not None
        try:
            pairs = await asyncio.wait_for(
                autocomplete(self.svc, self.invocation(interaction), p.autocomplete, current or ""),
                _time_left(interaction))
        except TimeoutError:
            log.warning("autocomplete %s took too long; no choices offered", p.autocomplete)
            return []
        except Exception:
            log.exception("autocomplete %s failed", p.autocomplete)
            return []
        choices = [_choice(p, label, value) for label, value in pairs[:25]]
        return [c for c in choices if c is not None]

    # ---- delivery -----------------------------------------------------------------------------------------------

    async def post(self, workspace: str, channel: str, reply: Reply) -> list[str]:
        """Post a reply to a channel id of a ``discord:<guild>`` workspace; raise DeliveryError on failure."""
        if not workspace.startswith("discord:"):
            raise DeliveryError(f"{workspace} is not a Discord workspace")
        try:
            channel_id = int(channel)
        except ValueError:
            raise DeliveryError(f"{channel!r} is not a Discord channel id") from None
        cached: Any = self.get_channel(channel_id)
        if cached is None and self.shard_count and self.shard_count > 1:
            # Another shard's server: this process has not cached the channel, but must still know a forum.
            try:
                cached = await self.fetch_channel(channel_id)
            except discord.HTTPException:
                cached = None  # the post below reports the real reason (unknown channel, no permission)
        owner = workspace.split(":", 1)[1]
        if isinstance(cached, GuildChannel) and str(cached.guild.id) != owner:
            raise DeliveryError(f"channel {channel_id} does not belong to {workspace}")
        target = self.get_partial_messageable(channel_id)
        ids: list[str] = []
        content, allowed = mention_parts(reply)
        try:
            if reply.in_thread:
                return await self._post_in_thread(channel_id, cached, reply)
            if isinstance(cached, discord.ForumChannel):
                return await self._post_forum(cached, reply)
            if reply.layout == "thread" and reply.items:
                return await self._post_thread(channel_id, reply)
            for page in range(reply.pages):
                files = ([discord.File(io.BytesIO(reply.image), filename=reply.image_name)]
                         if page == 0 and reply.image and reply.image_name else [])
                first = page == 0 and bool(content)
                msg = await target.send(content if first else None, embeds=reply_to_embeds(reply, page),
                                        files=files, allowed_mentions=allowed if first else NO_MENTIONS)
                ids.append(str(msg.id))
        except discord.Forbidden as exc:
            log.error("cannot post to Discord channel %s (%s): the bot lacks permission there (%s)",
                      channel_id, workspace, exc.text or exc.status)
            raise DeliveryError(f"no permission to post in Discord channel {channel_id}") from exc
        except discord.NotFound as exc:
            log.error("cannot post to Discord channel %s (%s): the channel is gone or unknown (%s)",
                      channel_id, workspace, exc.text or exc.status)
            raise DeliveryError(f"Discord channel {channel_id} not found") from exc
        except discord.HTTPException as exc:
            log.error("posting to Discord channel %s failed: HTTP %s %s", channel_id, exc.status, exc.text)
            raise DeliveryError(f"Discord refused the post to channel {channel_id} (HTTP {exc.status})") from exc
        return ids

    async def _post_thread(self, channel_id: int, reply: Reply) -> list[str]:
        """Post the headline in the channel and the items in a thread started from it."""
        content, allowed = mention_parts(reply)
        head = replace(reply, items=(), page=0)
        msg = await self.get_partial_messageable(channel_id).send(
            content or None, embeds=reply_to_embeds(head), allowed_mentions=allowed if content else NO_MENTIONS)
        data = await self.http.start_thread_with_message(
            channel_id, msg.id, name=fit(reply.title, THREAD_NAME_MAX) or "Digest", auto_archive_duration=1440,
            rate_limit_per_user=None)
        thread = self.get_partial_messageable(int(data["id"]))
        ids = [str(msg.id)]
        for page in range(reply.pages):
            part = replace(reply, title=f"{reply.title} ({page + 1}/{reply.pages})" if reply.pages > 1
                           else reply.title, text="")
            sent = await thread.send(embeds=reply_to_embeds(part, page)[1:] or reply_to_embeds(part, page))
            ids.append(str(sent.id))
        return ids

    async def _post_in_thread(self, channel_id: int, cached: Any, reply: Reply) -> list[str]:
        """Post a reply into the thread of an earlier post (a live story's update): a forum post is a thread
        already; in a text channel the thread is started from that post's message, or found there."""
        content, allowed = mention_parts(reply)
        assert reply.in_thread is not None
        target = int(reply.in_thread)
        if not isinstance(cached, discord.ForumChannel):
            name = reply.items[0].title if reply.items else reply.title
            try:
                data = await self.http.start_thread_with_message(
                    channel_id, target, name=fit(name, THREAD_NAME_MAX) or "Story", auto_archive_duration=1440,
                    rate_limit_per_user=None)
                target = int(data["id"])
            except discord.HTTPException as exc:
                # 160004: the message has its thread already, and a thread started from a message has its id.
                if exc.code != THREAD_EXISTS:
                    raise
        thread = self.get_partial_messageable(target)
        ids = []
        for page in range(reply.pages):
            first = page == 0 and bool(content)
            msg = await thread.send(content if first else None, embeds=reply_to_embeds(reply, page),
                                    allowed_mentions=allowed if first else NO_MENTIONS)
            ids.append(str(msg.id))
        return ids

    async def _post_forum(self, forum: discord.ForumChannel, reply: Reply) -> list[str]:
        """Post to a forum channel: one post (a thread with its first message) per story."""
        content, allowed = mention_parts(reply)
        ids: list[str] = []
        entries = [(item.title, replace(reply, items=(item,), page=0, page_size=1)) for item in reply.items] \
            or [(reply.title, reply)]
        for name, part in entries:
            made = await forum.create_thread(name=fit(name, THREAD_NAME_MAX) or "Story", content=content or None,
                                             embeds=reply_to_embeds(part),
                                             allowed_mentions=allowed if content else NO_MENTIONS)
            # The post's thread id (on Discord the id of its first message too): its updates go there.
            ids.append(str(made.thread.id))
        return ids


# What the bot needs in a channel: see it, post, embed links, attach timeline images, read history (to reply in
# threads), start threads for digests and post in them. Forum posts need only Send Messages. No Mention Everyone:
# an alert's role must be set mentionable, so the bot can never be given the power to ping @everyone.
PERMISSIONS = discord.Permissions(view_channel=True, send_messages=True, embed_links=True, attach_files=True,
                                  read_message_history=True, create_public_threads=True,
                                  send_messages_in_threads=True)


def invite_url(application_id: int) -> str:
    """Return the link that adds the bot to a server with its commands and exactly the permissions it needs."""
    return (f"https://discord.com/oauth2/authorize?client_id={application_id}"
            f"&scope=bot+applications.commands&permissions={PERMISSIONS.value}")


def mention_parts(reply: Reply) -> tuple[str, discord.AllowedMentions]:
    """Return the content that mentions a reply's roles and the allowed_mentions that permit exactly those."""
    roles = [m.split(":", 1)[1] for m in reply.mentions if m.startswith("role:") and m.split(":", 1)[1].isdigit()]
    allowed = discord.AllowedMentions(everyone=False, users=False,
                                      roles=[discord.Object(id=int(r)) for r in roles] if roles else False)
    return " ".join(f"<@&{r}>" for r in roles), allowed


class ShardedNewsBot(NewsBot, discord.AutoShardedClient):
    """NewsBot over discord.py's AutoShardedClient, for the shard ids one process of several runs."""


# ---- building app commands from the registry --------------------------------------------------------------------


def _make_callback(bot: NewsBot, cmd: Command) -> Callback:
    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        await bot.run_command(interaction, cmd, values)

    # discord.py reads options from the callback's signature; give it one parameter per registry Param.
    params = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                annotation=discord.Interaction)]
    params += [inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, annotation=_annotation(p),
                                 default=inspect.Parameter.empty if p.required else None)
               for p in sorted(cmd.params, key=lambda p: not p.required)]
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    callback.__qualname__ = callback.__name__ = cmd.name.replace(" ", "_").replace("-", "_")
    described = app_commands.describe(**{p.name: fit(p.description, DESCRIPTION_MAX) or p.name for p in cmd.params})
    callback = described(callback)
    choices = {p.name: [app_commands.Choice(name=c, value=c) for c in p.choices]
               for p in cmd.params if p.type == "choice" and p.choices}
    if choices:
        callback = app_commands.choices(**choices)(callback)
    completers: dict[str, Any] = {p.name: _make_autocomplete(bot, p) for p in cmd.params if p.autocomplete}
    if completers:
        callback = app_commands.autocomplete(**completers)(callback)
    return callback


def _make_autocomplete(bot: NewsBot, p: Param) -> AutocompleteFn:
    async def complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[Any]]:
        return await bot.complete(interaction, p, current)

    return complete


def build_commands(tree: app_commands.CommandTree[Any], bot: NewsBot) -> None:
    """Add one app command per registry entry; subcommands go under an app_commands.Group per group name."""
    registry = load()
    by_group = groups()
    parents: dict[str, app_commands.Group] = {}
    for name, subs in by_group.items():
        desc = fit(f"/{name}: " + ", ".join(dict.fromkeys(c.subgroup or c.leaf for c in subs)), DESCRIPTION_MAX)
        parents[name] = app_commands.Group(name=name, description=desc)
    # Three-word commands (/feeds filter add) live in a subcommand group under their group.
    for cmd in registry.values():
        if cmd.group and cmd.subgroup and f"{cmd.group} {cmd.subgroup}" not in parents:
            leaves = ", ".join(c.leaf for c in registry.values() if c.group == cmd.group
                               and c.subgroup == cmd.subgroup)
            parents[f"{cmd.group} {cmd.subgroup}"] = app_commands.Group(
                name=cmd.subgroup, description=fit(f"/{cmd.group} {cmd.subgroup}: {leaves}", DESCRIPTION_MAX),
                parent=parents[cmd.group])
    for cmd in registry.values():
        parent = parents.get(f"{cmd.group} {cmd.subgroup}" if cmd.subgroup else cmd.group or "") \
            if cmd.group else None
        app_cmd: app_commands.Command[Any, ..., None] = app_commands.Command(
            name=cmd.leaf if parent else cmd.name, description=fit(cmd.description, DESCRIPTION_MAX),
            callback=_make_callback(bot, cmd), parent=parent)
        if parent is not None:
            parent.add_command(app_cmd)
        else:
            tree.add_command(app_cmd)
    for key, group in parents.items():
        if " " not in key:
            tree.add_command(group)


# Start-up errors worth another try: the network or Discord itself, not a refused token or permission.
TRANSIENT = (OSError, aiohttp.ClientError, TimeoutError, discord.GatewayNotFound, discord.DiscordServerError)


def gateway_state(client: discord.Client) -> dict[str, Any]:
    """Return whether the client's gateway connection (every shard of it) is up, for the readiness check."""
    if client.is_closed():
        return {"ok": False, "detail": "closed"}
    if not client.is_ready():
        return {"ok": False, "detail": "connecting to the gateway"}
    if isinstance(client, discord.AutoShardedClient):
        down = sorted(i for i, shard in client.shards.items() if shard.is_closed())
        detail = f"shards {down} reconnecting" if down else f"{len(client.shards)} shard(s) connected"
        return {"ok": not down, "detail": detail}
    ws = client.ws
    up = ws is not None and ws.open
    return {"ok": up, "detail": "connected" if up else "reconnecting"}


async def start_discord(svc: Services, delivery: Delivery, *, health: Health | None = None) -> None:
    """Run the Discord client until the task is cancelled; raise StartupError when Discord refuses the settings.

    Network failures at start are retried with backoff, one log line per try; once connected, discord.py
    reconnects by itself.
    """
    settings = svc.settings
    if settings.discord_token is None:
        raise StartupError("DISCORD_TOKEN is not set")
    token = settings.discord_token.get_secret_value()
    configure_endpoints(settings.discord_api_base_url, settings.discord_gateway_url)
    current: list[NewsBot] = []

    def make() -> NewsBot:
        if settings.shard_count is not None:
            # Explicit ids and count: this process runs its share of the guilds; the others run the rest.
            return ShardedNewsBot(svc, delivery, shard_ids=settings.shard_id_list, shard_count=settings.shard_count)
        return NewsBot(svc, delivery)

    async def login() -> NewsBot:
        # A client that failed to log in is closed for good in discord.py: every try gets a new one.
        client = make()
        current[:] = [client]
        try:
            await client.login(token)
        except BaseException as exc:
            await client.close()
            refused = _startup_error(exc, settings.discord_guild_id)
            if refused is not None:
                raise refused from None
            raise
        return client

    async def state() -> dict[str, Any]:
        if not current:
            return {"ok": False, "detail": "logging in"}
        return gateway_state(current[0])

    if health is not None:
        health.add("discord", state)
    client = await retry_start("Discord login", login, transient=TRANSIENT, describe=brief, logger=log)
    if settings.shard_count is not None:
        log.info("running Discord shards %s of %d", settings.shard_id_list or "all", settings.shard_count)
    try:
        await client.connect(reconnect=True)
    except discord.PrivilegedIntentsRequired:
        raise StartupError("Discord refused a privileged intent: the bot needs none; check the intents in the "
                           "Developer Portal") from None
    except discord.ConnectionClosed as exc:
        if exc.code == 4004:
            raise StartupError("DISCORD_TOKEN was refused by the Discord gateway (4004 authentication failed): "
                               "copy the bot token again from the Developer Portal") from None
        if exc.code in (4010, 4011):
            raise StartupError(f"Discord refused the shard settings (gateway code {exc.code}): check "
                               "NEWSBOT_SHARD_COUNT and NEWSBOT_SHARD_IDS") from None
        raise
    finally:
        if not client.is_closed():
            await client.close()


def _startup_error(exc: BaseException, guild_id: int | None) -> StartupError | None:
    """Return the one-line StartupError for a login failure that a setting must fix (None: not one of those)."""
    if isinstance(exc, discord.LoginFailure):
        return StartupError("DISCORD_TOKEN was refused by Discord (401 Unauthorized): copy the bot token again "
                            "from the Developer Portal (Bot, Reset Token) into DISCORD_TOKEN")
    if isinstance(exc, discord.HTTPException) and not isinstance(exc, discord.DiscordServerError):
        said = f"{exc.status} {exc.text or ''}".strip()
        if guild_id and exc.status in (403, 404):
            return StartupError(f"Discord refused to register the commands in DISCORD_GUILD_ID={guild_id} "
                                f"({said}): invite the bot to that server, or unset DISCORD_GUILD_ID for "
                                "global commands")
        return StartupError(f"Discord refused the bot's start-up (HTTP {said}): check DISCORD_TOKEN and the "
                            "application in the Developer Portal")
    return None
