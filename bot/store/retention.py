"""Personal data: what we hold about a person, erasure on request, and the retention purge.

Each function takes either a unit of work (to act inside the caller's transaction, as the dialogue engine does for
``/mesdonnees`` and ``/supprimer``) or a :class:`~bot.store.repository.Store` (it then opens its own unit).

Erasure and purge anonymise the contact data of requests (name, phone, e-mail): the requests stay as the public
record, without personal data. The same values are also blanked out of the free texts we keep about those requests
(appended texts, relayed messages, queued messages), the person's conversation state is deleted, and an event
records that it was done, without the data.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, AsyncIterator

import sqlalchemy as sa

from bot.store.models import CLOSED_STATUSES, OUTBOX_PENDING
from bot.store.tables import conversation_t, event_t, handled_update_t, outbox_t, request_t, utcnow

REDACTED = "[supprimé]"
#: Handled-update marks and delivered outbox rows are kept this long (enough to absorb any redelivery).
HOUSEKEEPING_DAYS = 30


@asynccontextmanager
async def _unit(target: Any) -> AsyncIterator[Any]:
    if hasattr(target, "unit"):
        async with target.unit() as uow:
            yield uow
    else:
        yield target


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


# --- what we hold ------------------------------------------------------------------------------------------------------
async def personal_data(target: Any, channel: str, user_id: str | int) -> dict[str, Any]:
    """Everything held about the person ``channel:user_id``: requests (with history), conversation state, and the
    events they caused outside a request. JSON-friendly."""
    user_id = str(user_id)
    async with _unit(target) as uow:
        requests = await uow.list_requests(channel=channel, user_id=user_id, newest_first=False)
        out_requests = []
        for r in requests:
            item = r.model_dump(mode="json", exclude={"staff_message_id"})
            item["history"] = [
                {"at": e.at.isoformat(), "kind": e.kind, **_jsonable(e.data)} for e in await uow.history(r.reference)
            ]
            out_requests.append(item)
        convs = (
            await uow.conn.execute(
                sa.select(conversation_t).where(
                    conversation_t.c.channel == channel, conversation_t.c.user_id == user_id
                )
            )
        ).all()
        conversations = [
            {"chat_id": c.chat_id, "step": c.step, "data": _jsonable(c.data), "created_at": c.created_at.isoformat(),
             "updated_at": c.updated_at.isoformat()}
            for c in convs
        ]
        events = (
            await uow.conn.execute(
                sa.select(event_t)
                .where(event_t.c.actor == f"{channel}:{user_id}", event_t.c.reference.is_(None))
                .order_by(event_t.c.id)
            )
        ).all()
        person = await uow.get_person(channel, user_id)  # issue 9: who the person said they are
        from bot.store.inbox import waiting_of_person  # issue 26: their messages to staff before filing

        waiting = await waiting_of_person(uow, channel, user_id)
    return {
        "channel": channel,
        "user_id": user_id,
        "person": person,
        "requests": out_requests,
        "conversations": conversations,
        "events": [{"at": e.at.isoformat(), "kind": e.kind, **_jsonable(e.data)} for e in events],
        "messages_to_staff": waiting,
    }


# --- anonymisation -----------------------------------------------------------------------------------------------------
def _scrub(text: str, secrets: set[str]) -> str:
    for s in sorted(secrets, key=len, reverse=True):
        if s and s in text:
            text = text.replace(s, REDACTED)
    return text


def _scrub_json(value: Any, secrets: set[str]) -> Any:
    if isinstance(value, str):
        return _scrub(value, secrets)
    if isinstance(value, dict):
        return {k: _scrub_json(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_json(v, secrets) for v in value]
    return value


def _secrets_of(rows: list[Any]) -> set[str]:
    out: set[str] = set()
    for r in rows:
        for v in (r.contact_name, r.phone, r.email):
            if v and len(v.strip()) >= 3:
                out.add(v.strip())
    return out


async def _anonymise(uow: Any, rows: list[Any], actor: str, reason: str, extra_chats: set[tuple[str, str]] = frozenset()) -> None:  # type: ignore[assignment]
    """Blank the contact data of ``rows`` (request rows) and their traces in texts; log one event per request."""
    if not rows and not extra_chats:
        return
    now = utcnow()
    refs = [r.reference for r in rows]
    secrets = _secrets_of(rows)
    conn = uow.conn
    if refs:
        await conn.execute(
            sa.update(request_t)
            .where(request_t.c.reference.in_(refs))
            .values(contact_name=None, phone=None, email=None, anonymised_at=now)
        )
        # issue 26: the search text held the contact and the conversation's words: back to reference, place, need
        from bot.store.search import search_text

        for r in rows:
            await conn.execute(sa.update(request_t).where(request_t.c.reference == r.reference).values(
                search_text=search_text(r.reference, r.commune_name, _scrub(r.description or "", secrets))))
    if secrets:
        chats = {(r.channel, r.chat_id) for r in rows} | set(extra_chats)
        ev_rows = (
            await conn.execute(sa.select(event_t.c.id, event_t.c.kind, event_t.c.data)
                               .where(event_t.c.reference.in_(refs)))
        ).all() if refs else []
        for ev in ev_rows:
            # issue 9: the person's own words kept for staff may spell their contact any way: dropped whole
            scrubbed = {"messages": [REDACTED]} if ev.kind == "original_messages" else _scrub_json(ev.data, secrets)
            if scrubbed != ev.data:
                await conn.execute(sa.update(event_t).where(event_t.c.id == ev.id).values(data=scrubbed))
        conds = [outbox_t.c.reference.in_(refs)] if refs else []
        for ch, chat in chats:
            conds.append(sa.and_(outbox_t.c.channel == ch, outbox_t.c.chat_id == chat))
        conds.append(outbox_t.c.channel == "staff")  # relays and summaries in the staff group
        ob_rows = (
            await conn.execute(sa.select(outbox_t.c.id, outbox_t.c.text, outbox_t.c.meta).where(sa.or_(*conds)))
        ).all()
        for ob in ob_rows:
            text = _scrub(ob.text, secrets)
            if text != ob.text:
                await conn.execute(sa.update(outbox_t).where(outbox_t.c.id == ob.id).values(text=text))
    for ref in refs:
        await uow.log_event(ref, actor, "personal_data_anonymised", {"reason": reason})


async def erase_personal_data(target: Any, channel: str, user_id: str | int, actor: str = "system") -> dict[str, int]:
    """``/supprimer``: contact data of the person's requests anonymised, their conversation state deleted.

    Returns counts ``{"requests": n, "conversations": m}``. A conversation saved again later in the same unit
    starts afresh (see ``UnitOfWork.save_conversation``)."""
    user_id = str(user_id)
    async with _unit(target) as uow:
        rows = (
            await uow.conn.execute(
                sa.select(request_t).where(request_t.c.channel == channel, request_t.c.user_id == user_id)
            )
        ).all()
        chats = {
            (channel, r.chat_id)
            for r in (
                await uow.conn.execute(
                    sa.select(conversation_t.c.chat_id).where(
                        conversation_t.c.channel == channel, conversation_t.c.user_id == user_id
                    )
                )
            ).all()
        }
        await _anonymise(uow, list(rows), actor, "erasure_request", chats)
        # --- issue 14 --- the copies of the replies already delivered to the person (they may quote their name,
        # phone, e-mail: the recap) are deleted; pending ones are still sent.
        reply_chats = chats | {(channel, r.chat_id) for r in rows}
        if reply_chats:
            await uow.conn.execute(sa.delete(outbox_t).where(
                outbox_t.c.kind.in_(("reply", "reply_confirmation")), outbox_t.c.status != OUTBOX_PENDING,
                sa.or_(*(sa.and_(outbox_t.c.channel == ch, outbox_t.c.chat_id == chat) for ch, chat in reply_chats)),
            ))
        deleted = await uow.delete_conversations_of_user(channel, user_id)
        await uow.delete_person(channel, user_id)  # issue 9
        from bot.store.inbox import erase_waiting  # issue 26: messages to staff before filing

        await erase_waiting(uow, channel, user_id)
        await uow.log_event(None, actor, "personal_data_erased",
                            {"channel": channel, "requests": len(rows), "conversations": deleted})
    return {"requests": len(rows), "conversations": deleted}


# --- retention purge ---------------------------------------------------------------------------------------------------
@dataclass
class PurgeReport:
    dry_run: bool
    requests_anonymised: int = 0
    conversations_deleted: int = 0
    handled_updates_deleted: int = 0
    outbox_deleted: int = 0
    people_deleted: int = 0  # issue 9: people remembered between requests, idle as long as a closed request is kept
    waiting_messages_deleted: int = 0  # issue 26: messages to staff before filing (settled and idle, or stale)
    attachments_deleted: int = 0  # issue 20: files of the requests anonymised, and of conversations never filed
    orphan_files_deleted: int = 0  # issue 20: files of the store no row names, older than a day
    references: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (clamped to the month's last day)."""
    import calendar

    y, m = divmod(moment.year * 12 + (moment.month - 1) - months, 12)
    day = min(moment.day, calendar.monthrange(y, m + 1)[1])
    return moment.replace(year=y, month=m + 1, day=day)


async def purge(
    target: Any,
    now: datetime | None = None,
    closed_months: int = 24,
    unfinished_days: int = 30,
    dry_run: bool = False,
    settings: Any = None,
) -> PurgeReport:
    """Apply retention: contact data of requests closed more than ``closed_months`` ago anonymised; conversations
    idle for ``unfinished_days`` deleted; old handled-update marks and delivered outbox rows deleted.

    Attachments (issue 20): the files kept with the requests anonymised are deleted (rows, then files), and so are
    the files received in a conversation that was never filed, once ``unfinished_days`` old. With ``settings`` naming
    ``GUICHET_ATTACHMENTS_DIR``, files of the store that no row names, older than a day by the clock (never by ``now``:
    a file written a moment ago may belong to a message being handled), are deleted too."""
    now = now or datetime.now(timezone.utc)
    closed_cutoff = months_before(now, closed_months)
    idle_cutoff = now - timedelta(days=unfinished_days)
    house_cutoff = now - timedelta(days=max(HOUSEKEEPING_DAYS, 1))
    report = PurgeReport(dry_run=dry_run)
    async with _unit(target) as uow:
        conn = uow.conn
        closed_at = sa.func.coalesce(request_t.c.closed_at, request_t.c.updated_at)
        rows = (
            await conn.execute(
                sa.select(request_t).where(
                    request_t.c.status.in_(sorted(CLOSED_STATUSES)),
                    closed_at < closed_cutoff,
                    request_t.c.anonymised_at.is_(None),
                ).order_by(request_t.c.id)
            )
        ).all()
        report.requests_anonymised = len(rows)
        report.references = [r.reference for r in rows]
        idle = sa.and_(conversation_t.c.updated_at < idle_cutoff)
        old_marks = handled_update_t.c.at < house_cutoff
        old_outbox = sa.and_(outbox_t.c.status != OUTBOX_PENDING, outbox_t.c.created_at < house_cutoff)
        from bot.store.tables import person_t  # issue 9

        open_request = sa.select(request_t.c.id).where(
            request_t.c.channel == person_t.c.channel, request_t.c.user_id == person_t.c.user_id,
            request_t.c.status.not_in(sorted(CLOSED_STATUSES)))
        idle_people = sa.and_(person_t.c.updated_at < closed_cutoff, ~open_request.exists())
        report.people_deleted = await _count(conn, person_t, idle_people)
        from bot.store import attachments as A  # issue 20
        from bot.store.tables import attachment_t

        refs = [r.reference for r in rows]
        # a file received before filing belongs to its conversation (owner « channel:chat »): kept while the
        # conversation is alive, deleted with it once idle (the conversation itself is deleted below)
        live_conversation = sa.select(conversation_t.c.id).where(
            (conversation_t.c.channel + ":" + conversation_t.c.chat_id) == attachment_t.c.owner,
            conversation_t.c.updated_at >= idle_cutoff)
        gone = sa.or_(attachment_t.c.reference.in_(refs) if refs else sa.false(),
                      sa.and_(attachment_t.c.reference.is_(None), attachment_t.c.at < idle_cutoff,
                              ~live_conversation.exists()))
        files = await A.delete_rows(uow, gone, dry_run=dry_run)
        report.attachments_deleted = len(files)
        if dry_run:
            if settings is not None:
                report.orphan_files_deleted = await A.sweep_orphans(uow, settings, dry_run=True)
            report.conversations_deleted = await _count(conn, conversation_t, idle)
            report.handled_updates_deleted = await _count(conn, handled_update_t, old_marks)
            report.outbox_deleted = await _count(conn, outbox_t, old_outbox)
            return report
        await _anonymise(uow, list(rows), "system:purge", "retention")
        report.conversations_deleted = (await conn.execute(sa.delete(conversation_t).where(idle))).rowcount
        report.handled_updates_deleted = (await conn.execute(sa.delete(handled_update_t).where(old_marks))).rowcount
        report.outbox_deleted = (await conn.execute(sa.delete(outbox_t).where(old_outbox))).rowcount
        await conn.execute(sa.delete(person_t).where(idle_people))
        from bot.store.inbox import idle_waiting  # issue 26: messages to staff before filing, settled or stale
        from bot.store.tables import waiting_message_t

        report.waiting_messages_deleted = (await conn.execute(sa.delete(waiting_message_t).where(
            sa.or_(idle_waiting(idle_cutoff), waiting_message_t.c.at < closed_cutoff)))).rowcount
        from bot.store.tables import rate_limit_t  # rate-limit windows (the limiters purge them too, while serving)

        await conn.execute(sa.delete(rate_limit_t).where(rate_limit_t.c.expires < int(now.timestamp())))
        if settings is not None:
            report.orphan_files_deleted = await A.sweep_orphans(uow, settings)
        await uow.log_event(None, "system:purge", "purge", {k: v for k, v in report.to_dict().items() if k != "references"})
    # the files of the rows deleted, once the rows are gone (a crash in between leaves orphans: swept next time)
    await A.unlink_files(settings, files)
    return report


async def _count(conn: Any, table: sa.Table, cond: Any) -> int:
    return int((await conn.execute(sa.select(sa.func.count()).select_from(table).where(cond))).scalar_one())


def run_purge_cli(dry_run: bool = False) -> int:
    """``guichet purge [--dry-run]`` with the retention settings (``GUICHET_RETENTION_*``)."""
    from bot.store.cli import run_with_store
    from bot.texts import staff as T

    async def go(store: Any, settings: Any) -> int:
        report = await purge(store, closed_months=settings.retention_closed_months,
                             unfinished_days=settings.retention_unfinished_days, dry_run=dry_run, settings=settings)
        print(T.purge_text(report.to_dict(), dry_run))
        if report.references:
            print(", ".join(report.references))
        return 0

    return run_with_store(go)
