"""``kill -9`` of ``guichet run`` at every intake step, then a restart: the conversation resumes at the same step,
no answer is lost, no request is filed twice. SIGTERM: a clean stop that finishes the update in hand.

The bot is a real process (``python -m bot.cli run``) talking to the fake Bot API on loopback, on a SQLite file and
on PostgreSQL. Two kill points, alternating over the steps (and swapped by the ``parity`` parameter, so that on SQLite
every step is killed at both points):

* ``after_commit``: the bot committed the answer and is sending its reply (the fake server holds the reply, which is
  never delivered), then dies. After the restart, the reply left by the dead process is sent again (a reply is
  delivered at least once, issue 24): the person gets the NEXT question without asking (the answer was kept).
* ``before_commit``: the database is held by another connection when the bot has fetched the answer, then the bot
  dies. Nothing of that answer was written. The bot confirms an update to Telegram only once it is kept in its inbox
  table: so at restart either Telegram delivers it again (not kept, not confirmed) or the bot replays it from the
  inbox (kept, confirmed). Either way the intake goes on with nothing resent by the person (0 answers lost).
"""

from __future__ import annotations

import asyncio
import signal

import pytest

from intents.need import clean_need
from tests.e2e.conftest import STAFF_CHAT
from tests.faults.procbot import (
    EMAIL,
    INTAKE,
    NAME,
    NEED,
    Action,
    BotProcess,
    DbLock,
    Hold,
    Mayor,
    bot_env,
    conversation_step,
    open_store,
    poll_until,
    scalar,
)


#: Bound on the reply after a restart (a fresh process: imports, the knowledge base, the sentence encoder's first
#: load). 60 s was once exceeded on a machine running three other test suites beside this one (2026-12-07); the
#: bound is not a timing assertion: a reply that never comes still fails.
RESTART_REPLY_S = 180


@pytest.mark.slow
async def test_kill9_at_every_intake_step_then_restart(fake, database_url, tmp_path):
    await _kill_at_every_step(fake, database_url, tmp_path, parity=0)


@pytest.mark.slow
async def test_kill9_at_every_intake_step_swapped_kill_points(fake, sqlite_url, tmp_path):
    """The other kill point at each step (SQLite only, for time): every step is killed both ways."""
    await _kill_at_every_step(fake, sqlite_url, tmp_path, parity=1)


async def _kill_at_every_step(fake, database_url: str, tmp_path, parity: int) -> None:
    hold = Hold(fake)
    bot = BotProcess(fake, bot_env(fake, database_url), tmp_path / "bot.log")
    mayor = Mayor(fake, 801)
    lock = DbLock(database_url)
    store = None
    kills = {"after_commit": 0, "before_commit": 0}
    try:
        await bot.start()
        store = await open_store(database_url)
        previous_step: str | None = None
        for i, (action, step_after) in enumerate(INTAKE):
            mode = "after_commit" if i % 2 == parity else "before_commit"
            last = i == len(INTAKE) - 1
            if mode == "after_commit":
                # Replies are delivered at least once: a row a killed process left unacknowledged may still be on its
                # way (resent after the restart, or when its lease expires). Let it arrive first, so that the hold
                # catches the reply to this action (bounded).
                for _ in range(1500):
                    if not await scalar(store, "SELECT count(*) FROM outbox WHERE status = 'pending' AND chat_id = :c",
                                        c=str(mayor.chat_id)):
                        break
                    await asyncio.sleep(0.1)
                snap = mayor.snapshot()
                hold.arm(mayor.chat_id)
                mayor.push(action)
                await hold.wait_reached()
                await bot.kill9()
                hold.release()
                assert await conversation_step(store, mayor.chat_id) == step_after, (i, action.value, hold.held)
            else:
                lock.acquire()
                try:
                    snap = mayor.snapshot()
                    update = mayor.push(action)
                    # The bot fetched the update and is stuck on the database (keeping it in its inbox, or
                    # handling it). Kill now.
                    await fake.wait_for(lambda: fake.fetched_max >= update["update_id"], timeout=60,
                                        what="the update fetched")
                    await bot.kill9()
                    lock.terminate_others()
                finally:
                    lock.release()
                assert await conversation_step(store, mayor.chat_id) == previous_step, (i, action.value)
                assert await scalar(store, "SELECT count(*) FROM handled_update WHERE key = :k",
                                    k=f"tg:{update['update_id']}") == 0
            kills[mode] += 1
            assert await scalar(store, "SELECT count(*) FROM request") == (1 if last and mode == "after_commit" else 0)
            await bot.start()
            if mode == "after_commit":
                # The reply died with the process, unsent: the restarted process takes its row back and sends it.
                await mayor.wait_reply(snap, action.ends, timeout=RESTART_REPLY_S)
            else:
                # Nothing resent: the update comes back (Telegram's redelivery or the bot's inbox) and is handled.
                try:
                    await mayor.wait_reply(snap, action.ends, timeout=RESTART_REPLY_S)  # the reply they had missed
                except AssertionError as exc:
                    raise AssertionError(f"{exc}\nstep {i} {action.value!r}; bot log:\n{bot.logs()[-6000:]}") from None
            assert await conversation_step(store, mayor.chat_id) == step_after, (i, action.value)
            previous_step = step_after

        # Exactly one request, with every answer; one staff message; everything in the outbox delivered once.
        async with store.unit(readonly=True) as uow:
            records = await uow.list_requests(channel="telegram", user_id=str(mayor.chat_id))
        assert len(records) == 1
        rec = records[0]
        assert rec.commune_name == "Giromagny" and rec.role == "maire" and rec.description == clean_need(NEED)
        assert rec.stage == "idee" and rec.help_kinds == ["ingenierie"] and rec.budget is None and rec.timing is None
        assert rec.contact_name == NAME and rec.email == EMAIL and rec.phone and rec.phone.endswith("612345678")
        assert rec.matches
        await fake.wait_for_message(STAFF_CHAT, rec.reference, timeout=60)
        for _ in range(600):  # let the sender finish what a loaded machine made it retry (bounded)
            if not await scalar(store, "SELECT count(*) FROM outbox WHERE status = 'pending'"):
                break
            await asyncio.sleep(0.1)
        code = await bot.sigterm()
        assert code == 0, bot.logs()[-3000:]
        assert len([m for m in fake.messages_to(STAFF_CHAT) if rec.reference in (m.text or "")]) == 1
        assert await scalar(store, "SELECT count(*) FROM outbox WHERE kind = 'staff_new_request'") == 1
        assert await scalar(store, "SELECT count(*) FROM outbox WHERE status <> 'sent'") == 0
        assert kills == {"after_commit": len(INTAKE) // 2 + (1 - parity) * (len(INTAKE) % 2),
                         "before_commit": len(INTAKE) // 2 + parity * (len(INTAKE) % 2)}
        assert fake.token not in bot.logs()
    finally:
        hold.release()
        lock.release()
        bot.ensure_dead()
        if store is not None:
            await store.close()


async def test_sigterm_finishes_the_update_in_hand(fake, database_url, tmp_path):
    """SIGTERM while an update is in hand (its answer committed, its reply on the way, held by the fake server): the
    process waits for it, the reply is delivered, then it exits 0; nothing is handled twice after a restart."""
    hold = Hold(fake)
    bot = BotProcess(fake, bot_env(fake, database_url), tmp_path / "bot.log")
    mayor = Mayor(fake, 802)
    store = None
    try:
        await bot.start()
        store = await open_store(database_url)
        await mayor.act(INTAKE[0][0])
        await mayor.act(INTAKE[1][0])
        snap = mayor.snapshot()
        hold.arm(mayor.chat_id)
        update = mayor.push(INTAKE[2][0])  # "Maire": the role is set
        await hold.wait_reached()  # the bot is sending the reply: the update is in its hand
        bot.proc.send_signal(signal.SIGTERM)
        await poll_until(lambda: "stop requested" in bot.logs() or bot.proc.poll() is not None,
                         timeout=60, what="the bot stopping")
        assert bot.proc.poll() is None, "the bot exited with an update in hand"
        hold.release(deliver=True)  # the reply goes through; the bot then finishes stopping
        code = await asyncio.to_thread(bot.proc.wait, 60)
        assert code == 0, bot.logs()[-3000:]
        await mayor.wait_reply(snap, INTAKE[2][0].ends, timeout=5)  # its reply was sent before the exit
        assert await conversation_step(store, mayor.chat_id) == INTAKE[2][1]
        assert await scalar(store, "SELECT count(*) FROM handled_update WHERE key = :k",
                            k=f"tg:{update['update_id']}") == 1
        # After a restart the update is not handled again (replayed or redelivered: a no-op).
        replies_before = len(mayor.messages())
        await bot.start()
        await mayor.act(INTAKE[3][0])
        assert await conversation_step(store, mayor.chat_id) == INTAKE[3][1]
        assert len(mayor.messages()) >= replies_before
    finally:
        hold.release()
        bot.ensure_dead()
        if store is not None:
            await store.close()


class WebhookTelegram:
    """Plays Telegram in webhook mode: POSTs each update to the bot and, when the bot dies before answering, POSTs
    the same update again once it is back (what Telegram does with an unanswered webhook call)."""

    SECRET = "Kill-Test_webhook_secret_0123456789"

    def __init__(self, fake, port: int) -> None:
        self.fake = fake
        self.url = f"http://127.0.0.1:{port}/hook"

    def body(self, mayor: Mayor, action: Action) -> dict:
        update = mayor.push(action)  # built by the fake server, then taken off its getUpdates queue
        with self.fake.cond:
            if update in self.fake._updates:
                self.fake._updates.remove(update)
        return update

    async def post(self, update: dict) -> int:
        import httpx

        async with httpx.AsyncClient(timeout=120) as client:
            r = await client.post(self.url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": self.SECRET})
            return r.status_code


async def test_kill9_in_webhook_mode_the_update_is_delivered_again(fake, database_url, tmp_path):
    """Webhook mode answers Telegram only once an update is handled, so a bot killed in the middle of one never
    answered and Telegram sends it again: at every step, killed before or after the commit, the answer is taken
    exactly once WITHOUT the person sending it again."""
    from tests.e2e.test_reliability import _free_port

    port = _free_port()
    tg = WebhookTelegram(fake, port)
    env = bot_env(fake, database_url, GUICHET_WEBHOOK_URL=tg.url, GUICHET_WEBHOOK_SECRET=tg.SECRET,
                  GUICHET_WEBHOOK_LISTEN="127.0.0.1", GUICHET_WEBHOOK_PORT=str(port), GUICHET_WEBHOOK_PATH="hook")
    hold = Hold(fake)
    bot = BotProcess(fake, env, tmp_path / "bot.log")
    mayor = Mayor(fake, 803)
    lock = DbLock(database_url)
    store = None
    try:
        await bot.start_webhook()
        store = await open_store(database_url)
        previous_step = None
        for i, (action, step_after) in enumerate(INTAKE):
            update = tg.body(mayor, action)
            snap = mayor.snapshot()
            if i % 2 == 0:  # killed before the commit: the database is held, the call never answered
                lock.acquire()
                try:
                    answered = len(fake.callback_answers)
                    task = asyncio.ensure_future(tg.post(update))
                    # The update is in hand: blocked on our lock (PostgreSQL), or its button press answered (the
                    # adapter answers the query before the engine runs); a text may still be in flight (SQLite).
                    if lock.waiters() is not None:
                        await poll_until(lambda: lock.waiters() > 0, what="the bot waiting on the database")
                    elif "callback_query" in update:
                        await fake.wait_for(lambda: len(fake.callback_answers) > answered, timeout=60,
                                            what="the button press in hand")
                    await bot.kill9()
                    lock.terminate_others()
                finally:
                    lock.release()
                assert await conversation_step(store, mayor.chat_id) == previous_step, (i, action.value)
            else:  # killed after the commit, while sending the reply: the call never answered either
                hold.arm(mayor.chat_id)
                task = asyncio.ensure_future(tg.post(update))
                await hold.wait_reached()
                await bot.kill9()
                hold.release()
                assert await conversation_step(store, mayor.chat_id) == step_after, (i, action.value)
            try:
                status = await task
            except Exception:  # noqa: BLE001 - the connection died with the process
                status = None
            assert status != 200, "the bot answered an update it had not handled"
            await bot.start_webhook()
            assert await tg.post(update) == 200  # Telegram's redelivery
            if i % 2 == 0:
                await mayor.wait_reply(snap, action.ends)  # the answer was taken from the redelivery
            else:
                # Already handled: the redelivery is a no-op; the reply left unsent by the dead process is sent
                # again by the restarted one (at least once, issue 24): the next question, nothing asked again.
                await mayor.wait_reply(snap, action.ends)
            assert await conversation_step(store, mayor.chat_id) == step_after, (i, action.value)
            previous_step = step_after
        async with store.unit(readonly=True) as uow:
            records = await uow.list_requests(channel="telegram", user_id=str(mayor.chat_id))
        assert len(records) == 1
        rec = records[0]
        assert (rec.commune_name, rec.role, rec.description, rec.stage, rec.help_kinds, rec.contact_name,
                rec.email) == ("Giromagny", "maire", clean_need(NEED), "idee", ["ingenierie"], NAME, EMAIL)
        await fake.wait_for_message(STAFF_CHAT, rec.reference, timeout=60)
        assert await bot.sigterm() == 0, bot.logs()[-3000:]
        assert len([m for m in fake.messages_to(STAFF_CHAT) if rec.reference in (m.text or "")]) == 1
        assert await scalar(store, "SELECT count(*) FROM outbox WHERE status <> 'sent'") == 0
    finally:
        hold.release()
        lock.release()
        bot.ensure_dead()
        if store is not None:
            await store.close()
