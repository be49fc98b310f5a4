"""The retention purge and the attachments store (issue 20): the files of the requests it anonymises are deleted
(rows and files), so are the files of a conversation never filed once it is idle, and files no row names (a crash
between writing a file and committing its row) once a day old; a dry run deletes nothing. SQLite and PostgreSQL."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa

from bot.store import attachments as A
from bot.store import retention
from bot.store.models import ConversationState
from bot.store.repository import Store
from bot.store.tables import attachment_t
from tests.integration.test_export import seed

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002"
                    "000154a24f5d0000000049454e44ae426082")


def _settings(tmp_path: Path) -> SimpleNamespace:
    return SimpleNamespace(attachments_dir=str(tmp_path / "files"), attachment_max_bytes=1_000_000,
                           attachments_max_request_bytes=5_000_000, mail_max_attachments=10)


async def _names(store: Store) -> dict[str, str | None]:
    async with store.unit(readonly=True) as uow:
        rows = (await uow.conn.execute(sa.select(attachment_t.c.stored_name, attachment_t.c.reference))).all()
    return {r[0]: r[1] for r in rows}


async def test_purge_deletes_the_files_of_anonymised_requests_and_idle_conversations(store: Store,
                                                                                      tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    a, b, c = await seed(store)  # c is closed: anonymised two years later
    async with store.unit() as uow:
        await A.keep(uow, settings, owner="telegram:2002", files=[("devis.pdf", PDF)], source="m1", reference=c)
        await A.keep(uow, settings, owner="telegram:1001", files=[("photo.png", PNG)], source="m2", reference=a)
        # received before filing, in a conversation that went idle / one still alive
        await A.keep(uow, settings, owner="email:idle@commune.test", files=[("plan.pdf", PDF)], source="m3")
        await A.keep(uow, settings, owner="telegram:9", files=[("note.pdf", PDF)], source="m4")
    kept = await _names(store)
    assert len(kept) == 4 and all(A.path_of(settings, n).exists() for n in kept)
    of_c = next(n for n, ref in kept.items() if ref == c)
    of_a = next(n for n, ref in kept.items() if ref == a)
    later = datetime.now(timezone.utc) + timedelta(days=2 * 366)
    async with store.unit() as uow:  # the second conversation is alive at the time of the purge
        await uow.save_conversation(ConversationState(channel="telegram", chat_id="9", user_id="9", step="need"))
        await uow.conn.execute(sa.text("UPDATE conversation SET updated_at = :t WHERE chat_id = '9'"),
                               {"t": later.replace(tzinfo=None) - timedelta(days=1)})
    orphan = A.store_dir(settings) / ("ab" * 16 + ".pdf")
    orphan.write_bytes(PDF)
    young_orphan = A.store_dir(settings) / ("cd" * 16 + ".pdf")
    young_orphan.write_bytes(PDF)
    half_written = A.store_dir(settings) / ("ef" * 16 + ".pdf.tmp")
    half_written.write_bytes(PDF[:10])
    not_ours = A.store_dir(settings) / "README.txt"
    not_ours.write_text("kept")
    two_days_ago = time.time() - 2 * 86400
    for path in (orphan, half_written, not_ours):
        os.utime(path, (two_days_ago, two_days_ago))

    dry = await retention.purge(store, now=later, dry_run=True, settings=settings)
    assert dry.requests_anonymised == 1 and dry.attachments_deleted == 2 and dry.orphan_files_deleted >= 2
    assert await _names(store) == kept and orphan.exists() and half_written.exists()

    report = await retention.purge(store, now=later, settings=settings)
    assert report.references == [c] and report.attachments_deleted == 2
    left = await _names(store)
    assert of_c not in left and of_a in left and len(left) == 2  # the open request's file and the live one's
    assert not A.path_of(settings, of_c).exists() and A.path_of(settings, of_a).exists()
    for name in kept:
        assert A.path_of(settings, name).exists() == (name in left)
    # files no row names: old ones deleted, a young one (maybe a message being handled) and others' files kept
    assert not orphan.exists() and not half_written.exists()
    assert young_orphan.exists() and not_ours.exists()
    assert report.orphan_files_deleted == 2
    again = await retention.purge(store, now=later, settings=settings)
    assert again.attachments_deleted == 0 and again.orphan_files_deleted == 0


async def test_purge_without_attachments_dir_still_deletes_rows_of_anonymised_requests(store: Store,
                                                                                       tmp_path: Path) -> None:
    """``retention.purge`` called without settings (the old signature): rows of the anonymised requests go, no
    orphan sweep (it needs the directory)."""
    settings = _settings(tmp_path)
    a, b, c = await seed(store)
    async with store.unit() as uow:
        await A.keep(uow, settings, owner="telegram:2002", files=[("devis.pdf", PDF)], source="m1", reference=c)
    orphan = A.store_dir(settings) / ("ab" * 16 + ".pdf")
    orphan.write_bytes(PDF)
    os.utime(orphan, (time.time() - 3 * 86400,) * 2)
    report = await retention.purge(store, now=datetime.now(timezone.utc) + timedelta(days=2 * 366))
    assert report.attachments_deleted == 1 and report.orphan_files_deleted == 0
    assert await _names(store) == {}
    # the default directory (GUICHET_ATTACHMENTS_DIR unset) may be shared by several databases: never swept
    unset = SimpleNamespace(attachments_dir=None)
    assert await retention.purge(store, settings=unset) is not None
    async with store.unit(readonly=True) as uow:
        assert await A.sweep_orphans(uow, unset) == 0
    assert orphan.exists()
    assert (await retention.purge(store, settings=settings)).orphan_files_deleted == 1 and not orphan.exists()
