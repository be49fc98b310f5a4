"""One warning per offer, the most important first (issue 21: « ⚠️ Calendrier incertain » on nearly every offer made
mayors stop reading warnings).

The matcher (``knowledge.search``) lists every caution it finds; what a person is shown is at most one of them, in this
order of importance:

1. what decides, for this commune, whether or how it can get the offer (an EPCI carries it, a closed list, a
   population or rural rule to check): that changes what the mayor does next;
2. the offer's own ``warning`` (``offers/<id>.yaml``), written only when something changes what a mayor does in the
   next 12 months (an end date, a budget cut, no call known since 2021), from the offer's sources;
3. no open call (status ``ferme``).

The matcher's generic lines (« Calendrier incertain », « Conditions d'accès incertaines ») are never shown: what is
uncertain is said in the offer's own text, and the date of its facts is shown with it.
"""

from __future__ import annotations

from knowledge.schema import Offer
from knowledge.search import WORDING

#: generic lines of the matcher: they never outrank a specific one
GENERIC = (WORDING["status_incertain"], WORDING["uncertain"])
STATUS_FERME = WORDING["status_ferme"]


def ranked(offer: Offer | None, warnings: list[str]) -> list[str]:
    """Every warning worth showing for an offer, most important first (deduplicated)."""
    out = [w for w in warnings if w not in GENERIC and w != STATUS_FERME]
    if offer is not None and offer.warning:
        out.append(" ".join(offer.warning.split()))
    if STATUS_FERME in warnings:
        out.append(STATUS_FERME)
    seen: set[str] = set()
    return [w for w in out if not (w in seen or seen.add(w))]


def one_warning(offer: Offer | None, warnings: list[str]) -> list[str]:
    """At most one warning: the most important (see the module's docstring)."""
    return ranked(offer, list(warnings))[:1]
