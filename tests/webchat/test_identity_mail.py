"""E-mail codes, sessions and the SMTP mailer through the outbox, against a real SMTP server on loopback, on SQLite
and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import sqlalchemy as sa

from bot.channels.web import identity as I
from bot.channels.telegram.outbox import OutboxSender
from bot.channels.web import CHANNEL as WEB_CHANNEL
from bot.channels.smtp import EmailSender, queue_email
from bot.store.repository import Store
from bot.store.tables import outbox_t, web_code_t

SECRET = b"k" * 32


async def _session(store) -> tuple[str, I.WebSession]:
    async with store.unit() as uow:
        return await I.create_person_session(uow.conn)


async def test_session_token_is_hashed_revocable_and_unknown_tokens_are_refused(store) -> None:
    token, session = await _session(store)
    async with store.unit() as uow:
        stored = (await uow.conn.execute(sa.text("SELECT token_hash FROM web_session"))).scalars().all()
        assert stored == [I.token_hash(token)] and token not in stored
        assert (await I.load_session(uow.conn, token)).person_id == session.person_id
        assert await I.load_session(uow.conn, I.new_token()) is None
        assert await I.load_session(uow.conn, "x" * 500) is None
        await I.revoke_session(uow.conn, session.token_hash)
        assert await I.load_session(uow.conn, token) is None


async def test_code_single_use_wrong_tries_and_expiry(store) -> None:
    _, session = await _session(store)
    now = I.utcnow()
    async with store.unit() as uow:
        code, expires = await I.issue_code(uow.conn, SECRET, "maire@exemple.fr", session.token_hash, now)
        assert expires - now == I.CODE_TTL and len(code) == 6 and code.isdigit()
        stored = (await uow.conn.execute(sa.select(web_code_t.c.code_hash))).scalars().all()
        assert code not in stored[0]
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        assert await I.check_code(uow.conn, SECRET, "maire@exemple.fr", session.token_hash, wrong, now) == "bad"
        # another session cannot use it
        _, other = await I.create_person_session(uow.conn)
        assert await I.check_code(uow.conn, SECRET, "maire@exemple.fr", other.token_hash, code, now) == "expired"
        assert await I.check_code(uow.conn, SECRET, "maire@exemple.fr", session.token_hash, code, now) == "ok"
        assert await I.check_code(uow.conn, SECRET, "maire@exemple.fr", session.token_hash, code, now) == "expired"
        # expiry
        code2, _ = await I.issue_code(uow.conn, SECRET, "maire@exemple.fr", session.token_hash, now)
        later = now + I.CODE_TTL + timedelta(seconds=1)
        assert await I.check_code(uow.conn, SECRET, "maire@exemple.fr", session.token_hash, code2, later) == "expired"
        # too many wrong tries burn the code
        code3, _ = await I.issue_code(uow.conn, SECRET, "autre@exemple.fr", session.token_hash, now)
        bad = f"{(int(code3) + 7) % 1_000_000:06d}"
        for _ in range(I.CODE_MAX_TRIES):
            assert await I.check_code(uow.conn, SECRET, "autre@exemple.fr", session.token_hash, bad, now) == "bad"
        assert await I.check_code(uow.conn, SECRET, "autre@exemple.fr", session.token_hash, code3, now) == "expired"


async def test_codes_are_rate_limited_per_address_and_per_session(store) -> None:
    now = I.utcnow()
    async with store.unit() as uow:
        sessions = [await I.create_person_session(uow.conn) for _ in range(I.CODES_PER_ADDRESS + 1)]
        for _, s in sessions[: I.CODES_PER_ADDRESS]:
            await I.issue_code(uow.conn, SECRET, "cible@exemple.fr", s.token_hash, now)
        try:
            await I.issue_code(uow.conn, SECRET, "cible@exemple.fr", sessions[-1][1].token_hash, now)
            raise AssertionError("a fourth code for one address within the hour was issued")
        except I.CodeRateLimited as exc:
            assert timedelta(minutes=1) <= exc.retry_in <= I.CODE_WINDOW
        _, one = sessions[-1]
        for i in range(I.CODES_PER_SESSION):
            await I.issue_code(uow.conn, SECRET, f"a{i}@exemple.fr", one.token_hash, now)
        try:
            await I.issue_code(uow.conn, SECRET, "z@exemple.fr", one.token_hash, now)
            raise AssertionError("a session got more codes than allowed")
        except I.CodeRateLimited:
            pass
        # an hour later, allowed again
        await I.issue_code(uow.conn, SECRET, "cible@exemple.fr", one.token_hash, now + I.CODE_WINDOW + timedelta(seconds=1))


async def test_confirming_rotates_the_session_and_a_second_device_joins_the_same_person(store) -> None:
    token_a, a = await _session(store)
    async with store.unit() as uow:
        new_token, fresh = await I.confirm_email(uow.conn, a, "maire@exemple.fr", "web")
        assert new_token != token_a and fresh.person_id == a.person_id and fresh.email_confirmed
        assert await I.load_session(uow.conn, token_a) is None
        token_b, b = await I.create_person_session(uow.conn)
        assert b.person_id != a.person_id
        token_b2, b2 = await I.confirm_email(uow.conn, b, "maire@exemple.fr", "web")
        assert b2.person_id == a.person_id
        assert (await I.load_session(uow.conn, token_b2)).person_id == a.person_id
        assert await I.load_session(uow.conn, token_b) is None


async def _queue(store, to: str, key: str, **kw) -> int:
    async with store.unit() as uow:
        return await queue_email(uow, to=to, subject="Sujet é", body="Corps du message é", dedup_key=key,
                                 kind="email_notice", person_id="w1", **kw)


async def _row(store, row_id: int):
    async with store.unit() as uow:
        return await uow.get_outbox(row_id)


async def test_mailer_delivers_through_the_outbox_to_a_real_smtp_server(store, smtp, web_settings) -> None:
    row_id = await _queue(store, "maire@exemple.fr", "k1")
    assert await _queue(store, "maire@exemple.fr", "k1") is None  # idempotent on the dedup key
    sender = EmailSender(store, web_settings)
    assert await sender.deliver_due() is False
    msgs = await asyncio.to_thread(smtp.mailbox.wait_for, "maire@exemple.fr")
    assert len(msgs) == 1
    assert msgs[0]["Subject"] == "Sujet é" and msgs[0]["From"] == "guichet@prefecture.test"
    assert "Corps du message é" in msgs[0].get_payload(decode=True).decode()
    row = await _row(store, row_id)
    assert row.status == "sent" and row.sent_message_id == msgs[0]["Message-ID"]


async def test_transient_failures_retry_and_unknown_outcome_is_sent_again(store, smtp, web_settings) -> None:
    row_id = await _queue(store, "maire@exemple.fr", "k2")
    sender = EmailSender(store, web_settings)
    smtp.mailbox.refuse_next = ["451 4.3.0 try again later"]
    assert await sender.deliver(await _row(store, row_id)) == "retry"
    row = await _row(store, row_id)
    assert row.status == "pending" and row.attempts == 1 and row.next_attempt_at > I.utcnow()
    # delivered, but the connection drops before the answer: sent again (at least once, never zero times)
    smtp.mailbox.drop_next = 1
    assert await sender.deliver(row) == "retry"
    row = await _row(store, row_id)
    assert row.status == "pending" and row.last_error.startswith("uncertain")  # Ambiguous, not a plain failure
    async with store.unit() as uow:
        kinds = (await uow.conn.execute(sa.text("SELECT kind FROM event"))).scalars().all()
    assert kinds.count("outbox_uncertain") == 1
    assert await sender.deliver(await _row(store, row_id)) == "sent"
    msgs = smtp.mailbox.to("maire@exemple.fr")
    assert len(msgs) == 2 and msgs[0]["Message-ID"] == msgs[1]["Message-ID"]


async def test_permanent_refusal_fails_and_server_down_retries(store, smtp, web_settings) -> None:
    row_id = await _queue(store, "inconnu@exemple.fr", "k3")
    sender = EmailSender(store, web_settings)
    smtp.mailbox.refuse_next = ["550 5.1.1 no such user"]
    assert await sender.deliver(await _row(store, row_id)) == "failed"
    assert (await _row(store, row_id)).status == "failed"
    # nobody listening: retried later, never lost
    down = web_settings.model_copy(update={"smtp_port": smtp.port + 1 if smtp.port < 65535 else 1})
    row2 = await _queue(store, "maire@exemple.fr", "k4")
    assert await EmailSender(store, down).deliver(await _row(store, row2)) == "retry"
    row = await _row(store, row2)
    assert row.status == "pending" and not row.last_error.startswith("uncertain")  # never sent: not ambiguous
    assert smtp.mailbox.to("maire@exemple.fr") == []


async def test_an_expired_code_mail_is_not_sent(store, smtp, web_settings) -> None:
    row_id = await _queue(store, "maire@exemple.fr", "k5", expires_at=I.utcnow() - timedelta(seconds=1))
    assert await EmailSender(store, web_settings).deliver(await _row(store, row_id)) == "failed"
    assert smtp.mailbox.to("maire@exemple.fr") == []


async def test_without_smtp_mails_wait_or_go_to_the_mail_dir(store, tmp_path, web_settings) -> None:
    row_id = await _queue(store, "maire@exemple.fr", "k6")
    waiting = web_settings.model_copy(update={"smtp_host": None})
    assert await EmailSender(store, waiting).deliver(await _row(store, row_id)) == "retry"
    to_dir = waiting.model_copy(update={"mail_dir": str(tmp_path / "mails")})
    assert await EmailSender(store, to_dir).deliver(await _row(store, row_id)) == "sent"
    files = list((tmp_path / "mails").glob("*.eml"))
    assert len(files) == 1 and b"maire@exemple.fr" in files[0].read_bytes()
    async with store.unit() as uow:
        assert (await uow.conn.execute(sa.select(outbox_t.c.status))).scalar_one() == "sent"


async def test_email_telegram_and_web_workers_never_take_each_others_rows(store, smtp, web_settings,
                                                                           database_url) -> None:
    """Each worker claims, and takes back from a dead worker, only the rows of its own channels."""
    mail = await _queue(store, "maire@exemple.fr", "k7")
    async with store.unit() as uow:
        tg = await uow.enqueue("status_change", "telegram", "42", "t", dedup_key="t1")
        web = await uow.enqueue("staff_message", WEB_CHANNEL, "w1", "w", dedup_key="w1")
    assert await EmailSender(store, web_settings).deliver_due() is False
    assert len(await asyncio.to_thread(smtp.mailbox.wait_for, "maire@exemple.fr")) == 1
    assert [(await _row(store, i)).status for i in (mail, tg, web)] == ["sent", "pending", "pending"]
    assert [(await _row(store, i)).attempts for i in (tg, web)] == [0, 0]
    later = I.utcnow() + timedelta(seconds=1)
    assert [m.id for m in await store.claim_due_outbox(later, 50, timedelta(seconds=60), OutboxSender.channels)] == [tg]
    # another process claims the web row and an e-mail, then is gone
    other = await Store.open(database_url, departement="90", timezone_name="Europe/Paris")
    try:
        await other.hold_worker_lock()
        mail2 = await _queue(other, "maire@exemple.fr", "k8")
        claimed = await other.claim_due_outbox(later, 50, timedelta(minutes=5), (WEB_CHANNEL, "email"))
        assert sorted(m.id for m in claimed) == sorted([web, mail2])
    finally:
        await other.close()
    assert await store.release_orphan_leases(OutboxSender.channels) == 0  # not the Telegram worker's rows
    assert await store.due_outbox(later, 50, EmailSender.channels) == []
    assert await store.release_orphan_leases(EmailSender.channels) == 1
    # a released row is due from the moment of its release: ask with a time after it (a loaded machine can take
    # more than a second between the claims above and here)
    after = I.utcnow() + timedelta(seconds=1)
    assert [m.id for m in await store.due_outbox(after, 50, EmailSender.channels)] == [mail2]
    assert await store.release_orphan_leases((WEB_CHANNEL,)) == 1
    after = I.utcnow() + timedelta(seconds=1)
    assert [m.id for m in await store.due_outbox(after, 50, (WEB_CHANNEL,))] == [web]


async def test_smtp_connections_reused_and_a_dropped_one_replaced(store, smtp, web_settings) -> None:
    """issue 20: a pass sends its e-mails over a few reused connections (closed when nothing more is due); a connection
    the server dropped while idle is replaced at once, the e-mail is not delayed; a refusal closes its connection."""
    import aiosmtplib

    for i in range(12):
        await _queue(store, f"maire{i}@exemple.fr", f"pool{i}")
    sender = EmailSender(store, web_settings)
    assert await sender.deliver_due() is False
    assert len(await asyncio.to_thread(smtp.mailbox.wait_for, "@exemple.fr", 12)) == 12
    assert 1 <= sender.pool.opened <= 8 and sender.pool._idle == []  # reused, then closed after the pass
    # an idle connection that looks alive but was dropped: the e-mail goes over a new one
    first = await _queue(store, "a@exemple.fr", "pool-a")
    assert await sender.deliver(await _row(store, first)) == "sent"
    [idle] = sender.pool._idle
    broken = idle.send_message

    async def dropped(*args, **kw):
        idle.send_message = broken
        raise aiosmtplib.SMTPServerDisconnected("dropped while idle")

    idle.send_message = dropped
    opened = sender.pool.opened
    second = await _queue(store, "b@exemple.fr", "pool-b")
    assert await sender.deliver(await _row(store, second)) == "sent"
    assert sender.pool.opened == opened + 1 and (await _row(store, second)).status == "sent"
    assert len(await asyncio.to_thread(smtp.mailbox.wait_for, "b@exemple.fr")) == 1
    # a refusal: the row fails for good, its connection is not kept
    smtp.mailbox.refuse_next = ["550 5.1.1 no such user"]
    third = await _queue(store, "c@exemple.fr", "pool-c")
    assert await sender.deliver(await _row(store, third)) == "failed"
    assert sender.pool._idle == []
    await sender.pool.close()
