"""Text typed by a person, shown to others on Telegram, must stay text.

Everything is sent without ``parse_mode`` and without ``entities`` (so ``<b>``, ``*bold*``, ``[x](url)`` and
``<a href>`` stay literal) and with link previews disabled (a default of the bot, see ``runner``). Telegram still
auto-detects ``@username`` mentions (which notify that user) and ``tg://`` links in plain text: :func:`defuse` puts an
invisible WORD JOINER (U+2060) right after such an ``@`` and inside ``tg://``, so that they are neither a mention nor a
link, while the text reads the same. E-mail addresses (``a@b.fr``: the ``@`` follows a letter) are left alone.
"""

from __future__ import annotations

import re

WJ = "\u2060"
_MENTION = re.compile(r"(?<![\w@])@(?=[A-Za-z0-9_])")
_TG_LINK = re.compile(r"(?i)\btg:(?=//)")


def defuse(text: str) -> str:
    if not text or ("@" not in text and "tg:" not in text.lower()):
        return text
    text = _MENTION.sub("@" + WJ, text)
    return _TG_LINK.sub(lambda m: m.group(0) + WJ, text)
