"""The stored need narrowed by a later message that puts one of its projects off (« le parking on verra plus tard,
c'est le cimetière qui presse »): the need's clauses that name what is put off go (``intents.distill.set_aside``).
"""

from __future__ import annotations

import re
from typing import Any

from bot.dialogue import validators as v
from bot.dialogue.answers import budget_text
from bot.dialogue.events import Reply
from bot.texts import dialogue as T
from intents import extract as x
from intents.distill import set_aside


def amount_of(part: str, said: str) -> str | None:
    """The amount said right after ``part`` in the person's words ``said`` (« la passerelle … (devis de 58 000 €) »),
    as the budget is written; None when none is, or when the words of ``part`` are not found there."""
    head = " ".join(part.split()[:4])
    at = said.find(head) if head else -1
    if at < 0:
        return None
    end = at + len(part)
    after = re.match(r"\s*[(,:–—-]?\s*([^).;\n]{0,40})", said[end:])
    found = x.find_amount(after.group(1)) if after else None
    return budget_text(found) if found else None


def put_off(turn: Any, text: str) -> Reply | None:
    """Narrow ``turn``'s draft need when ``text`` puts part of it off; the need said back, or ``None``."""
    d = turn.draft
    need = d.get("need")
    if not need or turn.step == "need":
        return None
    narrowed = set_aside(str(need), text)
    if not narrowed:
        return None
    said = str(d.get("need_said") or "")
    d["need"] = narrowed
    d["need_said"] = v.truncate((d.get("need_said") or need) + "\n" + text, v.NEED_MAX_CHARS)[0]
    own = amount_of(narrowed, said)
    if own and d.get("budget") and own != d.get("budget"):
        # « un atelier municipal (environ 200 000 €) et la passerelle (devis de 58 000 €) », then the atelier put
        # off: the budget is the amount said with the part kept
        d["budget"] = own
    if not d.get("themes_confirmed"):
        d["themes"] = turn.detect_themes(narrowed)
    d.pop("matches", None)
    return Reply(T.need_kept(narrowed))
