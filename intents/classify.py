"""Intent of one message: rules over the normalised text, with rapidfuzz for typos in short replies.

No model is downloaded: the rules are lists of phrases (accent-free, compared after normalisation) and a few
scored cues. ``classify`` never raises and is cheap enough to run on every message.

Names: "question", "need", "status", "greeting", "help", "cancel", "restart", "agent", "yes", "no", "unknown".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from intents.normalize import normalize

INTENTS = ("question", "need", "status", "greeting", "help", "cancel", "restart", "agent", "yes", "no", "unknown")


@dataclass(frozen=True)
class Intent:
    name: str
    confidence: float


# --- short replies: the whole message is one of these (after normalisation), typos tolerated -------------------------
_SHORT: dict[str, tuple[str, ...]] = {
    "greeting": (
        "bonjour", "bonsoir", "salut", "hello", "coucou", "bjr", "slt", "hey", "hi", "bonjour madame",
        "bonjour monsieur", "bonjour a vous", "bonjour a tous", "re bonjour", "rebonjour", "bien le bonjour", "yo",
        "start", "demarrer", "commencer", "bonne journee", "bonjour bonjour",
    ),
    "help": (
        "aide", "help", "au secours", "à l'aide", "aidez-moi", "j'ai besoin d'aide", "besoin d'aide", "menu",
        "comment ca marche", "comment ca fonctionne", "que pouvez-vous faire", "qu'est-ce que vous pouvez faire",
        "que faites vous", "je ne comprends pas", "je comprends pas", "j'ai pas compris", "je n'ai pas compris",
        "c'est quoi ce bot", "mode d'emploi", "info", "infos", "options", "aide svp",
    ),
    "cancel": (
        "annuler", "annule", "annulez", "annulation", "stop", "arreter", "arrete", "arretez", "laisse tomber",
        "laissez tomber", "abandonner", "abandon", "quitter", "sortir", "fin", "terminer", "j'abandonne",
        "on arrete", "stop merci", "annuler la demande", "annuler ma demande", "non merci stop", "exit", "cancel",
    ),
    "restart": (
        "recommencer", "recommence", "on recommence", "reprendre depuis le debut", "repartir de zero",
        "tout recommencer", "depuis le debut", "reset", "restart", "reinitialiser", "nouvelle demande",
        "recommencer la demande", "reprendre a zero", "je recommence", "on reprend tout",
    ),
    "agent": (
        "agent", "un agent", "parler a un agent", "humain", "un humain", "une personne", "une vraie personne",
        "parler à quelqu'un", "quelqu'un", "conseiller", "un conseiller", "parler a un conseiller", "operateur",
        "parler a une personne", "parler a un humain", "je veux parler à quelqu'un", "contact humain",
        "etre rappele", "rappelez moi", "me rappeler", "appelez moi", "un interlocuteur", "le prefet", "la prefecture",
    ),
    "yes": (
        "oui", "ok", "okay", "okey", "d'accord", "daccord", "dac", "ouais", "ouai", "yes", "oui merci", "oui svp",
        "oui s'il vous plaît", "tout a fait", "exactement", "c'est ça", "c'est bien ça", "parfait", "volontiers",
        "bien sur", "absolument", "ca marche", "ca me va", "go", "valider", "je valide", "valide", "je confirme",
        "confirme", "confirmer", "affirmatif", "entendu", "tres bien", "super", "oui oui", "oui c'est ça", "correct",
        "c'est correct", "exact", "bien", "ok merci", "oki", "yep", "vas y", "allez y", "envoyer", "j'accepte",
        "accepte", "accepter", "o", "y",
    ),
    "no": (
        "non", "nan", "no", "non merci", "pas du tout", "negatif", "surtout pas", "non pas vraiment", "pas vraiment",
        "jamais", "nope", "non non", "ce n'est pas ça", "c'est pas ça", "pas ca", "incorrect", "faux", "je refuse",
        "refuser", "non ce n'est pas ça", "pas d'accord", "n",
    ),
    "status": (
        "mes demandes", "ma demande", "suivi", "suivre", "suivre ma demande", "suivre mes demandes", "statut",
        "avancement", "mon dossier", "mes dossiers", "ou en est ma demande", "ou en est mon dossier",
        "suivi de ma demande", "suivi de mes demandes", "etat de ma demande", "des nouvelles",
    ),
}
_SHORT_INDEX: dict[str, str] = {normalize(p): name for name, phrases in _SHORT.items() for p in phrases}
_SHORT_CHOICES = list(_SHORT_INDEX)

# --- cues inside longer messages -----------------------------------------------------------------------------------
_STATUS_RE = re.compile(
    r"\b(ou en est|ou en sont|ou en etes|avancement|suivi|suivre|statut|etat avancement|des nouvelles|"
    r"mes demandes|mes dossiers|nouvelles de ma|reponse a ma demande|ma demande .*(traitee|avance|recue)|"
    r"deja (fait|depose|envoye) une demande)\b"
)
_STATUS_OBJ_RE = re.compile(r"\b(demande|demandes|dossier|dossiers|requete|reference|90 \d{4} \d{4})\b")
_AGENT_RE = re.compile(
    r"\b(parler|discuter|echanger|joindre|contacter|avoir|besoin) (a|au|aux|avec|de)? ?(un|une|le|la)? ?"
    r"(agent|humain|personne|conseiller|conseillere|interlocuteur|quelqu un|un vrai|une vraie|responsable|operateur|"
    r"prefet|prefecture|sous prefet|sous prefecture|delegue|ddt)\b"
    r"|\b(un humain|une vraie personne|vrai humain|personne physique|etre rappele|rappelez moi|me rappeler)\b"
)
_CANCEL_RE = re.compile(r"\b(annuler|annulez|laisse tomber|laissez tomber|abandonner|arreter la|stop)\b")
_RESTART_RE = re.compile(r"\b(recommencer|reprendre (depuis|a) (le debut|zero)|repartir de zero|tout reprendre)\b")
_HELP_RE = re.compile(
    r"\b(comment (ca|cela) (marche|fonctionne)|que (pouvez|savez) vous faire|a quoi (vous )?servez|"
    r"que (puis je|peut on|pouvons nous) faire (ici|avec vous|avec ce)|est ce que je peux faire ici|"
    r"je (ne )?comprends (rien|pas)|rien compris|je suis perdu|je suis perdue)\b"
)
_GREETING_RE = re.compile(r"^(bonjour|bonsoir|salut|hello|coucou|bjr|slt)\b")
_YES_START = re.compile(r"^(oui|ok|accord|daccord|tout a fait|exactement|parfait)\b")
_NO_START = re.compile(r"^(non|nan|pas du tout)\b")

_QUESTION_START = re.compile(
    r"^(est ce|est quoi|quoi|quel|quelle|quels|quelles|comment|pourquoi|combien|"
    r"quand|qui|ou|a qui|a quoi|aupres de qui|de quoi|en quoi|peut on|peut il|puis je|pourrais je|pourrait on|dois je|doit on|"
    r"faut il|existe t il|y a t il|ai je|avons nous|sommes nous|suis je|est il|est elle|sont ils|que|que faut|"
    r"que signifie|que veut dire|definition|explique|expliquez|expliquer|renseignement|information|info|infos|"
    r"je me demande|je voudrais savoir|aimerais savoir|je souhaite savoir|je souhaiterais savoir|savez vous|"
    r"pouvez vous expliquer|pouvez vous me dire|dites moi|je ne sais pas|je sais pas)\b"
)
_QUESTION_IN = re.compile(
    r"\b(est quoi|est ce que|a quoi sert|a quoi servent|qui peut|qui peuvent|quelles sont|quels sont|"
    r"comment fonctionne|comment marche|comment candidater|comment postuler|comment beneficier|comment faire pour|"
    r"comment obtenir|comment on fait|que veut dire|que signifie|ca veut dire|definition|"
    r"eligible|eligibles|eligibilite|conditions|criteres|combien de temps|combien ca coute|est il possible|"
    r"est ce possible|ai je le droit|a t on le droit|avons nous droit|ai je droit|a t on droit|peut on beneficier|sommes nous concernes|"
    r"suis je concerne|le delai|quel delai|quels delais|ca coute|cout|gratuit|payant|savoir si|savoir comment|"
    r"savoir quel|savoir quelle|savoir qui|savoir ou|savoir quand|savoir combien|savoir pourquoi)\b"
)
_NEED_RE = re.compile(
    r"\b(je voudrais|je voudrai|je souhaite|je souhaiterais|nous souhaitons|nous souhaiterions|on souhaite|"
    r"je veux|nous voulons|on veut|on voudrait|nous voudrions|aimerais|nous aimerions|on aimerait|"
    r"ai besoin|nous avons besoin|on a besoin|besoin|nous cherchons|je cherche|"
    r"on cherche|recherchons|nous envisageons|envisage|envisageons|on envisage|nous projetons|notre projet|mon projet|"
    r"un projet|le projet|projet de|projet d|nous prevoyons|on prevoit|la commune (souhaite|veut|envisage|prevoit|a)|"
    r"la mairie (souhaite|veut|envisage|prevoit)|nous devons|on doit|il faut|"
    r"il faudrait|aidez nous|aider a|aide pour|aide a|accompagnement pour|financer|financement|subvention|"
    r"renover|rehabiliter|construire|creer|amenager|installer|refaire|agrandir|reconvertir|moderniser|isoler|"
    r"ouvrir|implanter|developper|lutter contre|proteger|redynamiser|revitaliser|mettre en place|remplacer|"
    r"deployer|acheter|racheter|acquerir|restaurer|securiser|transformer|nous manquons|manque de|plus de medecin|"
    r"nous avons plus|nous avons pas|on a plus|on a pas|pas de|il manque|nous manque)\b"
)
_PROJECT_NOUNS = re.compile(
    r"\b(ecole|mairie|salle|gymnase|eglise|commerce|logement|medecin|maison de sante|voirie|"
    r"route|pont|reseau|fibre|eau|assainissement|station|inondation|crue|friche|centre bourg|centre ville|"
    r"chaufferie|chauffage|renovation|isolation|panneau|solaire|borne|piste|cantine|creche|bibliotheque|"
    r"mediatheque|tiers lieu|epicerie|boulangerie|cafe|bistrot|zone|usine|parc|jardin|arbre|batiment|"
    r"equipement|stade|piscine|terrain|place|parking|patrimoine|couverture mobile|antenne|toiture|toit|"
    r"chaudiere|eclairage|trottoir|cimetiere|digue|riviere|berge|haie|foret|sentier|gite|camping|ecluse|"
    r"habitat|zone blanche|internet|desert medical|secheresse|pollution|dechet|"
    r"transport|mobilite|velo|bus|gare|commerces|tourisme|industrie|entreprise|emploi|agriculture|ferme)s?\b"
)


def _short_intent(norm: str) -> Intent | None:
    name = _SHORT_INDEX.get(norm)
    if name:
        return Intent(name, 1.0)
    if len(norm) < 4:  # too short for a typo to be told apart from another word
        return None
    best = process.extractOne(norm, _SHORT_CHOICES, scorer=fuzz.ratio, score_cutoff=84)
    if best:
        phrase, score, _ = best
        return Intent(_SHORT_INDEX[phrase], round(score / 100 * 0.9, 3))
    return None


@lru_cache(maxsize=4096)
def _norm_term(term: str) -> str:
    return normalize(term)


def _mentions_vocabulary(norm: str, vocabulary: set[str] | None) -> bool:
    if not vocabulary:
        return False
    padded = f" {norm} "
    for term in vocabulary:
        t = _norm_term(term)
        if t and f" {t} " in padded:
            return True
    return False


def classify(text: object, vocabulary: set[str] | None = None) -> Intent:
    """Intent of ``text``. ``vocabulary``: programme names and acronyms from the knowledge base, so that a short
    mention of a programme ("c'est quoi PVD", "fonds vert ?") is taken as a question about it."""
    if not isinstance(text, str):
        return Intent("unknown", 0.0)
    raw = text.strip()
    if raw.startswith("/"):  # a command typed as text: "/aide", "/annuler@GuichetBot"
        command = raw[1:].split()[0].split("@")[0].lower() if len(raw) > 1 else ""
        mapped = {
            "aide": "help", "help": "help", "annuler": "cancel", "cancel": "cancel", "stop": "cancel",
            "recommencer": "restart", "restart": "restart", "agent": "agent", "mesdemandes": "status",
            "demandes": "status", "start": "greeting", "demande": "need", "question": "question",
        }.get(command)
        if mapped:
            return Intent(mapped, 1.0)
    norm = normalize(raw)
    if not norm:
        return Intent("unknown", 0.0)
    words = norm.split()
    has_qmark = "?" in raw

    # 1. Short replies (buttons typed by hand, typos included).
    if len(words) <= 6:
        short = _short_intent(norm)
        if short:
            return short
        # "bonjour, mes demandes" / "oui merci beaucoup": drop a leading greeting or politeness and retry.
        trimmed = re.sub(r"^(bonjour|bonsoir|salut|merci|svp|alors|euh|bon|eh bien|ben)\s+", "", norm)
        trimmed = re.sub(r"\s+(merci|svp|il vous plait|merci beaucoup|beaucoup)$", "", trimmed)
        if trimmed and trimmed != norm:
            short = _short_intent(trimmed)
            if short:
                return Intent(short.name, round(short.confidence * 0.95, 3))

    # 2. Cues that win over everything else in a longer message.
    if _AGENT_RE.search(norm):
        return Intent("agent", 0.9)
    if _STATUS_RE.search(norm) and (_STATUS_OBJ_RE.search(norm) or len(words) <= 5):
        return Intent("status", 0.85)
    if len(words) <= 8:
        if _RESTART_RE.search(norm):
            return Intent("restart", 0.85)
        if _CANCEL_RE.search(norm) and not _PROJECT_NOUNS.search(norm):
            return Intent("cancel", 0.85)
        if _HELP_RE.search(norm):
            return Intent("help", 0.8)

    # 3. Question or need.
    mentions_programme = _mentions_vocabulary(norm, vocabulary)
    q = 0.0
    if has_qmark:
        q += 1.0
    if _QUESTION_START.search(norm):
        q += 1.2
    if _QUESTION_IN.search(norm):
        q += 1.0
    if mentions_programme:
        q += 0.8
    n = 0.0
    if _NEED_RE.search(norm):
        n += 1.3
    if _PROJECT_NOUNS.search(norm):
        n += 0.8
    if len(words) >= 12:
        n += 0.5
    if mentions_programme and n > 0 and q < 1:
        # "nous voulons candidater a PVD": still a question about the programme unless a project is described
        q += 0.3
    if q == 0 and n == 0:
        if _GREETING_RE.search(norm):
            return Intent("greeting", 0.6)
        if mentions_programme:
            return Intent("question", 0.6)
        if _YES_START.search(norm):
            return Intent("yes", 0.6)
        if _NO_START.search(norm):
            return Intent("no", 0.6)
        if len(words) >= 4:
            return Intent("need", 0.4)  # a statement of a few words: most likely a need, low confidence
        return Intent("unknown", 0.2)
    if q >= n:
        return Intent("question", round(min(0.95, 0.5 + 0.15 * (q - n) + 0.1 * q), 3))
    return Intent("need", round(min(0.95, 0.5 + 0.15 * (n - q) + 0.1 * n), 3))
