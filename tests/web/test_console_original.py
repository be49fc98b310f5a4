"""Issue: the person's original words reach staff. A request filed through the real engine keeps the need as the
person wrote it (greeting, « je suis maire de … » included) beside the need trimmed to the project's words: on the
console's request page (« Message d'origine », and every message of the intake) and on the staff card."""

from __future__ import annotations

from bot.dialogue.stories import CHANNEL, StoryRunner
from tests.web.conftest import WebEnv, text_of

FIRST = "Bonjour, je suis maire de Giromagny, nous voulons rénover l'école. Merci d'avance"
STORY = {"name": "original", "user": "mayor-original", "steps": [
    {"say": FIRST}, {"press": "Étude"}, {"press": "Financement"}, {"press": "Valider"}, {"press": "Passer"},
    {"press": "Passer"}, {"say": "Marie Dupont"}, {"say": "06 12 34 56 78"}, {"press": "Envoyer la demande"},
]}


async def file_through_the_engine(web: WebEnv) -> str:
    await StoryRunner(web.guichet.engine, web.guichet.store).run(STORY)
    async with web.guichet.store.unit(readonly=True) as uow:
        records = await uow.list_requests(channel=CHANNEL, user_id="mayor-original")
    assert len(records) == 1
    assert records[0].description == "rénover l'école"
    return records[0].reference


async def test_request_page_shows_the_original_message(web: WebEnv, login_as) -> None:
    ref = await file_through_the_engine(web)
    c = await login_as("prefecture")
    page = await c.get(f"/console/demandes/{ref}")
    assert page.status_code == 200
    body = text_of(page)
    assert "Message d'origine" in body
    assert FIRST in body  # verbatim
    assert "Tous les messages de l'élu(e) pendant le dépôt (3)" in body
    assert "Marie Dupont" in body and "06 12 34 56 78" in body


async def test_staff_card_shows_the_original_message_and_keeps_it_on_refresh(web: WebEnv) -> None:
    ref = await file_through_the_engine(web)
    res = await web.guichet.staff.take_charge(ref, "telegram:77", "Paul Agent")
    assert res.ok
    async with web.guichet.store.unit(readonly=True) as uow:
        cards = [m for m in await uow.due_outbox(limit=1000) if m.reference == ref and m.channel == "staff"]
    kinds = {m.kind for m in cards}
    assert {"staff_new_request", "staff_update"} <= kinds
    for card in cards:
        assert "Besoin :\nrénover l'école" in card.text
        assert f"Message d'origine :\n« {FIRST} »" in card.text
    summary = await web.guichet.staff.summary(ref)
    assert summary is not None and FIRST in str(summary)


async def test_no_original_block_when_the_words_are_the_need(web: WebEnv, login_as) -> None:
    r = await web.new_request(description="Créer une maison de santé")
    async with web.guichet.store.unit() as uow:
        await uow.log_event(r.reference, "telegram:1001", "original_messages",
                            {"messages": ["Créer une maison de santé"], "need": "Créer une maison de santé"})
    c = await login_as("prefecture")
    body = text_of(await c.get(f"/console/demandes/{r.reference}"))
    assert "Message d'origine" not in body
    assert "Tous les messages de l'élu(e) pendant le dépôt (1)" in body


async def test_erasing_personal_data_drops_the_original(web: WebEnv, login_as) -> None:
    from bot.store.retention import erase_personal_data

    ref = await file_through_the_engine(web)
    async with web.guichet.store.unit() as uow:
        await erase_personal_data(uow, CHANNEL, "mayor-original", "test")
    c = await login_as("prefecture")
    body = text_of(await c.get(f"/console/demandes/{ref}"))
    assert FIRST not in body and "Message d'origine" not in body
