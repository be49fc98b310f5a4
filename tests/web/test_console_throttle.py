"""Issue 25, probes 2 and 8: the client's address only from the proxies the deployment names, and console login
throttling by (address, agent), failures only, with a ceiling for attempts naming nobody. HTTP (ASGI) on SQLite and
PostgreSQL; the test client's peer is 127.0.0.1 (the proxy) unless said otherwise."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from fastapi import Request

from tests.web.conftest import BASE_URL, WebEnv, csrf_of, make_web, text_of


def client_from(env: WebEnv, peer: str) -> httpx.AsyncClient:
    c = httpx.AsyncClient(transport=httpx.ASGITransport(app=env.app, client=(peer, 4242)), base_url=BASE_URL,
                          follow_redirects=False)
    env.clients.append(c)
    return c


async def try_link(c: httpx.AsyncClient, url: str, xff: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": xff} if xff else {}
    page = await c.get(url, headers=headers)
    return await c.post(url, data={"csrf_token": csrf_of(page.text)}, headers=headers)


async def expired_link(env: WebEnv, agent) -> str:
    from bot.console.auth import token_hash
    from bot.store.tables import login_token_t, utcnow

    url = (await env.login_link(agent)).removeprefix(BASE_URL)
    async with env.guichet.store.unit() as uow:
        await uow.conn.execute(login_token_t.update().where(
            login_token_t.c.token_hash == token_hash(url.rsplit("/", 1)[1])).values(
            expires_at=utcnow() - timedelta(seconds=1)))
    return url


# --- probe 2: forged X-Forwarded-For --------------------------------------------------------------------------------
@pytest.mark.parametrize("setting", [{"web_trusted_proxies": "127.0.0.1, 10.0.0.0/8"},
                                     {"web_forwarded_allow_ips": "*"},
                                     {}])
async def test_a_forged_first_hop_does_not_escape_the_login_limit(database_url, kb, setting) -> None:
    """25 wrong links, each with a new forged first hop before the address the proxy appended (nginx's
    ``$proxy_add_x_forwarded_for``): the limit holds (429), whatever the proxy setting, legacy ``*`` included."""
    from bot.texts import console as T
    from bot.webkit.throttle import PER_ADDRESS

    async with make_web(database_url, kb, **setting) as web:
        c = web.client()
        codes = []
        for i in range(25):
            r = await try_link(c, "/console/connexion/lien/nope", f"198.18.{i}.{i + 1}, 203.0.113.9")
            codes.append(r.status_code)
        assert codes[:PER_ADDRESS] == [400] * PER_ADDRESS and codes[PER_ADDRESS:] == [429] * (25 - PER_ADDRESS)
        assert T.LOGIN_TOO_MANY_TITLE in text_of(r)
        # the real client behind the same proxy, from another address, is not refused
        r = await try_link(c, "/console/connexion/lien/nope", "198.51.100.20")
        assert r.status_code == 400


async def test_headers_from_a_peer_that_is_not_a_trusted_proxy_are_ignored(database_url, kb) -> None:
    from bot.webkit.throttle import PER_ADDRESS

    async with make_web(database_url, kb, web_trusted_proxies="10.1.2.3") as web:
        c = client_from(web, "198.51.100.77")  # straight to the port, not through the proxy
        codes = [(await try_link(c, "/console/connexion/lien/nope", f"192.0.2.{i}")).status_code
                 for i in range(PER_ADDRESS + 1)]
        assert codes[-1] == 429
        # through the proxy, the client is the address it vouches for
        proxy = client_from(web, "10.1.2.3")
        assert (await try_link(proxy, "/console/connexion/lien/nope", "198.51.100.78")).status_code == 400
        assert (await try_link(proxy, "/console/connexion/lien/nope", "198.51.100.77")).status_code == 429


async def test_the_web_chat_limit_per_address_holds_behind_the_proxy(database_url, kb) -> None:
    from bot.texts import web as W

    async with make_web(database_url, kb, web_max_requests_per_minute_per_address=10,
                        web_trusted_proxies="127.0.0.1") as web:
        c = web.client()
        codes = [(await c.get("/", headers={"X-Forwarded-For": f"198.18.0.{i}, 203.0.113.50"})).status_code
                 for i in range(15)]
        assert codes[:10] == [200] * 10 and codes[10:] == [429] * 5
        r = await c.get("/", headers={"X-Forwarded-For": "203.0.113.51"})
        assert r.status_code == 200
        r = await c.get("/", headers={"X-Forwarded-For": "forged, 203.0.113.50"})
        assert r.status_code == 429 and W.TOO_MANY in text_of(r)


def test_the_rightmost_untrusted_hop_is_the_client() -> None:
    from bot.webkit.security import TrustedProxies

    p = TrustedProxies("127.0.0.1, 10.0.0.0/8, 2001:db8::/32")
    assert p.client("127.0.0.1", ["1.1.1.1, 2.2.2.2"]) == "2.2.2.2"
    assert p.client("127.0.0.1", ["1.1.1.1", "2.2.2.2, 10.3.3.3"]) == "2.2.2.2"  # a second proxy of ours
    assert p.client("10.9.9.9", ["10.1.1.1, 10.2.2.2"]) == "10.1.1.1"  # only proxies: the leftmost
    assert p.client("2001:db8::1", ["[2001:db8::5]:443, 198.51.100.1:5555"]) == "198.51.100.1"
    assert p.client("127.0.0.1", ["1.1.1.1, not-an-ip"]) is None  # garbage from the nearest hop: believe nothing
    assert p.client("127.0.0.1", ["not-an-ip, 2.2.2.2"]) == "2.2.2.2"
    assert p.client("198.51.100.9", ["1.1.1.1"]) is None  # not a proxy of ours
    star = TrustedProxies("*")
    assert star.client("198.51.100.9", ["6.6.6.6, 7.7.7.7"]) == "7.7.7.7"
    with pytest.raises(ValueError):
        TrustedProxies("10.0.0.0/8, nonsense")


async def test_x_forwarded_proto_only_from_a_trusted_proxy(database_url, kb) -> None:
    async with make_web(database_url, kb, web_trusted_proxies="127.0.0.1") as web:
        seen = {}

        @web.app.get("/__scheme")
        async def _scheme(request: Request) -> dict:
            seen["scheme"], seen["client"] = request.url.scheme, request.client.host
            return {}

        c = httpx.AsyncClient(transport=httpx.ASGITransport(app=web.app, client=("127.0.0.1", 1)),
                              base_url="http://guichet.test")
        web.clients.append(c)
        await c.get("/__scheme", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.4"})
        assert seen == {"scheme": "https", "client": "203.0.113.4"}
        other = httpx.AsyncClient(transport=httpx.ASGITransport(app=web.app, client=("198.51.100.2", 1)),
                                  base_url="http://guichet.test")
        web.clients.append(other)
        await other.get("/__scheme", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.4"})
        assert seen == {"scheme": "http", "client": "198.51.100.2"}


# --- probe 8: login throttling -----------------------------------------------------------------------------------------
async def test_one_agents_failures_do_not_lock_out_the_others_behind_the_same_address(web: WebEnv) -> None:
    from bot.texts import console as T
    from bot.webkit.throttle import PER_AGENT

    clumsy, colleague = await web.new_agent("prefecture"), await web.new_agent("prefecture")
    c = web.client()
    office = "192.0.2.10"  # the préfecture's one outgoing address
    for _ in range(PER_AGENT):
        assert (await try_link(c, await expired_link(web, clumsy), office)).status_code == 400
    refused = await try_link(c, await expired_link(web, clumsy), office)
    assert refused.status_code == 429
    assert "Réessayez dans 15 minutes" in text_of(refused) and T.LOGIN_TOO_MANY_TITLE in text_of(refused)
    assert 14 * 60 < int(refused.headers["retry-after"]) <= 15 * 60
    assert refused.headers["x-frame-options"] == "DENY"
    # even their own good link is refused from there for now (what is throttled is this agent at this address) …
    good = (await web.login_link(clumsy)).removeprefix(BASE_URL)
    assert (await try_link(c, good, office)).status_code == 429
    # … but the link still works from elsewhere, and a colleague behind the same address logs in
    assert (await try_link(web.client(), good, "198.51.100.30")).status_code == 303
    fresh = (await web.login_link(colleague)).removeprefix(BASE_URL)
    assert (await try_link(web.client(), fresh, office)).status_code == 303


async def test_garbage_from_an_address_does_not_lock_out_its_agents(web: WebEnv) -> None:
    from bot.webkit.throttle import PER_ADDRESS

    c = web.client()
    office = "192.0.2.11"
    codes = [(await try_link(c, f"/console/connexion/lien/guess{i}", office)).status_code
             for i in range(PER_ADDRESS + 3)]
    assert codes[:PER_ADDRESS] == [400] * PER_ADDRESS and set(codes[PER_ADDRESS:]) == {429}
    agent = await web.new_agent("prefecture")
    good = (await web.login_link(agent)).removeprefix(BASE_URL)
    assert (await try_link(web.client(), good, office)).status_code == 303


async def test_successful_logins_are_not_counted(web: WebEnv) -> None:
    from bot.store.tables import login_attempt_t

    agent = await web.new_agent("prefecture")
    for _ in range(30):
        url = (await web.login_link(agent)).removeprefix(BASE_URL)
        assert (await try_link(web.client(), url, "192.0.2.12")).status_code == 303
    async with web.guichet.store.unit(readonly=True) as uow:
        assert (await uow.conn.execute(sa.select(sa.func.count()).select_from(login_attempt_t))).scalar_one() == 0


async def test_a_small_global_cap_on_attempts_naming_nobody(web: WebEnv, monkeypatch) -> None:
    from bot.webkit import throttle

    monkeypatch.setattr(throttle, "GLOBAL", 6)
    c = web.client()
    codes = [(await try_link(c, f"/console/connexion/lien/g{i}", f"198.18.1.{i}")).status_code for i in range(8)]
    assert codes == [400] * 6 + [429] * 2
    # a real link is never refused by the guessers' budget
    agent = await web.new_agent("prefecture")
    good = (await web.login_link(agent)).removeprefix(BASE_URL)
    assert (await try_link(web.client(), good, "198.18.1.99")).status_code == 303
