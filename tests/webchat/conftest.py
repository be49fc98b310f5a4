"""Fixtures of the web chat tests: a real SMTP server on loopback, settings pointing at it, the knowledge base."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.webchat.smtp import SmtpServer


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def kb():
    from knowledge.base import KnowledgeBase

    return KnowledgeBase.load("90")


@pytest.fixture
def web_settings(smtp: SmtpServer):
    from bot.config import load_settings

    return load_settings(departement="90", smtp_host="127.0.0.1", smtp_port=smtp.port, secret_key="test-secret",
                         mail_from="guichet@prefecture.test", public_url="https://guichet.test",
                         staff_chat_id=-1001)
