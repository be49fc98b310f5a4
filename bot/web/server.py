"""``guichet serve``: uvicorn over :func:`bot.web.app.create_app`.

Behind a reverse proxy, uvicorn takes the client address and scheme from ``X-Forwarded-For`` and
``X-Forwarded-Proto`` only when the proxy's address is listed in ``GUICHET_WEB_FORWARDED_ALLOW_IPS`` (default
``127.0.0.1``): see docs/operations.md.
"""

from __future__ import annotations

import copy
import logging
import re
import sys

_LINK = re.compile(r"(/console/connexion/lien/)[^/?\s\"]+")
_OIDC = re.compile(r"([?&](?:code|state)=)[^&\s\"]+")


class RedactLinks(logging.Filter):
    """Access-log filter: login-link tokens and OpenID codes never reach the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_OIDC.sub(r"\1…", _LINK.sub(r"\1…", a)) if isinstance(a, str) else a
                                for a in record.args)
        return True


def log_config() -> dict:
    from uvicorn.config import LOGGING_CONFIG

    cfg = copy.deepcopy(LOGGING_CONFIG)
    cfg.setdefault("filters", {})["redact_links"] = {"()": "bot.web.server.RedactLinks"}
    cfg["handlers"]["access"]["filters"] = ["redact_links"]
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
    logging.basicConfig(level=getattr(logging, settings.log_level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if workers > 1 and settings.database_url.startswith("sqlite"):
        print("error: several workers need PostgreSQL (GUICHET_DATABASE_URL=postgresql://…)", file=sys.stderr)
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
        proxy_headers=True,
        forwarded_allow_ips=settings.web_forwarded_allow_ips,
        server_header=False,
        log_config=log_config(),
        log_level=settings.log_level.lower(),
    )
    return 0
