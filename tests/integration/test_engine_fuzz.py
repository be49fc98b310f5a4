"""Property-based: any text at any intake step (unicode of every kind, RTL, zero-width, NUL, > 4 096 characters,
HTML/Markdown) never raises, always gets a short French reply, and never breaks the conversation. Real engine and
knowledge base over a real SQLite store."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from bot.dialogue.events import Event
from bot.texts import dialogue as T

CHANNEL = "fuzz"
_keys = itertools.count(1)

# Reaching each step from a fresh conversation: events (kind, value).
TO_STEP = {
    "menu": [("command", "start")],
    "commune": [("command", "demande")],
    "role": [("command", "demande"), ("text", "Delle"), ("button", "y")],
    "need": [("command", "demande"), ("text", "Delle"), ("button", "y"), ("button", "r:maire")],
    "budget": [("command", "demande"), ("text", "Delle"), ("button", "y"), ("button", "r:maire"),
               ("text", "Nous voulons créer une voie verte entre la gare et le collège pour les vélos"),
               ("button", "y"), ("button", "s:idee"), ("button", "h:information"), ("button", "ok")],
}
TO_STEP["name"] = TO_STEP["budget"] + [("button", "skip"), ("button", "tskip")]
TO_STEP["phone"] = TO_STEP["name"] + [("text", "Jeanne Martin")]
TO_STEP["email"] = TO_STEP["phone"] + [("text", "06 12 34 56 78")]
TO_STEP["recap"] = TO_STEP["email"] + [("button", "skip"), ("button", "ok")]

MARKUP = st.sampled_from(["<b>gras</b>", "*gras*", "[lien](http://evil.example)", "@admin", "`code`", "<a href='x'>",
                          "_", "\\", "</>", "&amp;", "```"])
TEXTS = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(blacklist_categories=()), max_size=60),
    st.text(alphabet="\u202e\u202b\u200f\u200b\u200d\ufeff\x00\x07\x1b\n\t אבג مرح", max_size=80),
    st.text(min_size=4100, max_size=5000, alphabet="abcdefghij éèà \n"),
    st.lists(MARKUP, min_size=1, max_size=8).map(" ".join),
)


def ev(user: str, kind: str, value: str) -> Event:
    kw = {"text": value} if kind == "text" else {"data": value} if kind == "button" else {"command": value}
    return Event(channel=CHANNEL, user_id=user, chat_id=user, kind=kind, update_key=f"fz:{next(_keys)}", **kw)


@pytest.fixture(scope="module")
def kb():
    from knowledge.base import KnowledgeBase

    return KnowledgeBase.load("90")


@pytest.mark.parametrize("step", list(TO_STEP))
def test_any_text_at_any_step(step: str, kb, tmp_path: Path) -> None:
    from bot.config import load_settings
    from bot.dialogue.engine import Engine
    from bot.store.repository import Store

    loop = asyncio.new_event_loop()
    store = loop.run_until_complete(Store.open(f"sqlite:///{tmp_path / 'f.db'}", departement="90",
                                               timezone_name="Europe/Paris"))
    engine = Engine(kb=kb, store=store, settings=load_settings(flood_max_messages=1_000_000))
    users = itertools.count(1)

    @hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(text=TEXTS)
    def check(text: str) -> None:
        user = f"{step}-{next(users)}"
        for kind, value in TO_STEP[step]:
            loop.run_until_complete(engine.handle(ev(user, kind, value)))
        replies = loop.run_until_complete(engine.handle(ev(user, "text", text)))
        assert replies
        assert all(r.text and len(r.text) <= 4096 for r in replies)
        assert replies[0].text not in (T.INTERNAL_ERROR, T.UNAVAILABLE)
        # the conversation still works: a command is understood afterwards
        after = loop.run_until_complete(engine.handle(ev(user, "command", "aide")))
        assert after and "/demande" in after[0].text

    try:
        check()
    finally:
        loop.run_until_complete(store.close())
        loop.close()
