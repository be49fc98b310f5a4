"""Abuse and bad input through Telegram: flooding, markup typed by a mayor, the longest messages, forged buttons."""

from __future__ import annotations

import json

from tests.e2e.conftest import STAFF_CHAT, STAFF_USERS, Person, file_request, make_settings, start_bot, stop_bot

WJ = "\u2060"


async def test_flood_slows_the_flooder_only_and_a_fast_intake_is_never_slowed(fake, sqlite_url) -> None:
    """Default limits (no override). The engine's clock is frozen: every event counts as arriving at the same
    instant, the worst case for a person who types and taps fast."""
    from bot.config import load_settings
    from bot.texts import dialogue as T

    defaults = load_settings()
    settings = make_settings(fake, sqlite_url, flood_max_messages=defaults.flood_max_messages,
                             flood_window_seconds=defaults.flood_window_seconds)
    running = await start_bot(fake, settings)
    try:
        engine = running.channel.mayor.engine
        frozen = [1_000.0]
        engine._clock = lambda: frozen[0]
        # A fast, thorough intake: a whole filing plus a look at every offer's details and the help text.
        careful = Person(running, 831, name="Claire")
        await careful.say("/start")
        await careful.say("/aide")
        ref = await file_request(careful)
        await careful.say("/mesdemandes")
        assert ref
        assert not [m for m in fake.messages_to(careful.chat_id) if T.FLOOD in (m.text or "")]

        # A flooder: 3 × the limit at once. One polite message, the rest ignored; another person meanwhile is served.
        flooder = Person(running, 832, name="Bot")
        calm = Person(running, 833, name="Paul")
        n = settings.flood_max_messages * 3
        updates = []
        for i in range(n):
            updates.append(fake.push_text(flooder.user, flooder.chat_id, f"spam {i}"))
            if i == n // 2:
                out = await calm.say("/demande")  # in the middle of the flood
                assert "collectivité" in "\n".join(m.text or "" for m in out).lower()
        for u in updates:
            await running.channel.wait_handled(u["update_id"], 60)
        to_flooder = [m.text or "" for m in fake.messages_to(flooder.chat_id)]
        assert to_flooder.count(T.FLOOD) == 1
        assert "Patientez" in T.FLOOD and "vous" in T.FLOOD.lower()
        assert to_flooder[-1] == T.FLOOD  # every message after the limit: the polite message once, then nothing
        out = await calm.say("Giromagny")
        assert "Giromagny" in "\n".join(m.text or "" for m in out)
        # Once the window has passed the flooder is heard again
        frozen[0] += settings.flood_window_seconds + 1
        out = await flooder.say("/aide")
        assert out and "/demande" in out[0].text
    finally:
        await stop_bot(running)


MARKUP_NEED = ("Projet <a href=\"http://evil.example/x\">cliquez ici</a> *très urgent* _souligné_ `code` "
               "[lien](http://evil.example/y) @chef_de_service tg://user?id=123456 <b>gras</b> ||spoiler|| "
               "pour rénover l'école et la mairie du village")
MARKUP_NAME = "Jean Dupont"  # the name question refuses markup characters (validators.validate_name)


def _sent_to(fake, chat_id: int) -> list[dict]:
    return [p for p in fake.calls_of("sendMessage") + fake.calls_of("editMessageText") if p.get("chat_id") == chat_id]


async def test_mayor_text_never_becomes_formatting_links_or_mentions(bot) -> None:
    fake = bot.fake
    mayor = Person(bot, 834, name="Jean")
    ref = await file_request(mayor, need=MARKUP_NEED, name=MARKUP_NAME, email="jean.dupont@example.org")
    await fake.wait_for_message(STAFF_CHAT, ref)
    await bot.settle()
    staff = Person(bot, STAFF_USERS[0], chat_id=STAFF_CHAT)
    await staff.say(f"/demande {ref}")
    group = _sent_to(fake, STAFF_CHAT)
    quoting = [p for p in group if "cliquez ici" in p["text"]]
    assert len(quoting) >= 2  # the notification and the /demande record
    for p in group + _sent_to(fake, mayor.chat_id):
        assert "parse_mode" not in p and "entities" not in p, p
        assert p.get("link_preview_options") == {"is_disabled": True}, p
    for p in quoting:
        text = p["text"]
        for literal in ('<a href="http://evil.example/x">cliquez ici</a>', "*très urgent*", "[lien](http://evil",
                        "<b>gras</b>", "||spoiler||"):
            assert literal in text, literal
        assert "@chef_de_service" not in text and f"@{WJ}chef_de_service" in text  # not a mention
        assert "tg://user" not in text and f"tg:{WJ}//user?id=123456" in text  # not a link
        assert "jean.dupont@example.org" in text  # an e-mail address is left as typed
    # What the fake server stored (Telegram would show): the raw text, no entity
    stored = [m for m in fake.messages_to(STAFF_CHAT) if "cliquez ici" in (m.text or "")]
    assert stored and all(m.parse_mode is None for m in stored)


async def test_longest_recap_and_staff_message_fit_telegram_limits(bot) -> None:
    """Every free answer at its maximum, in characters that count double for Telegram (UTF-16): the recap and the
    staff message still go out, each as one message, with buttons whose data fit 64 bytes."""
    from bot.channels.telegram.adapter import utf16_len

    fake = bot.fake
    mayor = Person(bot, 835, name="Max")
    need = ("Créer une maison de santé 😀 pour les médecins 🏥 " * 200)[:5000]
    name = ("Marie-Élisabeth 😀 de La Tour d'Auvergne-Lapalud " * 3)[:80].strip()
    email = "a" * 64 + "@" + "c" * 60 + "." + "d" * 60 + ".fr"
    ref = await file_request(mayor, need=need, name=name, email=email)
    await bot.settle()
    await bot.settle()
    for p in fake.calls_of("sendMessage") + fake.calls_of("editMessageText"):
        assert utf16_len(p["text"]) <= 4096
        markup = p.get("reply_markup") or {}
        if isinstance(markup, str):
            markup = json.loads(markup)
        for row in markup.get("inline_keyboard", []):
            for b in row:
                assert len(b["callback_data"].encode("utf-8")) <= 64
    recap = [m for m in fake.messages_to(mayor.chat_id) if (m.text or "").startswith("Récapitulatif")]
    assert recap and recap[-1].buttons
    staff_msgs = [m for m in fake.messages_to(STAFF_CHAT) if ref in (m.text or "")]
    assert len(staff_msgs) == 1 and staff_msgs[0].buttons  # one message, not split
    # Every staff action's edit (a status line is added) still fits
    staff = Person(bot, STAFF_USERS[0], chat_id=STAFF_CHAT, name="Agent " + "𝔇" * 60)
    msg = staff_msgs[0]
    await staff.press_data(msg.message_id, msg.button_data("Prendre en charge"))
    await bot.settle()
    await bot.settle()
    edited = fake.message(STAFF_CHAT, msg.message_id)
    assert edited.edits and utf16_len(edited.text) <= 4096 and edited.buttons
    async with bot.store.unit(readonly=True) as uow:
        failed = (await uow.conn.exec_driver_sql("SELECT count(*) FROM outbox WHERE status <> 'sent'")).scalar_one()
    assert failed == 0


async def test_forged_buttons_and_foreign_staff_use_are_refused_and_logged(bot) -> None:
    fake = bot.fake
    mayor = Person(bot, 836, name="Claire")
    ref = await file_request(mayor)
    group_msg = await fake.wait_for_message(STAFF_CHAT, ref, where=lambda m: bool(m.buttons))
    # A mayor forging callback data: a staff action, garbage, over-long, a valid button of another step
    last = fake.messages_to(mayor.chat_id)[-1].message_id
    for data in (f"st:take:{ref}", "\x00\u202e💥" * 5, "x" * 200, "r:maire", "consent"):
        seen = mayor.seen()
        await mayor.press_data(last, data)
        out = fake.messages_to(mayor.chat_id)[seen:]
        assert out and "n'est plus valable" in out[0].text
    assert (await bot.store.get_request(ref)).status == "nouvelle"
    # Staff buttons pressed by a non-staff user in the group, and forged staff data from a staff member
    intruder = Person(bot, 999, chat_id=STAFF_CHAT, name="Intrus")
    await intruder.press_data(group_msg.message_id, group_msg.button_data("Prendre en charge"))
    assert fake.callback_answers[-1].get("show_alert") is True
    staff = Person(bot, STAFF_USERS[0], chat_id=STAFF_CHAT)
    await staff.press_data(group_msg.message_id, "st:nuke:everything")
    await staff.press_data(group_msg.message_id, f"st:op:{ref}:nasa")
    assert (await bot.store.get_request(ref)).status == "nouvelle"
    # Staff commands in a private chat and in a foreign group
    await Person(bot, STAFF_USERS[0]).say("/export")
    await Person(bot, STAFF_USERS[1], chat_id=-100555).say("/demandes")
    assert not [m for m in fake.messages_to(STAFF_USERS[0]) if m.document]
    async with bot.store.unit(readonly=True) as uow:
        rows = dict((await uow.conn.exec_driver_sql(
            "SELECT kind, count(*) FROM event WHERE kind IN ('button_refused', 'staff_action_refused', "
            "'staff_forged_data', 'staff_command_refused') GROUP BY kind")).all())
    assert rows.get("button_refused") == 5
    assert rows.get("staff_action_refused") == 1
    assert rows.get("staff_forged_data") == 2  # unknown action, unknown operator
    assert rows.get("staff_command_refused") == 2
