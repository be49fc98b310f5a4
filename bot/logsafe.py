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


# --- issue 14: one redaction for every log record, ours and the libraries' ------------------------------------------
import logging  # noqa: E402

#: Loggers of the libraries that see updates, requests and SQL: their records never carry an argument that could be
#: content (a person's text, an update, an SQL parameter) nor an exception's message; numbers are kept.
THIRD_PARTY_LOGGERS = ("telegram", "httpx", "httpcore", "apscheduler", "tornado", "asyncpg", "aiosqlite",
                       "sqlalchemy", "alembic", "hpack", "h11", "h2")
#: Among those, the ones whose string arguments are request lines (method, URL with the token redacted, status).
_KEEP_STRING_ARGS = ("httpx", "httpcore")
WITHHELD = "[withheld]"


def _is_third_party(name: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in THIRD_PARTY_LOGGERS)


def _safe_arg(value: object, keep_strings: bool) -> object:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, BaseException):
        return type(value).__name__
    if keep_strings and isinstance(value, (str, bytes)):
        return value
    return WITHHELD


class Redactor:
    """A log-record factory: every registered secret (the bot token, the webhook secret) is removed from messages,
    arguments and tracebacks of every record; third-party records (:data:`THIRD_PARTY_LOGGERS`) also lose their
    content-bearing arguments and their exceptions' messages (an unparseable update is logged by PTB at CRITICAL with
    the whole update as an argument)."""

    def __init__(self) -> None:
        self.secrets: set[str] = set()
        self.previous = logging.getLogRecordFactory()

    def __call__(self, *args: object, **kwargs: object) -> logging.LogRecord:
        record = self.previous(*args, **kwargs)  # type: ignore[arg-type]
        third = _is_third_party(record.name)
        if third:
            keep = record.name.split(".", 1)[0] in _KEEP_STRING_ARGS
            if isinstance(record.args, dict):
                record.args = {k: _safe_arg(v, keep) for k, v in record.args.items()}
            elif record.args:
                record.args = tuple(_safe_arg(a, keep) for a in record.args)
            if record.exc_info and record.exc_info[0] is not None:
                record.exc_text = safe_traceback(record.exc_info[1])
                record.exc_info = None
        if not self.secrets:
            return record
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not hide the record
            message = str(record.msg)
        clean = self.redact(message)
        if clean != message or record.args:
            record.msg, record.args = clean, ()
        if record.exc_info and record.exc_info[0] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self.redact(text)
            # Handlers format exc_text; the live exception (its raw args may hold a secret) goes no further.
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return record

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret and secret in text:
                text = text.replace(secret, "[REDACTED]")
        return text


_redactor: Redactor | None = None


def install(*secrets: str | None) -> Redactor:
    """Install the redacting record factory once (idempotent) and register ``secrets``."""
    global _redactor
    if _redactor is None:
        _redactor = Redactor()
        logging.setLogRecordFactory(_redactor)
    for secret in secrets:
        if secret:
            _redactor.secrets.add(secret)
    return _redactor


def redact(text: str) -> str:
    return _redactor.redact(text) if _redactor else text
