"""Database engine: URL mapping to async drivers, SQLite pragmas and transaction start, alembic upgrade.

``GUICHET_DATABASE_URL`` is a plain SQLAlchemy URL (``sqlite:///path/guichet.db``, ``postgresql://user@host/db``);
the async driver is chosen here (``sqlite+aiosqlite``, ``postgresql+asyncpg``). Already-async URLs are accepted.

SQLite: WAL, a busy timeout, foreign keys; SQLAlchemy emits the ``BEGIN`` itself (the sqlite3 driver's legacy
transaction control is disabled), ``BEGIN IMMEDIATE`` by default so that writers serialise at the start of a unit
instead of failing on lock upgrade; read-only units use a deferred ``BEGIN``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 5000
#: Execution option read by the SQLite ``begin`` hook: "IMMEDIATE" (default) or "DEFERRED".
BEGIN_MODE_OPTION = "guichet_sqlite_begin"
#: Key of the PostgreSQL advisory lock taken around migrations (any constant bigint).
MIGRATION_LOCK_KEY = 0x6775696368657401  # "guichet" + 1


class DatabaseUrlError(ValueError):
    """The database URL is not one we can use."""


def to_async_url(url: str | URL) -> URL:
    """Map a plain SQLAlchemy URL to its async driver; accept already-async URLs."""
    try:
        parsed = make_url(str(url)) if not isinstance(url, URL) else url
    except Exception as exc:  # noqa: BLE001 - sqlalchemy raises ArgumentError; message is what matters
        raise DatabaseUrlError(f"invalid database URL: {exc}") from None
    backend = parsed.get_backend_name()
    driver = parsed.get_driver_name()
    if backend == "sqlite":
        if driver != "aiosqlite":
            parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif backend == "postgresql":
        if driver != "asyncpg":
            parsed = parsed.set(drivername="postgresql+asyncpg")
    else:
        raise DatabaseUrlError(f"unsupported database backend {backend!r} (use sqlite or postgresql)")
    return parsed


def redact(url: str | URL) -> str:
    """The URL without its password, for logs."""
    try:
        return (make_url(str(url)) if not isinstance(url, URL) else url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001
        return "<invalid url>"


def _sqlite_path(url: URL) -> Path | None:
    db = url.database
    if not db or db == ":memory:" or db.startswith("file:"):
        return None
    return Path(db).expanduser()


def clean_text(value: str) -> str:
    """What any database accepts: no NUL (PostgreSQL refuses it in text and JSON) and no lone surrogate."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def clean_value(value: Any) -> Any:
    """:func:`clean_text` applied to every string inside ``value`` (dicts, lists, tuples)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(clean_value(v) for v in value)
    return value


def _json_serializer(obj: Any) -> str:
    return json.dumps(clean_value(obj), ensure_ascii=False)


def _install_cleaning(engine: AsyncEngine) -> None:
    """Every bound string is cleaned (see :func:`clean_text`): bad input never turns into a database error."""

    @event.listens_for(engine.sync_engine, "before_cursor_execute", retval=True)
    def _clean(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> Any:
        if parameters:
            if executemany and isinstance(parameters, list):
                parameters = [clean_value(p) for p in parameters]
            else:
                parameters = clean_value(parameters)
        return statement, parameters


def make_engine(url: str | URL, **kwargs: Any) -> AsyncEngine:
    """Create the async engine for ``url`` with the per-backend settings (see module doc)."""
    async_url = to_async_url(url)
    kwargs.setdefault("json_serializer", _json_serializer)
    busy_ms = int(kwargs.pop("sqlite_busy_timeout_ms", SQLITE_BUSY_TIMEOUT_MS))
    if async_url.get_backend_name() == "sqlite":
        path = _sqlite_path(async_url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            async_url = async_url.set(database=str(path))
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args.setdefault("timeout", busy_ms / 1000)
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
        kwargs.setdefault("pool_timeout", 60)
        engine = create_async_engine(async_url, connect_args=connect_args, **kwargs)
        _install_sqlite_hooks(engine, busy_ms)
        _install_cleaning(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_timeout", 60)
    engine = create_async_engine(async_url, **kwargs)
    _install_cleaning(engine)
    return engine


def _install_sqlite_hooks(engine: AsyncEngine, busy_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:  # pragma: no branch
        # Let SQLAlchemy emit BEGIN (see module doc); sqlite3 still emits COMMIT/ROLLBACK.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get(BEGIN_MODE_OPTION, "IMMEDIATE")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN")


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def is_postgres(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "postgresql"


# --- migrations -----------------------------------------------------------------------------------------------------
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: The newest revision in ``migrations/versions``. A test checks it equals alembic's head, so it cannot drift. It lets
#: a start on an up-to-date database skip importing alembic (about 0.1–0.15 s of start-up).
HEAD_REVISION = "0013_attachments"  # the newest migration (chain: docs/architecture.md, Storage)


def alembic_config(connection: Any = None, departement: str | None = None) -> Any:
    """An alembic ``Config`` for the packaged migrations (works from an installed wheel); ``departement`` (the
    deployment's) is for migrations that compute working days (``0008_working_days``)."""
    from alembic.config import Config

    cfg = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    if departement:
        cfg.attributes["departement"] = departement
    return cfg


def _upgrade_sync(connection: Any, revision: str, departement: str | None = None) -> None:
    from alembic import command

    command.upgrade(alembic_config(connection, departement), revision)


async def upgrade(engine: AsyncEngine, revision: str = "head", departement: str | None = None) -> None:
    """Upgrade the schema to ``revision`` in one transaction.

    PostgreSQL: a transaction-scoped advisory lock serialises processes that start at once (the second one waits,
    then finds the schema at head). SQLite: ``BEGIN IMMEDIATE`` does the same.
    """
    if revision == "head" and await _stored_revision(engine) == HEAD_REVISION:
        return
    async with engine.begin() as conn:
        if is_postgres(engine):
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
        await conn.run_sync(_upgrade_sync, revision, departement)


async def _stored_revision(engine: AsyncEngine) -> str | None:
    """The revision recorded in ``alembic_version``, read without alembic; None when there is none yet."""
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one_or_none()
    except Exception:  # noqa: BLE001 - no table yet (fresh database) or unreadable: let alembic decide
        return None


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def _get(sync_conn: Any) -> str | None:
        return MigrationContext.configure(sync_conn).get_current_revision()

    async with engine.connect() as conn:
        return await conn.run_sync(_get)
