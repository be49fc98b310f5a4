"""People, sessions and e-mail codes of the web chat (database side).

* A **session** is a random 256-bit token in an HttpOnly cookie; only its SHA-256 is stored, so the table gives no
  session away. A token the server did not issue is never stored as is: the first post of a new browser gets a fresh
  token (and so does a login), so a session can neither be fixed nor guessed. Sessions are revocable (``revoked_at``).
* A **person** (``web_person``) is the engine's ``user_id`` and ``chat_id`` on channel ``web``. Confirming an e-mail
  that another person already confirmed logs the session into that person (another device), carrying the
  conversation in progress along.
* A **code** is 6 digits, stored as an HMAC with the address (a leak gives neither), valid ``CODE_TTL``, single use,
  at most ``CODE_MAX_TRIES`` wrong tries. Caps in ``CODE_WINDOW`` (issue 25): ``CODES_PER_ADDRESS`` per e-mail
  address *and requesting client* (a stranger exhausts only their own budget for a mayor's address),
  ``CODES_PER_ADDRESS_TOTAL`` per e-mail address from every client (the mailbox is not flooded), ``CODES_PER_CLIENT``
  per client whatever the address, ``CODES_PER_SESSION`` per session. A person whose address is already confirmed
  files without a code, whatever the caps.
* **Addresses** (issue 25) are kept as typed for sending (surrounding spaces trimmed, domain lower-cased:
  :func:`bot.dialogue.validators.validate_email`) and folded (:func:`email_key`, lower-cased whole) for the caps, the
  codes and identity: ``Maire@``, ``MAIRE@`` and ``maire@`` are one address, one person, one budget.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from bot.store.tables import (
    conversation_t,
    web_code_t,
    web_message_t,
    web_person_t,
    web_session_t,
)

CODE_TTL = timedelta(minutes=15)
CODE_MAX_TRIES = 5
CODE_WINDOW = timedelta(hours=1)
CODES_PER_ADDRESS = 3  # per address and requesting client
CODES_PER_ADDRESS_TOTAL = 10  # per address, every client
CODES_PER_CLIENT = 10  # per requesting client, every address
CODES_PER_SESSION = 5
#: A session unused this long is no longer accepted (the cookie lives as long).
SESSION_MAX_IDLE = timedelta(days=365)
#: last_seen is written at most this often (a poll every few seconds must not write each time).
SEEN_WRITE_EVERY = timedelta(seconds=15)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def new_person_id() -> str:
    return "w" + secrets.token_hex(12)


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def email_key(email: str) -> str:
    """The form of an address used for caps, codes and identity: trimmed and lower-cased whole (the local part's
    case is kept only for sending)."""
    return (email or "").strip().lower()


def client_hash(secret: bytes, address: str) -> str:
    """A keyed hash of the requesting client's address (the code cap per client; no raw address stored)."""
    return hmac.new(secret, f"client:{address}".encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:32]


def code_hash(secret: bytes, email: str, code: str) -> str:
    return hmac.new(secret, f"code:{email}:{code}".encode(), hashlib.sha256).hexdigest()


@dataclass
class WebSession:
    token_hash: str
    person_id: str
    email: str | None = None
    email_confirmed: bool = False
    data: dict[str, Any] = field(default_factory=dict)
    last_seen_at: datetime | None = None  # the person's (presence)
    session_seen_at: datetime | None = None  # this session's (idle expiry), written at most daily
    client: str | None = None  # issue 25: keyed hash of this request's client address (not stored with the session)


async def load_session(conn: Any, token: str | None, now: datetime | None = None) -> WebSession | None:
    """The live session of a cookie token, with its person; None when unknown, revoked or idle too long."""
    if not token or len(token) > 100:
        return None
    now = now or utcnow()
    h = token_hash(token)
    row = (await conn.execute(
        sa.select(web_session_t, web_person_t.c.email, web_person_t.c.email_confirmed_at,
                  web_person_t.c.last_seen_at.label("person_seen"))
        .join(web_person_t, web_person_t.c.id == web_session_t.c.person_id)
        .where(web_session_t.c.token_hash == h)
    )).first()
    if row is None or row.revoked_at is not None or row.last_seen_at < now - SESSION_MAX_IDLE:
        return None
    return WebSession(token_hash=h, person_id=row.person_id, email=row.email,
                      email_confirmed=row.email_confirmed_at is not None, data=dict(row.data or {}),
                      last_seen_at=row.person_seen, session_seen_at=row.last_seen_at)


async def create_person_session(conn: Any, now: datetime | None = None) -> tuple[str, WebSession]:
    """A new person and a new session for them; returns (cookie token, session)."""
    now = now or utcnow()
    person = new_person_id()
    await conn.execute(sa.insert(web_person_t).values(id=person, created_at=now, last_seen_at=now))
    token, session = await create_session(conn, person, now)
    return token, session


async def create_session(conn: Any, person_id: str, now: datetime | None = None,
                         data: dict[str, Any] | None = None) -> tuple[str, WebSession]:
    now = now or utcnow()
    token = new_token()
    h = token_hash(token)
    await conn.execute(sa.insert(web_session_t).values(token_hash=h, person_id=person_id, created_at=now,
                                                       last_seen_at=now, data=data or {}))
    return token, WebSession(token_hash=h, person_id=person_id, data=dict(data or {}))


async def save_session_data(conn: Any, session: WebSession) -> None:
    await conn.execute(sa.update(web_session_t).where(web_session_t.c.token_hash == session.token_hash)
                       .values(data=session.data))


async def revoke_session(conn: Any, h: str, now: datetime | None = None) -> None:
    await conn.execute(sa.update(web_session_t).where(web_session_t.c.token_hash == h, web_session_t.c.revoked_at.is_(None))
                       .values(revoked_at=now or utcnow()))


async def revoke_person_sessions(conn: Any, person_id: str, now: datetime | None = None) -> int:
    """Log every device of a person out (e.g. on request, or when the address is erased)."""
    result = await conn.execute(sa.update(web_session_t)
                                .where(web_session_t.c.person_id == person_id, web_session_t.c.revoked_at.is_(None))
                                .values(revoked_at=now or utcnow()))
    return result.rowcount


async def touch(conn: Any, session: WebSession, now: datetime | None = None) -> bool:
    """Record that the person is looking at the page (throttled). True when written."""
    now = now or utcnow()
    if session.last_seen_at is not None and session.last_seen_at > now - SEEN_WRITE_EVERY:
        return False
    await conn.execute(sa.update(web_person_t).where(web_person_t.c.id == session.person_id).values(last_seen_at=now))
    if session.session_seen_at is None or session.session_seen_at < now - timedelta(days=1):
        await conn.execute(sa.update(web_session_t).where(web_session_t.c.token_hash == session.token_hash)
                           .values(last_seen_at=now))
    session.last_seen_at = now
    return True


async def person(conn: Any, person_id: str) -> Any:
    return (await conn.execute(sa.select(web_person_t).where(web_person_t.c.id == person_id))).first()


# --- codes ------------------------------------------------------------------------------------------------------------
class CodeRateLimited(Exception):
    def __init__(self, retry_in: timedelta) -> None:
        super().__init__("too many codes")
        self.retry_in = retry_in


async def issue_code(conn: Any, secret: bytes, email: str, session_hash: str,
                     now: datetime | None = None, client: str | None = None) -> tuple[str, datetime]:
    """A new code for ``email`` (the caller sends it in the same transaction); raises :class:`CodeRateLimited`.
    ``client``: :func:`client_hash` of the requesting client's address (None: counted as one unknown client)."""
    now = now or utcnow()
    since = now - CODE_WINDOW
    key = email_key(email)
    c = web_code_t.c
    same_client = c.client_hash.is_(None) if client is None else c.client_hash == client
    caps = [((c.email == key, same_client), CODES_PER_ADDRESS),
            ((c.email == key,), CODES_PER_ADDRESS_TOTAL),
            ((c.session_hash == session_hash,), CODES_PER_SESSION)]
    if client is not None:
        caps.append(((c.client_hash == client,), CODES_PER_CLIENT))
    for conditions, limit in caps:
        rows = (await conn.execute(
            sa.select(c.created_at).where(*conditions, c.created_at > since)
            .order_by(c.created_at.desc()).limit(limit)
        )).all()
        if len(rows) >= limit:
            oldest = rows[-1].created_at
            raise CodeRateLimited(max(timedelta(minutes=1), oldest + CODE_WINDOW - now))
    # a new code replaces the earlier ones of this session for this address
    await conn.execute(sa.update(web_code_t).where(web_code_t.c.session_hash == session_hash,
                                                   web_code_t.c.used_at.is_(None)).values(used_at=now))
    code = new_code()
    expires = now + CODE_TTL
    await conn.execute(sa.insert(web_code_t).values(email=key, session_hash=session_hash,
                                                    code_hash=code_hash(secret, key, code), created_at=now,
                                                    expires_at=expires, attempts=0, client_hash=client))
    return code, expires


async def check_code(conn: Any, secret: bytes, email: str, session_hash: str, code: str,
                     now: datetime | None = None) -> str:
    """``"ok"`` (the code is consumed), ``"bad"`` (wrong; a try is counted) or ``"expired"`` (none usable)."""
    now = now or utcnow()
    email = email_key(email)
    row = (await conn.execute(
        sa.select(web_code_t).where(web_code_t.c.session_hash == session_hash, web_code_t.c.email == email,
                                    web_code_t.c.used_at.is_(None))
        .order_by(web_code_t.c.id.desc()).limit(1)
    )).first()
    if row is None or row.expires_at <= now or row.attempts >= CODE_MAX_TRIES:
        return "expired"
    if not hmac.compare_digest(row.code_hash, code_hash(secret, email, code)):
        tries = row.attempts + 1
        await conn.execute(sa.update(web_code_t).where(web_code_t.c.id == row.id)
                           .values(attempts=tries, used_at=now if tries >= CODE_MAX_TRIES else None))
        return "bad"
    result = await conn.execute(sa.update(web_code_t).where(web_code_t.c.id == row.id, web_code_t.c.used_at.is_(None))
                                .values(used_at=now))
    return "ok" if result.rowcount == 1 else "expired"


async def confirm_email(conn: Any, session: WebSession, email: str, channel: str,
                        now: datetime | None = None) -> tuple[str, WebSession]:
    """The session's person now owns ``email`` (confirmed). If another person confirmed it earlier, the session logs
    into that person, with the conversation in progress and its transcript carried over. The old session is revoked
    and a new token issued (login never keeps an id the browser had before). Returns (new token, new session)."""
    now = now or utcnow()
    email = email.strip()
    owner = (await conn.execute(sa.select(web_person_t.c.id).where(
        sa.func.lower(web_person_t.c.email) == email_key(email)))).first()
    target = session.person_id
    if owner is not None and owner.id != session.person_id:
        target = owner.id
        current = (await conn.execute(sa.select(conversation_t.c.step, conversation_t.c.data).where(
            conversation_t.c.channel == channel, conversation_t.c.chat_id == session.person_id))).first()
        if current is not None and current.step not in ("start", "menu"):
            # an intake in progress on this device replaces the owner's stored state
            await conn.execute(sa.delete(conversation_t).where(conversation_t.c.channel == channel,
                                                               conversation_t.c.chat_id == target))
            await conn.execute(sa.update(conversation_t).where(conversation_t.c.channel == channel,
                                                               conversation_t.c.chat_id == session.person_id)
                               .values(chat_id=target, user_id=target))
        else:
            await conn.execute(sa.delete(conversation_t).where(conversation_t.c.channel == channel,
                                                               conversation_t.c.chat_id == session.person_id))
        await conn.execute(sa.update(web_message_t).where(web_message_t.c.person_id == session.person_id)
                           .values(person_id=target))
        await conn.execute(sa.update(web_person_t).where(web_person_t.c.id == target)
                           .values(email_confirmed_at=now, last_seen_at=now))
    else:
        await conn.execute(sa.update(web_person_t).where(web_person_t.c.id == target)
                           .values(email=email, email_confirmed_at=now, last_seen_at=now))
    await revoke_session(conn, session.token_hash, now)
    data = {k: v for k, v in session.data.items() if k != "verify"}
    token, fresh = await create_session(conn, target, now, data)
    fresh.email, fresh.email_confirmed, fresh.last_seen_at = email, True, now
    return token, fresh


async def erase_person(conn: Any, person_id: str, keep_session: str | None = None, now: datetime | None = None) -> None:
    """The person asked for their data to be erased (the engine's « supprimer mes données »): the transcript, the
    address and its codes go; every other device is logged out; the person id stays (it carries nothing)."""
    now = now or utcnow()
    row = await person(conn, person_id)
    if row is not None and row.email:
        await conn.execute(sa.delete(web_code_t).where(web_code_t.c.email.in_({row.email, email_key(row.email)})))
    await conn.execute(sa.delete(web_message_t).where(web_message_t.c.person_id == person_id))
    await conn.execute(sa.update(web_person_t).where(web_person_t.c.id == person_id)
                       .values(email=None, email_confirmed_at=None))
    await conn.execute(sa.update(web_session_t)
                       .where(web_session_t.c.person_id == person_id, web_session_t.c.revoked_at.is_(None),
                              web_session_t.c.token_hash != (keep_session or ""))
                       .values(revoked_at=now))
