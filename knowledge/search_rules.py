"""The matcher's reading rules: eligibility of an offer for a commune or EPCI (population, kinds, memberships,
laureates, rural, départements, with the laureate and member factors), and the agent's reading of the asset
(named by an offer's keyword, or only the purpose of the project).
"""

from __future__ import annotations

from typing import Any, Protocol

from intents.normalize import stem
from knowledge.rank import WORKS_WORDS, Reading
from knowledge.reasons import MEMBERSHIP_LABELS, MEMBERSHIP_REASONS, WORDING, _fmt_int, _pop_max_wording
from knowledge.schema import Offer
from knowledge.search_index import _Query
from knowledge.search_tuning import (
    INELIGIBLE_FACTOR,
    LAUREATE_FACTOR,
    MEMBER_FACTOR,
    PURPOSE_WORDS,
    UNCERTAIN_FACTOR,
)

#: Offers whose laureates are also given by a membership of the ``Place`` (territory referential).
OFFER_MEMBERSHIP: dict[str, str] = {
    "action-coeur-de-ville": "acv",
    "petites-villes-de-demain": "pvd",
    "villages-d-avenir": "villages-d-avenir",
    "territoires-d-industrie": "ti",
    "france-services": "france-services",
    "politique-de-la-ville": "qpv",
}


class PlaceLike(Protocol):
    code: str
    name: str
    kind: str
    departement: str
    population: int | None
    epci_code: str | None
    epci_name: str | None
    memberships: frozenset[str]


class _Rules:
    """The reading-rules half of ``Matcher`` (uses the index that ``_Index._build`` made)."""

    offers: dict[str, Offer]
    territory: Any
    departement: str
    _specific_keywords: frozenset[tuple[str, ...]]
    _specific_stems: frozenset[str]

    def _asset_keyword(self, words: list[str], span: tuple[int, ...]) -> bool:
        """A specific offer (not a general grant) has this asset, as the need words it, among its own keywords."""
        key = tuple(stem(words[k]) for k in span)
        return key in self._specific_keywords

    def _asset_is_purpose(self, query: _Query, reading: Reading) -> bool:
        """The need opens on a specific object and names the asset only after « pour » / « afin de »: the asset is
        what the project serves, not the project (« géothermie pour la piscine »). Works, request and filler words
        before « pour » do not make an object (« travaux pour l'école », « aide pour la mairie »)."""
        words = query.words
        cut = next((i for i, w in enumerate(words) if w in PURPOSE_WORDS), None)
        if not cut or any(span[0] < cut for span in reading.assets):
            return False
        specific = self._specific_stems
        return any(
            it.source[0] < cut and it.weight >= 0.5 and it.stem in specific
            and words[it.source[0]] not in WORKS_WORDS
            for it in query.items if len(it.source) == 1
        )

    # --- eligibility -----------------------------------------------------------------------------------------------
    def _place(self, code: str | None) -> PlaceLike | None:
        if not code or self.territory is None:
            return None
        try:
            return self.territory.place(str(code).strip().upper())
        except Exception:  # noqa: BLE001 - an unknown code is not an error here
            return None

    def _list_complete(self, membership: str, departement: str) -> bool | None:
        """True: our list of this membership for the département is complete (absence means "not a member");
        False: the list is known to be incomplete; None: no list (or a referential that does not say)."""
        info = getattr(self.territory, "membership_info", None)
        if info is None:
            return None
        try:
            lists = info(membership, departement)
        except Exception:  # noqa: BLE001 - a referential without this information
            return None
        if not lists:
            return None
        return all(getattr(lst, "complete", False) for lst in lists)

    def eligibility(self, offer_id: str, commune_code: str | None) -> tuple[bool | None, list[str], list[str]]:
        """(eligible, reasons, warnings) of one offer for one commune or EPCI (public for the dialogue's details)."""
        offer = self.offers.get(offer_id)
        if offer is None:
            return None, [], []
        eligible, reasons, warnings, _ = self._eligibility(offer, self._place(commune_code))
        return eligible, reasons, warnings

    def _eligibility(
        self, offer: Offer, place: PlaceLike | None
    ) -> tuple[bool | None, list[str], list[str], float]:
        """(eligible, reasons, warnings, ranking factor)."""
        rules = offer.eligibility
        reasons: list[str] = []
        warnings: list[str] = []
        failures: list[str] = []
        unknown = False
        local = offer.local.get(self.departement)
        kind_word = "communes" if (rules.kinds or ["commune"]) == ["commune"] else (
            "intercommunalités" if rules.kinds == ["epci"] else "collectivités"
        )
        if offer.status == "ferme":
            warnings.append(WORDING["status_ferme"])
        elif offer.status == "incertain":
            warnings.append(WORDING["status_incertain"])

        if place is None:
            if rules.population_max is not None:
                key, limit = _pop_max_wording(rules.population_max)
                warnings.append(WORDING[key + "_nocommune"].format(kind=kind_word, limit=limit))
            if rules.population_min is not None:
                warnings.append(WORDING["pop_min_nocommune"].format(kind=kind_word, limit=_fmt_int(rules.population_min)))
            if rules.requires_any:
                warnings.append(
                    WORDING["requires_any_nocommune"].format(
                        memberships=" ou ".join(MEMBERSHIP_LABELS.get(m, m) for m in rules.requires_any)
                    )
                )
            if rules.laureates_only:
                warnings.append(WORDING["closed_list_nocommune"])
            if rules.rural_only:
                warnings.append(WORDING["rural_nocommune"])
            if rules.uncertain:
                warnings.append(WORDING["uncertain"].format(text=rules.text))
            return None, reasons, warnings, (UNCERTAIN_FACTOR if rules.uncertain else 1.0)

        name = place.name
        population = place.population
        memberships = set(getattr(place, "memberships", ()) or ())
        # départements
        if rules.departements and place.departement not in rules.departements:
            failures.append(WORDING["departements"].format(departements=", ".join(rules.departements)))
        # kinds
        if rules.kinds and place.kind not in rules.kinds:
            if place.kind == "commune" and rules.kinds == ["epci"]:
                epci = getattr(place, "epci_name", None)
                # a commune can still go through its EPCI: a warning, not an exclusion
                warnings.append(WORDING["kind_epci"].format(epci=epci) if epci else WORDING["kind_epci_noname"])
            else:
                failures.append(WORDING["kind_commune"])
        # population: population_min/max bound a commune applicant (or an EPCI applicant when the offer is for
        # EPCIs only); epci_population_max bounds an EPCI applicant. A commune is never judged on its EPCI's size.
        bounds_apply = place.kind == "commune" or (place.kind == "epci" and rules.kinds == ["epci"])
        if population is not None:
            if bounds_apply and rules.population_max is not None and (not rules.kinds or place.kind in rules.kinds):
                if population > rules.population_max:
                    key, limit = _pop_max_wording(rules.population_max)
                    failures.append(
                        WORDING[key].format(kind="communes" if place.kind == "commune" else kind_word, limit=limit,
                                            name=name, population=_fmt_int(population))
                    )
            if bounds_apply and rules.population_min is not None and (not rules.kinds or place.kind in rules.kinds):
                if population < rules.population_min:
                    failures.append(
                        WORDING["pop_min"].format(
                            kind=kind_word, limit=_fmt_int(rules.population_min), name=name, population=_fmt_int(population)
                        )
                    )
            if place.kind == "epci" and rules.epci_population_max is not None and population > rules.epci_population_max:
                failures.append(
                    WORDING["epci_pop_max"].format(
                        limit=_fmt_int(rules.epci_population_max), name=name, population=_fmt_int(population)
                    )
                )
        elif rules.population_max is not None or rules.population_min is not None or rules.epci_population_max is not None:
            unknown = True
        # memberships
        if rules.requires_any:
            have = [m for m in rules.requires_any if m in memberships]
            if have:
                reasons.append(f"{name} {MEMBERSHIP_REASONS.get(have[0], have[0])}")
            else:
                labels = " ou ".join(MEMBERSHIP_LABELS.get(m, m) for m in rules.requires_any)
                if all(self._list_complete(m, place.departement) for m in rules.requires_any):
                    failures.append(WORDING["requires_any"].format(memberships=labels, name=name))
                else:  # a list we know to be incomplete, or none at all: never conclude "not a member"
                    warnings.append(WORDING["requires_any_unsure"].format(memberships=labels, name=name))
                    unknown = True
        # closed list of laureates
        membership_key = OFFER_MEMBERSHIP.get(offer.id)
        laureates = set(local.laureates) if local else set()
        is_laureate = place.code in laureates or (membership_key is not None and membership_key in memberships)
        via_epci = (
            not is_laureate and place.kind == "commune" and place.epci_code is not None and place.epci_code in laureates
        )
        if is_laureate or via_epci:
            programme = offer.name
            if is_laureate:
                key = "laureate_commune" if place.kind == "commune" else "laureate_epci"
                text = WORDING[key].format(name=name, programme=programme)
            else:
                text = WORDING["laureate_via_epci"].format(epci=place.epci_name or place.epci_code, name=name, programme=programme)
            if text not in reasons and not (rules.requires_any and membership_key in (rules.requires_any or [])):
                reasons.append(text)
        elif rules.laureates_only:
            if local is None or (not local.laureates and place.departement == self.departement):
                warnings.append(WORDING["closed_list_unknown"])
                unknown = True
            elif place.departement != self.departement:
                warnings.append(WORDING["closed_list_unknown"])
                unknown = True
            elif local.uncertain or (membership_key and self._list_complete(membership_key, place.departement) is False):
                warnings.append(WORDING["closed_list_uncertain"])
                unknown = True
            else:
                failures.append(WORDING["closed_list"].format(name=name))
        # rural (approximation from population: we have no density grid)
        if rules.rural_only and place.kind == "commune":
            if population is None:
                warnings.append(WORDING["rural_unsure"].format(name=name))
                unknown = True
            elif population >= 10000:
                failures.append(WORDING["rural_no"].format(name=name, population=_fmt_int(population)))
            elif population < 2000:
                warnings.append(WORDING["rural_maybe"].format(name=name))
            else:
                warnings.append(WORDING["rural_unsure"].format(name=name))
                unknown = True

        if rules.uncertain:
            # uncertain rules never exclude: failures become warnings
            warnings.extend(failures)
            if not failures and not unknown:
                warnings.append(WORDING["uncertain"].format(text=rules.text))
            return None, reasons, warnings, UNCERTAIN_FACTOR * (MEMBER_FACTOR if reasons else 1.0)
        if failures:
            return False, reasons, failures + warnings, INELIGIBLE_FACTOR
        direct = is_laureate and (not rules.kinds or place.kind in rules.kinds)
        boost = LAUREATE_FACTOR if direct else (MEMBER_FACTOR if reasons else 1.0)
        if unknown:
            return None, reasons, warnings, UNCERTAIN_FACTOR * boost
        return True, reasons, warnings, boost
