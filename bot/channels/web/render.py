"""How the engine's channel-neutral text reads on a web page (issue 22).

The engine's replies name its commands as Telegram shows them (« /mesdemandes »); on the web page a command is a
link or a button with a French name, never a slash word, so :func:`rich_text` writes « Mes demandes » instead (the
page's footer has the matching buttons, see ``chat.html``). It also keeps references on one line and makes the
sources' addresses links. Everything the person or the engine wrote is escaped first; only the markup added here
is trusted.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from bot.texts import web as W

#: « /command » of the engine → its name on the web page (the footer's buttons post the same command).
COMMAND_NAMES: dict[str, str] = W.COMMAND_NAMES

_COMMAND_RE = re.compile(r"(?<![\w/])/(" + "|".join(sorted(map(re.escape, COMMAND_NAMES), key=len, reverse=True))
                         + r")\b")
_REFERENCE_RE = re.compile(r"\b\d{2,3}[A-B]?-\d{4}-\d{4,}\b")
# an address ends before a space, a closing bracket or quote, or a final punctuation mark
_URL_RE = re.compile(r"https?://[^\s<>\"'«»)\]]+[^\s<>\"'«»)\].,;:!?]")


def web_words(text: str) -> str:
    """The text with each « /command » replaced by its name on the page (plain text: the e-mails use it too)."""
    return _COMMAND_RE.sub(lambda m: f"« {COMMAND_NAMES[m.group(1)]} »", text)


def rich_text(text: str | None) -> Markup:
    """Escaped HTML of a message: commands named, references unbreakable, addresses as links."""
    if not text:
        return Markup("")
    html = str(escape(web_words(text)))
    # escaping leaves letters, digits, « - », « / », « : » and « . » alone, so the patterns still match
    html = _URL_RE.sub(lambda m: f'<a href="{m.group(0)}" rel="noopener noreferrer">{m.group(0)}</a>', html)
    html = _REFERENCE_RE.sub(lambda m: f'<span class="ref">{m.group(0)}</span>', html)
    return Markup(html)


def choice(button: dict[str, str]) -> dict[str, object]:
    """A button of the engine as the page shows it: a chosen option of a multiple choice says so in words
    (``aria-pressed`` and a visible « choisi »), not only with the engine's ✅ (which some phones show as a box).
    The engine's toggles: ``del:…`` (chosen; pressing removes it) and ``add:…`` (not chosen)."""
    label, data = button["label"], button["data"]
    toggle = data.startswith(("add:", "del:"))
    chosen = data.startswith("del:") or label.startswith("✅")
    clean = label.removeprefix("✅").strip() if label.startswith("✅") else label
    return {"label": clean, "data": data, "pressed": ("true" if chosen else "false") if toggle or chosen else None,
            "chosen": chosen}
