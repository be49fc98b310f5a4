"""The console in a real browser: log in through a one-time link, every page, axe-core on each."""

from __future__ import annotations

import pytest

from tests.browser.conftest import LiveServer, assert_accessible

pytestmark = pytest.mark.browser


def test_login_page_and_inbox(live: LiveServer, page) -> None:
    page.goto(live.url("/console/"))
    assert page.url.startswith(live.url("/console/connexion"))
    assert page.get_by_role("heading", level=1).inner_text() == "Connexion à la console"
    assert_accessible(page)
    agent = live.new_agent("prefecture", name="Paule Préfète")
    live.new_request()
    page.goto(live.login_link(agent))
    assert_accessible(page)
    page.get_by_role("button", name="Me connecter").click()
    page.wait_for_url(live.url("/console/"))
    assert "Paule Préfète" in page.content()
    assert_accessible(page)


def test_axe_check_can_fail(page) -> None:
    """The accessibility check is real: a page with an unlabelled image and field fails it."""
    from tests.browser.conftest import axe_violations

    page.set_content('<html><body><main><img src="data:,"><input type="text"></main></body></html>')
    ids = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "label"} <= ids
