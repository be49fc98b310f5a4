"""Database tables (sqlmodel, ``table=True``). Only the repository and the migrations use them.

Times are stored as naive UTC (``UTCDateTime``) on both backends and come back timezone-aware (UTC).
JSON columns are JSON on SQLite and JSONB on PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes in, UTC-aware out; stored as naive UTC (portable between SQLite and PostgreSQL)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


JSONType = sa.JSON().with_variant(JSONB(), "postgresql")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class RequestRow(SQLModel, table=True):
    __tablename__ = "request"
    __table_args__ = (
        sa.Index("ix_request_channel_user", "channel", "user_id"),
        sa.Index("ix_request_status", "status"),
        sa.Index("ix_request_commune", "commune_code"),
        sa.Index("ix_request_created_at", "created_at"),
        sa.Index("ix_request_staff_message", "staff_message_id"),
        # issue 12 (console inbox filters and saved views)
        sa.Index("ix_request_epci", "epci_code"),
        sa.Index("ix_request_assigned_agent", "assigned_agent_id"),
        sa.Index("ix_request_staff_action_at", "staff_action_at"),
        sa.Index("ix_request_operator", "operator"),
        # issue 12b (the comité's dashboard): covering index, so counts and delays over a period read it alone
        sa.Index("ix_request_dashboard", "created_at", "status", "epci_code", "commune_code", "operator",
                 "first_action_at", "routed_at", "closed_at", "first_action_wd", "reference", "themes"),
        sa.Index("ix_request_status_created", "status", "created_at"),
        sa.Index("ix_request_status_assignee", "status", "assigned_to"),
        sa.Index("ix_request_news_at", "news_at"),  # issue 26: unread markers
    )

    id: Optional[int] = Field(default=None, sa_column=sa.Column(BigId, primary_key=True, autoincrement=True))
    reference: str = Field(sa_column=sa.Column(sa.String(32), nullable=False, unique=True))
    status: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    channel: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))
    user_id: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    chat_id: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    commune_code: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(16)))
    commune_name: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(200)))
    epci_code: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(16)))
    role: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(64)))
    contact_name: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(200)))
    phone: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(64)))
    email: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(320)))
    description: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    themes: list = Field(default_factory=list, sa_column=sa.Column(JSONType, nullable=False))
    stage: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(64)))
    help_kinds: list = Field(default_factory=list, sa_column=sa.Column(JSONType, nullable=False))
    budget: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(200)))
    timing: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(200)))
    matches: list = Field(default_factory=list, sa_column=sa.Column(JSONType, nullable=False))
    assigned_to: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(200)))
    operator: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(64)))
    staff_message_id: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(64)))
    consent_at: Optional[datetime] = Field(default=None, sa_column=sa.Column(UTCDateTime))
    anonymised_at: Optional[datetime] = Field(default=None, sa_column=sa.Column(UTCDateTime))
    closed_at: Optional[datetime] = Field(default=None, sa_column=sa.Column(UTCDateTime))
    # --- issue 12 (console): who follows it (an agent of the console), when staff last acted on it ---
    assigned_agent_id: Optional[int] = Field(default=None, sa_column=sa.Column(sa.Integer))
    staff_action_at: Optional[datetime] = Field(default=None, sa_column=sa.Column(UTCDateTime))
    # folded (lower case, no accents) reference + collectivité + need: the console's search (bot.store.search)
    search_text: Optional[str] = Field(default=None, sa_column=sa.Column(sa.Text))
    # --- issue 12b (dashboard): first staff action (contact) and first routing to an operator, kept by log_event ---
    first_action_at: Optional[datetime] = Field(default=None, sa_column=sa.Column(UTCDateTime))
    routed_at: Optional[datetime] = Field(default=None, sa_column=sa.Column(UTCDateTime))
    first_action_wd: Optional[int] = Field(default=None, sa_column=sa.Column(sa.Integer))  # working days to it
    # --- issue 26 (console inbox): last thing staff should read (a person's message, an operator's note, a routing)
    news_at: Optional[datetime] = Field(default=None, sa_column=sa.Column(UTCDateTime))
    news_kind: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(32)))


class ConversationRow(SQLModel, table=True):
    __tablename__ = "conversation"
    __table_args__ = (
        sa.UniqueConstraint("channel", "chat_id", name="uq_conversation_channel_chat"),
        sa.Index("ix_conversation_updated_at", "updated_at"),
        sa.Index("ix_conversation_channel_user", "channel", "user_id"),
    )

    id: Optional[int] = Field(default=None, sa_column=sa.Column(BigId, primary_key=True, autoincrement=True))
    channel: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))
    chat_id: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    user_id: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    step: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    data: dict = Field(default_factory=dict, sa_column=sa.Column(JSONType, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    reminder_sent_at: Optional[datetime] = Field(default=None, sa_column=sa.Column(UTCDateTime))
    version: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))


class EventRow(SQLModel, table=True):
    """Append-only audit trail and history."""

    __tablename__ = "event"
    __table_args__ = (sa.Index("ix_event_reference", "reference", "id"), sa.Index("ix_event_at", "at"))

    id: Optional[int] = Field(default=None, sa_column=sa.Column(BigId, primary_key=True, autoincrement=True))
    at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    reference: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(32)))
    actor: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    kind: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    data: dict = Field(default_factory=dict, sa_column=sa.Column(JSONType, nullable=False))


class HandledUpdateRow(SQLModel, table=True):
    __tablename__ = "handled_update"

    key: str = Field(sa_column=sa.Column(sa.String(200), primary_key=True))
    at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


class InboxRow(SQLModel, table=True):
    """Telegram updates fetched by polling, kept until handled: written before Telegram is told they were received,
    so a crash between the two never loses one (replayed at start; the handled mark makes a replay a no-op)."""

    __tablename__ = "inbox"

    update_id: int = Field(sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False))
    payload: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    received_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    # --- issue 14 --- the update's chat (settles an earlier update of the chat never handled; see polling.py)
    chat_id: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(64)))


class OutboxRow(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (
        sa.Index("ix_outbox_due", "status", "next_attempt_at"),
        sa.Index("ix_outbox_sent_message", "channel", "sent_message_id"),
        # --- issue 14 --- per-chat order of delivery
        sa.Index("ix_outbox_chat_order", "channel", "chat_id", "status", "id"),
    )

    id: Optional[int] = Field(default=None, sa_column=sa.Column(BigId, primary_key=True, autoincrement=True))
    kind: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    channel: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))
    chat_id: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    buttons: Optional[list] = Field(default=None, sa_column=sa.Column(JSONType))
    meta: dict = Field(default_factory=dict, sa_column=sa.Column(JSONType, nullable=False))
    reference: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(32)))
    dedup_key: str = Field(sa_column=sa.Column(sa.String(255), nullable=False, unique=True))
    status: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))
    attempts: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))
    next_attempt_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    last_error: Optional[str] = Field(default=None, sa_column=sa.Column(sa.Text))
    sent_message_id: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(64)))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    sent_at: Optional[datetime] = Field(default=None, sa_column=sa.Column(UTCDateTime))
    # --- issue 14 --- the worker holding the row's lease (see UnitOfWork.claim_due_outbox, release_orphan_leases)
    leased_by: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(64)))


class CounterRow(SQLModel, table=True):
    """Sequence per scope (``"{departement}-{year}"``), incremented by an upsert inside the caller's transaction."""

    __tablename__ = "counter"

    scope: str = Field(sa_column=sa.Column(sa.String(32), primary_key=True))
    value: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))


# --- issue 12 (console) ------------------------------------------------------------------------------------------------
class AgentRow(SQLModel, table=True):
    """A staff member of the console. ``role``: prefecture | operateur | comite | admin; ``operator``: the staff
    service's operator key (``ademe``…) of an ``operateur`` agent."""

    __tablename__ = "agent"

    id: Optional[int] = Field(default=None, sa_column=sa.Column(sa.Integer, primary_key=True, autoincrement=True))
    email: str = Field(sa_column=sa.Column(sa.String(320), nullable=False, unique=True))
    name: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    role: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))
    operator: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(32)))
    active: bool = Field(default=True, sa_column=sa.Column(sa.Boolean, nullable=False))
    oidc_sub: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(255)))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    last_login_at: Optional[datetime] = Field(default=None, sa_column=sa.Column(UTCDateTime))


class LoginTokenRow(SQLModel, table=True):
    """A one-time login link: only the SHA-256 of the token is kept."""

    __tablename__ = "login_token"

    token_hash: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    agent_id: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    used_at: Optional[datetime] = Field(default=None, sa_column=sa.Column(UTCDateTime))


class LoginAttemptRow(SQLModel, table=True):
    """Login attempts, by key (``ip:…``), for the rate limit (shared by every worker)."""

    __tablename__ = "login_attempt"
    __table_args__ = (sa.Index("ix_login_attempt_key_at", "key", "at"),)

    id: Optional[int] = Field(default=None, sa_column=sa.Column(BigId, primary_key=True, autoincrement=True))
    key: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


class RequestRouteRow(SQLModel, table=True):
    """One operator a request is routed to, with that operator's own status (Place des Entreprises' Match)."""

    __tablename__ = "request_route"
    __table_args__ = (
        sa.UniqueConstraint("reference", "operator", name="uq_request_route"),
        sa.Index("ix_request_route_operator", "operator", "reference"),
    )

    id: Optional[int] = Field(default=None, sa_column=sa.Column(BigId, primary_key=True, autoincrement=True))
    reference: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))
    operator: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))
    status: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


class RequestThemeRow(SQLModel, table=True):
    """The themes of a request, one row each (filters and counts by theme without reading JSON)."""

    __tablename__ = "request_theme"
    __table_args__ = (sa.Index("ix_request_theme_theme", "theme", "reference"),)

    reference: str = Field(sa_column=sa.Column(sa.String(32), primary_key=True))
    theme: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))


metadata = SQLModel.metadata
request_t: sa.Table = RequestRow.__table__  # type: ignore[assignment]
conversation_t: sa.Table = ConversationRow.__table__  # type: ignore[assignment]
event_t: sa.Table = EventRow.__table__  # type: ignore[assignment]
handled_update_t: sa.Table = HandledUpdateRow.__table__  # type: ignore[assignment]
outbox_t: sa.Table = OutboxRow.__table__  # type: ignore[assignment]
inbox_t: sa.Table = InboxRow.__table__  # type: ignore[assignment]
counter_t: sa.Table = CounterRow.__table__  # type: ignore[assignment]


# --- issue 9 ---
class PersonRow(SQLModel, table=True):
    """Who a person said they are on their last request: offered back in one tap on the next one."""

    __tablename__ = "people"

    channel: str = Field(sa_column=sa.Column(sa.String(32), primary_key=True))
    user_id: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    name: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(200)))
    phone: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(64)))
    email: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(320)))
    role: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(64)))
    commune_code: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(16)))
    commune_name: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(200)))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


person_t: sa.Table = PersonRow.__table__  # type: ignore[assignment]
agent_t: sa.Table = AgentRow.__table__  # type: ignore[assignment]
login_token_t: sa.Table = LoginTokenRow.__table__  # type: ignore[assignment]
login_attempt_t: sa.Table = LoginAttemptRow.__table__  # type: ignore[assignment]
request_route_t: sa.Table = RequestRouteRow.__table__  # type: ignore[assignment]
request_theme_t: sa.Table = RequestThemeRow.__table__  # type: ignore[assignment]


# --- issue 13 --- (web chat: people identified by a confirmed e-mail, their sessions, codes and transcript)
class WebPersonRow(SQLModel, table=True):
    """A person of the web chat. ``id`` is the engine's ``user_id`` and ``chat_id`` for channel ``web``."""

    __tablename__ = "web_person"

    id: str = Field(sa_column=sa.Column(sa.String(40), primary_key=True))
    email: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(320), unique=True))
    email_confirmed_at: Optional[datetime] = Field(default=None, sa_column=sa.Column(UTCDateTime))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    last_seen_at: Optional[datetime] = Field(default=None, sa_column=sa.Column(UTCDateTime))


class WebSessionRow(SQLModel, table=True):
    """A browser's session: only the SHA-256 of the cookie's token is stored (a database leak gives no session)."""

    __tablename__ = "web_session"
    __table_args__ = (sa.Index("ix_web_session_person", "person_id"),)

    token_hash: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    person_id: str = Field(sa_column=sa.Column(sa.String(40), nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    last_seen_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    revoked_at: Optional[datetime] = Field(default=None, sa_column=sa.Column(UTCDateTime))
    data: dict = Field(default_factory=dict, sa_column=sa.Column(JSONType, nullable=False))


class WebCodeRow(SQLModel, table=True):
    """A 6-digit e-mail code (stored hashed with the address), single use, expiring."""

    __tablename__ = "web_code"
    __table_args__ = (sa.Index("ix_web_code_email", "email", "created_at"),
                      sa.Index("ix_web_code_session", "session_hash", "created_at"),
                      sa.Index("ix_web_code_client", "client_hash", "created_at"))

    id: Optional[int] = Field(default=None, sa_column=sa.Column(BigId, primary_key=True, autoincrement=True))
    email: str = Field(sa_column=sa.Column(sa.String(320), nullable=False))
    session_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    code_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    used_at: Optional[datetime] = Field(default=None, sa_column=sa.Column(UTCDateTime))
    attempts: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))
    # issue 25: keyed hash of the requesting client's address (the cap per address and client; no raw address)
    client_hash: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(64)))


class WebMessageRow(SQLModel, table=True):
    """The transcript of a web conversation (person, bot and staff messages), so that a reload shows it."""

    __tablename__ = "web_message"
    __table_args__ = (sa.Index("ix_web_message_person", "person_id", "id"),)

    id: Optional[int] = Field(default=None, sa_column=sa.Column(BigId, primary_key=True, autoincrement=True))
    person_id: str = Field(sa_column=sa.Column(sa.String(40), nullable=False))
    author: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))  # person | bot | staff
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    buttons: Optional[list] = Field(default=None, sa_column=sa.Column(JSONType))
    at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    # the person's message carries the client's idempotency key: a double submit is written once
    update_key: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(200), unique=True))


web_person_t: sa.Table = WebPersonRow.__table__  # type: ignore[assignment]
web_session_t: sa.Table = WebSessionRow.__table__  # type: ignore[assignment]
web_code_t: sa.Table = WebCodeRow.__table__  # type: ignore[assignment]
web_message_t: sa.Table = WebMessageRow.__table__  # type: ignore[assignment]


# --- shared rate limits (the web chat's per-session and per-address limits; see bot/store/ratelimit.py) ---------------
class RateLimitRow(SQLModel, table=True):
    """Hits of one key in one fixed window. ``key`` is ``"<limit name>:<keyed hash>"`` (never a raw address or id);
    ``window_start`` and ``expires`` are seconds since the epoch; a row is useless after ``expires`` (purged)."""

    __tablename__ = "rate_limit"
    __table_args__ = (sa.Index("ix_rate_limit_expires", "expires"),)

    key: str = Field(sa_column=sa.Column(sa.String(80), primary_key=True))
    window_start: int = Field(sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False))
    hits: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))
    expires: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))


rate_limit_t: sa.Table = RateLimitRow.__table__  # type: ignore[assignment]


# --- issue 20: attachments of every channel, and the mail the e-mail channel read (bot/channels/mail/) -------------
class AttachmentRow(SQLModel, table=True):
    """A file kept with a request (or with a conversation until it is filed: ``reference`` None, ``owner`` set).
    The bytes live outside the web root under ``stored_name`` (generated, never the sender's name)."""

    __tablename__ = "attachment"
    __table_args__ = (sa.Index("ix_attachment_reference", "reference"), sa.Index("ix_attachment_owner", "owner"))

    id: Optional[int] = Field(default=None, sa_column=sa.Column(BigId, primary_key=True, autoincrement=True))
    reference: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(32)))
    owner: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))  # "<channel>:<chat id>"
    name: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))  # the sender's file name, shown
    content_type: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))  # sniffed from the content
    size: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    stored_name: str = Field(sa_column=sa.Column(sa.String(80), nullable=False, unique=True))
    sha256: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    source_key: str = Field(sa_column=sa.Column(sa.String(200), nullable=False, unique=True))  # once per message+part
    at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


class MailMessageRow(SQLModel, table=True):
    """One mail the channel read (its handled mark is ``handled_update``): who, what it caused, whether answered
    (the per-address hourly limit of answers counts these)."""

    __tablename__ = "mail_message"
    __table_args__ = (sa.Index("ix_mail_message_sender_at", "sender", "at"),)

    key: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    sender: str = Field(sa_column=sa.Column(sa.String(320), nullable=False))
    message_id: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(998)))
    outcome: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))
    answered: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False))
    reference: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(32)))
    at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


attachment_t: sa.Table = AttachmentRow.__table__  # type: ignore[assignment]
mail_message_t: sa.Table = MailMessageRow.__table__  # type: ignore[assignment]


# --- issue 25: staff console sessions held on the server (bot/console/sessions.py) ------------------------------------
class ConsoleSessionRow(SQLModel, table=True):
    """A logged-in agent's session. The cookie carries a random id; only its SHA-256 is stored. Valid until
    ``expires_at`` (an absolute lifetime: activity does not extend it) unless revoked (logout, « partout »,
    deactivation)."""

    __tablename__ = "console_session"
    __table_args__ = (sa.Index("ix_console_session_agent", "agent_id"),
                      sa.Index("ix_console_session_expires", "expires_at"))

    id_hash: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    agent_id: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    last_seen_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    revoked_at: Optional[datetime] = Field(default=None, sa_column=sa.Column(UTCDateTime))
    revoked_why: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(32)))


console_session_t: sa.Table = ConsoleSessionRow.__table__  # type: ignore[assignment]


# --- issue 26 (console as a working inbox) -----------------------------------------------------------------------------
class AgentSeenRow(SQLModel, table=True):
    """When an agent last opened a request's page: the request is « nouveau » for them when ``request.news_at`` is
    later (or they never opened it)."""

    __tablename__ = "agent_seen"

    agent_id: int = Field(sa_column=sa.Column(sa.Integer, primary_key=True, autoincrement=False))
    reference: str = Field(sa_column=sa.Column(sa.String(32), primary_key=True))
    seen_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


class WaitingMessageRow(SQLModel, table=True):
    """A person's message to staff before any open request of theirs exists (« Personnes en attente »): kept with
    its text until an agent answers or sets it aside; personal data (erased with the person, purged when idle)."""

    __tablename__ = "waiting_message"
    __table_args__ = (sa.Index("ix_waiting_message_open", "done_at", "at"),
                      sa.Index("ix_waiting_message_chat", "channel", "chat_id", "id"))

    id: Optional[int] = Field(default=None, sa_column=sa.Column(BigId, primary_key=True, autoincrement=True))
    at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    channel: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))
    chat_id: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    user_id: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    kind: str = Field(sa_column=sa.Column(sa.String(32), nullable=False))  # agent_request | relay_to_staff | staff
    name: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(200)))
    commune: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(200)))
    last_reference: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(32)))
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    done_at: Optional[datetime] = Field(default=None, sa_column=sa.Column(UTCDateTime))
    done_by: Optional[str] = Field(default=None, sa_column=sa.Column(sa.String(200)))


class ReplyTemplateRow(SQLModel, table=True):
    """A reply kept by admins: ``{nom}`` and ``{reference}`` are filled in; ``use``: reply | question | close."""

    __tablename__ = "reply_template"

    id: Optional[int] = Field(default=None, sa_column=sa.Column(sa.Integer, primary_key=True, autoincrement=True))
    name: str = Field(sa_column=sa.Column(sa.String(120), nullable=False))
    use: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


class AgentSettingRow(SQLModel, table=True):
    """An agent's own settings (``digest``: one e-mail a day instead of one per event)."""

    __tablename__ = "agent_setting"

    agent_id: int = Field(sa_column=sa.Column(sa.Integer, primary_key=True, autoincrement=False))
    digest: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False))


agent_seen_t: sa.Table = AgentSeenRow.__table__  # type: ignore[assignment]
waiting_message_t: sa.Table = WaitingMessageRow.__table__  # type: ignore[assignment]
reply_template_t: sa.Table = ReplyTemplateRow.__table__  # type: ignore[assignment]
agent_setting_t: sa.Table = AgentSettingRow.__table__  # type: ignore[assignment]
