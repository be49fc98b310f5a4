"""The console at a phone's width (360×740) in Debian's chromium, axe-core on each page: an agent on the move reads the
inbox, a request page with the person's original message (« Message d'origine », the intake's messages folded), and
the dashboard; no serious or critical violation, and the request page does not scroll sideways."""

from __future__ import annotations

import pytest

from tests.browser.conftest import LiveServer, assert_accessible

pytestmark = pytest.mark.browser

FIRST = "Bonjour, je suis maire de Giromagny, nous voulons rénover l'école. Merci d'avance"


def test_console_pages_at_a_phones_width(live: LiveServer, page) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    r = live.new_request(description="rénover l'école")

    async def originals(store) -> None:  # noqa: ANN001
        async with store.unit() as uow:
            await uow.log_event(r.reference, "telegram:1001", "original_messages",
                                {"messages": [FIRST, "Jeanne Martin"], "need": FIRST})

    live.run(originals)
    live.login(page, live.new_agent("prefecture", name="Paule Préfète"))
    page.goto(live.url("/console/"))
    assert_accessible(page)
    page.goto(live.url(f"/console/demandes/{r.reference}"))
    assert "Message d'origine" in page.content() or "Message d’origine" in page.content()
    assert FIRST in page.inner_text("body")
    assert_accessible(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    page.goto(live.url("/console/tableau-de-bord"))
    assert_accessible(page)
