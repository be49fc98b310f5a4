"""The IMAP side of the e-mail channel: IMAPClient (a mature synchronous client) run in a worker thread with
``asyncio.to_thread``, so that nothing blocks the event loop. One connection, used by one task at a time.

Mail is read with ``BODY.PEEK[]`` (reading does not mark it ``\\Seen``); the channel marks it only after what it
caused is committed (:meth:`Mailbox.mark_seen`). A mail over the size limit is not downloaded: its headers are.
"""

from __future__ import annotations

import asyncio
import logging
import ssl as _ssl
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class Fetched:
    uid: int
    raw: bytes
    size: int
    truncated: bool = False  # over the size limit: only the headers were fetched


class Mailbox:
    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.client: Any = None
        self.has_idle = False
        # one connection, one command at a time: the channel fetches the next batch while it marks the last one read
        self._lock = asyncio.Lock()

    async def _call(self, fn: Any, *args: Any) -> Any:
        async with self._lock:
            return await asyncio.to_thread(fn, *args)

    # --- connection (blocking parts run in a thread) -------------------------------------------------------------
    def _connect(self) -> None:
        from imapclient import IMAPClient

        s = self.settings
        tls = (s.imap_tls or "ssl").lower()
        port = int(s.imap_port or (993 if tls == "ssl" else 143))
        context = _ssl.create_default_context() if tls != "none" else None
        client = IMAPClient(s.imap_host, port=port, ssl=(tls == "ssl"), ssl_context=context, timeout=60)
        if tls == "starttls":
            client.starttls(context)
        password = s.imap_password.get_secret_value() if s.imap_password else ""
        client.login(s.imap_user or "", password)
        client.select_folder(s.imap_folder or "INBOX")
        self.has_idle = b"IDLE" in client.capabilities()
        self.client = client

    async def open(self) -> None:
        await asyncio.to_thread(self._connect)

    async def close(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return

        def _close() -> None:
            try:
                client.logout()
            except Exception:  # noqa: BLE001 - already gone
                pass

        await asyncio.to_thread(_close)

    # --- reading ------------------------------------------------------------------------------------------------
    async def unseen(self) -> list[int]:
        return sorted(await self._call(self.client.search, ["UNSEEN"]))

    def _fetch(self, uids: list[int], max_bytes: int) -> list[Fetched]:
        sizes = self.client.fetch(uids, ["RFC822.SIZE"])
        small = [u for u in uids if u in sizes and int(sizes[u].get(b"RFC822.SIZE", 0)) <= max_bytes]
        big = [u for u in uids if u in sizes and u not in small]
        out: dict[int, Fetched] = {}
        if small:
            for uid, data in self.client.fetch(small, ["BODY.PEEK[]"]).items():
                raw = data.get(b"BODY[]") or b""
                out[uid] = Fetched(uid, raw, int(sizes[uid].get(b"RFC822.SIZE", len(raw))))
        if big:
            for uid, data in self.client.fetch(big, ["BODY.PEEK[HEADER]"]).items():
                raw = data.get(b"BODY[HEADER]") or b""
                out[uid] = Fetched(uid, raw, int(sizes[uid].get(b"RFC822.SIZE", 0)), truncated=True)
        return [out[u] for u in uids if u in out]

    async def fetch(self, uids: list[int], max_bytes: int) -> list[Fetched]:
        if not uids:
            return []
        return await self._call(self._fetch, uids, max_bytes)

    async def mark_seen(self, uids: list[int]) -> None:
        if uids:
            await self._call(self.client.add_flags, uids, [b"\\Seen"])

    # --- waiting ------------------------------------------------------------------------------------------------
    def _idle(self, timeout: float) -> bool:
        self.client.idle()
        try:
            responses = self.client.idle_check(timeout=timeout)
        finally:
            self.client.idle_done()
        return any(b"EXISTS" in (r if isinstance(r, tuple) else (r,)) for r in responses) or bool(responses)

    async def wait(self, timeout: float) -> None:
        """Until something arrives (IMAP IDLE) or ``timeout`` seconds (servers without IDLE: polling)."""
        if self.has_idle:
            await self._call(self._idle, timeout)
        else:
            await asyncio.sleep(timeout)
