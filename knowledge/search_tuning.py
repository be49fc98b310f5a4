"""The matcher's tuning: field weights, bonuses, factors and the word lists of a need (``knowledge.search``).

Every figure that shapes a ranking is here, in one table, so that a change of score is a change of this file.
"""

from __future__ import annotations

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
