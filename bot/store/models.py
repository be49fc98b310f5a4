"""Domain records: plain pydantic models, free of the ORM. The repository reads and returns these."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# --- statuses -------------------------------------------------------------------------------------------------------
NOUVELLE = "nouvelle"
EN_COURS = "en_cours"
ORIENTEE = "orientee"
EN_ATTENTE = "en_attente"
TRAITEE = "traitee"
CLOSE_SANS_SUITE = "close_sans_suite"

STATUSES: tuple[str, ...] = (NOUVELLE, EN_COURS, ORIENTEE, EN_ATTENTE, TRAITEE, CLOSE_SANS_SUITE)
CLOSED_STATUSES: frozenset[str] = frozenset({TRAITEE, CLOSE_SANS_SUITE})
OPEN_STATUSES: frozenset[str] = frozenset(STATUSES) - CLOSED_STATUSES

#: Allowed moves. Any open status may be closed; ``en_attente`` goes back to ``en_cours``/``orientee`` when the mayor
#: answers; ``orientee`` may be taken back (``en_cours``) or re-routed (``orientee`` again, to another operator).
TRANSITIONS: dict[str, frozenset[str]] = {
    NOUVELLE: frozenset({EN_COURS, ORIENTEE, EN_ATTENTE, TRAITEE, CLOSE_SANS_SUITE}),
    EN_COURS: frozenset({ORIENTEE, EN_ATTENTE, TRAITEE, CLOSE_SANS_SUITE}),
    ORIENTEE: frozenset({ORIENTEE, EN_COURS, EN_ATTENTE, TRAITEE, CLOSE_SANS_SUITE}),
    EN_ATTENTE: frozenset({EN_COURS, ORIENTEE, TRAITEE, CLOSE_SANS_SUITE}),
    TRAITEE: frozenset(),
    CLOSE_SANS_SUITE: frozenset(),
}


def can_transition(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())


# --- outbox ---------------------------------------------------------------------------------------------------------
OUTBOX_PENDING = "pending"
OUTBOX_SENT = "sent"
OUTBOX_FAILED = "failed"

#: Channel name of messages addressed to the staff group (the Telegram sender resolves it to GUICHET_STAFF_CHAT_ID).
STAFF_CHANNEL = "staff"
STAFF_CHAT = "group"


class _RequestFields(BaseModel):
    """The answers of an intake, shared by a draft and a stored request."""

    channel: str
    user_id: str
    chat_id: str
    commune_code: str | None = None
    commune_name: str | None = None
    epci_code: str | None = None
    role: str | None = None
    contact_name: str | None = None
    phone: str | None = None
    email: str | None = None
    description: str = ""
    themes: list[str] = Field(default_factory=list)
    stage: str | None = None
    help_kinds: list[str] = Field(default_factory=list)
    budget: str | None = None
    timing: str | None = None
    matches: list[str] = Field(default_factory=list)  # offer ids, best first


class RequestDraft(_RequestFields):
    """What the intake collected; ``create_request`` turns it into a :class:`RequestRecord` with a reference."""

    model_config = ConfigDict(extra="forbid")

    consent_at: datetime | None = None
    departement: str | None = None  # for the reference; defaults to the store's département


class RequestRecord(_RequestFields):
    model_config = ConfigDict(from_attributes=True)

    reference: str
    status: str
    created_at: datetime
    updated_at: datetime
    assigned_to: str | None = None
    operator: str | None = None
    staff_message_id: str | None = None
    consent_at: datetime | None = None
    anonymised_at: datetime | None = None
    closed_at: datetime | None = None
    # issue 12 (console)
    assigned_agent_id: int | None = None
    staff_action_at: datetime | None = None
    # issue 26: the last thing staff should read, and what it was (appended, agent_request, note, routed…)
    news_at: datetime | None = None
    news_kind: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ConversationState(BaseModel):
    """The state of one chat. ``version`` is managed by the store (optimistic check on save)."""

    channel: str
    chat_id: str
    user_id: str
    step: str = "start"
    data: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    reminder_sent_at: datetime | None = None
    version: int = 0


class OutboxMessage(BaseModel):
    id: int
    kind: str
    channel: str
    chat_id: str
    text: str
    buttons: list[list[dict[str, str]]] | None = None  # rows of {"label", "data"}
    meta: dict[str, Any] = Field(default_factory=dict)
    reference: str | None = None
    dedup_key: str
    status: Literal["pending", "sent", "failed"]
    attempts: int = 0
    next_attempt_at: datetime
    last_error: str | None = None
    sent_message_id: str | None = None
    created_at: datetime
    sent_at: datetime | None = None
    leased_by: str | None = None  # issue 14


class EventRecord(BaseModel):
    id: int
    at: datetime
    reference: str | None = None
    actor: str
    kind: str
    data: dict[str, Any] = Field(default_factory=dict)


# --- issue 12 (console) ------------------------------------------------------------------------------------------------
#: Console roles: préfecture agent (the whole département), operator agent (requests routed to their operator),
#: comité member (read-only dashboard and report), admin (agents and settings, and everything a préfecture agent does).
ROLE_PREFECTURE = "prefecture"
ROLE_OPERATEUR = "operateur"
ROLE_COMITE = "comite"
ROLE_ADMIN = "admin"
AGENT_ROLES: tuple[str, ...] = (ROLE_PREFECTURE, ROLE_OPERATEUR, ROLE_COMITE, ROLE_ADMIN)

#: Status of one operator's route (Place des Entreprises' Match statuses, in French keys).
ROUTE_TRANSMISE = "transmise"
ROUTE_PRISE_EN_CHARGE = "prise_en_charge"
ROUTE_TRAITEE = "traitee"
ROUTE_SANS_AIDE = "sans_aide"
ROUTE_INJOIGNABLE = "injoignable"
ROUTE_PAS_POUR_NOUS = "pas_pour_nous"
ROUTE_STATUSES: tuple[str, ...] = (ROUTE_TRANSMISE, ROUTE_PRISE_EN_CHARGE, ROUTE_TRAITEE, ROUTE_SANS_AIDE,
                                   ROUTE_INJOIGNABLE, ROUTE_PAS_POUR_NOUS)


class Agent(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    role: str
    operator: str | None = None
    active: bool = True
    oidc_sub: str | None = None
    created_at: datetime
    last_login_at: datetime | None = None


class RequestRoute(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    reference: str
    operator: str
    status: str
    created_at: datetime
    updated_at: datetime
