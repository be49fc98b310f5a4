"""Engine behaviours that involve other parts: a staff question answered by the mayor, status words in "mes demandes",
the agent handoff in the outbox, flood control, the database unavailable. Real engine, KB and store."""

from __future__ import annotations

import itertools
from typing import Any


from bot.dialogue.events import Event
from bot.texts.dialogue import UNAVAILABLE as T_UNAVAILABLE

CHANNEL = "test"
_keys = itertools.count(1)


def ev(user: str, kind: str, **kw: Any) -> Event:
    return Event(channel=CHANNEL, user_id=user, chat_id=user, kind=kind, update_key=f"sv:{next(_keys)}", **kw)


async def file_request(store: Any, user: str, commune: str = "Delle", code: str = "90033") -> str:
    from bot.store.models import RequestDraft

    async with store.unit() as uow:
        rec = await uow.create_request(RequestDraft(channel=CHANNEL, user_id=user, chat_id=user, commune_code=code,
                                                    commune_name=commune, themes=["mobilite"], description="Voie verte"))
    return rec.reference


async def test_staff_question_then_the_mayors_answer_goes_back(engine, store) -> None:
    from bot.staff import service

    user = "maire-attente"
    await engine.handle(ev(user, "command", command="start"))
    ref = await file_request(store, user)
    async with store.unit() as uow:
        result = await service.ask_details(uow, ref, "Quel est le tracé envisagé ?", "staff:1")
    assert result.ok, result
    replies = await engine.handle(ev(user, "text", text="Le long de l'ancienne voie ferrée, sur 4 km."))
    assert ref in replies[0].text and "transmise" in replies[0].text
    async with store.unit() as uow:
        rec = await uow.get_request(ref)
        history = await uow.history(ref)
        conv = await uow.get_conversation(CHANNEL, user)
        outbox = await uow.due_outbox(limit=1000)
    assert rec.status == "en_cours"
    assert any(e.kind == "appended" and "ancienne voie ferrée" in e.data.get("text", "") for e in history)
    assert "awaiting" not in conv.data
    assert any(m.kind == "mayor_answer" and ref in m.text for m in outbox)
    # the next text is handled as usual again
    replies = await engine.handle(ev(user, "text", text="mes demandes"))
    assert "Vos demandes" in replies[0].text


async def test_my_requests_say_each_status_in_words(engine, store) -> None:
    user = "maire-statuts"
    refs = [await file_request(store, user) for _ in range(4)]
    async with store.unit() as uow:
        await uow.set_status(refs[1], "en_cours", "staff:1")
        await uow.set_status(refs[2], "orientee", "staff:1", operator="Ademe")
        await uow.set_status(refs[3], "close_sans_suite", "staff:1")
    replies = await engine.handle(ev(user, "command", command="mesdemandes"))
    text = "\n".join(r.text for r in replies)
    for ref in refs:
        assert ref in text
    for words in ("reçue, en attente de prise en charge", "prise en charge", "orientée vers Ademe", "close sans suite"):
        assert words in text, text
    other = await engine.handle(ev("quelquun-d-autre", "command", command="mesdemandes"))
    assert not any(ref in r.text for r in other for ref in refs)


async def test_agent_request_reaches_the_staff_outbox(engine, store) -> None:
    user = "maire-agent"
    await engine.handle(ev(user, "command", command="demande"))
    await engine.handle(ev(user, "text", text="Giromagny"))
    replies = await engine.handle(ev(user, "text", text="je voudrais parler à un conseiller de la préfecture"))
    assert "un agent de la préfecture a été prévenu" in replies[0].text
    assert "Giromagny" in replies[-1].text  # the pending question again
    async with store.unit() as uow:
        outbox = [m for m in await uow.due_outbox(limit=1000) if m.kind == "agent_request"]
    assert len(outbox) == 1 and outbox[0].channel == "staff" and outbox[0].chat_id == "-1001"
    assert outbox[0].meta["relay_to"] == {"channel": CHANNEL, "chat_id": user, "user_id": user}


async def test_flood_is_slowed_down_per_person(kb, store) -> None:
    from bot.config import load_settings
    from bot.dialogue.engine import Engine

    now = [1000.0]
    settings = load_settings(flood_max_messages=5, flood_window_seconds=60)
    engine = Engine(kb=kb, store=store, settings=settings, clock=lambda: now[0])
    for _ in range(5):
        assert await engine.handle(ev("flooder", "text", text="bonjour"))
    told = await engine.handle(ev("flooder", "text", text="bonjour"))
    assert len(told) == 1 and "Patientez" in told[0].text
    async with store.unit() as uow:
        before = await uow.get_conversation(CHANNEL, "flooder")
    for _ in range(10):
        assert await engine.handle(ev("flooder", "text", text="/demande")) == []
    async with store.unit() as uow:
        assert (await uow.get_conversation(CHANNEL, "flooder")) == before  # ignored: nothing stored
    # someone else is not affected
    assert await engine.handle(ev("calme", "command", command="start"))
    # once the window has passed, the person is heard again
    now[0] += 61
    replies = await engine.handle(ev("flooder", "command", command="demande"))
    assert "Pour quelle collectivité" in replies[-1].text


async def test_database_unavailable_says_try_again_and_writes_nothing(kb, tmp_path) -> None:
    from bot.config import load_settings
    from bot.dialogue.engine import Engine
    from bot.store.repository import Store

    url = f"sqlite:///{tmp_path / 'db' / 'g.db'}"
    store = await Store.open(url, departement="90", timezone_name="Europe/Paris")
    engine = Engine(kb=kb, store=store, settings=load_settings(flood_max_messages=1000))
    try:
        await engine.handle(ev("u", "command", command="demande"))
        async with store.unit() as uow:
            before = await uow.get_conversation(CHANNEL, "u")
        # Another connection holds the write lock: the engine's unit cannot start.
        import sqlite3

        blocker = sqlite3.connect(tmp_path / "db" / "g.db", timeout=0.1)
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            event = ev("u", "text", text="Giromagny")
            replies = await engine.handle(event)
        finally:
            blocker.rollback()
            blocker.close()
        assert [r.text for r in replies] == [T_UNAVAILABLE]
        async with store.unit() as uow:
            assert await uow.get_conversation(CHANNEL, "u") == before
        # the same update, redelivered once the database is back, is handled normally
        replies = await engine.handle(event)
        assert "Giromagny (90)" in replies[-1].text
    finally:
        await store.close()


async def test_postgres_stopped_says_try_again(kb, postgres_url) -> None:
    """A PostgreSQL server that does not answer (wrong port: nothing listens) gives the same polite reply."""
    from bot.config import load_settings
    from bot.dialogue.engine import Engine
    from bot.store.repository import Store

    store = await Store.open(postgres_url, departement="90", timezone_name="Europe/Paris")
    await store.close()
    from sqlalchemy.engine import make_url

    dead = make_url(postgres_url).set(port=1).render_as_string(hide_password=False)
    dead_store = await Store.open(dead, departement="90", timezone_name="Europe/Paris", migrate=False)
    engine = Engine(kb=kb, store=dead_store, settings=load_settings(flood_max_messages=1000))
    try:
        replies = await engine.handle(ev("u", "command", command="start"))
        assert [r.text for r in replies] == [T_UNAVAILABLE]
    finally:
        await dead_store.close()


async def test_crash_before_commit_loses_nothing_and_redelivery_files_once(engine, store, monkeypatch) -> None:
    from bot.dialogue import engine as engine_mod

    user = "crash"
    script = [("command", {"command": "demande"}), ("text", {"text": "Lepuix"}), ("button", {"data": "y"}),
              ("button", {"data": "r:maire"}),
              ("text", {"text": "Créer une chaufferie bois pour chauffer l'école, la mairie et la salle communale"}),
              ("button", {"data": "y"}), ("button", {"data": "s:idee"}), ("button", {"data": "h:financement"}),
              ("button", {"data": "ok"}), ("button", {"data": "skip"}), ("button", {"data": "tskip"}),
              ("text", {"text": "Paul Durand"}), ("text", {"text": "0384000000"}), ("button", {"data": "skip"}),
              ("button", {"data": "ok"}), ("button", {"data": "send"})]
    for kind, kw in script:
        await engine.handle(ev(user, kind, **kw))
    async with store.unit() as uow:
        before = await uow.get_conversation(CHANNEL, user)
    assert before.step == "consent"

    original = engine_mod.Turn._enqueue_staff
    calls = {"n": 0}

    async def crash_once(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("process killed here")
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(engine_mod.Turn, "_enqueue_staff", crash_once)
    consent = ev(user, "button", data="consent")
    replies = await engine.handle(consent)
    assert "Réessayez" in replies[0].text
    async with store.unit() as uow:
        assert await uow.list_requests(channel=CHANNEL, user_id=user) == []  # the request row was rolled back
        assert await uow.get_conversation(CHANNEL, user) == before
    replies = await engine.handle(consent)  # the same update, redelivered
    assert "Votre référence" in replies[0].text
    assert await engine.handle(consent) == []
    async with store.unit() as uow:
        records = await uow.list_requests(channel=CHANNEL, user_id=user)
        staff = [m for m in await uow.due_outbox(limit=1000) if m.kind == "staff_new_request"]
    assert len(records) == 1 and len(staff) == 1
