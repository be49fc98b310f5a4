"""Need → offers matcher: a weighted lexical index over the offers, theme detection, and eligibility checks.

How a query is scored (everything that can be is computed once, in ``Matcher.__init__``):

1. The text is normalised and stemmed (``intents.normalize``). A word unknown to the index is corrected with
   rapidfuzz against the index's word vocabulary (typos: "renovasion" → "renovation"); acronyms and synonyms add
   words with a lower weight ("MSP" → "maison de santé pluriprofessionnelle").
2. BM25F-like relevance: each offer is one document whose fields carry weights (name and acronym > keywords >
   what it provides > summary > local text); term frequencies are summed with these weights and saturated.
3. Phrase bonus: a multi-word keyword, the name or the acronym found as a whole in the query.
4. Theme bonus: the themes detected in the query (themes' keywords) favour the offers filed under them.
5. Eligibility for a commune (``Place``): population bounds, commune or EPCI, memberships (PVD, ACV, QPV…), closed
   lists of laureates, rural only (approximated from the population, and said so), départements. An offer the
   commune cannot get is demoted (never dropped) with a warning; uncertain rules only warn.

6. The agent's reading (``knowledge.rank``, issue 11): an asset of ordinary municipal investment lifts the general
   investment grants; a village shop or bar lifts the rural programmes; works and request words weigh little and
   filler words never count; a members-only programme not named is demoted when the collectivité is unknown; themes
   the person confirmed replace the detected ones (``themes=``).
7. ``match_with_confidence`` also says whether the first offers fit only weakly (``MatchResult.unsure``): running
   matters (tariffs, staff, events…), or no asset, no programme named and a low raw score.

``Match.score`` is in [0, 1]: ``raw / (raw + SCALE)`` of the final raw score.

User-facing wording: the short French phrases of reasons and warnings are all in ``WORDING`` (``knowledge.reasons``;
the knowledge package may not import ``bot.texts``).

Where things are: the index, the parsing of a need and the relevance (steps 1 to 4) in ``knowledge.search_index``;
the reading rules (eligibility, step 5, and the asset's place in the need) in ``knowledge.search_rules``; the French
wording of reasons and warnings in ``knowledge.reasons``; every figure in ``knowledge.search_tuning``. This module
ranks (``Matcher``, ``Match``, ``MatchResult``) and every name it has always exported is still importable from it.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from intents.normalize import STOP_WORDS
from knowledge.rank import Reading, read
from knowledge.reasons import (
    _SURFACE_RE,
    _ROLE_PHRASES,
    MEMBERSHIP_LABELS,
    MEMBERSHIP_REASONS,
    REASON_NEVER,
    WORDING,
    _fmt_int,
    _pop_max_wording,
    _role_positions,
    _Surface,
    reason_words,
)
from knowledge.schema import Offer, Theme, ThemeId
from knowledge.search_index import _EXPANSIONS, _MAX_EXP, _Index, _Item, _OfferIndex, _Query, _stems
from knowledge.search_rules import OFFER_MEMBERSHIP, PlaceLike, _Rules
from knowledge.search_tuning import (
    B,
    CONFIDENCE_SCALE,
    CONFIRMED_THEME_BONUS,
    EXPANSION_WEIGHT,
    FALLBACK_BONUS,
    FALLBACK_COVER,
    FALLBACK_MAX,
    FALLBACK_SHARE,
    FEATURES,
    FIELD_WEIGHTS,
    FUZZY_MIN_LEN,
    FUZZY_MIN_RATIO,
    INELIGIBLE_FACTOR,
    K1,
    LAUREATE_FACTOR,
    MAX_FACTOR,
    MAX_WORDS,
    MEMBER_FACTOR,
    NAME_BONUS,
    NEED_FILLERS,
    PHRASE_BONUS_PER_STEM,
    PURPOSE_SHARE,
    PURPOSE_WORDS,
    RESTRICTED_FACTOR,
    RURAL_COMMERCE_BONUS,
    RURAL_COMMERCE_SHARE,
    RURAL_POPULATION,
    SCALE,
    STATUS_FACTOR,
    THEME_BONUS,
    THEME_KEEP_RATIO,
    THEME_SECONDARY,
    UNCERTAIN_FACTOR,
    UNSURE_BELOW,
    WORKS_WEIGHT,
    _FOREIGN_STOP,
)

__all__ = [
    "B",
    "CONFIDENCE_SCALE",
    "CONFIRMED_THEME_BONUS",
    "EXPANSION_WEIGHT",
    "FALLBACK_BONUS",
    "FALLBACK_COVER",
    "FALLBACK_MAX",
    "FALLBACK_SHARE",
    "FEATURES",
    "FIELD_WEIGHTS",
    "FUZZY_MIN_LEN",
    "FUZZY_MIN_RATIO",
    "INELIGIBLE_FACTOR",
    "K1",
    "LAUREATE_FACTOR",
    "MAX_FACTOR",
    "MAX_WORDS",
    "MEMBERSHIP_LABELS",
    "MEMBERSHIP_REASONS",
    "MEMBER_FACTOR",
    "Match",
    "MatchResult",
    "Matcher",
    "NAME_BONUS",
    "NEED_FILLERS",
    "OFFER_MEMBERSHIP",
    "PHRASE_BONUS_PER_STEM",
    "PURPOSE_SHARE",
    "PURPOSE_WORDS",
    "PlaceLike",
    "REASON_NEVER",
    "RESTRICTED_FACTOR",
    "RURAL_COMMERCE_BONUS",
    "RURAL_COMMERCE_SHARE",
    "RURAL_POPULATION",
    "SCALE",
    "STATUS_FACTOR",
    "THEME_BONUS",
    "THEME_KEEP_RATIO",
    "THEME_SECONDARY",
    "UNCERTAIN_FACTOR",
    "UNSURE_BELOW",
    "WORDING",
    "WORKS_WEIGHT",
]
# names of the single module this was, still reached here by older code
_REEXPORTED = (_EXPANSIONS, _MAX_EXP, _SURFACE_RE, _ROLE_PHRASES, _FOREIGN_STOP, _fmt_int, _pop_max_wording, _role_positions, _stems, _Surface, _Item, _Query, _OfferIndex, Offer, Theme, Reading)



@dataclass(frozen=True)
class Match:
    id: str
    name: str
    score: float
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    themes: list[ThemeId] = field(default_factory=list)
    eligible: bool | None = None


@dataclass(frozen=True)
class MatchResult:
    """Ranked offers and whether none of them clearly fits (then a person should look at the need)."""

    results: list[Match]
    unsure: bool
    confidence: float = 0.0


def _looks_like_words(words: Sequence[str]) -> bool:
    """A need in Latin script with at least one plausible content word (not a keyboard smash, not another script)."""
    return any(
        w.isascii() and w.isalpha() and 3 <= len(w) <= 25 and w not in STOP_WORDS and w not in NEED_FILLERS
        and any(c in "aeiouy" for c in w)
        for w in words
    )


@dataclass
class _Confidence:
    """What the confidence of a ranking is computed from."""

    top: float = 0.0  # final raw score of the first offer
    second: float = 0.0
    lexical: float = 0.0  # best lexical score (words shared with an offer, themes and fallbacks left out)
    reading: Reading | None = None
    named: bool = False  # a programme's name or acronym is in the need
    phrased: bool = False  # an offer's multi-word keyword (other than an asset) is in the need

    def value(self) -> float:
        """In [0, 1]: how clearly the first offers fit. Under ``UNSURE_BELOW`` the guichet says it is unsure."""
        if self.top <= 0:
            return 0.0
        reading = self.reading or Reading()
        if reading.administrative and not (self.named or self.phrased):
            return 0.2  # running matters (tariffs, staff, events…): no programme funds them
        if self.named or self.phrased or reading.investment:
            return 0.9
        return min(1.0, self.top / (self.top + CONFIDENCE_SCALE))


class Matcher(_Index, _Rules):
    """Ranks offers for a need. Thread-safe after construction (read-only)."""

    def __init__(
        self,
        offers: Mapping[str, Offer] | Iterable[Offer],
        themes: Mapping[ThemeId, Theme] | Iterable[Theme],
        territory: Any = None,
        departement: str = "90",
        features: Iterable[str] | None = None,
    ) -> None:
        offer_list = list(offers.values()) if isinstance(offers, Mapping) else list(offers)
        theme_list = list(themes.values()) if isinstance(themes, Mapping) else list(themes)
        self.offers: dict[str, Offer] = {o.id: o for o in offer_list}
        self.themes: dict[ThemeId, Theme] = {t.id: t for t in theme_list}
        self.territory = territory
        self.departement = departement
        #: parts of the agent's reading in use (all by default; ``scripts/eval_quality.py --ablation`` turns each off)
        self.features = frozenset(FEATURES if features is None else features)
        self._build()

    _reason_words = staticmethod(reason_words)

    def match(
        self, text: str, commune_code: str | None = None, limit: int = 10, themes: Iterable[Any] | None = None
    ) -> list[Match]:
        """Offers that fit the need ``text``, best first; eligibility checked for ``commune_code`` if given."""
        return self.match_with_confidence(text, commune_code, limit, themes).results

    def match_with_confidence(
        self, text: str, commune_code: str | None = None, limit: int = 10, themes: Iterable[Any] | None = None
    ) -> MatchResult:
        """``match`` and whether the best offers fit only weakly (``unsure``: a person should look at the need)."""
        try:
            results, confidence = self._match(text, commune_code, limit, themes)
        except RecursionError:  # pragma: no cover - defensive: bad input never crashes the caller
            results, confidence = [], _Confidence()
        value = confidence.value()
        return MatchResult(results=results, unsure=not results or value < UNSURE_BELOW, confidence=round(value, 4))

    def _confirmed_themes(self, themes: Iterable[Any] | None) -> list[ThemeId] | None:
        """Themes the person confirmed or corrected, as known theme ids (None: none given, detect them)."""
        if themes is None:
            return None
        out: list[ThemeId] = []
        by_value = {t.value: t for t in self.themes}
        for t in themes if not isinstance(themes, (str, bytes)) else [themes]:
            tid = t if isinstance(t, ThemeId) else by_value.get(str(getattr(t, "value", t)))
            if tid is not None and tid in self.themes and tid not in out:
                out.append(tid)
        return out

    def _match(
        self, text: str, commune_code: str | None, limit: int, themes: Iterable[Any] | None = None
    ) -> tuple[list[Match], _Confidence]:
        query = self._parse(text)
        if query is None or limit <= 0:
            return [], _Confidence()
        scores, hits, named = self._relevance(query)
        reading = read(query.words)
        place = self._place(commune_code)
        theme_scores = self._theme_scores(query)
        confirmed = self._confirmed_themes(themes)
        totals: dict[str, float] = dict(scores)
        if confirmed:
            # the person's own choice of themes replaces the detected ones (a corrected theme is dropped)
            theme_scores = {t: theme_scores.get(t, (1.0, set())) for t in confirmed}
            shares = {t: 1.0 for t in confirmed}
            bonus = CONFIRMED_THEME_BONUS
        else:
            if confirmed is not None:  # the person said: none of these themes
                theme_scores = {}
            top_theme = max((v[0] for v in theme_scores.values()), default=0.0)
            shares = {t: v[0] / top_theme for t, v in theme_scores.items()}
            bonus = THEME_BONUS
        for tid, share in shares.items():
            for oid, pos in self._theme_offers.get(tid, ()):
                totals[oid] = totals.get(oid, 0.0) + bonus * share * (1.0 if pos == 0 else THEME_SECONDARY)
        lexical_top = max(scores.values(), default=0.0)
        lifted: dict[str, float] = {}  # offers lifted as general investment grants, and by how much
        lifted_words: set[int] = set()
        rural = reading.rural or (
            place is not None and place.kind == "commune" and place.population is not None
            and place.population < RURAL_POPULATION
        )
        # a village shop or bar (or one the commune takes over): the rural programmes before the town-centre fund
        village_shop = reading.commerce and (rural or reading.takeover) and "village_shop" in self.features
        if village_shop:
            for oid in self._rural_offers:
                totals[oid] = totals.get(oid, 0.0) + RURAL_COMMERCE_BONUS + RURAL_COMMERCE_SHARE * lexical_top
        if reading.investment and not reading.administrative and "fallback" in self.features:
            # ordinary municipal investment: the general investment grants come up whatever the other words say,
            # the more so as the asset and the works make up the need
            content = sum(1 for it in query.items if it.weight >= 0.5 and len(it.source) == 1) or 1
            cover = min(1.0, reading.covered / content)
            asset_words = {k for span in reading.assets for k in span}
            if any(
                set(words) <= asset_words
                for oid, oid_hits in hits.items() if oid not in self._fallback for _, words in oid_hits
            ) or ("named_asset" in self.features and any(self._asset_keyword(query.words, s) for s in reading.assets)):
                # an offer's own keyword names the asset (« éclairage public », « réseau de chaleur », « crèche »)
                cover = 0.0
            share = FALLBACK_SHARE
            if "purpose" in self.features and self._asset_is_purpose(query, reading):
                # « géothermie pour la piscine », « emprunt pour le groupe scolaire »: the project is what comes
                # before « pour »; the asset after it says what it serves
                cover, share = 0.0, FALLBACK_SHARE * PURPOSE_SHARE
            lift = FALLBACK_BONUS + lexical_top * (share + FALLBACK_COVER * cover)
            if village_shop:
                lift *= 0.5
            for oid in self._fallback:
                totals[oid] = totals.get(oid, 0.0) + lift
                lifted[oid] = lift
            lifted_words.update(k for span in reading.assets + reading.works for k in span)
        # Offers in decreasing raw order; eligibility only while an offer can still enter the list (the ranking
        # factors are at most MAX_FACTOR), and the wording (reasons) only for the offers kept.
        candidates = [(-t, oid) for oid, t in totals.items() if t > 0]
        heapq.heapify(candidates)  # popped best first: no full sort of a large catalogue
        kept: list[tuple[float, str]] = []  # min-heap of (final total, offer id), at most ``limit``
        checked: dict[str, tuple[bool | None, list[str], list[str], float]] = {}
        while candidates:
            neg_total, oid = heapq.heappop(candidates)
            total = -neg_total
            if len(kept) >= limit and total * MAX_FACTOR < kept[0][0]:
                break
            offer = self.offers[oid]
            elig = self._eligibility(offer, place)
            checked[oid] = elig
            final = total * elig[3] * STATUS_FACTOR.get(offer.status, 1.0)
            if place is None and oid in self._restricted and not hits.get(oid) and "restricted" in self.features:
                # a programme for members or laureates only, not named, for a collectivité we do not know
                final *= RESTRICTED_FACTOR
            if len(kept) < limit:
                heapq.heappush(kept, (final, oid))
            elif final > kept[0][0]:
                heapq.heapreplace(kept, (final, oid))
        if not kept and self._fallback and _looks_like_words(query.words):
            # never empty for a real need: the general investment grants, said to be a weak fit
            kept = [(0.0, oid) for oid in self._fallback[:limit]]
            for oid in self._fallback[:limit]:
                checked[oid] = self._eligibility(self.offers[oid], place)
        finals = sorted((f for f, _ in kept), reverse=True)
        asset_words = {k for span in reading.assets for k in span}
        if "admin" not in self.features:
            reading.admin = []
        confidence = _Confidence(
            top=finals[0] if finals else 0.0,
            second=finals[1] if len(finals) > 1 else 0.0,
            lexical=lexical_top,
            reading=reading,
            named=any(oid in named for _, oid in kept),
            phrased=any(
                not set(words) <= asset_words for _, oid in kept for _, words in hits.get(oid, ())
            ),
        )
        surface = _Surface(text, query.words)
        ranked: list[tuple[float, str, Match]] = []
        for final, oid in kept:
            offer = self.offers[oid]
            eligible, why, warnings, _ = checked[oid]
            matched_themes = [tid for tid in offer.themes if tid in theme_scores]
            reasons: list[str] = []
            contrib = self._contributions(oid, query, hits.get(oid, []))
            if oid in lifted:  # the investment grants: the asset and works the need names are why they are here
                for k in lifted_words:
                    contrib[k] = contrib.get(k, 0.0) + lifted[oid] / max(1, len(lifted_words))
            words_shown = self._reason_words(contrib, surface)
            if words_shown:
                reasons.append(WORDING["words"].format(words=", ".join(words_shown)))
            if matched_themes:
                best = max(matched_themes, key=lambda t: theme_scores[t][0])
                label = self.themes[best].label if best in self.themes else best.value
                reasons.append(WORDING["theme"].format(label=label[:1].lower() + label[1:]))
            reasons.extend(why)
            score = final / (final + SCALE)
            match = Match(
                id=oid,
                name=offer.name,
                score=round(score, 4),
                reasons=reasons,
                warnings=warnings,
                themes=list(offer.themes),
                eligible=eligible,
            )
            ranked.append((score, oid, match))
        ranked.sort(key=lambda r: (-r[0], r[1]))
        return [m for _, _, m in ranked], confidence
