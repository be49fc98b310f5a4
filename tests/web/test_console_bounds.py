"""Issue 25, probe 7: every number a user sends is parsed with bounds (a 400 or an ignored filter, never a 500), and
every error page, a 500 included, carries the security headers. HTTP (ASGI), SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import re

import httpx
import pytest

from tests.web.conftest import BASE_URL, WebEnv, csrf_of, text_of

HUGE = "9999999999999999999"
HUGER = "9" * 40


def secured(r: httpx.Response) -> None:
    assert r.headers.get("x-frame-options") == "DENY", (r.status_code, r.url)
    assert r.headers.get("x-content-type-options") == "nosniff"
    assert "frame-ancestors 'none'" in r.headers.get("content-security-policy", "")


GETS = [
    f"/console/?suivi={HUGE}", f"/console/?suivi={HUGER}", f"/console/?suivi=-{HUGE}", "/console/?suivi=2147483648",
    f"/console/?page={HUGER}", f"/console/?page=-{HUGE}", f"/console/?age={HUGE}", f"/console/?inactif={HUGE}",
    f"/console/?commune={HUGE}", f"/console/?epci={HUGER}", f"/console/?q={HUGER}",
    f"/console/tableau-de-bord?du={HUGE}-01-01&au={HUGE}-12-31", "/console/tableau-de-bord?du=99999-01-01",
    f"/console/tableau-de-bord?epci={HUGE}", f"/console/rapport?du={HUGE}", f"/console/export.csv?au={HUGER}",
    f"/console/demandes/{HUGE}", f"/console/agents?x={HUGE}",
    f"/messages?after={HUGER}", f"/messages?after=-{HUGE}",
]


async def test_oversized_numbers_in_every_console_input_are_never_a_500(web: WebEnv) -> None:
    admin = await web.new_agent("admin")
    c = await web.login(admin)
    r = await web.new_request()
    for url in GETS:
        res = await c.get(url)
        assert res.status_code in (200, 204, 303, 400, 404), (url, res.status_code)
        secured(res)
    page = await c.get(f"/console/demandes/{r.reference}")
    action = re.findall(r'name="action_id" value="([^"]+)"', page.text)[0]
    token = csrf_of(page.text)
    for value in (HUGE, HUGER, "2147483648", "-1", "0", "1e99", "١٢"):
        res = await c.post(f"/console/demandes/{r.reference}/assigner",
                           data={"csrf_token": token, "action_id": action, "agent_id": value})
        assert res.status_code == 303, (value, res.status_code)  # refused with a message, nothing assigned
        secured(res)
    assert (await web.guichet.store.get_request(r.reference)).assigned_agent_id is None
    for value in (HUGE, HUGER, "2147483648", "-1", "0"):
        for action_path in ("activation", "lien"):
            res = await c.post(f"/console/agents/{value}/activation".replace("activation", action_path),
                               data={"csrf_token": token, "active": "0"})
            assert res.status_code in (400, 404), (value, action_path, res.status_code)
            secured(res)
            assert "valeur envoyée" in text_of(res) or res.status_code == 404


async def test_the_four_probes_of_the_issue_are_a_400_with_the_headers(web: WebEnv) -> None:
    admin = await web.new_agent("admin")
    c = await web.login(admin)
    page = await c.get("/console/agents")
    token = csrf_of(page.text)
    suivi = await c.get(f"/console/?suivi={HUGE}")
    assert suivi.status_code == 200  # an unusable filter is dropped, as any other unknown value
    secured(suivi)
    for path in (f"/console/agents/{HUGE}/activation", f"/console/agents/{HUGE}/lien"):
        res = await c.post(path, data={"csrf_token": token, "active": "0"})
        assert res.status_code == 400 and "valeur envoyée" in text_of(res)
        secured(res)


async def test_an_unexpected_error_is_a_500_page_with_the_headers_and_no_message_in_the_log(web: WebEnv,
                                                                                            caplog) -> None:
    said = ["jeanne.secret@example.org", "06 12 34 56 78"]  # what a person typed, quoted by a failing library

    @web.app.get("/console/__boom")
    async def _boom() -> None:
        raise RuntimeError(" ".join(said))

    @web.app.get("/console/__overflow")
    async def _overflow() -> None:
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    c = httpx.AsyncClient(transport=httpx.ASGITransport(app=web.app, raise_app_exceptions=False,
                                                        client=("127.0.0.1", 1)), base_url=BASE_URL)
    web.clients.append(c)
    caplog.set_level(logging.DEBUG)
    boom = await c.get("/console/__boom")
    assert boom.status_code == 500 and "Erreur inattendue" in text_of(boom)
    secured(boom)
    assert boom.headers["cache-control"] == "no-store"
    over = await c.get("/console/__overflow")
    assert over.status_code == 400
    secured(over)
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "RuntimeError" in logged and "jeanne.secret" not in logged and "56 78" not in logged


@pytest.mark.parametrize("value", [HUGE, HUGER, "-1", "abc"])
async def test_the_chat_bounds_its_numbers(web: WebEnv, value: str) -> None:
    c = web.client()
    res = await c.get(f"/messages?after={value}")
    assert res.status_code in (204, 200)
