#!/usr/bin/env python3
"""Issue 9's intake benchmark: actions to a filed request, questions about facts already given, extraction accuracy.

    .venv/bin/python scripts/eval_intake.py            # human-readable
    .venv/bin/python scripts/eval_intake.py --json     # the figures as JSON

Scenarios (each on a fresh SQLite database, through the real engine and knowledge base):
(a) /start, then one thing at a time; (b) a first message with collectivité, role, need, stage, budget and calendar;
(c) the same person's second request. An action is one message, command or button press of the person.
"Questions about a fact already given": over every conversation story (tests/conversations) and the scenarios, a
turn whose question is about a slot the person had already filled, without having asked to change it (a "Modifier"
button, « retour », /recommencer, a correction).
Extraction: tests/data/extraction/*.yaml, phone-style sentences written for this issue, accuracy per kind; the
sentences of tests/data/extraction/heldout/ were written after the extractors and are never tuned on.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.dialogue.events import Event, Reply  # noqa: E402
from bot.dialogue.slots import SLOTS  # noqa: E402
from intents import extract as x  # noqa: E402
from intents.normalize import normalize  # noqa: E402

CHANNEL = "eval"
_keys = itertools.count(1)

SCENARIO_A = [("command", "start"), ("say", "Giromagny"), ("press", "Maire"),
              ("say", "Nous voulons rénover l'école et isoler la salle des fêtes pour baisser la facture de chauffage"),
              ("press", "Étude"), ("press", "Financement"), ("press", "Valider"), ("say", "300 000 €"),
              ("say", "travaux en 2027"), ("say", "Jean Dupont"), ("say", "06 12 34 56 78"),
              ("press", "Envoyer la demande")]
SCENARIO_B = [("say", "Bonjour, je suis maire de Chaux, on voudrait rénover l'école qui consomme trop de fioul, on en "
                      "est à l'étude, devis de 300 000 euros, travaux début 2027"),
              ("press", "Financement"), ("press", "Valider"), ("say", "Marie Dupont"),
              ("say", "mon portable c'est le 06 12 34 56 78"), ("press", "Envoyer la demande")]
SCENARIO_C = [("say", "Bonjour, on voudrait aussi refaire la voirie du centre, on en est au tout début, 80 k€, "
                      "au printemps 2027"),
              ("press", "Oui"), ("press", "Ingénierie"), ("press", "Valider"), ("press", "Envoyer la demande")]
TARGETS = {"a": 12, "b": 6, "c": 7}


class Recorder:
    """Wraps the engine: after each event, which slot is asked, and whether the person had already filled it."""

    def __init__(self, engine: Any, store: Any) -> None:
        self.engine = engine
        self.store = store
        self.reasked: list[str] = []
        self.asked: list[str] = []

    async def _state(self, event: Event) -> tuple[str, dict[str, Any]]:
        async with self.store.unit(readonly=True) as uow:
            conv = await uow.get_conversation(event.channel, str(event.chat_id))
        return (conv.step, dict((conv.data or {}).get("draft") or {})) if conv else ("start", {})

    async def handle(self, event: Event) -> list[Reply]:
        before_step, before = await self._state(event)
        replies = await self.engine.handle(event)
        after_step, _ = await self._state(event)
        if after_step in SLOTS and after_step != before_step:
            self.asked.append(after_step)
            if after_step in before and not self._asked_to_change(event):
                self.reasked.append(f"{after_step} ({event.kind}: {(event.text or event.data or '')[:40]})")
        return replies

    @staticmethod
    def _asked_to_change(event: Event) -> bool:
        if event.kind == "command":
            return True
        if event.kind == "button":
            return (event.data or "").startswith(("e:", "fix:"))
        return x.is_back(event.text or "") or x.is_correction(event.text or "")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)


_KB: list[Any] = []


def _kb() -> Any:
    if not _KB:
        from knowledge.base import KnowledgeBase

        _KB.append(KnowledgeBase.load("90"))
    return _KB[0]


async def _world(tmp: Path, name: str) -> tuple[Any, Any]:
    from bot.config import load_settings
    from bot.dialogue.engine import Engine
    from bot.store.repository import Store

    store = await Store.open(f"sqlite:///{tmp / (name + '.db')}", departement="90", timezone_name="Europe/Paris")
    engine = Engine(_kb(), store,
                    load_settings(departement="90", flood_max_messages=10**6, staff_chat_id=-1001))
    return store, Recorder(engine, store)


async def _play(rec: Recorder, user: str, script: list[tuple[str, str]]) -> dict[str, Any]:
    last: list[Reply] = []
    asked_from = len(rec.asked)
    for n, (kind, value) in enumerate(script, 1):
        if kind == "command":
            ev = Event(CHANNEL, user, user, "command", command=value, update_key=f"e{next(_keys)}")
        elif kind == "say":
            ev = Event(CHANNEL, user, user, "text", text=value, update_key=f"e{next(_keys)}")
        else:
            data = next((b.data for r in last for row in r.buttons for b in row
                         if b.label.removeprefix("✅ ").lower().startswith(value.lower())), None)
            if data is None:
                raise SystemExit(f"{user}: no button {value!r} after action {n - 1}: {[r.text[:80] for r in last]}")
            ev = Event(CHANNEL, user, user, "button", data=data, update_key=f"e{next(_keys)}")
        replies = await rec.handle(ev)
        last = replies or last
        if any("Votre référence" in r.text for r in replies):
            return {"actions": n, "filed": True, "asked": rec.asked[asked_from:]}
    return {"actions": len(script), "filed": False, "asked": rec.asked[asked_from:]}


async def scenarios() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        store, rec = await _world(Path(tmp), "scenarios")
        try:
            a = await _play(rec, "mayor-a", SCENARIO_A)
            b = await _play(rec, "mayor-b", SCENARIO_B)
            c = await _play(rec, "mayor-b", SCENARIO_C)
            identity = {"name", "phone", "email", "role"} & set(c["asked"])
            b_given = {"commune", "role", "need", "stage", "budget", "timing"} & set(b["asked"])
            return {"a": a, "b": b, "c": c, "b_given_asked_again": sorted(b_given),
                    "c_identity_asked": sorted(identity), "reasked": list(rec.reasked)}
        finally:
            await store.close()


async def stories_reasked() -> dict[str, Any]:
    from bot.dialogue.stories import StoryRunner, load_stories

    stories = load_stories(ROOT / "tests" / "conversations")
    reasked: list[str] = []
    questions = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, story in enumerate(stories):
            store, rec = await _world(Path(tmp), f"story{i}")
            try:
                await StoryRunner(rec, store).run(story)
                reasked += [f"{story['_file']}: {r}" for r in rec.reasked]
                questions += len(rec.asked)
            finally:
                await store.close()
    return {"stories": len(stories), "questions": questions, "reasked": reasked}


def _extract(kind: str, text: str) -> Any:
    if kind == "phone":
        return x.find_phone(text)
    if kind == "email":
        return x.find_email_spoken(text)
    if kind == "amount":
        b = x.find_amount(text)
        return None if b is None else [b.low, b.high]
    if kind == "date":
        return x.find_timing(text)
    if kind == "stage":
        return x.find_stage(text)
    if kind == "role":
        return x.find_role(text)
    if kind == "name":  # issue 19: introductions and signatures (the form's reading of a name in any message)
        from bot.dialogue.understand import ENTITY_EXTRACTORS

        return ENTITY_EXTRACTORS["name"](text)
    raise ValueError(kind)


def _same(kind: str, got: Any, expected: Any) -> bool:
    if expected is None or got is None:
        return got is None and expected is None
    if kind in ("date", "name"):
        return normalize(got) == normalize(expected)
    return got == expected


def extraction(folder: Path = ROOT / "tests" / "data" / "extraction") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        kind = data["kind"]
        wrong = []
        for item in data["items"]:
            got = _extract(kind, item["text"])
            if not _same(kind, got, item["expected"]):
                wrong.append({"text": item["text"], "expected": item["expected"], "got": got})
        n = len(data["items"])
        out[kind] = {"n": n, "correct": n - len(wrong), "accuracy": round((n - len(wrong)) / n, 3), "wrong": wrong}
    return out


async def evaluate() -> dict[str, Any]:
    return {"scenarios": await scenarios(), "stories": await stories_reasked(), "extraction": extraction(),
            "extraction_heldout": extraction(ROOT / "tests" / "data" / "extraction" / "heldout"), "targets": TARGETS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    import logging

    logging.disable(logging.WARNING)
    result = asyncio.run(evaluate())
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    sc = result["scenarios"]
    for key, label in (("a", "/start, one thing at a time"), ("b", "first message with six facts"),
                       ("c", "same person, second request")):
        s = sc[key]
        print(f"({key}) {label}: {s['actions']} actions (target ≤ {TARGETS[key]}), filed={s['filed']}, "
              f"asked: {', '.join(s['asked']) or '—'}")
    print(f"    (b) given facts asked again: {sc['b_given_asked_again'] or 'none'}; "
          f"(c) name/phone/e-mail/role asked: {sc['c_identity_asked'] or 'none'}")
    st = result["stories"]
    print(f"questions about a fact already given: {len(st['reasked']) + len(sc['reasked'])} "
          f"(over {st['stories']} stories, {st['questions']} questions, and the scenarios)")
    for r in st["reasked"] + sc["reasked"]:
        print("    " + r)
    for key, title in (("extraction", "tests/data/extraction"), ("extraction_heldout", "held out, never tuned on")):
        print(f"extraction accuracy ({title}):")
        for kind, e in result[key].items():
            print(f"    {kind:7s} {e['correct']}/{e['n']} = {e['accuracy']:.0%}")
            for w in e["wrong"]:
                print(f"        ✗ {w['text']!r}: expected {w['expected']!r}, got {w['got']!r}")


if __name__ == "__main__":
    main()
