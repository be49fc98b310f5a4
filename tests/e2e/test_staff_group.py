"""The staff group in names, not codes (issue 12): the card after each action, the link to the console, /aide,
/demandes with words, /clore with a message for the mayor, and the sub-menu kept under a staff member's finger."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import STAFF_CHAT, STAFF_USERS, Person, file_request, make_settings, start_bot, stop_bot, \
    texts

PUBLIC = "https://guichet.example.gouv.fr"


@pytest.fixture
async def bot(fake, database_url):  # noqa: ANN001, ANN201 - the e2e bot with a public URL
    running = await start_bot(fake, make_settings(fake, database_url, public_url=PUBLIC + "/"))
    try:
        yield running
    finally:
        await stop_bot(running)


async def _card(bot, ref: str):  # noqa: ANN001, ANN202
    return await bot.fake.wait_for_message(STAFF_CHAT, ref, where=lambda m: bool(m.buttons))


async def test_card_in_names_with_link_after_every_action(bot) -> None:  # noqa: ANN001
    fake = bot.fake
    mayor = Person(bot, 601, name="Claire")
    staff = Person(bot, STAFF_USERS[0], chat_id=STAFF_CHAT, name="Agent Dupont")
    ref = await file_request(mayor, name="Claire Martin")
    card = await _card(bot, ref)
    link = f"{PUBLIC}/console/demandes/{ref}"
    assert link in card.text and "Santé et accès aux soins" in card.text
    await bot.settle()

    await staff.press_data(card.message_id, card.button_data("Prendre en charge"))
    await fake.wait_for(lambda: "Agent Dupont" in (fake.message(STAFF_CHAT, card.message_id).text or ""),
                        what="the card shows who took it")
    out = await staff.press_data(card.message_id, card.button_data("précisions"))
    seen = mayor.seen()
    await staff.say("Combien de médecins ?", reply_to=out[-1].message_id)
    await fake.wait_for_message(mayor.chat_id, "Combien de médecins", after=seen)
    await bot.settle()
    await mayor.say("Trois médecins")
    await fake.wait_for(lambda: "Claire Martin" in (fake.message(STAFF_CHAT, card.message_id).text or "")
                        and "Prise en charge" in (fake.message(STAFF_CHAT, card.message_id).text or ""),
                        what="the card names the mayor who answered")
    await bot.settle()
    text = fake.message(STAFF_CHAT, card.message_id).text
    assert "Thèmes : Santé et accès aux soins" in text
    assert link in text
    for code in ("sante", "acces-aux-soins", "telegram:", "Thèmes : sante"):
        assert code not in text.replace("Santé", ""), code
    # Every version of the card the group saw was in names, with the link
    edits = [c["text"] for c in fake.calls_of("editMessageText")]
    assert edits and all(link in t and "acces-aux-soins" not in t and "telegram:" not in t for t in edits)
    # /demande shows the history in words, with people's names
    body = texts(await staff.say(f"/demande {ref}"))
    assert "Claire Martin" in body and "Agent Dupont" in body and "telegram:" not in body
    assert "statut : Prise en charge" in body


async def test_help_search_and_close_with_a_message(bot) -> None:  # noqa: ANN001
    fake = bot.fake
    staff = Person(bot, STAFF_USERS[0], chat_id=STAFF_CHAT, name="Agent Dupont")
    mayor = Person(bot, 602)
    ref = await file_request(mayor, commune="Giromagny")
    other = await file_request(Person(bot, 603), commune="Belfort",
                               need="Rénover l'école maternelle pour réduire la facture de chauffage")
    await _card(bot, other)

    body = texts(await staff.say("/aide"))
    assert "/demandes MOTS" in body and "/clore" in body and f"{PUBLIC}/console/" in body
    # A mayor's /aide in private is still the mayor's help
    assert "/demandes" not in texts(await mayor.say("/aide"))

    body = texts(await staff.say("/demandes giromagny"))
    assert ref in body and other not in body and "1 demande(s)" in body
    body = texts(await staff.say("/demandes ecole chauffage"))  # unaccented words of the need
    assert other in body and ref not in body
    assert other in texts(await staff.say(f"/demandes {other}"))
    assert "Aucune demande" in texts(await staff.say("/demandes nimporte"))
    body = texts(await staff.say("/demandes en cours"))  # a status in words
    assert ref not in body

    assert "Usage" in texts(await staff.say("/clore"))
    assert "Usage" in texts(await staff.say(f"/clore {ref} peut-etre"))
    seen = mayor.seen()
    await staff.say(f"/clore {ref} sans suite Le projet relève de la région : contactez son service santé.")
    told = await fake.wait_for_message(mayor.chat_id, ref, after=seen)
    assert "close sans suite" in told.text and "contactez son service santé" in told.text
    record = await bot.store.get_request(ref)
    assert record.status == "close_sans_suite"


async def test_open_sub_menu_is_kept_by_a_refresh(bot) -> None:  # noqa: ANN001
    """Staff open « Clore »; meanwhile the mayor's answer refreshes the card: the card's text changes, the
    outcome buttons stay until the staff member chooses or goes back."""
    fake = bot.fake
    mayor = Person(bot, 604, name="Paul")
    staff = Person(bot, STAFF_USERS[0], chat_id=STAFF_CHAT, name="Agent Martin")
    ref = await file_request(mayor, name="Paul Durand")
    card = await _card(bot, ref)
    await bot.settle()
    out = await staff.press_data(card.message_id, card.button_data("précisions"))
    seen = mayor.seen()
    await staff.say("Quel budget ?", reply_to=out[-1].message_id)
    await fake.wait_for_message(mayor.chat_id, "Quel budget", after=seen)
    await bot.settle()

    await staff.press_data(card.message_id, card.button_data("Clore"))
    labels = [label for label, _ in fake.message(STAFF_CHAT, card.message_id).buttons]
    assert "Traitée" in labels and "Sans suite" in labels
    await mayor.say("Environ 800 000 euros")
    await fake.wait_for(lambda: "Paul Durand" in (fake.message(STAFF_CHAT, card.message_id).text or ""),
                        what="the refresh of the card landed")
    await bot.settle()
    current = fake.message(STAFF_CHAT, card.message_id)
    assert [label for label, _ in current.buttons] == labels  # still the sub-menu
    # « Retour » closes the sub-menu; the next refresh shows the main buttons
    await staff.press_data(card.message_id, current.button_data("Retour"))
    assert "Prendre en charge" in [label for label, _ in fake.message(STAFF_CHAT, card.message_id).buttons]
    # Choosing in a sub-menu closes it too: the refresh after « Ademe » shows the main buttons again
    await staff.press_data(card.message_id, card.button_data("Orienter"))
    await staff.press_data(card.message_id, fake.message(STAFF_CHAT, card.message_id).button_data("Ademe"))
    await fake.wait_for(lambda: "Ademe" in (fake.message(STAFF_CHAT, card.message_id).text or ""),
                        what="routed")
    await bot.settle()
    assert "Prendre en charge" in [label for label, _ in fake.message(STAFF_CHAT, card.message_id).buttons]
