"""Which failures the outbox sender retries, and which it counts as (maybe) delivered."""

from __future__ import annotations

import httpx
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.channels.telegram.outbox import backoff, is_ambiguous


def _caused(err: Exception, cause: Exception) -> Exception:
    err.__cause__ = cause
    return err


def test_not_sent_failures_are_retried():
    request = httpx.Request("POST", "http://127.0.0.1/botX/sendMessage")
    assert not is_ambiguous(_caused(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused", request=request)))
    assert not is_ambiguous(_caused(TimedOut(), httpx.ConnectTimeout("slow", request=request)))
    assert not is_ambiguous(TimedOut("Pool timeout: ... Request was *not* sent to Telegram."))
    assert not is_ambiguous(NetworkError("Bad Gateway"))  # a 5xx answer: Telegram said it did not process it
    assert not is_ambiguous(RetryAfter(3))
    assert not is_ambiguous(BadRequest("chat not found"))
    assert not is_ambiguous(Forbidden("bot was blocked by the user"))


def test_sent_without_answer_is_ambiguous():
    request = httpx.Request("POST", "http://127.0.0.1/botX/sendMessage")
    assert is_ambiguous(_caused(TimedOut(), httpx.ReadTimeout("no answer", request=request)))
    assert is_ambiguous(_caused(NetworkError("httpx.RemoteProtocolError"),
                                httpx.RemoteProtocolError("Server disconnected", request=request)))


def test_backoff_grows_and_is_capped():
    delays = [backoff(n) for n in range(12)]
    assert delays == sorted(delays) and delays[0] >= 2 and delays[-1] == 300
