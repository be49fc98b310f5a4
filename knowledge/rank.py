"""How an agent reads a project: what is built or done, where, and whether it is an investment at all.

The matcher (``knowledge.search``) scores offers by the words they share with the need. A préfecture agent reads a
project differently: « réfection de la toiture de l'église » is works on a municipal building, funded by the
investment grants whatever other words surround it; « tarifs de la salle des fêtes » is not a project at all; « la
mairie rachète le bar du village » is the rural programmes' business. This module holds that reading as data:

* ``ASSETS``: what a commune or an intercommunality builds, repairs or equips (the objects of ordinary municipal
  investment). A need about one of them falls back on the general investment grants (the offers whose keywords say
  « subvention d'investissement »), which come into the first places even when no programme word is used.
* ``WORKS``: the actions of an investment (construire, rénover, aménager, installer…): they confirm an asset.
* ``ADMIN``: matters of running a commune that no programme of the guichet funds (tariffs, taxes, staff, insurance,
  subsidies to associations, events, petitions, neighbours' quarrels, pests…): a need made of them is not an
  investment project, and the guichet says it is unsure instead of listing grants.
* ``RURAL``: words that place a project in a village (a commune's size, when known, says it better).
* ``WEAK``: words that say little about the subject but share a stem with programme words (« accueillir deux
  vélos » is not a France services « accueil »; « faire deux demandes » is not « démarches »): kept out of the
  lexical match and out of the reasons.

Each entry is written as a mayor writes it; entries are normalised and stemmed like the needs
(``intents.normalize``), so plurals and accents do not matter. Multi-word entries match as phrases.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from intents.normalize import STOP_WORDS, normalize, stem

ASSETS: tuple[str, ...] = (
    # buildings
    "mairie", "salle des fetes", "salle polyvalente", "salle communale", "salle des associations", "maison des associations",
    "ecole", "groupe scolaire", "ecole maternelle", "cantine", "refectoire", "restaurant scolaire", "garderie",
    "periscolaire", "creche", "micro-creche", "multi-accueil", "halte-garderie", "assistantes maternelles",
    "petite enfance", "relais petite enfance", "mediatheque", "bibliotheque", "ludotheque", "salle de spectacle",
    "cinema", "musee", "gymnase", "salle de sport", "stade", "terrain de football", "terrain multisport", "city stade",
    "piscine", "tennis", "vestiaires", "complexe sportif", "salle omnisports", "salle multisports",
    "equipement sportif", "equipements sportifs", "dojo", "boulodrome", "halle", "halles", "marche couvert",
    "aire de jeux", "aires de jeux", "skatepark", "camping", "aire de camping-cars",
    "gite communal", "logement communal", "appartement communal", "logements communaux", "presbytere", "eglise",
    "chapelle", "clocher", "chateau", "remparts", "lavoir", "monument", "monument historique", "patrimoine",
    "cimetiere", "columbarium", "atelier municipal", "ateliers municipaux", "services techniques", "caserne",
    "gendarmerie", "local technique", "batiment communal", "batiments communaux", "toiture", "menuiseries",
    "fenetres", "sanitaires", "accessibilite", "mise aux normes", "ascenseur", "secretariat de mairie", "perception",
    # public space, roads, safety
    "place", "place du village", "square", "parvis", "esplanade", "espace public", "espaces publics", "jardin public",
    "parc", "traversee", "traversee du village", "traversee du bourg", "rue", "rues", "voirie", "voie", "chaussee",
    "trottoir", "trottoirs", "chemin", "chemins", "sentier", "chemin pietonnier", "cheminement", "cheminements",
    "cheminements doux", "liaison douce", "piste cyclable", "voie verte", "velo", "velos", "deux-roues",
    "stationnement", "parking", "abribus", "arret de bus", "pont", "passerelle", "mur de soutenement", "securisation",
    "securite routiere", "ralentisseur", "plateau surelevé", "carrefour", "giratoire", "entree de ville",
    "eclairage public", "lampadaires", "borne de recharge", "bornes de recharge", "irve", "videoprotection",
    "video protection", "videosurveillance", "cameras",
    "systeme video", "defense incendie", "defense exterieure contre l'incendie", "bache incendie", "baches incendie",
    "reserve incendie", "citerne incendie", "poteau incendie", "borne incendie", "points d'eau incendie",
    # networks
    "reseau d'eau", "eau potable", "assainissement", "station d'epuration", "captage", "reservoir", "chateau d'eau",
    "eaux pluviales", "reseau de chaleur", "chaufferie", "chaudiere", "chauffage",
)

WORKS: tuple[str, ...] = (
    "construction", "construire", "creation", "creer", "renovation", "renover", "rehabilitation", "rehabiliter",
    "restauration", "restaurer", "refection", "amenagement", "amenager", "reamenagement", "requalification",
    "extension", "agrandissement", "agrandir", "installation", "installer", "remplacement", "remplacer",
    "mise en place", "mise aux normes", "mise en conformite", "modernisation", "moderniser", "travaux",
    "acquisition", "achat", "equipement", "deploiement", "reconstruction", "demolition", "isolation", "securiser",
    "transformation", "transformer", "reconversion", "restructuration", "restructuree",
)

ADMIN: tuple[str, ...] = (
    "tarif", "tarifs", "tarifs publics", "taxe", "taxe d'amenagement", "impots", "fiscalite", "redevance",
    "cotisation", "indemnites", "assurance", "assurance statutaire", "centre de gestion", "adhesion", "convention",
    "medecine professionnelle", "recrutement", "agent recenseur", "recensement", "personnel", "contrat de travail",
    "heures supplementaires", "compte epargne temps", "election", "elections", "delegue", "designation", "motion",
    "subvention exceptionnelle", "subventions aux associations", "subvention a l'association",
    "subventions aux manifestations", "manifestations", "ligue contre le cancer", "amicale", "comite des fetes",
    "fete", "fetes", "loto", "entrees a la piscine", "concession", "concessions", "location de la salle",
    "voisins", "voisinage", "incivils", "incivilites", "tondeuse", "aboiements", "nids", "nid", "frelons",
    "frelon", "guepes", "chenilles processionnaires", "chats errants", "pigeons", "courrier", "lingettes",
    "particuliers", "aide aux particuliers", "aide financiere aux particuliers", "budget primitif",
    "compte administratif", "decision modificative", "ligne de tresorerie", "fermeture de classe",
)

COMMERCE: tuple[str, ...] = (
    "commerce", "commerces", "dernier commerce", "bar", "bar-restaurant", "bar tabac", "bistrot", "cafe",
    "cafe-restaurant", "restaurant", "auberge", "epicerie", "superette", "boulangerie", "boucherie", "charcuterie",
    "multiservice", "multiple rural", "tabac", "presse", "depot de pain", "fonds de commerce", "licence iv",
    "licence 4",
)

TAKEOVER: tuple[str, ...] = (
    "rachat", "racheter", "rachete", "rachetent", "reprise", "reprendre", "repris", "reprend", "murs",
    "location-gerance", "location gerance", "gerance", "regie", "preemption", "repreneur", "repreneurs",
)

RURAL: tuple[str, ...] = (
    "village", "villages", "bourg", "hameau", "hameaux", "rural", "rurale", "rurales", "ruraux", "campagne",
    "petite commune",
)

WEAK: tuple[str, ...] = (
    "accueillir", "accueillant", "accueille", "accueillent", "accueillera", "accueilli", "accueillie", "accueillis",
    "demande", "demandes", "demander", "solliciter", "sollicite", "sollicitent", "deux", "trois", "nouveau",
    "nouvelle", "nouvel", "nouveaux", "fond", "comble", "lutte", "titre", "faire", "ben", "bah", "bon", "alors",
    "finalement", "enfin", "donc", "voila", "ok", "oui", "non", "euh", "hein", "vraiment", "tres", "beaucoup",
    "cadre", "dossier", "dossiers", "subvention", "subventions", "decision", "pris", "prise", "secteur",
    # amounts and dates say how much and when, not what (« budget 400 000 euros, travaux en 2027 »)
    "budget", "euros", "euro", "eur", "ht", "ttc", "million", "millions", "milliard", "mille", "montant", "environ",
    "estime", "estimation", "janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre",
    "octobre", "novembre", "decembre", "mois", "annee", "annees", "an", "ans", "semaine", "semaines", "prochain",
    "prochaine", "dernier", "derniere",
)


#: a collectivité named as the subject of a verb (« la mairie a mis en place… ») is who acts, not what is built
SUBJECT_ASSETS = frozenset({"mairie", "commune", "municipalite"})
SUBJECT_VERBS = frozenset(
    "a avait aura veut voudrait souhaite decide rachete reprend doit peut cherche compte mene lance prend fait "
    "soutient finance porte envisage prevoit".split()
)


def _phrase_stems(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in normalize(text).split() if w not in STOP_WORDS)


def _index(entries: tuple[str, ...]) -> dict[str, list[tuple[str, ...]]]:
    out: dict[str, list[tuple[str, ...]]] = {}
    for entry in entries:
        st = _phrase_stems(entry)
        if st and st not in out.get(st[0], []):
            out.setdefault(st[0], []).append(st)
    for plist in out.values():
        plist.sort(key=len, reverse=True)  # longest phrase first
    return out


_ASSETS = _index(ASSETS)
_WORKS = _index(WORKS)
_ADMIN = _index(ADMIN)
_RURAL = _index(RURAL)
_COMMERCE = _index(COMMERCE)
_TAKEOVER = _index(TAKEOVER)
#: normalised single words of ``WORKS`` (weak in the lexical match: the action does not choose the programme)
WORKS_WORDS = frozenset(w for e in WORKS for w in normalize(e).split() if w not in STOP_WORDS and len(normalize(e).split()) == 1)
#: normalised words kept out of the lexical match (``WEAK``)
WEAK_WORDS = frozenset(normalize(w) for w in WEAK)


@dataclass
class Reading:
    """What the need is about, as an agent reads it: word positions are indexes in the need's normalised words."""

    assets: list[tuple[int, ...]] = field(default_factory=list)  # positions of each asset phrase found
    works: list[tuple[int, ...]] = field(default_factory=list)
    admin: list[tuple[int, ...]] = field(default_factory=list)
    rural: bool = False
    commerce: bool = False
    takeover: bool = False
    covered: int = 0  # content words that are part of an asset or works phrase

    @property
    def investment(self) -> bool:
        """An asset is named (with or without an action word): ordinary municipal investment."""
        return bool(self.assets)

    @property
    def administrative(self) -> bool:
        """Running matters lead: they come before any asset or works (an agenda item's head), or there is no asset, or
        they outnumber the assets and no works are named."""
        if not self.admin:
            return False
        first_admin = min(span[0] for span in self.admin)
        heads = [span[0] for span in self.assets + self.works]
        if not heads or first_admin < min(heads):
            return True  # « Tarifs de la cantine… », « Subvention exceptionnelle pour l'école… »: the item is the admin
        return not self.works and len(self.admin) >= len(self.assets)


def _find(stems: list[str], index: dict[str, list[tuple[str, ...]]]) -> list[tuple[int, ...]]:
    found: list[tuple[int, ...]] = []
    used: set[int] = set()
    for i, s in enumerate(stems):
        if i in used or not s:
            continue
        for st in index.get(s, ()):
            if tuple(stems[i : i + len(st)]) == st:
                span = tuple(range(i, i + len(st)))
                found.append(span)
                used.update(span)
                break
    return found


def read(words: list[str]) -> Reading:
    """The reading of a need from its normalised words (stop words are skipped, positions kept)."""
    positions = [i for i, w in enumerate(words) if w not in STOP_WORDS]
    stems = [stem(words[i]) for i in positions]

    def back(spans: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
        return [tuple(positions[k] for k in span) for span in spans]

    assets, works = _find(stems, _ASSETS), _find(stems, _WORKS)
    assets = [
        span for span in assets
        if not (
            len(span) == 1 and words[positions[span[0]]] in SUBJECT_ASSETS
            and positions[span[0]] + 1 < len(words) and words[positions[span[0]] + 1] in SUBJECT_VERBS
        )
    ]
    return Reading(
        assets=back(assets),
        works=back(works),
        admin=back(_find(stems, _ADMIN)),
        rural=bool(_find(stems, _RURAL)),
        commerce=bool(_find(stems, _COMMERCE)),
        takeover=bool(_find(stems, _TAKEOVER)),
        covered=len({k for span in assets + works for k in span}),
    )
