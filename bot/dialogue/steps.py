"""The intake's steps and their order. Pure data and tiny functions; the engine does the talking.

Order: commune → role → need (themes confirmed or corrected) → stage → help → budget → timing → name → phone → email
→ offers → recap → consent → (duplicate) → filed.
"""

from __future__ import annotations

# Steps of an intake in progress (the draft is kept while the person is in one of them).
INTAKE_STEPS: frozenset[str] = frozenset({
    "commune", "commune_confirm", "commune_pick", "role", "need", "themes_confirm", "themes_edit", "stage", "help",
    "budget", "timing", "name", "phone", "email", "offers", "recap", "consent", "duplicate",
})

# Steps answered by typing (the engine calls ``step_<name>(text)``).
FREE_TEXT_STEPS: frozenset[str] = frozenset({"commune", "need", "budget", "timing", "name", "phone", "email"})

# Steps answered only by buttons.
BUTTON_STEPS: frozenset[str] = INTAKE_STEPS - FREE_TEXT_STEPS

# Groups of questions, in order; each group ends by calling ``advance(group)``.
GROUP_ORDER: tuple[str, ...] = ("commune", "role", "need", "stage", "help", "budget", "contact", "offers", "recap")
GROUP_FIRST_STEP: dict[str, str] = {
    "commune": "commune",
    "role": "role",
    "need": "need",
    "stage": "stage",
    "help": "help",
    "budget": "budget",
    "contact": "name",
    "offers": "offers",
    "recap": "recap",
}

# Groups that can be changed from the recap (button "e:<group>") and their first step.
EDIT_GROUPS: dict[str, str] = {g: GROUP_FIRST_STEP[g] for g in ("commune", "role", "need", "stage", "help", "budget",
                                                               "contact")}

# Button data valid at any step (a harmless action).
AGENT_DATA = "agent"


def next_step_after(group: str) -> str:
    """First step of the group that follows ``group``."""
    i = GROUP_ORDER.index(group)
    return GROUP_FIRST_STEP[GROUP_ORDER[i + 1]]
