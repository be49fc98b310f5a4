"""Every step of the conversation, fed bad input (empty, 10 kB, emoji, right-to-left, control characters, a photo,
forged button data), answers with a short French reply and leaves the stored state unchanged. Idempotence: the same
update twice changes nothing; filing replayed files once. Real engine, knowledge base and store (SQLite, PostgreSQL)."""

from __future__ import annotations

import itertools
import re
from typing import Any


from bot.dialogue.events import Event, Reply
from bot.texts import dialogue as T

CHANNEL = "test"
FRENCH_WORDS = frozenset("vous votre vos je ce cette ces pas ne n choisissez pour de du des le la les un une est et "
                         "plus en avec ici sur".split())
_keys = itertools.count(1)

BAD_TEXTS = [
    "",
    "   \n\t  ",
    "x" * 10_240,
    "😀🎉👍🏽" * 5,
    "مرحبا بالعالم",
    "\u202e\u202eשלום עולם\u200f",
    "\x00\x01\x07\x1b[2J\x7f",
    "\u200b\u200c\u200d\ufeff",
]
FORGED_DATA = ["zz:forged", "c:99999", "r:roi", "set:role:roi", "set:commune:99999", "add:th:inexistant", "é" * 32, ""]

# The path through every step: (action, value, step reached afterwards). Actions: cmd, say, press (data), contact.
# The person is known (``people``), so the intake starts by offering their identity back.
PATH: list[tuple[str, str, str]] = [
    ("cmd", "start", "menu"),
    ("press", "m:question", "question"),
    ("press", "m:menu", "menu"),
    ("press", "m:file", "identity"),
    ("press", "id:no", "commune"),
    ("say", "90200", "commune_pick"),
    ("press", "set:commune:90052", "role"),
    ("cmd", "recommencer", "identity"),
    ("press", "id:no", "commune"),
    ("say", "Besançon", "commune_confirm"),
    ("press", "e:commune", "commune"),
    ("say", "Giromagny", "role"),
    ("press", "set:role:maire", "need"),
    ("say", "Nous voulons rénover l'école et la salle des fêtes pour réduire la facture de chauffage", "stage"),
    ("press", "set:stage:etude", "help"),
    ("press", "add:help:financement", "help"),
    ("press", "done:help", "budget"),
    ("say", "250 000 €", "timing"),
    ("say", "fin 2027", "name"),
    ("say", "Jeanne Martin", "phone"),
    ("press", "set:phone:-", "email"),
    ("say", "jeanne.martin@example.fr", "recap"),
    ("press", "e:themes", "themes_edit"),
    ("press", "done:th", "recap"),
    ("say", "le budget c'est 300 000 €", "conflict"),
    ("press", "fix:no", "recap"),
    ("cmd", "annuler", "cancel_confirm"),
    ("press", "x:no", "recap"),
    ("cmd", "supprimer", "erase_confirm"),
    ("press", "x:no", "recap"),
]


def ev(user: str, kind: str, **kw: Any) -> Event:
    return Event(channel=CHANNEL, user_id=user, chat_id=user, kind=kind, update_key=f"rb:{next(_keys)}", **kw)


def action(user: str, kind: str, value: str) -> Event:
    if kind == "cmd":
        return ev(user, "command", command=value)
    if kind == "say":
        return ev(user, "text", text=value)
    if kind == "press":
        return ev(user, "button", data=value)
    if kind == "contact":
        return ev(user, "contact", phone=value)
    raise ValueError(kind)


async def snapshot(store: Any, user: str) -> tuple[str, dict, int] | None:
    async with store.unit() as uow:
        conv = await uow.get_conversation(CHANNEL, user)
    return None if conv is None else (conv.step, conv.data, conv.version)


def assert_short_french(replies: list[Reply], where: str) -> None:
    assert replies, f"{where}: no reply"
    first = replies[0].text
    assert 0 < len(first) <= 300, f"{where}: first reply not short: {first!r}"
    assert first not in (T.INTERNAL_ERROR, T.UNAVAILABLE), f"{where}: {first}"
    words = set(re.findall(r"[a-zà-ÿ]+", first.lower()))
    assert len(words & FRENCH_WORDS) >= 2, f"{where}: not French? {first!r}"
    for r in replies:
        assert r.text.strip() and len(r.text) <= 4096, where
        for row in r.buttons:
            for b in row:
                assert len(b.data.encode("utf-8")) <= 64, where


async def file_similar_request(store: Any) -> None:
    """Another person's open request from Giromagny on the same themes (for the duplicate step)."""
    from bot.store.models import RequestDraft

    async with store.unit() as uow:
        await uow.create_request(RequestDraft(channel=CHANNEL, user_id="other", chat_id="other", commune_code="90052",
                                              commune_name="Giromagny", themes=["energie-batiments",
                                              "equipements-culture-sport", "education-jeunesse"],
                                              description="Rénovation de l'école"))


async def test_bad_input_at_every_step_changes_nothing(engine, store) -> None:
    user = "robust"
    await file_similar_request(store)
    async with store.unit() as uow:
        await uow.save_person(CHANNEL, user, name="Jeanne Martin", phone="+33612345678", role="maire")
    seen: set[str] = set()
    for kind, value, expected_step in PATH:
        replies = await engine.handle(action(user, kind, value))
        state = await snapshot(store, user)
        assert state is not None and state[0] == expected_step, f"after {kind} {value!r}: {state and state[0]}"
        if expected_step in seen:
            continue
        seen.add(expected_step)
        bad_events = [ev(user, "text", text=t) for t in BAD_TEXTS]
        bad_events += [ev(user, "button", data=d) for d in FORGED_DATA]
        bad_events += [ev(user, "unsupported"), ev(user, "command", command="inconnue")]
        if expected_step != "phone":
            bad_events.append(ev(user, "contact", phone="+33612345678"))
        for bad in bad_events:
            where = f"step {expected_step}, {bad.kind} {(bad.text or bad.data or '')[:20]!r}"
            replies = await engine.handle(bad)
            assert_short_french(replies, where)
            assert await snapshot(store, user) == state, f"{where}: state changed"
    assert {"menu", "question", "identity", "commune", "commune_pick", "commune_confirm", "role", "need", "stage",
            "help", "budget", "timing", "name", "phone", "email", "recap", "themes_edit", "conflict",
            "cancel_confirm", "erase_confirm"} <= seen
    # and the duplicate step, reached by sending
    draft_id = (await snapshot(store, user))[1]["draft"]["id"]
    replies = await engine.handle(ev(user, "button", data=f"send:{draft_id}"))
    state = await snapshot(store, user)
    assert state is not None and state[0] == "duplicate", replies
    for bad in [ev(user, "text", text=t) for t in BAD_TEXTS] + [ev(user, "button", data=d) for d in FORGED_DATA]:
        replies = await engine.handle(bad)
        assert_short_french(replies, "duplicate")
        assert await snapshot(store, user) == state
    replies = await engine.handle(ev(user, "button", data=f"dup:new:{draft_id}"))
    assert "90-" in replies[0].text
    async with store.unit() as uow:
        assert len(await uow.list_requests(channel=CHANNEL, user_id=user)) == 1


async def test_same_update_twice_changes_nothing(engine, store) -> None:
    user = "twice"
    first = ev(user, "command", command="demande")
    assert await engine.handle(first)
    state = await snapshot(store, user)
    assert await engine.handle(first) == []
    assert await snapshot(store, user) == state
    say = ev(user, "text", text="Giromagny")
    assert await engine.handle(say)
    state = await snapshot(store, user)
    assert state is not None and state[0] == "role"
    assert await engine.handle(say) == []
    assert await snapshot(store, user) == state


async def test_filing_replayed_files_once(engine, store) -> None:
    user = "replay"
    for kind, value in [("cmd", "demande"), ("say", "Lepuix"), ("press", "set:role:maire"),
                        ("say", "Créer un réseau de chaleur au bois pour les bâtiments communaux du village"),
                        ("press", "set:stage:idee"), ("press", "add:help:information"), ("press", "done:help"),
                        ("press", "set:budget:-"), ("press", "set:timing:-"), ("say", "Paul Durand"),
                        ("say", "0384000000")]:
        await engine.handle(action(user, kind, value))
    step, data, _ = await snapshot(store, user)
    assert step == "recap"
    send = ev(user, "button", data=f"send:{data['draft']['id']}")
    replies = await engine.handle(send)
    assert "Votre référence" in replies[0].text
    assert await engine.handle(send) == []  # redelivered: nothing
    again = await engine.handle(ev(user, "button", data=send.data))  # double tap: a new update, the request shown
    assert "déjà envoyée" in again[0].text and "Que souhaitez-vous faire" not in "".join(r.text for r in again)
    async with store.unit() as uow:
        records = await uow.list_requests(channel=CHANNEL, user_id=user)
        assert len(records) == 1
        outbox = [m for m in await uow.due_outbox(limit=1000) if m.kind == "staff_new_request"]
    assert records[0].reference in again[0].text
    assert len(outbox) == 1 and outbox[0].dedup_key == f"new:{records[0].reference}"
    assert outbox[0].chat_id == "-1001" and records[0].reference in outbox[0].text


async def test_need_is_truncated_and_said_so(engine, store) -> None:
    user = "long"
    for kind, value in [("cmd", "demande"), ("say", "Delle"), ("press", "set:role:maire")]:
        await engine.handle(action(user, kind, value))
    long_need = ("Nous voulons rénover entièrement l'école communale et la salle polyvalente du village. " * 120)
    assert len(long_need) > 10_000
    replies = await engine.handle(ev(user, "text", text=long_need))
    assert any("très long" in r.text for r in replies)
    step, data, _ = await snapshot(store, user)
    assert step == "stage"
    assert 2_500 <= len(data["draft"]["need"]) <= 3_010


async def test_commands_without_a_name_are_answered(engine, store) -> None:
    """« /@x », « / », « /@ » and a lone « @ » as a command name nothing: an unknown command, never a crash."""
    user = "noname"
    assert await engine.handle(ev(user, "command", command="start"))
    for raw in ["/@x", "/", "/@", " @", "/ @bot"]:
        replies = await engine.handle(ev(user, "command", command=raw, text=raw))
        assert replies and T.INTERNAL_ERROR not in [r.text for r in replies], raw
        assert_short_french(replies, raw)
