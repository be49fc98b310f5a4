"""Issue 26: agents are told (e-mails through the outbox), ownership, closing, duplicates, routing with a message,
note visibility, search over people and conversations, reply templates."""

from __future__ import annotations

import itertools
from typing import Any

from bot.dialogue.events import Event
from tests.web.conftest import WebEnv, csrf_of, text_of

_keys = itertools.count(1)


async def say(web: WebEnv, channel: str, user: str, text: str) -> None:
    command = text[1:] if text.startswith("/") else None
    await web.guichet.engine.handle(Event(channel=channel, user_id=user, chat_id=user,
                                          kind="command" if command else "text", text=None if command else text,
                                          command=command, update_key=f"wi:{next(_keys)}"))


async def post(c: Any, ref: str, path: str, **data: Any) -> Any:
    page = await c.get(f"/console/demandes/{ref}")
    return await c.post(f"/console/demandes/{ref}/{path}", data={"csrf_token": csrf_of(page.text), **data})


async def emails(web: WebEnv, to: str | None = None) -> list[Any]:
    async with web.guichet.store.unit(readonly=True) as uow:
        rows = [m for m in await uow.due_outbox(limit=10_000) if m.channel == "email"]
    return [m for m in rows if to is None or m.meta.get("to") == to]


async def test_agents_are_told_by_email(web: WebEnv) -> None:
    from bot.staff import notify

    notify.install(web.guichet.store, "pref-90@example.gouv.fr", "https://guichet.test")
    record = await web.new_request(channel="telegram", user_id="8001", chat_id="8001")
    # nobody follows it: the shared address is told of the person's call for an agent, with their words
    await say(web, "telegram", "8001", "je voudrais parler à un agent, c'est urgent pour la cantine")
    shared = await emails(web, "pref-90@example.gouv.fr")
    assert len(shared) == 1 and "cantine" in shared[0].text and record.reference in shared[0].meta["subject"]
    assert f"https://guichet.test/console/demandes/{record.reference}" in shared[0].text
    # Ada takes it; her own actions never e-mail her
    ada = await web.new_agent("prefecture", name="Ada Préfecture", email="ada@example.gouv.fr")
    c = await web.login(ada)
    await post(c, record.reference, "prendre", action_id="p1")
    await post(c, record.reference, "note", texte="Appeler le maire", action_id="n1")
    assert await emails(web, "ada@example.gouv.fr") == []
    # the person writes again: Ada is told, not the shared address
    await say(web, "telegram", "8001", "Le devis est arrivé")
    assert len(await emails(web, "ada@example.gouv.fr")) == 1
    assert len(await emails(web, "pref-90@example.gouv.fr")) == 1
    # routed to Anah with a message: Anah's agent is told (routing and message); Ada is not told of her own act
    anah = await web.new_agent("operateur", "anah", name="Léa Anah", email="lea@anah.example")
    await post(c, record.reference, "orienter", operateurs="anah", message="Dossier OPAH à regarder", action_id="o1")
    to_anah = await emails(web, "lea@anah.example")
    assert len(to_anah) == 2 and any("Dossier OPAH à regarder" in m.text for m in to_anah)
    # Anah's note reaches Ada
    lea = await web.login(anah)
    await post(lea, record.reference, "note", texte="Éligible OPAH, visite prévue", action_id="n2")
    assert any("visite prévue" in m.text for m in await emails(web, "ada@example.gouv.fr"))
    # a colleague takes it over after confirming: Ada is told who
    bob = await web.new_agent("prefecture", name="Bob Collègue", email="bob@example.gouv.fr")
    b = await web.login(bob)
    await post(b, record.reference, "prendre", action_id="p2", confirme="1")
    told = [m for m in await emails(web, "ada@example.gouv.fr") if "reprise" in m.meta["subject"]]
    assert len(told) == 1 and "Bob Collègue" in told[0].text


async def test_daily_digest_and_overdue_notices(web: WebEnv) -> None:
    from datetime import timedelta

    from bot.staff import notify
    from bot.store import inbox as store_inbox
    from bot.store.tables import utcnow

    notifier = notify.install(web.guichet.store, "pref-90@example.gouv.fr", "https://guichet.test")
    ada = await web.new_agent("prefecture", name="Ada Résumé", email="ada2@example.gouv.fr")
    c = await web.login(ada)
    page = await c.get("/console/preferences")
    assert (await c.post("/console/preferences", data={"csrf_token": csrf_of(page.text), "avis": "resume"})
            ).status_code == 303
    record = await web.new_request(channel="telegram", user_id="8101", chat_id="8101")
    await web.guichet.staff.assign(record.reference, ada.id, ada.name, "test", "Test")
    await say(web, "telegram", "8101", "/agent")
    assert await emails(web, "ada2@example.gouv.fr") == []  # no e-mail per event: the digest instead
    later = utcnow() + timedelta(days=10)
    counts = await notify.daily_notices(web.guichet.store, notifier, 5, now=later)
    again = await notify.daily_notices(web.guichet.store, notifier, 5, now=later)
    assert counts["digests"] == 1 and again == {"overdue": 0, "digests": 0}
    digest = await emails(web, "ada2@example.gouv.fr")
    assert any(m.kind == "staff_digest" and record.reference in m.text for m in digest)
    assert any(m.kind == "staff_notice" and "retard" in m.meta["subject"] for m in digest)  # overdue, to the owner
    async with web.guichet.store.unit(readonly=True) as uow:
        assert await store_inbox.wants_digest(uow, ada.id)


async def test_close_needs_a_message_reopen_and_duplicate_merge(web: WebEnv, login_as) -> None:
    a = await web.new_request(channel="telegram", user_id="8201", chat_id="8201", description="Rénover l'école")
    b = await web.new_request(channel="telegram", user_id="8201", chat_id="8201", description="École : toiture")
    c = await login_as("prefecture")
    await post(c, a.reference, "clore", issue="traitee", message="  ", action_id="c0")
    assert (await web.guichet.store.get_request(a.reference)).status == "nouvelle"
    assert "obligatoire" in text_of(await c.get(f"/console/demandes/{a.reference}"))
    await post(c, a.reference, "clore", issue="traitee", message="Subvention DETR accordée.", action_id="c1")
    assert (await web.guichet.store.get_request(a.reference)).status == "traitee"
    await post(c, a.reference, "rouvrir", message="Un complément est arrivé.", action_id="r1")
    rec = await web.guichet.store.get_request(a.reference)
    assert rec.status == "en_cours" and rec.closed_at is None
    # b is the same project: closed as a duplicate of a, merged (its need added to a), the person told where
    await post(c, b.reference, "doublon", autre=a.reference, fusionner="1", message="", action_id="d1")
    rb, ra = await web.guichet.store.get_request(b.reference), await web.guichet.store.get_request(a.reference)
    assert rb.status == "close_sans_suite" and ra.status == "en_cours"
    async with web.guichet.store.unit(readonly=True) as uow:
        told = [m for m in await uow.outbox_of_request(b.reference) if m.channel == "telegram"]
    assert any(a.reference in m.text and "se poursuit" in m.text for m in told)
    page = text_of(await c.get(f"/console/demandes/{a.reference}"))
    assert "École : toiture" in page and b.reference in page
    assert f"Close comme doublon ({a.reference})" in text_of(await c.get(f"/console/demandes/{b.reference}"))
    # not a duplicate of itself
    d = await web.new_request()
    await post(c, d.reference, "doublon", autre=d.reference, action_id="d2")
    assert (await web.guichet.store.get_request(d.reference)).status == "nouvelle"


async def test_notes_prefecture_only_never_reach_operators_and_programmes_pre_tick(web: WebEnv, login_as) -> None:
    record = await web.new_request(matches=["anah-opah"], description="OPAH du centre-bourg")
    c = await login_as("prefecture")
    page = text_of(await c.get(f"/console/demandes/{record.reference}"))
    assert 'id="op-anah" name="operateurs" value="anah" checked' in (await c.get(
        f"/console/demandes/{record.reference}")).text
    await post(c, record.reference, "note", texte="Le maire est pressé (interne)", visibilite="prefecture",
               action_id="n1")
    await post(c, record.reference, "note", texte="Plan de financement joint", visibilite="partagee", action_id="n2")
    await post(c, record.reference, "orienter", operateurs="anah", action_id="o1")
    op = await login_as("operateur", "anah")
    page = text_of(await op.get(f"/console/demandes/{record.reference}"))
    assert "Plan de financement joint" in page and "Le maire est pressé" not in page
    page = text_of(await c.get(f"/console/demandes/{record.reference}"))
    assert "Le maire est pressé" in page and "préfecture seulement" in page


async def test_search_finds_people_addresses_phones_notes_and_the_conversation(web: WebEnv, login_as) -> None:
    record = await web.new_request(channel="telegram", user_id="8301", chat_id="8301", contact_name="Hélène Dupré",
                                   email="h.dupre@mairie-lepuix.fr", phone="+33 6 11 22 33 44")
    other = await web.new_request(channel="telegram", user_id="8302", chat_id="8302", contact_name="Marc Vidal",
                                  email="m.vidal@exemple.fr", phone="0699887766")
    c = await login_as("prefecture")
    await post(c, record.reference, "note", texte="Rappeler après le conseil communautaire", action_id="n1")
    await say(web, "telegram", "8301", f"ajouter une info à ma demande {record.reference} : la chaufferie fuit")
    for words in ("helene dupre", "Dupré", "h.dupre@mairie-lepuix.fr", "06 11 22 33 44", "0611223344",
                  "communautaires", "chaufferie"):
        body = text_of(await c.get("/console/", params={"q": words}))
        assert record.reference in body and other.reference not in body, words
    assert other.reference in text_of(await c.get("/console/", params={"q": "06 99 88 77 66"}))


async def test_reply_templates_are_kept_by_admins_and_filled_in(web: WebEnv, login_as) -> None:
    admin = await login_as("admin")
    page = await admin.get("/console/modeles")
    r = await admin.post("/console/modeles", data={"csrf_token": csrf_of(page.text), "nom": "Accusé de réception",
                                                   "usage": "reply",
                                                   "texte": "Bonjour {nom}, votre demande {reference} est reçue."})
    assert r.status_code == 303
    record = await web.new_request(contact_name="Jeanne Martin")
    agent = await login_as("prefecture")
    page = text_of(await agent.get(f"/console/demandes/{record.reference}"))
    assert f"Bonjour Jeanne Martin, votre demande {record.reference} est reçue." in page
    page = await agent.get("/console/modeles")
    assert (await agent.post("/console/modeles", data={"csrf_token": csrf_of(page.text), "nom": "x",
                                                       "usage": "reply", "texte": "y"})).status_code == 403


async def test_staff_correct_the_programmes_and_the_export_carries_their_list(web: WebEnv, login_as) -> None:
    record = await web.new_request(matches=["acces-aux-soins", "petites-villes-de-demain"])
    c = await login_as("prefecture")
    # no reason: nothing changes
    await post(c, record.reference, "dispositifs", **{"retirer_acces-aux-soins": "1", "raison": "", "action_id": "x0"})
    assert (await web.guichet.store.get_request(record.reference)).matches == ["acces-aux-soins",
                                                                              "petites-villes-de-demain"]
    page = await c.get(f"/console/demandes/{record.reference}")
    r = await c.post(f"/console/demandes/{record.reference}/dispositifs", data={
        "csrf_token": csrf_of(page.text), "action_id": "x1", "raison": "PVD d'abord, la commune est lauréate",
        "ordre_acces-aux-soins": "2", "ordre_petites-villes-de-demain": "1", "ajouter": "anah-opah"})
    assert r.status_code == 303
    rec = await web.guichet.store.get_request(record.reference)
    assert rec.matches == ["petites-villes-de-demain", "acces-aux-soins", "anah-opah"]
    page = await c.get(f"/console/demandes/{record.reference}")
    await c.post(f"/console/demandes/{record.reference}/dispositifs", data={
        "csrf_token": csrf_of(page.text), "action_id": "x2", "raison": "Pas de volet santé",
        "retirer_acces-aux-soins": "1"})
    rec = await web.guichet.store.get_request(record.reference)
    assert rec.matches == ["petites-villes-de-demain", "anah-opah"]
    body = text_of(await c.get(f"/console/demandes/{record.reference}"))
    assert "Dispositifs proposés corrigés" in body
    history = await web.guichet.store.history(record.reference)
    assert [e.data["reason"] for e in history if e.kind == "programmes_changed"] == [
        "PVD d'abord, la commune est lauréate", "Pas de volet santé"]
    export = (await c.get("/console/export.csv")).text
    line = next(x for x in export.splitlines() if record.reference in x)
    assert "Petites villes de demain" in line and "soins" not in line.split(";")[9]


async def test_bulk_actions_on_ticked_rows(web: WebEnv, login_as) -> None:
    a = await web.new_request(user_id="8401", chat_id="8401")
    b = await web.new_request(user_id="8402", chat_id="8402")
    c = await login_as("prefecture")
    inbox = await c.get("/console/")
    token = csrf_of(inbox.text)
    r = await c.post("/console/lot", data={"csrf_token": token, "refs": [a.reference, b.reference],
                                           "action": "assigner", "agent_id": str(c.agent.id), "action_id": "b1"})
    assert r.status_code == 303
    for ref in (a.reference, b.reference):
        assert (await web.guichet.store.get_request(ref)).assigned_to == c.agent.name
    await c.post("/console/lot", data={"csrf_token": token, "refs": [a.reference, b.reference], "action": "orienter",
                                       "operateur": "ademe", "action_id": "b2"})
    assert {(await web.guichet.store.get_request(x)).status for x in (a.reference, b.reference)} == {"orientee"}
    # closing needs a message
    await c.post("/console/lot", data={"csrf_token": token, "refs": [a.reference], "action": "clore",
                                       "message": " ", "action_id": "b3"})
    assert (await web.guichet.store.get_request(a.reference)).status == "orientee"
    await c.post("/console/lot", data={"csrf_token": token, "refs": [a.reference], "action": "clore",
                                       "message": "Dossier transmis et financé.", "action_id": "b4"})
    assert (await web.guichet.store.get_request(a.reference)).status == "traitee"
    # an operator agent may not
    op = await login_as("operateur", "ademe")
    page = await op.get("/console/")
    r = await op.post("/console/lot", data={"csrf_token": csrf_of(page.text), "refs": [b.reference],
                                            "action": "clore", "message": "x"})
    assert r.status_code == 403 and (await web.guichet.store.get_request(b.reference)).status == "orientee"


async def test_report_lists_projects_and_charts_programmes(web: WebEnv, login_as) -> None:
    await web.new_request(description="Créer une maison de santé pluridisciplinaire au centre-bourg",
                          matches=["acces-aux-soins"])
    c = await login_as("prefecture")
    body = text_of(await c.get("/console/rapport"))
    assert "Dispositifs proposés (les dix plus fréquents)" in body
    assert "Créer une maison de santé pluridisciplinaire au centre-bourg" in body  # the project, not only its theme
