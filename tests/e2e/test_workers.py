"""Two real ``guichet run`` workers in webhook mode sharing one PostgreSQL database, against the fake Bot API.

Updates are delivered the way Telegram delivers them to a webhook behind a load balancer: a chat's next update is
sent once the previous one was answered, different chats at once, and here every update of a chat goes to the other
worker than the one before (so consecutive updates of one chat are always handled by different processes), while
the other chats keep both workers busy. Some updates are also delivered twice at once, to both workers (Telegram
sending again an update whose answer was lost). Every chat's intake must read exactly as a single-worker run of the
same script: the same replies in the same order, nothing twice; one request per intake and one staff notification
per request, sent once although both workers run an outbox sender.

PostgreSQL only (skips cleanly without ``GUICHET_TEST_POSTGRES_URL``). Waiting is on events (the webhook answers
once an update is handled; the fake server's condition variable), never on a sleep.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import REF_RE, ROOT, STAFF_CHAT, Person, file_request

pytestmark = pytest.mark.postgres

SECRET = "Workers-webhook_secret_42"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
CHATS = 24


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_worker(fake: Any, database_url: str, port: int, log_path: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_")}
    env.update({
        "GUICHET_TELEGRAM_TOKEN": fake.token,
        "GUICHET_TELEGRAM_API_URL": fake.url,
        "GUICHET_DATABASE_URL": database_url,
        "GUICHET_STAFF_CHAT_ID": str(STAFF_CHAT),
        "GUICHET_STAFF_USER_IDS": "111,112",
        "GUICHET_WEBHOOK_URL": "https://guichet.example.org/telegram",  # the load balancer's public URL
        "GUICHET_WEBHOOK_SECRET": SECRET,
        "GUICHET_WEBHOOK_LISTEN": "127.0.0.1",
        "GUICHET_WEBHOOK_PORT": str(port),
        "GUICHET_WEBHOOK_PATH": "telegram",
        "GUICHET_FLOOD_MAX_MESSAGES": "1000",
        "GUICHET_LOG_LEVEL": "INFO",
    })
    log_file = open(log_path, "wb")  # noqa: SIM115 - closed with the process below
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env=env, stdout=log_file,
                            stderr=subprocess.STDOUT)
    proc.log_file = log_file  # type: ignore[attr-defined]
    proc.log_path = log_path  # type: ignore[attr-defined]
    return proc


async def _stop_worker(proc: subprocess.Popen) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return await asyncio.to_thread(proc.wait, 60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.log_file.close()  # type: ignore[attr-defined]


class _Fake:
    def __init__(self, fake: Any) -> None:
        self.fake = fake


class WebhookMayor(Person):
    """A mayor whose updates are POSTed to the workers' webhooks, alternating worker at every update, one at a time
    (the next once the previous was answered, as Telegram does for one chat). ``twice`` = every how many updates
    the same update also goes to the other worker at the same moment."""

    def __init__(self, fake: Any, client: Any, urls: list[str], user_id: int, start: int, twice: int = 0) -> None:
        super().__init__(_Fake(fake), user_id)  # type: ignore[arg-type]
        self.client = client
        self.urls = urls
        self.turn = start
        self.twice = twice
        self.sent = 0
        self.transcript: list[tuple[str, list[str]]] = []

    async def _do(self, update: dict) -> list:
        before = self.seen()
        url = self.urls[self.turn % len(self.urls)]
        other = self.urls[(self.turn + 1) % len(self.urls)]
        self.turn += 1
        self.sent += 1
        posts = [self.client.post(url, json=update, headers=HEADERS)]
        if self.twice and self.sent % self.twice == 0:
            posts.append(self.client.post(other, json=update, headers=HEADERS))
        answers = await asyncio.gather(*posts)
        assert [a.status_code for a in answers] == [200] * len(answers), [a.text for a in answers]
        new = self.fake.messages_to(self.chat_id)[before:]
        kind = "callback" if "callback_query" in update else "message"
        self.transcript.append((kind, [_normalise(m.text or m.caption or "") for m in new]))
        return new


def _normalise(text: str) -> str:
    return REF_RE.sub("<REF>", text)


async def _wait_listening(fake: Any, workers: list[subprocess.Popen]) -> None:
    def ready() -> bool:
        for w in workers:
            if w.poll() is not None:
                raise AssertionError(f"worker exited: {Path(w.log_path).read_text(errors='replace')[-3000:]}")
        return len(fake.calls_of("setWebhook")) >= len(workers)  # each worker listens before setWebhook

    await fake.wait_for(ready, timeout=90, what="both workers listening")


async def test_two_workers_keep_each_chat_in_order_and_once(fake, postgres_url, tmp_path):
    import httpx
    import sqlalchemy as sa

    from bot.store.repository import Store
    from bot.store.tables import outbox_t

    ports = [_free_port(), _free_port()]
    urls = [f"http://127.0.0.1:{p}/telegram" for p in ports]
    workers = [_start_worker(fake, postgres_url, p, tmp_path / f"worker{i}.log") for i, p in enumerate(ports)]
    try:
        await _wait_listening(fake, workers)
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        async with httpx.AsyncClient(timeout=120, limits=limits) as client:
            # Single-worker reference: a first intake creates a request for Giromagny, a second one (the same
            # script) meets the duplicate guard; every later intake of this script reads like the second one.
            first = WebhookMayor(fake, client, urls[:1], 5000, 0)
            await file_request(first)
            reference = WebhookMayor(fake, client, urls[:1], 5001, 0)
            await file_request(reference)
            expected = reference.transcript
            assert any("déjà ouverte" in t for _, texts in expected for t in texts)

            # Both workers: CHATS intakes at once, consecutive updates of a chat on alternate workers, and every
            # third update of odd chats delivered to both workers at the same moment.
            mayors = [WebhookMayor(fake, client, urls, 6000 + i, i, twice=3 if i % 2 else 0) for i in range(CHATS)]
            refs = await asyncio.gather(*(file_request(m) for m in mayors))
        for m in mayors:
            assert m.transcript == expected, f"chat {m.chat_id} differs from the single-worker run"
        assert len(set(refs)) == CHATS

        # Every request notified to staff; then stop both workers (their senders finish what they hold).
        all_refs = [*refs]
        await fake.wait_for(lambda: all(any(r in (s.text or "") for s in fake.messages_to(STAFF_CHAT))
                                        for r in all_refs), timeout=120, what="every staff notification")
        codes = [await _stop_worker(w) for w in workers]
        assert codes == [0, 0], [Path(w.log_path).read_text(errors="replace")[-2000:] for w in workers]
    finally:
        for w in workers:
            if w.poll() is None:
                await _stop_worker(w)

    # One request per intake, one staff notification per request, sent once.
    store = await Store.open(postgres_url, departement="90", timezone_name="Europe/Paris")
    try:
        requests = await store.list_requests(channel="telegram")
        by_chat: dict[str, int] = {}
        for r in requests:
            by_chat[r.chat_id] = by_chat.get(r.chat_id, 0) + 1
        assert len(requests) == CHATS + 2
        assert set(by_chat.values()) == {1}
        async with store.unit(readonly=True) as uow:
            rows = (await uow.conn.execute(sa.select(outbox_t).where(outbox_t.c.channel == "staff"))).all()
    finally:
        await store.close()
    new_request_rows = [r for r in rows if r.reference in all_refs]
    assert new_request_rows and all(r.status == "sent" and r.attempts == 1 for r in new_request_rows)
    for ref in all_refs:
        staff_sends = [c for c in fake.calls_of("sendMessage")
                       if str(c.get("chat_id")) == str(STAFF_CHAT) and ref in (c.get("text") or "")]
        assert len(staff_sends) == 1, (ref, len(staff_sends))
    # No message sent twice to any mayor: the transcripts above already hold every message of each chat.
    for m in mayors:
        assert sum(len(texts) for _, texts in m.transcript) == len(fake.messages_to(m.chat_id))


async def test_jobs_pass_runs_in_one_worker_at_a_time(postgres_url):
    from bot.store.repository import Store

    one = await Store.open(postgres_url, departement="90", timezone_name="Europe/Paris")
    two = await Store.open(postgres_url, departement="90", timezone_name="Europe/Paris")
    try:
        async with one.exclusive("jobs") as first:
            async with two.exclusive("jobs") as second:
                assert first is True and second is False
            async with two.exclusive("other") as other:
                assert other is True
        async with two.exclusive("jobs") as again:
            assert again is True  # released at the end of the block
    finally:
        await one.close()
        await two.close()


async def test_jobs_skip_a_pass_held_by_another_worker(postgres_url):
    from bot.channels.telegram.jobs import Jobs
    from bot.config import load_settings
    from bot.store.repository import Store

    settings = load_settings(database_url=postgres_url)
    one = await Store.open(postgres_url, departement="90", timezone_name="Europe/Paris")
    two = await Store.open(postgres_url, departement="90", timezone_name="Europe/Paris")
    calls: list[str] = []
    try:
        jobs = Jobs(two, settings)

        async def counting_pass(now: Any) -> tuple[int, bool]:
            calls.append("pass")
            return 0, False

        jobs._pass = counting_pass  # type: ignore[method-assign]
        async with one.exclusive("jobs") as held:
            assert held
            assert await jobs.run_once() == (0, False)
            assert calls == []  # skipped: the other worker runs it
        await jobs.run_once()
        assert calls == ["pass"]
    finally:
        await one.close()
        await two.close()

