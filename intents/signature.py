"""A letter's signature: the name and the title on its last lines, and the sign-off lines the mail channel splits at.
Split out of ``intents.extract`` (same rules). ``split_signature``: the mail channel's split of a letter's signature,
also used by the readings that encode a message (its meaning is in the body, not in the name and phone under it)."""
from __future__ import annotations

import re

from intents.extract import _MAX, find_bare_name, find_role, strip_contact

# --- a signature: the last lines of a letter ---------------------------------------------------------------------
_SIGN_OFF = re.compile(r"^(?:(?:bien\s+)?cordialement|bien\s+à\s+vous|salutations(?:\s+distingu[ée]es)?|"
                       r"(?:avec\s+)?mes\s+(?:sinc[èe]res\s+)?salutations(?:\s+distingu[ée]es)?|merci(?:\s+d['’]avance|"
                       r"\s+par\s+avance|\s+beaucoup)?|respectueusement|bonne\s+(?:journ[ée]e|soir[ée]e))\b[\s,.!]*",
                       re.IGNORECASE)


#: Lines read from the end of a letter for its signature (name, title, mairie, address, phone, e-mail).
_SIGNATURE_LINES = 9
#: the mairie's opening hours under a signature (« Accueil du public : lundi … de 14 h à 18 h », « Horaires : … »)
_HOURS = re.compile(r"(?i)^(?:accueil(?:\s+du\s+public)?|horaires?(?:\s+d['’]ouverture)?|ouverture|ouvert|permanences?)"
                    r"\b.{0,80}\d|\b(?:lundi|mardi|mercredi|jeudi|vendredi|samedi)\b.{0,60}\b\d{1,2}\s*h")
_CONTACT_LABEL = re.compile(r"(?:t[ée]l(?:[ée]phone)?|portable|mobile|fixe|fax|standard|e-?mail|mail|courriel|site)"
                            r"\.?(?:\s*[:/]\s*)?", re.IGNORECASE)
_ADDRESS_LINE = re.compile(r"\b\d{5}\s+[A-ZÀ-Ý]")  # a postcode before a town

SIGN_OFF = _SIGN_OFF  # a sign-off alone on its line: ``SIGN_OFF.fullmatch`` (the mail channel splits signatures there)


def find_signature(text: object) -> dict[str, str]:
    """The name and the title signed at the end of a letter (« Cordialement,\\nMartine Roux\\nSecrétaire de mairie
    \\n03 84 … »; « … Bien à vous, Jean Martin, maire »): ``{"name": …, "role": …}``, each only when found. Lines
    are read from the end (contact lines set aside); a signature is trusted only on its own lines or after a
    sign-off, never inside a sentence."""
    out: dict[str, str] = {}
    if not isinstance(text, str) or not text.strip():
        return out
    lines = [ln.strip() for ln in text[:_MAX].strip().splitlines() if ln.strip()]
    tail: list[str] = []
    # the last line of a one-paragraph message may end with « Cordialement, Jean Martin »
    last = lines[-1] if lines else ""
    m = re.search(r"[.!?]\s*((?:bien\s+)?cordialement|bien\s+à\s+vous|salutations[^,.]*|merci[^,.]*)[\s,.]+(.+)$", last,
                  re.IGNORECASE)
    last_sentence = re.search(r"[.!?]\s+([^.!?]{3,60}?)[.!]?\s*$", last)
    if len(lines) == 1 and m:
        tail = [p.strip() for p in re.split(r",", m.group(2)) if p.strip()]
    elif len(lines) == 1 and last_sentence and find_bare_name(last_sentence.group(1).strip(" ,;:")):
        tail = [last_sentence.group(1)]  # « Voilà, c'est tout. Thomas Roy »
    elif len(lines) > 1:
        tail = lines[-_SIGNATURE_LINES:] if len(lines) > _SIGNATURE_LINES else lines[1:]
        tail = [_SIGN_OFF.sub("", ln).strip() for ln in tail]
        tail = [ln for ln in tail if ln]
    titles: list[str] = []  # read from the end: the last one is the title right under the name
    for line in reversed(tail):
        rest = strip_contact(line).strip(" ,;:.–—-|/·•")  # the separators left between a phone and an e-mail
        if not rest or _CONTACT_LABEL.fullmatch(rest) or _ADDRESS_LINE.search(rest) or _HOURS.search(rest):
            continue  # a phone or e-mail line (« Tél. : 03 84 … »), a postal address (« … – 90110 Rougemont »), the
            # opening hours (« Accueil du public : lundi, mardi et jeudi de 14 h à 18 h »)
        words = rest.split()
        if len(words) > 12 or re.search(r"[.!?]\s+\S", rest):
            break  # a sentence: the signature is above nothing more
        head, sep, after = rest.partition(",")
        name = find_bare_name(head if sep else rest)
        if name and "name" not in out:
            out["name"] = name
            if sep and "role" not in out:
                role = find_role(after, asked=True)
                if role:
                    out["role"] = role
            continue
        role = find_role(rest, asked=True) if len(words) <= 8 else find_role(rest)
        if role and not re.search(r"\b(?:part|nom)\b", rest, re.IGNORECASE):
            titles.append(role)  # (« Président de la CC …\nMaire de Lamadeleine »: several titles, the first is his)
            continue
        if re.match(r"(?i)(?:mairie|commune|ville|cc|communaut[ée]|agglom[ée]ration|syndicat|h[ôo]tel de ville)\b", rest):
            continue  # the collectivité's line of a signature (read by the referential)
        break
    if titles and "role" not in out:
        out["role"] = titles[-1]
    return out


#: At most this many lines after a sign-off make a signature (name, title, mairie, address, phone, e-mail, site…).
SIGNATURE_MAX_LINES = 10


def split_signature(text: str) -> tuple[str, str]:
    """(the words, the signature) where the stripper found none: the signature starts at the last line that is a
    sign-off alone (« Bien cordialement, », « Bien à vous », « Merci d'avance, » — the dialogue's own list,
    ``intents.signature.SIGN_OFF``) or the ``--`` separator, when what follows is a few short lines and no question.
    Otherwise the text is left whole (a sign-off inside a sentence never cuts it)."""
    lines = text.split("\n")
    for i in range(len(lines) - 1, 0, -1):
        line = lines[i].strip()
        if not line or not (line.rstrip() in ("--", "—", "__") or SIGN_OFF.fullmatch(line)):
            continue
        tail = [ln.strip() for ln in lines[i + 1:] if ln.strip()]
        body = "\n".join(lines[:i]).strip()
        if body and len(tail) <= SIGNATURE_MAX_LINES and all(len(ln) <= 100 and "?" not in ln for ln in tail):
            return body, "\n".join(lines[i:]).strip()
        break
    return text, ""


def _opening_line(line: str) -> bool:
    """« Bonjour, », « Madame, Monsieur, », « Monsieur le Préfet, » alone on a line (the need reader's head
    patterns, exact)."""
    from intents.need import OPENINGS

    for pattern in OPENINGS:
        m = pattern.match(line)
        if m and m.end() == len(line):
            return True
    return False


def reading_text(text: str) -> str:
    """What a message says, to be read for its meaning (encoded): the text without the signature under a sign-off
    line (« Cordialement,\nMarie Dupont\nSecrétaire de mairie\nTél : … ») and without the opening formula alone on
    its first line (« Bonjour, », « Madame, Monsieur, »). Facts (name, title, phone) are read from the whole text by
    the rules; the encoder needs the words of the message only. A text on one line is left as it is."""
    if not isinstance(text, str) or "\n" not in text:
        return text
    body, signature = split_signature(text)
    words = body if signature else text
    lines = words.split("\n")
    i = 0
    while i < len(lines) - 1 and (not lines[i].strip() or _opening_line(lines[i].strip())):
        i += 1
    rest = "\n".join(lines[i:]).strip()
    return rest if i and re.search(r"[^\W\d_]", rest) else words


#: a forwarded message's header: « ---------- Message transféré --------- », then « De : … », « À : Nom <adresse> »
_FORWARDED = re.compile(r"(?im)^\s*-{2,}\s*(?:message\s+transf[ée]r[ée]|forwarded\s+message|message\s+d['’]origine|"
                        r"original\s+message)\s*-{2,}\s*$")
_HEADER_TO = re.compile(r"(?im)^\s*(?:À|A|To|Pour)\s*:\s*([^<\n]+?)\s*<[^>\n]+@[^>\n]+>\s*$")


def forwarded_recipient(text: object) -> str | None:
    """The name the forwarded message was sent to (« À : Thierry Lab <thierry.lab@…> » under « Message transféré »):
    the person who forwards it, writing to us; ``None`` when the text forwards nothing."""
    if not isinstance(text, str):
        return None
    fwd = _FORWARDED.search(text[:_MAX])
    if not fwd:
        return None
    to = _HEADER_TO.search(text[:_MAX], fwd.end())
    return find_bare_name(to.group(1).strip(" \"'")) if to else None
