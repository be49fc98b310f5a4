"""The person remembered between requests (table ``people``, migration 0003_people): saved, read back, shown by
/mesdonnees, erased by /supprimer, purged when idle as long as a closed request is kept (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.store import retention
from bot.store.models import RequestDraft


async def test_person_saved_updated_shown_erased(store) -> None:
    async with store.unit() as uow:
        assert await uow.get_person("telegram", "7") is None
        await uow.save_person("telegram", "7", name="Marie Dupont", phone="+33612345678", email=None, role="maire",
                              commune_code="90052", commune_name="Giromagny")
        await uow.save_person("telegram", "7", name="Marie Dupont", phone=None, email="marie@giromagny.fr",
                              role="maire")
    async with store.unit() as uow:
        person = await uow.get_person("telegram", "7")
        assert person == {"name": "Marie Dupont", "phone": "+33612345678", "email": "marie@giromagny.fr",
                          "role": "maire", "commune_code": "90052", "commune_name": "Giromagny"}
        assert await uow.get_person("console", "7") is None  # per channel
        held = await retention.personal_data(uow, "telegram", "7")
    assert held["person"]["email"] == "marie@giromagny.fr"
    await retention.erase_personal_data(store, "telegram", "7", actor="telegram:7")
    async with store.unit() as uow:
        assert await uow.get_person("telegram", "7") is None


async def test_purge_forgets_idle_people_without_open_requests(store) -> None:
    async with store.unit() as uow:
        await uow.save_person("telegram", "idle", name="A B")
        await uow.save_person("telegram", "busy", name="C D")
        await uow.create_request(RequestDraft(channel="telegram", user_id="busy", chat_id="busy", description="x"))
    later = datetime.now(timezone.utc) + timedelta(days=3 * 366)
    dry = await retention.purge(store, now=later, dry_run=True)
    assert dry.people_deleted == 1
    report = await retention.purge(store, now=later)
    assert report.people_deleted == 1
    async with store.unit() as uow:
        assert await uow.get_person("telegram", "idle") is None
        assert await uow.get_person("telegram", "busy") is not None  # an open request: kept
