"""Staff actions on SQLite and PostgreSQL: each one transaction with its event and its outbox rows, idempotent."""

from __future__ import annotations

import asyncio

import pytest

from bot.staff import service as S
from bot.staff.service import StaffService, parse_callback, staff_summary
from bot.store.models import ConversationState, RequestDraft, RequestRecord
from bot.store.repository import Store


def draft(**kw: object) -> RequestDraft:
    base: dict[str, object] = dict(
        channel="telegram", user_id="1001", chat_id="1001", commune_code="90065", commune_name="Giromagny",
        role="maire", contact_name="Jeanne Martin", phone="+33612345678", email="j.martin@example.org",
        description="Créer une maison de santé", themes=["sante"], stage="etude", help_kinds=["financement"],
        matches=["acces-aux-soins", "petites-villes-de-demain", "dsil"],
    )
    base.update(kw)
    return RequestDraft(**base)  # type: ignore[arg-type]


async def new_request(store: Store, **kw: object) -> RequestRecord:
    async with store.unit() as uow:
        return await uow.create_request(draft(**kw))


async def outbox(store: Store) -> list:
    return await store.due_outbox(limit=1000)


async def test_take_charge_notifies_mayor_once(store: Store) -> None:
    ref = (await new_request(store)).reference
    svc = StaffService(store)
    res = await svc.take_charge(ref, "telegram:77", "Paul Agent")
    assert res.ok and res.code == "ok" and res.record is not None and res.record.status == "en_cours"
    assert res.record.assigned_to == "Paul Agent"
    assert "Paul Agent" in res.message
    again = await svc.take_charge(ref, "telegram:77", "Paul Agent")  # double tap
    assert again.ok and again.code == "unchanged"
    rows = await outbox(store)
    mayor = [m for m in rows if m.channel == "telegram"]
    assert len(mayor) == 1 and mayor[0].chat_id == "1001" and mayor[0].kind == "status_notice"
    assert mayor[0].text == f"Votre demande {ref} a été prise en charge par la préfecture."
    staff = [m for m in rows if m.channel == "staff"]
    assert len(staff) == 1 and "Prise en charge" in staff[0].text and "Paul Agent" in staff[0].text
    hist = await store.history(ref)
    assert [(e.kind, e.actor) for e in hist] == [("created", "telegram:1001"), ("status", "telegram:77")]


async def test_update_key_makes_actions_idempotent(store: Store) -> None:
    ref = (await new_request(store)).reference
    svc = StaffService(store)
    first = await svc.ask_details(ref, "Quel est le budget ?", "telegram:77", update_key="tg:500")
    second = await svc.ask_details(ref, "Quel est le budget ?", "telegram:77", update_key="tg:500")
    assert first.code == "ok" and second.code == "already_handled"
    third = await svc.ask_details(ref, "Quel est le budget ?", "telegram:77", update_key="tg:501")
    assert third.code == "unchanged"  # the same question twice is sent once
    questions = [m for m in await outbox(store) if m.kind == "staff_question"]
    assert len(questions) == 1 and "Quel est le budget ?" in questions[0].text


async def test_route_validates_operator_and_relays(store: Store) -> None:
    ref = (await new_request(store)).reference
    svc = StaffService(store)
    bad = await svc.route(ref, "NASA", "telegram:77")
    assert not bad.ok and bad.code == "unknown_operator" and "Ademe" in bad.message
    res = await svc.route(ref, "banque des territoires", "telegram:77")
    assert res.ok and res.record is not None and res.record.operator == "Banque des Territoires"
    assert (await svc.route(ref, "bdt", "telegram:77")).code == "unchanged"
    res = await svc.route(ref, "Cerema", "telegram:77")  # re-routing is allowed
    assert res.ok and res.record is not None and res.record.operator == "Cerema"
    texts = [m.text for m in await outbox(store) if m.channel == "telegram"]
    assert texts == [
        f"Votre demande {ref} a été transmise à : Banque des Territoires, qui reviendra vers vous.",
        f"Votre demande {ref} a été transmise à : Cerema, qui reviendra vers vous.",
    ]


async def test_ask_details_then_mayor_answer(store: Store) -> None:
    ref = (await new_request(store)).reference
    svc = StaffService(store)
    res = await svc.ask_details(ref, "Avez-vous un devis ?", "telegram:77", "Paul")
    assert res.ok and res.record is not None and res.record.status == "en_attente"
    async with store.unit() as uow:
        conv = await uow.get_conversation("telegram", "1001")
    assert conv is not None and conv.data["awaiting"]["reference"] == ref
    # The engine calls mayor_answer inside its own unit.
    async with store.unit() as uow:
        ans = await S.mayor_answer(uow, ref, "Oui, 80 000 € HT", "telegram:1001")
    assert ans.ok and ans.record is not None and ans.record.status == "en_cours"
    rows = await outbox(store)
    relayed = [m for m in rows if m.kind == "mayor_answer"]
    assert len(relayed) == 1 and "Oui, 80 000 € HT" in relayed[0].text and relayed[0].channel == "staff"
    assert relayed[0].meta["relay_to"]["chat_id"] == "1001"
    hist = await store.history(ref)
    kinds = [e.kind for e in hist]
    assert kinds == ["created", "question", "status", "appended", "status"]
    assert hist[3].data["text"] == "Oui, 80 000 € HT"


async def test_ask_keeps_existing_conversation_state(store: Store) -> None:
    ref = (await new_request(store)).reference
    async with store.unit() as uow:
        await uow.save_conversation(ConversationState(channel="telegram", chat_id="1001", user_id="1001",
                                                      step="need", data={"draft": {"need": "x"}}))
    await StaffService(store).ask_details(ref, "Quelle surface ?", "telegram:77")
    async with store.unit() as uow:
        conv = await uow.get_conversation("telegram", "1001")
    assert conv is not None and conv.step == "need" and conv.data["draft"] == {"need": "x"}
    assert conv.data["awaiting"]["question"] == "Quelle surface ?"


async def test_close_and_illegal_moves(store: Store) -> None:
    ref = (await new_request(store)).reference
    svc = StaffService(store)
    assert (await svc.close(ref, "peut-être", "telegram:77")).code == "unknown_outcome"
    res = await svc.close(ref, "traitee", "telegram:77", note="Dossier DSIL déposé.")
    assert res.ok and res.record is not None and res.record.status == "traitee"
    assert (await svc.close(ref, "t", "telegram:77")).code == "unchanged"
    for result in (
        await svc.take_charge(ref, "telegram:77"),
        await svc.route(ref, "Ademe", "telegram:77"),
        await svc.ask_details(ref, "?", "telegram:77"),
        await svc.close(ref, "sans suite", "telegram:77"),
    ):
        assert not result.ok and result.code == "illegal_transition" and "Traitée" in result.message
    unknown = await svc.take_charge("90-1999-0001", "telegram:77")
    assert not unknown.ok and unknown.code == "unknown_reference"
    assert not (await svc.ask_details(ref, "   ", "telegram:77")).ok
    mayor = [m.text for m in await outbox(store) if m.channel == "telegram"]
    assert len(mayor) == 1
    # The outcome in plain words, the commune, then staff's message
    assert mayor[0].startswith(f"Votre demande {ref} (Giromagny) est traitée : la préfecture a terminé")
    assert "Message de la préfecture :\nDossier DSIL déposé." in mayor[0]


async def test_closure_messages_say_the_outcome(store: Store) -> None:
    svc = StaffService(store)
    routed = (await new_request(store)).reference
    await svc.route(routed, "ademe", "telegram:77", "Agent Dupont")
    await svc.close(routed, "t", "telegram:77", None, "Agent Dupont")
    dropped = (await new_request(store)).reference
    await svc.close(dropped, "sans suite", "telegram:77", "Projet déjà financé par la région.", "Agent Dupont")
    silent = (await new_request(store)).reference
    await svc.close(silent, "s", "telegram:77", None, "Agent Dupont")
    by_ref: dict[str, list[str]] = {}
    for m in await outbox(store):
        if m.channel == "telegram":
            by_ref.setdefault(m.reference, []).append(m.text)
    assert "votre interlocuteur est : Ademe" in by_ref[routed][-1]
    assert "close sans suite" in by_ref[dropped][-1]
    assert "Message de la préfecture :\nProjet déjà financé par la région." in by_ref[dropped][-1]
    # Without a message, the mayor is told how to ask why
    assert "/agent" in by_ref[silent][-1] and "Message de la préfecture" not in by_ref[silent][-1]
    # The staff card names who acted, never an internal id
    cards = [m.text for m in await outbox(store) if m.kind == "staff_update" and m.reference == routed]
    assert "Agent Dupont" in cards[-1] and "telegram:77" not in cards[-1]


async def test_concurrent_double_tap(store: Store) -> None:
    ref = (await new_request(store)).reference
    svc = StaffService(store)
    results = await asyncio.gather(*(svc.take_charge(ref, "telegram:77") for _ in range(5)))
    assert sorted(r.code for r in results) == ["ok"] + ["unchanged"] * 4
    assert len([m for m in await outbox(store) if m.channel == "telegram"]) == 1


async def test_relays_both_ways(store: Store) -> None:
    svc = StaffService(store)
    res = await svc.relay_to_staff("telegram", "2002", "2002", "Bonjour, j'ai besoin d'aide", name="M. Dupont")
    assert res.ok
    row = [m for m in await outbox(store) if m.kind == "relay_to_staff"][0]
    assert row.channel == "staff" and "M. Dupont" in row.text and "<" not in row.text
    await store.mark_sent(row.id, 4242)  # what the sender does once Telegram answered
    back = await svc.relay_to_mayor("Je vous rappelle demain.", "telegram:77", reply_to_message_id=4242)
    assert back.ok
    out = [m for m in await outbox(store) if m.kind == "relay_to_mayor"]
    assert len(out) == 1 and out[0].chat_id == "2002" and out[0].channel == "telegram"
    assert "Je vous rappelle demain." in out[0].text
    # Reply to a request's group message goes to that request's mayor.
    ref = (await new_request(store)).reference
    await store.set_staff_message(ref, 999)
    assert (await svc.relay_to_mayor("Bien reçu.", "telegram:77", reply_to_message_id=999)).ok
    assert not (await svc.relay_to_mayor("?", "telegram:77", reply_to_message_id=1)).ok
    assert (await svc.relay_to_mayor("?", "telegram:77", reference="90-1999-0001")).code == "unknown_reference"
    out = [m for m in await outbox(store) if m.kind == "relay_to_mayor"]
    assert [m.chat_id for m in out] == ["2002", "1001"]


async def test_unavailable_database_is_a_result() -> None:
    svc = StaffService(type("Down", (), {"unit": _down_unit})())
    res = await svc.take_charge("90-2026-0001", "telegram:77")
    assert not res.ok and res.code == "unavailable"


def _down_unit(self: object, readonly: bool = False):  # noqa: ANN202
    from contextlib import asynccontextmanager

    from bot.store.repository import StoreUnavailable

    @asynccontextmanager
    async def cm():  # noqa: ANN202
        raise StoreUnavailable("down")
        yield  # pragma: no cover

    return cm()


# --- the summary and the buttons ----------------------------------------------------------------------------------------
def record(**kw: object) -> RequestRecord:
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    base = dict(reference="90-2026-0042", status="nouvelle", created_at=now, updated_at=now, channel="telegram",
                user_id="1", chat_id="1")
    base.update(draft().model_dump(exclude={"departement", "channel", "user_id", "chat_id"}))
    base.update(kw)
    return RequestRecord(**base)  # type: ignore[arg-type]


def test_summary_content_and_limits() -> None:
    s = staff_summary(record(), theme_labels={"sante": "Santé et accès aux soins"},
                      offer_names={"dsil": "DSIL"})
    for part in ("90-2026-0042", "Giromagny (90065)", "Jeanne Martin, Maire", "Créer une maison de santé",
                 "Santé et accès aux soins", "DSIL", "Nouvelle", "+33612345678"):
        assert part in s
    assert [b["label"] for row in s.buttons for b in row] == [
        "Prendre en charge", "Orienter vers…", "Demander des précisions", "Clore"]
    huge = staff_summary(record(description="é" * 20000 + "<b>x</b>", contact_name="N" * 500, budget="9" * 900))
    assert len(huge) <= 4096 and "texte tronqué" in huge
    emoji = staff_summary(record(description="🏫" * 5000, contact_name="😀" * 150))
    assert len(emoji.encode("utf-16-le")) // 2 <= 4096 and "texte tronqué" in emoji
    assert "\x00" not in staff_summary(record(description="a\x00b\u202ec"))
    assert staff_summary(record(status="traitee")).buttons == []


def test_summary_shows_the_original_message_bounded() -> None:
    said = "Bonjour, je suis maire de Giromagny, nous voulons créer une maison de santé"
    s = staff_summary(record(description="créer une maison de santé"), original=said)
    assert s.endswith(f"Message d'origine :\n« {said} »")
    # the same words as the need: not repeated
    assert "Message d'origine" not in staff_summary(record(), original="Créer une maison de santé")
    assert "Message d'origine" not in staff_summary(record(), original=None)
    # bounded on the card (the whole is on the request page), and the card still fits Telegram's limit
    long = staff_summary(record(description="é" * 20000), original="Bonjour, " + "🏫" * 5000)
    assert len(long.encode("utf-16-le")) // 2 <= 4096
    assert "Message d'origine" in long and "…" in long
    assert "\x00" not in staff_summary(record(), original="Bonjour\x00, nous voulons rénover")


def test_callbacks_fit_and_parse() -> None:
    ref = "2A-2026-12345"
    rows = S.staff_buttons(record(reference=ref)) + S.operator_buttons(ref) + S.close_buttons(ref)
    for row in rows:
        for b in row:
            assert len(b["data"].encode()) <= 64
            cb = parse_callback(b["data"])
            assert cb is not None and cb.reference == ref
    assert parse_callback("st:op:90-2026-0001:nasa") is None
    assert parse_callback("st:take:90-2026-0001:extra") is None
    assert parse_callback("st:take:'; drop table") is None
    assert parse_callback("xx:take:90-2026-0001") is None
    assert parse_callback("") is None and parse_callback(None) is None
    assert parse_callback("st:cl:90-2026-0001:t") == S.StaffCallback("cl", "90-2026-0001", "t")


@pytest.mark.parametrize("value,key", [("Ademe", "ademe"), ("ANRU", "anru"), ("ddt", "ddt"),
                                       ("ANCT national", "anct"), ("Banque des territoires", "bdt")])
def test_resolve_operator(value: str, key: str) -> None:
    assert S.resolve_operator(value)[0] == key  # type: ignore[index]


async def test_answer_returns_a_routed_request_to_orientee(store: Store) -> None:
    ref = (await new_request(store)).reference
    svc = StaffService(store)
    await svc.route(ref, "Anah", "telegram:77")
    await svc.ask_details(ref, "Combien de logements ?", "telegram:77")
    res = await svc.mayor_answer(ref, "Douze logements.")
    assert res.ok and res.record is not None and res.record.status == "orientee" and res.record.operator == "Anah"
    assert (await svc.mayor_answer("90-1999-0001", "x")).code == "unknown_reference"
    assert (await svc.mayor_answer(ref, " \x00 ")).code == "empty_text"


async def test_staff_question_and_mayor_message_at_once_do_not_deadlock(store: Store) -> None:
    ref = (await new_request(store)).reference
    svc = StaffService(store)

    async def engine_turn(i: int) -> None:  # what the dialogue engine does with the mayor's message
        async with store.unit() as uow:
            await uow.get_conversation("telegram", "1001")
            await asyncio.sleep(0)
            await S.mayor_answer(uow, ref, f"réponse {i}", "telegram:1001")

    results = await asyncio.gather(
        *(svc.ask_details(ref, f"Question {i} ?", "telegram:77") for i in range(5)),
        *(engine_turn(i) for i in range(5)),
    )
    assert all(r.ok for r in results[:5])
    kinds = [e.kind for e in await store.history(ref)]
    assert kinds.count("question") == 5 and kinds.count("appended") == 5


async def test_card_after_any_action_shows_names_not_codes(store: Store) -> None:
    """After an action, the refreshed card names themes, offers and who acted (the mayor by their name), and links
    to the request's console page."""
    from bot.staff import names

    names.configure(public_url="https://guichet.example.gouv.fr/")
    try:
        ref = (await new_request(store)).reference
        svc = StaffService(store)
        await svc.ask_details(ref, "Quelle surface ?", "telegram:77", "Agent Dupont")
        await svc.mayor_answer(ref, "200 m²")
        cards = [m.text for m in await outbox(store) if m.kind == "staff_update"]
        assert len(cards) == 2
        for card in cards:
            assert "Thèmes : Santé et accès aux soins" in card
            assert "Dispositifs proposés : " in card and "acces-aux-soins" not in card
            assert f"Fiche : https://guichet.example.gouv.fr/console/demandes/{ref}" in card
        assert "par Agent Dupont" in cards[0]
        # The mayor's answer moved the status back: the card says who, by name
        assert "par Jeanne Martin" in cards[1] and "telegram:1001" not in cards[1]
    finally:
        names.configure()
