"""``guichet serve`` starts the e-mail channel when GUICHET_IMAP_HOST is set (issue 20): the lifespan's
``mail_running`` reads the mailbox in the background (IMAP IDLE on Dovecot) and answers by SMTP."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from tests.mail.helpers import person_mail

pytestmark = pytest.mark.asyncio


async def test_serve_lifespan_runs_the_mail_channel(kb, mail_settings, dovecot, smtp, sqlite_url):
    from bot.channels.mail.channel import mail_running
    from bot.dialogue.engine import Engine
    from bot.store.repository import Store

    settings = mail_settings.model_copy(update={"database_url": sqlite_url, "mail_poll_seconds": 2})
    store = await Store.open(sqlite_url, departement="90", timezone_name="Europe/Paris")
    app = SimpleNamespace(state=SimpleNamespace(guichet=SimpleNamespace(
        settings=settings, store=store, engine=Engine(kb=kb, store=store, settings=settings))))
    try:
        async with mail_running(app):
            dovecot.deliver(person_mail("dgs@giromagny.test", "Le Fonds vert finance-t-il l'éclairage public ?"))
            got = await asyncio.to_thread(smtp.mailbox.wait_for, "dgs@giromagny.test", 1, 60)
            assert got and "Fonds vert" in got[0].get_content()
    finally:
        await store.close()


async def test_without_imap_host_nothing_runs(kb, sqlite_url):
    from bot.channels.mail.channel import mail_running
    from bot.config import load_settings

    app = SimpleNamespace(state=SimpleNamespace(guichet=SimpleNamespace(settings=load_settings(imap_host=None))))
    async with mail_running(app):
        assert not hasattr(app.state, "mail")
