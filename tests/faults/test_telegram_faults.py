"""Telegram answering 429 (retry_after), 5xx, or delivering then timing out, on the staff notification of a new
request, the mayor's status messages and the edit of the staff message: none is lost. Policy (docs/security.md §3):
retried until delivered; an ambiguous timeout after sending is recorded as an ``outbox_uncertain`` event and is
counted as delivered for the staff group's messages (at most one copy: a second would carry a second set of
buttons), sent again for a message to the mayor that matters (a status change: at least once, the mayor may see it
twice)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from tests.e2e.conftest import STAFF_CHAT, STAFF_USERS, Person, file_request


class ChatFaults:
    """Faults for the calls to one chat only (the fake's own ``fail_next`` is per method, for every chat)."""

    def __init__(self, fake) -> None:
        self.fake = fake
        self._orig = fake.handle
        self.plan: dict[int, list[str]] = {}
        self.hits: list[tuple[str, int, str]] = []
        self._never = threading.Event()
        fake.handle = self._handle

    def add(self, chat_id: int, *kinds: str) -> None:
        self.plan.setdefault(chat_id, []).extend(kinds)

    def _handle(self, method: str, params: dict):
        chat = params.get("chat_id")
        queue = self.plan.get(chat) if method.lower() in ("sendmessage", "editmessagetext") else None
        if queue:
            kind = queue.pop(0)
            self.hits.append((method, chat, kind))
            if kind == "429":
                return 429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                             "parameters": {"retry_after": 1}}
            if kind in ("500", "502"):
                return int(kind), {"ok": False, "error_code": int(kind), "description": "Bad Gateway"}
            if kind == "late":  # delivered, but the answer comes after the client gave up
                result = self._orig(method, params)
                self._never.wait(3)  # holds the HTTP answer past the sender's 1 s read timeout
                return result
        return self._orig(method, params)


async def _drain(bot) -> None:
    """Run the sender's due rows now, as if the backoff delays had passed (the clock is not what we test). First let
    the pass in flight finish: a row being sent is leased, and "10 minutes later" is past its lease."""
    await bot.settle()
    for _ in range(4):
        await bot.channel.outbox.deliver_due(datetime.now(timezone.utc) + timedelta(minutes=10))
    await bot.settle()


async def test_staff_notification_survives_429_5xx_and_a_late_answer(bot) -> None:
    fake = bot.fake
    faults = ChatFaults(fake)
    bot.channel.outbox.read_timeout = 1.0
    mayor = Person(bot, 821, name="Claire")
    # The new request's staff notification: 429, then 502, then delivered without an answer.
    faults.add(STAFF_CHAT, "429", "502", "late")
    ref = await file_request(mayor, commune="Belfort")
    await fake.wait_for(lambda: not faults.plan[STAFF_CHAT], timeout=30, what="the three faults used")
    await _drain(bot)
    group = [m for m in fake.messages_to(STAFF_CHAT) if ref in (m.text or "")]
    assert len(group) == 1 and group[0].buttons, [(m.text[:80], m.buttons[:1]) for m in group]
    assert [k for _, c, k in faults.hits if c == STAFF_CHAT] == ["429", "502", "late"]
    async with bot.store.unit(readonly=True) as uow:
        rows = (await uow.conn.exec_driver_sql(
            "SELECT status, count(*) FROM outbox WHERE channel = 'staff' GROUP BY status")).all()
        uncertain = (await uow.conn.exec_driver_sql(
            "SELECT count(*) FROM event WHERE kind = 'outbox_uncertain'")).scalar_one()
    assert dict(rows) == {"sent": 1} and uncertain == 1
    await _drain(bot)
    assert len([m for m in fake.messages_to(STAFF_CHAT) if ref in (m.text or "")]) == 1
    # Its message id is unknown (the answer was lost): the staff buttons on it still act on the request.
    staff = Person(bot, STAFF_USERS[0], chat_id=STAFF_CHAT, name="Agent Dupont")
    seen = mayor.seen()
    await staff.press_data(group[0].message_id, group[0].button_data("Prendre en charge"))
    await _drain(bot)
    assert (await bot.store.get_request(ref)).status == "en_cours"
    assert len([m for m in fake.messages_to(mayor.chat_id)[seen:] if ref in (m.text or "")]) == 1


async def test_status_messages_and_staff_edits_survive_telegram_faults(bot) -> None:
    fake = bot.fake
    faults = ChatFaults(fake)
    bot.channel.outbox.read_timeout = 1.0
    mayor = Person(bot, 822, name="Claire")
    staff = Person(bot, STAFF_USERS[0], chat_id=STAFF_CHAT, name="Agent Dupont")
    ref = await file_request(mayor, commune="Belfort")
    msg = await fake.wait_for_message(STAFF_CHAT, ref, where=lambda m: bool(m.buttons))
    await _drain(bot)
    for label, fault in (("Prendre en charge", "429"), ("Orienter", None), ("Ademe", "502"), ("Clore", None),
                         ("Traitée", "late")):
        if fault:
            faults.add(mayor.chat_id, fault)
            faults.add(STAFF_CHAT, "429" if fault != "502" else "502")  # the edit of the group message too
        seen = mayor.seen()
        current = fake.message(STAFF_CHAT, msg.message_id)
        await staff.press_data(msg.message_id, current.button_data(label))
        if fault:
            await fake.wait_for(lambda: not faults.plan[mayor.chat_id] and not faults.plan[STAFF_CHAT],
                                timeout=30, what="the faults used")
        await _drain(bot)
        told = [m for m in fake.messages_to(mayor.chat_id)[seen:] if ref in (m.text or "")]
        # "late": delivered, the answer lost: a status change matters, so it is sent again (at least once)
        assert len(told) == {None: 0, "late": 2}.get(fault, 1), (label, [m.text for m in told])
    assert (await bot.store.get_request(ref)).status == "traitee"
    final = fake.message(STAFF_CHAT, msg.message_id)
    assert "Agent Dupont" in final.text and not final.buttons
    assert len([m for m in fake.messages_to(STAFF_CHAT) if ref in (m.text or "")]) == 1
    # Nothing left to send, nothing failed; the ambiguous delivery is on record.
    async with bot.store.unit(readonly=True) as uow:
        rows = (await uow.conn.exec_driver_sql("SELECT status, count(*) FROM outbox GROUP BY status")).all()
        uncertain = (await uow.conn.exec_driver_sql(
            "SELECT count(*) FROM event WHERE kind = 'outbox_uncertain'")).scalar_one()
    assert set(dict(rows)) == {"sent"}, rows
    assert uncertain == 1
    # Later passes change nothing
    notified = len([m for m in fake.messages_to(mayor.chat_id) if ref in (m.text or "")])
    await _drain(bot)
    # the reference, then 3 status messages, the last one twice (at least once after the lost answer)
    assert len([m for m in fake.messages_to(mayor.chat_id) if ref in (m.text or "")]) == notified == 5
