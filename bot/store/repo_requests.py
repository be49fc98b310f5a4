"""Requests and their events (search words, first action), per-operator routes and staff actions (mixed into
:class:`bot.store.repository.UnitOfWork`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bot.store.workdays import working_days_between
from bot.store.search import search_text
from bot.store import inbox as _inbox  # issue 26
from bot.store.models import (
    CLOSED_STATUSES,
    NOUVELLE,
    OPEN_STATUSES,
    STATUSES,
    EventRecord,
    RequestDraft,
    RequestRecord,
    RequestRoute,
    can_transition,
)
from bot.store.tables import (
    request_route_t,
    request_theme_t,
    counter_t,
    event_t,
    request_t,
    utcnow,
)
from bot.store.repo_common import (
    FIRST_ACTION_KINDS,
    IllegalTransition,
    RequestNotFound,
    UnitBase,
    _event,
    _request,
    as_utc_datetime,
)


class RequestsRepo(UnitBase):
    """Requests, their history (events) and routes."""

    # --- requests -------------------------------------------------------------------------------------------------
    async def _next_reference(self, departement: str, now: datetime) -> str:
        year = now.astimezone(self.store.tz).year
        scope = f"{departement}-{year}"
        stmt = (
            self._insert(counter_t)
            .values(scope=scope, value=1)
            .on_conflict_do_update(index_elements=["scope"], set_={"value": counter_t.c.value + 1})
            .returning(counter_t.c.value)
        )
        seq = (await self.conn.execute(stmt)).scalar_one()
        return f"{scope}-{seq:04d}"

    async def create_request(self, draft: RequestDraft, actor: str | None = None) -> RequestRecord:
        """File a request: allocates the reference (``90-2026-0042``) in this transaction; logs ``created``."""
        now = utcnow()
        departement = draft.departement or self.store.departement
        reference = await self._next_reference(departement, now)
        values = draft.model_dump(exclude={"departement"})
        values.update(
            reference=reference,
            status=NOUVELLE,
            created_at=now,
            updated_at=now,
            user_id=str(draft.user_id),
            chat_id=str(draft.chat_id),
        )
        values["search_text"] = search_text(reference, draft.commune_name, draft.description,  # issue 12
                                            draft.contact_name, draft.email, draft.phone)  # issue 26
        await self.conn.execute(sa.insert(request_t).values(**values))
        if draft.themes:  # issue 12: one row per theme (console filters, dashboard counts)
            await self.conn.execute(sa.insert(request_theme_t), [
                {"reference": reference, "theme": str(t)[:64]} for t in dict.fromkeys(draft.themes)])
        await self.log_event(
            reference,
            actor or f"{draft.channel}:{draft.user_id}",
            "created",
            {"status": NOUVELLE, "channel": draft.channel, "themes": list(draft.themes), "matches": list(draft.matches)},
        )
        record = await self.get_request(reference)
        assert record is not None
        return record

    async def get_request(self, reference: str, for_update: bool = False) -> RequestRecord | None:
        stmt = sa.select(request_t).where(request_t.c.reference == (reference or "").strip().upper())
        if for_update:
            stmt = self._lock(stmt)
        row = (await self.conn.execute(stmt)).first()
        return _request(row) if row else None

    async def _require(self, reference: str, for_update: bool = True) -> RequestRecord:
        record = await self.get_request(reference, for_update=for_update)
        if record is None:
            raise RequestNotFound(reference)
        return record

    async def list_requests(
        self,
        channel: str | None = None,
        user_id: str | int | None = None,
        status: str | Sequence[str] | None = None,
        since: datetime | date | None = None,
        limit: int | None = None,
        newest_first: bool = True,
    ) -> list[RequestRecord]:
        stmt = sa.select(request_t)
        if channel is not None:
            stmt = stmt.where(request_t.c.channel == channel)
        if user_id is not None:
            stmt = stmt.where(request_t.c.user_id == str(user_id))
        if status is not None:
            statuses = [status] if isinstance(status, str) else list(status)
            stmt = stmt.where(request_t.c.status.in_(statuses))
        if since is not None:
            stmt = stmt.where(request_t.c.created_at >= as_utc_datetime(since))
        order = request_t.c.id.desc() if newest_first else request_t.c.id.asc()
        stmt = stmt.order_by(order)
        if limit is not None:
            stmt = stmt.limit(limit)
        return [_request(r) for r in (await self.conn.execute(stmt)).all()]

    async def find_similar_open(
        self, commune_code: str | None, themes: Iterable[str], since: datetime | date
    ) -> list[RequestRecord]:
        """Open requests of the same commune, created since ``since``, sharing at least one theme (newest first)."""
        if not commune_code:
            return []
        wanted = set(themes)
        stmt = (
            sa.select(request_t)
            .where(
                request_t.c.commune_code == commune_code,
                request_t.c.status.in_(sorted(OPEN_STATUSES)),
                request_t.c.created_at >= as_utc_datetime(since),
            )
            .order_by(request_t.c.id.desc())
        )
        rows = (await self.conn.execute(stmt)).all()
        return [rec for rec in map(_request, rows) if wanted & set(rec.themes or [])]

    async def _touch(self, reference: str, **values: Any) -> None:
        await self.conn.execute(
            sa.update(request_t).where(request_t.c.reference == reference).values(updated_at=utcnow(), **values)
        )

    async def append_to_request(
        self, reference: str, text: str, actor: str, attachments: list[dict[str, Any]] | None = None
    ) -> EventRecord:
        """Attach a text (and optional attachment descriptors) to a request, as an ``appended`` event."""
        record = await self._require(reference)
        data: dict[str, Any] = {"text": text}
        if attachments:
            data["attachments"] = attachments
        await self._touch(record.reference)
        return await self.log_event(record.reference, actor, "appended", data)

    async def set_status(
        self,
        reference: str,
        status: str,
        actor: str,
        note: str | None = None,
        operator: str | None = None,
        assigned_to: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> RequestRecord:
        """Change the status (validated against :data:`bot.store.models.TRANSITIONS`), log a ``status`` event
        (``{"from", "to", "note"?, "operator"?, "assigned_to"?}`` plus ``extra``)."""
        record = await self._require(reference)
        if status not in STATUSES or not can_transition(record.status, status):
            raise IllegalTransition(record.reference, record.status, status)
        now = utcnow()
        values: dict[str, Any] = {"status": status}
        if operator is not None:
            values["operator"] = operator
        if assigned_to is not None:
            values["assigned_to"] = assigned_to
        if status in CLOSED_STATUSES:
            values["closed_at"] = now
        await self._touch(record.reference, **values)
        data: dict[str, Any] = {"from": record.status, "to": status}
        if note:
            data["note"] = note
        if operator is not None:
            data["operator"] = operator
        if assigned_to is not None:
            data["assigned_to"] = assigned_to
        if extra:
            data.update({k: v for k, v in extra.items() if k not in data})
        await self.log_event(record.reference, actor, "status", data)
        updated = await self.get_request(record.reference)
        assert updated is not None
        return updated

    async def set_staff_message(self, reference: str, message_id: str | int) -> None:
        await self.conn.execute(
            sa.update(request_t).where(request_t.c.reference == reference).values(staff_message_id=str(message_id))
        )

    async def find_request_by_staff_message(self, message_id: str | int) -> RequestRecord | None:
        stmt = sa.select(request_t).where(request_t.c.staff_message_id == str(message_id)).limit(1)
        row = (await self.conn.execute(stmt)).first()
        return _request(row) if row else None

    async def requests_waiting(self, longer_than: timedelta, now: datetime | None = None) -> list[RequestRecord]:
        """Open requests not updated for ``longer_than`` (oldest first): the staff's morning digest."""
        cutoff = as_utc_datetime(now or utcnow()) - longer_than  # type: ignore[operator]
        stmt = (
            sa.select(request_t)
            .where(request_t.c.status.in_(sorted(OPEN_STATUSES)), request_t.c.updated_at < cutoff)
            .order_by(request_t.c.updated_at)
        )
        return [_request(r) for r in (await self.conn.execute(stmt)).all()]

    # --- events ---------------------------------------------------------------------------------------------------
    async def log_event(
        self, reference: str | None, actor: str, kind: str, data: dict[str, Any] | None = None
    ) -> EventRecord:
        at = utcnow()
        stmt = (
            sa.insert(event_t)
            .values(at=at, reference=reference, actor=str(actor)[:200], kind=kind, data=data or {})
            .returning(event_t.c.id)
        )
        event_id = (await self.conn.execute(stmt)).scalar_one()
        if reference and kind in FIRST_ACTION_KINDS:  # issue 12b
            await self._note_first_action(reference, kind, data or {}, at)
        event = EventRecord(id=event_id, at=at, reference=reference, actor=str(actor)[:200], kind=kind, data=data or {})
        if reference and kind in _inbox.SEARCH_KINDS and (data or {}).get("text"):  # issue 26: search the words
            await _inbox.add_search_words(self, reference, str((data or {})["text"]))
        news = _inbox.news_kind_of(kind, data or {})
        if reference and news:  # issue 26: the console's unread markers, and the owner told (bot.staff.notify)
            if news != _inbox.OWNER_CHANGED:
                await _inbox.note_news(self, reference, news, at)
            hook = getattr(self.store, "news_hook", None)
            if hook is not None:
                await hook(self, event, news)
        return event

    # --- issue 12b (dashboard) ---
    async def _note_first_action(self, reference: str, kind: str, data: dict[str, Any], at: datetime) -> None:
        """Keep ``first_action_at`` (first staff action: a status change, a question, a message to the mayor) and
        ``routed_at`` (first routing to an operator) on the request, for the comité's dashboard."""
        c = request_t.c
        row = (await self.conn.execute(sa.select(c.created_at, c.first_action_at, c.routed_at)
                                       .where(c.reference == reference))).first()
        if row is None:
            return
        values: dict[str, Any] = {}
        if row.first_action_at is None:
            values["first_action_at"] = at
            values["first_action_wd"] = working_days_between(row.created_at, at, self.store.departement)
        if row.routed_at is None and kind == "status" and data.get("to") == "orientee":
            values["routed_at"] = at
        if values:
            await self.conn.execute(sa.update(request_t).where(c.reference == reference).values(**values))

    async def history(self, reference: str) -> list[EventRecord]:
        stmt = sa.select(event_t).where(event_t.c.reference == reference).order_by(event_t.c.id)
        return [_event(r) for r in (await self.conn.execute(stmt)).all()]

    async def count_events(self, reference: str, kind: str) -> int:
        stmt = sa.select(sa.func.count()).select_from(event_t).where(
            event_t.c.reference == reference, event_t.c.kind == kind
        )
        return int((await self.conn.execute(stmt)).scalar_one())

    async def routes(self, reference: str) -> list[RequestRoute]:
        stmt = sa.select(request_route_t).where(request_route_t.c.reference == reference).order_by(
            request_route_t.c.id)
        return [RequestRoute.model_validate(dict(r._mapping)) for r in (await self.conn.execute(stmt)).all()]

    async def routes_of(self, references: Sequence[str]) -> dict[str, list[RequestRoute]]:
        out: dict[str, list[RequestRoute]] = {}
        if not references:
            return out
        stmt = sa.select(request_route_t).where(request_route_t.c.reference.in_(list(references))).order_by(
            request_route_t.c.id)
        for r in (await self.conn.execute(stmt)).all():
            route = RequestRoute.model_validate(dict(r._mapping))
            out.setdefault(route.reference, []).append(route)
        return out

    async def set_route(self, reference: str, operator: str, status: str) -> tuple[RequestRoute, str | None]:
        """Route ``reference`` to ``operator`` (key) with ``status`` (inserted or updated). Returns the route and
        its previous status (None when new)."""
        now = utcnow()
        current = [r for r in await self.routes(reference) if r.operator == operator]
        if current:
            await self.conn.execute(
                sa.update(request_route_t)
                .where(request_route_t.c.reference == reference, request_route_t.c.operator == operator)
                .values(status=status, updated_at=now))
            previous: str | None = current[0].status
        else:
            await self.conn.execute(sa.insert(request_route_t).values(
                reference=reference, operator=operator, status=status, created_at=now, updated_at=now))
            previous = None
        route = [r for r in await self.routes(reference) if r.operator == operator][0]
        return route, previous

    async def mark_staff_action(self, reference: str, **values: Any) -> None:
        """Note that staff acted on ``reference`` now (``staff_action_at``), with other columns (e.g.
        ``assigned_agent_id``)."""
        await self.conn.execute(
            sa.update(request_t).where(
                request_t.c.reference == reference).values(staff_action_at=utcnow(), **values))
