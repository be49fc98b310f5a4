"""The agents and settings page (admin only)."""

from __future__ import annotations

import pytest

from tests.web.conftest import BASE_URL, WebEnv, csrf_of, text_of


async def test_admin_adds_links_and_deactivates(web: WebEnv) -> None:
    admin = await web.new_agent("admin", name="Ada Admin")
    c = await web.login(admin)
    page = await c.get("/console/agents")
    token = csrf_of(page.text)
    assert "Ada Admin" in text_of(page) and "Réglages" in text_of(page)
    r = await c.post("/console/agents", data={"csrf_token": token, "email": "Olga@Ademe.fr", "name": " Olga  Durand ",
                                               "role": "operateur", "operator": "ademe"})
    assert r.status_code == 303
    async with web.guichet.store.unit(readonly=True) as uow:
        olga = await uow.get_agent_by_email("olga@ademe.fr")
    assert olga is not None and olga.name == "Olga Durand" and olga.operator == "ademe"
    # bad input: an explanation, nothing saved
    for bad in ({"email": "pas-une-adresse", "name": "X", "role": "prefecture"},
                {"email": "a@b.fr", "name": "X", "role": "operateur"},
                {"email": "a@b.fr", "name": "X", "role": "roi"},
                {"email": "a@b.fr", "name": "", "role": "prefecture"}):
        r = await c.post("/console/agents", data={"csrf_token": token, **bad})
        assert r.status_code == 303
        assert "fr-alert--error" in (await c.get("/console/agents")).text
    async with web.guichet.store.unit(readonly=True) as uow:
        assert await uow.get_agent_by_email("a@b.fr") is None
    # a login link, shown once, that works once
    r = await c.post(f"/console/agents/{olga.id}/lien", data={"csrf_token": token})
    body = text_of(await c.get("/console/agents"))
    url = body.split(BASE_URL, 1)[1].split("<", 1)[0].split()[0]
    assert url.startswith("/console/connexion/lien/")
    assert BASE_URL + url not in text_of(await c.get("/console/agents"))
    oc = web.client()
    p = await oc.get(url)
    assert (await oc.post(url, data={"csrf_token": csrf_of(p.text)})).status_code == 303
    assert (await oc.get("/console/")).status_code == 200
    # deactivation ends Olga's session at once; one cannot deactivate oneself
    await c.post(f"/console/agents/{olga.id}/activation", data={"csrf_token": token, "active": "0"})
    assert (await oc.get("/console/")).status_code == 303
    r = await c.post(f"/console/agents/{admin.id}/activation", data={"csrf_token": token, "active": "0"})
    assert "désactiver votre propre compte" in text_of(await c.get("/console/agents"))
    assert (await c.get("/console/agents")).status_code == 200
    assert (await c.post("/console/agents/999999/lien", data={"csrf_token": token})).status_code == 404
    kinds = [e.kind for e in await _events(web)]
    assert kinds.count("agent_saved") >= 2 and "agent_login_link" in kinds


async def _events(web: WebEnv) -> list:
    from bot.store.tables import event_t
    from bot.store.repository import _event

    async with web.guichet.store.unit(readonly=True) as uow:
        rows = (await uow.conn.execute(event_t.select().where(event_t.c.reference.is_(None)))).all()
    return [_event(r) for r in rows]


@pytest.mark.parametrize("role,op", [("prefecture", None), ("operateur", "ademe"), ("comite", None)])
async def test_non_admins_cannot_manage_agents(web: WebEnv, role: str, op: str | None) -> None:
    victim = await web.new_agent("prefecture")
    c = await web.login(await web.new_agent(role, op))
    token = csrf_of((await c.get("/console/connexion/lien/x")).text)
    assert (await c.get("/console/agents")).status_code == 403
    for path, data in [("/console/agents", {"email": "x@y.fr", "name": "X", "role": "admin"}),
                       (f"/console/agents/{victim.id}/lien", {}),
                       (f"/console/agents/{victim.id}/activation", {"active": "0"})]:
        assert (await c.post(path, data={"csrf_token": token, **data})).status_code == 403, path
    async with web.guichet.store.unit(readonly=True) as uow:
        assert await uow.get_agent_by_email("x@y.fr") is None
        assert (await uow.get_agent(victim.id)).active
