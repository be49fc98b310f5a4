"""Drive a mayor's intake through Telegram whatever the bot asks, when replies may be late, doubled or lost.

The ONE place that knows the intake's prompts (:func:`next_move`): when the intake changes (fewer steps, no consent
step), adapt this table only. :func:`drive_intake` reads the bot's last message, answers it, waits until every
outbox row of the chat is settled (delivered, failed or counted delivered), and goes on; when nothing came back it
asks for the question again with ``/demande``, as a person would, and counts it (``asked_again``: a person left
without a question; 0 since replies are delivered at least once, issue 24). Every loop is bounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tests.e2e.conftest import Person
from tests.fakebotapi import SentMessage

REF_RE = re.compile(r"\b(\d{2}[0-9AB]?-\d{4}-\d{4,6})\b")
NOTHING_SAVED = "rien n'a été enregistré"
#: The buttons whose press files the request (its answer is the confirmation with the reference).
FILING_LABELS = ("Envoyer", "accepte")


@dataclass
class Profile:
    commune: str = "Giromagny"
    need: str = ("Nous voulons créer une maison de santé pluriprofessionnelle dans le centre bourg pour garder des "
                 "médecins")
    name: str = "Claire Martin"
    phone: str = "+33612345678"
    email: str = "claire.martin@example.org"


@dataclass
class Move:
    kind: str  # "say" | "press" | "contact" | "done"
    value: str = ""


def next_move(text: str, labels: list[str], profile: Profile) -> Move | None:
    """What a person answers to the bot's message ``text`` with buttons ``labels``; None when not a prompt."""
    low = text.lower()
    m = REF_RE.search(text)
    if m and ("envoy" in low or "référence" in low) and not low.startswith("récapitulatif"):
        return Move("done", m.group(1))
    if low.startswith("récapitulatif"):
        return Move("press", "Envoyer")
    if low.startswith("avant l'envoi"):
        return Move("press", "accepte")
    if "déjà ouverte" in low and labels:
        return Move("press", "nouvelle")
    if "dispositifs" in low and labels:
        return Move("press", "Continuer")
    if "quelle collectivité" in low:
        return Move("say", profile.commune)
    if "fonction" in low and labels:
        return Move("press", "Maire")
    if "décrivez" in low or "dites-m'en plus" in low:
        return Move("say", profile.need)
    if "compris" in low and labels:
        return Move("press", "Oui")
    if "où en est" in low and labels:
        return Move("press", "Idée")
    if "quelle aide" in low and labels:
        return Move("press", "Valider" if any(lbl.startswith("✅") for lbl in labels) else "Ingénierie")
    if ("budget" in low or "calendrier" in low) and labels:
        return Move("press", "Passer")
    if "nom et prénom" in low:
        return Move("say", profile.name)
    if "téléphone" in low:
        return Move("contact", profile.phone)
    if "e-mail" in low:
        return Move("say", profile.email)
    if "oui" in [lbl.lower() for lbl in labels]:
        return Move("press", "Oui")
    return None


async def pending_rows(store: Any, chat_id: int | str) -> int:
    import sqlalchemy as sa

    async with store.unit(readonly=True) as uow:
        return (await uow.conn.execute(sa.text(
            "SELECT count(*) FROM outbox WHERE status = 'pending' AND chat_id = :c"), {"c": str(chat_id)})).scalar_one()


async def drain(person: Person, max_passes: int = 300) -> None:
    """Until nothing is pending for this person's chat (bounded: the sender's passes)."""
    for _ in range(max_passes):
        if not await pending_rows(person.r.store, person.chat_id):
            return
        await person.r.settle(300)  # a pass may wait on the staff group's rate limit (20 a minute)
    raise AssertionError(f"outbox rows of chat {person.chat_id} still pending after {max_passes} passes")


def _visible(person: Person) -> list[SentMessage]:
    return [m for m in person.fake.messages_to(person.chat_id) if not m.deleted]


async def act(person: Person, move: Move, pressed: SentMessage | None) -> None:
    if move.kind == "say":
        update = person.fake.push_text(person.user, person.chat_id, move.value)
    elif move.kind == "contact":
        update = person.fake.push_contact(person.user, person.chat_id, phone=move.value,
                                          first_name=person.user["first_name"])
    elif move.kind == "press":
        assert pressed is not None
        update = person.fake.push_callback(person.user, person.chat_id, pressed.message_id,
                                           pressed.button_data(move.value))
    else:  # a command
        update = person.fake.push_command(person.user, person.chat_id, move.value)
    await person.r.push(update, timeout=60)
    await drain(person)


async def drive_intake(person: Person, profile: Profile | None = None, max_actions: int = 80,
                       on_action: Any = None) -> tuple[str, dict]:
    """File one request; returns (reference, stats). ``on_action(person, n, move)`` is called before each action (a
    test plans its faults there). Stats: ``actions``, ``asked_again`` (``/demande`` after a lost reply),
    ``resent`` (the same answer sent again after "rien n'a été enregistré")."""
    profile = profile or Profile()
    stats = {"actions": 0, "asked_again": 0, "resent": 0}
    last_move: Move | None = None
    last_pressed: SentMessage | None = None

    async def do(move: Move, pressed: SentMessage | None) -> None:
        nonlocal last_move, last_pressed
        if on_action is not None:
            await on_action(person, stats["actions"], move)
        stats["actions"] += 1
        last_move, last_pressed = move, pressed
        await act(person, move, pressed)

    before = len(_visible(person))
    markups = {m.message_id: m.reply_markup for m in _visible(person)}
    await do(Move("command", "/demande"), None)
    for _ in range(max_actions):
        msgs = _visible(person)
        new = msgs[before:]
        changed = [m for m in msgs[:before] if m.reply_markup != markups.get(m.message_id)]
        current = new[-1] if new else (changed[-1] if changed else None)
        before = len(msgs)
        markups = {m.message_id: m.reply_markup for m in msgs}
        if current is not None and NOTHING_SAVED in (current.text or ""):
            # Nothing was recorded: send the same answer again (a pressed button from its message as it is now).
            stats["resent"] += 1
            pressed = person.fake.message(person.chat_id, last_pressed.message_id) if last_pressed else None
            await do(last_move, pressed)
            continue
        # The latest message that is a prompt (a late duplicate of an earlier message may come last).
        prompt = None
        for m in ([current] if current is not None else []) + list(reversed(new)):
            mv = next_move(m.text or "", [lbl for lbl, _ in m.buttons], profile)
            if mv is not None:
                prompt = (m, mv)
                break
        if prompt is None:
            # No question came back (a reply lost): ask for the question again, as a person would (counted).
            stats["asked_again"] += 1
            await do(Move("command", "/demande"), None)
            continue
        message, move = prompt
        if move.kind == "done":
            return move.value, stats
        await do(move, message if move.kind == "press" else None)
    raise AssertionError(f"the intake did not end in {max_actions} actions: {[m.text for m in _visible(person)][-4:]}")
