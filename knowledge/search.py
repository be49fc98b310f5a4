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

User-facing wording: the short French phrases of reasons and warnings are all in ``WORDING`` below (the knowledge
package may not import ``bot.texts``).
"""

from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Mapping, Protocol, Sequence

from rapidfuzz import fuzz, process

from intents.normalize import ACRONYMS, STOP_WORDS, SYNONYMS, normalize, stem
from knowledge.rank import WEAK_WORDS, WORKS_WORDS, Reading, read
from knowledge.schema import Offer, Theme, ThemeId

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
#: Offers whose laureates are also given by a membership of the ``Place`` (territory referential).
OFFER_MEMBERSHIP: dict[str, str] = {
    "action-coeur-de-ville": "acv",
    "petites-villes-de-demain": "pvd",
    "villages-d-avenir": "villages-d-avenir",
    "territoires-d-industrie": "ti",
    "france-services": "france-services",
    "politique-de-la-ville": "qpv",
}

# --- tuning --------------------------------------------------------------------------------------------------------
FIELD_WEIGHTS = {
    "name": 3.0,
    "acronym": 3.0,
    "keyword": 2.0,
    "provides": 1.0,
    "summary": 0.7,
    "theme_label": 0.5,
    "operator": 0.6,
    "local": 0.4,
}
K1 = 1.2
B = 0.5
EXPANSION_WEIGHT = 0.6
FUZZY_MIN_RATIO = 82
FUZZY_MIN_LEN = 5
PHRASE_BONUS_PER_STEM = 1.0
NAME_BONUS = 4.0
THEME_BONUS = 2.0
THEME_SECONDARY = 0.8
THEME_KEEP_RATIO = 0.34  # detect_themes keeps themes scoring at least this share of the best one
INELIGIBLE_FACTOR = 0.5
LAUREATE_FACTOR = 1.3  # the commune is in the programme: its team is the first door to knock on
MEMBER_FACTOR = 1.1  # the commune holds the membership an offer requires
STATUS_FACTOR = {"ferme": 0.6, "incertain": 0.9}
UNCERTAIN_FACTOR = 0.92  # eligibility that we cannot confirm
# upper bound of the product of the factors above (offers that cannot reach the list are not checked)
MAX_FACTOR = max(LAUREATE_FACTOR, MEMBER_FACTOR * UNCERTAIN_FACTOR)
SCALE = 6.0
# issue 11: reading a project as an agent does (knowledge.rank)
FEATURES = ("weak", "works", "fallback", "village_shop", "restricted", "admin", "purpose", "named_asset")
WORKS_WEIGHT = 0.4  # « installation », « rénovation »: the action says little about which programme
FALLBACK_MAX = 3  # general investment grants (and rural programmes) lifted at most
FALLBACK_BONUS = 2.0  # a municipal asset is named: the general investment grants come up
FALLBACK_SHARE = 0.35  # ... by this share of the best lexical score, so that they stand beside the specific offers
RURAL_COMMERCE_BONUS = 3.0  # a village shop or bar: the rural programmes
RURAL_COMMERCE_SHARE = 0.5  # ... plus this share of the best lexical score
PURPOSE_SHARE = 0.3  # the asset only says what the project serves: a smaller share
PURPOSE_WORDS = frozenset({"pour", "afin"})  # « X pour Y »: X is the project, Y what it serves
FALLBACK_COVER = 0.65  # share added when the asset and works words make up the whole need
RURAL_POPULATION = 3500  # a commune under this size is read as a village (as Villages d'avenir does)
RESTRICTED_FACTOR = 0.55  # members or laureates only, programme not named, collectivité unknown
CONFIRMED_THEME_BONUS = 3.0  # themes the person confirmed weigh more than themes we guessed
UNSURE_BELOW = 0.5  # confidence under which the guichet says it is unsure
CONFIDENCE_SCALE = 4.0  # raw score at which a need with no asset and no programme name is half sure
MAX_WORDS = 300
# Words of a request that say nothing about its subject ("nous voudrions de l'aide pour…").
NEED_FILLERS = frozenset(
    """
    voudrais voudrait voudrions voudraient voulons voulez veut veux vouloir souhaite souhaitons souhaiterions
    souhaiterais souhaitez souhaitent aimerions aimerait aimerais aimerions cherche cherchons cherchez recherche
    recherchons besoin besoins aide aider aides aidez merci bonjour madame monsieur maire adjoint commune communes
    village villages ville villes habitants
    notre nos mon ma mes projet projets svp possible comment quoi quel quelle quels quelles faudrait faut peut
    pouvons pourrions pourriez serait sera envisage envisageons prevoit prevoyons
    """.split()
)
# Function words of other languages (none of them a French word): a query made of them is not French, and we do
# not guess what it means.
_FOREIGN_STOP = frozenset(
    """
    the and to of is are we our i want need for with my in this that please would like have has what how
    der die das und wir ich mit fur zu ein eine einen nicht ist sind haben brauchen unsere unser mochten bitte
    el los las por para con una es esta queremos necesitamos nuestro nuestra
    della gli per che sono vogliamo abbiamo bisogno nostro nostra
    """.split()
)


class PlaceLike(Protocol):
    code: str
    name: str
    kind: str
    departement: str
    population: int | None
    epci_code: str | None
    epci_name: str | None
    memberships: frozenset[str]


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


# --- helpers -------------------------------------------------------------------------------------------------------
def _fmt_int(n: int | float | None) -> str:
    if n is None:
        return "?"
    return f"{int(n):,}".replace(",", " ")


def _pop_max_wording(population_max: int) -> tuple[str, str]:
    """"moins de 3 500" for an inclusive bound of 3 499; "20 000 au plus" for a bound of 20 000."""
    if (population_max + 1) % 100 == 0:
        return "pop_max", _fmt_int(population_max + 1)
    return "pop_max_incl", _fmt_int(population_max)


def _stems(text: str) -> list[str]:
    return [stem(w) for w in normalize(text).split() if w not in STOP_WORDS]


_EXPANSIONS: dict[str, list[str]] = {}
for _table in (SYNONYMS, ACRONYMS):
    for _k, _v in _table.items():
        _EXPANSIONS[normalize(_k)] = [w for w in normalize(_v).split() if w not in STOP_WORDS]
_MAX_EXP = max(len(k.split()) for k in _EXPANSIONS)
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


@dataclass
class _Item:
    stem: str
    weight: float
    source: tuple[int, ...]  # indexes of the query words it comes from


@dataclass
class _Query:
    words: list[str]
    items: list[_Item]
    sequences: list[tuple[list[str], list[tuple[int, ...]], float]]  # stem sequences for phrase matching


@dataclass
class _OfferIndex:
    offer: Offer
    tf: dict[str, float]
    length: float
    phrases_weighted: list[tuple[tuple[str, ...], float]]


class Matcher:
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

    # --- index -----------------------------------------------------------------------------------------------------
    def _build(self) -> None:
        self._docs: dict[str, _OfferIndex] = {}
        postings: dict[str, list[tuple[str, float]]] = defaultdict(list)
        df: dict[str, int] = defaultdict(int)
        words: set[str] = set()
        # phrase index: first stem -> list of (stems, offer id, bonus kind)
        self._phrases: dict[str, list[tuple[tuple[str, ...], str, float]]] = defaultdict(list)
        self._named: set[tuple[tuple[str, ...], str]] = set()  # phrases that name a programme (name, acronym)
        theme_labels = {t.id: t.label for t in self.themes.values()}
        memo: dict[str, tuple[list[str], list[str]]] = {}  # text -> (words, stems): keywords repeat across offers
        phrase_memo: dict[str, tuple[str, ...]] = {}

        def phrase_stems(text: str) -> tuple[str, ...]:  # figures kept: "4 saisons"
            if text not in phrase_memo:
                phrase_memo[text] = tuple(_stems(text))
            return phrase_memo[text]

        for offer in self.offers.values():
            tf: dict[str, float] = defaultdict(float)
            length = 0.0
            fields: list[tuple[str, float]] = [(offer.name, FIELD_WEIGHTS["name"])]
            if offer.acronym:
                fields.append((offer.acronym, FIELD_WEIGHTS["acronym"]))
            fields += [(k, FIELD_WEIGHTS["keyword"]) for k in offer.keywords]
            fields += [(p, FIELD_WEIGHTS["provides"]) for p in offer.provides]
            fields.append((offer.summary, FIELD_WEIGHTS["summary"]))
            fields += [(op, FIELD_WEIGHTS["operator"]) for op in offer.operators]
            fields += [(theme_labels.get(t, ""), FIELD_WEIGHTS["theme_label"]) for t in offer.themes]
            local = offer.local.get(self.departement)
            if local and local.text:
                fields.append((local.text, FIELD_WEIGHTS["local"]))
            for text, weight in fields:
                cached = memo.get(text)
                if cached is None:
                    norm = normalize(text)
                    cached = memo[text] = (
                        [w for w in norm.split() if w not in STOP_WORDS and not w.isdigit()],
                        [stem(w) for w in norm.split() if w not in STOP_WORDS and not w.isdigit()],
                    )
                words.update(cached[0])
                stems = cached[1]  # figures alone ("4", "2026") are not indexed; phrases keep them ("4 saisons")
                for s in stems:
                    tf[s] += weight
                length += weight * len(stems)
            for s, value in tf.items():
                postings[s].append((offer.id, value))
                df[s] += 1
            # phrases: name, acronym (strong), keywords of two stems or more (bonus per stem)
            strong = [offer.name] + ([offer.acronym] if offer.acronym else [])
            seen: set[tuple[str, ...]] = set()
            for text in strong:
                st = phrase_stems(text)
                if st and st not in seen:
                    seen.add(st)
                    self._phrases[st[0]].append((st, offer.id, NAME_BONUS))
                    self._named.add((st, offer.id))
            for text in offer.keywords:
                st = phrase_stems(text)
                if len(st) >= 2 and st not in seen:
                    seen.add(st)
                    self._phrases[st[0]].append((st, offer.id, PHRASE_BONUS_PER_STEM * len(st)))
                elif len(st) == 1 and text.isupper() and len(text) <= 6 and st not in seen:
                    # an acronym among the keywords ("VDA", "MSP"): as strong as the offer's own acronym, halved
                    seen.add(st)
                    self._phrases[st[0]].append((st, offer.id, NAME_BONUS / 2))
                    self._named.add((st, offer.id))
            self._docs[offer.id] = _OfferIndex(offer, dict(tf), length, [])
        n = max(1, len(self._docs))
        self._avg_len = sum(d.length for d in self._docs.values()) / n if self._docs else 1.0
        self._idf = {s: math.log(1 + (n - c + 0.5) / (c + 0.5)) for s, c in df.items()}
        # precomputed BM25 contribution of each (stem, offer), idf excluded
        self._postings: dict[str, list[tuple[str, float]]] = {}
        self._parts: dict[str, dict[str, float]] = defaultdict(dict)
        for s, plist in postings.items():
            out = []
            for oid, tfw in plist:
                norm_len = 1 - B + B * self._docs[oid].length / self._avg_len
                part = tfw * (K1 + 1) / (tfw + K1 * norm_len)
                out.append((oid, part))
                self._parts[oid][s] = part
            self._postings[s] = out
        self._theme_offers: dict[ThemeId, list[tuple[str, int]]] = defaultdict(list)
        for offer in self.offers.values():
            for pos, tid in enumerate(offer.themes):
                self._theme_offers[tid].append((offer.id, pos))
        self._word_vocab = sorted(words | {w for k in _EXPANSIONS for w in k.split()})
        self._stem_vocab = set(self._postings)
        # themes: phrase index over their keywords (and labels)
        self._theme_phrases: dict[str, list[tuple[tuple[str, ...], ThemeId]]] = defaultdict(list)
        for theme in self.themes.values():
            seen_t: set[tuple[str, ...]] = set()
            for text in [*theme.keywords]:
                st = tuple(_stems(text))
                if st and st not in seen_t:
                    seen_t.add(st)
                    self._theme_phrases[st[0]].append((st, theme.id))
            for w in normalize(" ".join(theme.keywords)).split():
                if w not in STOP_WORDS and not w.isdigit():
                    self._word_vocab.append(w)
        self._word_vocab = sorted(set(self._word_vocab))
        self._word_set = frozenset(self._word_vocab)
        by_initial: dict[str, list[str]] = defaultdict(list)
        for w in self._word_vocab:
            by_initial[w[0]].append(w)
        self._word_vocab_by_initial = dict(by_initial)
        self._theme_stems = {s for plist in self._theme_phrases.values() for st, _ in plist for s in st}
        self._fuzzy = lru_cache(maxsize=20000)(self._fuzzy_uncached)
        # Names of the département's communes and EPCI say where, not what: dropped from needs unless the offers
        # use the word ("Delle" would otherwise be read as "délai", "Lepuix" corrected into something else).
        names: set[str] = set()
        for getter in ("communes_of", "epcis_of"):
            try:
                for place in getattr(self.territory, getter)(self.departement):
                    names.update(normalize(place.name).split())
            except Exception:  # noqa: BLE001 - no territory, or a referential without these lookups
                pass
        self._ignore = frozenset(names - self._word_set - STOP_WORDS)
        # issue 11: the general investment grants (their keywords say so), the rural programmes (rural only), and
        # the programmes for members or laureates only
        general = phrase_stems("subvention d'investissement")
        # (a few at most, the broadest first: a large catalogue must not lift thousands of offers per query)
        grants = [o for o in self.offers.values() if any(tuple(phrase_stems(k)) == general for k in o.keywords)]
        grants.sort(key=lambda o: (-len(o.themes), o.id))
        self._fallback = sorted(o.id for o in grants[:FALLBACK_MAX])
        rural = [o for o in self.offers.values() if o.eligibility.rural_only and "commerce-artisanat" in
                 {getattr(t, "value", t) for t in o.themes}]
        rural.sort(key=lambda o: (-len(o.themes), o.id))
        self._rural_offers = sorted(o.id for o in rural[:FALLBACK_MAX])
        # stems of the specific offers' own keywords, names and acronyms, not of the general grants' keywords: a word
        # that points at a programme (« géothermie », « emprunt »)
        grant_stems = {st for oid in self._fallback for k in self.offers[oid].keywords for st in phrase_stems(k)}
        self._specific_stems = frozenset(
            st for o in self.offers.values() if o.id not in self._fallback
            for k in (*o.keywords, o.name, o.acronym or "") for st in phrase_stems(k)
        ) - grant_stems
        # keywords of the specific offers, as stem tuples: an asset one of them names is that offer's business
        self._specific_keywords = frozenset(
            key for o in self.offers.values() if o.id not in self._fallback for k in o.keywords
            if (key := phrase_stems(k))
        )
        self._restricted = frozenset(
            oid for oid, o in self.offers.items() if o.eligibility.requires_any or o.eligibility.laureates_only
        )

    def _canon(self, s: str) -> str:
        """An unknown stem mapped to its longest known prefix of 5+ letters: the stemmer does not always give the
        singular and the plural, or the masculine and the feminine, the same stem ("maraichers", "maraicher")."""
        if len(s) <= 5:
            return s
        for n in range(len(s) - 1, 4, -1):
            p = s[:n]
            if p in self._stem_vocab or p in self._theme_stems:
                return p
        return s

    def _fuzzy_uncached(self, word: str) -> tuple[str, float] | None:
        if len(word) < FUZZY_MIN_LEN or word.isdigit():
            return None
        # A typo seldom changes the first letter: "plantation" is not a typo of "implantation".
        choices = self._word_vocab_by_initial.get(word[0], ())
        best = process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN_RATIO)
        if not best:
            return None
        return best[0], best[1] / 100.0

    # --- query -----------------------------------------------------------------------------------------------------
    def _parse(self, text: object) -> _Query | None:
        if not isinstance(text, str):
            return None
        norm = normalize(text)
        if not norm:
            return None
        words = norm.split()[:MAX_WORDS]
        foreign = sum(1 for w in words if w in _FOREIGN_STOP)
        french = sum(1 for w in words if w in STOP_WORDS)
        if foreign >= 2 and foreign > french:
            return None  # another language: we do not guess
        items: list[_Item] = []
        main_seq: list[str] = []
        main_src: list[tuple[int, ...]] = []
        for i, w in enumerate(words):
            if w in STOP_WORDS or w in self._ignore:
                continue
            if w.isdigit() or w in NEED_FILLERS or (w in WEAK_WORDS and "weak" in self.features):  # only inside a phrase ("4 saisons", "villages d'avenir")
                main_seq.append(w if w.isdigit() else stem(w))
                main_src.append((i,))
                continue
            s = stem(w)
            weight = WORKS_WEIGHT if w in WORKS_WORDS and "works" in self.features else 1.0
            if s not in self._stem_vocab and s not in self._theme_stems and w not in self._word_set:
                s = self._canon(s)
            if s not in self._stem_vocab and s not in self._theme_stems and w not in self._word_set:
                fixed = self._fuzzy(w)
                if fixed:
                    s, ratio = stem(fixed[0]), fixed[1]
                    weight = 0.8 * ratio
                elif w.isdigit():
                    continue
            items.append(_Item(s, weight, (i,)))
            main_seq.append(s)
            main_src.append((i,))
        sequences = [(main_seq, main_src, 1.0)]
        n = len(words)
        for i in range(n):
            for size in range(1, _MAX_EXP + 1):
                if i + size > n:
                    break
                key = " ".join(words[i : i + size])
                exp = _EXPANSIONS.get(key)
                if not exp:
                    continue
                src = tuple(range(i, i + size))
                seq = [stem(w) for w in exp]
                for s in seq:
                    items.append(_Item(s, EXPANSION_WEIGHT, src))
                sequences.append((seq, [src] * len(seq), EXPANSION_WEIGHT + 0.2))
        if not items:
            return None
        return _Query(words, items, sequences)

    def detect_themes(self, text: str) -> list[ThemeId]:
        """Themes understood in a need, best first (only themes whose keywords appear in the text)."""
        query = self._parse(text)
        if query is None:
            return []
        scores = self._theme_scores(query)
        if not scores:
            return []
        top = max(v[0] for v in scores.values())
        # a theme carried by a single stray word next to a clearly stronger one is left out
        kept = [(t, v[0]) for t, v in scores.items() if v[0] >= THEME_KEEP_RATIO * top]
        return [t for t, _ in sorted(kept, key=lambda kv: (-kv[1], kv[0].value))]

    def _theme_scores(self, query: _Query) -> dict[ThemeId, tuple[float, set[int]]]:
        scores: dict[ThemeId, tuple[float, set[int]]] = {}
        for seq, src, weight in query.sequences:
            for i, s in enumerate(seq):
                for st, tid in self._theme_phrases.get(s, ()):
                    if tuple(seq[i : i + len(st)]) == st:
                        old, words = scores.get(tid, (0.0, set()))
                        used = {k for x in src[i : i + len(st)] for k in x}
                        scores[tid] = (old + weight * len(st), words | used)
        return scores

    @staticmethod
    def _best_items(query: _Query) -> dict[str, _Item]:
        best_item: dict[str, _Item] = {}
        for item in query.items:
            prev = best_item.get(item.stem)
            if prev is None or item.weight > prev.weight:
                best_item[item.stem] = item
        return best_item

    def _relevance(
        self, query: _Query
    ) -> tuple[dict[str, float], dict[str, list[tuple[float, tuple[int, ...]]]], set[str]]:
        """Raw relevance per offer (lexical + phrases), per offer the phrase hits (value, query word indexes), and
        the offers named in the need (name, acronym)."""
        named: set[str] = set()
        scores: dict[str, float] = defaultdict(float)
        for s, item in self._best_items(query).items():
            plist = self._postings.get(s)
            if not plist:
                continue
            factor = item.weight * self._idf[s]
            for oid, part in plist:
                scores[oid] += factor * part
        hits: dict[str, list[tuple[float, tuple[int, ...]]]] = defaultdict(list)
        for seq, src, weight in query.sequences:
            matched: set[tuple[str, tuple[str, ...]]] = set()
            for i, s in enumerate(seq):
                for st, oid, bonus in self._phrases.get(s, ()):
                    if (oid, st) in matched or tuple(seq[i : i + len(st)]) != st:
                        continue
                    matched.add((oid, st))
                    if (st, oid) in self._named:
                        named.add(oid)
                    value = bonus * weight
                    scores[oid] += value
                    hits[oid].append((value, tuple(k for x in src[i : i + len(st)] for k in x)))
        return scores, hits, named

    def _contributions(
        self, oid: str, query: _Query, hits: list[tuple[float, tuple[int, ...]]]
    ) -> dict[int, float]:
        """How much each query word brought to one offer (for the "mots reconnus" reason)."""
        contrib: dict[int, float] = defaultdict(float)
        parts = self._parts[oid]
        for s, item in self._best_items(query).items():
            part = parts.get(s)
            if part:
                value = item.weight * self._idf[s] * part
                for k in item.source:
                    contrib[k] += value / len(item.source)
        for value, words in hits:
            for k in words:
                contrib[k] += value / max(1, len(words))
        return contrib

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

    @staticmethod
    def _reason_words(contrib: Mapping[int, float], surface: _Surface, top: int = 4) -> list[str]:
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
