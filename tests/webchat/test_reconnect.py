"""Issue 24 — the web chat's replies are delivered at least once: a reply whose answer the page never received (the
connection died after the server handled the message) is in the transcript, written in the same transaction as the
turn; the page asks for what follows its last shown message when it polls again or reloads (``chat.js``: ``lastId``),
and a resend of the same message (same key) is handled once."""

from __future__ import annotations

import secrets

from tests.webchat.pilot import csrf_of, parse_messages
from tests.webchat.test_chat_http import Person, chat  # noqa: F401 - the fixture


async def test_a_reply_the_page_did_not_receive_is_shown_when_it_reconnects(chat, store, smtp) -> None:  # noqa: F811
    person = Person(chat, smtp)
    await person.open()
    await person.say("Bonjour")
    shown = person.messages()
    last = shown[-1].id
    fetch = {"X-Requested-With": "fetch"}
    form = {"csrf": csrf_of(person.page), "key": secrets.token_hex(8), "text": "/aide", "after": str(last)}

    # The page posts in the background; the server handles it, but the answer never reaches the page.
    lost = await person.http.post("/message", data=form, headers=fetch)
    assert lost.status_code == 200
    lost_ids = [m.id for m in parse_messages(lost.text)]
    assert lost_ids and [m.author for m in parse_messages(lost.text)][0] == "person"

    # Back online: the page polls with the last message it shows; everything after it comes, the reply included.
    polled = await person.http.get(f"/messages?after={last}")
    assert polled.status_code == 200
    again = parse_messages(polled.text)
    assert [m.id for m in again] == lost_ids
    assert any(m.author != "person" and m.text for m in again)

    # The page sends the same message again (same key): handled once, the same reply.
    resent = await person.http.post("/message", data=form, headers=fetch)
    assert resent.status_code == 200
    assert [m.id for m in parse_messages(resent.text)] == lost_ids
    # A reload shows it too, once.
    page = parse_messages((await person.http.get("/")).text)
    assert [m.id for m in page][-len(lost_ids):] == lost_ids
    assert [m.text for m in page if m.author == "person"].count("« Aide »") == 1  # the web names commands
    await person.close()
