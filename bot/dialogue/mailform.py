"""The intake read as a form filled in one go (issue 20: e-mail; transport-free).

A channel without buttons and with slow turns (e-mail) cannot ask one question at a time: after the engine has read
a message (every fact it carries, as for any channel), :func:`settle` looks at the draft and says what was understood
and **everything** still missing, each with its question in plain words; pending choices that need a button on
other channels are settled the way a written answer means them (the remembered person is the writer: same address;
a contradiction: the newest value wins, as « non, c'est … » does). When nothing required is missing and the writer
has *confirmed* (a reply from the contact's own address, checked by the channel), the request is filed in the same
unit. Optional slots still empty are then counted as skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.dialogue import validators as v
from bot.dialogue.slots import INTAKE

#: Slots shown in the "understood" list, in the recap's order.
SHOWN = ("commune", "role", "need", "stage", "help", "budget", "timing", "name", "phone", "email")


@dataclass
class MailForm:
    outcome: str  # "ask" (something missing) | "confirm" (complete, waits for a reply) | "filed" | "none" (no intake)
    understood: list[tuple[str, str]] = field(default_factory=list)  # (slot, value as shown)
    missing: list[str] = field(default_factory=list)  # required slots still empty
    optional: list[str] = field(default_factory=list)  # optional slots still empty
    candidates: list[str] = field(default_factory=list)  # an ambiguous collectivité: the names to choose from
    reference: str | None = None


def understood(turn: Any) -> list[tuple[str, str]]:
    out = []
    for slot in SHOWN:
        if turn.draft.get(slot) is None:
            continue
        value = turn.shown_value(slot)
        if value:
            out.append((slot, value))
    return out


def missing(draft: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(required slots still empty, optional slots still empty)."""
    required, optional = [], []
    for slot in INTAKE:
        if slot.filled(draft) or not slot.needed(draft):
            continue
        (optional if slot.optional else required).append(slot.name)
    return required, optional


async def _settle_choices(turn: Any) -> None:
    """Pending choices made for buttons, answered the way a written message means them."""
    for _ in range(4):
        offered = set(turn.st.get("buttons") or [])
        if turn.step == "identity" and "id:yes" in offered:
            await turn.on_button("id:yes")  # the same address wrote: the person remembered
        elif turn.step == "conflict" and "fix:yes" in offered:
            await turn.on_button("fix:yes")  # the newest value wins
        elif turn.step == "commune_confirm":
            yes = [d for d in offered if d.startswith("set:commune") or d.endswith(":yes") or d.startswith("cc:")]
            if not yes:
                return
            await turn.on_button(sorted(yes)[0])
        else:
            return


async def settle(turn: Any, *, email: str, name: str | None, confirmed: bool) -> MailForm:
    """After the engine's turn on a written message: fill the contact from the sender, settle pending choices, and
    file when complete and ``confirmed``. Runs in the turn's unit (the caller saves the turn)."""
    if not turn.in_intake() or not turn.has_draft():
        return MailForm("none")
    d = turn.draft
    if email and not d.get("email"):
        d["email"] = email  # the sender's address is the contact
    if name and "name" not in d:
        clean = v.validate_name(name)
        if clean:
            d["name"] = clean
    await _settle_choices(turn)
    if not turn.has_draft():
        return MailForm("none")
    d = turn.draft
    required, optional = missing(d)
    form = MailForm("ask", understood=understood(turn), missing=required, optional=optional)
    if turn.step == "commune_pick":
        form.candidates = [str(c.get("name") if isinstance(c, dict) else c) for c in (turn.st.get("candidates") or [])][:6]
        if "commune" not in form.missing:
            form.missing.insert(0, "commune")
    if form.missing:
        await turn.ask_next()  # the conversation's step follows the draft (what a later message fills)
        return form
    if not confirmed:
        form.outcome = "confirm"
        await turn.ask_next()
        return form
    for slot in optional:
        d[slot] = None  # not given: skipped
    turn.enter_recap()
    did = str(d.get("id") or "0")
    await turn.send()
    if turn.step == "duplicate":  # a similar request is open: by e-mail it is filed, staff see both
        await turn.file_request()
    form.reference = (turn.st.get("filed") or {}).get(did)
    form.outcome = "filed" if form.reference else "confirm"
    return form
