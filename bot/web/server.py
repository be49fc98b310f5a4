"""``guichet serve``: uvicorn over :func:`bot.web.app.create_app`.

Behind a reverse proxy, the app (not uvicorn: its own proxy handling is off) takes the client address and scheme
from ``X-Forwarded-For`` and ``X-Forwarded-Proto`` only when the peer is one of ``GUICHET_WEB_TRUSTED_PROXIES``
(else ``GUICHET_WEB_FORWARDED_ALLOW_IPS``, default ``127.0.0.1``), and then the client is the rightmost address that
is not a trusted proxy (:class:`bot.webkit.security.ForwardedFor`; docs/operations.md).
"""

from __future__ import annotations

import copy
import logging
import sys

class RedactLinks(logging.Filter):
    """Access-log filter (issue 25): the path only, never the query string (staff search terms, filters, OpenID
    codes, the chat's polling cursor), and login-link tokens masked (:func:`bot.logsafe.access_path`; the record
    factory of bot/logsafe.py does the same, this filter holds without it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        from bot.logsafe import access_path

        if isinstance(record.args, tuple):
            record.args = tuple(access_path(a) if isinstance(a, str) else a for a in record.args)
        return True


def log_config() -> dict:
    from uvicorn.config import LOGGING_CONFIG

    from bot.logsafe import LOG_FORMAT

    cfg = copy.deepcopy(LOGGING_CONFIG)
    cfg.setdefault("filters", {})["redact_links"] = {"()": "bot.web.server.RedactLinks"}
    cfg["handlers"]["access"]["filters"] = ["redact_links"]
    cfg["loggers"]["uvicorn.access"]["filters"] = ["redact_links"]
    cfg["formatters"]["default"]["fmt"] = LOG_FORMAT
    return cfg


def run_serve(host: str | None = None, port: int | None = None, workers: int = 1) -> int:
    import uvicorn

    from bot.config import load_settings
    from bot.texts import staff as TS

    try:
        settings = load_settings()
    except Exception as exc:  # noqa: BLE001
        print(TS.CLI_BAD_CONFIG.format(error=exc), file=sys.stderr)
        return 2
    from bot import logsafe

    logsafe.setup_logging(settings)  # issue 25: redaction at every level, DEBUG included; libraries capped
    if workers > 1 and settings.database_url.startswith("sqlite"):
        print("error: several workers need PostgreSQL (GUICHET_DATABASE_URL=postgresql://…)", file=sys.stderr)
        return 2
    from bot.webkit.security import trusted_proxies

    try:
        trusted_proxies(settings)
    except ValueError as exc:
        print(f"error: GUICHET_WEB_TRUSTED_PROXIES: {exc}", file=sys.stderr)
        return 2
    # The secret key is created (once) before the workers start, so that they all share it.
    from bot.webkit.security import secret_key

    secret_key(settings)
    uvicorn.run(
        "bot.web.app:create_app",
        factory=True,
        host=host or settings.web_host,
        port=port or settings.web_port,
        workers=max(1, workers),
        proxy_headers=False,  # issue 25: bot.webkit.security.ForwardedFor reads the proxies' headers
        server_header=False,
        log_config=log_config(),
        log_level=settings.log_level.lower(),
    )
    return 0
