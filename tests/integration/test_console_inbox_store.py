"""The console inbox's store (issue 26): a person's message before filing is personal data (listed, erased, purged);
unread markers; the search text holds the person and the conversation, and loses them on anonymisation."""

from __future__ import annotations

from datetime import timedelta

from bot.store import inbox as store_inbox
from bot.store.models import RequestDraft
from bot.store.retention import erase_personal_data, personal_data, purge
from bot.store.tables import utcnow


async def test_waiting_messages_are_personal_data(store) -> None:
    async with store.unit() as uow:
        await store_inbox.add_waiting(uow, channel="telegram", chat_id="42", user_id="42", kind="agent_request",
                                      text="Rappelez-moi au 06 12 34 56 78", name="Léon Blum")
        await store_inbox.add_waiting(uow, channel="telegram", chat_id="43", user_id="43", kind="agent_request",
                                      text="Bonjour")
    data = await personal_data(store, "telegram", "42")
    assert [m["text"] for m in data["messages_to_staff"]] == ["Rappelez-moi au 06 12 34 56 78"]
    await erase_personal_data(store, "telegram", "42")
    async with store.unit() as uow:
        left = await store_inbox.waiting_chats(uow)
    assert [m.chat_id for m in left] == ["43"]
    # settled and idle past the retention of unfinished conversations: purged
    async with store.unit() as uow:
        await store_inbox.settle_waiting(uow, "telegram", "43", "Agent")
    report = await purge(store, now=utcnow() + timedelta(days=40), unfinished_days=30)
    assert report.waiting_messages_deleted == 1
    async with store.unit() as uow:
        assert await store_inbox.count_waiting(uow) == 0


async def test_unread_markers_and_search_text(store) -> None:
    async with store.unit() as uow:
        rec = await uow.create_request(RequestDraft(channel="telegram", user_id="7", chat_id="7", commune_name="Delle",
                                                    description="Voie verte", contact_name="Irène Joliot",
                                                    email="irene@delle.fr", phone="+33 6 01 02 03 04"))
        agent, _ = await uow.save_agent("a@x.gouv.fr", "Agent", "prefecture")
        assert await store_inbox.unread_of(uow, agent.id, [rec.reference]) == set()
        await uow.append_to_request(rec.reference, "Le pont est fragile", "telegram:7")
        assert await store_inbox.unread_of(uow, agent.id, [rec.reference]) == {rec.reference}
        await store_inbox.mark_seen(uow, agent.id, rec.reference)
        assert await store_inbox.unread_of(uow, agent.id, [rec.reference]) == set()
        await store_inbox.mark_unseen(uow, agent.id, rec.reference)
        assert await store_inbox.unread_of(uow, agent.id, [rec.reference]) == {rec.reference}
        text = (await uow.conn.execute(
            __import__("sqlalchemy").text("SELECT search_text FROM request WHERE reference = :r"),
            {"r": rec.reference})).scalar_one()
    assert "irene joliot" in text and "irene@delle.fr" in text and "0601020304" in text and "pont est fragile" in text
    async with store.unit() as uow:
        await uow.set_status(rec.reference, "traitee", "test")
    await purge(store, now=utcnow() + timedelta(days=800), closed_months=24)
    async with store.unit() as uow:
        text = (await uow.conn.execute(
            __import__("sqlalchemy").text("SELECT search_text FROM request WHERE reference = :r"),
            {"r": rec.reference})).scalar_one()
    assert "joliot" not in text and "irene@" not in text and "0601020304" not in text and "voie verte" in text
