"""Agents are told (issue 26): an e-mail to the request's owner — or, when nobody follows it, to the préfecture's
shared address (``GUICHET_STAFF_NOTIFY_EMAIL``) — on each person's message, operator's note and routing; the
operators' agents on a routing to their operator. Queued through the outbox (channel ``email``) in the transaction of
the event itself (``Store.news_hook``, called by ``UnitOfWork.log_event``), so a notice is never lost nor doubled.

An agent who chose the daily digest (:func:`bot.store.inbox.set_digest`) gets no e-mail per event: the digest
(:func:`digest_for`) lists their requests with news instead.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.store import inbox as store_inbox
from bot.store.models import EventRecord
from bot.texts import staff as T

log = logging.getLogger(__name__)

EMAIL_CHANNEL = "email"


class Notifier:
    def __init__(self, shared_email: str | None = None, public_url: str = "http://127.0.0.1:8000") -> None:
        self.shared_email = (shared_email or "").strip() or None
        self.public_url = public_url.rstrip("/")

    def link(self, reference: str) -> str:
        return f"{self.public_url}/console/demandes/{reference}"

    async def __call__(self, uow: Any, event: EventRecord, news: str) -> None:
        record = await uow.get_request(event.reference) if event.reference else None
        if record is None:
            return
        actor = str(event.actor or "")
        text = str((event.data or {}).get("text") or "")
        if news in ("note", "route_status") and not actor.startswith("console:"):
            return  # only the console's agents write notes; a status from the group is in the group already
        recipients: list[str] = []
        owner = await uow.get_agent(record.assigned_agent_id) if record.assigned_agent_id else None
        if owner is not None and owner.active:
            if actor != f"console:{owner.id}" and not await store_inbox.wants_digest(uow, owner.id):
                recipients.append(owner.email)
        elif self.shared_email and not actor.startswith("console:"):
            recipients.append(self.shared_email)
        if news == "routed":  # the operator's agents are told of a routing to them
            key = _operator_key((event.data or {}).get("operator"))
            for a in await uow.list_agents(active_only=True):
                if key and a.operator == key and a.email not in recipients:
                    recipients.append(a.email)
        if news == "note" and (event.data or {}).get("visibility") == "prefecture":
            recipients = [r for r in recipients if r != self.shared_email or owner is None]
        subject = T.notice_subject(news, record.reference, record.commune_name)
        body = T.notice_body(news, record.reference, record.commune_name, text, self.link(record.reference))
        for to in recipients:
            await uow.enqueue("staff_notice", EMAIL_CHANNEL, "staff", body, None, record.reference,
                              dedup_key=f"notice:{event.id}:{to}"[:255], meta={"to": to, "subject": subject})


def _operator_key(label: Any) -> str | None:
    from bot.staff.service import resolve_operator

    found = resolve_operator(str(label or "")) if label else None
    return found[0] if found else None


def install(store: Any, shared_email: str | None = None, public_url: str = "http://127.0.0.1:8000") -> Notifier:
    """Attach the notifier to ``store`` (the composition root does it at start)."""
    notifier = Notifier(shared_email, public_url)
    store.news_hook = notifier
    return notifier
