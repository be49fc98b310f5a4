"""People: conversations (one per chat) and the person remembered between requests (mixed into
:class:`bot.store.repository.UnitOfWork`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bot.store.models import ConversationState
from bot.store.tables import (
    conversation_t,
    outbox_t,
    utcnow,
)
from bot.store.repo_common import (
    ConcurrentUpdate,
    UnitBase,
    _conversation,
    _lock_key,
    as_utc_datetime,
)


class PeopleRepo(UnitBase):
    """Conversations, reminders and the remembered person (issue 9)."""

    # --- conversations --------------------------------------------------------------------------------------------
    async def lock_chat(self, channel: str, chat_id: str | int) -> None:
        """Serialise units on one chat until this transaction ends, whether its row exists yet or not
        (PostgreSQL transaction-scoped advisory lock; SQLite writers are serialised already)."""
        if self._pg:
            key = _lock_key(channel, str(chat_id))
            await self.conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})

    async def get_conversation(self, channel: str, chat_id: str | int) -> ConversationState | None:
        """The chat's state; on PostgreSQL the chat is locked for the rest of the unit (see :meth:`lock_chat`), so
        two workers handling updates of one chat take turns, even for a chat seen for the first time."""
        await self.lock_chat(channel, str(chat_id))
        stmt = sa.select(conversation_t).where(
            conversation_t.c.channel == channel, conversation_t.c.chat_id == str(chat_id)
        )
        row = (await self.conn.execute(self._lock(stmt))).first()
        return _conversation(row) if row else None

    async def save_conversation(self, state: ConversationState) -> ConversationState:
        """Insert (``version == 0``) or update (``version`` must match the stored one); returns the saved state.

        Raises :class:`ConcurrentUpdate` if the row changed since it was read (or exists when inserting).
        A conversation deleted earlier in this same unit (e.g. by ``erase_personal_data``) is saved anew (version 1).
        """
        now = utcnow()
        key = (state.channel, str(state.chat_id))
        if state.version and key in self._deleted_conversations:
            state = state.model_copy(update={"version": 0, "created_at": None})
        values = {
            "user_id": str(state.user_id),
            "step": state.step,
            "data": state.data,
            "updated_at": now,
            "reminder_sent_at": state.reminder_sent_at,
        }
        if state.version == 0:
            created = state.created_at or now
            stmt = (
                self._insert(conversation_t)
                .values(channel=state.channel, chat_id=str(state.chat_id), created_at=created, version=1, **values)
                .on_conflict_do_nothing(index_elements=["channel", "chat_id"])
            )
            result = await self.conn.execute(stmt)
            if result.rowcount != 1:
                raise ConcurrentUpdate(f"conversation {state.channel}/{state.chat_id} already exists")
            self._deleted_conversations.discard(key)
            return state.model_copy(update={"version": 1, "created_at": created, "updated_at": now})
        stmt = (
            sa.update(conversation_t)
            .where(
                conversation_t.c.channel == state.channel,
                conversation_t.c.chat_id == str(state.chat_id),
                conversation_t.c.version == state.version,
            )
            .values(version=state.version + 1, **values)
        )
        result = await self.conn.execute(stmt)
        if result.rowcount != 1:
            raise ConcurrentUpdate(f"conversation {state.channel}/{state.chat_id} changed since it was read")
        return state.model_copy(update={"version": state.version + 1, "updated_at": now})

    async def delete_conversation(self, channel: str, chat_id: str | int) -> bool:
        result = await self.conn.execute(
            sa.delete(conversation_t).where(
                conversation_t.c.channel == channel, conversation_t.c.chat_id == str(chat_id)
            )
        )
        self._deleted_conversations.add((channel, str(chat_id)))
        return result.rowcount > 0

    async def delete_conversations_of_user(self, channel: str, user_id: str | int) -> int:
        rows = (
            await self.conn.execute(
                sa.delete(conversation_t)
                .where(conversation_t.c.channel == channel, conversation_t.c.user_id == str(user_id))
                .returning(conversation_t.c.chat_id)
            )
        ).all()
        self._deleted_conversations.update((channel, r.chat_id) for r in rows)
        return len(rows)

    async def mark_reminder_sent(self, channel: str, chat_id: str | int, at: datetime | None = None) -> None:
        await self.conn.execute(
            sa.update(conversation_t)
            .where(conversation_t.c.channel == channel, conversation_t.c.chat_id == str(chat_id))
            .values(reminder_sent_at=at or utcnow())
        )

    async def conversations_needing_reminder(
        self, older_than: datetime, exclude_steps: Iterable[str] = ()
    ) -> list[ConversationState]:
        """Conversations idle since before ``older_than`` that got no reminder yet (minus ``exclude_steps``)."""
        stmt = sa.select(conversation_t).where(
            conversation_t.c.updated_at < as_utc_datetime(older_than),
            conversation_t.c.reminder_sent_at.is_(None),
        )
        steps = list(exclude_steps)
        if steps:
            stmt = stmt.where(conversation_t.c.step.not_in(steps))
        rows = (await self.conn.execute(stmt.order_by(conversation_t.c.updated_at))).all()
        return [_conversation(r) for r in rows]

    # --- issue 9 ---: the person remembered between requests, and whether staff wrote to a chat -----------------
    async def get_person(self, channel: str, user_id: str | int) -> dict[str, Any] | None:
        """Name, phone, e-mail, role and collectivité the person gave on their last request (None if unknown)."""
        from bot.store.tables import person_t

        row = (await self.conn.execute(sa.select(person_t).where(
            person_t.c.channel == channel, person_t.c.user_id == str(user_id)))).first()
        if row is None:
            return None
        return {k: getattr(row, k) for k in ("name", "phone", "email", "role", "commune_code", "commune_name")}

    async def save_person(self, channel: str, user_id: str | int, **fields: Any) -> None:
        """Insert or update the person (only the fields given; ``None`` values keep what was known)."""
        from bot.store.tables import person_t

        now = utcnow()
        known = {k: v for k, v in fields.items()
                 if k in ("name", "phone", "email", "role", "commune_code", "commune_name") and v is not None}
        stmt = self._insert(person_t).values(channel=channel, user_id=str(user_id), created_at=now, updated_at=now,
                                             **known)
        stmt = stmt.on_conflict_do_update(index_elements=["channel", "user_id"], set_={**known, "updated_at": now})
        await self.conn.execute(stmt)

    async def delete_person(self, channel: str, user_id: str | int) -> int:
        from bot.store.tables import person_t

        result = await self.conn.execute(sa.delete(person_t).where(
            person_t.c.channel == channel, person_t.c.user_id == str(user_id)))
        return int(result.rowcount or 0)

    async def staff_wrote_since(self, channel: str, chat_id: str | int, since: datetime) -> bool:
        """True when staff wrote to this chat (a relayed reply or a question) after ``since``."""
        stmt = sa.select(outbox_t.c.id).where(
            outbox_t.c.channel == channel, outbox_t.c.chat_id == str(chat_id),
            outbox_t.c.kind.in_(("relay_to_mayor", "staff_question")),
            outbox_t.c.created_at > as_utc_datetime(since)).limit(1)
        return (await self.conn.execute(stmt)).first() is not None
