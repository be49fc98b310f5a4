"""Fake Telegram Bot API server on loopback (see :mod:`tests.fakebotapi.server`)."""

from tests.fakebotapi.server import DEFAULT_TOKEN, FakeBotApi, SentMessage

__all__ = ["DEFAULT_TOKEN", "FakeBotApi", "SentMessage"]
