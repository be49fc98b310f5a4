"""The database unavailable during a step: the person is told "rien n'a été enregistré, renvoyez votre message", nothing partial is
written, and the conversation goes on once the database is back.

* SQLite: another connection holds ``BEGIN EXCLUSIVE`` longer than the busy timeout, at every step of the intake.
* PostgreSQL "stopped" without touching the shared server: the store talks to it through a TCP proxy on loopback
  that we close (every connection cut, new ones refused) and reopen, at every step; and once in the middle of the
  filing transaction (the proxy cuts the connections when it sees the ``INSERT INTO request``).
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3

import pytest

from bot.dialogue.events import Event
from bot.texts import dialogue as T
from tests.faults.test_duplicates import SCRIPT

_keys = itertools.count(1)


@pytest.fixture(scope="module")
def kb():
    from knowledge.base import KnowledgeBase

    return KnowledgeBase.load("90")


def ev(user: str, kind: str, **kw) -> Event:
    return Event(channel="telegram", user_id=user, chat_id=user, kind=kind, update_key=f"down:{next(_keys)}", **kw)


async def snapshot(store, user: str) -> tuple:
    """Everything a step may write."""
    async with store.unit(readonly=True) as uow:
        conv = await uow.get_conversation("telegram", user)
        counts = []
        for table in ("request", "event", "handled_update", "outbox", "conversation"):
            counts.append((await uow.conn.exec_driver_sql(f"SELECT count(*) FROM {table}")).scalar_one())
    return (conv.model_dump() if conv else None, tuple(counts))


async def test_sqlite_locked_at_every_step(kb, tmp_path) -> None:
    from bot.config import load_settings
    from bot.dialogue.engine import Engine
    from bot.store.repository import Store

    path = tmp_path / "g.db"
    store = await Store.open(f"sqlite:///{path}", departement="90", timezone_name="Europe/Paris",
                             sqlite_busy_timeout_ms=150)
    engine = Engine(kb=kb, store=store, settings=load_settings(flood_max_messages=1000, staff_chat_id=-1001))
    user = "locked"
    try:
        for kind, kw in SCRIPT:
            event = ev(user, kind, **kw)
            before = await snapshot(store, user)
            blocker = sqlite3.connect(path, isolation_level=None, timeout=5)
            blocker.execute("BEGIN EXCLUSIVE")  # held until after the engine gave up
            try:
                replies = await engine.handle(event)
            finally:
                blocker.execute("ROLLBACK")
                blocker.close()
            assert [r.text for r in replies] == [T.UNAVAILABLE], (kind, kw)
            assert "rien n'a été enregistré" in replies[0].text
            assert await snapshot(store, user) == before, (kind, kw)
            replies = await engine.handle(event)  # the person tries again: the same answer is taken
            assert replies and replies[0].text != T.UNAVAILABLE
            assert await snapshot(store, user) != before
        async with store.unit(readonly=True) as uow:
            assert len(await uow.list_requests(channel="telegram", user_id=user)) == 1
    finally:
        await store.close()


class PgProxy:
    """A TCP proxy on loopback in front of the PostgreSQL server. ``down()`` cuts every connection and refuses new
    ones (the server looks stopped to the store); ``up()`` accepts again. ``cut_on(marker)`` cuts every connection
    as soon as a client sends bytes containing ``marker`` (a failure in the middle of a transaction)."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.server: asyncio.base_events.Server | None = None
        self.port = 0
        self.pairs: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self.marker: bytes | None = None
        self.cuts = 0

    async def start(self) -> "PgProxy":
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        pair = (writer, up_writer)
        self.pairs.add(pair)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, watch: bool) -> None:
            try:
                while data := await src.read(65536):
                    if watch and self.marker is not None and self.marker in data:
                        self.marker = None
                        self.cut()
                        return
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                self._close(pair)

        await asyncio.gather(pipe(reader, up_writer, True), pipe(up_reader, writer, False))

    def _close(self, pair) -> None:
        for w in pair:
            try:
                w.transport.abort()
            except Exception:  # noqa: BLE001
                pass
        self.pairs.discard(pair)

    def cut(self) -> None:
        self.cuts += 1
        for pair in list(self.pairs):
            self._close(pair)

    def cut_on(self, marker: bytes) -> None:
        self.marker = marker

    async def down(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()
        self.cut()

    async def up(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port)

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        self.cut()


@pytest.mark.postgres
async def test_postgres_stopped_at_every_step_then_back(kb, postgres_url) -> None:
    from sqlalchemy.engine import make_url

    from bot.config import load_settings
    from bot.dialogue.engine import Engine
    from bot.store.repository import Store

    direct = await Store.open(postgres_url, departement="90", timezone_name="Europe/Paris")  # migrates
    url = make_url(postgres_url)
    proxy = await PgProxy(url.host or "127.0.0.1", url.port or 5432).start()
    via_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    store = await Store.open(via_proxy, departement="90", timezone_name="Europe/Paris", migrate=False)
    engine = Engine(kb=kb, store=store, settings=load_settings(flood_max_messages=1000, staff_chat_id=-1001))
    user = "pgdown"
    try:
        for kind, kw in SCRIPT:
            event = ev(user, kind, **kw)
            before = await snapshot(direct, user)
            await proxy.down()
            replies = await engine.handle(event)
            assert [r.text for r in replies] == [T.UNAVAILABLE], (kind, kw)
            assert await snapshot(direct, user) == before, (kind, kw)
            await proxy.up()
            if kw.get("data") == "consent":
                # The database goes away in the middle of the filing transaction (after the update mark, the
                # conversation read...): the server rolls it all back.
                proxy.cut_on(b"INSERT INTO request")
                replies = await engine.handle(event)
                assert [r.text for r in replies] == [T.UNAVAILABLE]
                assert proxy.cuts >= 1 and proxy.marker is None
                assert await snapshot(direct, user) == before
            replies = await engine.handle(event)  # back: the same answer is taken
            assert replies and replies[0].text != T.UNAVAILABLE, (kind, kw, replies)
            assert await snapshot(direct, user) != before
        async with direct.unit(readonly=True) as uow:
            records = await uow.list_requests(channel="telegram", user_id=user)
            staff = [m for m in await uow.due_outbox(limit=1000) if m.kind == "staff_new_request"]
        assert len(records) == 1 and len(staff) == 1
    finally:
        await store.close()
        await proxy.close()
        await direct.close()
