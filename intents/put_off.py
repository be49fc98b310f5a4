"""Words that put a project off (« le parking peut attendre », « mais ça c'est pour plus tard »): exact structures
read beside the labelled clauses of the need distiller (``intents.distill``), which use them."""

from __future__ import annotations

import re

__all__ = ["named_put_off", "PUT_OFF", "LATER"]

#: a thing named, then said to be for later (« Le parking peut attendre », « l atelier on verra l an prochain »,
#: « la cantine passe après », « le préau, ce sera pour une autre fois »): the sentence vectors read the thing, not
#: what is said of it, so this one structure is read exactly
_NAMED_LATER = re.compile(
    r"(?i)^(?:(?:et|mais|bon|alors|par\s+contre)\s+)?(?:(?:pour|quant\s+[aà]|concernant)\s+)?"
    r"(?:le|la|les|l['’]|l\s+|notre|nos|ce|cette|ces)\s*[^,.;:!?]{2,50}?[\s,]+(?:(?:[çc]a|cela|on|il|elle|ils|elles)\s+)?"
    r"(?:(?:peut|peuvent|pourra|pourront|va|devra)\s+attendre|attendra|attendront|"
    r"(?:on\s+)?verra\s+(?:plus\s+tard|apr[eè]s|l['’\s]?an\s+prochain|l['’\s]ann[ée]e\s+prochaine|une\s+autre\s+fois)|"
    r"(?:ce\s+sera|c['’\s]est|c|sera)\s+pour\s+(?:plus\s+tard|apr[eè]s|une\s+autre\s+fois|le\s+prochain\s+mandat|"
    r"l['’\s]an\s+prochain|l['’\s]ann[ée]e\s+prochaine)|"
    r"(?:n['’\s]?)?(?:est|sera)\s+pas\s+(?:la\s+)?priorit\w*|passe(?:ra)?\s+apr[eè]s)\b")
#: … unless it says the opposite (« la toiture ne peut plus attendre », « ça n'attendra pas »)
_NOT_LATER = re.compile(r"(?i)\b(?:ne|n['’\s])\s*(?:peu\w*|pourr\w*|va|attend\w*|devr\w*)\b|\b(?:plus|pas)\s+attendre\b|"
                        r"\burgen\w*|^(?:\w+\s+){0,3}?(?:les\s+travaux|le\s+chantier|le\s+projet|le\s+dossier|la\s+demande|"
                        r"tout)\b")  # (the works themselves waiting is their date: « les travaux peuvent attendre le printemps »)


def named_put_off(text: str) -> bool:
    """The clause names a thing and puts it off, and nothing else (a short clause)."""
    t = text.strip()
    return len(t.split()) <= 12 and bool(_NAMED_LATER.match(t)) and not _NOT_LATER.search(t)


#: a clause that puts off what was just said, by a pronoun (« mais ça c'est pour plus tard », « ça on verra »)
PUT_OFF = re.compile(r"(?i)^(?:(?:et|mais)\s+)?(?:ça|ca|cela|celui-ci|celle-ci|ce\s+dernier|cette\s+partie)\b")
#: … and says it is for later (« ça rentre dedans ? » puts nothing off)
LATER = re.compile(r"(?i)\b(?:plus\s+tard|on\s+verra|verra|attendr\w*|apr[eè]s|pas\s+(?:pour\s+)?maintenant|pas\s+tout\s+de\s+suite|"
                   r"une\s+autre\s+fois|un\s+autre\s+dossier|pas\s+la\s+priorit[ée]|pas\s+prioritaire|on\s+laisse|de\s+c[oô]t[ée]|ult[ée]rieur\w*|"
                   r"entre\s+parenth[eè]ses|on\s+oublie|repouss\w*|report\w*|prochain\s+mandat|en\s+suspens)")
