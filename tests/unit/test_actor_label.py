"""One function says who acted on a request, for the Telegram group and the console alike."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.console.record import who_of
from bot.staff.service import actor_label
from bot.store.models import EventRecord, RequestRecord

NOW = datetime(2026, 5, 4, 9, tzinfo=timezone.utc)
RECORD = RequestRecord(reference="90-2026-0042", status="nouvelle", created_at=NOW, updated_at=NOW,
                       channel="telegram", user_id="1001", chat_id="1001", contact_name="Jeanne Martin")


def ev(actor: str, **data: object) -> EventRecord:
    return EventRecord(id=1, at=NOW, reference=RECORD.reference, actor=actor, kind="note", data=dict(data))


def test_actor_label_names_every_actor() -> None:
    agents = {7: "Agent Console"}
    assert actor_label(ev("console:7"), RECORD, agents) == "Agent Console"
    assert actor_label(ev("console:8"), RECORD, agents) == "un agent de la console"
    assert actor_label(ev("console:7", by="Nom saisi"), RECORD, agents) == "Nom saisi"
    assert actor_label(ev("telegram:1001"), RECORD) == "Jeanne Martin"
    assert actor_label(ev("telegram:5001"), RECORD) == "un agent"
    for system in ("system", "system:purge", "jobs", "cli", ""):
        assert actor_label(ev(system), RECORD) == "le guichet"
    assert actor_label(ev("telegram:1001")) == "un agent"  # without the request, an id stays anonymous


def test_console_shows_the_same_words_capitalised() -> None:
    assert who_of(ev("cli"), RECORD, {}) == "Le guichet"
    assert who_of(ev("console:7"), RECORD, {7: "Agent Console"}) == "Agent Console"
    assert who_of(ev("telegram:5001"), RECORD, {}) == "Un agent"
    assert who_of(ev("telegram:1001"), RECORD.model_copy(update={"contact_name": None}), {}) == "L'élu(e)"
