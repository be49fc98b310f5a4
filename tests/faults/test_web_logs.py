"""Issue 25, probes 5 and 6, against real processes: ``guichet serve`` with ``GUICHET_LOG_LEVEL=DEBUG`` (and the
CLI commands that prepare it) log no e-mail code, address, phone or name, and the access log carries no query
string of the console (staff search terms). SQLite and PostgreSQL; the redaction is also shown to hold when a
library logger is forced to DEBUG (SQL parameters)."""

from __future__ import annotations

import email
import email.policy
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
EMAIL = "Hortense.Discrete@mairie-secrete.test"
NAME = "Hortense Discrète"
PHONE = "06 98 76 54 32"
PHONES = ("06 98 76 54 32", "0698765432", "+33698765432", "06.98.76.54.32")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float = 60.0, what: str = "") -> None:
    """Wait for an event (a server answering, a file written), giving up after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def csrf(html: str, name: str) -> str:
    m = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert m, html[:500]
    return m.group(1)


def test_serve_at_debug_logs_nothing_personal_and_no_console_query(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    mail_dir = tmp_path / "mails"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GUICHET_DATABASE_URL": database_url,
           "GUICHET_SECRET_KEY": "s" * 48, "GUICHET_PUBLIC_URL": base, "GUICHET_LOG_LEVEL": "DEBUG",
           "GUICHET_MAIL_DIR": str(mail_dir), "GUICHET_DEPARTEMENT": "90", "XDG_DATA_HOME": str(tmp_path / "xdg")}
    env.pop("GUICHET_SMTP_HOST", None)
    added = cli(env, "agents", "add", "agent.secret@prefecture.test", "--name", "Agnès Secrète", "--role", "admin")
    assert added.returncode == 0, added.stderr
    link = cli(env, "agents", "login-link", "agent.secret@prefecture.test")
    assert link.returncode == 0, link.stderr
    url = link.stdout.strip().removeprefix(base)
    token = url.rsplit("/", 1)[1]
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
                                stdout=log_file, stderr=subprocess.STDOUT)
        try:
            def up() -> bool:
                try:
                    return httpx.get(base + "/console/connexion", timeout=2).status_code == 200
                except httpx.HTTPError:
                    return proc.poll() is not None

            wait_until(up, 90, "the server")
            assert proc.poll() is None, log_path.read_text()
            with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as staff:
                page = staff.get(url)
                assert staff.post(url, data={"csrf_token": csrf(page.text, "csrf_token")}).status_code == 303
                for q in (EMAIL, NAME, PHONE):
                    r = staff.get("/console/", params={"q": q, "statut": "ouvertes"})
                    assert r.status_code == 200
                assert staff.get("/console/tableau-de-bord", params={"epci": "200069060"}).status_code == 200
            with httpx.Client(base_url=base, follow_redirects=True, timeout=60) as person:
                page = person.get("/").text

                def say(**fields: str) -> str:
                    nonlocal page
                    r = person.post("/message", data={"csrf": csrf(page, "csrf"), "key": os.urandom(8).hex(),
                                                      **fields})
                    assert r.status_code == 200, r.text[:300]
                    page = r.text
                    return page

                say(text=f"Bonjour, je suis {NAME}, maire, joignable au {PHONE} ou à {EMAIL}")
                say(data="v:login")
                say(text=EMAIL)
                wait_until(lambda: mail_dir.exists() and any(mail_dir.glob("*.eml")), 60, "the code e-mail")
                msg = email.message_from_bytes(next(mail_dir.glob("*.eml")).read_bytes(), policy=email.policy.default)
                assert str(msg["To"]) == "Hortense.Discrete@mairie-secrete.test"
                code = re.search(r"\b(\d{6})\b", msg.get_content()).group(1)
                assert "Adresse confirmée" in say(text=code)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    out = log_path.read_text(encoding="utf-8", errors="replace")
    everything = out + added.stderr + added.stdout + link.stderr
    assert " DEBUG " in out, "the server did not log at DEBUG"
    assert "Logging error" not in out and "Traceback" not in out, out[-3000:]
    assert '"GET /console/ HTTP/1.1" 200' in out, "no access log line for the console"
    lowered = out.lower()
    for secret in (EMAIL.lower(), "hortense", "discr", code, token, "mairie-secrete", "agent.secret"):
        assert secret.lower() not in lowered, secret
    for phone in PHONES:
        assert phone not in everything
    assert "?q=" not in out and "statut=" not in out and "epci=" not in out
    assert "s" * 48 not in out


def test_redaction_holds_when_a_library_logs_sql_parameters_at_debug(sqlite_url: str, caplog) -> None:
    """The record factory works on records, not levels: even with ``sqlalchemy.engine`` forced to DEBUG after the
    set-up (an ``echo=True``, a misconfiguration), no parameter of an INSERT carrying a code, an address, a phone
    or a name reaches a handler."""
    import asyncio

    from bot import logsafe
    from bot.config import load_settings
    from bot.store.repository import Store

    settings = load_settings(database_url=sqlite_url, log_level="DEBUG", secret_key="k" * 48)
    root = logging.getLogger()
    saved_handlers, saved_root = list(root.handlers), root.level
    saved = {name: lg.level for name, lg in logging.root.manager.loggerDict.items() if isinstance(lg, logging.Logger)}
    logsafe.setup_logging(settings)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.DEBUG)
    logging.getLogger("aiosqlite").setLevel(logging.DEBUG)
    try:
        async def go() -> None:
            from bot.channels.web import identity as I

            store = await Store.open(sqlite_url, departement="90", timezone_name="Europe/Paris")
            try:
                async with store.unit() as uow:
                    _, session = await I.create_person_session(uow.conn)
                    code, _ = await I.issue_code(uow.conn, b"x" * 32, EMAIL, session.token_hash)
                    await I.confirm_email(uow.conn, session, EMAIL, "web")
                async with store.unit() as uow:
                    from bot.store.models import RequestDraft

                    await uow.create_request(RequestDraft(
                        channel="web", user_id="w1", chat_id="w1", commune_code="90065", commune_name="Giromagny",
                        role="maire", contact_name=NAME, phone=PHONE, email=EMAIL, description="Une école"))
            finally:
                await store.close()
            return code

        code = asyncio.run(go())
    finally:  # leave the logging as the other tests expect it
        for handler in root.handlers[:]:
            if handler not in saved_handlers:
                root.removeHandler(handler)
        root.setLevel(saved_root)
        for name, lg in logging.root.manager.loggerDict.items():
            if isinstance(lg, logging.Logger):
                lg.setLevel(saved.get(name, logging.NOTSET))
    sql = [r for r in caplog.records if r.name.startswith("sqlalchemy.engine")]
    assert sql, "sqlalchemy logged nothing at DEBUG"
    text = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (EMAIL, EMAIL.lower(), NAME, code, *PHONES):
        assert secret not in text, secret
