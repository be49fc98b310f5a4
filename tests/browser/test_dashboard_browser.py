"""The comité's dashboard and printable report in a real browser, with axe-core on each (no serious or critical
issue), and the print layout (header, filters and buttons hidden when printing)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import LiveServer, assert_accessible

pytestmark = pytest.mark.browser


def test_dashboard_and_report_pages(live: LiveServer, page) -> None:  # noqa: ANN001
    live.new_request(commune_name="Giromagny", commune_code="90052", epci_code="200069060", themes=["sante"])
    live.new_request(commune_name="Belfort", commune_code="90010", epci_code="200069052",
                     themes=["energie-batiments", "sante"], user_id="2002", chat_id="2002")
    agent = live.new_agent("comite", name="Claude Comité")
    live.login(page, agent)
    page.goto(live.url("/console/tableau-de-bord"))
    assert page.get_by_role("heading", level=1).inner_text() == "Tableau de bord du comité local"
    # The chart of themes is a table a person (and a screen reader) reads: label, count, share
    themes = page.get_by_role("table", name="Demandes par thème")
    assert "Santé et accès aux soins" in themes.inner_text() and "100 %" in themes.inner_text()
    assert_accessible(page)
    # Filter by EPCI through the form
    page.get_by_label("Intercommunalité", exact=True).select_option(label="CA Grand Belfort")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url("**epci=200069052**")
    assert "Belfort" in page.get_by_role("table", name="Demandes par commune").inner_text()
    assert "Giromagny" not in page.get_by_role("table", name="Demandes par commune").inner_text()
    assert_accessible(page)
    # The printable report for the same period
    page.get_by_role("link", name="Rapport imprimable").click()
    page.wait_for_url("**/console/rapport?**")
    assert page.get_by_role("heading", level=1).inner_text() == "Rapport au comité local de cohésion territoriale"
    assert_accessible(page)
    page.emulate_media(media="print")
    assert not page.locator("header.fr-header").is_visible()
    assert not page.get_by_role("link", name="Retour au tableau de bord").is_visible()
    assert page.get_by_role("heading", name="2. La suite donnée").is_visible()
    page.emulate_media(media="screen")
    # The CSV export downloads
    page.goto(live.url("/console/tableau-de-bord"))
    with page.expect_download() as info:
        page.get_by_role("link", name="Exporter (CSV)").click()
    assert info.value.suggested_filename.startswith("guichet-demandes-") and \
        info.value.suggested_filename.endswith(".csv")
