"""The console in a real browser (Debian's chromium): log in through a one-time link, use every page as an agent
would, and run axe-core on each: no serious or critical violation."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import LiveServer, assert_accessible

pytestmark = pytest.mark.browser


def test_login_page_and_link(live: LiveServer, page) -> None:
    page.goto(live.url("/console/"))
    assert page.url.startswith(live.url("/console/connexion"))
    assert page.get_by_role("heading", level=1).inner_text() == "Connexion à la console"
    assert_accessible(page)
    agent = live.new_agent("prefecture", name="Paule Préfète")
    page.goto(live.login_link(agent))
    assert_accessible(page)
    page.get_by_role("button", name="Me connecter").click()
    page.wait_for_url(live.url("/console/"))
    assert "Paule Préfète" in page.content()
    # a used link says so
    page.goto(live.url("/console/connexion/lien/used-or-unknown"))
    page.get_by_role("button", name="Me connecter").click()
    assert "n’est plus valable" in page.content() or "n'est plus valable" in page.content()
    assert_accessible(page)


def test_inbox_filters_and_request_actions(live: LiveServer, page) -> None:
    r = live.new_request(commune_code="90052", commune_name="Giromagny", epci_code="200069060")
    live.new_request(commune_code="90010", commune_name="Belfort", epci_code="200069052",
                     description="Rénovation énergétique de l'école")
    agent = live.new_agent("prefecture", name="Paule Préfète")
    live.login(page, agent)
    page.goto(live.url("/console/"))
    assert_accessible(page)
    # search (htmx swaps the results in place; the URL follows)
    page.get_by_label("Recherche").fill("ecole")
    page.get_by_label("Recherche").press("Enter")
    page.wait_for_url(re.compile(r".*q=ecole.*"))
    results = page.locator("#resultats")
    results.get_by_role("cell", name="Belfort", exact=True).wait_for()
    assert "Giromagny" not in results.inner_text()
    assert "Filtres actifs" in results.inner_text()
    assert_accessible(page)
    # a saved view
    page.goto(live.url("/console/"))
    page.get_by_role("link", name=re.compile("Non assignées")).click()
    page.wait_for_url(re.compile(r".*vue=non-assignees.*"))
    assert_accessible(page)
    # the request page and its main button
    page.goto(live.url(f"/console/demandes/{r.reference}"))
    assert_accessible(page)
    page.get_by_role("button", name="Prendre en charge").click()
    page.wait_for_load_state()
    assert "prise en charge par Paule Préfète" in page.content()
    assert "Nouvelle → Prise en charge" in page.content()
    # route to two operators
    # DSFR draws its own boxes: a person clicks the label
    page.locator('label[for="op-ademe"]').click()
    page.locator('label[for="op-anah"]').click()
    page.get_by_role("button", name="Orienter", exact=True).click()
    page.wait_for_load_state()
    routes = page.locator("#s-routes").locator("..").inner_text()
    assert "Ademe" in routes and "Anah" in routes
    # an internal note, a question, then closing with a message
    page.get_by_label("Ajouter une note interne").fill("Dossier complet reçu par courriel.")
    page.get_by_role("button", name="Ajouter la note").click()
    page.wait_for_load_state()
    assert "Dossier complet reçu par courriel." in page.content()
    page.locator("#reply-texte").fill("Quel est le calendrier des travaux ?")  # issue 26: one box, two buttons
    page.get_by_role("button", name="Envoyer la question").click()
    page.wait_for_load_state()
    assert "Quel est le calendrier des travaux ?" in page.content()
    assert_accessible(page)
    page.locator('label[for="close-t"]').click()
    page.locator("#close-message").fill("Votre dossier DETR est complet.")
    page.once("dialog", lambda d: d.accept())  # issue 26: closing is confirmed
    page.get_by_role("button", name="Clore", exact=True).click()
    page.wait_for_load_state()
    assert "Cette demande est close." in page.content()
    assert_accessible(page)


def test_agents_page_and_refusals(live: LiveServer, page) -> None:
    admin = live.new_agent("admin", name="Ada Admin")
    live.login(page, admin)
    page.goto(live.url("/console/agents"))
    assert_accessible(page)
    page.get_by_label("Adresse e-mail").fill("olga@ademe.fr")
    page.get_by_label("Nom", exact=True).fill("Olga Durand")
    page.get_by_label("Rôle").select_option("operateur")
    page.get_by_label(re.compile("^Opérateur")).select_option("ademe")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state()
    assert "Olga Durand" in page.content()
    page.get_by_role("button", name="Lien de connexion : Olga Durand").click()
    page.wait_for_load_state()
    assert "/console/connexion/lien/" in page.content()
    assert_accessible(page)
    # an operator agent: the inbox shows only their requests; the agents page is refused
    page.context.clear_cookies()
    live.login(page, live.new_agent("operateur", "ademe", name="Olga Bis"))
    page.goto(live.url("/console/agents"))
    assert "Accès refusé" in page.content()
    assert_accessible(page)
    page.goto(live.url("/console/demandes/90-2099-0001"))
    assert "Page introuvable" in page.content()
    assert_accessible(page)


def test_axe_check_can_fail(page) -> None:
    """The accessibility check is real: a page with an unlabelled image and field fails it."""
    from tests.browser.conftest import axe_violations

    page.set_content('<html><body><main><img src="data:,"><input type="text"></main></body></html>')
    ids = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "label"} <= ids
