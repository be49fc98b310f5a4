"""Property-based: thousands of hostile inputs at EVERY step of the conversation (the intake's steps, the menu, the
question mode, the confirmations, a staff question awaiting an answer): text of every unicode kind, right-to-left
and zero-width characters, NUL, more than 4,096 characters, HTML and Markdown markup, and also random button data,
contacts and commands. 0 exceptions, always a reply, short and in French, and the conversation still works.

Each step is reached once by a scripted path (checked against the stored step); every example then starts from a
copy of that stored state under a new user, so examples are cheap and independent. Examples per step:
``GUICHET_FUZZ_EXAMPLES`` (default 130: 3,120 examples over the 24 steps; raise it for a deep run).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from bot.dialogue.events import Event
from bot.texts import dialogue as T

EXAMPLES = int(os.environ.get("GUICHET_FUZZ_EXAMPLES", "130"))
CHANNEL = "telegram"
_keys = itertools.count(1)

NEED = "Nous voulons créer une voie verte entre la gare et le collège pour les vélos"
B = "button"
BASE = [("command", "demande"), ("text", "Delle"), (B, "set:role:maire"), ("text", NEED)]
BUDGET = BASE + [(B, "set:stage:idee"), (B, "add:help:information"), (B, "done:help")]
NAME = BUDGET + [(B, "set:budget:-"), (B, "set:timing:-")]
PHONE = NAME + [("text", "Jeanne Martin")]
RECAP = PHONE + [("text", "06 12 34 56 78")]
FILED = RECAP + [(B, "send")]  # "send" stands for the send button of the intake in progress (see reach)
#: step -> events from a fresh conversation (the last user of "duplicate" files a request first)
PATHS: dict[str, list[tuple[str, str]]] = {
    "start": [],
    "menu": [("command", "start")],
    "question": [("command", "question")],
    "erase_confirm": [("command", "supprimer")],
    "cancel_confirm": [("command", "demande"), ("command", "annuler")],
    "commune": [("command", "demande")],
    "commune_pick": [("command", "demande"), ("text", "90200")],
    "commune_confirm": [("command", "demande"), ("text", "Besançon")],
    "role": BASE[:2],
    "need": BASE[:3],
    "stage": BASE,
    "help": BASE + [(B, "set:stage:idee")],
    "budget": BUDGET,
    "timing": BUDGET + [(B, "set:budget:-")],
    "name": NAME,
    "phone": PHONE,
    "email": PHONE + [(B, "set:phone:-")],
    "recap": RECAP,
    "themes_edit": RECAP + [(B, "e:themes")],
    "conflict": RECAP + [("text", "le budget c'est 300 000 €"), ("text", "en fait c'est à Giromagny"),
                         ("text", "le budget c'est 200 000 €")],
    "identity": FILED + [("command", "demande")],  # the person is known: « Toujours Jeanne Martin ? »
    "duplicate": FILED + [("command", "demande"), (B, "id:yes"), ("text", NEED)] + BUDGET[len(BASE):]
    + NAME[len(BUDGET):] + [(B, "send")],
    # another commune (no duplicate guard), then a staff question (see reach)
    "awaiting_staff_answer": [(k, "Giromagny" if v == "Delle" else v) for k, v in FILED],
}

MARKUP = st.sampled_from(["<b>gras</b>", "*gras*", "[lien](http://evil.example)", "@admin", "`code`",
                          "<a href='tg://user?id=1'>x</a>", "_", "\\", "</>", "&amp;", "```", "||x||", "<script>",
                          "${jndi:ldap://x}", "'; DROP TABLE request; --", "%s%n", "{0}", "\r\n"])
TEXTS = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=80),
    st.text(alphabet="\u202e\u202b\u200f\u200b\u200d\u2060\ufeff\x00\x07\x1b\x7f\n\t\r אבג مرحبا 😀👍🏽", max_size=120),
    st.text(min_size=4097, max_size=6000, alphabet="abcdefghij éèà😀\n<>*_"),
    st.lists(MARKUP, min_size=1, max_size=10).map(" ".join),
    st.sampled_from(["", " ", "\x00", "oui", "non", "passer", "Giromagny", "/demande", "/annuler", "0612345678",
                     "a@b.fr", "c'est quoi PVD ?", "agent", "90", "2A", "\u200b", "⁦⁩", "/" + "x" * 300]),
)
INPUTS = st.one_of(
    TEXTS.map(lambda t: ("text", t)),
    TEXTS.map(lambda t: (B, t[:100])),
    st.sampled_from(["y", "n", "ok", "skip", "tskip", "send", "consent", "fix", "agent", "reminder:resume",
                     "reminder:drop", "st:take:90-2026-0001", "h:nope", "c:99999", "d:9", "e:commune",
                     "set:role:maire", "set:budget:-", "set:email:-", "add:help:financement", "del:help:x",
                     "done:help", "done:th", "add:th:mobilite", "id:yes", "fix:yes", "fix:no", "send:00000000",
                     "handover:end", "e:themes", "e:contact"]).map(
        lambda d: (B, d)),
    TEXTS.map(lambda t: ("contact", t[:50])),
    st.tuples(st.sampled_from(["start", "demande", "aide", "annuler", "supprimer", "mesdonnees", "inconnue", ""]),
              TEXTS).map(lambda c: ("command", f"{c[0]} {c[1][:200]}")),
    st.just(("unsupported", "")),
)
#: A reply is French when it has one of these words (articles, pronouns, prepositions, our frequent nouns).
FRENCH = re.compile(r"\b(vous|votre|vos|je|nous|il|elle|ne|pas|de|du|la|le|les|des|une?|pour|sur|avec|par|ou|est|et|"
                    r"à|en|ce|cette|demandes?|questions?|quel(le)?s?|lequel|laquelle|plusieurs|alors|d'accord|merci|"
                    r"bonjour|collectivités?|correspondent|oui|non)\b", re.IGNORECASE)


def ev(user: str, kind: str, value: str) -> Event:
    kw: dict = {}
    if kind == "text":
        kw["text"] = value
    elif kind == B:
        kw["data"] = value
    elif kind == "contact":
        kw["phone"] = value
    elif kind == "command":
        name, _, rest = value.partition(" ")
        kw["command"] = name
        kw["text"] = rest or None
    return Event(channel=CHANNEL, user_id=user, chat_id=user, kind=kind, update_key=f"fz:{next(_keys)}", **kw)


@pytest.fixture(scope="module")
def kb():
    from knowledge.base import KnowledgeBase

    return KnowledgeBase.load("90")


@pytest.fixture(scope="module")
def world(kb, tmp_path_factory):
    """One event loop, one SQLite store and engine, and the stored state of every step (reached once)."""
    from bot.config import load_settings
    from bot.dialogue.engine import Engine
    from bot.staff.service import StaffService
    from bot.store.repository import Store

    loop = asyncio.new_event_loop()
    path: Path = tmp_path_factory.mktemp("fuzz") / "f.db"
    store = loop.run_until_complete(Store.open(f"sqlite:///{path}", departement="90", timezone_name="Europe/Paris"))
    engine = Engine(kb=kb, store=store, settings=load_settings(flood_max_messages=10**9, staff_chat_id=-1001))

    async def reach(step: str):
        user = f"proto-{step}"
        for kind, value in PATHS[step]:
            if value == "send":
                async with store.unit(readonly=True) as uow:
                    value = "send:" + (await uow.get_conversation(CHANNEL, user)).data["draft"]["id"]
            await engine.handle(ev(user, kind, value))
        if step == "awaiting_staff_answer":
            async with store.unit(readonly=True) as uow:
                ref = (await uow.list_requests(channel=CHANNEL, user_id=user))[0].reference
            await StaffService(store).ask_details(ref, "Combien d'habitants sont concernés ?", "telegram:111", "A")
        async with store.unit(readonly=True) as uow:
            return await uow.get_conversation(CHANNEL, user)

    states = {}
    for step in PATHS:
        if step == "start":
            states[step] = None
            continue
        conv = loop.run_until_complete(reach(step))
        expected = "menu" if step == "awaiting_staff_answer" else step
        assert conv is not None and conv.step == expected, (step, conv.step if conv else None)
        if step == "awaiting_staff_answer":
            assert conv.data.get("awaiting"), conv.data
        states[step] = conv
    yield loop, store, engine, states
    loop.run_until_complete(store.close())
    loop.close()


def _check(replies, value: str) -> None:
    assert replies, "no reply"
    for r in replies:
        assert r.text and r.text.strip(), "empty reply"
        assert r.text not in (T.INTERNAL_ERROR, T.UNAVAILABLE), r.text
        assert len(r.text.encode("utf-16-le")) // 2 <= 4096, len(r.text)
        for row in r.buttons:
            for b in row:
                assert b.label and len(b.data.encode("utf-8")) <= 64
    said = "\n".join(r.text for r in replies)
    if value:
        said = said.replace(value, " ")
    assert FRENCH.search(said), said[:300]


@pytest.mark.parametrize("step", list(PATHS))
def test_hostile_input_at_every_step(step: str, world) -> None:
    loop, store, engine, states = world
    proto = states[step]
    users = itertools.count(1)
    from bot.store.models import ConversationState

    @hsettings(max_examples=EXAMPLES, deadline=None, database=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(inp=INPUTS)
    def check(inp: tuple[str, str]) -> None:
        kind, value = inp
        user = f"{step}-{next(users)}"

        async def go():
            if proto is not None:
                async with store.unit() as uow:
                    await uow.save_conversation(ConversationState(
                        channel=CHANNEL, chat_id=user, user_id=user, step=proto.step, data=proto.data, version=0))
            replies = await engine.handle(ev(user, kind, value))
            if kind != "command" or value.split(" ", 1)[0] not in ("",):
                _check(replies, value)
            async with store.unit(readonly=True) as uow:
                conv = await uow.get_conversation(CHANNEL, user)
            assert conv is not None and conv.step
            for data in conv.data.get("buttons") or []:
                assert len(str(data).encode("utf-8")) <= 64
            # The conversation still works: /aide is understood afterwards
            after = await engine.handle(ev(user, "command", "aide"))
            assert after and "/demande" in after[0].text

        loop.run_until_complete(go())

    check()
