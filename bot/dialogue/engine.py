"""The conversation engine: events in, replies out, state in the database. Transport-free.

One :meth:`Engine.handle` call is one database unit: the update mark, the conversation state, a filed request and its
outbox rows are committed together, or not at all. What a turn does is in :mod:`bot.dialogue.turn` (routing) and its
mixins (``form.py``: the intake as a form over ``slots.py``; ``filing.py``; ``flows.py``; ``handover.py``).

State (``ConversationState.step`` and ``.data``) is plain JSON:

* ``step``: the slot being asked (``slots.INTAKE``), a pending choice (``commune_pick``, ``themes_edit``,
  ``conflict``, ``identity``…), ``recap``/``duplicate``, or an idle step (``menu``, ``question``…);
* ``data["draft"]``: the slots filled so far (``None`` = skipped) and the intake's ``id``;
* ``data["buttons"]``: the button data offered with the last question; ``data["done"]``: one-shot buttons already
  honoured (a second press changes nothing); ``data["filed"]``: intake id → reference.
"""

from __future__ import annotations

import asyncio

import datetime as dt
import logging
import time
from collections import deque
from typing import Any, Callable

from bot.dialogue.common import DB_ERRORS, log_exc
from bot.dialogue.events import Event, Reply
from bot.dialogue.turn import COMMANDS, REMINDER_DROP, REMINDER_RESUME, Turn  # noqa: F401 - re-exported
from bot.texts import dialogue as T

log = logging.getLogger(__name__)

#: Steps without an intake in progress (no reminder is sent for them).
IDLE_STEPS: tuple[str, ...] = ("start", "menu", "question", "erase_confirm")
#: Channels without flood control: the terminal chat is used by whoever runs the process (often with piped input).
FLOOD_EXEMPT_CHANNELS = frozenset({"console"})


class Engine:
    def __init__(self, kb: Any, store: Any, settings: Any, clock: Callable[[], float] | None = None,
                 now: Callable[[], dt.datetime] | None = None) -> None:
        self.kb = kb
        self.store = store
        self.settings = settings
        self._clock = clock or time.monotonic
        self._now = now or (lambda: dt.datetime.now(dt.timezone.utc))
        self._flood: dict[tuple[str, str], deque[float]] = {}
        self._flood_warned: dict[tuple[str, str], float] = {}
        try:
            self._vocabulary = set(getattr(kb, "vocabulary", None) or ())
        except Exception:  # noqa: BLE001
            self._vocabulary = set()

    # --- flood control (in memory, per person) ---------------------------------------------------------------
    def _flooding(self, event: Event) -> tuple[bool, bool]:
        """(over the limit, first time told in this window)."""
        key = (event.channel, str(event.user_id))
        now = self._clock()
        window = float(self.settings.flood_window_seconds)
        q = self._flood.setdefault(key, deque())
        while q and now - q[0] >= window:
            q.popleft()
        q.append(now)
        if len(q) <= int(self.settings.flood_max_messages):
            self._flood_warned.pop(key, None)
            return False, False
        warned_at = self._flood_warned.get(key)
        if warned_at is not None and now - warned_at < window:
            return True, False
        self._flood_warned[key] = now
        return True, True

    # --- entry point ----------------------------------------------------------------------------------------
    async def _prime_encoder(self, event: Event) -> None:
        """Encode a text message's words (the sentence encoder, tens of milliseconds of CPU) *before* the turn's unit
        opens: the turn's reading then finds the vector memoised (``intents.encoder``'s memo, keyed by the text the
        turn reads: ``clean_text`` of the message, as ``Turn.prime_act`` passes it). On SQLite the unit holds the
        process's write lock: encoding inside it made every other conversation wait for the encoder (issue 20: the
        mail channel's throughput). Nothing changes in what is read; without an encoder this is a no-op."""
        if event.kind not in ("text", "file") or not event.text:  # a file's caption is read as a message too
            return
        try:
            from bot.dialogue import validators as v
            from intents import no_fit
            from intents.distill import prime_texts
            from intents.encoder import aencode_many

            text = v.clean_text(event.text)
            if text and not text.startswith("/"):
                # the message (the kind of message, the matcher), the need distiller's clauses and the no-fit
                # reader's, outside the unit, spread over the encoder's threads (GUICHET_ENCODER_CONCURRENCY)
                clauses = await asyncio.to_thread(prime_texts, text)
                await aencode_many([text[:2000], *clauses])
                # the no-fit reader's units: its sentences read whole only when two of their clauses say something
                # (the clauses' labels, encoded just above)
                await aencode_many(await asyncio.to_thread(no_fit.prime_texts, text))
        except Exception:  # noqa: BLE001 - a cache warm-up only: the turn encodes again if it must
            pass

    async def handle(self, event: Event, within: Callable[[Any, list[Reply]], Any] | None = None) -> list[Reply]:
        """``within(turn, replies)`` (optional, issue 20: e-mail) runs in the turn's unit before it is saved and
        returns the replies: a channel's extra work committed with the turn (its answer queued, a filing)."""
        if not isinstance(event, Event) or not event.channel or event.chat_id in (None, "") or event.user_id in (None, ""):
            return [Reply(T.INTERNAL_ERROR)]
        if event.channel not in FLOOD_EXEMPT_CHANNELS:
            over, tell = self._flooding(event)
            if over:
                return [Reply(T.FLOOD)] if tell else []
        await self._prime_encoder(event)
        try:
            async with self.store.unit() as uow:
                if event.update_key is not None and not await uow.mark_update_handled(event.update_key):
                    return []
                turn = Turn(self, uow, event)
                await turn.load()
                replies = await turn.run()
                if within is not None:
                    replies = await within(turn, replies)
                await turn.save()
                turn.close_phone_keyboard(replies)
                # issue 14: durable channels (Telegram) reply through the outbox, written in this same unit
                from bot.dialogue.delivery import queue_replies

                replies = await queue_replies(uow, event, replies)
            return replies
        except DB_ERRORS as exc:
            log.warning("database unavailable while handling an update: %s", type(exc).__name__)
            return [Reply(T.UNAVAILABLE)]
        except Exception:
            log_exc("error while handling an update (channel=%s)", event.channel)
            return [Reply(T.INTERNAL_ERROR)]
