"""The person's name written right before their phone number or e-mail address, anywhere in a message.

« … on cherche des subventions. Sylvain Courtot 06 73 40 16 28 mairie@bourogne.fr », « Christophe Bihr
mairie.reppe@wanadoo.fr », « Michel Boichard, 03 84 23 90 41, … »: two to four capitalised words that start a
sentence (or the message, or a line) and are followed only by the contact. Exact: the contact is the cue, and the
words must read as a bare name (``find_bare_name``: no role, no place word, no stage). Pure, never raises.
"""

from __future__ import annotations

import re

__all__ = ["find_name_by_contact"]

_CONTACT = re.compile(r"(?:\+33|0033|\b0)\d(?:[\s.\-]?\d{2}){4}\b|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def find_name_by_contact(text: object) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return None
    from intents.extract import find_bare_name  # same layer; lazy to keep the import order free

    from intents.extract import find_role

    for m in _CONTACT.finditer(text[:3000]):
        line = re.split(r"[.!?\n;]", text[: m.start()])[-1]
        # back over the pieces before the contact: a title (« Anne Sirot, DGS – 03 … ») is stepped over
        for piece in reversed(re.split(r"[,:–—]|\s-\s", line)):
            piece = piece.strip()
            if not piece:
                continue
            if _CONTACT.search(piece) or (len(piece.split()) <= 5 and find_role(piece, asked=True)):
                continue
            name = find_bare_name(piece)
            if name:
                return name
            break
    return None
