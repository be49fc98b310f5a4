"""The console on a laptop (1280 × 720) in Debian's chromium, axe-core on each page (issue 26): the inbox shows at
least ten rows with need, status, owner and age without scrolling sideways; a request page shows the need and the
last exchange without scrolling; an agent replies; a mayor's message arrives and is marked unread; an operator's
view (no préfecture-only note)."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import LiveServer, assert_accessible

pytestmark = pytest.mark.browser

W, H = 1280, 720


def _rows_in_view(page) -> list[dict]:  # noqa: ANN001
    return page.evaluate("""() => Array.from(document.querySelectorAll('tr.guichet-row')).map(tr => {
        const r = tr.getBoundingClientRect();
        const cells = Array.from(tr.cells).map(td => { const b = td.getBoundingClientRect();
            return {text: td.innerText.trim(), right: b.right, left: b.left}; });
        return {top: r.top, bottom: r.bottom, right: r.right, cells};
    })""")


def _mark_read(live: LiveServer, agent_id: int, refs: list[str]) -> None:
    async def go(store) -> None:  # noqa: ANN001
        from bot.store import inbox as store_inbox

        async with store.unit() as uow:
            for ref in refs:
                await store_inbox.mark_seen(uow, agent_id, ref)

    live.run(go)


def test_inbox_fits_a_laptop_and_a_mayors_message_is_marked_unread(live: LiveServer, page) -> None:
    page.set_viewport_size({"width": W, "height": H})
    owner = live.new_agent("prefecture", name="Claire Dubois")
    refs = []
    for i in range(14):
        r = live.new_request(user_id=str(5000 + i), chat_id=str(5000 + i),
                             description=f"Projet {i} : rénovation énergétique de la salle polyvalente et de "
                                         "l'école communale, avec isolation des combles et changement de chaudière")
        refs.append(r.reference)

    async def assign(store) -> None:  # noqa: ANN001
        from bot.staff.service import StaffService

        await StaffService(store).assign(refs[-1], owner.id, owner.name, "test", "Test")

    live.run(assign)
    _mark_read(live, owner.id, refs)
    live.login(page, owner)
    page.goto(live.url("/console/"))
    assert page.evaluate("() => document.documentElement.scrollWidth") <= W  # no sideways scroll
    rows = [r for r in _rows_in_view(page) if r["top"] >= 0 and r["bottom"] <= H]
    assert len(rows) >= 10, [(r["top"], r["bottom"]) for r in _rows_in_view(page)[:12]]
    for r in rows:
        need, status, follower, age = (r["cells"][i]["text"] for i in (3, 4, 5, 6))
        assert need.startswith("Projet") and status == "Nouvelle" and follower and re.match(r"\d+ (min|h|j)", age)
        assert all(c["right"] <= W for c in r["cells"])
    assert "Claire Dubois" in [r["cells"][5]["text"] for r in rows]
    assert page.title().startswith("Demandes")  # nothing new
    assert_accessible(page)
    # the filters are folded behind one control; the active view is marked
    assert not page.locator("#statut").is_visible()
    page.get_by_text("Filtres", exact=True).click()
    assert page.locator("#statut").is_visible()

    # the mayor of the newest request writes: the row says « nouveau », the title counts it
    async def mayor_writes(store) -> None:  # noqa: ANN001
        async with store.unit() as uow:
            await uow.log_event(refs[-1], "telegram:5013", "agent_request",
                                {"channel": "telegram", "chat_id": "5013", "text": "Pouvez-vous me rappeler ?"})

    live.run(mayor_writes)
    page.goto(live.url("/console/"))
    assert page.title().startswith("(1) Demandes")
    first = page.locator("tr.guichet-row").first
    assert "nouveau" in first.inner_text().lower() and refs[-1] in first.inner_text()
    # j / k move, o opens
    page.locator("body").press("j")
    page.locator("body").press("o")
    page.wait_for_url(live.url(f"/console/demandes/{refs[-1]}"))
    assert "Pouvez-vous me rappeler ?" in page.locator(".guichet-last").inner_text()
    assert "nouveau" in page.locator(".guichet-last").inner_text().lower()
    assert_accessible(page)
    page.goto(live.url("/console/"))
    assert page.title().startswith("Demandes")
    assert "nouveau" not in page.locator("tr.guichet-row").first.inner_text().lower()


def test_request_page_need_and_last_exchange_on_the_first_screen_and_reply(live: LiveServer, page) -> None:
    page.set_viewport_size({"width": W, "height": H})
    r = live.new_request(user_id="6001", chat_id="6001",
                         description="Aménager une voie verte entre Giromagny et Lepuix le long de la Savoureuse, "
                                     "avec un franchissement de la départementale et des stationnements vélos.")

    async def exchange(store) -> None:  # noqa: ANN001
        async with store.unit() as uow:
            await uow.append_to_request(r.reference, "Le conseil a voté l'étude de faisabilité.", "telegram:6001")

    live.run(exchange)
    live.login(page, live.new_agent("prefecture", name="Paule Préfète"))
    page.goto(live.url(f"/console/demandes/{r.reference}"))
    for sel in (".guichet-need", ".guichet-last"):
        box = page.locator(sel).bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= H, (sel, box)
    assert "voie verte" in page.locator(".guichet-need").inner_text()
    assert "étude de faisabilité" in page.locator(".guichet-last").inner_text()
    assert "Premier contact avant le" in page.inner_text("body")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= W
    assert_accessible(page)
    page.locator("#reply-texte").fill("Merci, nous revenons vers vous cette semaine.")
    page.get_by_role("button", name="Envoyer la réponse").click()
    page.wait_for_url(live.url(f"/console/demandes/{r.reference}"))
    assert "le statut ne change pas" in page.inner_text("body")
    assert "Merci, nous revenons vers vous cette semaine." in page.locator(".guichet-last").inner_text()
    assert "NOUVELLE" in page.locator(".guichet-facts").inner_text().upper()
    assert_accessible(page)


def test_an_operators_view(live: LiveServer, page) -> None:
    page.set_viewport_size({"width": W, "height": H})
    r = live.new_request(user_id="6101", chat_id="6101", matches=["anah-opah"],
                         description="OPAH : rénovation des logements du centre-bourg")

    async def route(store) -> None:  # noqa: ANN001
        from bot.staff.service import StaffService

        svc = StaffService(store)
        await svc.add_note(r.reference, "Interne : le maire relance souvent", "console:0", "Paule",
                           visibility="prefecture")
        await svc.add_note(r.reference, "Plan de financement en pièce jointe", "console:0", "Paule",
                           visibility="shared")
        await svc.route(r.reference, "anah", "console:0", "Paule")

    live.run(route)
    live.login(page, live.new_agent("operateur", "anah", name="Léo Anah"))
    page.goto(live.url("/console/"))
    assert r.reference in page.inner_text("body")
    assert_accessible(page)
    page.goto(live.url(f"/console/demandes/{r.reference}"))
    body = page.inner_text("body")
    assert "Plan de financement en pièce jointe" in body and "le maire relance souvent" not in body
    assert page.evaluate("() => document.documentElement.scrollWidth") <= W
    assert_accessible(page)


def test_people_waiting_preferences_and_templates_pages(live: LiveServer, page) -> None:
    page.set_viewport_size({"width": W, "height": H})

    async def waiting(store) -> None:  # noqa: ANN001
        from bot.store import inbox as store_inbox

        async with store.unit() as uow:
            await store_inbox.add_waiting(uow, channel="web", chat_id="w-9", user_id="w-9", kind="agent_request",
                                          text="Bonjour, qui peut m'aider pour le PLU ?", name="Marie Curie",
                                          commune="Lepuix")

    live.run(waiting)
    live.login(page, live.new_agent("admin", name="Ada Admin"))
    page.goto(live.url("/console/en-attente"))
    assert "qui peut m'aider pour le PLU" in page.inner_text("body")
    assert_accessible(page)
    page.get_by_label("Répondre").fill("Bonjour, le service urbanisme de la DDT vous appelle demain.")
    page.get_by_role("button", name="Envoyer la réponse").click()
    page.wait_for_url(live.url("/console/en-attente"))
    assert "Personne n'attend de réponse." in page.inner_text("body")
    page.goto(live.url("/console/preferences"))
    assert_accessible(page)
    page.goto(live.url("/console/modeles"))
    page.get_by_label("Nom du modèle").fill("Accusé de réception")
    page.get_by_label("Texte", exact=False).first.fill("Bonjour {nom}, votre demande {reference} est bien reçue.")
    page.get_by_role("button", name="Enregistrer le modèle").click()
    page.wait_for_url(live.url("/console/modeles"))
    assert "Accusé de réception" in page.inner_text("body")
    assert_accessible(page)
