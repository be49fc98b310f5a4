"""A mayor files a request through Telegram; staff act on it from the group; the mayor is told each time."""

from __future__ import annotations

from tests.e2e.conftest import OUTSIDER, STAFF_CHAT, STAFF_USERS, Person, file_request, texts


async def _staff_message(bot, ref: str):
    return await bot.fake.wait_for_message(STAFF_CHAT, ref, where=lambda m: bool(m.buttons))


async def test_full_intake_and_every_staff_action(bot):
    fake = bot.fake
    mayor = Person(bot, 501, name="Claire")
    staff = Person(bot, STAFF_USERS[0], chat_id=STAFF_CHAT, name="Agent Dupont")

    # The command menu was set at start-up
    assert [c["command"] for c in fake.commands] == ["start", "demande", "question", "mesdemandes", "agent", "aide",
                                                     "annuler"]
    ref = await file_request(mayor)
    # The phone was asked with a contact button, then the keyboard removed
    markups = [m.reply_markup or {} for m in fake.messages_to(mayor.chat_id)]
    assert any(b.get("request_contact") for mk in markups for row in mk.get("keyboard", []) for b in row)
    assert any(mk.get("remove_keyboard") for mk in markups)

    # One staff message with the request and its buttons
    group_msg = await _staff_message(bot, ref)
    assert "Giromagny" in group_msg.text and "maison de santé" in group_msg.text
    assert len([m for m in fake.messages_to(STAFF_CHAT) if ref in (m.text or "")]) == 1
    await bot.settle()
    record = await bot.store.get_request(ref)
    assert record.staff_message_id == str(group_msg.message_id)

    # Take charge: the mayor is told, the group message shows the status and who acted
    seen = mayor.seen()
    await staff.press_data(group_msg.message_id, group_msg.button_data("Prendre en charge"))
    told = await fake.wait_for_message(mayor.chat_id, ref, after=seen)
    assert "charge" in told.text.lower()
    await fake.wait_for(lambda: "Agent Dupont" in (fake.message(STAFF_CHAT, group_msg.message_id).text or ""),
                        what="the group message shows who took it")
    assert (await bot.store.get_request(ref)).status == "en_cours"
    assert fake.callback_answers[-1]["callback_query_id"]

    # Route: the sub-menu of operators, then Ademe
    await staff.press_data(group_msg.message_id, group_msg.button_data("Orienter"))
    current = fake.message(STAFF_CHAT, group_msg.message_id)
    assert any("Ademe" == label for label, _ in current.buttons)
    seen = mayor.seen()
    await staff.press_data(group_msg.message_id, current.button_data("Ademe"))
    told = await fake.wait_for_message(mayor.chat_id, "Ademe", after=seen)
    assert ref in told.text
    record = await bot.store.get_request(ref)
    assert record.status == "orientee" and record.operator == "Ademe"
    await fake.wait_for(lambda: "Ademe" in (fake.message(STAFF_CHAT, group_msg.message_id).text or ""),
                        what="the group message shows the operator")

    # Ask for details: a ForceReply prompt; the staff's reply is the question relayed to the mayor
    current = fake.message(STAFF_CHAT, group_msg.message_id)
    out = await staff.press_data(group_msg.message_id, current.button_data("précisions"))
    prompt = out[-1]
    assert prompt.reply_markup.get("force_reply") is True and ref in prompt.text
    seen = mayor.seen()
    await staff.say("Quel est le nombre de médecins intéressés ?", reply_to=prompt.message_id)
    question = await fake.wait_for_message(mayor.chat_id, "nombre de médecins", after=seen)
    assert ref in question.text
    assert (await bot.store.get_request(ref)).status == "en_attente"

    # The mayor answers in plain text: the answer comes to the group and is attached to the request
    seen_group = staff.seen()
    await mayor.say("Trois médecins et deux infirmières <b>motivés</b>")
    answer = await fake.wait_for_message(STAFF_CHAT, "Trois médecins", after=seen_group)
    assert "<b>motivés</b>" in answer.text and answer.parse_mode is None  # never formatting
    history = await bot.store.history(ref)
    assert any("Trois médecins" in str(e.data) for e in history)

    # Close as "traitée": the mayor is told; the message keeps no buttons. First let the outbox deliver the refresh
    # of the group message that the mayor's answer queued, so it does not land on top of the "Clore" sub-menu.
    await bot.settle()
    current = fake.message(STAFF_CHAT, group_msg.message_id)
    await staff.press_data(group_msg.message_id, current.button_data("Clore"))
    current = fake.message(STAFF_CHAT, group_msg.message_id)
    seen = mayor.seen()
    await staff.press_data(group_msg.message_id, current.button_data("Traitée"))
    await fake.wait_for_message(mayor.chat_id, ref, after=seen)
    assert (await bot.store.get_request(ref)).status == "traitee"
    await fake.wait_for(lambda: not fake.message(STAFF_CHAT, group_msg.message_id).buttons,
                        what="no buttons once closed")
    # Every callback query was answered
    pressed = [u for u in fake.calls_of("answerCallbackQuery")]
    assert len(pressed) >= 9

    # "Mes demandes" shows the request and its status in words
    out = await mayor.say("/mesdemandes")
    assert ref in texts(out)


async def test_non_staff_user_is_refused_and_logged(bot):
    fake = bot.fake
    mayor = Person(bot, 502)
    ref = await file_request(mayor, commune="Belfort")
    group_msg = await _staff_message(bot, ref)
    intruder = Person(bot, OUTSIDER, chat_id=STAFF_CHAT, name="Intrus")
    await intruder.press_data(group_msg.message_id, group_msg.button_data("Prendre en charge"))
    answer = fake.callback_answers[-1]
    assert answer.get("show_alert") is True and "agents" in answer.get("text", "")
    assert (await bot.store.get_request(ref)).status == "nouvelle"
    history = await bot.store.history(ref)
    assert any(e.kind == "staff_action_refused" and e.actor == f"telegram:{OUTSIDER}" for e in history)
    # A forged button from a staff member is refused too, without effect
    staff = Person(bot, STAFF_USERS[1], chat_id=STAFF_CHAT)
    await staff.press_data(group_msg.message_id, f"st:op:{ref}:nasa")
    assert (await bot.store.get_request(ref)).status == "nouvelle"
    # A non-staff member's staff command in the group is refused
    out = await intruder.say("/demandes")
    assert "réservée aux agents" in texts(out)


async def test_staff_commands_refused_in_private_and_foreign_groups(bot):
    staff_in_private = Person(bot, STAFF_USERS[0])
    for command in ("/demandes", "/export", "/stats", "/demande 90-2026-0001"):
        out = await staff_in_private.say(command)
        assert "réservée aux agents" in texts(out), command
    foreign = Person(bot, STAFF_USERS[0], chat_id=-100777)
    out = await foreign.say("/export")
    assert "réservée aux agents" in texts(out)
    assert not [m for m in bot.fake.messages_to(-100777) if m.document]
    async with bot.store.unit() as uow:
        # refusals are logged as events (no reference)
        rows = await uow.conn.exec_driver_sql(
            "SELECT count(*) FROM event WHERE kind = 'staff_command_refused'")
        assert rows.scalar_one() == 5
    # /demande alone in a private chat stays the mayor's command
    out = await staff_in_private.say("/demande")
    assert "collectivité" in texts(out).lower()


async def test_staff_commands_in_the_group(bot):
    fake = bot.fake
    mayor = Person(bot, 503)
    ref = await file_request(mayor)
    await _staff_message(bot, ref)
    staff = Person(bot, STAFF_USERS[0], chat_id=STAFF_CHAT)
    out = await staff.say("/demandes")
    assert ref in texts(out)
    out = await staff.say("/demandes traitee")
    assert ref not in texts(out)
    out = await staff.say("/demandes nimporte")  # words: a search, with nothing found
    assert "Aucune demande" in texts(out)
    out = await staff.say(f"/demande {ref}")
    body = texts(out)
    assert ref in body and "Historique" in body
    out = await staff.say("/demande 90-2026-9999")
    assert "9999" in texts(out)
    out = await staff.say("/export")
    docs = [m for m in out if m.document]
    assert len(docs) == 1
    content = docs[0].document["content"]
    assert content.startswith(b"\xef\xbb\xbf") and ref.encode() in content
    out = await staff.say("/stats")
    assert "demande" in texts(out)
    assert fake.unauthorized_calls == 0


async def test_agent_relay_both_ways(bot):
    fake = bot.fake
    mayor = Person(bot, 504, name="Paul")
    await mayor.say("/start")
    seen_group = len(fake.messages_to(STAFF_CHAT))
    out = await mayor.say("/agent Bonjour, je voudrais parler à quelqu'un de la préfecture")
    assert out  # acknowledged
    relayed = await fake.wait_for_message(STAFF_CHAT, "parler à quelqu'un", after=seen_group)
    await bot.settle()  # the sender recorded which group message carries the relay
    staff = Person(bot, STAFF_USERS[0], chat_id=STAFF_CHAT)
    seen = mayor.seen()
    out = await staff.say("Bonjour, je vous rappelle cet après-midi.", reply_to=relayed.message_id)
    back = await fake.wait_for_message(mayor.chat_id, "je vous rappelle", after=seen)
    assert back.parse_mode is None
    # A staff message that is not a reply to one of the bot's messages is not relayed
    seen = mayor.seen()
    await staff.say("Note interne entre agents")
    assert mayor.seen() == seen


async def test_double_tap_and_deleted_group_message(bot):
    fake = bot.fake
    mayor = Person(bot, 505)
    ref = await file_request(mayor, commune="Belfort")
    group_msg = await _staff_message(bot, ref)
    await bot.settle()
    staff = Person(bot, STAFF_USERS[0], chat_id=STAFF_CHAT, name="Agent Martin")
    seen = mayor.seen()
    data = group_msg.button_data("Prendre en charge")
    await staff.press_data(group_msg.message_id, data)
    await staff.press_data(group_msg.message_id, data)  # double tap: a second update, same action
    await fake.wait_for_message(mayor.chat_id, ref, after=seen)
    await bot.settle()
    assert len([m for m in fake.messages_to(mayor.chat_id)[seen:] if ref in m.text]) == 1
    assert "déjà" in fake.callback_answers[-1].get("text", "")
    # Someone deleted the request's message in the group: the next action posts a fresh one, tied to the request
    fake.message(STAFF_CHAT, group_msg.message_id).deleted = True
    current = fake.message(STAFF_CHAT, group_msg.message_id)
    await staff.press_data(group_msg.message_id, f"st:op:{ref}:cerema")
    fresh = await fake.wait_for_message(STAFF_CHAT, "Cerema",
                                        where=lambda m: not m.deleted and m.message_id != current.message_id)
    await bot.settle()
    assert ref in fresh.text
    assert (await bot.store.get_request(ref)).staff_message_id == str(fresh.message_id)
