"""Command-line runs against the configured database, one way for every command (``guichet agents``, ``export``,
``stats``, ``purge``, ``db upgrade``): read the settings now, open the store, say what went wrong in a sentence.
Exit codes: 2 bad configuration or usage, 1 database unavailable, else what the command returns."""

from __future__ import annotations

import asyncio
import sys
from typing import Any, Awaitable, Callable


def settings_or_none() -> Any:
    """The settings read from the environment now; None (the error said on stderr) when they are not valid."""
    from bot.config import load_settings
    from bot.texts import staff as T

    try:
        return load_settings()
    except Exception as exc:  # noqa: BLE001 - bad environment: say it, don't trace back
        print(T.CLI_BAD_CONFIG.format(error=exc), file=sys.stderr)
        return None


def run_with_store(body: Callable[[Any, Any], Awaitable[int]],
                   usage_errors: tuple[type[Exception], ...] = ()) -> int:
    """Run ``body(store, settings)`` on the configured database; ``usage_errors`` are said as they are (exit 2)."""
    from bot.store.db import DatabaseUrlError, redact
    from bot.store.repository import Store, StoreUnavailable
    from bot.texts import staff as T

    settings = settings_or_none()
    if settings is None:
        return 2

    async def go() -> int:
        store = await Store.open(settings.database_url, settings.departement, timezone_name=settings.timezone)
        try:
            return await body(store, settings)
        finally:
            await store.close()

    try:
        return asyncio.run(go())
    except usage_errors as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except DatabaseUrlError as exc:
        print(T.CLI_BAD_URL.format(error=exc), file=sys.stderr)
        return 2
    except StoreUnavailable as exc:
        print(T.CLI_DB_UNAVAILABLE.format(url=redact(settings.database_url), error=exc), file=sys.stderr)
        return 1
    except BrokenPipeError:  # `guichet export | head`
        return 0


def run_upgrade_cli() -> int:
    """``guichet db upgrade``: migrate the configured database to the latest revision."""
    from bot.store.db import DatabaseUrlError, current_revision, make_engine, redact, upgrade
    from bot.texts import staff as T

    settings = settings_or_none()
    if settings is None:
        return 2

    async def _go() -> str | None:
        engine = make_engine(settings.database_url)
        try:
            await upgrade(engine, departement=settings.departement)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    try:
        rev = asyncio.run(_go())
    except DatabaseUrlError as exc:
        print(T.CLI_BAD_URL.format(error=exc), file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001
        print(T.CLI_MIGRATION_FAILED.format(url=redact(settings.database_url), error=f"{type(exc).__name__}: {exc}"), file=sys.stderr)
        return 1
    print(T.CLI_DB_UPGRADED.format(url=redact(settings.database_url), revision=rev))
    return 0
