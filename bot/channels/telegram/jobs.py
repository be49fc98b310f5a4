"""Periodic jobs driven by database timestamps (so they survive restarts): reminders and the staff's morning digest.

Both only *enqueue* outbox rows (idempotent on their dedup key); the outbox sender delivers them. The job functions
take ``now`` so tests call them directly instead of waiting.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from bot.staff.names import Names
from bot.store.workdays import working_days_between
from bot.texts import telegram as T

log = logging.getLogger(__name__)

TELEGRAM_CHANNEL = "telegram"
STAFF_CHANNEL = "staff"
STAFF_CHAT = "group"
#: Button data of the reminder. The engine understands them (``bot.dialogue``); keep in sync.
RESUME_DATA = "reminder:resume"
DROP_DATA = "reminder:drop"
#: Conversation steps that are not an unfinished intake (nothing to remind); only intake steps get a reminder.
IDLE_STEPS = ("start", "menu", "question", "cancel_confirm", "erase_confirm")
#: The digest is sent once a day, from ``digest_hour`` to this many hours later (a later start skips the day).
DIGEST_WINDOW_HOURS = 4


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _intake_steps() -> frozenset[str] | None:
    try:
        from bot.dialogue.steps import INTAKE_STEPS

        return frozenset(INTAKE_STEPS)
    except ImportError:  # pragma: no cover
        return None


async def send_reminders(store: Any, settings: Any, now: datetime | None = None) -> int:
    """Queue ONE reminder for each Telegram conversation left unfinished for ``reminder_after_hours``.

    The reminder and the conversation's ``reminder_sent_at`` are written in the same transaction.
    Returns the number of reminders queued.
    """
    now = _aware(now or utcnow())
    older_than = now - timedelta(hours=settings.reminder_after_hours)
    convs = await store.conversations_needing_reminder(older_than, exclude_steps=IDLE_STEPS)
    intake = _intake_steps()
    queued = 0
    for conv in convs:
        if conv.channel != TELEGRAM_CHANNEL:
            continue
        if intake is not None and conv.step not in intake:
            continue
        if conv.data.get("reminder_opt_out"):
            continue
        stamp = _aware(conv.updated_at).isoformat() if conv.updated_at else "none"
        async with store.unit() as uow:
            row = await uow.enqueue(
                "reminder",
                TELEGRAM_CHANNEL,
                conv.chat_id,
                T.REMINDER,
                [[{"label": T.REMINDER_RESUME, "data": RESUME_DATA}, {"label": T.REMINDER_DROP, "data": DROP_DATA}]],
                None,
                dedup_key=f"reminder:{conv.channel}:{conv.chat_id}:{stamp}",
                meta={"step": conv.step},
            )
            await uow.mark_reminder_sent(conv.channel, conv.chat_id, now)
            await uow.log_event(None, "system", "reminder_queued", {"chat_id": conv.chat_id, "step": conv.step})
        if row is not None:
            queued += 1
    if queued:
        log.info("%d reminder(s) queued", queued)
    return queued


def past_commitment(r: Any, now: datetime, response_days: int) -> bool:
    """A request still "nouvelle" after ``response_days`` working days: the first contact promised is late (issue 10)."""
    created = getattr(r, "created_at", None)
    return r.status == "nouvelle" and created is not None and working_days_between(_aware(created), now) > response_days


def digest_text(requests: list[Any], days: int, tz: ZoneInfo, now: datetime | None = None,
                response_days: int | None = None) -> str:
    lines = [T.digest_header(len(requests), days)]
    for r in requests:
        since = _aware(r.updated_at).astimezone(tz).strftime("%d/%m/%Y")
        line = T.DIGEST_LINE.format(reference=r.reference, commune=r.commune_name or r.commune_code or "?",
                                    status=Names.status(r.status), since=since)
        if now is not None and response_days is not None and past_commitment(r, _aware(now), response_days):
            line += T.DIGEST_LATE.format(days=response_days)
        lines.append(line)
    return "\n".join(lines)


async def send_digest(store: Any, settings: Any, now: datetime | None = None) -> bool:
    """Queue today's digest of requests waiting longer than ``digest_waiting_days``, once a day (dedup on the date),
    when the local time is within the digest window. Returns True when a digest was queued now."""
    now = _aware(now or utcnow())
    tz = ZoneInfo(settings.timezone)
    local = now.astimezone(tz)
    if not (settings.digest_hour <= local.hour < settings.digest_hour + DIGEST_WINDOW_HOURS):
        return False
    waiting = await store.requests_waiting(timedelta(days=settings.digest_waiting_days), now)
    if not waiting:
        return False
    text = digest_text(waiting, settings.digest_waiting_days, tz, now, getattr(settings, "response_days", None))
    async with store.unit() as uow:
        row = await uow.enqueue(
            "staff_digest",
            STAFF_CHANNEL,
            STAFF_CHAT,
            text,
            None,
            None,
            dedup_key=f"digest:{local.date().isoformat()}",
            meta={"count": len(waiting)},
        )
    return row is not None


class Jobs:
    """Runs the jobs every ``interval`` seconds until stopped."""

    def __init__(self, store: Any, settings: Any, *, interval: float = 60.0, on_queued: Any = None) -> None:
        self.store = store
        self.settings = settings
        self.interval = interval
        self.on_queued = on_queued
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def run_once(self, now: datetime | None = None) -> tuple[int, bool]:
        """One pass, in one worker at a time (``store.exclusive``): with several workers, a pass another worker is
        running is skipped, not repeated."""
        exclusive = getattr(self.store, "exclusive", None)
        if exclusive is None:
            return await self._pass(now)
        async with exclusive("jobs") as mine:
            if not mine:
                return 0, False
            return await self._pass(now)

    async def _pass(self, now: datetime | None) -> tuple[int, bool]:
        reminders = await send_reminders(self.store, self.settings, now)
        digest = await send_digest(self.store, self.settings, now)
        if (reminders or digest) and self.on_queued is not None:
            self.on_queued()
        return reminders, digest

    async def run(self) -> None:
        while not self._stop.is_set():
            try:
                await self.run_once()
            except Exception as exc:  # noqa: BLE001 - database down: next time
                log.warning("jobs pass failed: %s", type(exc).__name__)
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=self.interval)
            except asyncio.TimeoutError:
                pass
