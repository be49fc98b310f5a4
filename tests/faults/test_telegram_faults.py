"""Telegram answering 429 (retry_after), 5xx, or delivering then timing out, on the staff notification of a new
request, the mayor's status messages and the edit of the staff message: none is lost. Policy (docs/security.md §3):
retried until delivered; an ambiguous timeout after sending is recorded as an ``outbox_uncertain`` event and is
counted as delivered for the staff group's messages (at most one copy: a second would carry a second set of
buttons), sent again for a message to the mayor that matters (a status change: at least once, the mayor may see it
twice)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.e2e.conftest import STAFF_CHAT, STAFF_USERS, Person, file_request


class ChatFaults:
    """Faults for the calls to one chat only (the fake's own ``fail_next`` is per method, for every chat), through the
    fake's ``fault_hook``: ``429``, ``500``, ``502``, ``late`` (delivered, the answer held past the sender's 1 s read
    timeout), ``lost`` (the connection dies before the request arrives: not delivered, no answer), ``hang`` (not
    delivered, no answer until the client gives up)."""

    def __init__(self, fake) -> None:
        from tests.fakebotapi.server import Fault

        self.fake = fake
        self.plan: dict[int, list[str]] = {}
        self.hits: list[tuple[str, int, str]] = []
        self._fault = Fault
        fake.fault_hook = self._hook

    def add(self, chat_id: int, *kinds: str) -> None:
        self.plan.setdefault(chat_id, []).extend(kinds)

    def _hook(self, method: str, params: dict):
        chat = params.get("chat_id")
        queue = self.plan.get(chat) if method.lower() in ("sendmessage", "editmessagetext") else None
        if not queue:
            return None
        kind = queue.pop(0)
        self.hits.append((method, chat, kind))
        if kind == "late":
            return self._fault("timeout", delay=3)
        if kind == "hang":
            return self._fault("hang", delay=3)
        return self._fault(kind)


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
    # At least once (issue 24): the card whose answer was lost is sent again; both copies carry the same buttons.
    assert len(group) == 2 and group[0].buttons == group[1].buttons, [(m.text[:80], m.buttons[:1]) for m in group]
    assert [k for _, c, k in faults.hits if c == STAFF_CHAT] == ["429", "502", "late"]
    async with bot.store.unit(readonly=True) as uow:
        rows = (await uow.conn.exec_driver_sql(
            "SELECT status, count(*) FROM outbox WHERE channel = 'staff' GROUP BY status")).all()
        uncertain = (await uow.conn.exec_driver_sql(
            "SELECT count(*) FROM event WHERE kind = 'outbox_uncertain'")).scalar_one()
    assert dict(rows) == {"sent": 1} and uncertain == 1
    await _drain(bot)
    assert len([m for m in fake.messages_to(STAFF_CHAT) if ref in (m.text or "")]) == 2
    # The first copy's id is unknown (its answer was lost): its buttons still act on the request, once; the same
    # button on the second copy does nothing more (the request's state carries the action, not the message).
    staff = Person(bot, STAFF_USERS[0], chat_id=STAFF_CHAT, name="Agent Dupont")
    seen = mayor.seen()
    await staff.press_data(group[0].message_id, group[0].button_data("Prendre en charge"))
    await _drain(bot)
    assert (await bot.store.get_request(ref)).status == "en_cours"
    await staff.press_data(group[1].message_id, "st:take:" + ref)
    await _drain(bot)
    assert len([m for m in fake.messages_to(mayor.chat_id)[seen:] if ref in (m.text or "")]) == 1
    async with bot.store.unit(readonly=True) as uow:
        taken = (await uow.conn.exec_driver_sql(
            "SELECT count(*) FROM event WHERE kind = 'status' AND reference = '%s'" % ref)).scalar_one()
    assert taken == 1, taken  # taken (en cours): once


async def test_staff_card_and_mayor_reply_lost_before_telegram_got_them_are_sent_again(bot) -> None:
    """The two hangs where Telegram did not get the message (the connection died before the request arrived; no
    answer until the client gave up): the card and the mayor's next question are sent again, once each."""
    fake = bot.fake
    faults = ChatFaults(fake)
    bot.channel.outbox.read_timeout = 1.0
    mayor = Person(bot, 823, name="Claire")
    faults.add(STAFF_CHAT, "lost", "hang")
    ref = await file_request(mayor, commune="Belfort")
    await fake.wait_for(lambda: not faults.plan[STAFF_CHAT], timeout=30, what="the two faults used")
    await _drain(bot)
    group = [m for m in fake.messages_to(STAFF_CHAT) if ref in (m.text or "")]
    assert len(group) == 1 and group[0].buttons
    seen = mayor.seen()
    faults.add(mayor.chat_id, "lost", "hang")
    await mayor.say("/aide")
    await fake.wait_for(lambda: not faults.plan[mayor.chat_id], timeout=30, what="the two faults used")
    await _drain(bot)
    after = fake.messages_to(mayor.chat_id)[seen:]
    assert after, "the reply was never delivered"
    assert len({m.text for m in after}) == len(after), [m.text[:40] for m in after]  # none twice
    async with bot.store.unit(readonly=True) as uow:
        rows = (await uow.conn.exec_driver_sql("SELECT status, count(*) FROM outbox GROUP BY status")).all()
        uncertain = (await uow.conn.exec_driver_sql(
            "SELECT count(*) FROM event WHERE kind = 'outbox_uncertain'")).scalar_one()
    assert set(dict(rows)) == {"sent"} and uncertain == 4


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


async def test_staff_prompt_sent_directly_survives_a_lost_send_and_a_5xx(bot) -> None:
    """« Demander des précisions » answers with a ForceReply prompt sent by the handler itself (not the outbox): it
    too is delivered at least once (bot/channels/telegram/direct.py)."""
    fake = bot.fake
    mayor = Person(bot, 824, name="Claire")
    ref = await file_request(mayor, commune="Belfort")
    card = await fake.wait_for_message(STAFF_CHAT, ref, where=lambda m: bool(m.buttons))
    await _drain(bot)
    faults = ChatFaults(fake)
    faults.add(STAFF_CHAT, "lost", "502")
    staff = Person(bot, STAFF_USERS[0], chat_id=STAFF_CHAT, name="Agent Dupont")
    await staff.press_data(card.message_id, fake.message(STAFF_CHAT, card.message_id).button_data("précisions"))
    assert [k for _, c, k in faults.hits if c == STAFF_CHAT] == ["lost", "502"]
    prompts = [m for m in fake.messages_to(STAFF_CHAT) if (m.reply_markup or {}).get("force_reply")]
    assert len(prompts) == 1 and ref in prompts[0].text
    seen = mayor.seen()
    await staff.say("Quel est le nombre de médecins intéressés ?", reply_to=prompts[0].message_id)
    await fake.wait_for_message(mayor.chat_id, "nombre de médecins", after=seen, timeout=30)


async def test_a_question_delivered_twice_is_answered_once(bot) -> None:
    """A question whose answer was lost after Telegram got it is sent again: the mayor sees it twice. Pressing the
    same button on both copies acts once (the data names the choice, checked against the state: the second press
    only shows the current question again, never « ce bouton n'est plus valable »)."""
    from tests.fakebotapi.server import Fault
    from tests.faults.intake import Profile, next_move

    fake = bot.fake
    bot.channel.outbox.read_timeout = 1.0
    faulted: list[str] = []

    def hook(method: str, params: dict):
        text = params.get("text") or ""
        if method.lower() == "sendmessage" and "fonction" in text.lower() and not faulted:
            faulted.append(text)
            return Fault("timeout", delay=3)  # delivered, the answer held past the read timeout
        return None

    fake.fault_hook = hook
    mayor = Person(bot, 825, name="Claire")
    await mayor.say("/demande")
    profile = Profile(commune="Giromagny")
    for _ in range(12):
        await _drain(bot)
        copies = [m for m in fake.messages_to(mayor.chat_id) if faulted and m.text == faulted[0]]
        if len(copies) >= 2:
            break
        last = fake.messages_to(mayor.chat_id)[-1]
        move = next_move(last.text or "", [lbl for lbl, _ in last.buttons], profile)
        assert move is not None and move.kind in ("say", "press"), last.text
        if move.kind == "say":
            await mayor.say(move.value)
        else:
            await mayor.press_data(last.message_id, last.button_data(move.value))
    assert len(copies) == 2 and copies[0].buttons == copies[1].buttons
    data = copies[0].button_data("Maire")
    await mayor.press_data(copies[0].message_id, data)
    await _drain(bot)
    after_first = fake.messages_to(mayor.chat_id)
    step = await _step(bot, mayor.chat_id)
    await mayor.press_data(copies[1].message_id, data)
    await _drain(bot)
    again = fake.messages_to(mayor.chat_id)[len(after_first):]
    assert await _step(bot, mayor.chat_id) == step
    assert not any("plus valable" in (m.text or "") for m in again), [m.text for m in again]
    async with bot.store.unit(readonly=True) as uow:
        refused = (await uow.conn.exec_driver_sql(
            "SELECT count(*) FROM event WHERE kind = 'button_refused'")).scalar_one()
    assert refused == 0


async def _step(bot, chat_id: int) -> str:
    async with bot.store.unit(readonly=True) as uow:
        conv = await uow.get_conversation("telegram", str(chat_id))
    return f"{conv.step}:{sorted((conv.data.get('draft') or {}).items())}"
