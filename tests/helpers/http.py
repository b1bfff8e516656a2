"""A real HTTP server on 127.0.0.1 whose routes a test sets, recording every request it sees."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class LocalServer:
    """Serve test routes on an ephemeral loopback port."""

    routes: dict[str, Route] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)
    headers_seen: list[dict[str, str]] = field(default_factory=list)
    port: int = 0
    host: str = "127.0.0.1"  # any loopback address (127.0.0.2 stands in for another machine)
    _runner: web.AppRunner | None = None

    def url(self, path: str = "/", host: str | None = None) -> str:
        """Return the URL of ``path`` on this server (``host`` may be any spelling of loopback)."""
        return f"http://{host or self.host}:{self.port}{path}"

    def route(self, path: str, handler: Route) -> None:
        """Serve ``handler`` at ``path``."""
        self.routes[path] = handler

    def text(self, path: str, body: str | bytes, content_type: str = "text/html", status: int = 200,
             headers: dict[str, str] | None = None) -> None:
        """Serve a fixed body at ``path``."""
        data = body.encode() if isinstance(body, str) else body

        async def handler(request: web.Request) -> web.StreamResponse:
            return web.Response(body=data, status=status, headers={"Content-Type": content_type, **(headers or {})})

        self.routes[path] = handler

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(request.path_qs)
        self.headers_seen.append(dict(request.headers))
        handler = self.routes.get(request.path)
        if handler is None:
            return web.Response(status=404, text="not found")
        return await handler(request)

    async def start(self) -> LocalServer:
        """Start listening on ``host`` (127.0.0.1 unless set) with an ephemeral port."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        """Stop the server."""
        if self._runner is not None:
            await self._runner.cleanup()
