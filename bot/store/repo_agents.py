"""Agents and logins: staff accounts, login links and login attempts (mixed into
:class:`bot.store.repository.UnitOfWork`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bot.store.models import Agent
from bot.store.tables import (
    agent_t,
    login_attempt_t,
    login_token_t,
    utcnow,
)
from bot.store.repo_common import (
    UnitBase,
    as_utc_datetime,
)


class AgentsRepo(UnitBase):
    """Agents, login tokens and attempts (issue 12, console)."""

    # --- issue 12 (console): agents, login links and attempts, per-operator routes, staff actions ----------------
    async def get_agent(self, agent_id: int) -> Agent | None:
        row = (await self.conn.execute(sa.select(agent_t).where(agent_t.c.id == int(agent_id)))).first()
        return Agent.model_validate(dict(row._mapping)) if row else None

    async def get_agent_by_email(self, email: str) -> Agent | None:
        stmt = sa.select(agent_t).where(agent_t.c.email == (email or "").strip().lower())
        row = (await self.conn.execute(stmt)).first()
        return Agent.model_validate(dict(row._mapping)) if row else None

    async def list_agents(self, active_only: bool = False) -> list[Agent]:
        stmt = sa.select(agent_t).order_by(agent_t.c.name, agent_t.c.id)
        if active_only:
            stmt = stmt.where(agent_t.c.active.is_(True))
        return [Agent.model_validate(dict(r._mapping)) for r in (await self.conn.execute(stmt)).all()]

    async def save_agent(self, email: str, name: str, role: str, operator: str | None = None,
                         active: bool = True) -> tuple[Agent, bool]:
        """Create the agent ``email`` (lower-cased) or update its name, role, operator and active flag.
        Returns ``(agent, created)``."""
        email = email.strip().lower()
        existing = await self.get_agent_by_email(email)
        values = {"name": name, "role": role, "operator": operator, "active": active}
        if existing is None:
            await self.conn.execute(sa.insert(agent_t).values(email=email, created_at=utcnow(), **values))
        else:
            await self.conn.execute(sa.update(agent_t).where(agent_t.c.id == existing.id).values(**values))
        agent = await self.get_agent_by_email(email)
        assert agent is not None
        return agent, existing is None

    async def agent_logged_in(self, agent_id: int, oidc_sub: str | None = None) -> None:
        values: dict[str, Any] = {"last_login_at": utcnow()}
        if oidc_sub:
            values["oidc_sub"] = oidc_sub
        await self.conn.execute(sa.update(agent_t).where(agent_t.c.id == agent_id).values(**values))

    async def create_login_token(self, agent_id: int, token_hash: str, valid_for: timedelta) -> None:
        now = utcnow()
        await self.conn.execute(sa.insert(login_token_t).values(
            token_hash=token_hash, agent_id=agent_id, created_at=now, expires_at=now + valid_for))

    async def consume_login_token(self, token_hash: str, now: datetime | None = None) -> Agent | None:
        """Use a login link once: the agent if the token exists, is unused, unexpired and the agent active; None
        otherwise. The update is conditional, so two concurrent uses cannot both succeed."""
        now = as_utc_datetime(now) or utcnow()
        row = (await self.conn.execute(
            sa.select(login_token_t.c.agent_id).where(login_token_t.c.token_hash == token_hash))).first()
        if row is None:
            return None
        result = await self.conn.execute(
            sa.update(login_token_t)
            .where(login_token_t.c.token_hash == token_hash, login_token_t.c.used_at.is_(None),
                   login_token_t.c.expires_at > now)
            .values(used_at=now)
        )
        if result.rowcount != 1:
            return None
        agent = await self.get_agent(row.agent_id)
        return agent if agent is not None and agent.active else None

    async def count_login_attempts(self, key: str, since: datetime) -> int:
        stmt = sa.select(sa.func.count()).select_from(login_attempt_t).where(
            login_attempt_t.c.key == key[:200], login_attempt_t.c.at >= as_utc_datetime(since))
        return int((await self.conn.execute(stmt)).scalar_one())

    async def record_login_attempt(self, key: str, prune_before: datetime | None = None) -> None:
        await self.conn.execute(sa.insert(login_attempt_t).values(key=key[:200], at=utcnow()))
        if prune_before is not None:
            await self.conn.execute(
                sa.delete(login_attempt_t).where(login_attempt_t.c.at < as_utc_datetime(prune_before)))
