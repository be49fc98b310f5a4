"""Browser tests: the real server (uvicorn, in a thread, on loopback) and Debian's chromium through Playwright, with
axe-core (vendored in ``tests/browser/vendor``) run on every page.

Never ``playwright install``: chromium comes from apt (``scripts/test`` installs it when missing); the tests skip
cleanly only when ``/usr/bin/chromium`` does not exist.

    def test_x(live, page):
        agent = live.new_agent("prefecture")
        live.login(page, agent)                       # through a one-time link, like a person
        page.goto(live.url("/console/"))
        assert_accessible(page)                       # no serious or critical axe violation
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("GUICHET_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn serving :func:`bot.web.app.create_app` in a thread (its own event loop and App)."""

    def __init__(self, database_url: str) -> None:
        import uvicorn

        from bot.web.app import create_app
        from tests.web.conftest import web_settings

        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.settings = web_settings(database_url, public_url=self.base)
        self.database_url = database_url
        config = uvicorn.Config(create_app(settings=self.settings), host="127.0.0.1", port=self.port,
                                log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the web server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def url(self, path: str) -> str:
        return self.base + path

    # --- data, through the store (its own connection, in this thread) -------------------------------------------
    def run(self, fn: Any) -> Any:
        """Run ``await fn(store)`` on a store of the server's database; return its result."""
        from bot.store.repository import Store

        async def _go() -> Any:
            store = await Store.open(self.database_url, departement="90", timezone_name="Europe/Paris")
            try:
                return await fn(store)
            finally:
                await store.close()

        # In a thread of its own: sync Playwright keeps an event loop running in this one.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, _go()).result()

    def new_agent(self, role: str, operator: str | None = None, name: str | None = None) -> Any:
        email = f"{role}-{uuid.uuid4().hex[:8]}@example.gouv.fr"

        async def _go(store: Any) -> Any:
            async with store.unit() as uow:
                agent, _ = await uow.save_agent(email, name or f"Agent {role}", role, operator)
            return agent

        return self.run(_go)

    def login_link(self, agent: Any) -> str:
        from bot.console.auth import create_login_link

        return self.run(lambda store: create_login_link(store, self.base, agent))

    def login(self, page: Any, agent: Any) -> None:
        page.goto(self.login_link(agent))
        page.get_by_role("button", name="Me connecter").click()
        page.wait_for_url(self.url("/console/**"))

    def new_request(self, **kw: Any) -> Any:
        from bot.store.models import RequestDraft

        base: dict[str, Any] = dict(
            channel="telegram", user_id="1001", chat_id="1001", commune_code="90065", commune_name="Giromagny",
            epci_code="200069060", role="maire", contact_name="Jeanne Martin", phone="+33612345678",
            email="j.martin@example.org", description="Créer une maison de santé pluridisciplinaire",
            themes=["sante"], stage="etude", help_kinds=["financement"], matches=["acces-aux-soins"],
        )
        base.update(kw)

        async def _go(store: Any) -> Any:
            async with store.unit() as uow:
                return await uow.create_request(RequestDraft(**base))

        return self.run(_go)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'guichet.db'}"
    server = LiveServer(url)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium, for one module: sync Playwright keeps an event loop running in this thread while it is started,
    which the asyncio tests of later modules could not share (so it is stopped at the end of each module)."""
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium; scripts/test does it)")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    try:
        yield b
    finally:
        b.close()
        pw.stop()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="fr-FR", bypass_csp=True)  # lets axe-core be injected
    p = context.new_page()
    try:
        yield p
    finally:
        context.close()


def axe_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict[str, Any]]:
    """axe-core's violations of the current page with one of ``impacts``."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in impacts]


def assert_accessible(page: Any) -> None:
    bad = axe_violations(page)
    assert not bad, json.dumps(
        [{"id": v["id"], "impact": v["impact"], "help": v["help"],
          "nodes": [n["target"] for n in v["nodes"][:5]]} for v in bad], ensure_ascii=False, indent=1)
