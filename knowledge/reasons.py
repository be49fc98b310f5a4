"""The French wording of the matcher's reasons and warnings, and the quoting of the need's own words in reasons.

User-facing wording: the short French phrases of reasons and warnings are all in ``WORDING`` below (the knowledge
package may not import ``bot.texts``). ``REASON_NEVER`` lists the words never quoted as a reason.
"""

from __future__ import annotations

import re
from typing import Mapping, Sequence

from intents.normalize import STOP_WORDS, normalize
from knowledge.rank import WEAK_WORDS
from knowledge.search_tuning import NEED_FILLERS

# --- wording (French, shown to mayors) -----------------------------------------------------------------------------
WORDING: dict[str, str] = {
    "words": "mots reconnus : {words}",
    "theme": "thème : {label}",
    "laureate_commune": "{name} est lauréate {programme}",
    "laureate_epci": "{name} fait partie des lauréats {programme}",
    "laureate_via_epci": "{epci} (dont fait partie {name}) est lauréat {programme}",
    "member": "{name} : {membership}",
    "population_ok": "{name} ({population} habitants) remplit la condition de population",
    "pop_max": "Réservé aux {kind} de moins de {limit} habitants ({name} en compte {population}).",
    "pop_max_incl": "Réservé aux {kind} de {limit} habitants au plus ({name} en compte {population}).",
    "pop_min": "Réservé aux {kind} d'au moins {limit} habitants ({name} en compte {population}).",
    "pop_max_nocommune": "Réservé aux {kind} de moins de {limit} habitants.",
    "pop_max_incl_nocommune": "Réservé aux {kind} de {limit} habitants au plus.",
    "pop_min_nocommune": "Réservé aux {kind} d'au moins {limit} habitants.",
    "epci_pop_max": "Réservé aux intercommunalités de {limit} habitants au plus ({name} en compte {population}).",
    "kind_commune": "Réservé aux communes : c'est à la commune de le demander, pas à l'intercommunalité.",
    "kind_epci": "Porté par l'intercommunalité ({epci}), pas par la commune.",
    "kind_epci_noname": "Porté par l'intercommunalité, pas par la commune.",
    "requires_any": "Réservé aux territoires {memberships} ; {name} n'en fait pas partie d'après nos données.",
    "requires_any_nocommune": "Réservé aux territoires {memberships}.",
    "requires_any_unsure": "Réservé aux territoires {memberships} : nos listes ne disent pas si {name} en fait partie, à vérifier.",
    "closed_list": "Liste fermée : {name} n'en fait pas partie d'après nos données.",
    "closed_list_uncertain": "Liste fermée, et notre liste locale peut être incomplète : à vérifier auprès de la préfecture.",
    "closed_list_nocommune": "Liste fermée : seules les collectivités déjà retenues en bénéficient.",
    "closed_list_unknown": "Liste fermée : nous ne connaissons pas les lauréats de ce département, à vérifier.",
    "rural_no": "Réservé aux communes rurales ; {name} ({population} habitants) ne l'est pas.",
    "rural_maybe": "Réservé aux communes rurales : {name} l'est sans doute (estimation d'après la population, à confirmer).",
    "rural_unsure": "Réservé aux communes rurales : à vérifier pour {name} (nous l'estimons d'après la population).",
    "rural_nocommune": "Réservé aux communes rurales.",
    "departements": "Réservé à certains départements ({departements}).",
    "uncertain": "Conditions d'accès incertaines : à vérifier.",
    "status_ferme": "Pas d'appel ouvert en ce moment.",
    "status_incertain": "Calendrier incertain : à vérifier avant de compter dessus.",
}

MEMBERSHIP_LABELS: dict[str, str] = {
    "acv": "Action cœur de ville",
    "pvd": "Petites villes de demain",
    "villages-d-avenir": "Villages d'avenir",
    "qpv": "avec un quartier prioritaire (QPV)",
    "france-services": "avec une France services",
    "montagne": "de montagne",
    "ti": "Territoires d'industrie",
}
MEMBERSHIP_REASONS: dict[str, str] = {
    "acv": "est une ville Action cœur de ville",
    "pvd": "est lauréate Petites villes de demain",
    "villages-d-avenir": "est lauréate Villages d'avenir",
    "qpv": "compte un quartier prioritaire (QPV)",
    "france-services": "a une France services",
    "montagne": "est en zone de montagne",
    "ti": "est dans un Territoire d'industrie",
}


def _fmt_int(n: int | float | None) -> str:
    if n is None:
        return "?"
    return f"{int(n):,}".replace(",", " ")


def _pop_max_wording(population_max: int) -> tuple[str, str]:
    """"moins de 3 500" for an inclusive bound of 3 499; "20 000 au plus" for a bound of 20 000."""
    if (population_max + 1) % 100 == 0:
        return "pop_max", _fmt_int(population_max + 1)
    return "pop_max_incl", _fmt_int(population_max)


_SURFACE_RE = re.compile(r"[^\W_]+")


#: never quoted as a reason (issue 18): function words and words that say who or where, not what
REASON_NEVER = frozenset(
    """
    pendant durant entre avant apres depuis chez vers sans sous selon contre parmi lors afin malgre envers
    aupres hormis sauf puis ensuite deja encore toujours aussi ainsi donc alors car quand comme tres plus moins
    maire maires adjoint adjointe adjoints secretaire secretaires dgs dga president presidente vice conseiller
    conseillere conseillers elu elue elus agent agents directeur directrice charge chargee mission
    intercommunal intercommunale intercommunaux intercommunales communal communale communaux municipal municipale
    municipaux municipales
    """.split()
)
_ROLE_PHRASES = (("secretaire", "de", "mairie"), ("secretaire", "mairie"), ("directeur", "general", "des", "services"),
                 ("directrice", "generale", "des", "services"), ("conseil", "municipal"), ("conseil", "communautaire"))


def _role_positions(words: Sequence[str]) -> set[int]:
    """Indexes of the words of a role phrase (« secrétaire de mairie »: the mairie there is not an asset)."""
    out: set[int] = set()
    for phrase in _ROLE_PHRASES:
        n = len(phrase)
        for i in range(len(words) - n + 1):
            if tuple(words[i : i + n]) == phrase:
                out.update(range(i, i + n))
    return out


class _Surface:
    """The query as typed, aligned lazily with its normalised words, to quote the user's own words in reasons."""

    def __init__(self, text: str, words: Sequence[str]) -> None:
        self.text = text[:20000]
        self.words = words
        self._tokens = _SURFACE_RE.finditer(self.text.lower())
        self._spans: list[tuple[int, int]] = []
        self._broken = False

    def _span(self, index: int) -> tuple[int, int] | None:
        while len(self._spans) <= index and not self._broken:
            target = self.words[len(self._spans)]
            for m in self._tokens:
                if normalize(m.group(0)) == target:
                    self._spans.append(m.span())
                    break
            else:
                self._broken = True
        return self._spans[index] if index < len(self._spans) else None

    def quote(self, first: int, last: int) -> str:
        a, b = self._span(first), self._span(last)
        if a is None or b is None:
            return " ".join(self.words[first : last + 1])
        return " ".join(self.text[a[0] : b[1]].split())


def reason_words(contrib: Mapping[int, float], surface: _Surface, top: int = 4) -> list[str]:
    """The query words that weighed most, quoted as typed, in query order; neighbours (only stop words between)
    are quoted together: "rénovation énergétique de l'école", "maison de santé"."""
    if not contrib:
        return []
    words = surface.words
    # never quote a word that says nothing about the project (« ben », « finalement », « accueillir deux »)
    roles = _role_positions(words)
    quotable = {
        k: v for k, v in contrib.items()
        if v > 0 and k < len(words) and words[k] not in WEAK_WORDS and words[k] not in NEED_FILLERS
        and words[k] not in STOP_WORDS and words[k] not in REASON_NEVER and k not in roles
    }
    best = sorted(quotable.items(), key=lambda kv: -kv[1])[:top]
    keep = sorted(k for k, _ in best)
    groups: list[list[int]] = []
    for k in keep:
        if groups:
            last = groups[-1][-1]
            if k - last <= 3 and all(w in STOP_WORDS for w in words[last + 1 : k]):
                groups[-1].append(k)
                continue
        groups.append([k])
    out: list[str] = []
    for g in groups:
        text = surface.quote(g[0], g[-1])
        if text and text not in out:
            out.append(text)
    return out
