"""Issue 26, target: no message from a person that no staff view shows. A person writes to staff from every channel
(the web chat over HTTP, Telegram and the terminal through the engine), before and after filing; each message is
found in the console — on the request, or in « Personnes en attente » — and staff answer from there."""

from __future__ import annotations

import itertools
import secrets
from typing import Any

from bot.dialogue.events import Event
from tests.web.conftest import WebEnv, csrf_of, text_of
from tests.webchat.pilot import csrf_of as chat_csrf_of

_keys = itertools.count(1)


async def say(web: WebEnv, channel: str, user: str, text: str | None = None, command: str | None = None) -> str:
    kind = "command" if command else "text"
    replies = await web.guichet.engine.handle(Event(channel=channel, user_id=user, chat_id=user, kind=kind,
                                                    text=text, command=command, update_key=f"em:{next(_keys)}"))
    return "\n".join(r.text for r in replies)


async def web_say(person: Any, text: str) -> None:
    page = (await person.get("/")).text
    r = await person.post("/message", data={"csrf": chat_csrf_of(page), "key": secrets.token_hex(8), "text": text})
    assert r.status_code == 303


async def test_every_channel_before_filing_lands_in_people_waiting(web: WebEnv, login_as) -> None:
    # the web chat, over HTTP: « /agent », then a message during the handover
    person = web.client()
    await web_say(person, "/agent")
    await web_say(person, "Pouvez-vous me rappeler au sujet du city stade de Vescemont ?")
    # Telegram and the terminal, through the engine: a call in words, then a follow-up
    assert "un agent de la préfecture a été prévenu" in await say(web, "telegram", "7001",
                                                                   "je voudrais parler à un agent de la préfecture")
    assert "Transmis à l'agent" in await say(web, "telegram", "7001", "C'est pour la toiture de l'église de Lepuix")
    await say(web, "console", "terminal-1", command="agent")
    await say(web, "console", "terminal-1", "Question sur la DETR pour la mairie d'Auxelles-Haut")

    staff = await login_as("prefecture")
    inbox = text_of(await staff.get("/console/"))
    assert "Personnes en attente (3)" in inbox
    page = text_of(await staff.get("/console/en-attente"))
    for words in ("city stade de Vescemont", "toiture de l'église de Lepuix", "DETR pour la mairie d'Auxelles-Haut",
                  "parler à un agent de la préfecture"):
        assert words in page, words
    assert "Telegram" in page and "Page web des élus" in page and "Terminal" in page

    # staff answer the Telegram person from the console: the reply goes out through the outbox to their chat
    async with web.guichet.store.unit() as uow:
        from bot.store import inbox as store_inbox

        chats = {c.channel: c for c in await store_inbox.waiting_chats(uow)}
    tg = chats["telegram"]
    r = await staff.post(f"/console/en-attente/{tg.id}/repondre",
                         data={"csrf_token": csrf_of(page), "texte": "Je vous appelle demain matin.",
                               "action_id": "a1"})
    assert r.status_code == 303
    again = await staff.post(f"/console/en-attente/{tg.id}/repondre",  # a double submit sends once
                             data={"csrf_token": csrf_of(page), "texte": "Je vous appelle demain matin.",
                                   "action_id": "a1"})
    assert again.status_code == 303
    async with web.guichet.store.unit() as uow:
        sent = [m for m in await uow.due_outbox(limit=1000)
                if m.kind == "relay_to_mayor" and m.channel == "telegram" and m.chat_id == "7001"]
    assert len(sent) == 1 and "Je vous appelle demain matin." in sent[0].text
    page = text_of(await staff.get("/console/en-attente"))
    assert "toiture de l'église de Lepuix" not in page and "city stade de Vescemont" in page
    assert "Personnes en attente (2)" in text_of(await staff.get("/console/"))
    # the person's handover ends with the staff's answer: their next message goes to the guichet again
    assert "Transmis à l'agent" not in await say(web, "telegram", "7001", "merci")


async def test_after_filing_every_message_lands_on_the_request_marked_new(web: WebEnv, login_as) -> None:
    tg = await web.new_request(channel="telegram", user_id="7101", chat_id="7101", contact_name="Paul Roy")
    term = await web.new_request(channel="console", user_id="t-2", chat_id="t-2", contact_name="Anne Lux",
                                 commune_code="90052", commune_name="Grandvillars")
    staff = await login_as("prefecture")
    for ref in (tg.reference, term.reference):  # opened once: nothing new
        await staff.get(f"/console/demandes/{ref}")
    await say(web, "telegram", "7101", command="agent")
    await say(web, "telegram", "7101", "Le conseil municipal a voté le projet hier soir")
    await say(web, "console", "t-2", "je veux parler à quelqu'un de la préfecture s'il vous plaît")
    # an addition by reference (the append path: event « appended »)
    await say(web, "console", "t-2", f"ajouter une info à ma demande {term.reference} : le devis est de 80 000 €")

    inbox = await staff.get("/console/")
    body = text_of(inbox)
    assert "nouveau" in body and "<title>(2)" in inbox.text
    page = text_of(await staff.get(f"/console/demandes/{tg.reference}"))
    assert "Le conseil municipal a voté le projet hier soir" in page
    assert "Demande à parler à un agent" in page and "Message à l'agent" in page
    page = text_of(await staff.get(f"/console/demandes/{term.reference}"))
    assert "parler à quelqu'un de la préfecture" in page and "le devis est de 80 000 €" in page
    assert "<title>(0)" not in (await staff.get("/console/")).text  # both opened: nothing new left
    assert "<title>Demandes" in (await staff.get("/console/")).text
    # nothing went only to the staff group: the console lists no one waiting
    assert "Personnes en attente (0)" in text_of(await staff.get("/console/")) or \
        "Personnes en attente (" not in text_of(await staff.get("/console/"))


async def test_plain_reply_keeps_the_status_question_changes_it_and_the_answer_keeps_the_owner(
        web: WebEnv, login_as) -> None:
    record = await web.new_request(channel="telegram", user_id="7201", chat_id="7201")
    staff = await login_as("prefecture")
    page = (await staff.get(f"/console/demandes/{record.reference}")).text
    token = csrf_of(page)
    r = await staff.post(f"/console/demandes/{record.reference}/repondre",
                         data={"csrf_token": token, "texte": "Bien reçu, nous étudions.", "action_id": "r1"})
    assert r.status_code == 303
    async with web.guichet.store.unit() as uow:
        rec = await uow.get_request(record.reference)
        sent = [m for m in await uow.outbox_of_request(record.reference) if m.kind == "relay_to_mayor"]
    assert rec.status == "nouvelle" and len(sent) == 1 and "Bien reçu, nous étudions." in sent[0].text
    assert rec.assigned_to == staff.agent.name  # who writes to the person follows the request
    r = await staff.post(f"/console/demandes/{record.reference}/question",
                         data={"csrf_token": token, "texte": "Avez-vous un devis ?", "action_id": "q1"})
    async with web.guichet.store.unit() as uow:
        assert (await uow.get_request(record.reference)).status == "en_attente"
    await say(web, "telegram", "7201", "Oui, 45 000 € HT")
    async with web.guichet.store.unit() as uow:
        rec = await uow.get_request(record.reference)
    assert rec.status == "en_cours" and rec.assigned_to == staff.agent.name
    mine = text_of(await staff.get("/console/?vue=mes-demandes"))
    assert record.reference in mine and "nouveau" in mine
    page = text_of(await staff.get(f"/console/demandes/{record.reference}"))
    assert "Oui, 45 000 € HT" in page
