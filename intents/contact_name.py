"""The person's name written right before their phone number or e-mail address, anywhere in a message.

« … on cherche des subventions. Sylvain Courtot 06 73 40 16 28 mairie@bourogne.fr », « Christophe Bihr
mairie.reppe@wanadoo.fr », « Michel Boichard, 03 84 23 90 41, … »: two to four capitalised words that start a
sentence (or the message, or a line) and are followed only by the contact. Exact: the contact is the cue, and the
words must read as a bare name (``find_bare_name``: no role, no place word, no stage). Pure, never raises.
"""

from __future__ import annotations

import re

__all__ = ["find_name_by_contact", "find_name_in_words", "respelled_name"]

_CONTACT = re.compile(r"(?:\+33|0033|\b0)\d(?:[\s.\-]?\d{2}){4}\b|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
#: a message with no capital at all (dictated, typed in lower case) that opens with two to four words, then the
#: contact (« jean luc tournier 06 84 12 55 09 mairie tiret lebetain arobase … »): those words are the name
_LOWER_OPENING = re.compile(r"\s*(?:(?:c\W?est|ici)\s+)?([a-zà-öø-ÿ]{2,}(?:(?:\s+|-)[a-zà-öø-ÿ]{2,}){1,3})\s*[,:–—-]?\s*")
#: words that open a contact line and are no name (« mon numéro », « rappelez-moi au »)
_NOT_A_NAME = {"moi", "mon", "ma", "mes", "au", "le", "la", "les", "de", "du", "des", "et", "svp", "voici", "tel",
               "mail", "numero", "numéro", "portable", "joignable", "rappeler", "rappelez", "appeler", "appelez",
               "contact", "contacter", "coordonnees", "coordonnées", "sur", "par", "pour", "est", "suis"}


#: what labels a phone number right before it (« Marcel Chevillot, mairie 03 84 … », « Anne Sirot tél. 06 … »)
_PHONE_LABEL = re.compile(r"(?:\s*\b(?:t[ée]l(?:[ée]phone)?|portable|mobile|fixe|mairie|bureau|secr[ée]tariat|perso"
                          r"|ligne directe|au)\b\s*[.:]?)+\s*$", re.IGNORECASE)
#: a name said at the end of a dictated sentence, right before a phone said in words (« … des subventions voilà
#: Bernard Fleury zéro six onze … »): the capitalised words ending the text before it
_TRAILING_CAPITALISED = re.compile(r"(?<=[a-zà-öø-ÿ,] )((?:[A-ZÀ-ÖØ-Þ][\wÀ-ÿ'’-]+\s+){1,3}[A-ZÀ-ÖØ-Þ][\wÀ-ÿ'’-]+)\s*$")


def _contacts(text: str) -> list[tuple[int, bool]]:
    """Where each contact starts, and whether it is a phone said in words."""
    from intents.numbers import PHONE_SPAN

    found = [(m.start(), False) for m in _CONTACT.finditer(text)]
    found += [(m.start(), True) for m in PHONE_SPAN.finditer(text)]
    return sorted(found)


def find_name_by_contact(text: object) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return None
    from intents.extract import find_bare_name  # same layer; lazy to keep the import order free

    from intents.extract import find_role

    text = text[:3000]
    for start, spoken in _contacts(text):
        if not re.search(r"[A-ZÀ-ÖØ-Þ]", text):
            # the message's opening, or its last sentence before the contact (« … besoin de financement. rene
            # grosjean 06 52 77 31 08 »)
            head = text[:start]
            last = re.split(r"[.!?;\n]\s*", head.rstrip())[-1] if re.search(r"[.!?;\n]", head.rstrip()) else ""
            return _lower_case_name(head) or (_lower_case_name(last + " ") if last.strip() else None)
        lines = re.split(r"[.!?\n;]", text[:start])
        line = _PHONE_LABEL.sub("", lines[-1])
        if spoken:
            trailing = _TRAILING_CAPITALISED.search(line)
            name = find_bare_name(trailing.group(1)) if trailing else None
            if name:
                return name
        if not line.strip():
            # the contact opens its sentence: the name is the sentence before it, said alone (« Jean-Marie
            # Bourgeois. 03 84 36 71 28. »)
            # (« Jean-Luc Grosjean. Tél 06 … »: the label alone in its sentence is stepped over too)
            line = next((ln for ln in reversed(lines) if _PHONE_LABEL.sub("", ln).strip()), "")
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


def find_name_in_words(words: str) -> str | None:
    """A few words that are only a name, with capitals (``find_bare_name``) or, in a message typed without any,
    in lower case (« denis jeanblanc », read as ``_lower_case_name`` reads the opening before a contact): the words
    left of a short message once its place and title are read (« leval maire denis jeanblanc »)."""
    if not isinstance(words, str) or not words.strip() or len(words) > 200:
        return None
    from intents.extract import find_bare_name

    if re.search(r"[A-ZÀ-ÖØ-Þ]", words):
        return find_bare_name(words)
    return _lower_case_name(words)


def _lower_case_name(head: str) -> str | None:
    """The opening of a message without capitals, right before its first contact, read as a name when it is two to
    four words that are no common word, role, place word, stage or kind of help (written with capitals)."""
    from intents.extract import find_bare_name

    m = _LOWER_OPENING.fullmatch(head)
    if m is None:
        return None
    words = re.split(r"(\s+|-)", m.group(1))
    if any(w.strip() in _NOT_A_NAME for w in words):
        return None
    return find_bare_name("".join(w.capitalize() for w in words))


#: a spelling said of a name (« Nathalie avec un h », « ça s'écrit Bouteiller », « deux l »)
_SPELLING_CUE = re.compile(r"\b(?:avec (?:un|une|deux)|sans (?:h|e|s|t|l|accent)|s['’ ]?[ée]crit|orthographe|"
                           r"deux [a-z]\b|pardon|oups|erreur|faute|trompée?)\b", re.IGNORECASE)
_MISTAKE = re.compile(r"\b(?:pardon|oups|erreur|faute|tromp[ée]e?|coquille)\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'’]+")


def respelled_name(text: object, name: object) -> str | None:
    """``name`` with one of its words spelt again, when ``text`` is a short message that writes that word another
    way and says so (« oups Nathalie avec un h » after « Natalie Berger » → « Nathalie Berger »); else None.

    Exact: a few words, a capitalised word close in letters to one word of the name (not the same), and a cue of
    spelling or of a mistake."""
    if not isinstance(text, str) or not isinstance(name, str) or not name.strip():
        return None
    if len(text.split()) > 10 or not _SPELLING_CUE.search(text):
        return None
    from rapidfuzz import fuzz

    from intents.normalize import name_word, normalize

    parts = name.split()
    mistake = bool(_MISTAKE.search(text))
    for word in _WORD.findall(text):
        if len(word) < 3 or not (word[0].isupper() or mistake):
            continue  # (in lower case when a mistake is said: « petitjean pardon, faute de frappe »)
        for i, part in enumerate(parts):
            a, b = normalize(word), normalize(part)
            if a and b and a != b and a[0] == b[0] and fuzz.ratio(a, b) >= 80:
                spelt = word if word[0].isupper() else name_word(word)
                return " ".join(parts[:i] + [spelt] + parts[i + 1:])
    return None
