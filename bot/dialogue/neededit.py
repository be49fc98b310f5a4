"""The stored need narrowed by a later message that puts one of its projects off (« le parking on verra plus tard,
c'est le cimetière qui presse »): the need's clauses that name what is put off go (``intents.distill.set_aside``).
"""

from __future__ import annotations

from typing import Any

from bot.dialogue import validators as v
from bot.dialogue.events import Reply
from bot.texts import dialogue as T
from intents.distill import set_aside


def put_off(turn: Any, text: str) -> Reply | None:
    """Narrow ``turn``'s draft need when ``text`` puts part of it off; the need said back, or ``None``."""
    d = turn.draft
    need = d.get("need")
    if not need or turn.step == "need":
        return None
    narrowed = set_aside(str(need), text)
    if not narrowed:
        return None
    d["need"] = narrowed
    d["need_said"] = v.truncate((d.get("need_said") or need) + "\n" + text, v.NEED_MAX_CHARS)[0]
    if not d.get("themes_confirmed"):
        d["themes"] = turn.detect_themes(narrowed)
    d.pop("matches", None)
    return Reply(T.need_kept(narrowed))
