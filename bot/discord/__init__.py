"""Discord front end: discord.py 2.x app commands built from the command registry, embeds, pages, a poster."""

from bot.discord.client import NewsBot, configure_endpoints, start_discord
from bot.discord.render import reply_to_embeds

__all__ = ["NewsBot", "configure_endpoints", "reply_to_embeds", "start_discord"]
