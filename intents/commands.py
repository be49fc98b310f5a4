"""Exact words of a conversation: a request's reference (``90-2026-0012``), « retour », and the « c'est bon » that
closes a multiple choice. Rules, not meaning: these are exact (principle 3). Pure, never raises."""

from __future__ import annotations

import re

from intents.normalize import normalize

__all__ = ["find_reference", "is_back", "is_done", "split_done"]

_MAX = 3000


def _norm(text: object) -> str:
    return normalize(text, max_chars=_MAX)


# --- references ----------------------------------------------------------------------------------------------------
_REF_RE = re.compile(r"(?<![\w-])(\d{2,3}|2[AB])\s*-\s*(20\d{2})\s*-\s*(\d{4})(?![\w-])")


def find_reference(text: object) -> str | None:
    """A request reference such as ``90-2026-0012`` (spaces around the dashes tolerated)."""
    if not isinstance(text, str):
        return None
    m = _REF_RE.search(text[:_MAX])
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else None


def is_back(text: object) -> bool:
    """« retour », « revenir en arrière », « précédent »."""
    return _norm(text) in ("retour", "revenir", "revenir en arriere", "en arriere", "precedent", "question precedente",
                           "retour en arriere", "arriere", "back")


# --- « c'est bon »: the end of a multiple choice -------------------------------------------------------------------
_DONE_CORE = (r"(?:valider|valide|je valide|on valide|validez|validation|est bon|tout est bon|est tout|ce sera tout|"
              r"sera tout|ca sera tout|rien autre|rien autre chose|rien de plus|pas autre chose|plus rien|ca ira|"
              r"ca suffit|suffit|est suffisant|est fini|fini|termine|est termine|est ok|ok|okay|est parfait|parfait|"
              r"oui|voila|non merci|est tout bon|est bon pour moi|ca me va|ca va comme ca|je valide)")
_DONE_LEAD = r"(?:(?:oui|ok|okay|non|bon|alors|ben|euh|voila|et|merci|donc)\s+)*"
_DONE_TRAIL = r"(?:\s+(?:merci|voila|ok|pour moi|comme ca|cela|beaucoup))*"
_DONE_RE = re.compile(rf"^{_DONE_LEAD}{_DONE_CORE}{_DONE_TRAIL}$")
_DONE_TAIL_RE = re.compile(rf"(?:^|\s)(?:et\s+|donc\s+|puis\s+)?{_DONE_LEAD}{_DONE_CORE}{_DONE_TRAIL}$")


def is_done(text: object) -> bool:
    """« c'est bon », « ok », « valider », « c'est tout », « rien d'autre »: the person is done choosing (the
    « Valider » button of a multiple choice, typed)."""
    return bool(_DONE_RE.match(_norm(text)))


def split_done(text: object) -> tuple[str, bool]:
    """(the text before a closing « c'est tout », whether there was one): « financement, c'est tout » →
    (« financement », True). The text is returned whole (``False``) when it does not end so."""
    if not isinstance(text, str):
        return "", False
    norm = _norm(text)
    m = _DONE_TAIL_RE.search(norm)
    if not m:
        return text, False
    kept = norm[: m.start()].split()
    if not kept:
        return "", True
    # the original words before the closing phrase (as many words as the normalised text kept)
    words = re.findall(r"\S+", text)
    out: list[str] = []
    for w in words:
        out.append(w)
        if normalize(" ".join(out)).split() == kept:
            break
    else:
        return " ".join(kept), True
    return " ".join(out).rstrip(" ,;:.-"), True
