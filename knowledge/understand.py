"""``guichet understand``: what a message is and what it carries (a contract for other tools).

``{"act": "<id>", "confidence": 0.0–1.0, "slots": {...}}`` — the act from ``intents.acts.classify``, the slots from
``intents.extract`` (role, name, phone, e-mail, stage, budget, timing, help) and the territory referential (commune),
the need from ``intents.need.clean_need`` when the message describes a project. Slots absent from the message are
absent from ``slots``.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from intents import acts as A
from intents import extract as x
from intents.need import clean_need


def read_slots(text: str, act: str, territory: Any = None, step: str | None = None) -> dict[str, Any]:
    """The facts a message carries, as plain JSON values."""
    slots: dict[str, Any] = {}
    if not isinstance(text, str) or not text.strip():
        return slots
    if territory is not None and act not in ("off_topic", "other", "greeting", "thanks", "yes", "no"):
        try:
            where = x.strip_contact(text) if (x.find_phone(text) or x.find_email_spoken(text)) else text
            res = territory.resolve(where.replace("\n", " ")[:500])
            if res is not None and res.resolved:
                place = territory.place(res.resolved)
                slots["commune"] = {
                    "code": res.resolved,
                    "name": getattr(place, "name", None) or res.resolved,
                    "outside": bool(res.outside),
                }
        except Exception:  # noqa: BLE001 - a referential that fails never breaks the reading
            pass
    role = x.find_role(text, asked=step == "role")
    if role:
        slots["role"] = role
    name = x.find_name(text) or x.find_name_in_email(text)
    if name:
        slots["name"] = name
    phone = x.find_phone(text)
    if phone:
        slots["phone"] = phone
    email = x.find_email_spoken(text)
    if email:
        slots["email"] = email
    stage = x.find_stage(text, asked=step == "stage")
    if stage:
        slots["stage"] = stage
    amount = x.find_amount(text, asked=step == "budget")
    if amount is not None:
        slots["budget"] = amount.amount
    timing = x.find_timing(text, asked=step == "timing")
    if timing:
        slots["timing"] = timing
    help_kinds = x.find_help_kinds(text, asked=step == "help")
    if help_kinds:
        slots["help"] = list(help_kinds)
    reference = x.find_reference(text)
    if reference:
        slots["reference"] = reference
    if act in ("new_request", "addition") and step in (None, "start", "need", "after_filing"):
        need = clean_need(text)
        if need and len(need.split()) >= 3:
            slots["need"] = need
    return slots


def understand(text: str, step: str | None = None, territory: Any = None) -> dict[str, Any]:
    reading = A.classify(text, step)
    return {
        "act": reading.act,
        "confidence": round(float(reading.confidence), 3),
        "slots": read_slots(text, reading.act, territory, step),
        "ranked": [[a, round(p, 3)] for a, p in reading.ranked[:3]],
        "unsure": reading.unsure,
        "source": reading.source,
    }


def run_understand(text: str | None, json_out: bool = False, stdin: bool = False, step: str | None = None) -> int:
    from knowledge.cli import _departement, _run
    from knowledge.territory import Territory

    territory = Territory.load(_departement())

    def compute(line: str) -> dict[str, Any]:
        return understand(line, step=step, territory=territory)

    def show(result: dict[str, Any], out: TextIO) -> None:
        out.write(f"{result['act']} ({result['confidence']:.2f})")
        if len(result["ranked"]) > 1:
            out.write("  — ensuite : " + ", ".join(f"{a} {p:.2f}" for a, p in result["ranked"][1:]))
        out.write("\n")
        for key, value in result["slots"].items():
            if isinstance(value, dict):
                value = value.get("name")
            out.write(f"  {key} : {value}\n")

    if text is None and not stdin:
        print("Donnez un texte, ou --stdin.", file=sys.stderr)
        return 2
    return _run(text, json_out, stdin, compute, show)
