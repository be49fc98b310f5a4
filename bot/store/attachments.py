"""The attachments store (issue 20; every channel): files kept with a request.

* The type is sniffed from the content (``filetype``), never taken from the name or the declared type; only an
  allow-list is kept (PDF, images, office documents). A ``.exe`` named ``facture.pdf`` is refused.
* Limits: ``GUICHET_ATTACHMENT_MAX_BYTES`` per file, ``GUICHET_ATTACHMENTS_MAX_REQUEST_BYTES`` per request (or per
  conversation before it is filed), and at most ``GUICHET_MAIL_MAX_ATTACHMENTS`` per message.
* The bytes are written outside the web root (``GUICHET_ATTACHMENTS_DIR``, default ``<data dir>/attachments``) under
  a generated name; the row (table ``attachment``) keeps the sender's name for display only. A file is written
  before its row; a crash in between leaves an orphan file, never a row without its file. ``source_key`` (message +
  part) makes a second reading of the same message a no-op.
* A file received before the request is filed belongs to its conversation (``owner`` = ``<channel>:<chat id>``,
  ``reference`` empty) and is attached when the request is filed (:func:`attach_pending`).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bot.store.tables import attachment_t

#: Types kept (sniffed MIME → extension of the stored file).
ALLOWED: dict[str, str] = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/heic": ".heic",
    "image/tiff": ".tif",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
}
#: French names of the types, for staff (never a MIME code on screen).
TYPE_NAMES: dict[str, str] = {
    "application/pdf": "PDF", "image/jpeg": "Image JPEG", "image/png": "Image PNG", "image/gif": "Image GIF",
    "image/webp": "Image WebP", "image/heic": "Photo HEIC", "image/tiff": "Image TIFF",
    "application/msword": "Document Word", "application/vnd.oasis.opendocument.text": "Document texte (ODT)",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Document Word",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Tableur Excel",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "Présentation PowerPoint",
    "application/vnd.oasis.opendocument.spreadsheet": "Tableur (ODS)",
    "application/vnd.oasis.opendocument.presentation": "Présentation (ODP)",
}


@dataclass
class Kept:
    id: int
    name: str
    content_type: str
    size: int


@dataclass
class Refused:
    name: str
    reason: str  # "type" | "too_big" | "request_full" | "too_many" | "empty"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def store_dir(settings: Any) -> Path:
    configured = getattr(settings, "attachments_dir", None)
    if configured:
        return Path(configured).expanduser()
    from bot.config import default_data_dir

    return default_data_dir() / "attachments"


def sniff(data: bytes) -> str | None:
    """The MIME type read from the content, when it is one we keep."""
    import filetype

    if not data:
        return None
    try:
        kind = filetype.guess(data[:8192] if len(data) > 8192 else data)
    except Exception:  # noqa: BLE001
        return None
    if kind is None:
        return None
    return kind.mime if kind.mime in ALLOWED else None


def safe_name(name: str) -> str:
    """The sender's file name, for display and for the download's ``filename=`` only (never a path)."""
    name = os.path.basename(str(name or "").replace("\\", "/"))
    name = re.sub(r"[\x00-\x1f\x7f\"<>|:*?]", "_", name).strip(" .") or "piece-jointe"
    return name[:200]


def _write(directory: Path, stored: str, data: bytes) -> None:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = directory / (stored + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, directory / stored)


async def used_bytes(uow: Any, owner: str, reference: str | None) -> int:
    cond = attachment_t.c.reference == reference if reference else sa.and_(attachment_t.c.owner == owner,
                                                                            attachment_t.c.reference.is_(None))
    return int((await uow.conn.execute(sa.select(sa.func.coalesce(sa.func.sum(attachment_t.c.size), 0))
                                       .where(cond))).scalar() or 0)


async def keep(uow: Any, settings: Any, *, owner: str, files: list[tuple[str, bytes]], source: str,
               reference: str | None = None) -> tuple[list[Kept], list[Refused]]:
    """Keep the allowed files of one message in the caller's unit. ``source`` identifies the message (the part's
    index is added): the same message read twice keeps its files once."""
    kept: list[Kept] = []
    refused: list[Refused] = []
    per_file = int(getattr(settings, "attachment_max_bytes", 10_000_000))
    per_request = int(getattr(settings, "attachments_max_request_bytes", 25_000_000))
    max_count = int(getattr(settings, "mail_max_attachments", 10))
    used = await used_bytes(uow, owner, reference)
    directory = store_dir(settings)
    for index, (raw_name, data) in enumerate(files):
        name = safe_name(raw_name)
        source_key = f"{source}:{index}"[:200]
        existing = (await uow.conn.execute(sa.select(attachment_t).where(attachment_t.c.source_key == source_key))).first()
        if existing is not None:
            kept.append(Kept(existing.id, existing.name, existing.content_type, existing.size))
            continue
        if index >= max_count:
            refused.append(Refused(name, "too_many"))
            continue
        if not data:
            refused.append(Refused(name, "empty"))
            continue
        if len(data) > per_file:
            refused.append(Refused(name, "too_big"))
            continue
        mime = sniff(data)
        if mime is None:
            refused.append(Refused(name, "type"))
            continue
        if used + len(data) > per_request:
            refused.append(Refused(name, "request_full"))
            continue
        stored = secrets.token_hex(16) + ALLOWED[mime]
        await asyncio.to_thread(_write, directory, stored, data)
        row = (await uow.conn.execute(sa.insert(attachment_t).values(
            reference=reference, owner=owner[:200], name=name, content_type=mime, size=len(data),
            stored_name=stored, sha256=hashlib.sha256(data).hexdigest(), source_key=source_key, at=utcnow(),
        ).returning(attachment_t.c.id))).first()
        used += len(data)
        kept.append(Kept(int(row[0]), name, mime, len(data)))
    return kept, refused


async def attach_pending(uow: Any, owner: str, reference: str) -> int:
    """Files kept with a conversation before its request was filed: now the request's."""
    result = await uow.conn.execute(sa.update(attachment_t).where(attachment_t.c.owner == owner,
                                                                  attachment_t.c.reference.is_(None))
                                    .values(reference=reference))
    return int(result.rowcount or 0)


async def drop_pending(uow: Any, settings: Any, owner: str) -> int:
    """Files kept with a conversation that will not be filed (the intake cancelled, the person's data erased): their
    rows are deleted, then their files (best effort, off the event loop). Should the unit then fail to commit, the
    rows come back without their files: the console answers 404 for them, never an error."""
    cond = sa.and_(attachment_t.c.owner == owner, attachment_t.c.reference.is_(None))
    names = [r[0] for r in (await uow.conn.execute(sa.select(attachment_t.c.stored_name).where(cond))).all()]
    if not names:
        return 0
    await uow.conn.execute(sa.delete(attachment_t).where(cond))

    def unlink() -> None:
        for name in names:
            try:
                path_of(settings, name).unlink(missing_ok=True)
            except (OSError, ValueError):
                pass

    await asyncio.to_thread(unlink)
    return len(names)


async def list_for(uow: Any, reference: str) -> list[dict[str, Any]]:
    rows = (await uow.conn.execute(sa.select(attachment_t).where(attachment_t.c.reference == reference)
                                   .order_by(attachment_t.c.id))).all()
    return [{"id": r.id, "name": r.name, "type": r.content_type, "size": r.size, "at": r.at} for r in rows]


async def get(uow: Any, reference: str, attachment_id: int) -> Any:
    return (await uow.conn.execute(sa.select(attachment_t).where(attachment_t.c.id == attachment_id,
                                                                 attachment_t.c.reference == reference))).first()


def path_of(settings: Any, stored_name: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}\.[a-z]{2,5}", stored_name or ""):
        raise ValueError("bad stored name")
    return store_dir(settings) / stored_name


# --- retention (``guichet purge``) ------------------------------------------------------------------------------------
#: A file in the store without a row is deleted once it is this old: a file is written before its row is committed,
#: so a younger one may belong to a message being handled right now.
ORPHAN_GRACE = timedelta(days=1)


async def delete_rows(uow: Any, cond: Any, dry_run: bool = False) -> list[str]:
    """Delete the attachment rows matching ``cond`` in the caller's unit; returns their stored names (whose files
    the caller unlinks with :func:`unlink_files`, once the rows are gone). ``dry_run``: only read the names."""
    names = [r[0] for r in (await uow.conn.execute(sa.select(attachment_t.c.stored_name).where(cond))).all()]
    if names and not dry_run:
        await uow.conn.execute(sa.delete(attachment_t).where(cond))
    return names


async def unlink_files(settings: Any, names: list[str]) -> int:
    """Delete stored files by name (off the event loop, best effort: a file already gone counts as deleted; one the
    system refuses is left for the orphan sweep)."""
    def unlink() -> int:
        count = 0
        for name in names:
            try:
                path_of(settings, name).unlink(missing_ok=True)
                count += 1
            except (OSError, ValueError):
                pass
        return count

    return await asyncio.to_thread(unlink) if names else 0


async def sweep_orphans(uow: Any, settings: Any, now: datetime | None = None, grace: timedelta = ORPHAN_GRACE,
                        dry_run: bool = False) -> int:
    """Files of the store that no row names (a crash between writing a file and committing its row, a row deleted
    whose file could not be), older than ``grace``, and leftover ``.tmp`` files as old: deleted. Returns how many
    (that would be, with ``dry_run``).

    Only in a directory named by ``GUICHET_ATTACHMENTS_DIR``: the default one (``<data dir>/attachments``) may be
    shared by several databases on one machine (a demo, a test run of ``guichet purge``), and a file another
    database names would look like an orphan here."""
    if not getattr(settings, "attachments_dir", None):
        return 0
    directory = store_dir(settings)
    if not directory.is_dir():
        return 0
    known = {r[0] for r in (await uow.conn.execute(sa.select(attachment_t.c.stored_name))).all()}
    cutoff = ((now or utcnow()) - grace).timestamp()

    def sweep() -> int:
        count = 0
        for path in directory.iterdir():
            name = path.name
            stored = name[:-4] if name.endswith(".tmp") else name
            if not re.fullmatch(r"[0-9a-f]{32}\.[a-z]{2,5}", stored) or (name == stored and name in known):
                continue  # not one of ours (never touched), or a kept file
            try:
                if not path.is_file() or path.stat().st_mtime >= cutoff:
                    continue
                if not dry_run:
                    path.unlink(missing_ok=True)
                count += 1
            except OSError:
                pass
        return count

    return await asyncio.to_thread(sweep)
