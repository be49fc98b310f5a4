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
        if news == store_inbox.OWNER_CHANGED:  # the previous owner is told who took the request over
            previous = await uow.get_agent(int((event.data or {})["from_agent_id"]))
            if previous is not None and previous.active and actor != f"console:{previous.id}":
                text = T.owner_changed_text(str((event.data or {}).get("to") or ""))
                await uow.enqueue("staff_notice", EMAIL_CHANNEL, "staff",
                                  T.notice_body(news, record.reference, record.commune_name, text,
                                                self.link(record.reference)), None, record.reference,
                                  dedup_key=f"notice:{event.id}:{previous.email}"[:255],
                                  meta={"to": previous.email,
                                        "subject": T.notice_subject(news, record.reference, record.commune_name)})
            return
        owner = await uow.get_agent(record.assigned_agent_id) if record.assigned_agent_id else None
        if owner is not None and owner.active:
            if actor != f"console:{owner.id}" and not await store_inbox.wants_digest(uow, owner.id):
                recipients.append(owner.email)
        elif self.shared_email and not actor.startswith("console:"):
            recipients.append(self.shared_email)
        if news == "note" and (event.data or {}).get("for_operator"):  # a message to the operator, when routing
            key = str((event.data or {})["for_operator"])
            for a in await uow.list_agents(active_only=True):
                if a.operator == key and a.email not in recipients and actor != f"console:{a.id}":
                    recipients.append(a.email)
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


async def daily_notices(store: Any, notifier: Notifier, response_days: int, now: Any = None) -> dict[str, int]:
    """Once a day (``guichet agents notices``, from cron or the jobs): an e-mail per overdue request (still
    « nouvelle » after the commitment) to its owner or the shared address, once per request; and the digest of each
    agent who chose it (their requests with news they have not read), once per agent and day. Idempotent."""
    import sqlalchemy as sa

    from bot.store.models import NOUVELLE
    from bot.store.tables import agent_setting_t, request_t, utcnow
    from bot.store.workdays import late_cutoff

    now = now or utcnow()
    counts = {"overdue": 0, "digests": 0}
    async with store.unit() as uow:
        agents = {a.id: a for a in await uow.list_agents(active_only=True)}
        late = (await uow.conn.execute(sa.select(request_t.c.reference).where(
            request_t.c.status == NOUVELLE, request_t.c.created_at < late_cutoff(now, response_days))
            .order_by(request_t.c.id).limit(5000))).scalars().all()
        for ref in late:
            record = await uow.get_request(ref)
            owner = agents.get(record.assigned_agent_id) if record.assigned_agent_id else None
            to = owner.email if owner else notifier.shared_email
            if not to:
                continue
            oid = await uow.enqueue(
                "staff_notice", EMAIL_CHANNEL, "staff",
                T.notice_body("overdue", ref, record.commune_name, record.description or "", notifier.link(ref)),
                None, ref, dedup_key=f"overdue:{ref}", meta={"to": to, "subject": T.notice_subject(
                    "overdue", ref, record.commune_name)})
            counts["overdue"] += 1 if oid else 0
        wanting = (await uow.conn.execute(sa.select(agent_setting_t.c.agent_id)
                                          .where(agent_setting_t.c.digest.is_(True)))).scalars().all()
        day = now.date().isoformat()
        for agent_id in wanting:
            agent = agents.get(agent_id)
            if agent is None:
                continue
            refs = (await uow.conn.execute(sa.select(request_t.c.reference, request_t.c.commune_name,
                                                     request_t.c.news_kind).where(
                request_t.c.assigned_agent_id == agent_id, store_inbox.unread_condition(agent_id))
                .order_by(request_t.c.news_at.desc()).limit(200))).all()
            if not refs:
                continue
            body = T.digest_body([(r.reference, r.commune_name, r.news_kind) for r in refs],
                                 notifier.public_url + "/console/?vue=nouveaux")
            oid = await uow.enqueue("staff_digest", EMAIL_CHANNEL, "staff", body, None, None,
                                    dedup_key=f"digest:{agent_id}:{day}",
                                    meta={"to": agent.email, "subject": T.digest_subject(len(refs))})
            counts["digests"] += 1 if oid else 0
    return counts
