"""ProConnect login against a local OpenID Connect provider (loopback), ProConnect's traps included: state and
nonce of 32+ characters checked, no extra parameter, userinfo as a signed JWT, id_token verified."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from tests.web.conftest import BASE_URL, WebEnv, make_web, text_of
from tests.web.oidc_mock import MockProvider

CLIENT_ID = "guichet-test"


@pytest.fixture
def op(request: pytest.FixtureRequest) -> Iterator[MockProvider]:
    with MockProvider(userinfo=getattr(request, "param", "jwt")) as provider:
        yield provider


@pytest.fixture
async def pc(database_url: str, kb: Any, op: MockProvider) -> AsyncIterator[WebEnv]:
    async with make_web(database_url, kb, proconnect_issuer=op.issuer, proconnect_client_id=CLIENT_ID,
                        proconnect_client_secret="s3cret-" * 6, proconnect_scopes="openid email profile") as env:
        yield env


async def start(c) -> tuple[str, dict[str, list[str]]]:
    page = await c.get("/console/connexion")
    assert "S’identifier avec" in text_of(page)
    r = await c.get("/console/connexion/proconnect")
    assert r.status_code == 303
    url = r.headers["location"]
    return url, parse_qs(urlparse(url).query)


async def test_login_with_proconnect(pc: WebEnv, op: MockProvider) -> None:
    agent = await pc.new_agent("prefecture", name="Paule Martin", email="paule.martin@interieur.gouv.fr")
    op.set_user("sub-paule", email="Paule.Martin@interieur.gouv.fr", given_name="Paule", usual_name="Martin")
    c = pc.client()
    url, params = await start(c)
    assert set(params) == {"response_type", "client_id", "redirect_uri", "scope", "state", "nonce"}
    assert len(params["state"][0]) >= 32 and len(params["nonce"][0]) >= 32
    assert params["redirect_uri"] == [f"{BASE_URL}/console/connexion/proconnect/retour"]
    back = op.authorize(url, "sub-paule")
    assert back.startswith(f"{BASE_URL}/console/connexion/proconnect/retour?")
    r = await c.get(back.removeprefix(BASE_URL))
    assert r.status_code == 303 and r.headers["location"] == "/console/"
    inbox = await c.get("/console/")
    assert inbox.status_code == 200 and "Paule Martin" in text_of(inbox)
    async with pc.guichet.store.unit(readonly=True) as uow:
        saved = await uow.get_agent(agent.id)
    assert saved.oidc_sub == "sub-paule" and saved.last_login_at is not None
    # the same return URL again (replay): refused
    other = pc.client()
    await other.get("/console/connexion")
    again = await other.get(back.removeprefix(BASE_URL))
    assert again.status_code == 303 and again.headers["location"] == "/console/connexion"
    assert (await other.get("/console/")).status_code == 303


@pytest.mark.parametrize("op", ["json"], indirect=True)
async def test_json_userinfo_also_accepted(pc: WebEnv, op: MockProvider) -> None:
    await pc.new_agent("prefecture", email="a@interieur.gouv.fr")
    op.set_user("sub-a", email="a@interieur.gouv.fr")
    c = pc.client()
    url, _ = await start(c)
    r = await c.get(op.authorize(url, "sub-a").removeprefix(BASE_URL))
    assert r.status_code == 303 and r.headers["location"] == "/console/"


@pytest.mark.parametrize("op", ["forged"], indirect=True)
async def test_userinfo_signed_by_someone_else_refused(pc: WebEnv, op: MockProvider, caplog) -> None:
    await pc.new_agent("prefecture", email="a@interieur.gouv.fr")
    op.set_user("sub-a", email="a@interieur.gouv.fr")
    c = pc.client()
    url, _ = await start(c)
    r = await c.get(op.authorize(url, "sub-a").removeprefix(BASE_URL))
    assert r.headers["location"] == "/console/connexion"
    assert "La connexion a échoué" in text_of(await c.get("/console/connexion"))
    assert (await c.get("/console/")).status_code == 303
    assert "invalid token signature" in caplog.text


async def test_wrong_state_or_nonce_refused(pc: WebEnv, op: MockProvider, caplog) -> None:
    await pc.new_agent("prefecture", email="a@interieur.gouv.fr")
    op.set_user("sub-a", email="a@interieur.gouv.fr")
    # state changed on the way back
    c = pc.client()
    url, _ = await start(c)
    back = op.authorize(url, "sub-a")
    q = parse_qs(urlparse(back).query)
    forged = "/console/connexion/proconnect/retour?" + urlencode({"code": q["code"][0], "state": "x" * 43})
    assert (await c.get(forged)).headers["location"] == "/console/connexion"
    assert (await c.get("/console/")).status_code == 303
    # a nonce the session does not hold (an id_token minted for another login)
    c = pc.client()
    url, params = await start(c)
    tampered = url.replace(params["nonce"][0], "n" * 43)
    r = await c.get(op.authorize(tampered, "sub-a").removeprefix(BASE_URL))
    assert r.headers["location"] == "/console/connexion"
    assert "invalid token claims" in caplog.text and "nonce" in caplog.text
    assert (await c.get("/console/")).status_code == 303
    # no code (the person refused at the provider), or a callback nobody started
    c = pc.client()
    url, params = await start(c)
    r = await c.get("/console/connexion/proconnect/retour?" + urlencode({"state": params["state"][0],
                                                                         "error": "access_denied"}))
    assert r.headers["location"] == "/console/connexion"
    r = await pc.client().get("/console/connexion/proconnect/retour?code=abc&state=def")
    assert r.headers["location"] == "/console/connexion"


async def test_unknown_or_inactive_agent_refused(pc: WebEnv, op: MockProvider) -> None:
    op.set_user("sub-x", email="inconnu@interieur.gouv.fr")
    c = pc.client()
    url, _ = await start(c)
    r = await c.get(op.authorize(url, "sub-x").removeprefix(BASE_URL))
    assert r.status_code == 403 and "n'est pas inscrit" in text_of(r) and "inconnu@interieur.gouv.fr" in text_of(r)
    assert (await c.get("/console/")).status_code == 303
    agent = await pc.new_agent("prefecture", email="parti@interieur.gouv.fr")
    async with pc.guichet.store.unit() as uow:
        await uow.save_agent(agent.email, agent.name, agent.role, None, active=False)
    op.set_user("sub-p", email="parti@interieur.gouv.fr")
    c = pc.client()
    url, _ = await start(c)
    r = await c.get(op.authorize(url, "sub-p").removeprefix(BASE_URL))
    assert r.status_code == 403
    assert (await c.get("/console/")).status_code == 303


async def test_proconnect_absent_when_not_configured(web: WebEnv) -> None:
    c = web.client()
    assert (await c.get("/console/connexion/proconnect")).status_code == 404
    assert "S’identifier avec" not in text_of(await c.get("/console/connexion"))
