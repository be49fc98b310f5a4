"""A file sent in the conversation (issue 20, every channel): kept in the one attachments store
(:mod:`bot.store.attachments`: size limits, types checked by content, generated names outside the web root).

* During an intake (or with a draft), the file belongs to the conversation (``owner`` = ``<channel>:<chat id>``)
  and is attached to the request when it is filed (:meth:`FilesMixin.attach_kept`).
* After filing, it goes to the person's latest open request: an ``attachment_added`` event (the console's history)
  and a notice to the staff group.
* A caption typed with the file is read like any message.
"""

from __future__ import annotations

from typing import Any

from bot.dialogue.events import Reply
from bot.store import attachments as A
from bot.store.models import OPEN_STATUSES, STAFF_CHANNEL
from bot.texts import files as TF

class FilesMixin:
    @property
    def files_owner(self) -> str:
        return f"{self.ev.channel}:{self.ev.chat_id}"

    async def latest_open_request(self) -> Any:
        records = await self.uow.list_requests(channel=self.ev.channel, user_id=str(self.ev.user_id),
                                               status=sorted(OPEN_STATUSES), limit=1)
        return records[0] if records else None

    async def on_file(self) -> list[Reply]:
        files = list(self.ev.files or [])
        target = None
        if not self.in_intake() and not self.has_draft():
            record = await self.latest_open_request()
            target = record.reference if record is not None else None
        refused = [A.Refused(A.safe_name(f.name), f.refused) for f in files if f.refused]
        todo = [(f.name, f.data) for f in files if not f.refused]
        kept: list[A.Kept] = []
        if todo:
            source = f"{self.ev.channel}:{self.ev.update_key or self.now().isoformat()}"
            kept, more = await A.keep(self.uow, self.settings, owner=self.files_owner, files=todo, source=source,
                                      reference=target)
            refused += more
        items = [TF.named(k.name, k.size) for k in kept]
        out: list[Reply] = []
        if kept:
            if target:
                await self.uow.log_event(target, self.actor, "attachment_added", {
                    "channel": self.ev.channel,
                    "attachments": [{"name": k.name, "type": k.content_type, "size": k.size} for k in kept]})
                await self.uow.enqueue("staff_request_appended", STAFF_CHANNEL, self.staff_chat(),
                                       TF.staff_added(target, items), None, target,
                                       dedup_key=f"files:{target}:{self.ev.update_key or kept[0].id}", meta={})
                out.append(Reply(TF.kept_request(target, items)))
            elif self.in_intake() or self.has_draft():
                out.append(Reply(TF.kept_draft(items)))
            else:
                out.append(Reply(TF.kept_no_request(items)))
        limit = int(getattr(self.settings, "attachment_max_bytes", 10_000_000))
        total = int(getattr(self.settings, "attachments_max_request_bytes", 25_000_000))
        if refused:
            out.append(Reply("\n".join(TF.refused(r.name, r.reason, limit, total) for r in refused)))
        caption = (self.ev.text or "").strip()
        if caption:
            return out + await self.on_text(caption)
        return out + self.prompt()

    async def drop_kept_files(self) -> None:
        """The intake is cancelled or the person's data erased: the files kept with the conversation are deleted."""
        await A.drop_pending(self.uow, self.settings, self.files_owner)

    async def attach_kept(self, reference: str) -> list[dict[str, Any]]:
        """At filing: the files kept with the conversation are now the request's. Returns the request's files."""
        await A.attach_pending(self.uow, self.files_owner, reference)
        return await A.list_for(self.uow, reference)
