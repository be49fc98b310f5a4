"""Settings, read from ``GUICHET_*`` environment variables when the application starts.

Nothing here runs at import time: call :func:`load_settings` from the composition root (``bot.app``) or the CLI.
The environment variable names are a contract used by other tools; keep them exactly.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def default_data_dir() -> Path:
    """Per-user data directory (XDG on Linux, sensible fallbacks elsewhere)."""
    base = os.environ.get("XDG_DATA_HOME")
    if base:
        return Path(base) / "guichet"
    if os.name == "nt":  # pragma: no cover - not our deployment target
        return Path(os.environ.get("APPDATA", Path.home())) / "guichet"
    return Path.home() / ".local" / "share" / "guichet"


def default_database_url() -> str:
    return f"sqlite:///{default_data_dir() / 'guichet.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GUICHET_", extra="ignore", case_sensitive=False)

    # Deployment
    departement: str = Field("90", description="INSEE code of the deployment's département")
    database_url: str = Field(default_factory=default_database_url)

    # Telegram
    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_path: str = "telegram"
    staff_chat_id: int | None = None
    staff_user_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)

    # Personal data (RGPD)
    controller: str = "Préfecture du Territoire de Belfort"
    controller_contact: str = "la préfecture du Territoire de Belfort (délégation territoriale de l'ANCT)"
    privacy_url: str = "https://agence-cohesion-territoires.gouv.fr/donnees-personnelles"
    retention_closed_months: int = 24
    retention_unfinished_days: int = 30

    # Follow-up
    reminder_after_hours: int = 24
    digest_waiting_days: int = 3
    digest_hour: int = 8
    timezone: str = "Europe/Paris"

    # Abuse
    # A thorough intake (details of 3 offers, a few recap edits, help toggles) is about 30 events; buttons count.
    # 40 a minute never slows a person down, and still stops a script long before it costs anything.
    flood_max_messages: int = 40
    flood_window_seconds: int = 60

    # Commitment to the person: set only by the préfecture's decision (docs/operations.md). Unset (the default): no
    # delay is ever promised; filings and the delay question say staff answer as soon as they can (issue 21).
    response_days: int | None = Field(
        None, description="first contact within this many working days (Mon-Fri, public holidays left out); unset: none"
    )
    # Staff-side only (console « en retard » view, dashboard): when no commitment is set, a request still new after this
    # many working days is shown as late to staff. Never shown to the person, never a promise.
    late_after_days: int = Field(
        5, description="staff-side: working days after which a new request is shown late when no commitment is set"
    )

    # Web (staff console under /console/, mayors' web chat at /)
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    public_url: str = "http://127.0.0.1:8000"  # base of every link printed or sent; no trailing slash
    secret_key: SecretStr | None = None  # signs sessions and CSRF tokens; generated and kept in the data dir if unset
    # issue 12: addresses of the reverse proxies whose X-Forwarded-For/-Proto are trusted (comma-separated, or *)
    web_forwarded_allow_ips: str = "127.0.0.1"
    # issue 25: the reverse proxies whose X-Forwarded-For is read (addresses or CIDRs, comma-separated); the client is
    # the rightmost address of the header that is not one of them. Unset: GUICHET_WEB_FORWARDED_ALLOW_IPS is used.
    web_trusted_proxies: str | None = None
    # issue 25: absolute lifetime of a console session (activity does not extend it)
    console_session_hours: float = 12.0

    # ProConnect (OpenID Connect) for staff login; one-time login links work without it
    proconnect_issuer: str | None = None
    proconnect_client_id: str | None = None
    proconnect_client_secret: SecretStr | None = None
    # issue 12: scopes asked from ProConnect (its own claims; a test provider may need "openid email profile")
    proconnect_scopes: str = "openid email given_name usual_name uid siret idp_id"

    # E-mail (web chat codes and notifications)
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    mail_from: str = "guichet@localhost"
    # issue 13: without an SMTP host, e-mails are written here as .eml files (demo, development); else they wait
    mail_dir: str | None = None
    # issue 13: web chat limits (the engine's flood rules apply on top, as on Telegram); kept in the database, one
    # budget for all the workers (bot/store/ratelimit.py), or per process in memory with web_shared_rate_limits=false
    web_max_posts_per_minute: int = 30  # per browser session
    web_max_requests_per_minute_per_address: int = 600  # per client IP address (a mairie's NAT, the demo)
    web_shared_rate_limits: bool = True
    # issue 25: new conversations (a person and a session) per hour, per client address and in all: a script that
    # drops its cookie creates at most this many people
    web_max_new_sessions_per_hour_per_address: int = 30
    web_max_new_sessions_per_hour: int = 600
    web_max_body_bytes: int = 16_384

    # issue 20: the e-mail channel (guichet mail; guichet serve starts it when imap_host is set)
    imap_host: str | None = None
    imap_port: int = 0  # 0: 993 with ssl, else 143
    imap_user: str | None = None
    imap_password: SecretStr | None = None
    imap_tls: str = "ssl"  # none | starttls | ssl
    imap_folder: str = "INBOX"
    mail_poll_seconds: int = 60  # polling interval where the server has no IDLE (and IDLE's renewal)
    mail_max_bytes: int = 15_000_000  # a bigger mail gets a polite answer, its content is not kept
    mail_max_attachments: int = 10
    mail_answers_per_hour: int = 5  # answers to one address an hour at most (no loops, no amplification)
    # attachments of every channel (bot/store/attachments.py): outside the web root, generated names
    attachments_dir: str | None = None  # default: <data dir>/attachments
    attachment_max_bytes: int = 10_000_000  # per file
    attachments_max_request_bytes: int = 25_000_000  # per request
    # issue 26: the préfecture's shared address, told of news on requests nobody follows (empty: nobody)
    staff_notify_email: str | None = None

    log_level: str = "INFO"

    @field_validator("staff_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if value is None or value == "":
            return []
        if isinstance(value, str):
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("departement")
    @classmethod
    def _dep(cls, value: str) -> str:
        value = value.strip().upper()
        if value.isdigit() and len(value) == 1:
            value = "0" + value
        return value


    @field_validator("response_days", mode="before")
    @classmethod
    def _days(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None  # GUICHET_RESPONSE_DAYS= (empty): no commitment
        return value

    @property
    def late_days(self) -> int:
        """Working days after which staff see a new request as late: the commitment when the préfecture set one, else
        ``late_after_days`` (staff-side triage only)."""
        return self.response_days if self.response_days is not None else self.late_after_days

    @field_validator("imap_tls")
    @classmethod
    def _tls(cls, value: str) -> str:
        value = (value or "ssl").strip().lower()
        if value not in ("none", "starttls", "ssl"):
            raise ValueError("GUICHET_IMAP_TLS must be none, starttls or ssl")
        return value

    @field_validator("public_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return value.strip().rstrip("/")


def load_settings(**overrides: object) -> Settings:
    """Read the environment now (never at import)."""
    return Settings(**overrides)  # type: ignore[arg-type]
