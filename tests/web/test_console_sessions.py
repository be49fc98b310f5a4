"""Issue 25, probe 1: console sessions held on the server. A cookie captured before logout is useless after it, in
every worker (two apps, two stores, one database); « se déconnecter partout »; deactivation; an absolute lifetime
that activity does not extend. SQLite and PostgreSQL, through HTTP (ASGI)."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import sqlalchemy as sa

from tests.web.conftest import BASE_URL, WebEnv, csrf_of, make_web, text_of

COOKIE = "guichet_session"


def action_ids(html: str) -> list[str]:
    return re.findall(r'name="action_id" value="([^"]+)"', html)


def thief(env: WebEnv, cookie: str) -> httpx.AsyncClient:
    """Another browser (of a given worker) holding a captured cookie."""
    c = env.client()
    c.cookies.set(COOKIE, cookie, domain="guichet.test")
    return c


async def test_a_cookie_captured_before_logout_is_useless_after_it_in_every_worker(database_url, kb) -> None:
    async with make_web(database_url, kb) as a, make_web(database_url, kb) as b:
        agent = await a.new_agent("prefecture", name="Paule Préfète")
        c = await a.login(agent)
        r = await a.new_request()
        page = await c.get(f"/console/demandes/{r.reference}")
        assert page.status_code == 200
        stolen = c.cookies[COOKIE]
        csrf, action = csrf_of(page.text), action_ids(page.text)[0]
        # the stolen cookie works in the other worker while the session lives
        other = thief(b, stolen)
        assert (await other.get("/console/")).status_code == 200
        # logout (in worker a)
        out = await c.post("/console/deconnexion", data={"csrf_token": csrf})
        assert out.status_code == 303
        before = [e.kind for e in await a.guichet.store.history(r.reference)]
        for env in (a, b):
            t = thief(env, stolen)
            opened = await t.get("/console/")
            assert opened.status_code == 303 and opened.headers["location"].startswith("/console/connexion")
            note = await t.post(f"/console/demandes/{r.reference}/note",
                                data={"csrf_token": csrf, "action_id": action, "texte": "note d'un voleur"})
            assert note.status_code == 303 and note.headers["location"].startswith("/console/connexion")
            take = await t.post(f"/console/demandes/{r.reference}/prendre",
                                data={"csrf_token": csrf, "action_id": action})
            assert take.status_code == 303 and take.headers["location"].startswith("/console/connexion")
            # an htmx call gets 401, not the page
            assert (await t.get("/console/", headers={"HX-Request": "true"})).status_code == 401
        assert [e.kind for e in await a.guichet.store.history(r.reference)] == before
        record = await a.guichet.store.get_request(r.reference)
        assert record.assigned_agent_id is None


async def test_logout_everywhere_ends_every_browser_of_the_agent(database_url, kb) -> None:
    async with make_web(database_url, kb) as a, make_web(database_url, kb) as b:
        agent = await a.new_agent("prefecture")
        colleague = await a.new_agent("prefecture")
        office, laptop = await a.login(agent), await b.login(agent)
        kept = await a.login(colleague)
        page = await office.get("/console/")
        assert "Se déconnecter partout" in text_of(page)
        done = await office.post("/console/deconnexion/partout", data={"csrf_token": csrf_of(page.text)})
        assert done.status_code == 303
        follow = await office.get(done.headers["location"])
        assert "tous vos appareils" in text_of(follow)
        assert (await laptop.get("/console/")).status_code == 303
        assert (await office.get("/console/")).status_code == 303
        assert (await kept.get("/console/")).status_code == 200  # another agent's session is not touched
        # without the CSRF token, nothing happens
        page = await kept.get("/console/")
        assert (await kept.post("/console/deconnexion/partout", data={})).status_code == 403
        assert (await kept.get("/console/")).status_code == 200


async def test_deactivation_revokes_the_sessions_and_reactivation_revives_none(web: WebEnv) -> None:
    from bot.store.tables import console_session_t

    admin = await web.new_agent("admin")
    agent = await web.new_agent("prefecture")
    boss, c = await web.login(admin), await web.login(agent)
    stolen = c.cookies[COOKIE]
    page = await boss.get("/console/agents")
    token = csrf_of(page.text)
    assert (await boss.post(f"/console/agents/{agent.id}/activation", data={"csrf_token": token, "active": "0"})
            ).status_code == 303
    async with web.guichet.store.unit(readonly=True) as uow:
        rows = (await uow.conn.execute(sa.select(console_session_t.c.revoked_why)
                                       .where(console_session_t.c.agent_id == agent.id))).scalars().all()
    assert rows == ["deactivated"]
    assert (await boss.post(f"/console/agents/{agent.id}/activation", data={"csrf_token": token, "active": "1"})
            ).status_code == 303
    assert (await thief(web, stolen).get("/console/")).status_code == 303
    assert (await web.login(agent)).cookies[COOKIE] != stolen  # a new login works


async def test_the_lifetime_is_absolute_activity_does_not_extend_it(web: WebEnv) -> None:
    from bot.store.tables import console_session_t, utcnow

    agent = await web.new_agent("prefecture")
    c = await web.login(agent)
    async with web.guichet.store.unit(readonly=True) as uow:
        row = (await uow.conn.execute(sa.select(console_session_t))).one()
    assert row.expires_at - row.created_at == timedelta(hours=12)
    for _ in range(3):  # activity: the row's end never moves
        assert (await c.get("/console/")).status_code == 200
    async with web.guichet.store.unit() as uow:
        again = (await uow.conn.execute(sa.select(console_session_t))).one()
        assert again.expires_at == row.expires_at
        # eleven hours and 59 minutes later, still in; then past the end, out, however recent the last request
        await uow.conn.execute(sa.update(console_session_t).values(
            created_at=utcnow() - timedelta(hours=11, minutes=59), expires_at=utcnow() + timedelta(minutes=1)))
    assert (await c.get("/console/")).status_code == 200
    async with web.guichet.store.unit() as uow:
        await uow.conn.execute(sa.update(console_session_t).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert (await c.get("/console/")).status_code == 303


async def test_the_cookie_holds_a_random_id_and_the_database_only_its_hash(web: WebEnv) -> None:
    import base64
    import json

    from bot.store.tables import console_session_t
    from bot.webkit.sessions import id_hash

    agent = await web.new_agent("prefecture")
    c = await web.login(agent)
    payload = c.cookies[COOKIE].split(".")[0]
    data = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    assert set(data) >= {"sid", "csrf"} and "agent_id" not in data and len(data["sid"]) >= 43
    async with web.guichet.store.unit(readonly=True) as uow:
        hashes = (await uow.conn.execute(sa.select(console_session_t.c.id_hash))).scalars().all()
    assert hashes == [id_hash(data["sid"])] and data["sid"] not in hashes
    # a forged cookie of the former kind (a signed agent id) logs nobody in
    from itsdangerous import TimestampSigner

    forged = TimestampSigner("t" * 48).sign(base64.b64encode(json.dumps({"agent_id": agent.id}).encode())).decode()
    assert (await thief(web, forged).get("/console/")).status_code == 303
    assert BASE_URL


async def test_the_console_sessions_migration_from_the_previous_revision_and_back(database_url: str) -> None:
    from alembic import command

    from bot.store import db

    async def tables(engine) -> set[str]:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: sa.inspect(c).get_table_names()))

    async def code_columns(engine) -> set[str]:
        async with engine.connect() as conn:
            return {c["name"] for c in await conn.run_sync(lambda c: sa.inspect(c).get_columns("web_code"))}

    engine = db.make_engine(database_url)
    try:
        await db.upgrade(engine, "0009_rate_limits")
        assert "console_session" not in await tables(engine) and "client_hash" not in await code_columns(engine)
        await db.upgrade(engine, "0010_console_sessions")
        assert "console_session" in await tables(engine) and "client_hash" in await code_columns(engine)
        async with engine.begin() as conn:
            await conn.run_sync(lambda c: command.downgrade(db.alembic_config(c), "0009_rate_limits"))
        assert "console_session" not in await tables(engine) and "client_hash" not in await code_columns(engine)
        await db.upgrade(engine)
        assert await db.current_revision(engine) == db.HEAD_REVISION
    finally:
        await engine.dispose()
