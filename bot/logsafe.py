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
                       "sqlalchemy", "alembic", "hpack", "h11", "h2", "uvicorn", "starlette", "fastapi", "aiosmtplib",
                       "authlib")
#: Among those, the ones whose string arguments are request lines (method, URL with the token redacted, status;
#: uvicorn's access line: client, method, path — its query string dropped by bot.web.server.RedactLinks).
_KEEP_STRING_ARGS = ("httpx", "httpcore", "uvicorn")
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
        #: issue 25: e-mail addresses and French phone numbers in any record's text are masked too (a second line of
        #: defence: our modules log ids, the libraries' arguments are withheld above)
        self.personal = True
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
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):
            # its formatter needs the arguments as they are (client, method, path, version, status): clean each
            record.args = tuple(self.clean_access(a) if isinstance(a, str) else a for a in record.args)
            return record
        if not self.secrets and not self.personal:
            return record
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not hide the record
            message = str(record.msg)
        clean = self.redact(message)
        if self.personal:
            clean = scrub_personal(clean)
        if clean != message or record.args:
            record.msg, record.args = clean, ()
        if record.exc_info and record.exc_info[0] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self.redact(text)
            if self.personal:
                record.exc_text = scrub_personal(record.exc_text)
            # Handlers format exc_text; the live exception (its raw args may hold a secret) goes no further.
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
            if self.personal:
                record.exc_text = scrub_personal(record.exc_text)
        return record

    def clean_access(self, text: str) -> str:
        text = access_path(self.redact(text))
        return scrub_personal(text) if self.personal else text

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


# --- issue 25: personal data patterns, and one logging set-up for every process -----------------------------------
import os  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402

_EMAIL_RE = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_PHONE_RE = re.compile(r"(?<![\w+])(?:\+33|0033|0)\s?[1-9](?:[\s.-]?\d{2}){4}(?!\d)")
EMAIL_MASK, PHONE_MASK = "[e-mail]", "[téléphone]"


_LOGIN_LINK_RE = re.compile(r"(/console/connexion/lien/)[^/?\s\"]+")


def access_path(text: str) -> str:
    """An access log's request path: the query string dropped (staff search terms, filters, OpenID codes), a
    login link's token masked."""
    return _LOGIN_LINK_RE.sub(r"\1…", text.split("?", 1)[0])


def scrub_personal(text: str) -> str:
    """E-mail addresses and French phone numbers masked."""
    if "@" in text:
        text = _EMAIL_RE.sub(EMAIL_MASK, text)
    return _PHONE_RE.sub(PHONE_MASK, text)


#: Third-party loggers never below these levels, whatever GUICHET_LOG_LEVEL says: their debug logs carry URLs with
#: the token, message texts and SQL parameters. (Their arguments are withheld by the record factory anyway.)
LIBRARY_FLOORS = (("httpx", logging.WARNING), ("httpcore", logging.WARNING), ("telegram", logging.INFO),
                  ("aiosqlite", logging.INFO), ("asyncpg", logging.INFO), ("sqlalchemy.engine", logging.WARNING),
                  ("sqlalchemy.pool", logging.WARNING), ("tornado", logging.INFO), ("apscheduler", logging.INFO),
                  ("aiosmtplib", logging.INFO), ("authlib", logging.INFO))
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def cap_libraries() -> None:
    for noisy, level in LIBRARY_FLOORS:
        logger = logging.getLogger(noisy)
        if logger.getEffectiveLevel() < level or logger.level == logging.NOTSET or logger.level < level:
            logger.setLevel(level)
        # Children set lower explicitly (e.g. "telegram.ext.ExtBot" at DEBUG) would escape the cap: clamp them too.
        for name, child in list(logging.root.manager.loggerDict.items()):
            if name.startswith(noisy + ".") and isinstance(child, logging.Logger) and 0 < child.level < level:
                child.setLevel(level)


def secrets_of(settings: Any) -> list[str]:
    """Every secret a log line could carry: the bot token, the webhook secret, the server's secret key, the SMTP and
    ProConnect passwords, the database password."""
    out: list[str] = []
    if settings is None:
        return out
    for name in ("telegram_token", "webhook_secret", "secret_key", "smtp_password", "proconnect_client_secret"):
        value = getattr(settings, name, None)
        raw = value.get_secret_value() if hasattr(value, "get_secret_value") else value
        if isinstance(raw, str) and len(raw.strip()) >= 6:
            out.append(raw)
    url = getattr(settings, "database_url", None)
    if url:
        try:
            from sqlalchemy.engine import make_url

            password = make_url(url).password
            if password and len(password) >= 4:
                out.append(str(password))
        except Exception:  # noqa: BLE001 - an unparseable URL is reported elsewhere
            pass
    return out


def setup_logging(settings: Any = None, *, level: str | None = None, handlers: bool = True) -> Redactor:
    """The one logging set-up of every process (``guichet run``, ``serve``, the CLI, a ``mail`` worker): the
    redacting record factory installed with every secret of ``settings`` (at every level, DEBUG included: it works on
    records, not on levels), the libraries capped, and (``handlers``) one stderr handler at ``level`` (default
    ``GUICHET_LOG_LEVEL``, INFO). Idempotent: a second call adds secrets and keeps the first handler."""
    redactor = install(*secrets_of(settings))
    if handlers:
        name = (level or getattr(settings, "log_level", None) or os.environ.get("GUICHET_LOG_LEVEL") or "INFO")
        numeric = getattr(logging, str(name).upper(), logging.INFO)
        root = logging.getLogger()
        if not root.handlers:
            logging.basicConfig(level=numeric, format=LOG_FORMAT, stream=sys.stderr)
        else:
            root.setLevel(numeric)
    cap_libraries()
    return redactor
