"""Polling that never loses an update: each fetched batch is written to our database (the ``inbox`` table) before
Telegram is told it was received.

PTB's own updater confirms a batch (by asking for the next offset) as soon as it has queued it in memory: a
``kill -9`` before our handler commits would lose the person's message. Here a batch is first kept in the inbox (one
transaction), then confirmed, then handled; at start the updates kept but not handled (no ``tg:<update_id>`` mark)
are handled first, in update order. When the database is unavailable the batch cannot be kept: it is handed over
anyway, and the handler answers "rien n'a été enregistré, renvoyez votre message" without writing anything. An update
the bot answered that way (or ignored, or could not handle) is *settled*: marked like a handled one, as soon as the
database answers, so that it is never handled later; if the process dies before that mark could be written, the
update is still not replayed once a later update of its chat was handled ("overtaken"). Settled rows are pruned.
An update handled twice changes nothing (the handled mark), so replaying is safe.
Updates are still handed to PTB's queue at once, so chats are handled concurrently (each chat in order) and a chat
that floods the bot does not hold up the others.
"""

from __future__ import annotations

import asyncio
import json
import logging


from telegram import Update
from telegram.error import InvalidToken, RetryAfter

from bot.channels.telegram.lifecycle import Channel

log = logging.getLogger(__name__)

MAX_BACKOFF = 30.0
PRUNE_EVERY = 50  # batches


class SafePoller:
    def __init__(self, channel: Channel, poll_timeout: int = 10) -> None:
        self.channel = channel
        self.store = channel.guichet.store
        self.poll_timeout = poll_timeout
        self.offset: int | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._pruning: asyncio.Task[None] | None = None
        self.skipped = 0  # unparseable updates skipped

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        bot = self.channel.application.bot
        await bot.delete_webhook(drop_pending_updates=False)
        await self._replay()
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="guichet-polling")

    async def _replay(self) -> None:
        """Hand over the updates kept by a previous run but never handled (a crash), oldest first. An update that
        was overtaken (a later update of its chat was handled: it had been answered "réessayez") is settled, not
        replayed; settled rows are pruned."""
        async with self.store.unit() as uow:
            overtaken = await uow.settle_overtaken_inbox()
            await uow.prune_inbox()
            pending = await uow.pending_inbox()
        if overtaken:
            log.info("%d kept update(s) overtaken by a later one of their chat: settled, not replayed", len(overtaken))
        bot = self.channel.application.bot
        for update_id, payload in pending:
            try:
                update = Update.de_json(json.loads(payload), bot)
            except Exception as exc:  # noqa: BLE001 - a row we cannot read is logged (id only) and left
                log.warning("inbox update %s unreadable (%s)", update_id, type(exc).__name__)
                continue
            if update is not None:
                await self.channel.application.update_queue.put(update)
            self.offset = max(self.offset or 0, update_id + 1)
        if pending:
            log.info("replaying %d update(s) kept before a restart", len(pending))

    async def _run(self) -> None:
        app = self.channel.application
        backoff = 1.0
        batches = 0
        while not self._stopping:
            try:
                updates = await self._fetch()
            except asyncio.CancelledError:
                raise
            except RetryAfter as exc:
                delay = exc.retry_after
                await asyncio.sleep(delay.total_seconds() if hasattr(delay, "total_seconds") else float(delay))
                continue
            except InvalidToken:
                log.error("polling stopped: the token was refused")
                raise
            except Exception as exc:  # noqa: BLE001 - NetworkError, TimedOut, 5xx, a garbled answer…
                log.warning("getUpdates failed (%s); retrying in %.0f s", type(exc).__name__, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            backoff = 1.0
            if not updates:
                continue  # (an unparseable batch moved the offset on already)
            # Kept first (durable), then confirmed by the next getUpdates' offset, then handled.
            await self._keep(updates)
            self.offset = max(self.offset or 0, updates[-1].update_id + 1)
            for update in updates:
                await app.update_queue.put(update)
            batches += 1
            if batches % PRUNE_EVERY == 0 and (self._pruning is None or self._pruning.done()):
                # Housekeeping off the polling path: a busy database must not delay fetching.
                self._pruning = asyncio.create_task(self._prune(), name="guichet-inbox-prune")

    async def _fetch(self) -> list[Update]:
        """One getUpdates call, parsed update by update: an update we cannot parse is skipped (logged by id and
        error type only, never its content) instead of failing the whole batch forever. (PTB's own ``get_updates``
        logs an unparseable batch in full at CRITICAL, then fails on it at every call.)"""
        bot = self.channel.application.bot
        data = {"timeout": self.poll_timeout, "allowed_updates": Update.ALL_TYPES}
        if self.offset is not None:
            data["offset"] = self.offset
        raw = await bot._post("getUpdates", data, read_timeout=self.poll_timeout + 10)  # noqa: SLF001
        updates: list[Update] = []
        for item in raw or []:
            update_id = item.get("update_id") if isinstance(item, dict) else None
            try:
                update = Update.de_json(item, bot)
            except Exception as exc:  # noqa: BLE001 - a malformed update must not stop polling
                update = None
                log.warning("update %s could not be read (%s): skipped", update_id, type(exc).__name__)
            if update is not None:
                updates.append(update)
            elif isinstance(update_id, int):
                self.offset = max(self.offset or 0, update_id + 1)
                self.skipped += 1
        return updates

    async def _keep(self, updates: list[Update]) -> bool:
        """Write the batch to the inbox. When the database is unavailable the batch is handed over all the same: the
        handler then answers "réessayez dans un instant" and writes nothing, so the person sends it again."""
        items = [(u.update_id, json.dumps(u.to_dict(), ensure_ascii=False),
                  u.effective_chat.id if u.effective_chat is not None else None) for u in updates]
        try:
            async with self.store.unit() as uow:
                await uow.save_inbox(items)
            return True
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - database away: the person is told to retry by the handler
            log.warning("could not keep %d update(s) (%s)", len(items), type(exc).__name__)
            return False

    async def _prune(self) -> None:
        try:
            async with self.store.unit() as uow:
                await uow.prune_inbox()
        except Exception as exc:  # noqa: BLE001 - housekeeping only
            log.warning("inbox prune failed (%s)", type(exc).__name__)

    async def stop(self) -> None:
        """Stop asking for updates. Updates already queued are finished by the application's stop; kept ones that
        were not handled are replayed at the next start."""
        self._stopping = True
        if self._pruning is not None and not self._pruning.done():
            self._pruning.cancel()
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        try:
            await task
        except (asyncio.CancelledError, Exception):  # noqa: BLE001 - stopping
            pass
