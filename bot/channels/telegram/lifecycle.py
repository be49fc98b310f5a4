"""What the Telegram channel's two ways of receiving (``polling.py``, ``webhook.py``) need of the channel, and the
process's run until a signal. They import this module, never ``runner.py`` (which imports them): no import circle."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from typing import Any, Protocol


class Channel(Protocol):
    """The part of :class:`bot.channels.telegram.runner.TelegramChannel` that polling and the webhook use."""

    application: Any
    guichet: Any

    async def wait_handled(self, update_id: int, timeout: float | None = 10.0) -> None: ...

    async def start_webhook(self, listen: str, port: int, url_path: str, webhook_url: str,
                            secret_token: str | None) -> None: ...

    async def stop(self) -> None: ...


def run_until_signal(channel: Channel, loop: asyncio.AbstractEventLoop,
                     start: Callable[[], Awaitable[None]]) -> None:
    """Start (polling or webhook), serve until SIGINT/SIGTERM, then stop cleanly (updates in hand finish)."""

    async def _main() -> None:
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):  # pragma: no cover - not on Linux
                pass
        try:
            await start()
            await stop.wait()
        finally:
            await channel.stop()

    loop.run_until_complete(_main())
