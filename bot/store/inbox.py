"""The console as a working inbox (issue 26), in the store: unread markers, people waiting before filing, reply
templates, agents' notification settings. Functions take a unit of work (``uow.conn``) and act inside its
transaction.

* **Unread.** ``request.news_at`` is the moment of the last thing staff should read on a request (a person's
  message, an operator's note, a routing: :data:`NEWS_KINDS`, kept by ``UnitOfWork.log_event`` through
  :func:`note_news`); ``agent_seen`` the moment each agent last opened the request's page. A request is « nouveau »
  for an agent when ``news_at`` is later than their ``seen_at`` (or they never opened it).
* **People waiting.** A person's message to staff when no open request of theirs exists lands in ``waiting_message``
  with its text, in the same transaction that acknowledges it; the console's « Personnes en attente » lists the
  chats with unanswered messages, an agent answers (the reply goes out through the outbox) or sets them aside.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Sequence

import sqlalchemy as sa

from bot.store.tables import (
    agent_seen_t,
    agent_setting_t,
    reply_template_t,
    request_t,
    utcnow,
    waiting_message_t,
)

#: Events that make a request « nouveau » for staff: the person's words (an addition or an answer, a call for an
#: agent, a message relayed during a handover) and what operators and colleagues do that the owner must see.
PERSON_KINDS = frozenset({"appended", "agent_request", "relay_to_staff"})
NEWS_KINDS = PERSON_KINDS | frozenset({"note", "routed", "route_status"})


OWNER_CHANGED = "owner_changed"


def news_kind_of(kind: str, data: dict[str, Any]) -> str | None:
    """The news an event is for staff (None: not news): a routing is a ``status`` event to ``orientee``."""
    if kind in NEWS_KINDS:
        return kind
    if kind == "assigned" and data.get("from_agent_id") and data.get("from_agent_id") != data.get("agent_id"):
        return OWNER_CHANGED  # the previous owner is told (not an unread marker)
    if kind == "status" and data.get("to") == "orientee":
        return "routed"
    return None


#: Events whose text the console's search finds (the conversation and the notes).
SEARCH_KINDS = PERSON_KINDS | frozenset({"note", "question", "reply"})


async def add_search_words(uow: Any, reference: str, text: str) -> None:
    from bot.store.search import MAX_SEARCH_CHARS, fold

    c = request_t.c
    row = (await uow.conn.execute(sa.select(c.search_text).where(c.reference == reference))).first()
    if row is None:
        return
    current = row.search_text or ""
    words = fold(text)
    if not words or len(current) >= MAX_SEARCH_CHARS or words in current:
        return
    await uow.conn.execute(sa.update(request_t).where(c.reference == reference)
                           .values(search_text=(current + " " + words)[:MAX_SEARCH_CHARS]))


async def note_news(uow: Any, reference: str, kind: str, at: datetime | None = None) -> None:
    await uow.conn.execute(sa.update(request_t).where(request_t.c.reference == reference)
                           .values(news_at=at or utcnow(), news_kind=kind[:32]))


#: Before any news: ``news_at > NO_NEWS`` is a range the index ``ix_request_news_at`` serves (``IS NOT NULL`` is not,
#: on SQLite), so only the requests with news are read.
NO_NEWS = datetime(2000, 1, 1, tzinfo=timezone.utc)


def unread_condition(agent_id: int) -> Any:
    """SQL condition: the request (``request_t`` row) has news ``agent_id`` has not seen (one indexed lookup per
    request with news)."""
    seen = sa.select(agent_seen_t.c.agent_id).where(
        agent_seen_t.c.agent_id == agent_id, agent_seen_t.c.reference == request_t.c.reference,
        agent_seen_t.c.seen_at >= request_t.c.news_at)
    return sa.and_(request_t.c.news_at > NO_NEWS, ~seen.exists())


async def unread_of(uow: Any, agent_id: int, references: Sequence[str]) -> set[str]:
    """Which of ``references`` are « nouveau » for the agent."""
    if not references:
        return set()
    stmt = (sa.select(request_t.c.reference, request_t.c.news_at, agent_seen_t.c.seen_at)
            .select_from(request_t.outerjoin(agent_seen_t, sa.and_(agent_seen_t.c.reference == request_t.c.reference,
                                                                   agent_seen_t.c.agent_id == agent_id)))
            .where(request_t.c.reference.in_(list(references)), request_t.c.news_at.is_not(None)))
    return {r.reference for r in (await uow.conn.execute(stmt)).all() if r.seen_at is None or r.seen_at < r.news_at}


async def seen_at(uow: Any, agent_id: int, reference: str) -> datetime | None:
    row = (await uow.conn.execute(sa.select(agent_seen_t.c.seen_at).where(
        agent_seen_t.c.agent_id == agent_id, agent_seen_t.c.reference == reference))).first()
    return row.seen_at if row else None


async def mark_seen(uow: Any, agent_id: int, reference: str, at: datetime | None = None) -> None:
    at = at or utcnow()
    c = agent_seen_t.c
    done = await uow.conn.execute(sa.update(agent_seen_t).where(c.agent_id == agent_id, c.reference == reference)
                                  .values(seen_at=at))
    if not done.rowcount:
        stmt = uow._insert(agent_seen_t).values(agent_id=agent_id, reference=reference, seen_at=at)
        await uow.conn.execute(stmt.on_conflict_do_update(index_elements=["agent_id", "reference"],
                                                          set_={"seen_at": at}))


async def mark_unseen(uow: Any, agent_id: int, reference: str) -> None:
    """« Marquer comme non lu »."""
    await uow.conn.execute(sa.delete(agent_seen_t).where(agent_seen_t.c.agent_id == agent_id,
                                                         agent_seen_t.c.reference == reference))


# --- people waiting (before any open request) -------------------------------------------------------------------------
@dataclass
class WaitingMessage:
    id: int
    at: datetime
    channel: str
    chat_id: str
    user_id: str
    kind: str
    name: str | None
    commune: str | None
    last_reference: str | None
    text: str
    done_at: datetime | None = None
    done_by: str | None = None


def _waiting(row: Any) -> WaitingMessage:
    return WaitingMessage(**{k: getattr(row, k) for k in WaitingMessage.__dataclass_fields__})


async def add_waiting(uow: Any, *, channel: str, chat_id: str, user_id: str, kind: str, text: str,
                      name: str | None = None, commune: str | None = None,
                      last_reference: str | None = None, done_by: str | None = None) -> int:
    """One message of the chat (``kind`` ``staff`` for an agent's reply, kept so the thread reads in order; it marks
    the person's earlier messages answered)."""
    now = utcnow()
    stmt = sa.insert(waiting_message_t).values(
        at=now, channel=channel, chat_id=str(chat_id), user_id=str(user_id), kind=kind, text=text,
        name=(name or None) and name[:200], commune=(commune or None) and commune[:200], last_reference=last_reference,
        done_at=now if kind == "staff" else None, done_by=done_by).returning(waiting_message_t.c.id)
    return int((await uow.conn.execute(stmt)).scalar_one())


async def waiting_chats(uow: Any, limit: int = 200) -> list[WaitingMessage]:
    """The newest unanswered message of each chat with one, oldest chat first (who has waited longest)."""
    w = waiting_message_t.c
    newest = (sa.select(sa.func.max(w.id).label("id")).where(w.done_at.is_(None), w.kind != "staff")
              .group_by(w.channel, w.chat_id).subquery())
    stmt = (sa.select(waiting_message_t).where(w.id.in_(sa.select(newest.c.id))).order_by(w.at).limit(limit))
    return [_waiting(r) for r in (await uow.conn.execute(stmt)).all()]


async def count_waiting(uow: Any) -> int:
    w = waiting_message_t.c
    stmt = sa.select(sa.func.count(sa.distinct(w.channel + ":" + w.chat_id))).where(w.done_at.is_(None),
                                                                                    w.kind != "staff")
    return int((await uow.conn.execute(stmt)).scalar_one())


async def waiting_thread(uow: Any, message_id: int) -> list[WaitingMessage]:
    """Every message of the chat of ``message_id`` (person and staff), in order."""
    w = waiting_message_t.c
    row = (await uow.conn.execute(sa.select(w.channel, w.chat_id).where(w.id == message_id))).first()
    if row is None:
        return []
    stmt = sa.select(waiting_message_t).where(w.channel == row.channel, w.chat_id == row.chat_id).order_by(w.id)
    return [_waiting(r) for r in (await uow.conn.execute(stmt)).all()]


async def settle_waiting(uow: Any, channel: str, chat_id: str, by: str) -> int:
    """The chat's unanswered messages are answered (or set aside) by ``by``."""
    w = waiting_message_t.c
    res = await uow.conn.execute(sa.update(waiting_message_t).where(
        w.channel == channel, w.chat_id == str(chat_id), w.done_at.is_(None)).values(done_at=utcnow(),
                                                                                     done_by=by[:200]))
    return int(res.rowcount or 0)


async def erase_waiting(uow: Any, channel: str, user_id: str) -> int:
    res = await uow.conn.execute(sa.delete(waiting_message_t).where(waiting_message_t.c.channel == channel,
                                                                    waiting_message_t.c.user_id == str(user_id)))
    return int(res.rowcount or 0)


def idle_waiting(cutoff: datetime) -> Any:
    """Messages of people waiting answered or set aside before ``cutoff`` (the retention purge deletes them)."""
    return sa.and_(waiting_message_t.c.done_at.is_not(None), waiting_message_t.c.done_at < cutoff)


async def waiting_of_person(uow: Any, channel: str, user_id: str) -> list[dict[str, Any]]:
    w = waiting_message_t.c
    rows = (await uow.conn.execute(sa.select(waiting_message_t).where(w.channel == channel, w.user_id == str(user_id))
                                   .order_by(w.id))).all()
    return [{"at": r.at.isoformat(), "kind": r.kind, "text": r.text} for r in rows]


# --- reply templates --------------------------------------------------------------------------------------------------
@dataclass
class ReplyTemplate:
    id: int
    name: str
    use: str
    text: str

    def fill(self, name: str | None, reference: str | None) -> str:
        return (self.text.replace("{nom}", name or "Madame, Monsieur")
                .replace("{reference}", reference or ""))


TEMPLATE_USES = ("reply", "question", "close")


async def list_templates(uow: Any, use: str | None = None) -> list[ReplyTemplate]:
    c = reply_template_t.c
    stmt = sa.select(reply_template_t).order_by(c.name, c.id)
    if use:
        stmt = stmt.where(c.use == use)
    return [ReplyTemplate(r.id, r.name, r.use, r.text) for r in (await uow.conn.execute(stmt)).all()]


async def save_template(uow: Any, name: str, use: str, text: str, template_id: int | None = None) -> int:
    c = reply_template_t.c
    if template_id:
        await uow.conn.execute(sa.update(reply_template_t).where(c.id == template_id)
                               .values(name=name[:120], use=use, text=text))
        return template_id
    stmt = sa.insert(reply_template_t).values(name=name[:120], use=use, text=text, created_at=utcnow()) \
        .returning(c.id)
    return int((await uow.conn.execute(stmt)).scalar_one())


async def delete_template(uow: Any, template_id: int) -> None:
    await uow.conn.execute(sa.delete(reply_template_t).where(reply_template_t.c.id == template_id))


# --- agents' settings -------------------------------------------------------------------------------------------------
async def wants_digest(uow: Any, agent_id: int) -> bool:
    row = (await uow.conn.execute(sa.select(agent_setting_t.c.digest)
                                  .where(agent_setting_t.c.agent_id == agent_id))).first()
    return bool(row and row.digest)


async def set_digest(uow: Any, agent_id: int, digest: bool) -> None:
    c = agent_setting_t.c
    done = await uow.conn.execute(sa.update(agent_setting_t).where(c.agent_id == agent_id).values(digest=digest))
    if not done.rowcount:
        await uow.conn.execute(sa.insert(agent_setting_t).values(agent_id=agent_id, digest=digest))


async def reopen_request(uow: Any, reference: str, status: str) -> None:
    """Closed → ``status``: the one way out of a closed status (the staff service logs the event and tells the
    person); ``closed_at`` is cleared so the dashboard counts it open again."""
    await uow.conn.execute(sa.update(request_t).where(request_t.c.reference == reference)
                           .values(status=status, closed_at=None, updated_at=utcnow()))


async def set_matches(uow: Any, reference: str, matches: list[str]) -> None:
    """Staff's list of the programmes proposed to a request (issue 26), in their order."""
    await uow.conn.execute(sa.update(request_t).where(request_t.c.reference == reference)
                           .values(matches=list(matches), updated_at=utcnow()))
