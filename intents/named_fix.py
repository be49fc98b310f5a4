"""A correction that names the fact it changes, without the « X, pas Y » shape (« c'est bon sauf la date :
l'architecte dit qu'on ne sera pas prêts, mettez à la Toussaint 2027 », « il y a une erreur sur le budget : 95 000 »,
« la commune n'est pas la bonne : c'est Petit-Croix », « pour le téléphone, mettez plutôt le 03 84 … »): which fact,
and the words that say its new value. Exact: the fact's name right after the words that single it out (« sauf »,
« à part », « erreur sur », « changez ») or just before the words that say it is wrong (« … n'est pas la bonne »,
« … est faux »). Pure; never raises."""

from __future__ import annotations

import re

__all__ = ["slot_named", "new_words"]

#: the names people give the facts of the recap (its labels and their usual words)
_NOUNS = {
    "timing": r"dates?|calendrier|[ée]ch[ée]ances?|d[ée]lais?|p[ée]riode|planning",
    "budget": r"budget|montant|co[uû]t|prix|chiffrage|estimation|somme",
    "commune": r"commune|collectivit[ée]|ville|village|localit[ée]",
    "role": r"fonction|r[ôo]le|qualit[ée]|poste",
    "stage": r"[ée]tape|stade|avancement|[ée]tat\s+d['’]\s*avancement",
    "help": r"aide\s+souhait[ée]e|type\s+d['’]\s*aide|aide",
    "name": r"nom\s+de\s+famille|pr[ée]nom|nom",
    "phone": r"t[ée]l[ée]phone|t[ée]l|num[ée]ro(?:\s+de\s+t[ée]l[ée]phone)?|portable",
    "email": r"adresse\s+(?:e-?)?mail|e-?mail|mail|courriel|adresse",
}
_NOUN = "|".join(f"(?P<{slot}>{words})" for slot, words in _NOUNS.items())
_DET = r"(?:le|la|les|l['’]\s*|mon|ma|mes|notre|nos|votre|vos|du|de\s+la|de\s+l['’]\s*|des|sur\s+(?:le|la|l['’]\s*))\s*"
_NAMED = rf"{_DET}(?:{_NOUN})\b"
#: the fact singled out (« sauf la date », « à part le budget », « erreur sur la commune », « changez le téléphone »)
_SINGLED = re.compile(
    r"(?i)\b(?:sauf|[àa]\s+part|hormis|except[ée]|erreurs?\s+(?:sur|dans|de|pour)|(?:une\s+)?faute\s+(?:sur|dans)|"
    r"(?:corrig|modifi|chang|rectifi)\w*|pour)\s+(?:pour\s+)?" + _NAMED)
#: the fact said wrong (« la date n'est pas bonne », « le montant est faux », « le mail est à corriger »)
_WRONG = re.compile(r"(?i)\b" + _NAMED + r"\s+(?:(?:n['’]\s*|n\s+|ne\s+)?(?:est|était)\s+pas|c(?:['’]\s*|\s+)est\s+pas)\s+"
                    r"(?:la\s+bonne|le\s+bon|bon\w*|juste|correct\w*|exact\w*)\b")
_WRONG_IS = re.compile(r"(?i)\b" + _NAMED + r"\s+(?:est|était)\s+(?:faux|fausse|erron\w+|incorrect\w*|inexact\w*|"
                       r"mauvais\w*|[àa]\s+(?:changer|corriger|revoir|modifier))\b")
#: what leads the new value (« mettez à la Toussaint 2027 », « c'est 95 000 », « plutôt le 03 … »)
_NEW_CUE = re.compile(r"(?i)\b(?:mettez|mets|mettre|notez|note|indiquez|[ée]crivez|inscrivez|remplacez\s+par|"
                      r"il\s+faut\s+lire|lire|plut[ôo]t|c['’]\s*est|ce\s+sera|ça\s+sera|ca\s+sera)\b\s*(?:plut[ôo]t\s+)?")


def slot_named(text: object) -> tuple[str, str] | None:
    """(the slot a correction names, the words after its name); ``None`` when the message names none so."""
    if not isinstance(text, str) or not text.strip():
        return None
    said = text[:1500]
    found = [m for m in (_SINGLED.search(said), _WRONG.search(said), _WRONG_IS.search(said)) if m]
    if not found:
        return None
    m = min(found, key=lambda f: f.start())
    if m.re is _SINGLED and re.match(r"(?i)pour\b", m.group(0)):
        # « pour la date, mettez … »: only with the words of a new value right after the fact's name
        if not _NEW_CUE.match(re.sub(r"^\s*[,:;]?\s*", "", said[m.end():])):
            return None
    slot = next(name for name in _NOUNS if m.group(name))
    return slot, said[m.end():]


def new_words(rest: str) -> list[str]:
    """Where the new value is looked for, best first: after the last words that lead it (« … pas prêts pour la
    rentrée, mettez à la Toussaint 2027 » → « à la Toussaint 2027 »), then all the words after the fact's name."""
    rest = rest.strip(" ,;:.!-–—")
    cues = list(_NEW_CUE.finditer(rest))
    out = [rest[cues[-1].end():].strip(" ,;:.!")] if cues else []
    return [w for w in out + [rest] if w]
