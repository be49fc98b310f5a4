"""Fixtures of the web tests (console and web chat), through the ASGI app on SQLite and PostgreSQL.

    async def test_x(web, login_as):
        client = await login_as("prefecture")          # an httpx client logged in as a new agent of that role
        page = await client.get("/console/")
        token = csrf_of(page.text)                      # the hidden CSRF field of the page
        await client.post("/console/...", data={"csrf_token": token, ...})

``web`` is a :class:`WebEnv`: ``app`` (the FastAPI app), ``guichet`` (the started ``bot.app.App``: ``store``,
``staff``, ``settings``, ``kb``, ``engine``), ``client()`` (a new anonymous client, its own cookie jar),
``new_agent(role, operator=None)`` and ``new_request(**fields)``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

BASE_URL = "https://guichet.test"


@pytest.fixture(scope="session")
def kb():
    from knowledge.base import KnowledgeBase

    return KnowledgeBase.load("90")


def web_settings(database_url: str, **overrides: Any) -> Any:
    from bot.config import load_settings

    values: dict[str, Any] = dict(
        departement="90", database_url=database_url, secret_key="t" * 48, public_url=BASE_URL,
        flood_max_messages=100_000, staff_chat_id=-1001,
    )
    values.update(overrides)
    return load_settings(**values)


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def text_of(response: httpx.Response) -> str:
    """The page's text with HTML entities decoded (``n&#39;est`` → ``n'est``)."""
    import html

    return html.unescape(response.text)


def csrf_of(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no CSRF field in the page"
    return m.group(1)


@dataclass
class WebEnv:
    app: Any
    guichet: Any
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    def client(self) -> httpx.AsyncClient:
        c = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app, client=("127.0.0.1", 5000)),
                              base_url=BASE_URL, follow_redirects=False)
        self.clients.append(c)
        return c

    async def new_agent(self, role: str, operator: str | None = None, name: str | None = None,
                        email: str | None = None) -> Any:
        email = email or f"{role}-{uuid.uuid4().hex[:8]}@example.gouv.fr"
        async with self.guichet.store.unit() as uow:
            agent, _ = await uow.save_agent(email, name or f"Agent {role.capitalize()} {email[-20:-15]}", role,
                                            operator)
        return agent

    async def login_link(self, agent: Any) -> str:
        from bot.console.auth import create_login_link

        return await create_login_link(self.guichet.store, self.guichet.settings.public_url, agent)

    async def login(self, agent: Any, client: httpx.AsyncClient | None = None) -> httpx.AsyncClient:
        client = client or self.client()
        url = (await self.login_link(agent)).removeprefix(BASE_URL)
        page = await client.get(url)
        assert page.status_code == 200, page.text
        done = await client.post(url, data={"csrf_token": csrf_of(page.text)})
        assert done.status_code == 303, done.text
        client.agent = agent  # type: ignore[attr-defined]
        return client

    async def new_request(self, **kw: Any) -> Any:
        from bot.store.models import RequestDraft

        base: dict[str, Any] = dict(
            channel="telegram", user_id="1001", chat_id="1001", commune_code="90065", commune_name="Giromagny",
            epci_code="200069060", role="maire", contact_name="Jeanne Martin", phone="+33612345678",
            email="j.martin@example.org", description="Créer une maison de santé pluridisciplinaire",
            themes=["sante"], stage="etude", help_kinds=["financement"],
            matches=["acces-aux-soins", "petites-villes-de-demain"],
        )
        base.update(kw)
        async with self.guichet.store.unit() as uow:
            return await uow.create_request(RequestDraft(**base))


@asynccontextmanager
async def make_web(database_url: str, kb: Any, **overrides: Any) -> AsyncIterator[WebEnv]:
    """A :class:`WebEnv` on ``database_url`` with settings ``overrides`` (e.g. ProConnect's)."""
    from bot.app import App
    from bot.dialogue.engine import Engine
    from bot.staff.service import StaffService
    from bot.store.repository import Store
    from bot.web.app import create_app

    settings = web_settings(database_url, **overrides)
    store = await Store.open(database_url, departement="90", timezone_name="Europe/Paris")
    guichet = App(settings=settings, kb=kb, store=store, engine=Engine(kb=kb, store=store, settings=settings),
                  staff=StaffService(store))
    env = WebEnv(app=create_app(guichet), guichet=guichet)
    try:
        yield env
    finally:
        for c in env.clients:
            await c.aclose()
        await store.close()


@pytest.fixture
async def web(database_url: str, kb: Any) -> AsyncIterator[WebEnv]:
    async with make_web(database_url, kb) as env:
        yield env


@pytest.fixture
def login_as(web: WebEnv) -> Any:
    """``await login_as("prefecture")`` / ``("operateur", "ademe")``: a client logged in as a new agent."""

    async def _login(role: str, operator: str | None = None) -> httpx.AsyncClient:
        return await web.login(await web.new_agent(role, operator))

    return _login
