"""A loopback TCP proxy that a test can cut: every open connection dropped, new ones refused until restored."""

from __future__ import annotations

import asyncio
import contextlib


class CuttableProxy:
    """Forward 127.0.0.1:<port> to a target; ``cut()`` drops everything, ``restore()`` serves again."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self.open = True
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> CuttableProxy:
        """Start listening on an ephemeral loopback port."""
        self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.open:
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self._writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    def cut(self) -> None:
        """Drop every open connection and refuse new ones."""
        self.open = False
        for w in self._writers:
            w.transport.abort()
        self._writers.clear()

    def restore(self) -> None:
        """Accept connections again."""
        self.open = True

    async def stop(self) -> None:
        """Stop listening and drop every connection."""
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
