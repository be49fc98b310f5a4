"""French text normalisation: case, accents, elisions, punctuation, stop words, stemming, acronyms and synonyms.

Everything here is a pure function of its input, cheap, and cached where it pays (stemming, stop words).

>>> normalize("Écoles d'Évette !")
'ecoles evette'
>>> stem_tokens("La rénovation énergétique de l'école")
['renov', 'energet', 'ecol']
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

MAX_CHARS = 2000  # longer input is cut: a need is a few sentences, never a document

# Apostrophes of every kind a phone keyboard or a word processor produces.
_APOSTROPHES = "'\u2019\u2018\u02bc\u02b9\u0060\u00b4\u2032\uff07"
_APOS_RE = re.compile("[" + re.escape(_APOSTROPHES) + "]")
# Elided articles/pronouns glued to the next word: l'école, d'eau, qu'il, j'ai, n'a, s'il, c'est, m'aider, t'as, jusqu'à.
_ELISION_RE = re.compile(r"\b(?:l|d|qu|j|n|s|c|m|t|jusqu|lorsqu|puisqu|quoiqu)'(?=\w)")
_NON_WORD_RE = re.compile(r"[^a-z0-9]+")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ı": "i"})


# Format characters (zero-width spaces and joiners, bidi marks, soft hyphen, BOM, tags): removed, so that a word
# split by one stays whole. Control characters: a space. Combining marks (accents once decomposed): removed.
_FORMAT_RE = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f\ud800-\udfff]"
)
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")
_COMBINING_RE = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def normalize(text: object, max_chars: int = MAX_CHARS) -> str:
    """Lowercase ASCII words separated by single spaces.

    NFKC, lowercase, accents stripped, elisions (l', d', qu', j', n', s', c', m', t') removed, punctuation and
    symbols turned into spaces, control and zero-width characters removed, length capped. Never raises: anything
    that is not a string gives "". Letters of other scripts become spaces (they carry nothing we can match).
    """
    if not isinstance(text, str) or not text:
        return ""
    text = text[: max_chars * 2]  # bound the work before the expensive steps
    if not text.isascii():
        text = _FORMAT_RE.sub("", text)
        try:
            text = unicodedata.normalize("NFKC", text)
        except (UnicodeError, ValueError):  # pragma: no cover - lone surrogates were removed above
            return ""
        text = text.lower().translate(_LIGATURES)
        text = _COMBINING_RE.sub("", unicodedata.normalize("NFKD", text))
    else:
        text = text.lower()
    text = _CONTROL_RE.sub(" ", text)
    text = _APOS_RE.sub("'", text)
    text = _ELISION_RE.sub(" ", text)
    text = _NON_WORD_RE.sub(" ", text).strip()
    if len(text) > max_chars:
        text = text[:max_chars].rsplit(" ", 1)[0] if " " in text[:max_chars] else text[:max_chars]
    return text


# --- stop words ----------------------------------------------------------------------------------------------------
# Compact list, accent-free (compared after normalisation). Words that carry meaning for a need (pas, sans,
# moins, entre) are kept out on purpose; "plus" is in ("nous n'avons plus de médecin").
STOP_WORDS: frozenset[str] = frozenset(
    """
    a ai aie aient aies ait al alors as au aucun aucune aupres aura aurai auraient aurais aurait aux avaient avais avait
    avec avez aviez avions avoir avons ayant b bah bcp beaucoup bien bon bonjour c ca car ce ceci cela celle celles celui
    cependant ces cet cette ceux chaque chez ci comme comment d dans de des deja depuis donc dont du e elle elles en
    encore est et etaient etais etait etant ete etes etre eu eue eues eus eut faire fait fais faut h hello ici il ils
    j je jusqu l la le les leur leurs lui m ma madame mais me meme merci mes moi mon monsieur n ne ni nos notre nous o on
    ont ou par parce peu peut peux pour pourquoi pourrais pourrait pouvez pouvons puis qu quand que quel quelle quelles
    quels qui quoi s sa salut se ses si sil soit son sont sous soyez suis sur svp t ta te tes toi ton tous tout toute
    toutes tres tu un une unes uns voici voila vos votre vous vu y etc ok oui plus aussi avons avez fait faire
    """.split()
)


def name_word(word: str) -> str:
    """A word of a name written as a name is (« jean-pierre » → « Jean-Pierre »): each part's first letter capital."""
    return "-".join(p[:1].upper() + p[1:] for p in word.split("-"))


def is_stop(word: str) -> bool:
    return word in STOP_WORDS


# --- acronyms and synonyms -----------------------------------------------------------------------------------------
# Key: a normalised token or phrase as mayors type it; value: normalised words added to the query (never replacing
# it). Acronyms of programmes and institutions, and everyday words for things the offers name differently.
ACRONYMS: dict[str, str] = {
    "anct": "agence nationale cohesion territoires",
    "msp": "maison de sante pluriprofessionnelle",
    "pvd": "petites villes de demain",
    "acv": "action coeur de ville",
    "qpv": "quartier prioritaire politique de la ville",
    "thd": "tres haut debit fibre",
    "ftth": "fibre tres haut debit",
    "epci": "intercommunalite communaute de communes",
    "pat": "projet alimentaire territorial",
    "papi": "programme actions prevention inondations",
    "gemapi": "gestion milieux aquatiques prevention inondations",
    "crte": "contrat relance transition ecologique",
    "detr": "dotation equipement territoires ruraux",
    "dsil": "dotation soutien investissement local",
    "dsid": "dotation soutien investissement departements",
    "opah": "operation programmee amelioration habitat",
    "opah ru": "operation programmee amelioration habitat renouvellement urbain",
    "npnru": "nouveau programme national renouvellement urbain",
    "anru": "agence nationale renovation urbaine renouvellement urbain",
    "ademe": "agence transition ecologique",
    "anah": "agence nationale habitat",
    "bdt": "banque des territoires",
    "cdc": "caisse des depots banque des territoires",
    "ti": "territoires industrie",
    "ort": "operation revitalisation territoire",
    "zan": "zero artificialisation nette foncier",
    "zrr": "zone revitalisation rurale",
    "frr": "france ruralites revitalisation",
    "amo": "assistance maitrise ouvrage ingenierie",
    "cls": "contrat local sante",
    "cnfs": "conseillers numeriques france services",
    "msap": "maison services au public france services",
    "mfs": "maison france services",
    "irve": "bornes recharge vehicules electriques",
    "enr": "energies renouvelables",
    "pcaet": "plan climat air energie territorial",
    "tete": "territoire engage transition ecologique",
    "rcu": "reseau chaleur",
    "step": "station epuration",
    "aep": "eau potable",
    "abc": "atlas biodiversite communale",
    "zae": "zone activite economique",
    "za": "zone activite",
    "plu": "plan local urbanisme",
    "plui": "plan local urbanisme intercommunal",
    "scot": "schema coherence territoriale",
    "ddt": "direction departementale territoires",
    "caue": "conseil architecture urbanisme environnement",
    "cerema": "cerema expertise ingenierie",
    "h2": "hydrogene",
    "4g": "couverture mobile",
    "5g": "couverture mobile",
    "frla": "fonds restructuration locaux activite commerce",
    "ess": "economie sociale solidaire",
    "feder": "fonds europeen",
    "aap": "appel a projets",
    "ami": "appel a manifestation interet",
}

SYNONYMS: dict[str, str] = {
    "toubib": "medecin",
    "docteur": "medecin",
    "medecins": "medecin",
    "generaliste": "medecin",
    "desert medical": "acces aux soins medecin",
    "cabinet medical": "maison de sante",
    "fibre": "tres haut debit",
    "internet": "numerique haut debit",
    "zone blanche": "couverture mobile",
    "reseau telephone": "couverture mobile",
    "pas de reseau": "couverture mobile",
    "antenne relais": "couverture mobile pylone",
    "pylone": "couverture mobile",
    "passoire thermique": "renovation energetique isolation",
    "passoires thermiques": "renovation energetique isolation",
    "energivore": "energie renovation energetique",
    "isolation": "renovation energetique",
    "chaudiere": "chauffage",
    "chauffage": "chaleur",
    "photovoltaique": "solaire",
    "panneaux solaires": "solaire photovoltaique",
    "bois energie": "chaufferie biomasse",
    "crue": "inondation",
    "crues": "inondation",
    "debordement": "inondation",
    "coulee de boue": "inondation ruissellement",
    "cantine": "restauration scolaire",
    "circuit court": "alimentation locale",
    "circuits courts": "alimentation locale",
    "boutique": "commerce",
    "magasin": "commerce",
    "epicerie": "commerce",
    "boulangerie": "commerce",
    "bistrot": "commerce",
    "cafe": "commerce",
    "vitrine": "commerce",
    "vitrines": "commerce",
    "gymnase": "equipement sportif",
    "stade": "equipement sportif",
    "salle des fetes": "equipement",
    "piscine": "equipement sportif",
    "eglise": "patrimoine",
    "assainissement": "eaux usees",
    "tiers lieu": "fabrique de territoire",
    "tiers lieux": "fabrique de territoire",
    "coworking": "tiers lieu fabrique",
    "velo": "mobilite",
    "pistes cyclables": "mobilite velo",
    "piste cyclable": "mobilite velo",
    "covoiturage": "mobilite",
    "transport": "mobilite",
    "bus": "mobilite transport",
    "logements vacants": "logement vacance",
    "logement insalubre": "habitat indigne",
    "taudis": "habitat indigne",
    "friche": "friche reconversion",
    "usine": "industrie",
    "usines": "industrie",
    "emploi": "economie",
    "entreprises": "economie entreprise",
    "pret": "financement emprunt",
    "emprunt": "pret financement",
    "subvention": "financement",
    "subventions": "financement",
    "argent": "financement",
    "etude": "ingenierie etude",
    "bureau d etudes": "ingenierie etude",
    "diagnostic": "ingenierie diagnostic",
    "chef de projet": "ingenierie chef projet",
    "demarches administratives": "france services",
    "cours d eau": "riviere",
    "ruisseau": "riviere",
    "secheresse": "eau climat",
    "canicule": "climat adaptation ilot fraicheur",
    "ilot de chaleur": "ilot fraicheur",
    "arbres": "vegetalisation",
    "ski": "montagne tourisme",
    # written as mayors write on a phone (dev sets, 2026-11-30)
    "reno": "renovation",
    "renov": "renovation",
    "copro": "copropriete",
    "copros": "copropriete",
    "syndic": "copropriete",
    "copropriete en difficulte": "copropriete degradee",
    "ancienne usine": "friche reconversion",
    "usine abandonnee": "friche reconversion",
    "usine desaffectee": "friche reconversion",
    "site industriel abandonne": "friche reconversion",
    "capte": "couverture mobile",
    "captent": "couverture mobile",
    "appels coupent": "couverture mobile",
    "portable": "telephone portable couverture mobile",
    "navette": "mobilite transport",
}

_EXPANSIONS: dict[str, str] = {**SYNONYMS, **ACRONYMS}
_MAX_PHRASE = max(len(k.split()) for k in _EXPANSIONS)


def expansions(tokens_: list[str]) -> list[str]:
    """Words added by the acronym and synonym tables for these (normalised) tokens; the originals are not repeated."""
    added: list[str] = []
    n = len(tokens_)
    for i in range(n):
        for size in range(1, _MAX_PHRASE + 1):
            if i + size > n:
                break
            key = " ".join(tokens_[i : i + size]) if size > 1 else tokens_[i]
            value = _EXPANSIONS.get(key)
            if value:
                added.extend(value.split())
    return added


def expand(text: str) -> str:
    """The normalised text followed by the expansions of its acronyms and synonyms."""
    norm = normalize(text)
    extra = expansions(norm.split())
    return f"{norm} {' '.join(extra)}".strip() if extra else norm


# --- tokens and stems ----------------------------------------------------------------------------------------------
def tokens(text: str, keep_stop_words: bool = True) -> list[str]:
    """Normalised words of ``text``; stop words removed unless ``keep_stop_words``."""
    words = normalize(text).split()
    if keep_stop_words:
        return words
    return [w for w in words if w not in STOP_WORDS]


_stemmer = snowballstemmer.stemmer("french")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball French stem of one word (normalised first, so "Écoles" and "ecoles" give the same stem)."""
    word = normalize(word)
    if not word:
        return ""
    if " " in word:
        word = word.split()[0]
    if word.isdigit() or len(word) <= 2:
        return word
    return _stemmer.stemWord(word)


def stem_tokens(text: str, expand_synonyms: bool = False) -> list[str]:
    """Stems of the meaningful words of ``text`` (stop words removed), in order; with ``expand_synonyms`` the stems
    of the acronym/synonym expansions are appended."""
    words = tokens(text, keep_stop_words=True)
    result = [stem(w) for w in words if w not in STOP_WORDS]
    if expand_synonyms:
        result.extend(stem(w) for w in expansions(words) if w not in STOP_WORDS)
    return result
