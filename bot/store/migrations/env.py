"""Alembic environment: runs on a connection handed over by bot.store.db (async engine via ``run_sync``).

Used standalone (``alembic -c bot/store/migrations/alembic.ini ...``), it reads ``GUICHET_DATABASE_URL`` through
``bot.config.load_settings()`` and opens the async engine itself. No URL is hard-coded.
"""

from __future__ import annotations

import asyncio

from alembic import context

from bot.store.tables import metadata

config = context.config


def _configure_and_run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite: ALTER via table copy
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    from bot.config import load_settings
    from bot.store.db import to_async_url

    url = to_async_url(config.get_main_option("sqlalchemy.url") or load_settings().database_url)
    context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return

    from bot.config import load_settings
    from bot.store.db import make_engine

    async def _run() -> None:
        engine = make_engine(config.get_main_option("sqlalchemy.url") or load_settings().database_url)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(_configure_and_run)
        finally:
            await engine.dispose()

    asyncio.run(_run())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
