"""Issue 14 — what python-telegram-bot and the HTTP libraries log goes through the same redaction as our own logs
(bot/logsafe.py): no update content, no token. An unparseable update neither stops polling nor reaches a log; a
malformed webhook body gets 400 (not 500) and is not logged."""

from __future__ import annotations

import logging
import socket

import httpx
import pytest
from telegram import Update

from tests.e2e.conftest import Person, make_settings

PHONE = "06 98 76 54 32"
EMAIL = "secret.maire@example.org"
SECRET = "webhook-secret-for-tests_123"


def _unparseable(fake) -> dict:
    """An update whose message carries personal data but that PTB cannot parse (a date that is not a timestamp)."""
    return {"message": {"message_id": 5, "date": "pas une date", "chat": {"id": 7301, "type": "private"},
                        "from": {"id": 7301, "is_bot": False, "first_name": "Claire"},
                        "text": f"Mon numéro est {PHONE}, mon e-mail {EMAIL}"}}


def _everything_logged(records: list[logging.LogRecord]) -> str:
    out = []
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    for r in records:
        out.append(formatter.format(r))
        out.append(r.exc_text or "")
        out.append(repr(r.args))
    return "\n".join(out)


async def test_unparseable_update_is_skipped_and_never_logged(fake, bot, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("telegram", "httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    with pytest.raises(Exception):  # PTB indeed cannot read it
        Update.de_json({"update_id": 1, **_unparseable(fake)}, bot.channel.application.bot)
    bad = fake.push_raw(_unparseable(fake))
    # Polling goes on: the next update of the same person is handled.
    mayor = Person(bot, 7301, name="Claire")
    out = await mayor.say("/start")
    assert out and "bienvenue" in " ".join(m.text or "" for m in out).lower()
    assert bot.channel._poller.skipped == 1 and fake.confirmed_offset > bad["update_id"]
    logged = _everything_logged(caplog.records)
    assert f"update {bad['update_id']} could not be read" in logged
    for secret in (PHONE, EMAIL, "Mon numéro", fake.token, fake.token.split(":")[1]):
        assert secret not in logged, secret
    # What PTB itself would log about such a batch (its CRITICAL "Received data was %r" with the exception) comes out
    # without the data nor the exception's message.
    caplog.clear()
    try:
        Update.de_json({"update_id": 2, **_unparseable(fake)}, bot.channel.application.bot)
    except Exception as exc:  # noqa: BLE001
        logging.getLogger("telegram.Bot").critical("Error while parsing updates! Received data was %r",
                                                   [_unparseable(fake)], exc_info=exc)
        logging.getLogger("telegram.ext.Updater").error("Error: %s %s", exc, f"{fake.token} {PHONE}")
    logged = _everything_logged(caplog.records)
    assert "Error while parsing updates! Received data was '[withheld]'" in logged
    for secret in (PHONE, EMAIL, fake.token):
        assert secret not in logged, secret


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_malformed_webhook_bodies_get_400_and_are_not_logged(fake, sqlite_url, caplog) -> None:
    from bot.app import App
    from bot.channels.telegram.runner import TelegramChannel

    caplog.set_level(logging.DEBUG)
    port = _free_port()
    settings = make_settings(fake, sqlite_url, webhook_secret=SECRET, webhook_url=f"http://127.0.0.1:{port}/telegram")
    guichet = await App.start(settings)
    channel = TelegramChannel(guichet, run_jobs=False, outbox_interval=0.2)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    try:
        await channel.start_webhook("127.0.0.1", port, "telegram", settings.webhook_url, SECRET)
        url = f"http://127.0.0.1:{port}/telegram"
        async with httpx.AsyncClient() as client:
            bodies = [
                f'{{"update_id": 1, "message": {{"text": "{PHONE}"'.encode(),  # truncated JSON
                b"\xff\xfe" + PHONE.encode(),  # not UTF-8
                b"[1, 2, 3]",  # JSON, not an update
                b'"' + EMAIL.encode() + b'"',
                json_bytes({"update_id": 3, **_unparseable(fake)}),  # an update PTB cannot read
            ]
            for body in bodies:
                r = await client.post(url, content=body, headers=headers)
                assert r.status_code == 400, (body[:30], r.status_code)
                assert PHONE not in r.text and EMAIL not in r.text
            # A good update is still handled
            update = fake.build_text_update(7302, None, "/start")
            r = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
            assert r.status_code == 200
            assert fake.messages_to(7302)
    finally:
        await channel.stop()
        await guichet.close()
    logged = _everything_logged(caplog.records)
    for secret in (PHONE, EMAIL, SECRET, fake.token):
        assert secret not in logged, secret


def json_bytes(value: dict) -> bytes:
    import json

    return json.dumps(value, ensure_ascii=False).encode()
