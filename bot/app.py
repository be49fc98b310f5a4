"""Composition root: builds settings, knowledge, store and engine once, and hands them to a channel."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.config import Settings, load_settings

log = logging.getLogger(__name__)


def _warm_understanding() -> None:
    """Load the readers' labelled vectors (kinds of message, need clauses, stage and help clauses) at start, from the
    vector cache (encoded once on a first start): the first person to write does not wait for them."""
    from intents import acts, clause_facts, distill, hold, no_fit

    for warm in (acts.warm, distill.warm, clause_facts.warm, no_fit.warm, hold.warm):
        try:
            warm()
        except Exception:  # noqa: BLE001 - each reader loads on first use otherwise
            log.exception("warming %s failed", getattr(warm, "__module__", warm))


@dataclass
class App:
    settings: Settings
    kb: "object"
    store: "object"
    engine: "object"
    staff: "object" = None  # bot.staff.service.StaffService over the same store (the console and the staff group)

    @classmethod
    async def start(cls, settings: Settings | None = None) -> "App":
        """Load the knowledge base, open (and migrate) the database, build the engine."""
        import asyncio

        from bot.dialogue.engine import Engine
        from bot.staff.service import StaffService
        from bot.store.repository import Store
        from knowledge.base import KnowledgeBase

        settings = settings or load_settings()
        kb = await asyncio.to_thread(KnowledgeBase.load, settings.departement, response_days=settings.response_days,
                                     guichet_url=settings.public_url)
        await asyncio.to_thread(_warm_understanding)  # the labelled examples' vectors, before the first message
        # the deployment's département: references, and the public holidays of working days (bot.store.workdays)
        store = await Store.open(settings.database_url, settings.departement, timezone_name=settings.timezone)
        engine = Engine(kb=kb, store=store, settings=settings)
        from bot.staff import names

        names.configure(kb=kb, public_url=settings.public_url)  # staff read names, and links to the console
        from bot.staff import notify  # issue 26: agents told of news on their requests, by e-mail (outbox)

        notify.install(store, settings.staff_notify_email, settings.public_url)
        log.info("guichet ready (departement=%s)", settings.departement)
        return cls(settings=settings, kb=kb, store=store, engine=engine, staff=StaffService(store))

    async def close(self) -> None:
        await self.store.close()  # type: ignore[attr-defined]
