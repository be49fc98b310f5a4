"""Migration 0013_attachments (issue 20): the attachment and mail_message tables, up from 0009 and back."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.store import db

pytestmark = pytest.mark.asyncio


async def _tables(engine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: sa.inspect(c).get_table_names()))


async def test_attachments_migration_up_and_down(database_url: str) -> None:
    from alembic import command

    engine = db.make_engine(database_url)
    try:
        await db.upgrade(engine, "0009_rate_limits")
        assert "attachment" not in await _tables(engine)
        await db.upgrade(engine, "0013_attachments")
        assert {"attachment", "mail_message"} <= await _tables(engine)
        async with engine.begin() as conn:
            await conn.run_sync(lambda c: command.downgrade(db.alembic_config(c), "0009_rate_limits"))
        assert not ({"attachment", "mail_message"} & await _tables(engine))
        await db.upgrade(engine)
        assert "attachment" in await _tables(engine)
    finally:
        await engine.dispose()
