"""Every role against every console page and action: what each may and may not see and do, enforced on the server
(a refused action changes nothing)."""

from __future__ import annotations

import pytest

from tests.web.conftest import WebEnv, csrf_of

# (path under /console/demandes/{ref}/, form data)
ACTIONS = {
    "prendre": {},
    "assigner": {"agent_id": "AGENT"},
    "orienter": {"operateurs": ["cerema"]},
    "routes/ademe": {"statut": "prise_en_charge"},
    "question": {"texte": "Quel est le calendrier ?"},
    "note": {"texte": "Note de test"},
    "clore": {"issue": "close_sans_suite", "message": "Merci"},
}
# who: (role, operator); the request is routed to Ademe.
WHO = {
    "prefecture": ("prefecture", None),
    "admin": ("admin", None),
    "operateur-ademe": ("operateur", "ademe"),
    "operateur-anah": ("operateur", "anah"),
    "comite": ("comite", None),
}
ALLOWED = {
    "prefecture": set(ACTIONS),
    "admin": set(ACTIONS),
    "operateur-ademe": {"routes/ademe", "question", "note"},
    "operateur-anah": set(),
    "comite": set(),
}
PAGES = {  # path -> expected status per who (303 = sent elsewhere)
    "/console/": {"prefecture": 200, "admin": 200, "operateur-ademe": 200, "operateur-anah": 200, "comite": 303},
    "/console/demandes/REF": {"prefecture": 200, "admin": 200, "operateur-ademe": 200, "operateur-anah": 403,
                              "comite": 403},
    "/console/agents": {"prefecture": 403, "admin": 200, "operateur-ademe": 403, "operateur-anah": 403,
                        "comite": 403},
}


async def _routed_request(web: WebEnv):
    r = await web.new_request()
    res = await web.guichet.staff.route(r.reference, "ademe", "test", "Test")
    assert res.ok
    return r


@pytest.mark.parametrize("who", list(WHO))
async def test_pages(web: WebEnv, who: str) -> None:
    r = await _routed_request(web)
    role, op = WHO[who]
    c = await web.login(await web.new_agent(role, op))
    for path, expected in PAGES.items():
        res = await c.get(path.replace("REF", r.reference))
        assert res.status_code == expected[who], (who, path, res.status_code)
    anon = web.client()
    for path in PAGES:
        res = await anon.get(path.replace("REF", r.reference))
        assert res.status_code == 303 and res.headers["location"].startswith("/console/connexion"), path


@pytest.mark.parametrize("who", list(WHO))
@pytest.mark.parametrize("action", list(ACTIONS))
async def test_actions(web: WebEnv, who: str, action: str) -> None:
    r = await _routed_request(web)
    role, op = WHO[who]
    target = await web.new_agent("prefecture", name="Cible Agent")
    c = await web.login(await web.new_agent(role, op))
    token = csrf_of((await c.get("/console/connexion/lien/x")).text)
    data = {k: (str(target.id) if v == "AGENT" else v) for k, v in ACTIONS[action].items()}
    before = len(await web.guichet.store.history(r.reference))
    res = await c.post(f"/console/demandes/{r.reference}/{action}",
                       data={"csrf_token": token, "action_id": f"{who}-{action}", **data})
    after = len(await web.guichet.store.history(r.reference))
    if action in ALLOWED[who]:
        assert res.status_code == 303 and res.headers["location"] == f"/console/demandes/{r.reference}"
        assert after > before, (who, action)
    else:
        assert res.status_code == 403, (who, action, res.status_code)
        assert after == before, (who, action)


@pytest.mark.parametrize("action", list(ACTIONS))
async def test_anonymous_actions(web: WebEnv, action: str) -> None:
    r = await _routed_request(web)
    anon = web.client()
    token = csrf_of((await anon.get("/console/connexion/lien/x")).text)
    res = await anon.post(f"/console/demandes/{r.reference}/{action}", data={"csrf_token": token})
    assert res.status_code == 303 and res.headers["location"].startswith("/console/connexion")
    assert len(await web.guichet.store.history(r.reference)) == 2
    htmx = await anon.post(f"/console/demandes/{r.reference}/{action}", data={"csrf_token": token},
                           headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["hx-redirect"] == "/console/connexion"
