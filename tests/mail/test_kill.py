"""kill -9 during a batch of 200 mails (issue 20): ``python -m bot.cli mail --once`` as a real process, killed while
it works through the mailbox (when the database shows it has handled some, never on time), then run again: every mail
is handled once, answered once, and marked read; nothing lost, nothing doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.mail.helpers import person_mail

ROOT = Path(__file__).resolve().parents[2]
N = 200


def _sync_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


def _count(url: str, sql: str) -> int:
    engine = sa.create_engine(_sync_url(url))
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(sql)).scalar() or 0)
    except Exception:  # noqa: BLE001 - not migrated yet
        return 0
    finally:
        engine.dispose()


def _env(mail_settings, database_url: str, smtp_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_")}
    env.update({
        "GUICHET_DATABASE_URL": database_url,
        "GUICHET_IMAP_HOST": "127.0.0.1", "GUICHET_IMAP_PORT": str(mail_settings.imap_port),
        "GUICHET_IMAP_USER": mail_settings.imap_user, "GUICHET_IMAP_PASSWORD":
            mail_settings.imap_password.get_secret_value(), "GUICHET_IMAP_TLS": "none",
        "GUICHET_SMTP_HOST": "127.0.0.1", "GUICHET_SMTP_PORT": str(smtp_port),
        "GUICHET_MAIL_FROM": "guichet@prefecture.test", "GUICHET_ATTACHMENTS_DIR": str(mail_settings.attachments_dir),
        "GUICHET_SECRET_KEY": "test-secret", "GUICHET_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    })
    return env


def test_kill_9_mid_batch_loses_and_doubles_nothing(mail_settings, database_url, dovecot, smtp, tmp_path):
    for i in range(N):
        if i % 4 == 0:
            body = f"Bonjour, nous voulons rénover l'école de Valdoie, je suis le maire. (dossier {i})"
        else:
            body = f"Bonjour, le Fonds vert finance-t-il l'éclairage public ? (question {i})"
        dovecot.deliver(person_mail(f"mairie{i}@commune{i}.test", body))
    env = _env(mail_settings, database_url, smtp.port)
    log = open(tmp_path / "mail.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "mail", "--once"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    target = 30 + (os.getpid() % 40)  # somewhere in the first two fetch batches
    deadline = time.monotonic() + 600
    while _count(database_url, "SELECT count(*) FROM mail_message") < target:
        assert proc.poll() is None, (tmp_path / "mail.log").read_text()
        assert time.monotonic() < deadline, "the channel never got that far"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)
    handled_at_kill = _count(database_url, "SELECT count(*) FROM mail_message")
    assert 0 < handled_at_kill < N
    # again, to the end
    done = subprocess.run([sys.executable, "-m", "bot.cli", "mail", "--once"], cwd=ROOT, env=env,
                          capture_output=True, timeout=900)
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    assert _count(database_url, "SELECT count(*) FROM mail_message") == N
    assert _count(database_url, "SELECT count(*) FROM handled_update WHERE key LIKE 'mail:%'") == N
    assert _count(database_url, "SELECT count(*) FROM outbox WHERE channel = 'email'") == N
    assert _count(database_url, "SELECT count(*) FROM outbox WHERE channel = 'email' AND status <> 'sent'") == 0
    answers = smtp.mailbox.wait_for("@commune", N)
    by_address: dict[str, int] = {}
    for msg in smtp.mailbox.messages:
        by_address[str(msg["To"])] = by_address.get(str(msg["To"]), 0) + 1
    assert len(by_address) == N and set(by_address.values()) == {1}, "an answer lost or doubled"
    assert len(answers) == N
    # every mail marked read
    from imapclient import IMAPClient

    client = IMAPClient("127.0.0.1", port=dovecot.port, ssl=False)
    client.login(dovecot.user, dovecot.password)
    client.select_folder("INBOX")
    assert client.search(["UNSEEN"]) == []
    assert len(client.search(["ALL"])) == N
    client.logout()


def test_guichet_mail_runs_until_sigterm(mail_settings, sqlite_url, dovecot, smtp, tmp_path):
    """``guichet mail`` (no --once): answers a mail that arrives while it runs (IDLE), stops cleanly on SIGTERM."""
    env = _env(mail_settings, sqlite_url, smtp.port)
    env["GUICHET_MAIL_POLL_SECONDS"] = "2"
    log = open(tmp_path / "mail.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "mail"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        dovecot.deliver(person_mail("dgs@beaucourt.test", "Le Fonds vert finance-t-il l'éclairage public ?"))
        got = smtp.mailbox.wait_for("dgs@beaucourt.test", 1, timeout=180)
        assert got, (tmp_path / "mail.log").read_text()
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(60)
    assert code == 0, (tmp_path / "mail.log").read_text()


def test_guichet_mail_without_imap_host_says_so(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_")}
    env.update({"PYTHONPATH": str(ROOT), "GUICHET_DATABASE_URL": f"sqlite:///{tmp_path}/g.db"})
    done = subprocess.run([sys.executable, "-m", "bot.cli", "mail", "--once"], cwd=ROOT, env=env,
                          capture_output=True, timeout=120)
    assert done.returncode == 2 and b"GUICHET_IMAP_HOST" in done.stdout
