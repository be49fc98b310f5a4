"""Fixtures of the e-mail channel's tests (issue 20): a throwaway Dovecot on loopback (skipped only when the binary
does not exist), the local SMTP server of the web chat's tests, the knowledge base, settings pointing at both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mail.dovecot import DOVECOT, Dovecot
from tests.webchat.smtp import SmtpServer

CORPUS = Path(__file__).parent / "corpus"


@pytest.fixture
def dovecot(tmp_path: Path) -> Iterator[Dovecot]:
    if DOVECOT is None:
        pytest.skip("dovecot is not installed (Debian: apt-get install dovecot-imapd)")
    base = tmp_path / "dovecot"
    base.mkdir()
    server = Dovecot(base).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="session")
def kb():
    from knowledge.base import KnowledgeBase

    return KnowledgeBase.load("90")


@pytest.fixture
def mail_settings(dovecot: Dovecot, smtp: SmtpServer, database_url: str, tmp_path: Path):
    from bot.config import load_settings

    return load_settings(departement="90", database_url=database_url, smtp_host="127.0.0.1", smtp_port=smtp.port,
                         secret_key="test-secret", mail_from="guichet@prefecture.test",
                         public_url="https://guichet.test", staff_chat_id=-1001,
                         attachments_dir=str(tmp_path / "attachments"), **dovecot.settings())


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()
