"""Tracebacks for logs, without the exception's message.

An exception's message may quote what a person typed (a pydantic error shows the input, a driver error the SQL
parameters) or a secret (a URL with the bot token). Our logs carry ids, not names, phones or e-mails: where we log an
unexpected error, we log its type and the frames (file, line, function, source line), never its message or arguments.
"""

from __future__ import annotations

import traceback


def safe_traceback(exc: BaseException | None) -> str:
    if exc is None:
        return ""
    frames = "".join(traceback.format_tb(exc.__traceback__)) if exc.__traceback__ is not None else ""
    chain = []
    cause = exc.__cause__ or exc.__context__
    depth = 0
    while cause is not None and depth < 5:
        chain.append(type(cause).__name__)
        cause = cause.__cause__ or cause.__context__
        depth += 1
    caused = f" (caused by {' <- '.join(chain)})" if chain else ""
    return f"Traceback (most recent call last):\n{frames}{type(exc).__name__}: [message withheld]{caused}"
