"""Exactly one effect: the same update delivered twice (also concurrently), a double tap on every button of the
intake and of the staff message, two copies of a staff action arriving at once."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.dialogue.events import Event
from tests.e2e.conftest import STAFF_CHAT, STAFF_USERS, Person
from tests.faults.procbot import INTAKE

SCRIPT = [("command", {"command": "demande"}), ("text", {"text": "Lepuix"}), ("button", {"data": "y"}),
          ("button", {"data": "r:maire"}),
          ("text", {"text": "Créer une chaufferie bois pour chauffer l'école, la mairie et la salle communale"}),
          ("button", {"data": "y"}), ("button", {"data": "s:idee"}), ("button", {"data": "h:financement"}),
          ("button", {"data": "ok"}), ("button", {"data": "skip"}), ("button", {"data": "tskip"}),
          ("text", {"text": "Paul Durand"}), ("text", {"text": "0384000000"}), ("button", {"data": "skip"}),
          ("button", {"data": "ok"}), ("button", {"data": "send"}), ("button", {"data": "consent"})]
_keys = itertools.count(1)


@pytest.fixture(scope="module")
def kb():
    from knowledge.base import KnowledgeBase

    return KnowledgeBase.load("90")


async def test_two_copies_of_every_update_at_once_one_effect(kb, store) -> None:
    """Each update of a whole intake arrives twice at the same time (same update id): one is handled, the other
    does nothing; one request, one staff notification."""
    from bot.config import load_settings
    from bot.dialogue.engine import Engine

    engine = Engine(kb=kb, store=store, settings=load_settings(flood_max_messages=1000, staff_chat_id=-1001))
    user = "twice"
    steps = []
    for kind, kw in SCRIPT:
        key = f"dup:{next(_keys)}"
        a, b = (Event(channel="telegram", user_id=user, chat_id=user, kind=kind, update_key=key, **kw)
                for _ in range(2))
        ra, rb = await asyncio.gather(engine.handle(a), engine.handle(b))
        assert (ra == []) != (rb == []), (kind, kw, ra, rb)  # exactly one of them answered
        assert all("rien n'a été enregistré" not in r.text
                   for r in ra + rb)
        async with store.unit(readonly=True) as uow:
            steps.append((await uow.get_conversation("telegram", user)).step)
    assert steps[-2:] == ["consent", "menu"]
    async with store.unit(readonly=True) as uow:
        records = await uow.list_requests(channel="telegram", user_id=user)
        staff = [m for m in await uow.due_outbox(limit=1000) if m.kind == "staff_new_request"]
        handled = (await uow.conn.exec_driver_sql("SELECT count(*) FROM handled_update")).scalar_one()
    assert len(records) == 1 and len(staff) == 1
    assert handled == len(SCRIPT)


async def _press_twice(bot, person: Person, label: str) -> tuple[dict, dict]:
    """Two callback queries for the same button, both queued before the first is handled (a double tap)."""
    m = person.last_with_button(label)
    data = m.button_data(label)
    u1 = bot.fake.push_callback(person.user, person.chat_id, m.message_id, data)
    u2 = bot.fake.push_callback(person.user, person.chat_id, m.message_id, data)
    await bot.channel.wait_handled(u1["update_id"], 30)
    await bot.channel.wait_handled(u2["update_id"], 30)
    return u1, u2


async def _step(bot, chat_id: int) -> str:
    async with bot.store.unit(readonly=True) as uow:
        return (await uow.get_conversation("telegram", str(chat_id))).step


async def test_double_tap_on_every_button_one_effect(bot) -> None:
    """Every button of the intake tapped twice: the second tap is refused as stale (and recorded), the intake moves
    one step only; the send button files one request and posts one staff message. Then every staff button tapped
    twice: one status change, one message to the mayor each time."""
    fake = bot.fake
    mayor = Person(bot, 811, name="Claire")
    doubled = 0
    for action, step_after in INTAKE:
        if action.kind == "press" and action.value != "Ingénierie":  # a toggle: a second tap un-ticks (by design)
            seen = mayor.seen()
            await _press_twice(bot, mayor, action.value)
            doubled += 1
            new = fake.messages_to(mayor.chat_id)[seen:]
            assert any("n'est plus valable" in (m.text or "") for m in new), (action.value, [m.text for m in new])
        elif action.kind == "press":
            await mayor.press(action.value)
        elif action.kind == "contact":
            await mayor.share_contact(action.value)
        else:
            await mayor.say(action.value)
        assert await _step(bot, mayor.chat_id) == step_after, action.value
    assert doubled == 10
    async with bot.store.unit(readonly=True) as uow:
        records = await uow.list_requests(channel="telegram", user_id=str(mayor.chat_id))
        refused = (await uow.conn.exec_driver_sql(
            "SELECT count(*) FROM event WHERE kind = 'button_refused' AND actor = 'telegram:811'")).scalar_one()
    assert len(records) == 1 and refused == doubled
    ref = records[0].reference
    group_msg = await fake.wait_for_message(STAFF_CHAT, ref, where=lambda m: bool(m.buttons))
    await bot.settle()
    assert len([m for m in fake.messages_to(STAFF_CHAT) if ref in (m.text or "")]) == 1

    staff = Person(bot, STAFF_USERS[0], chat_id=STAFF_CHAT, name="Agent Dupont")
    expected = [("Prendre en charge", "en_cours"), ("Orienter", "en_cours"), ("Ademe", "orientee"),
                ("Clore", "orientee"), ("Traitée", "traitee")]
    for label, status in expected:
        current = fake.message(STAFF_CHAT, group_msg.message_id)
        seen_mayor = mayor.seen()
        data = current.button_data(label)
        u1 = fake.push_callback(staff.user, STAFF_CHAT, group_msg.message_id, data)
        u2 = fake.push_callback(staff.user, STAFF_CHAT, group_msg.message_id, data)
        await bot.channel.wait_handled(u1["update_id"], 30)
        await bot.channel.wait_handled(u2["update_id"], 30)
        await bot.settle()
        await bot.settle()
        assert (await bot.store.get_request(ref)).status == status, label
        told = [m for m in fake.messages_to(mayor.chat_id)[seen_mayor:] if ref in (m.text or "")]
        assert len(told) == (1 if label in ("Prendre en charge", "Ademe", "Traitée") else 0), (label, told)
    history = await bot.store.history(ref)
    changes = [e.data.get("to") or e.data.get("status") for e in history if e.kind == "status"]
    assert len(changes) == 3, changes
    assert len([m for m in fake.messages_to(STAFF_CHAT) if ref in (m.text or "") and not m.deleted]) == 1
