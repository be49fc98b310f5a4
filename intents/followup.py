"""The object of a follow-up question: « et ça marche pour une salle des fêtes ? » → « une salle des fêtes ».

Pure, never raises. None when the message is not a « (et) (ça marche) pour / avec / aussi … » follow-up.
"""

from __future__ import annotations

import re

__all__ = ["followup_object"]

_HEAD = re.compile(
    r"^\s*(?:et\s+|mais\s+|ok\s*,?\s*|d['’]accord\s*,?\s*|merci\s*,?\s*(?:et\s+)?)*"
    r"(?:(?:est[- ]ce\s+que|est[- ]ce\s+qu['’])\s*)?"
    r"(?:(?:[çc]a|cela|c['’]est|il|elle|on\s+peut\s+l['’]utiliser|je\s+peux\s+l['’]utiliser)\s+"
    r"(?:marche(?:rait)?|fonctionne(?:rait)?|vaut|s['’]applique(?:rait)?|est\s+valable|valable|possible|ok|"
    r"pareil|le\s+m[êe]me)\s*(?:aussi\s+)?)?"
    r"(?:aussi\s+)?(?:pour|avec|sur|dans|concernant)\s+(?P<object>.+)$",
    re.IGNORECASE | re.DOTALL,
)
_TAIL = re.compile(r"[\s?!.…]*(?:aussi|[aà]\s+ce\s+moment[- ]l[aà]|alors|du\s+coup|svp|s['’]il\s+vous\s+pla[iî]t)?[\s?!.…]*$",
                   re.IGNORECASE)


def followup_object(text: object) -> str | None:
    if not isinstance(text, str) or len(text) > 300:
        return None
    m = _HEAD.match(text.strip())
    if not m:
        return None
    obj = _TAIL.sub("", m.group("object")).strip(" ,;:")
    return obj if len(obj) >= 3 else None
