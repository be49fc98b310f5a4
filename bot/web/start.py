"""``guichet start [--demo]`` (``./scripts/start``): the whole loop on one machine for a newcomer.

Starts ``guichet serve`` on the configured database (the embedded SQLite file by default), creates a demo console
agent on the fly, prints the address of the mayors' page and a one-time console login link; ``--demo`` adds sample
requests. Without ``GUICHET_SMTP_HOST``, e-mails go to ``GUICHET_MAIL_DIR`` (default: ``<data dir>/mails``) and
their recipient and subject (which carries the code) are printed here, so that the e-mail code can be typed in.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from bot.texts import web as W

DEMO_AGENT = "demo@localhost"
DEMO_REQUESTS: list[dict[str, Any]] = [
    dict(channel="web", user_id="wdemo1", chat_id="wdemo1", commune_code="90052", commune_name="Giromagny",
         epci_code="200069060",
         role="maire", contact_name="Jeanne Martin", email="jeanne.martin@example.org",
         description="Rénovation énergétique de l'école élémentaire (isolation, chauffage)",
         themes=["energie-batiments"], stage="etude", help_kinds=["financement"]),
    dict(channel="telegram", user_id="1001", chat_id="1001", commune_code="90009", commune_name="Beaucourt",
         epci_code="249000241",
         role="maire", contact_name="Paul Durand", phone="+33612345678",
         description="Revitaliser le centre-bourg : commerces vacants et logements dégradés",
         themes=["revitalisation"], stage="idee", help_kinds=["ingenierie"]),
    dict(channel="web", user_id="wdemo2", chat_id="wdemo2", commune_code="90099", commune_name="Valdoie",
         epci_code="200069052",
         role="secretaire", contact_name="Claire Petit", email="mairie@valdoie.example.org",
         description="Créer une maison de santé pluriprofessionnelle", themes=["sante"], stage="idee",
         help_kinds=["mise-en-relation"]),
]


async def prepare(settings: Any, demo: bool) -> tuple[str, int]:
    """Demo agent (created or kept), sample requests when asked (once); returns (login link, samples created)."""
    from bot.console.auth import create_login_link
    from bot.store.models import RequestDraft
    from bot.store.repository import Store

    store = await Store.open(settings.database_url, settings.departement, timezone_name=settings.timezone)
    try:
        created = 0
        async with store.unit() as uow:
            agent, _ = await uow.save_agent(DEMO_AGENT, "Agent de démonstration", "admin")
            if demo and not await uow.list_requests(channel="web", user_id="wdemo1"):
                for fields in DEMO_REQUESTS:
                    await uow.create_request(RequestDraft(departement=settings.departement, **fields))
                    created += 1
        return await create_login_link(store, settings.public_url, agent), created
    finally:
        await store.close()


def _wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 - our own loopback server
                return r.status == 200
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.3)
    return False


def _print_new_mails(directory: Path, seen: set[str]) -> None:
    for path in sorted(directory.glob("*.eml")):
        if path.name in seen:
            continue
        seen.add(path.name)
        try:
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        except OSError:
            continue
        print(W.START_MAIL.format(to=msg["To"], subject=msg["Subject"]), flush=True)


def run_start(demo: bool = False) -> int:
    from bot.config import default_data_dir, load_settings

    if not os.environ.get("GUICHET_SMTP_HOST") and not os.environ.get("GUICHET_MAIL_DIR"):
        os.environ["GUICHET_MAIL_DIR"] = str(default_data_dir() / "mails")
    settings = load_settings()
    login_link, created = asyncio.run(prepare(settings, demo))
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve"], env=os.environ.copy())
    try:
        if not _wait_until_up(f"http://{settings.web_host}:{settings.web_port}/", proc):
            print(W.START_FAILED.format(code=proc.poll()), file=sys.stderr)
            return 1
        print(W.START_READY.format(database=settings.database_url, chat_url=f"{settings.public_url}/",
                                   agent=DEMO_AGENT, login_link=login_link), flush=True)
        if created:
            print(W.START_DEMO.format(count=created), flush=True)
        mail_dir = Path(settings.mail_dir).expanduser() if settings.mail_dir and not settings.smtp_host else None
        if mail_dir:
            print(W.START_MAIL_DIR.format(mail_dir=mail_dir), flush=True)
        print(W.START_STOP, flush=True)
        seen: set[str] = set(p.name for p in mail_dir.glob("*.eml")) if mail_dir and mail_dir.exists() else set()
        while proc.poll() is None:
            if mail_dir and mail_dir.exists():
                _print_new_mails(mail_dir, seen)
            time.sleep(1.0)
        return proc.returncode or 0
    except KeyboardInterrupt:
        return 0
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
