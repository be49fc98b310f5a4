"""Issue 25, probes 3 and 4, over HTTP (ASGI) on SQLite and PostgreSQL: the web chat's limits do not depend on the
client keeping its cookie (new conversations count against the address and a global budget), addresses are one
whatever their case, and the code cap per address does not let a stranger block a mayor."""

from __future__ import annotations

import asyncio
import secrets

import httpx
import sqlalchemy as sa

from bot.channels.web import identity as I
from bot.channels.web.adapter import LOGIN_DATA, CHANGE_DATA, WebChat
from bot.channels.web.routes import COOKIE, create_chat_app
from bot.store.tables import web_code_t, web_person_t, web_session_t
from bot.texts import web as W
from tests.webchat.pilot import Plan, csrf_of, parse_messages

BASE = "https://guichet.test"


def make_chat(kb, store, settings) -> WebChat:
    from bot.dialogue.engine import Engine

    return WebChat(Engine(kb=kb, store=store, settings=settings), store, settings)


def http(app, address: str = "192.0.2.1") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 5000)), base_url=BASE,
                             follow_redirects=False)


async def count(store, table) -> int:
    async with store.unit(readonly=True) as uow:
        return (await uow.conn.execute(sa.select(sa.func.count()).select_from(table))).scalar_one()


# --- probe 3 -----------------------------------------------------------------------------------------------------
async def test_dropping_the_cookie_does_not_escape_the_limits(kb, store, web_settings) -> None:
    """One GET /, then 120 POST /message replaying the page's cookie and token but never keeping the new one (the
    probe of the issue), with the default settings: refused (429, French) long before 120 people exist."""
    settings = web_settings.model_copy(update={"flood_max_messages": 100_000})
    assert settings.web_max_new_sessions_per_hour_per_address == 30
    app = create_chat_app(make_chat(kb, store, settings), workers=False)
    async with http(app) as first:
        page = await first.get("/")
        cookie, csrf = page.cookies[COOKIE], csrf_of(page.text)
    codes, last = [], None
    for i in range(120):
        async with http(app) as c:  # a fresh jar each time: the server's new cookie is dropped
            r = await c.post("/message", data={"csrf": csrf, "key": secrets.token_hex(8), "text": f"bonjour {i}"},
                             headers={"Cookie": f"{COOKIE}={cookie}"})
            codes.append(r.status_code)
            last = r
    assert codes[:30] == [303] * 30 and codes[30:] == [429] * 90, codes
    assert W.TOO_MANY_NEW in last.text and last.headers["x-frame-options"] == "DENY"
    assert await count(store, web_person_t) == 30 and await count(store, web_session_t) == 30
    # someone else (another address) still starts a conversation; a person who kept their cookie goes on
    async with http(app, "198.51.100.3") as other:
        page = await other.get("/")
        r = await other.post("/message", data={"csrf": csrf_of(page.text), "key": secrets.token_hex(8),
                                                "text": "bonjour"})
        assert r.status_code == 303
        for i in range(3):
            page = await other.get("/")
            r = await other.post("/message", data={"csrf": csrf_of(page.text), "key": secrets.token_hex(8),
                                                    "text": f"suite {i}"})
            assert r.status_code == 303
    assert await count(store, web_person_t) == 31


async def test_a_global_budget_of_new_conversations(kb, store, web_settings) -> None:
    settings = web_settings.model_copy(update={"web_max_new_sessions_per_hour": 5, "flood_max_messages": 100_000})
    app = create_chat_app(make_chat(kb, store, settings), workers=False)
    codes = []
    for i in range(8):  # eight addresses, one conversation each
        async with http(app, f"198.18.0.{i + 1}") as c:
            page = await c.get("/")
            r = await c.post("/message", data={"csrf": csrf_of(page.text), "key": secrets.token_hex(8),
                                                "text": "bonjour"})
            codes.append(r.status_code)
    assert codes == [303] * 5 + [429] * 3
    assert await count(store, web_person_t) == 5


# --- probe 4 -----------------------------------------------------------------------------------------------------
class Browser:
    def __init__(self, app, address: str) -> None:
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 5000)),
                                      base_url=BASE, follow_redirects=True)
        self.page = ""

    async def post(self, **fields: str) -> list:
        if not self.page:
            self.page = (await self.http.get("/")).text
        r = await self.http.post("/message", data={"csrf": csrf_of(self.page), "key": secrets.token_hex(8),
                                                    **fields})
        assert r.status_code == 200, r.text
        self.page = r.text
        return [m for m in parse_messages(self.page) if m.author != "person"]

    async def ask_code(self, email: str, first: bool = True) -> str:
        """The bot's answer to asking a code for ``email`` (login button, or « changer d'adresse »)."""
        await self.post(data=LOGIN_DATA if first else CHANGE_DATA)
        return (await self.post(text=email))[-1].text

    async def close(self) -> None:
        await self.http.aclose()


async def test_the_code_cap_ignores_the_case_of_the_address(kb, store, web_settings, smtp) -> None:
    chat = make_chat(kb, store, web_settings)
    app = create_chat_app(chat, workers=False)
    b = Browser(app, "192.0.2.50")
    variants = ["Maire.Dupont@Exemple.fr", "  MAIRE.DUPONT@exemple.FR ", "maire.dupont@EXEMPLE.fr",
                "MaIrE.dUpOnT@exemple.fr"]
    answers = [await b.ask_code(v, first=(i == 0)) for i, v in enumerate(variants[:3])]
    assert all("code à 6 chiffres" in a for a in answers), answers
    async with store.unit(readonly=True) as uow:
        stored = (await uow.conn.execute(sa.select(web_code_t.c.email))).scalars().all()
    assert stored == ["maire.dupont@exemple.fr"] * 3
    # the mail goes to the address as typed (trimmed, domain lower-cased), local part's case kept
    await chat.mailer.deliver_due()
    mails = await asyncio.to_thread(smtp.mailbox.wait_for, "@exemple.fr", 3)
    assert [str(m["To"]) for m in mails] == ["Maire.Dupont@exemple.fr", "MAIRE.DUPONT@exemple.fr",
                                             "maire.dupont@exemple.fr"]
    # the last code confirms the address whatever case it was asked with
    code = smtp.mailbox.last_code("maire.dupont@exemple.fr")
    confirmed = await b.post(text=code)
    assert any("Adresse confirmée" in m.text for m in confirmed)
    # a fourth case from the same client, in a new browser: the same address, its budget is used up
    b2 = Browser(app, "192.0.2.50")
    assert "Trop de codes demandés" in await b2.ask_code(variants[3])
    await b.close()
    await b2.close()


async def test_a_stranger_cannot_block_a_mayors_address(kb, store, web_settings, smtp) -> None:
    chat = make_chat(kb, store, web_settings)
    app = create_chat_app(chat, workers=False)
    mayor_address = "Jeanne.Maire@giromagny.test"
    stranger = Browser(app, "203.0.113.66")
    answers = [await stranger.ask_code(mayor_address.upper() if i % 2 else mayor_address, first=(i == 0))
               for i in range(I.CODES_PER_ADDRESS + 1)]
    assert "Trop de codes demandés" in answers[-1]
    # the mayor, from her mairie, gets her code and confirms
    mayor = Browser(app, "192.0.2.90")
    assert "code à 6 chiffres" in await mayor.ask_code("jeanne.maire@giromagny.test")  # the same address, folded
    await chat.mailer.deliver_due()
    await asyncio.to_thread(smtp.mailbox.wait_for, "jeanne.maire@giromagny.test", 1)
    confirmed = await mayor.post(text=smtp.mailbox.last_code("jeanne.maire@giromagny.test"))
    assert any("Adresse confirmée" in m.text for m in confirmed)
    # a second device confirming the address in another case is the same person
    other = Browser(app, "192.0.2.91")
    assert "code à 6 chiffres" in await other.ask_code("Jeanne.MAIRE@GIROMAGNY.test")
    await chat.mailer.deliver_due()
    await asyncio.to_thread(smtp.mailbox.wait_for, "Jeanne.MAIRE@giromagny.test", 1)
    assert any("Adresse confirmée" in m.text
               for m in await other.post(text=smtp.mailbox.last_code("Jeanne.MAIRE@giromagny.test")))
    async with store.unit(readonly=True) as uow:
        owners = (await uow.conn.execute(sa.select(web_person_t.c.email)
                                         .where(web_person_t.c.email.is_not(None)))).scalars().all()
    assert len(owners) == 1
    for b in (stranger, mayor, other):
        await b.close()


async def test_once_confirmed_the_mayor_files_even_when_strangers_used_up_every_cap(kb, store, web_settings,
                                                                                   smtp) -> None:
    from tests.webchat.test_chat_http import Person

    settings = web_settings.model_copy(update={"flood_max_messages": 10_000, "web_max_posts_per_minute": 10_000})
    chat = make_chat(kb, store, settings)
    plan = Plan(email="maire@giromagny.test")
    mayor = Person(chat, smtp)
    mayor.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_chat_app(chat, workers=False),
                                                                 client=("192.0.2.7", 1)),
                                   base_url=BASE, follow_redirects=True)
    first = await mayor.file(plan)  # confirmed once, by code
    # strangers from several addresses use up the address's whole budget
    app = create_chat_app(chat, workers=False)
    for n in range(4):
        s = Browser(app, f"203.0.113.{n + 1}")
        for i in range(I.CODES_PER_ADDRESS):
            await s.ask_code(plan.email.upper(), first=(i == 0))
        await s.close()
    probe = Browser(app, "203.0.113.200")
    assert "Trop de codes demandés" in await probe.ask_code(plan.email)
    await probe.close()
    # the mayor, confirmed, files again without any code
    await mayor.open()
    await mayor.say("/demande")
    ref = await mayor.file(Plan(email="Maire@giromagny.test"))
    assert ref and ref != first
    assert not any("Trop de codes" in m.text or "code à 6 chiffres" in m.text
                   for m in mayor.messages()[-12:]), [m.text for m in mayor.messages()[-12:]]
    assert (await store.get_request(ref)).email == "maire@giromagny.test"  # the confirmed address
    await mayor.close()
