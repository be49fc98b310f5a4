"""The web chat over HTTP (ASGI, no browser), on SQLite and PostgreSQL: the whole loop with the e-mail code from a
real SMTP server, staff → person in the page and by e-mail, another device, and the public page's defences."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from datetime import datetime, timedelta, timezone

import httpx
import pytest
import sqlalchemy as sa

from bot.channels.web.adapter import WebChat
from bot.channels.web.routes import COOKIE, create_chat_app
from bot.store.tables import web_message_t, web_person_t
from tests.webchat.pilot import REFERENCE, Plan, csrf_of, parse_messages

BASE = "https://guichet.test"


@pytest.fixture
def chat(kb, store, web_settings):
    from bot.dialogue.engine import Engine

    settings = web_settings.model_copy(update={"flood_max_messages": 10_000, "web_max_posts_per_minute": 10_000})
    engine = Engine(kb=kb, store=store, settings=settings)
    return WebChat(engine, store, settings)


def client_for(chat: WebChat) -> httpx.AsyncClient:
    app = create_chat_app(chat, workers=False)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE, follow_redirects=True)


class Person:
    """One browser (its own cookie jar), posting plain forms like a browser without JavaScript."""

    def __init__(self, chat: WebChat, smtp) -> None:
        self.chat, self.smtp = chat, smtp
        self.http = client_for(chat)
        self.page = ""

    async def open(self) -> str:
        r = await self.http.get("/")
        assert r.status_code == 200
        self.page = r.text
        return self.page

    async def post(self, **fields: str) -> httpx.Response:
        if not self.page:
            await self.open()
        data = {"csrf": csrf_of(self.page), "key": secrets.token_hex(8), **fields}
        r = await self.http.post("/message", data=data)
        if r.status_code == 200:
            self.page = r.text
        return r

    async def say(self, text: str) -> httpx.Response:
        return await self.post(text=text)

    async def press(self, data: str) -> httpx.Response:
        return await self.post(data=data)

    def messages(self):
        return parse_messages(self.page)

    async def file(self, plan: Plan) -> str:
        await self.open()
        for _ in range(80):
            code = None
            last = [m for m in self.messages() if m.author != "person"]
            if last and "code à 6 chiffres" in last[-1].text:
                await self.chat.mailer.deliver_due()
                await asyncio.to_thread(self.smtp.mailbox.wait_for, plan.email)
                code = self.smtp.mailbox.last_code(plan.email)
            action = plan.next_action(self.messages(), code)
            if action is None:
                found = REFERENCE.search([m for m in self.messages() if m.author != "person"][-1].text)
                return found.group(1)
            kind, value = action
            r = await (self.say(value) if kind == "text" else self.press(value))
            assert r.status_code == 200, r.text
        raise AssertionError("no reference after 80 actions:\n" + "\n".join(m.text for m in self.messages()[-6:]))

    async def close(self) -> None:
        await self.http.aclose()


async def test_whole_loop_code_staff_in_page_and_by_mail_export(chat, store, smtp) -> None:
    from bot.staff.service import StaffService
    from bot.store.export import export_bytes

    person = Person(chat, smtp)
    plan = Plan(email="maire@giromagny.test")
    ref = await person.file(plan)
    texts = [m.text for m in person.messages()]
    assert any("Adresse confirmée" in t for t in texts)
    assert "••••••" in [m.text for m in person.messages() if m.author == "person"]  # the code is not kept
    record = await store.get_request(ref)
    assert record.channel == "web" and record.email == plan.email
    assert record.user_id == record.chat_id and record.user_id.startswith("w")
    assert "email_confirmed" in [e.kind for e in await store.history(ref)]
    lines = json.loads((await export_bytes(store, "json")).decode())
    assert [x["channel"] for x in lines if x["reference"] == ref] == ["web"]
    # exactly one code e-mail, with the code, no other mail yet
    assert len(smtp.mailbox.to(plan.email)) == 1

    # staff take it in charge while the person has the page open: shown in the page, no e-mail
    await person.open()
    result = await StaffService(store).take_charge(ref, "agent-1", "Agent Un")
    assert result.ok
    assert await chat.deliver_web_outbox() == 1
    await person.open()
    staff = [m for m in person.messages() if m.author == "staff"]
    assert len(staff) == 1 and ref in staff[0].text
    assert 'data-from="staff"' in person.page and 'data-author="bot" data-from="staff"' in person.page
    await chat.mailer.deliver_due()
    assert len(smtp.mailbox.to(plan.email)) == 1

    # the person has left: a staff question goes to the page and by e-mail with a link back
    async with store.unit() as uow:
        long_ago = datetime.now(timezone.utc) - timedelta(hours=1)
        await uow.conn.execute(sa.update(web_person_t).values(last_seen_at=long_ago))
    result = await StaffService(store).ask_details(ref, "Quel est le montant des travaux ?", "agent-1")
    assert result.ok
    assert await chat.deliver_web_outbox() == 1
    await chat.mailer.deliver_due()
    mails = await asyncio.to_thread(smtp.mailbox.wait_for, plan.email, 2)
    body = mails[-1].get_content()
    assert "Quel est le montant des travaux ?" in body and f"{BASE}/" in body and ref in mails[-1]["Subject"]
    # the answer typed in the page reaches staff (the engine's awaited answer)
    r = await person.say("Environ 300 000 euros")
    assert r.status_code == 200
    assert "answer" in " ".join(e.kind for e in await store.history(ref)) or \
        any("300 000" in json.dumps(e.data, ensure_ascii=False) for e in await store.history(ref))
    await person.close()


async def test_reload_another_device_and_double_submit(chat, store, smtp) -> None:
    person = Person(chat, smtp)
    plan = Plan(email="secretaire@rougemont.test", commune="Rougemont-le-Château")
    ref = await person.file(plan)
    before = person.messages()
    await person.open()
    assert [m.id for m in person.messages()] == [m.id for m in before]  # a reload shows the conversation

    # a double submit (same key) is handled once
    key = secrets.token_hex(8)
    data = {"csrf": csrf_of(person.page), "key": key, "text": "/mesdemandes"}
    r1 = await person.http.post("/message", data=data)
    r2 = await person.http.post("/message", data=data)
    assert r1.status_code == r2.status_code == 200
    page = parse_messages(r2.text)
    assert [m.text for m in page if m.author == "person"].count("« Mes demandes »") == 1  # the web names commands

    # another device: nothing until the code is confirmed, then the same conversation and requests
    other = Person(chat, smtp)
    await other.open()
    assert other.messages() == []
    await other.press("v:login")
    await other.say(plan.email)
    await chat.mailer.deliver_due()
    await asyncio.to_thread(smtp.mailbox.wait_for, plan.email, 2)
    old_cookie = other.http.cookies.get(COOKIE)
    await other.say(smtp.mailbox.last_code(plan.email))
    assert other.http.cookies.get(COOKIE) != old_cookie  # a new session id at login
    assert any(ref in m.text for m in other.messages())
    await other.say("/mesdemandes")
    assert ref in other.messages()[-1].text or any(ref in m.text for m in other.messages()[-3:])
    # the old cookie value is dead
    stale = client_for(chat)
    stale.cookies.set(COOKIE, old_cookie, domain="guichet.test")
    assert parse_messages((await stale.get("/")).text) == []
    await stale.aclose()
    await person.close()
    await other.close()


async def test_wrong_code_then_right_code(chat, store, smtp) -> None:
    person = Person(chat, smtp)
    await person.open()
    await person.press("v:login")
    await person.say("pas une adresse")
    assert "ne semble pas valide" in person.messages()[-1].text
    await person.say("elu@exemple.test")
    await chat.mailer.deliver_due()
    await asyncio.to_thread(smtp.mailbox.wait_for, "elu@exemple.test")
    code = smtp.mailbox.last_code("elu@exemple.test")
    await person.say(f"{(int(code) + 1) % 1_000_000:06d}")
    assert "ne correspond pas" in person.messages()[-1].text
    await person.say("12")
    assert "6 chiffres" in person.messages()[-1].text
    await person.say(code[:3] + " " + code[3:])
    assert "Adresse confirmée" in person.messages()[-1].text
    assert "Adresse confirmée : elu@exemple.test" in person.page
    await person.close()


async def test_cookie_flags_csrf_size_and_injection(chat, store, smtp) -> None:
    person = Person(chat, smtp)
    r = await person.http.get("/")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie
    assert "content-security-policy" in r.headers
    # no CSRF token, a wrong one, another session's one
    assert (await person.http.post("/message", data={"key": "abcdefgh12", "text": "bonjour"})).status_code == 403
    assert (await person.http.post("/message", data={"csrf": "0" * 40, "key": "abcdefgh12", "text": "x"})).status_code == 403
    other = client_for(chat)
    other_page = (await other.get("/")).text
    forged = await person.http.post("/message", data={"csrf": csrf_of(other_page), "key": "abcdefgh12", "text": "x"})
    assert forged.status_code == 403
    await other.aclose()
    # oversize body, wrong content type, bad key, oversize button data
    big = await person.post(text="a" * 20_000)
    assert big.status_code == 413
    r = await person.http.post("/message", content=b'{"text": "x"}', headers={"content-type": "application/json"})
    assert r.status_code == 415
    assert (await person.post(text="x", key="../../etc")).status_code == 400
    assert (await person.post(data="x" * 65)).status_code == 400
    # HTML from a person is never markup
    await person.say('<script>alert("x")</script><img src=x onerror=alert(1)><b>gras</b>')
    assert "<script>alert" not in person.page and "<img src=x" not in person.page and "<b>gras" not in person.page
    assert "&lt;script&gt;" in person.page
    async with store.unit() as uow:
        kept = (await uow.conn.execute(sa.select(web_message_t.c.text).where(web_message_t.c.author == "person"))).scalars().all()
    assert any("<script>" in t for t in kept)  # kept as typed, escaped when shown
    # a forged button (not offered) files nothing
    r = await person.press("consent")
    assert r.status_code == 200
    assert await store.list_requests() == []
    await person.close()


async def test_flood_limits_per_session_and_per_address(kb, store, web_settings, smtp) -> None:
    from bot.dialogue.engine import Engine

    settings = web_settings.model_copy(update={"web_max_posts_per_minute": 5,
                                               "web_max_requests_per_minute_per_address": 30})
    chat = WebChat(Engine(kb=kb, store=store, settings=settings), store, settings)
    person = Person(chat, smtp)
    codes = [(await person.say(f"message {i}")).status_code for i in range(8)]
    assert codes[:5] == [200] * 5 and 429 in codes[5:]
    codes = [(await person.http.get("/")).status_code for _ in range(40)]
    assert 429 in codes
    await person.close()


class Workers(httpx.AsyncBaseTransport):
    """A load balancer in front of several workers: each request goes to the next app in turn (in turn per method, so
    that the posts alternate too, not only the pages they redirect to)."""

    def __init__(self, apps: list) -> None:
        self.transports = [httpx.ASGITransport(app=a) for a in apps]
        self.turns: dict[str, int] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        turn = self.turns[request.method] = self.turns.get(request.method, -1) + 1
        return await self.transports[turn % len(self.transports)].handle_async_request(request)


async def test_flood_limits_are_shared_by_the_workers(kb, store, database_url, web_settings, smtp) -> None:
    """Two workers (two stores on one database, two apps), one browser whose requests alternate between them: the
    limits per session and per address are one budget, not one per worker; the refusal is the French page."""
    from bot.channels.web.routes import memory_limiter
    from bot.dialogue.engine import Engine
    from bot.store.repository import Store
    from bot.texts import web as W

    settings = web_settings.model_copy(update={"web_max_posts_per_minute": 5,
                                               "web_max_requests_per_minute_per_address": 30})
    other = await Store.open(database_url, departement="90", timezone_name="Europe/Paris")
    try:
        chats = [WebChat(Engine(kb=kb, store=s, settings=settings), s, settings) for s in (store, other)]
        person = Person(chats[0], smtp)
        person.http = httpx.AsyncClient(transport=Workers([create_chat_app(c, workers=False) for c in chats]),
                                        base_url=BASE, follow_redirects=True)
        replies = [await person.say(f"message {i}") for i in range(8)]
        codes = [r.status_code for r in replies]
        assert codes[:5] == [200] * 5 and codes[5:] == [429] * 3, codes
        assert W.TOO_MANY in replies[-1].text
        codes = [(await person.http.get("/")).status_code for _ in range(40)]
        # before: the page opened, 5 posts and the pages they redirect to, 3 refused posts (14 requests); 30 in all,
        # whichever worker answered
        assert codes.count(200) == 30 - 14 and codes[-1] == 429, codes
        page = await person.http.get("/")
        assert page.status_code == 429 and W.TOO_MANY in page.text
        await person.close()
        # the same two workers with in-memory limiters (GUICHET_WEB_SHARED_RATE_LIMITS=false) each grant the budget
        person = Person(chats[0], smtp)
        person.http = httpx.AsyncClient(
            transport=Workers([create_chat_app(c, workers=False, limiters=memory_limiter) for c in chats]),
            base_url=BASE, follow_redirects=True)
        codes = [(await person.say(f"encore {i}")).status_code for i in range(8)]
        assert codes == [200] * 8, codes
        await person.close()
    finally:
        await other.close()


def test_the_limiters_are_chosen_by_the_settings(kb, store, web_settings) -> None:
    from bot.channels.web.routes import ChatPages
    from bot.dialogue.engine import Engine
    from bot.store.ratelimit import DatabaseRateLimiter, MemoryRateLimiter

    for shared, kind in ((True, DatabaseRateLimiter), (False, MemoryRateLimiter)):
        settings = web_settings.model_copy(update={"web_shared_rate_limits": shared})
        pages = ChatPages(WebChat(Engine(kb=kb, store=store, settings=settings), store, settings))
        assert isinstance(pages.per_session, kind) and isinstance(pages.per_address, kind)
        assert (pages.per_session.limit, pages.per_address.limit) == (30, 600)


async def test_nothing_personal_in_logs(chat, store, smtp, caplog) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot")
    # the test client's request lines (every URL the page used: personal data must never be in one); set here, since
    # the server's logging set-up caps httpx at WARNING for the rest of a process (bot.logsafe.LIBRARY_FLOORS)
    caplog.set_level(logging.INFO, logger="httpx")
    person = Person(chat, smtp)
    plan = Plan(email="discret@exemple.test", name="Hortense Discrète")
    await person.file(plan)
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))  # not the test server
    assert ours and "discret@exemple.test" not in ours and "Hortense" not in ours
    await person.close()


async def test_mounted_in_the_servers_app(kb, store, web_settings, smtp) -> None:
    """``guichet serve``'s app (the console's factory) serves the chat at / with the chat's own CSRF."""
    from bot.app import App
    from bot.dialogue.engine import Engine
    from bot.web.app import create_app

    engine = Engine(kb=kb, store=store, settings=web_settings)
    guichet = App(settings=web_settings, kb=kb, store=store, engine=engine)
    app = create_app(guichet)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE,
                                 follow_redirects=True) as http:
        page = (await http.get("/")).text
        assert 'role="log"' in page and "Votre message" in page
        r = await http.post("/message", data={"csrf": csrf_of(page), "key": secrets.token_hex(8), "text": "/demande"})
        assert r.status_code == 200 and [m.author for m in parse_messages(r.text)][0] == "person"
        assert (await http.post("/message", data={"key": secrets.token_hex(8), "text": "x"})).status_code == 403
        assert (await http.get("/console/")).status_code in (200, 303)


async def test_erasing_ones_data_removes_the_transcript_and_the_address(chat, store, smtp) -> None:
    from bot.store.tables import web_code_t

    person = Person(chat, smtp)
    plan = Plan(email="efface@exemple.test", name="Odile Effacée")
    await person.file(plan)
    await person.say("/supprimer")
    yes = [d for d, label in person.messages()[-1].buttons if d == "x:yes"]
    assert yes, person.messages()[-1]
    await person.press(yes[0])
    texts = " ".join(m.text for m in person.messages())
    assert "Odile" not in texts and "efface@exemple.test" not in texts
    assert "Adresse confirmée" not in person.page
    async with store.unit() as uow:
        row = (await uow.conn.execute(sa.select(web_person_t.c.email))).scalars().all()
        codes = (await uow.conn.execute(sa.select(web_code_t.c.email))).scalars().all()
        kept = (await uow.conn.execute(sa.select(web_message_t.c.text))).scalars().all()
    assert row == [None] and codes == [] and not any("Odile" in t for t in kept)
    await person.close()
