"""Readings of the words of one fact, for ``bot.dialogue.understand.Reader``: a name answered, a correction's new
words, a title and a name said beside a place, whether old words name a value. Split out of ``understand.py``."""

from __future__ import annotations

import re

from bot.dialogue import validators as v
from intents import extract as x
from intents.contact_name import find_name_in_words
from intents.normalize import normalize


def _without_what_follows(new: str, old: str, need: str) -> str:
    """« 10 caméras » replacing « 8 » in « 8 caméras aux abords … »: the words the need already has after the old
    ones are not said twice (« 10 caméras aux abords … », not « 10 caméras caméras … »)."""
    m = re.search(re.escape(old) + r"\s+(\S+(?:\s+\S+){0,3})", need, flags=re.IGNORECASE)
    words = new.split()
    if not m or len(words) < 2:
        return new
    follow = [w.lower() for w in m.group(1).split()]
    for k in range(min(len(words) - 1, len(follow)), 0, -1):
        if [w.lower() for w in words[-k:]] == follow[:k]:
            return " ".join(words[:-k])
    return new


def _name_answer(text: str) -> str | None:
    """The answer to the name question, its contact set aside. Several sentences (« Françoise Lachat. Mon
    assistante suit le dossier : 03 … ») are not all the name: the first one that is a bare name is, else the
    reading of the whole answer falls to the readers with cues."""
    said = x.strip_contact(text)
    sentences = [p.strip(" ,;:") for p in re.split(r"(?<=[.!?;])\s+|\n+", said) if p.strip(" ,;:.")]
    if len(sentences) <= 1:
        return v.validate_name(said)
    return next((n for n in (v.validate_name(x.find_bare_name(p) or "") for p in sentences) if n), None)


def _without_amounts(text: str) -> str:
    """The text without the figures of an amount it says (grouped thousands, figures with a unit of money)."""
    if x.find_amount(text) is None:
        return text
    return re.sub(r"\b\d{1,3}(?:[ \u00a0\u202f.]\d{3})+\b|\b\d+(?:[.,]\d+)?\s*(?:k€|k\b|m€|€|euros?\b|mille\b|millions?\b)",
                  " ", text)


def _first_clause(words: str) -> tuple[str, str]:
    """(the first clause of a correction's new words, the rest): « Dorans, je suis secrétaire des deux communes »
    → (« Dorans », « je suis … »); the rest is empty when the words are one clause."""
    # (« 1,5 M€ » is one number; « mairie-frais@wanadoo.fr » one address: a stop ends a clause before a space)
    m = re.search(r"(?:[;!?]|,(?!\d)|\.(?=\s|$))\s*", words)
    if not m or not words[: m.start()].strip():
        return words, ""
    return words[: m.start()].strip(), words[m.end():].strip()


#: small words between a place, a title and a name (« maire de », « adjoint à la »)
_SMALL_WORDS = {"de", "du", "des", "la", "le", "l", "a", "d", "et", "moi", "ici", "c", "est", "je", "suis"}


def _title_and_name(text: str, place: str) -> dict[str, str]:
    """The title and the name said beside the place in a few words (« leval maire denis jeanblanc »: SMS fragments):
    once the place's whole name is taken out, a title read in the rest, and the words left beside it, when they are
    only a name. Nothing when no title is said (« leval pompe chaleur » names no one), nor past six words."""
    tokens = text.split()
    flat = [(w, i) for i, tok in enumerate(tokens) for w in normalize(tok).replace("-", " ").split()]
    core = normalize(place).replace("-", " ").split()
    words = [w for w, _ in flat]
    start = next((k for k in range(len(words) - len(core) + 1) if core and words[k:k + len(core)] == core), None)
    if start is None:
        return {}
    drop = {i for _, i in flat[start:start + len(core)]}
    rest = [t.strip(",;:.!") for i, t in enumerate(tokens) if i not in drop]
    rest = [t for t in rest if t]
    if not 1 <= len(rest) <= 6:
        return {}
    role = x.find_role(" ".join(rest), asked=True)
    if not role:
        return {}
    out = {"role": role}

    def aside(t: str) -> bool:
        return normalize(t) in _SMALL_WORDS or bool(x.find_role(t, asked=True))

    while rest and aside(rest[0]):
        rest = rest[1:]
    while rest and aside(rest[-1]):
        rest = rest[:-1]
    name = v.validate_name(find_name_in_words(" ".join(rest)) or "") if len(rest) >= 2 else None
    if name:
        out["name"] = name
    return out


def _names(old: str, value: str | None) -> bool:
    """True when the old words of a correction name this value (« Giromagny » for the commune Giromagny)."""
    if not value:
        return False
    a, b = normalize(old), normalize(value)
    if not a or not b:
        return False
    if a == b or f" {a} " in f" {b} " or f" {b} " in f" {a} ":
        return True
    digits_a, digits_b = re.sub(r"\D", "", old), re.sub(r"\D", "", value)
    return bool(digits_a) and digits_a == digits_b
