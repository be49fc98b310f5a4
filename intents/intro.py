"""The person introducing themselves in a message: their name and their title said together (« Olivier Jeannin, DGS
de Valdoie », « Corinne Vuillemin secrétaire de mairie », « ici Bernard Lhomme le maire de Roppe », « Je suis le
maire, Hervé Bourquin »). Split out of ``intents.extract`` (issue 19, batch 8). Pure; never raises."""

from __future__ import annotations

import re

from intents.extract import _MAX, find_bare_name, find_role
from intents.normalize import name_word
from intents.typos import known_word

__all__ = ["find_intro", "lower_case_name"]


def find_intro(text: object) -> dict[str, str]:
    """« Olivier Jeannin, DGS de Valdoie. », « Bonjour, Corinne Hug, adjointe aux affaires scolaires »: a name then
    a title at the start of a sentence: ``{"name": …, "role": …}``."""
    out: dict[str, str] = {}
    if not isinstance(text, str):
        return out
    for sentence in re.split(r"[.!?\n]+", text[:_MAX])[:6]:
        sentence = re.sub(r"^\s*(?:bonjour|bonsoir|salut|hello)\b[\s,!]*", "", sentence, flags=re.IGNORECASE)
        head, sep, tail = sentence.partition(",")
        if not sep:
            continue
        head = _FIELD.sub("", head)  # « - Porteur : Isabelle Carrez, DGS »: a form's field name
        name = find_bare_name(head.strip()) or lower_case_name(head)  # (« pascal thiébaut, 2e adjoint, … »)
        # (or said of oneself at work: « Yannick Perrey, je suis le responsable technique de la mairie de Cravanche »)
        role = find_role(" ".join(tail.split()[:6]), asked=True) or (find_role(tail) if name else None)
        if name and role:
            return {"name": name, "role": role}
        # the title said of oneself, then the name (« Je suis le maire, Hervé Bourquin. »)
        name, role = find_bare_name(tail.strip()), find_role(head)
        if name and role:
            return {"name": name, "role": role}
        # further in the sentence, said of oneself (« … d'Angeot, je suis la secrétaire de mairie, Mme Laurence
        # Pfister »)
        parts = sentence.split(",")
        for said, then in zip(parts[1:], parts[2:]):
            if _SAID_OF_SELF.search(said):
                name = find_bare_name(then.strip()) or lower_case_name(then)  # (« …, christelle mougenot »)
                role = find_role(said, asked=True)
                if name and role:
                    return {"name": name, "role": role}
    for clause in _INTRO_CLAUSES.split(text[:_MAX])[:12]:
        found = _name_then_title(clause)
        if found:
            return found
    return out


#: the small words of a name written in lower case (« jean de la fontaine »)
_NAME_PARTICLES = {"de", "du", "des", "la", "le", "d", "van", "von"}


def lower_case_name(text: str) -> str | None:
    """Two or three words in lower case, the last one (the surname) and at least one other no word people use here
    (``intents.typos.known_word``: the words of the labelled phrasings; « pierre » is one), read as a name
    (« yannick hennequin », « jean pierre keller »); else None."""
    words = text.strip(" .,;!").split()
    if not 2 <= len(words) <= 3 or not text.islower() or not all(re.fullmatch(r"[a-zà-ÿ]+(?:[-'’][a-zà-ÿ]+)?", w) for w in words):
        return None
    plain = [w for w in words if w not in _NAME_PARTICLES]
    known = [known_word(w) for w in plain]
    if not plain or known[-1] or sum(known) > (len(plain) - 1) // 2 + (len(plain) == 3):
        return None
    return find_bare_name(" ".join(w if w in _NAME_PARTICLES else name_word(w) for w in words))


#: a form's field name before what it holds (« - Porteur : », « Contact: »)
_FIELD = re.compile(r"^\s*[-•*▪]?\s*[A-Za-zÀ-ÿ'’]+(?:\s+[A-Za-zÀ-ÿ'’]+)?\s*:\s*")
_SAID_OF_SELF = re.compile(r"(?i)\b(?:je suis|ici|moi)\b")
#: clauses of a message for a name said right before its title, dictated punctuation too (« … virgule … point »)
_INTRO_CLAUSES = re.compile(r"[,;:.!?\n()]|\s(?:virgule|point)(?=\s|$)", re.IGNORECASE)
#: what may lead a name and its title in a clause: a greeting, then the words one says oneself with
_INTRO_LEAD = re.compile(r"^\s*(?:(?:oui|alors|euh|donc|bonjour|bonsoir|salut|hello|slt|bjr)\b[\s,!]*){0,4}"
                         r"((?:ici|moi,?\s+c['’]\s?est|moi,?\s+c(?:\s+est)?|c['’]\s?est|c est|je suis)\s+)?", re.IGNORECASE)


#: words that open a title, never a name (« la première adjointe », « le nouveau maire », « un adjoint »)
_NOT_A_FIRST_NAME = {"le", "la", "les", "l", "un", "une", "mon", "ma", "notre", "votre", "son", "sa", "du", "de", "des"}


def _name_then_title(clause: str) -> dict[str, str]:
    """« Corinne Vuillemin secrétaire de mairie », « ici Bernard Lhomme le maire de Roppe »: a clause that opens
    with a bare name (two to four capitalised words) then a role word, without a comma between them. The role
    word must follow the name at once; an article before it (« le maire ») only when the person says it of
    themselves (« ici », « c'est », « je suis »): « Pierre Girardot le maire souhaite … » is someone else."""
    lead = _INTRO_LEAD.match(clause)
    said_of_self = bool(lead and lead.group(1))
    words = clause[lead.end() if lead else 0:].split()
    # dictated or typed without capitals, said of oneself (« oui bonjour alors c'est jean-pierre vallat le maire de
    # bourogne »): the words are read as a name would be written
    # (not said of oneself, words no one uses here: « bonjour philippe courtot maire de meziré »)
    lower = not re.search(r"[A-ZÀ-ÖØ-Þ]", clause)
    for k in (2, 3, 4):
        if len(words) <= k:
            break
        if lower and words[0].lower() in _NOT_A_FIRST_NAME:
            break  # « je suis la première adjointe »: an article, not a name written without capitals
        said = words[:k] if not lower else [name_word(w) for w in words[:k]]
        if lower and not said_of_self and not lower_case_name(" ".join(words[:k])):
            continue
        name = find_bare_name(" ".join(said))
        if not name:
            continue
        tail = words[k:]
        if said_of_self and tail[0].lower() in ("le", "la") and len(tail) > 1:
            tail = tail[1:]
        if not find_role(tail[0].strip(".,;:"), asked=True):
            continue
        role = find_role(" ".join(tail[:3]), asked=True)
        if role:
            return {"name": name, "role": role}
    return {}
