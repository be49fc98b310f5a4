"""issue 14: the engine queues its replies in the outbox for durable channels (same unit as the update mark), in
order behind the chat's earlier messages; other channels get their replies only."""

from __future__ import annotations

import itertools

import sqlalchemy as sa

from bot.dialogue.delivery import KIND_CONFIRMATION, KIND_REPLY, QueuedReplies, matters
from bot.dialogue.events import Event

_keys = itertools.count(1)


def ev(channel: str, user: str, kind: str = "command", **kw) -> Event:
    if kind == "command":
        kw.setdefault("command", "start")
    return Event(channel=channel, user_id=user, chat_id=user, kind=kind, update_key=f"dl:{next(_keys)}", **kw)


async def _outbox(store, chat: str) -> list:
    async with store.unit(readonly=True) as uow:
        return (await uow.conn.execute(sa.text(
            "SELECT kind, status, leased_by, text FROM outbox WHERE chat_id = :c ORDER BY id"), {"c": chat})).all()


async def test_replies_queued_in_the_same_unit_claimed_then_behind_earlier_rows(engine, store) -> None:
    replies = await engine.handle(ev("telegram", "501"))
    assert isinstance(replies, QueuedReplies) and replies.claimed and len(replies.outbox) == len(replies) >= 2
    rows = await _outbox(store, "501")
    assert [r.text for r in rows] == [r.text for r in replies]
    # Written leased by this process, which sends them right away; marked sent only once Telegram acknowledged
    # them (a reply is delivered at least once, issue 24): until then they are pending.
    assert {(r.kind, r.status, r.leased_by) for r in rows} == {(KIND_REPLY, "pending", store.worker_id)}
    await store.mark_sent_many([(r.id, 100 + i) for i, r in enumerate(replies.outbox)])  # what the channel does
    assert {r.status for r in await _outbox(store, "501")} == {"sent"}
    # A message still waiting for this chat (a status change being retried): the next replies queue behind it.
    async with store.unit() as uow:
        await uow.enqueue("status_notice", "telegram", "501", "90-2026-0001 : en cours", dedup_key="n1")
    again = await engine.handle(ev("telegram", "501", command="aide"))
    assert isinstance(again, QueuedReplies) and not again.claimed
    waiting = [r for r in await _outbox(store, "501") if r.status == "pending"]
    assert [r.kind for r in waiting] == ["status_notice"] + [KIND_REPLY] * len(again)
    assert all(r.leased_by is None for r in waiting)
    # The same update again: nothing queued twice.
    n = len(await _outbox(store, "501"))
    assert await engine.handle(Event(channel="telegram", user_id="501", chat_id="501", kind="command",
                                     command="aide", update_key="dl:dup"))
    assert await engine.handle(Event(channel="telegram", user_id="501", chat_id="501", kind="command",
                                     command="aide", update_key="dl:dup")) == []
    assert len(await _outbox(store, "501")) > n


async def test_console_replies_are_not_queued(engine, store) -> None:
    replies = await engine.handle(ev("console", "502"))
    assert replies and not isinstance(replies, QueuedReplies)
    assert await _outbox(store, "502") == []


def test_the_delivery_rule_is_a_property_of_the_kind() -> None:
    """issue 24: one table; every message a person needs to go on is at least once, at most once only for a pure
    acknowledgement; a kind nobody listed is at least once; every worker reads the same rule."""
    from bot.channels.outbox import OutboxWorker
    from bot.channels.telegram.outbox import OutboxSender
    from bot.channels.smtp import EmailSender
    from bot.dialogue.delivery import AT_LEAST_ONCE, AT_MOST_ONCE_KINDS, DELIVERY_RULES, at_least_once

    for kind in (KIND_REPLY, KIND_CONFIRMATION, "status_notice", "staff_question", "relay_to_mayor", "reminder",
                 "staff_new_request", "staff_request_appended", "agent_request", "mayor_answer", "relay_to_staff",
                 "staff_update", "email_code", "email_notice", "some_future_kind"):
        assert at_least_once(kind), kind
    assert AT_MOST_ONCE_KINDS == {"staff_digest"} and not at_least_once("staff_digest")
    assert all(rule == AT_LEAST_ONCE or kind in AT_MOST_ONCE_KINDS for kind, (rule, _) in DELIVERY_RULES.items())

    class Row:
        def __init__(self, kind: str, channel: str) -> None:
            self.kind, self.channel = kind, channel

    for worker in (OutboxWorker, OutboxSender, EmailSender):
        for kind, channel in ((KIND_REPLY, "telegram"), ("staff_new_request", "staff"), ("email_notice", "email"),
                              ("staff_digest", "staff")):
            assert worker.at_least_once(object.__new__(worker), Row(kind, channel)) == at_least_once(kind)


def test_a_reply_matters_when_it_carries_a_reference() -> None:
    assert matters("✅ Demande envoyée, référence 90-2026-0042.") and matters("2A-2026-0001")
    assert not matters("Le 30-11-2026 à 14 h") and not matters("Votre téléphone ? (ex. : 06 12 34 56 78)")
    assert KIND_CONFIRMATION != KIND_REPLY
