"""Stored working days (request.first_action_wd) leave public holidays out, old rows included (0008_working_days),
with the deployment's département; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from bot.store import db, workdays
from bot.store.models import RequestDraft
from bot.store.repository import Store
from bot.store.tables import request_t

THU = dt.datetime(2026, 4, 30, 9, 0)  # Friday 1 May and Friday 8 May 2026 are holidays
MON_11 = dt.datetime(2026, 5, 11, 9, 0)
APR_2, APR_7 = dt.datetime(2026, 4, 2, 9, 0), dt.datetime(2026, 4, 7, 9, 0)  # Good Friday 3, Easter Monday 6


async def _request(store: Store, created: dt.datetime) -> str:
    async with store.unit() as uow:
        rec = await uow.create_request(RequestDraft(channel="telegram", user_id="1", chat_id="1",
                                                    commune_code="90010", commune_name="Belfort", description="x"))
        await uow.conn.execute(sa.update(request_t).where(request_t.c.reference == rec.reference)
                               .values(created_at=created))
    return rec.reference


async def _wd(store: Store, ref: str) -> int | None:
    async with store.unit(readonly=True) as uow:
        return (await uow.conn.execute(sa.select(request_t.c.first_action_wd)
                                       .where(request_t.c.reference == ref))).scalar_one()


async def test_first_action_counts_holidays_out(database_url: str) -> None:
    store = await Store.open(database_url, departement="90", timezone_name="Europe/Paris")
    try:
        assert workdays.configured_departement() == "90"  # the store's département, for the whole process
        ref = await _request(store, THU)
        async with store.unit() as uow:
            await uow._note_first_action(ref, "question", {}, MON_11.replace(tzinfo=dt.timezone.utc))
        assert await _wd(store, ref) == 5  # 4, 5, 6, 7, 11 May (7 without the holidays)
        store.departement = "57"  # the same store in Moselle: Good Friday is a holiday there
        ref = await _request(store, APR_2)
        async with store.unit() as uow:
            await uow._note_first_action(ref, "status", {"to": "en_cours"}, APR_7.replace(tzinfo=dt.timezone.utc))
        assert await _wd(store, ref) == 1
    finally:
        await store.close()
        workdays.configure(None)


async def _rows_at_0007(database_url: str, departement: str) -> list[tuple[str, int | None]]:
    engine = db.make_engine(database_url)
    try:
        await db.upgrade(engine, "0007_webchat")
        rows = [("90-2026-0001", THU, MON_11, 7),  # counted Monday to Friday by 0006
                ("90-2026-0002", APR_2, APR_7, 2),
                ("90-2026-0003", dt.datetime(2026, 3, 2, 9), dt.datetime(2026, 3, 9, 9), 5),  # no holiday
                ("90-2026-0004", THU, None, None)]  # no action yet
        async with engine.begin() as conn:
            for ref, created, first, wd in rows:
                await conn.execute(sa.insert(request_t).values(
                    reference=ref, status="en_cours", created_at=created, updated_at=created, channel="telegram",
                    user_id="1", chat_id="1", description="x", themes=[], help_kinds=[], matches=[],
                    first_action_at=first, first_action_wd=wd))
        await db.upgrade(engine, departement=departement)
        async with engine.connect() as conn:
            return [tuple(r) for r in (await conn.execute(sa.text(
                "SELECT reference, first_action_wd FROM request ORDER BY reference"))).all()]
    finally:
        await engine.dispose()


async def test_migration_0008_recomputes_stored_working_days(database_url: str) -> None:
    assert await _rows_at_0007(database_url, "90") == [
        ("90-2026-0001", 5), ("90-2026-0002", 2), ("90-2026-0003", 5), ("90-2026-0004", None)]


async def test_migration_0008_with_alsace_moselle_holidays(database_url: str) -> None:
    assert dict(await _rows_at_0007(database_url, "67"))["90-2026-0002"] == 1  # Good Friday, Easter Monday


async def test_app_start_counts_with_the_settings_departement(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The settings handed to App.start decide the holidays (and the references), not a stray environment."""
    from bot.app import App
    from bot.config import load_settings

    monkeypatch.setenv("GUICHET_DEPARTEMENT", "90")
    app = await App.start(load_settings(departement="68", database_url=f"sqlite:///{tmp_path / 'g.db'}"))
    try:
        assert app.store.departement == "68" and workdays.configured_departement() == "68"
        assert workdays.working_days_between(APR_2, APR_7) == 1  # Good Friday in Haut-Rhin
    finally:
        await app.close()
        workdays.configure(None)
