"""The repository on SQLite and PostgreSQL: migrations, transactions, idempotence, references, statuses, outbox."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from bot.store import db
from bot.store.models import ConversationState, RequestDraft
from bot.store.repository import (
    ConcurrentUpdate,
    IllegalTransition,
    RequestNotFound,
    Store,
    StoreUnavailable,
)


def draft(**kw: object) -> RequestDraft:
    base: dict[str, object] = dict(
        channel="telegram",
        user_id="1001",
        chat_id="1001",
        commune_code="90010",
        commune_name="Belfort",
        epci_code="200069052",
        role="maire",
        contact_name="Jeanne Martin",
        phone="+33612345678",
        email="jeanne.martin@example.org",
        description="Rénover l'école et son chauffage",
        themes=["energie-batiments", "education-jeunesse"],
        stage="etude",
        help_kinds=["financement"],
        matches=["fonds-vert", "dsil", "detr"],
    )
    base.update(kw)
    return RequestDraft(**base)  # type: ignore[arg-type]


async def table_names(store: Store) -> set[str]:
    async with store.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: sa.inspect(c).get_table_names()))


async def count(store: Store, table: str) -> int:
    async with store.unit(readonly=True) as uow:
        return int((await uow.conn.execute(sa.text(f"SELECT count(*) FROM {table}"))).scalar_one())


# --- URLs and migrations ---------------------------------------------------------------------------------------------
def test_url_mapping() -> None:
    assert db.to_async_url("sqlite:///x/guichet.db").drivername == "sqlite+aiosqlite"
    assert db.to_async_url("sqlite+aiosqlite:///x.db").drivername == "sqlite+aiosqlite"
    assert db.to_async_url("postgresql://u@h/d").drivername == "postgresql+asyncpg"
    assert db.to_async_url("postgresql+psycopg://u@h/d").drivername == "postgresql+asyncpg"
    assert db.to_async_url("postgresql+asyncpg://u@h/d").drivername == "postgresql+asyncpg"
    with pytest.raises(db.DatabaseUrlError):
        db.to_async_url("mysql://u@h/d")
    with pytest.raises(db.DatabaseUrlError):
        db.to_async_url("not a url")
    assert "secret" not in db.redact("postgresql://u:secret@h/d")


async def test_migrations_from_empty(database_url: str) -> None:
    store = await Store.open(database_url, departement="90", timezone_name="Europe/Paris")
    try:
        names = await table_names(store)
        assert {"request", "conversation", "event", "handled_update", "outbox", "counter", "inbox", "alembic_version"} <= names
        assert await db.current_revision(store.engine) == db.HEAD_REVISION
    finally:
        await store.close()
    # Opening again is a no-op upgrade.
    store = await Store.open(database_url, departement="90", timezone_name="Europe/Paris")
    await store.close()


def test_head_revision_constant_is_alembic_head() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(db.alembic_config())
    assert script.get_heads() == [db.HEAD_REVISION]


async def test_start_on_an_up_to_date_database_skips_alembic(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = await Store.open(database_url, departement="90", timezone_name="Europe/Paris")
    await store.close()

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("alembic should not run on an up-to-date database")

    monkeypatch.setattr(db, "_upgrade_sync", fail)
    store = await Store.open(database_url, departement="90", timezone_name="Europe/Paris")
    await store.close()


async def test_concurrent_opens_migrate_once(database_url: str) -> None:
    stores = await asyncio.gather(
        *(Store.open(database_url, departement="90", timezone_name="Europe/Paris") for _ in range(3))
    )
    try:
        assert await db.current_revision(stores[0].engine) == db.HEAD_REVISION
    finally:
        for s in stores:
            await s.close()


async def test_sqlite_pragmas(sqlite_url: str) -> None:
    store = await Store.open(sqlite_url, departement="90", timezone_name="Europe/Paris")
    try:
        async with store.unit(readonly=True) as uow:
            mode = (await uow.conn.exec_driver_sql("PRAGMA journal_mode")).scalar_one()
            busy = (await uow.conn.exec_driver_sql("PRAGMA busy_timeout")).scalar_one()
            fks = (await uow.conn.exec_driver_sql("PRAGMA foreign_keys")).scalar_one()
        assert (mode, busy, fks) == ("wal", 5000, 1)
    finally:
        await store.close()


async def test_unreachable_database_is_store_unavailable() -> None:
    with pytest.raises(StoreUnavailable):
        await Store.open(
            "postgresql://nobody@127.0.0.1:9/none", departement="90", timezone_name="Europe/Paris", pool_timeout=2
        )


# --- units -----------------------------------------------------------------------------------------------------------
async def test_unit_commits_on_exit(store: Store) -> None:
    async with store.unit() as uow:
        rec = await uow.create_request(draft())
    assert (await store.get_request(rec.reference)) is not None


async def test_unit_rolls_back_on_exception(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.unit() as uow:
            await uow.mark_update_handled("tg:1")
            await uow.create_request(draft())
            await uow.save_conversation(ConversationState(channel="telegram", chat_id="1001", user_id="1001"))
            await uow.enqueue("status", "telegram", "1001", "x", dedup_key="k1")
            raise RuntimeError("boom")
    for table in ("request", "event", "handled_update", "conversation", "outbox", "counter"):
        assert await count(store, table) == 0, table
    # The reference sequence did not advance either.
    async with store.unit() as uow:
        rec = await uow.create_request(draft())
    assert rec.reference.endswith("-0001")


async def test_mark_update_handled_twice(store: Store) -> None:
    async with store.unit() as uow:
        assert await uow.mark_update_handled("telegram:42") is True
    async with store.unit() as uow:
        assert await uow.mark_update_handled("telegram:42") is False
        assert await uow.mark_update_handled("telegram:43") is True
    assert await count(store, "handled_update") == 2


async def test_mark_update_handled_concurrently(store: Store) -> None:
    async def one() -> bool:
        async with store.unit() as uow:
            return await uow.mark_update_handled("telegram:7")

    results = await asyncio.gather(*(one() for _ in range(10)))
    assert sorted(results) == [False] * 9 + [True]


# --- conversations -----------------------------------------------------------------------------------------------------
async def test_conversation_round_trip_and_version(store: Store) -> None:
    async with store.unit() as uow:
        assert await uow.get_conversation("telegram", "5") is None
        saved = await uow.save_conversation(
            ConversationState(channel="telegram", chat_id="5", user_id="5", step="commune", data={"a": [1, "é"]})
        )
        assert saved.version == 1
    async with store.unit() as uow:
        conv = await uow.get_conversation("telegram", "5")
        assert conv is not None and conv.data == {"a": [1, "é"]} and conv.step == "commune"
        conv.step = "role"
        assert (await uow.save_conversation(conv)).version == 2
    # A stale state (version 1) cannot overwrite the newer one; the unit rolls back.
    with pytest.raises(ConcurrentUpdate):
        async with store.unit() as uow:
            await uow.save_conversation(conv.model_copy(update={"step": "stale"}))
    with pytest.raises(ConcurrentUpdate):
        async with store.unit() as uow:
            await uow.save_conversation(ConversationState(channel="telegram", chat_id="5", user_id="5"))
    async with store.unit() as uow:
        conv2 = await uow.get_conversation("telegram", "5")
        assert conv2 is not None and conv2.step == "role" and conv2.version == 2
        assert await uow.delete_conversation("telegram", "5") is True
        assert await uow.get_conversation("telegram", "5") is None


async def test_concurrent_units_on_one_conversation_serialise(store: Store) -> None:
    """Read-modify-write of a counter in the conversation data by 20 concurrent units: no lost update."""
    async with store.unit() as uow:
        await uow.save_conversation(ConversationState(channel="telegram", chat_id="9", user_id="9", data={"n": 0}))

    async def bump() -> None:
        async with store.unit() as uow:
            conv = await uow.get_conversation("telegram", "9")
            assert conv is not None
            await asyncio.sleep(0)  # let the others run while we hold the row
            conv.data = {"n": conv.data["n"] + 1}
            await uow.save_conversation(conv)

    await asyncio.gather(*(bump() for _ in range(20)))
    async with store.unit() as uow:
        conv = await uow.get_conversation("telegram", "9")
    assert conv is not None and conv.data == {"n": 20} and conv.version == 21


async def test_reminders(store: Store) -> None:
    async with store.unit() as uow:
        await uow.save_conversation(ConversationState(channel="telegram", chat_id="1", user_id="1", step="need"))
        await uow.save_conversation(ConversationState(channel="telegram", chat_id="2", user_id="2", step="done"))
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    found = await store.conversations_needing_reminder(later, exclude_steps=["done"])
    assert [c.chat_id for c in found] == ["1"]
    assert await store.conversations_needing_reminder(datetime.now(timezone.utc) - timedelta(hours=1)) == []
    async with store.unit() as uow:
        await uow.mark_reminder_sent("telegram", "1")
    assert await store.conversations_needing_reminder(later, exclude_steps=["done"]) == []


# --- requests ----------------------------------------------------------------------------------------------------------
async def test_create_request_fields_and_reference(store: Store) -> None:
    async with store.unit() as uow:
        a = await uow.create_request(draft())
        b = await uow.create_request(draft(departement="2A"))
        c = await uow.create_request(draft())
    year = datetime.now(timezone.utc).year
    assert a.reference == f"90-{year}-0001" and c.reference == f"90-{year}-0002"
    assert b.reference == f"2A-{year}-0001"
    assert a.status == "nouvelle" and a.matches == ["fonds-vert", "dsil", "detr"]
    assert a.created_at.tzinfo is not None
    got = await store.get_request(a.reference.lower())
    assert got is not None and got.email == "jeanne.martin@example.org"
    hist = await store.history(a.reference)
    assert [e.kind for e in hist] == ["created"]
    assert "jeanne" not in str(hist[0].data).lower()


async def test_references_unique_under_concurrency(store: Store) -> None:
    async def one(i: int) -> str:
        async with store.unit() as uow:
            return (await uow.create_request(draft(user_id=str(i), chat_id=str(i)))).reference

    refs = await asyncio.gather(*(one(i) for i in range(50)))
    assert len(set(refs)) == 50
    seqs = sorted(int(r.rsplit("-", 1)[1]) for r in refs)
    assert seqs == list(range(1, 51))


async def test_list_requests_filters(store: Store) -> None:
    async with store.unit() as uow:
        a = await uow.create_request(draft(user_id="1"))
        await uow.create_request(draft(user_id="2"))
        await uow.create_request(draft(user_id="1", channel="console"))
        await uow.set_status(a.reference, "en_cours", "staff:1")
    mine = await store.list_requests(channel="telegram", user_id="1")
    assert [r.reference for r in mine] == [a.reference]
    assert len(await store.list_requests()) == 3
    assert len(await store.list_requests(status="nouvelle")) == 2
    assert len(await store.list_requests(status=["nouvelle", "en_cours"], limit=2)) == 2
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).date()
    assert await store.list_requests(since=tomorrow) == []
    newest = await store.list_requests()
    assert newest[0].created_at >= newest[-1].created_at


async def test_find_similar_open(store: Store) -> None:
    async with store.unit() as uow:
        a = await uow.create_request(draft(themes=["eau", "risques"]))
        closed = await uow.create_request(draft(themes=["eau"]))
        await uow.set_status(closed.reference, "close_sans_suite", "staff:1")
        await uow.create_request(draft(themes=["sante"]))
        await uow.create_request(draft(commune_code="90001", themes=["eau"]))
    since = datetime.now(timezone.utc) - timedelta(days=30)
    async with store.unit(readonly=True) as uow:
        found = await uow.find_similar_open("90010", ["eau"], since)
        assert [r.reference for r in found] == [a.reference]
        assert await uow.find_similar_open("90010", ["mobilite"], since) == []
        assert await uow.find_similar_open(None, ["eau"], since) == []
        assert await uow.find_similar_open("90010", ["eau"], datetime.now(timezone.utc) + timedelta(days=1)) == []


async def test_status_transitions_and_events(store: Store) -> None:
    async with store.unit() as uow:
        ref = (await uow.create_request(draft())).reference
    async with store.unit() as uow:
        r = await uow.set_status(ref, "en_cours", "staff:10", assigned_to="Agent A")
        assert r.status == "en_cours" and r.assigned_to == "Agent A"
        r = await uow.set_status(ref, "orientee", "staff:10", operator="Ademe")
        assert r.operator == "Ademe"
        r = await uow.set_status(ref, "en_attente", "staff:11", note="précisions")
        r = await uow.set_status(ref, "en_cours", "telegram:1001")
        r = await uow.set_status(ref, "traitee", "staff:10")
        assert r.closed_at is not None and not r.is_open
    with pytest.raises(IllegalTransition) as info:
        async with store.unit() as uow:
            await uow.set_status(ref, "en_cours", "staff:10")
    assert info.value.current == "traitee"
    with pytest.raises(IllegalTransition):
        async with store.unit() as uow:
            await uow.set_status(ref, "bogus", "staff:10")
    with pytest.raises(RequestNotFound):
        async with store.unit() as uow:
            await uow.set_status("90-1999-9999", "en_cours", "staff:10")
    hist = await store.history(ref)
    statuses = [(e.data["from"], e.data["to"], e.actor) for e in hist if e.kind == "status"]
    assert statuses == [
        ("nouvelle", "en_cours", "staff:10"),
        ("en_cours", "orientee", "staff:10"),
        ("orientee", "en_attente", "staff:11"),
        ("en_attente", "en_cours", "telegram:1001"),
        ("en_cours", "traitee", "staff:10"),
    ]
    assert all(e.at.tzinfo is not None for e in hist)
    assert [e.data.get("note") for e in hist if e.kind == "status"][2] == "précisions"


async def test_append_and_waiting(store: Store) -> None:
    async with store.unit() as uow:
        ref = (await uow.create_request(draft())).reference
        await uow.append_to_request(ref, "Le devis est de 80 000 €", "telegram:1001", attachments=[{"type": "photo"}])
        await uow.set_staff_message(ref, 555)
        assert (await uow.find_request_by_staff_message("555")).reference == ref  # type: ignore[union-attr]
    with pytest.raises(RequestNotFound):
        async with store.unit() as uow:
            await uow.append_to_request("90-2000-0001", "x", "a")
    hist = await store.history(ref)
    assert hist[-1].kind == "appended" and hist[-1].data["text"] == "Le devis est de 80 000 €"
    assert await store.requests_waiting(timedelta(days=3)) == []
    waiting = await store.requests_waiting(timedelta(days=3), now=datetime.now(timezone.utc) + timedelta(days=4))
    assert [r.reference for r in waiting] == [ref]


# --- outbox ------------------------------------------------------------------------------------------------------------
async def test_outbox_dedup_and_lifecycle(store: Store) -> None:
    async with store.unit() as uow:
        first = await uow.enqueue(
            "status", "telegram", "1001", "Bonjour", [[{"label": "OK", "data": "ok"}]], "90-2026-0001", dedup_key="s:1"
        )
        again = await uow.enqueue("status", "telegram", "1001", "Bonjour", dedup_key="s:1")
        other = await uow.enqueue("status", "telegram", "1001", "Deux", dedup_key="s:2", meta={"to": "x"})
    assert first is not None and again is None and other is not None
    async with store.unit() as uow:  # another transaction, same key: still nothing
        assert await uow.enqueue("status", "telegram", "1001", "Bonjour", dedup_key="s:1") is None
    due = await store.due_outbox()
    assert [m.dedup_key for m in due] == ["s:1", "s:2"]
    assert due[0].buttons == [[{"label": "OK", "data": "ok"}]] and due[1].meta == {"to": "x"}
    await store.mark_retry(first, "timeout", datetime.now(timezone.utc) + timedelta(minutes=5))
    assert [m.id for m in await store.due_outbox()] == [other]
    later = datetime.now(timezone.utc) + timedelta(minutes=6)
    assert [m.id for m in await store.due_outbox(later)] == [first, other]
    await store.mark_sent(first, 9001)
    await store.mark_failed(other, "403 Forbidden")
    assert await store.due_outbox(later) == []
    async with store.unit(readonly=True) as uow:
        sent = await uow.get_outbox(first)
        assert sent is not None and sent.status == "sent" and sent.sent_message_id == "9001" and sent.attempts == 2
        assert (await uow.find_outbox_by_sent_message("telegram", 9001)).id == first  # type: ignore[union-attr]
        failed = await uow.get_outbox(other)
        assert failed is not None and failed.status == "failed" and failed.last_error == "403 Forbidden"


async def test_outbox_claim(store: Store) -> None:
    async with store.unit() as uow:
        for i in range(5):
            await uow.enqueue("k", "telegram", str(i), f"m{i}", dedup_key=f"c{i}")
    a, b = await asyncio.gather(store.claim_due_outbox(limit=3), store.claim_due_outbox(limit=3))
    ids = [m.id for m in a] + [m.id for m in b]
    assert len(ids) == len(set(ids)) == 5
    assert await store.claim_due_outbox() == []


async def test_outbox_claim_keeps_each_chats_order(store: Store) -> None:
    """issue 14: a chat's later rows wait while an earlier one is leased or being retried; other chats go on."""
    from datetime import datetime, timedelta, timezone

    async with store.unit() as uow:
        for i in range(3):
            await uow.enqueue("reply", "telegram", "1", f"a{i}", dedup_key=f"a{i}")
        await uow.enqueue("reply", "telegram", "2", "b0", dedup_key="b0")
        await uow.enqueue("reply", "email", "1", "e0", dedup_key="e0")
    first = await store.claim_due_outbox(limit=1, channels=["telegram"])
    assert [m.text for m in first] == ["a0"]
    # a0 is leased: a1, a2 wait behind it; chat 2 is free; the e-mail channel is not this sender's
    second = await store.claim_due_outbox(limit=10, channels=["telegram"])
    assert [m.text for m in second] == ["b0"]
    now = datetime.now(timezone.utc)
    await store.mark_retry(first[0].id, "429", now + timedelta(seconds=30))
    assert await store.claim_due_outbox(limit=10, channels=["telegram"]) == []
    later = await store.claim_due_outbox(now + timedelta(seconds=31), limit=10, channels=["telegram"])
    assert [m.text for m in later] == ["a0", "a1", "a2"]
    await store.release_outbox([later[1].id, later[2].id])
    await store.mark_sent(later[0].id, 1)
    assert [m.text for m in await store.claim_due_outbox(now + timedelta(seconds=32), channels=["telegram"])] == [
        "a1", "a2"]
    assert [m.text for m in await store.claim_due_outbox(channels=["email"])] == ["e0"]


async def test_settled_and_overtaken_inbox_updates_are_never_replayed(store: Store) -> None:
    """issue 14: an update answered "réessayez" is settled (never handled later) and pruned; a kept update whose
    chat has a later handled update is overtaken (settled at replay)."""
    async with store.unit() as uow:
        await uow.save_inbox([(1, "{}", 10), (2, "{}", 10), (3, "{}", 20), (4, "{}", 30)])
        await uow.mark_update_handled("tg:2")  # chat 10's later update handled: 1 was refused
    assert await store.settle_updates(["tg:3"]) == 1
    assert await store.settle_updates(["tg:3"]) == 0
    async with store.unit() as uow:
        assert await uow.settle_overtaken_inbox() == [1]
        assert await uow.prune_inbox() == 3
        assert [u for u, _ in await uow.pending_inbox()] == [4]


async def test_hostile_strings_never_break_the_database(store: Store) -> None:
    """NUL (refused by PostgreSQL in text and JSON) and lone surrogates are cleaned on the way in."""
    bad = "a\x00b \ud800 c"
    async with store.unit() as uow:
        assert await uow.mark_update_handled("k\x00") is True
        rec = await uow.create_request(draft(description=bad, themes=[bad], contact_name=bad))
        await uow.save_conversation(ConversationState(channel="telegram", chat_id="1\x00", user_id="1",
                                                      step="need", data={bad: [bad, {"x": bad}]}))
        await uow.append_to_request(rec.reference, bad, "telegram:1")
        await uow.enqueue("k", "telegram", "1", bad, [[{"label": bad, "data": "x"}]], dedup_key=bad)
        assert await uow.get_request("90-2026-\x00") is None
    got = await store.get_request(rec.reference)
    assert got is not None and got.description == "ab ? c" and got.themes == ["ab ? c"]
    async with store.unit() as uow:
        conv = await uow.get_conversation("telegram", "1")
    assert conv is not None and conv.data == {"ab ? c": ["ab ? c", {"x": "ab ? c"}]}
    assert (await store.due_outbox())[0].text == "ab ? c"


async def test_sqlite_locked_is_unavailable_then_recovers(sqlite_url: str) -> None:
    import sqlite3

    store = await Store.open(sqlite_url, departement="90", timezone_name="Europe/Paris", sqlite_busy_timeout_ms=200)
    path = sqlite_url.removeprefix("sqlite:///")
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        with pytest.raises(StoreUnavailable):
            async with store.unit() as uow:
                await uow.mark_update_handled("u1")
                await uow.create_request(draft())
        other.execute("ROLLBACK")
        async with store.unit() as uow:
            assert await uow.mark_update_handled("u1") is True  # nothing partial was written before
            rec = await uow.create_request(draft())
        assert rec.reference.endswith("-0001")
    finally:
        other.close()
        await store.close()


@pytest.mark.postgres
async def test_postgres_gone_is_unavailable(postgres_url: str, postgres_admin_url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    store = await Store.open(postgres_url, departement="90", timezone_name="Europe/Paris")
    try:
        async with store.unit() as uow:
            await uow.mark_update_handled("a")
        name = make_url(postgres_url).database
        admin = make_url(postgres_admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        with pytest.raises(StoreUnavailable):
            async with store.unit() as uow:
                await uow.mark_update_handled("b")
    finally:
        await store.close()


async def test_many_concurrent_chats_all_succeed(store: Store) -> None:
    """150 chats writing at once: every unit commits (SQLite writers queue in-process instead of timing out)."""

    async def chat(i: int) -> None:
        for k in range(3):
            async with store.unit() as uow:
                assert await uow.mark_update_handled(f"{i}:{k}")
                conv = await uow.get_conversation("telegram", str(i))
                conv = conv or ConversationState(channel="telegram", chat_id=str(i), user_id=str(i))
                conv.data = {"k": k}
                await uow.save_conversation(conv)

    await asyncio.gather(*(chat(i) for i in range(150)))
    assert await count(store, "handled_update") == 450
    assert await count(store, "conversation") == 150


async def test_readonly_unit_does_not_wait_for_writer(sqlite_url: str) -> None:
    store = await Store.open(sqlite_url, departement="90", timezone_name="Europe/Paris")
    try:
        async with store.unit() as writer:
            await writer.create_request(draft())
            async with store.unit(readonly=True) as reader:  # WAL: readers see the last commit, never block
                assert await reader.list_requests() == []
    finally:
        await store.close()


async def test_concurrent_units_on_a_new_conversation_serialise(store: Store) -> None:
    """The first updates of a chat never seen before, handled at once: they take turns (no ConcurrentUpdate)."""

    async def first_contact() -> None:
        async with store.unit() as uow:
            conv = await uow.get_conversation("telegram", "new")
            await asyncio.sleep(0)
            if conv is None:
                conv = ConversationState(channel="telegram", chat_id="new", user_id="new", data={"n": 0})
            conv.data = {"n": conv.data["n"] + 1}
            await uow.save_conversation(conv)

    await asyncio.gather(*(first_contact() for _ in range(10)))
    async with store.unit() as uow:
        conv = await uow.get_conversation("telegram", "new")
    assert conv is not None and conv.data == {"n": 10}


async def test_inbox_keeps_updates_until_handled(database_url: str) -> None:
    store = await Store.open(database_url, departement="90", timezone_name="Europe/Paris")
    try:
        async with store.unit() as uow:
            await uow.save_inbox([(11, '{"update_id": 11}'), (12, '{"update_id": 12}')])
            await uow.save_inbox([(12, '{"update_id": 12, "again": true}'), (13, '{"update_id": 13}')])  # kept once
        async with store.unit() as uow:
            assert await uow.mark_update_handled("tg:12")
        async with store.unit() as uow:
            pending = await uow.pending_inbox()
        assert [i for i, _ in pending] == [11, 13]
        assert pending[0][1] == '{"update_id": 11}'
        async with store.unit() as uow:
            assert await uow.prune_inbox() == 1  # 12 was handled
        async with store.unit() as uow:
            await uow.mark_update_handled("tg:11")
            await uow.mark_update_handled("tg:13")
        async with store.unit() as uow:
            assert await uow.pending_inbox() == []
            assert await uow.prune_inbox() == 2
    finally:
        await store.close()


async def test_orphan_leases_of_a_dead_worker_are_taken_back(store: Store, database_url: str) -> None:
    """issue 14: rows leased by a process that is gone are due again at once; a live worker keeps its leases."""
    other = await Store.open(database_url, departement="90", timezone_name="Europe/Paris")
    try:
        await other.hold_worker_lock()
        async with other.unit() as uow:
            await uow.enqueue("reply_confirmation", "telegram", "1", "a", dedup_key="live", leased=True,
                              not_before=datetime.now(timezone.utc) + timedelta(minutes=2))
        async with store.unit() as uow:
            await uow.enqueue("reply_confirmation", "telegram", "2", "b", dedup_key="mine", leased=True,
                              not_before=datetime.now(timezone.utc) + timedelta(minutes=2))
        # SQLite deployments run one process: any other worker's lease is an orphan; PostgreSQL asks the lock.
        released = await store.release_orphan_leases()
        assert released == (1 if store.dialect == "sqlite" else 0)
    finally:
        await other.close()
    if store.dialect == "postgresql":
        assert await store.release_orphan_leases() == 1  # the other worker is gone now
    due = await store.due_outbox()
    assert [m.text for m in due] == ["a"]  # our own lease is kept
