"""The terminal front end: slash commands from stdin, results and scheduled posts on stdout."""

from __future__ import annotations

import asyncio
import sys
import threading
from typing import IO

from bot.commands import Invocation, Reply, run_line
from bot.services import Services
from bot.text import marked

WORKSPACE = "local"
CHANNEL = "console"


def render_text(reply: Reply, *, max_items: int = 50) -> str:
    """Render a reply as plain text for a terminal."""
    lines = [("! " if reply.error else "") + reply.title]
    if reply.mentions:
        lines.append("for " + ", ".join("@" + m.split(":", 1)[-1] for m in reply.mentions))
    if reply.text:
        lines.append(reply.text)
    for i, item in enumerate(reply.items[:max_items], 1):
        lines.append("")
        lines.append(f"{i}. {item.title}")
        if item.body:
            body = marked(item.body, item.marks, str, "**", "**")
            lines.extend("   " + ln for ln in body.splitlines())
        if item.compare:
            # Side by side: each wording in one column, its outlet in the other.
            width = max(len(label) for label, _ in item.compare)
            lines.extend(f"     {label:<{width}} │ {text}" for label, text in item.compare)
        if item.quote:
            lines.extend("   > " + ln for ln in item.quote.text.splitlines())
            tail = " · ".join(x for x in (item.quote.speaker, item.quote.link or "") if x)
            if tail:
                lines.append(f"   > — {tail}")
        for name, value in item.fields:
            lines.append(f"   {name}: {value}")
        if item.url and item.url not in {v for _, v in item.fields}:
            lines.append(f"   {item.url}")
        if item.footer:
            lines.append(f"   ({item.footer})")
    if len(reply.items) > max_items:
        lines.append(f"\n… {len(reply.items) - max_items} more")
    if reply.image:
        lines.append(f"[image {reply.image_name}: {len(reply.image)} bytes; shown as an attachment in chat]")
    return "\n".join(lines)


class Console:
    """Read commands line by line until stdin closes; print replies and scheduled posts."""

    def __init__(self, svc: Services, *, stdin: IO[str] | None = None, stdout: IO[str] | None = None,
                 workspace: str = WORKSPACE) -> None:
        self.svc = svc
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.workspace = workspace

    def post(self, channel: str, reply: Reply) -> str:
        """Print a scheduled post; return a message id."""
        self.stdout.write(f"\n[post to #{channel}]\n{render_text(reply)}\n")
        self.stdout.flush()
        return f"console-{id(reply)}"

    async def _readline(self, loop: asyncio.AbstractEventLoop) -> str:
        # A daemon thread, not the loop's executor: a bot stopped by a signal must not wait for a line that
        # may never come (the executor's threads are joined at exit; a daemon thread is not).
        done: asyncio.Future[str] = loop.create_future()

        def deliver(line: str) -> None:
            if not done.done():
                done.set_result(line)

        def read() -> None:
            try:
                line = self.stdin.readline()
            except (OSError, ValueError):
                line = ""
            try:
                loop.call_soon_threadsafe(deliver, line)
            except RuntimeError:
                pass  # the loop closed while this line was read: nobody waits for it

        threading.Thread(target=read, name="newsbot-console-stdin", daemon=True).start()
        return await done

    async def run(self) -> None:
        """Serve commands from stdin until it closes."""
        loop = asyncio.get_running_loop()
        interactive = self.stdin.isatty()
        while True:
            if interactive:
                self.stdout.write("newsbot> ")
                self.stdout.flush()
            line = await self._readline(loop)
            if not line:
                return
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line in ("/quit", "/exit"):
                return
            inv = Invocation(workspace=self.workspace, channel=CHANNEL, user="console", platform="console",
                             is_admin=True)
            reply = await run_line(self.svc, inv, line)
            self.stdout.write(render_text(reply) + "\n")
            self.stdout.flush()
