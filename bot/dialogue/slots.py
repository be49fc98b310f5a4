"""The intake as a form: a table of slots. Pure data and tiny functions; the form loop (``form.py``) does the work.

A slot is *filled* when its key is in the draft; ``None`` means "skipped" (an optional slot answered "Passer").
The loop asks the first needed slot that is not filled. Each slot names:

* ``kind``: ``text`` (typed), ``choice`` (one button), ``multi`` (several buttons, then "Valider");
* ``extract``: where its value may come from: ``asked`` (only while it is the question), ``any`` (from any message,
  like Rasa's entity mappings: an e-mail, a phone number, an amount, a role said of oneself…);
* ``optional``: offers "Passer" (button data ``set:<slot>:-``);
* ``needed(draft)``: the e-mail is needed only without a phone;
* ``group``: what the recap's "Modifier …" button clears (contact = name, phone, e-mail).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

Draft = dict[str, Any]


def _always(draft: Draft) -> bool:
    return True


@dataclass(frozen=True)
class Slot:
    name: str
    kind: str = "text"
    extract: str = "any"
    optional: bool = False
    needed: Callable[[Draft], bool] = _always
    group: str = ""

    def filled(self, draft: Draft) -> bool:
        return self.name in draft


INTAKE: tuple[Slot, ...] = (
    Slot("commune", kind="text", group="commune"),
    Slot("role", kind="choice", group="role"),
    Slot("need", kind="text", group="need"),
    Slot("stage", kind="choice", group="stage"),
    Slot("help", kind="multi", group="help"),
    Slot("budget", kind="text", optional=True, group="budget"),
    Slot("timing", kind="text", optional=True, group="timing"),
    Slot("name", kind="text", group="contact"),
    Slot("phone", kind="text", optional=True, group="contact"),
    Slot("email", kind="text", needed=lambda d: not d.get("phone"), group="contact"),
)
SLOTS: dict[str, Slot] = {s.name: s for s in INTAKE}

#: Pending choices of a slot (the stored step while the person picks): an ambiguous commune, the themes, a conflict.
CHOICE_STEPS: frozenset[str] = frozenset({"commune_confirm", "commune_pick", "themes_edit", "conflict", "identity"})
#: The submit sequence.
SUBMIT_STEPS: frozenset[str] = frozenset({"recap", "duplicate"})
#: Steps of an intake in progress (the Telegram reminder job looks for these).
INTAKE_STEPS: frozenset[str] = frozenset(SLOTS) | CHOICE_STEPS | SUBMIT_STEPS
#: Steps answered by typing.
FREE_TEXT_STEPS: frozenset[str] = frozenset(s.name for s in INTAKE if s.kind == "text")

#: Recap edit groups, in the recap's order: "e:<group>" clears these draft keys (and what derives from them).
EDIT_GROUPS: dict[str, tuple[str, ...]] = {
    "commune": ("commune",),
    "role": ("role",),
    "need": ("need", "themes"),
    "themes": ("themes",),
    "stage": ("stage",),
    "help": ("help",),
    "budget": ("budget", "timing"),
    "timing": ("timing",),
    "contact": ("name", "phone", "email"),
}
#: Draft keys written with the commune slot.
COMMUNE_KEYS: tuple[str, ...] = ("commune", "commune_code", "commune_name", "commune_kind", "epci_code", "epci_name",
                                 "departement", "population")

#: Old step names (conversations stored before the form) mapped to the slot now asked.
LEGACY_STEPS: dict[str, str] = {"themes_confirm": "recap", "offers": "recap", "consent": "recap"}

#: Button data valid at any step.
AGENT_DATA = "agent"


def first_missing(draft: Draft) -> Slot | None:
    """The first needed slot still empty: the next question."""
    for slot in INTAKE:
        if slot.needed(draft) and not slot.filled(draft):
            return slot
    return None


def slot_of_step(step: str) -> Slot | None:
    return SLOTS.get(step)
