"""A message cut into clauses: sentences, then the parts of a sentence between commas, dashes, colons and brackets
(a relative clause apart on demand); dictated punctuation (« virgule », « point ») read as punctuation. Split out of
``intents.distill`` (which re-exports ``Clause``, ``split_clauses``, ``spoken`` and ``spoken_clauses``). Pure; never
raises."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Clause", "split_clauses", "spoken", "spoken_clauses", "SPOKEN_CLAUSE_WORDS", "SENTENCE_END"]

SENTENCE_END = re.compile(r"(?<=[.!?…;])\s+|\s*\n+\s*")  # where a sentence ends (shared)
#: (« le car », « en car »: the coach, not « because »)
_PIECE_SEP = re.compile(r",\s+|\s[–—/-]\s|:\s|\s\(|\)\s*|(?<!\ble)(?<!\bun)(?<!\bdu)(?<!\bau)(?<!\ben)(?<!\bde)"
                        r"\s(?=(?:mais|car|parce\s+que?)\b)|\s(?=(?:alors|du\s+coup)\s+(?:[çc]a|cela|on|nous|il|elle|ils|"
                        r"elles|c['’]est|le|la|les)\b)")
_PIECE_SEP_RELATIVE = re.compile(_PIECE_SEP.pattern + r"|\s(?=qui\b)")  # « le toit de l'église | qui fuit »
#: reported words: « le SDIS nous a signalé | que le hameau n'a pas de défense incendie » (a pronoun, an auxiliary,
#: a participle, « que »): who said it is not the project, what was said may be
_REPORTED = re.compile(r"(?i)\b(?:nous|m['’]|vous|leur|lui)\s*(?:a|ont|avait|avaient)\s+[a-zà-ÿ]+[ée]s?\s+(qu(?:e\s+|['’]))")


@dataclass
class Clause:
    text: str
    start: int
    end: int
    label: str = "project"
    score: float = 0.0  # how sure the label is (0–1)
    project: float = 0.0  # the weight of « project » among the neighbours


#: dictated punctuation (« … services techniques virgule le budget … point on a … »)
_SPOKEN_COMMA = re.compile(r"\s+virgule\b", re.IGNORECASE)
_SPOKEN_STOP = re.compile(r"\s+point(?:\s+(?:à|a)\s+la\s+ligne)?(?=\s+(?:on|nous|je|j['’]|il|elle|c['’]est|et|le|la|"
                         r"les|l['’]|mais|donc|alors|ce|ça|ca)\b|\s*$)", re.IGNORECASE)
#: a field's label at the start of a line (« Stade : APS rendu », « Coût : … »): a name of a field, not words said
_LABEL = re.compile(r"(?m)^\s*[A-Za-zÀ-ÿ'’]+(?:\s+[A-Za-zÀ-ÿ'’]+)?\s*:\s+")


def spoken(text: str) -> str:
    """``text`` with dictated punctuation written (« virgule » → « , », « point » before a new sentence → « . »)."""
    if not isinstance(text, str):
        return ""
    return _SPOKEN_STOP.sub(".", _SPOKEN_COMMA.sub(",", text))


#: in dictated text without punctuation, a subject that opens a new clause (« … hors taxes | on voudrait faire ça en
#: 2028 | on cherche des subventions »), not one inside a clause (« ce qu on veut », « dont nous avons besoin »)
_SPOKEN_CLAUSE = re.compile(r"(?<!\bque)(?<!\bqu)(?<!\bdont)(?<!\bsi)(?<!\bquand)(?<!\bcomme)(?<!\bou)(?<!\boù)"
                            r"\s+(?=(?:on|nous|je|il\s+(?:faut|faudrait|faudra|nous\s+faut))\b)", re.IGNORECASE)
#: a dictated message this long, without any punctuation, is read clause by clause
SPOKEN_CLAUSE_WORDS = 12


def spoken_clauses(text: str) -> str:
    """Dictated ``text`` without any punctuation, its clauses marked (« . » before a subject that opens one); any
    other text unchanged."""
    if not isinstance(text, str) or re.search(r"[.,;:!?…\n]", text) or len(text.split()) < SPOKEN_CLAUSE_WORDS:
        return text
    return _SPOKEN_CLAUSE.sub(". ", text)


_BULLET = re.compile(r"\s*(?:[-•*–—▪►]|\d{1,2}[.)])\s+")


_ACRONYM = re.compile(r"\(([A-ZÀ-Þ0-9]{2,8})\)")


def split_clauses(text: str, relatives: bool = False) -> list[Clause]:
    """The clauses of ``text`` with their spans (sentences, then the parts of a sentence; ``relatives``: a relative
    clause, « qui … », apart too)."""
    out: list[Clause] = []
    if not isinstance(text, str):
        return out
    # an acronym in brackets is no clause of its own (« la zone d'activités économiques (ZAE) de Bessoncourt »):
    # its brackets are read as spaces (the same length: the clauses' spans stay those of the text)
    text = _ACRONYM.sub(lambda m: " " + m.group(1) + " ", text)
    sentences, pos = [], 0
    for m in SENTENCE_END.finditer(text):
        sentences.append((pos, m.start()))
        pos = m.end()
    sentences.append((pos, len(text)))
    for start, end in sentences:
        label = _LABEL.match(text, start, end) if "\n" in text else None
        pos = label.end() if label else start  # « Projet : … » on a line of a form: the value only
        cuts = [m for m in (_PIECE_SEP_RELATIVE if relatives else _PIECE_SEP).finditer(text, start, end)]
        bounds = []
        for m in cuts:
            bounds.append((pos, m.start()))
            pos = m.end()
        bounds.append((pos, end))
        split = []
        for a, b in bounds:
            m = _REPORTED.search(text, a, b)
            split += [(a, m.start(1)), (m.end(1), b)] if m else [(a, b)]
        for a, b in split:
            if re.match(r"\s*:", text[b:b + 2]) and len(text[a:b].split()) <= 2:
                continue  # « Commune : Danjoutin / Montant : … »: a field's name, not words of the project
            piece = text[a:b]
            bullet = _BULLET.match(piece)  # « - on veut la réhabiliter … »: a list's mark is no word of the clause
            if bullet:
                a, piece = a + bullet.end(), piece[bullet.end():]
            lead = len(piece) - len(piece.lstrip())
            piece = piece.strip().rstrip(".!?…;").strip()
            if re.search(r"\w", piece):
                out.append(Clause(piece, a + lead, a + lead + len(piece)))
    return out
