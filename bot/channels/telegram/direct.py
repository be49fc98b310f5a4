"""Sends made directly from a handler rather than through the outbox (issue 24): the staff group's prompts and
answers (« Demander des précisions » opens a ForceReply prompt the staff member needs to go on, the confirmation of
a relay, the commands' answers) and the apology sent when the database failed (nothing can be queued then).

They follow the same rule as the outbox's messages a person needs to go on: *at least once*. A send whose outcome
is unknown (read timeout, connection dropped), a 5xx or a 429 is tried again after ``retry_after`` or a short
backoff, a few times (the handler is waiting: bounded); a copy that did arrive is harmless (a ForceReply prompt
answered from either copy asks the same question; the other texts are informative). A refusal (400/403) is not
retried.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any, Awaitable, Callable

from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter

log = logging.getLogger(__name__)

#: Tries of a direct send (the first included), and the longest wait between two.
TRIES = 5
MAX_WAIT = 8.0


def _wait(err: BaseException, attempt: int) -> float:
    if isinstance(err, RetryAfter):
        value = err.retry_after
        seconds = value.total_seconds() if isinstance(value, timedelta) else float(value or 1)
        return min(max(seconds, 0.0), 60.0)
    return min(MAX_WAIT, 0.5 * 2 ** attempt)


async def surely(send: Callable[..., Awaitable[Any]], *args: Any, tries: int = TRIES, **kwargs: Any) -> Any:
    """``await send(*args, **kwargs)``, tried again on an unknown outcome, a 5xx or a 429 (at least once)."""
    for attempt in range(tries):
        try:
            return await send(*args, **kwargs)
        except (BadRequest, Forbidden, InvalidToken, ChatMigrated):
            raise
        except (RetryAfter, NetworkError) as err:
            if attempt == tries - 1:
                raise
            delay = _wait(err, attempt)
            log.info("direct send failed (%s): tried again in %.1fs", type(err).__name__, delay)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover
