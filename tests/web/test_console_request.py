"""A request's page and its actions through the ASGI app: content in names, every action audited and done once,
the same action from Telegram and the console never doubles, the mayor told through the outbox."""

from __future__ import annotations

import re

from tests.web.conftest import WebEnv, csrf_of, text_of


def action_ids(html: str) -> list[str]:
    return re.findall(r'name="action_id" value="([^"]+)"', html)


async def post_action(c, ref: str, path: str, **data: object) -> object:
    page = await c.get(f"/console/demandes/{ref}")
    form = {"csrf_token": csrf_of(page.text), "action_id": action_ids(page.text)[0], **data}
    return await c.post(f"/console/demandes/{ref}/{path}", data=form)


async def mayor_messages(web: WebEnv, ref: str) -> list:
    async with web.guichet.store.unit(readonly=True) as uow:
        return [m for m in await uow.outbox_of_request(ref) if m.channel == "telegram"]


async def test_page_in_names(web: WebEnv, login_as) -> None:
    r = await web.new_request(commune_code="90052", commune_name="Giromagny", epci_code="200069060",
                              themes=["sante"], stage="etude", help_kinds=["financement"],
                              matches=["acces-aux-soins"], budget="300 000 €")
    c = await login_as("prefecture")
    page = await c.get(f"/console/demandes/{r.reference}")
    body = text_of(page)
    assert page.status_code == 200
    for expected in ("Giromagny", "CC des Vosges du Sud", "Jeanne Martin", "Santé", "financement", "300 000 €",
                     "Accès aux soins", "mots reconnus", "Créer une maison de santé pluridisciplinaire",
                     "Demande déposée", "Prendre en charge"):
        assert expected in body, expected
    for code in ("sante", "acces-aux-soins", "200069060", "telegram:1001"):
        assert f">{code}<" not in page.text and f" {code} " not in body
    assert (await c.get("/console/demandes/90-2026-9999")).status_code == 404
    assert (await c.get("/console/demandes/<script>")).status_code == 404


async def test_take_charge_once_then_telegram_same_action_does_nothing(web: WebEnv) -> None:
    agent = await web.new_agent("prefecture", name="Paule Préfète")
    c = await web.login(agent)
    r = await web.new_request()
    page = await c.get(f"/console/demandes/{r.reference}")
    form = {"csrf_token": csrf_of(page.text), "action_id": action_ids(page.text)[0]}
    first = await c.post(f"/console/demandes/{r.reference}/prendre", data=form)
    second = await c.post(f"/console/demandes/{r.reference}/prendre", data=form)  # double submit
    assert first.status_code == second.status_code == 303
    # the same action from the Telegram group's button
    tg = await web.guichet.staff.take_charge(r.reference, "telegram:77", "Paul Groupe", update_key="tg:1")
    assert tg.ok and tg.code == "unchanged"
    notices = [m for m in await mayor_messages(web, r.reference) if m.kind == "status_notice"]
    assert len(notices) == 1 and "prise en charge" in notices[0].text
    record = await web.guichet.store.get_request(r.reference)
    assert record.status == "en_cours" and record.assigned_to == "Paule Préfète"
    assert record.assigned_agent_id == agent.id and record.staff_action_at is not None
    body = text_of(await c.get(f"/console/demandes/{r.reference}"))
    assert "Paule Préfète" in body and "Nouvelle → Prise en charge" in body
    # and the other way round: taken from Telegram first, the console's button changes nothing for the mayor
    r2 = await web.new_request()
    await web.guichet.staff.take_charge(r2.reference, "telegram:77", "Paul Groupe", update_key="tg:2")
    asked = await post_action(c, r2.reference, "prendre")
    # issue 26: someone else follows it: confirmed first, nothing changed yet
    assert asked.status_code == 200 and "suivie par Paul Groupe" in text_of(asked)
    assert (await web.guichet.store.get_request(r2.reference)).assigned_to == "Paul Groupe"
    await post_action(c, r2.reference, "prendre", confirme="1")
    notices = [m for m in await mayor_messages(web, r2.reference) if m.kind == "status_notice"]
    assert len(notices) == 1
    record = await web.guichet.store.get_request(r2.reference)
    assert record.assigned_to == "Paule Préfète"  # she now follows it (assignment, not a second notice)
    history = await web.guichet.store.history(r2.reference)
    assert [e.data.get("from") for e in history if e.kind == "assigned"] == ["Paul Groupe"]


async def test_assign_route_status_note_ask_answer_close(web: WebEnv) -> None:
    from bot.dialogue.events import Event

    boss = await web.new_agent("prefecture", name="Paule Préfète")
    other = await web.new_agent("prefecture", name="Marc Second")
    ademe = await web.new_agent("operateur", "ademe", name="Olga Ademe")
    c = await web.login(boss)
    r = await web.new_request()
    ref = r.reference

    assert (await post_action(c, ref, "assigner", agent_id=str(other.id))).status_code == 303
    rec = await web.guichet.store.get_request(ref)
    assert rec.assigned_to == "Marc Second" and rec.assigned_agent_id == other.id
    assert (await post_action(c, ref, "assigner", agent_id="999999")).status_code == 303  # unknown: refused
    assert (await web.guichet.store.get_request(ref)).assigned_agent_id == other.id

    res = await post_action(c, ref, "orienter", operateurs=["ademe", "anah", "nasa"])
    assert res.status_code == 303
    async with web.guichet.store.unit(readonly=True) as uow:
        routes = {x.operator: x.status for x in await uow.routes(ref)}
    assert routes == {"ademe": "transmise", "anah": "transmise"}
    routed = [m for m in await mayor_messages(web, ref) if "transmise" in m.text]
    assert len(routed) == 2
    again = await post_action(c, ref, "orienter", operateurs=["ademe"])  # still with Ademe: nothing
    assert again.status_code == 303
    assert len([m for m in await mayor_messages(web, ref) if "transmise" in m.text]) == 2
    # the Telegram button "Ademe" on the same request: nothing either
    assert (await web.guichet.staff.route(ref, "ademe", "telegram:77", "Paul")).code == "unchanged"

    # the operator agent updates their own route, adds a note, cannot touch Anah's route
    oc = await web.login(ademe)
    assert (await post_action(oc, ref, "routes/ademe", statut="prise_en_charge")).status_code == 303
    assert (await post_action(oc, ref, "routes/anah", statut="traitee")).status_code == 403
    assert (await post_action(oc, ref, "note", texte="Appel prévu jeudi avec la mairie")).status_code == 303
    async with web.guichet.store.unit(readonly=True) as uow:
        routes = {x.operator: x.status for x in await uow.routes(ref)}
    assert routes == {"ademe": "prise_en_charge", "anah": "transmise"}

    # the note is on the page, never in anything sent to the mayor
    body = text_of(await c.get(f"/console/demandes/{ref}"))
    assert "Appel prévu jeudi avec la mairie" in body and "Olga Ademe" in body
    assert "Transmise → Prise en charge par l'opérateur" in body
    async with web.guichet.store.unit(readonly=True) as uow:
        everything = await uow.outbox_of_request(ref)
    assert all("Appel prévu jeudi" not in m.text for m in everything)

    # a question to the mayor, relayed through the outbox; the answer comes back into the page
    assert (await post_action(c, ref, "question", texte="Avez-vous un devis ?")).status_code == 303
    questions = [m for m in await mayor_messages(web, ref) if m.kind == "staff_question"]
    assert len(questions) == 1 and "Avez-vous un devis ?" in questions[0].text
    body = text_of(await c.get(f"/console/demandes/{ref}"))
    assert "En attente de précisions" in body and "attend la réponse" in body
    await web.guichet.engine.handle(Event(channel="telegram", user_id="1001", chat_id="1001", kind="text",
                                          text="Oui, 80 000 € HT", update_key="tg:answer-1"))
    body = text_of(await c.get(f"/console/demandes/{ref}"))
    assert "Oui, 80 000 € HT" in body
    assert (await web.guichet.store.get_request(ref)).status == "orientee"

    # close with a message the mayor receives
    assert (await post_action(c, ref, "clore", issue="traitee",
                              message="La subvention DSIL vous a été notifiée.")).status_code == 303
    rec = await web.guichet.store.get_request(ref)
    assert rec.status == "traitee" and rec.closed_at is not None
    closing = [m for m in await mayor_messages(web, ref) if "est traitée" in m.text]
    assert len(closing) == 1 and "La subvention DSIL vous a été notifiée." in closing[0].text
    body = text_of(await c.get(f"/console/demandes/{ref}"))
    assert "Cette demande est close." in body
    # every action is in the append-only history, with who
    kinds = [e.kind for e in await web.guichet.store.history(ref)]
    for kind in ("created", "assigned", "status", "route_status", "note", "question", "appended"):
        assert kind in kinds, kind
    assert (await web.guichet.staff.close(ref, "t", "telegram:77")).code == "unchanged"


async def test_empty_and_hostile_inputs(web: WebEnv, login_as) -> None:
    c = await login_as("prefecture")
    r = await web.new_request()
    for path, data in [("note", {"texte": "   "}), ("question", {"texte": ""}), ("clore", {"issue": "peut-être"}),
                       ("orienter", {}), ("routes/ademe", {"statut": "fini"}), ("routes/nasa", {"statut": "traitee"}),
                       ("assigner", {"agent_id": "abc"})]:
        res = await post_action(c, r.reference, path, **data)
        assert res.status_code == 303, path
        page = await c.get(f"/console/demandes/{r.reference}")
        assert 'fr-alert--error' in page.text or 'fr-alert--info' in page.text, path
    assert (await web.guichet.store.get_request(r.reference)).status == "nouvelle"
    long = "x" * 10_000
    assert (await post_action(c, r.reference, "note", texte=long)).status_code == 303
    huge = await c.post(f"/console/demandes/{r.reference}/note", content=b"a=" + b"x" * 300_000,
                        headers={"content-type": "application/x-www-form-urlencoded"})
    assert huge.status_code == 413


async def test_actions_refused_without_csrf(web: WebEnv, login_as) -> None:
    c = await login_as("prefecture")
    r = await web.new_request()
    page = await c.get(f"/console/demandes/{r.reference}")
    for path in ("prendre", "note", "clore", "orienter", "question", "assigner", "routes/ademe"):
        res = await c.post(f"/console/demandes/{r.reference}/{path}",
                           data={"action_id": action_ids(page.text)[0], "texte": "x", "issue": "traitee"})
        assert res.status_code == 403, path
    other = await login_as("prefecture")  # another agent's token is not this session's
    foreign = csrf_of((await other.get("/console/")).text)
    res = await c.post(f"/console/demandes/{r.reference}/prendre", data={"csrf_token": foreign})
    assert res.status_code == 403
    assert (await web.guichet.store.get_request(r.reference)).status == "nouvelle"
    assert len(await web.guichet.store.history(r.reference)) == 1
