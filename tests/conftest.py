"""Shared fixtures.

``database_url`` is parametrised over SQLite (a fresh file under ``tmp_path``) and PostgreSQL (a fresh database per
test, dropped afterwards, on the server of ``GUICHET_TEST_POSTGRES_URL``). PostgreSQL cases are marked ``postgres``
and skip cleanly when the variable is unset or the server does not answer. Both are plain (sync-driver) SQLAlchemy
URLs, as a user would put in ``GUICHET_DATABASE_URL``.

``store`` opens a migrated :class:`bot.store.repository.Store` on ``database_url`` (département 90).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

POSTGRES_ENV = "GUICHET_TEST_POSTGRES_URL"

_pg_state: dict[str, object] = {}


def _pg_admin_url() -> tuple[str | None, str]:
    """(URL of a database we can connect to for CREATE/DROP DATABASE, reason when unusable). Cached per session."""
    if "result" in _pg_state:
        return _pg_state["result"]  # type: ignore[return-value]
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if not url:
        result: tuple[str | None, str] = (None, f"{POSTGRES_ENV} is not set")
    else:
        try:
            import psycopg

            with psycopg.connect(_libpq(url), connect_timeout=3, autocommit=True) as conn:
                conn.execute("SELECT 1")
            result = (url, "")
        except Exception as exc:  # noqa: BLE001 - any failure means "no server": skip cleanly
            result = (None, f"PostgreSQL at {POSTGRES_ENV} does not answer: {type(exc).__name__}")
    _pg_state["result"] = result
    return result


def _libpq(url: str) -> str:
    """SQLAlchemy URL → libpq URL (drop a ``+driver``)."""
    from sqlalchemy.engine import make_url

    u = make_url(url).set(drivername="postgresql")
    return u.render_as_string(hide_password=False)


def _with_database(url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql", database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    url, reason = _pg_admin_url()
    if url is None:
        pytest.skip(reason)
    return url


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test (dropped afterwards)."""
    import psycopg

    name = f"guichet_t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_libpq(postgres_admin_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(postgres_admin_url, name)
    finally:
        with psycopg.connect(_libpq(postgres_admin_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file (its parent directory does not exist yet: the store creates it)."""
    return f"sqlite:///{tmp_path / 'data' / 'guichet.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[object]:
    from bot.store.repository import Store

    s = await Store.open(database_url, departement="90", timezone_name="Europe/Paris")
    try:
        yield s
    finally:
        await s.close()
