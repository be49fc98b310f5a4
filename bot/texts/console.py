"""French texts of the staff console (web pages under /console/ and the ``guichet agents`` commands).

Templates read them as ``t.NAME`` (the renderer passes this module as ``t``); nothing French is written in a template.
"""

from __future__ import annotations

SERVICE_NAME = "Guichet"
SERVICE_TAGLINE = "Console des agents"
LOGO = "République<br>Française"  # markup of the DSFR "bloc marque" (constant, rendered as is)
QUICK_ACCESS = "Accès rapide"
MENU = "Menu"
CLOSE = "Fermer"
SKIP_TO_CONTENT = "Aller au contenu"
SKIP_TO_NAV = "Aller au menu"
MAIN_NAV = "Menu principal"
HOME_TITLE = "Accueil de la console"
FOOTER_TEXT = "Guichet unique de l'ANCT et de ses opérateurs : console des agents de l'État."
NAV_INBOX = "Demandes"
NAV_DASHBOARD = "Tableau de bord"
NAV_AGENTS = "Agents"
LOGOUT = "Se déconnecter"
CONNECTED_AS = "Connecté(e) :"

ROLE_LABELS: dict[str, str] = {
    "prefecture": "Agent de préfecture",
    "operateur": "Agent d'opérateur",
    "comite": "Membre du comité local",
    "admin": "Administrateur",
}

# --- login -------------------------------------------------------------------------------------------------------
LOGIN_TITLE = "Connexion à la console"
LOGIN_INTRO = "La console est réservée aux agents de la préfecture, des opérateurs et aux membres du comité local."
PROCONNECT_LOGIN = "S’identifier avec"
PROCONNECT_BRAND = "ProConnect"
NEW_WINDOW = "nouvelle fenêtre"
LOGIN_PROCONNECT_WHAT = "Qu'est-ce que ProConnect ?"
LOGIN_NO_PROCONNECT = ("La connexion par ProConnect n'est pas configurée. Demandez à un administrateur un lien de "
                       "connexion à usage unique.")
LOGIN_LINK_HELP = "Vous avez reçu un lien de connexion ? Ouvrez-le : il est valable 15 minutes, une seule fois."
LINK_TITLE = "Se connecter avec ce lien"
LINK_INTRO = "Ce lien de connexion ne sert qu'une fois. Confirmez pour ouvrir votre session."
LINK_BUTTON = "Me connecter"
LINK_INVALID = "Ce lien de connexion n'est plus valable (déjà utilisé, expiré ou inconnu). Demandez-en un nouveau."
LOGIN_TOO_MANY = "Trop de tentatives de connexion. Réessayez dans quelques minutes."
# issue 25
LOGIN_TOO_MANY_TITLE = "Trop de tentatives de connexion"
LOGIN_WAIT = ("Trop de tentatives de connexion ont échoué depuis votre adresse. Réessayez dans {minutes} minute{s}, "
              "ou demandez un nouveau lien.")
LOGIN_UNKNOWN_AGENT = ("Votre compte ProConnect ({email}) n'est pas inscrit dans la console. Demandez à un "
                       "administrateur de vous ajouter.")
LOGIN_FAILED = "La connexion a échoué. Réessayez."
LOGGED_OUT = "Vous êtes déconnecté(e)."
# issue 25
LOGOUT_EVERYWHERE = "Se déconnecter partout"
LOGGED_OUT_EVERYWHERE = "Vous êtes déconnecté(e) sur tous vos appareils."

# --- errors ------------------------------------------------------------------------------------------------------
FORBIDDEN_TITLE = "Accès refusé"
FORBIDDEN = "Votre rôle ne permet pas d'ouvrir cette page ou de faire cette action."
CSRF_TITLE = "Formulaire expiré"
CSRF_FAILED = "Ce formulaire a expiré ou ne vient pas de la console. Rechargez la page et recommencez."
NOT_FOUND_TITLE = "Page introuvable"
NOT_FOUND = "Cette page n'existe pas."
TOO_LARGE = "Envoi trop volumineux."
UNAVAILABLE = "La base de données ne répond pas ; réessayez dans un instant."
BACK_HOME = "Retour à la console"

# --- agents CLI ------------------------------------------------------------------------------------------------------
CLI_BAD_EMAIL = "Adresse e-mail invalide : « {value} »."
CLI_BAD_ROLE = "Rôle inconnu : « {value} ». Rôles possibles : prefecture, operateur, comite, admin."
CLI_BAD_OPERATOR = "Opérateur inconnu : « {value} ». Opérateurs possibles : {choices}."
CLI_NEED_OPERATOR = "Un agent d'opérateur a besoin de --operator (ex. : --operator ademe)."
CLI_NO_OPERATOR = "--operator ne s'utilise qu'avec --role operateur."
CLI_BAD_NAME = "Le nom est vide ou trop long (200 caractères au plus)."
CLI_AGENT_CREATED = "Agent ajouté : {name} <{email}>, {role}."
CLI_AGENT_UPDATED = "Agent mis à jour : {name} <{email}>, {role}."
CLI_UNKNOWN_AGENT = "Aucun agent avec l'adresse {email}. Ajoutez-le d'abord : guichet agents add {email} --name … --role …"
CLI_INACTIVE_AGENT = "L'agent {email} est désactivé."
CLI_LINK_NOTE = "Lien valable 15 minutes, une seule fois, pour {name} <{email}> :"
CLI_NO_AGENTS = "Aucun agent."
BAD_INPUT = "Une valeur envoyée n'est pas valide. Revenez en arrière et corrigez-la."
# issue 25
INTERNAL_TITLE = "Erreur inattendue"
INTERNAL = "Une erreur inattendue s'est produite. Réessayez dans un instant ; si elle persiste, prévenez l'administrateur."

# --- inbox ---------------------------------------------------------------------------------------------------------
COL_REFERENCE = "Référence"
COL_COMMUNE = "Collectivité"
COL_STATUS = "Statut"
UNKNOWN_COMMUNE = "non précisée"


def ago_minutes(n: int) -> str:
    return f"{n} min"


def ago_hours(n: int) -> str:
    return f"{n} h"


def ago_days(n: int) -> str:
    return f"{n} j"

# --- inbox (continued) -----------------------------------------------------------------------------------------------
INBOX_TITLE = "Demandes des collectivités"
COL_EPCI = "EPCI"
COL_THEMES = "Thèmes"
COL_OPERATOR = "Opérateur"
COL_ASSIGNEE = "Suivie par"
COL_AGE = "Âge"
COL_LAST_ACTION = "Dernière action"
VIEWS_TITLE = "Vues enregistrées"
VIEW_ALL = "Toutes"
VIEW_LABELS: dict[str, str] = {
    "non-assignees": "Non assignées",
    "mes-demandes": "Mes demandes",
    "en-retard": "En retard",
    "mon-operateur": "Orientées vers mon opérateur",
}
STATUS_GROUPS: dict[str, str] = {"ouvertes": "Ouvertes (toutes)", "closes": "Closes (toutes)"}
FILTERS_TITLE = "Filtrer les demandes"
FILTER_SEARCH = "Recherche"
FILTER_SEARCH_HINT = "Collectivité, référence ou mots du besoin"
FILTER_VIEW = "Vue"
FILTER_ANY = "Tous"
FILTER_ANY_F = "Toutes"
FILTER_SUBMIT = "Filtrer"
FILTER_CLEAR = "Effacer les filtres"
FILTER_REMOVE = "Retirer le filtre"
ACTIVE_FILTERS = "Filtres actifs :"
NO_FILTER = "Aucun filtre : toutes les demandes que vous pouvez voir."
SORT = "Tri"
SORT_LABELS: dict[str, str] = {"recentes": "Plus récentes", "anciennes": "Plus anciennes",
                               "sans-action": "Sans action depuis le plus longtemps"}
NOBODY = "Personne"
NO_ACTION = "aucune"
NO_RESULT = "Aucune demande ne correspond."
PAGINATION = "Pagination"
PAGE_FIRST = "Première page"
PAGE_PREV = "Page précédente"
PAGE_NEXT = "Page suivante"
PAGE_LAST = "Dernière page"


def result_count(n: int) -> str:
    return "1 demande" if n == 1 else f"{n:,} demandes".replace(",", "\u202f")


def page_of(page: int, pages: int) -> str:
    return f"Page {page} sur {pages}"

# --- request page ------------------------------------------------------------------------------------------------
WHO_MAYOR = "L'élu(e)"
WHO_PREFECTURE = "La préfecture"
EV_CREATED = "Demande déposée"
EV_STATUS = "Statut changé"
EV_TO_OPERATOR = "vers"
EV_AFTER_ANSWER = "réponse de l'élu(e)"
EV_ASSIGNED = "Suivi attribué"
EV_ROUTE_STATUS = "Suivi de l'opérateur"
EVENT_LABELS: dict[str, str] = {
    "mail_received": "E-mail reçu de l'élu(e)",  # issue 20
    "attachment_added": "Pièce jointe reçue de l'élu(e)",  # issue 20 (Telegram, web chat)
    "note": "Note interne ajoutée",
    "question": "Question posée à l'élu(e)",
    "appended": "Réponse ou complément de l'élu(e)",
    "relay_to_mayor": "Message envoyé à l'élu(e)",
    "relay_to_staff": "Message de l'élu(e) au groupe",
    "personal_data_anonymised": "Coordonnées effacées (RGPD)",
    "original_messages": "Messages d'origine de l'élu(e) joints",
    # issue 26: every event in words, never a raw label
    "agent_request": "L'élu(e) demande à parler à un agent",
    "duplicate_of": "Close comme doublon",
    "duplicate": "Doublon rattaché",
    "email_confirmed": "Adresse e-mail confirmée par code",
    "staff_update": "Message du groupe mis à jour",
    "personal_data_erased": "Données personnelles effacées",
    "outbox_uncertain": "Envoi d'un message incertain",
    "programmes_changed": "Dispositifs proposés corrigés",
    "template_saved": "Modèle de réponse enregistré",
    "created": "Demande déposée",
    "routed": "Demande orientée",
}
EVENT_OTHER = "Autre événement"
REQUEST_TITLE = "Demande"
SECTION_RECORD = "La demande"
SECTION_CONVERSATION = "Échanges avec l'élu(e)"
SECTION_NOTES = "Notes internes"
NOTES_HINT = "Les notes internes ne sont jamais envoyées à l'élu(e)."
SECTION_HISTORY = "Historique"
SECTION_OFFERS = "Dispositifs proposés"
SECTION_ROUTES = "Orientations"
SECTION_ACTIONS = "Actions"
NO_NOTES = "Aucune note."
NO_ROUTES = "Pas encore orientée."
NO_OFFERS = "Aucun dispositif proposé à cette demande."
F_APPLICANT = "Demandeur"
F_CONTACT = "Contact"
F_NEED = "Besoin"
F_ORIGINAL = "Message d'origine"
ORIGINAL_HINT = "Les mots de l'élu(e), tels qu'écrits au dépôt (le besoin ci-dessus en garde l'essentiel)."


def said_summary(n: int) -> str:
    return f"Tous les messages de l'élu(e) pendant le dépôt ({n})"


F_STAGE = "Stade"
F_HELP = "Aide souhaitée"
F_BUDGET = "Budget"
F_TIMING = "Calendrier"
F_CREATED = "Déposée le"
F_CHANNEL = "Canal"
H_WHEN = "Quand"
H_WHO = "Qui"
H_WHAT = "Quoi"
H_CHANGE = "Changement"
ELIGIBLE = "Éligible"
NOT_ELIGIBLE = "Non éligible"
ELIGIBILITY_UNKNOWN = "Éligibilité à vérifier"
DELIVERY: dict[str, str] = {"pending": "en cours d'envoi", "sent": "envoyé", "failed": "échec de l'envoi"}
AWAITING = "Une question attend la réponse de l'élu(e) : sa réponse s'affichera ici."
A_TAKE = "Prendre en charge"
A_ASSIGN = "Attribuer le suivi"
A_ASSIGN_TO = "Agent"
A_ROUTE = "Orienter vers un ou plusieurs opérateurs"
A_ROUTE_BUTTON = "Orienter"
A_ROUTE_STATUS = "Statut pour l'opérateur"
A_ROUTE_STATUS_BUTTON = "Mettre à jour"
A_ASK = "Demander des précisions à l'élu(e)"
A_ASK_HINT = "Envoyée à l'élu(e) sur son canal (Telegram ou web) ; sa réponse revient sur cette page."
A_ASK_BUTTON = "Envoyer la question"
A_NOTE = "Ajouter une note interne"
A_NOTE_BUTTON = "Ajouter la note"
A_CLOSE = "Clore la demande"
A_CLOSE_OUTCOME = "Issue"
A_CLOSE_DONE = "Traitée"
A_CLOSE_DROP = "Close sans suite"
A_CLOSE_MESSAGE = "Message à l'élu(e)"
A_CLOSE_MESSAGE_HINT = "Il le reçoit avec l'annonce de la clôture (1 000 caractères au plus)."
A_CLOSE_BUTTON = "Clore"
A_NEED_OPERATOR = "Choisissez au moins un opérateur."
A_NEED_AGENT = "Choisissez un agent."
CLOSED_INFO = "Cette demande est close."
READ_ONLY_INFO = "Vous pouvez consulter cette demande ; les actions sont réservées à la préfecture."
BACK_TO_INBOX = "Retour aux demandes"
BREADCRUMB = "Vous êtes ici :"

# --- agents and settings ---------------------------------------------------------------------------------------------
AGENTS_TITLE = "Agents de la console"
AG_NAME = "Nom"
AG_EMAIL = "Adresse e-mail"
AG_ROLE = "Rôle"
AG_OPERATOR = "Opérateur"
AG_OPERATOR_HINT = "Seulement pour un agent d'opérateur."
AG_LAST_LOGIN = "Dernière connexion"
AG_ACTIONS = "Actions"
AG_INACTIVE = "désactivé"
AG_LINK = "Lien de connexion"
AG_DEACTIVATE = "Désactiver"
AG_REACTIVATE = "Réactiver"
AG_ADD = "Ajouter ou modifier un agent"
AG_ADD_HINT = "Une adresse déjà inscrite met à jour l'agent correspondant."
AG_SAVE = "Enregistrer"
CANNOT_DEACTIVATE_SELF = "Vous ne pouvez pas désactiver votre propre compte."
AGENT_DEACTIVATED = "{name} est désactivé(e) : ses sessions sont fermées."
AGENT_REACTIVATED = "{name} est réactivé(e)."
SETTINGS_TITLE = "Réglages"
SETTINGS_HINT = "Les réglages viennent des variables d'environnement GUICHET_* du serveur (voir docs/operations.md)."
SET_PUBLIC_URL = "Adresse publique"
SET_PROCONNECT = "ProConnect"
SET_RESPONSE_DAYS = "Délai de premier contact (jours ouvrés)"
SET_RESPONSE_DAYS_UNSET = "non fixé (aucun délai promis aux demandeurs)"
SET_DEPARTEMENT = "Département"
SET_STAFF_CHAT = "Groupe Telegram des agents"
SET_YES = "configuré"
SET_NO = "non configuré"


def link_for(name: str, minutes: int) -> str:
    return f"Lien de connexion pour {name} (valable {minutes} minutes, une seule fois) :"


AGE_LABELS: dict[str, str] = {"7": "déposées il y a plus de 7 jours", "30": "déposées il y a plus de 30 jours",
                              "90": "déposées il y a plus de 90 jours"}
IDLE_LABELS: dict[str, str] = {"3": "ouvertes, sans action depuis 3 jours", "7": "ouvertes, sans action depuis 7 jours",
                               "30": "ouvertes, sans action depuis 30 jours"}


# --- issue 13 (web chat) ---
F_CHANNEL = "Canal"
CHANNELS = {"web": "Page web des élus", "telegram": "Telegram", "console": "Terminal", "email": "E-mail"}
# issue 20: a request's files on its page
SECTION_FILES = "Pièces jointes"
MAIL_AUTH = "Vérification de l'expéditeur par le serveur de réception : {results}"
MAIL_AUTH_NONE = "Aucune vérification de l'expéditeur fournie par le serveur de réception"
FILES_NOTE = "Téléchargement uniquement (jamais ouvertes dans le navigateur)."
EMAIL_CONFIRMED = "adresse confirmée par code"


# --- issue 26: the console as a working inbox -------------------------------------------------------------------------
NEW = "nouveau"
WAITING_TITLE = "Personnes en attente"
WAITING_HINT = ("Les personnes qui ont écrit à la préfecture sans demande en cours : répondez-leur ici, la réponse part "
                "dans leur canal (Telegram, page web…).")
WAITING_NONE = "Personne n'attend de réponse."
WAITING_SINCE = "en attente depuis"
WAITING_LAST_REQUEST = "dernière demande"
A_REPLY = "Répondre"
A_REPLY_HINT = "Le message part à l'élu(e) dans son canal ; le statut ne change pas."
A_REPLY_BUTTON = "Envoyer la réponse"
A_ASK_QUESTION = "Poser une question"
A_SET_ASIDE = "Mettre de côté"
A_MARK_UNREAD = "Marquer comme non lu"
MESSAGE_KINDS: dict[str, str] = {
    "agent_request": "Demande à parler à un agent",
    "relay_to_staff": "Message à l'agent",
    "answer": "Réponse ou complément",
    "staff_question": "Question",
    "relay_to_mayor": "Réponse",
    "status_notice": "Avis de suivi",
}
LAST_EXCHANGE = "Dernier échange"
SEE_CONVERSATION = "Voir tous les échanges"
DUE_LABEL = "Premier contact avant le"
OVERDUE = "en retard"
TEMPLATE_PICK = "Modèle de réponse"
VIEW_UNREAD = "Non lues"
FILTERS_BUTTON = "Filtres"
COL_NEED = "Besoin"
COL_LAST_ACTION_SHORT = "Action"
SELECT = "Sélectionner"
SHORTCUTS_HINT = "Raccourcis : j / k pour se déplacer, o pour ouvrir, x pour cocher, / pour chercher."
BULK_TITLE = "Pour les demandes cochées"
BULK_ACTION = "Action"
BULK_ASSIGN = "Assigner à"
BULK_ROUTE = "Orienter vers"
BULK_CLOSE = "Clore (traitée)"
BULK_CLOSE_MESSAGE = "Message à l'élu(e) (pour clore)"
BULK_APPLY = "Appliquer"
BULK_NONE = "Cochez au moins une demande."


def new_count(n: int) -> str:
    return f"{n} nouveau" if n == 1 else f"{n} nouveaux"


def bulk_done(n: int, failed: int) -> str:
    return f"{n} demande(s) traitée(s)" + (f", {failed} non modifiée(s)." if failed else ".")
A_CLOSE_NEED_MESSAGE = "Écrivez le message envoyé à l'élu(e) pour clore (il est obligatoire)."
PREFS_TITLE = "Mes avis par e-mail"
PREFS_NOTICES = "Quand une de mes demandes a du nouveau (message de l'élu(e), note, orientation, retard)"
PREFS_EACH = "Un e-mail à chaque nouveauté"
PREFS_DIGEST = "Un seul e-mail par jour (résumé)"
PREFS_SAVE = "Enregistrer"
PREFS_SAVED = "Vos préférences sont enregistrées."
TEMPLATES_TITLE = "Modèles de réponse"
TEMPLATES_HINT = ("Proposés sur la page d'une demande ; {nom} et {reference} sont remplacés par le nom de l'élu(e) et "
                  "la référence de la demande.")
TEMPLATES_NONE = "Aucun modèle pour l'instant."
TEMPLATE_NEW = "Nouveau modèle"
TEMPLATE_NAME = "Nom du modèle"
TEMPLATE_USE = "Pour"
TEMPLATE_TEXT = "Texte"
TEMPLATE_TEXT_HINT = "Exemple : Bonjour {nom}, votre demande {reference} est bien reçue."
TEMPLATE_SAVE = "Enregistrer le modèle"
TEMPLATE_SAVED = "Modèle enregistré."
TEMPLATE_DELETED = "Modèle supprimé."
TEMPLATE_DELETE = "Supprimer"
TEMPLATE_INVALID = "Donnez un nom et un texte au modèle."
TEMPLATE_USES: dict[str, str] = {"reply": "Répondre", "question": "Poser une question", "close": "Clore"}
LINK_PREFS = "Mes avis par e-mail"
LINK_TEMPLATES = "Modèles de réponse"
CONFIRM_TITLE = "Confirmer"
CANCEL = "Annuler"
A_TAKE_OVER = "Oui, je reprends la demande"


def take_over_question(reference: str, owner: str | None) -> str:
    return (f"La demande {reference} est suivie par {owner}. La reprendre ? {owner} en sera prévenu(e) par e-mail, "
            "et l'élu(e) n'est pas prévenu(e) une seconde fois.")


A_REOPEN = "Rouvrir la demande"
A_REOPEN_MESSAGE = "Message à l'élu(e) (facultatif)"
A_DUPLICATE = "Doublon d'une autre demande"
A_DUPLICATE_REF = "Référence de la demande à garder"
A_DUPLICATE_MERGE = "Fusionner : ajouter le besoin de cette demande à l'autre (si elle est ouverte)"
A_DUPLICATE_BUTTON = "Clore comme doublon"
A_DUPLICATE_CONFIRM = "Clore cette demande comme doublon ? L'élu(e) sera prévenu(e) de la référence à suivre."
A_CLOSE_CONFIRM = "Clore la demande ? L'élu(e) recevra votre message."
A_CLOSE_MESSAGE_REQUIRED = "Obligatoire : l'élu(e) le reçoit avec l'issue de la demande."
A_TAKE_OVER_SHORT = "Reprendre la demande"
NOTE_SHARED = "partagée avec les opérateurs"
NOTE_PREFECTURE = "préfecture seulement"
NOTE_VISIBILITY = "Qui la voit"
A_ROUTE_MESSAGE = "Message pour l'opérateur (facultatif)"
A_ROUTE_MESSAGE_HINT = "Gardé comme note partagée ; les agents de l'opérateur sont prévenus par e-mail."
A_ROUTE_PROPOSED = "Cochés : les opérateurs des dispositifs proposés."
PROGRAMMES_EDIT = "Corriger les dispositifs proposés"
PROGRAMME_ORDER = "Rang de"
PROGRAMME_REMOVE = "Retirer"
PROGRAMME_ADD = "Ajouter un dispositif"
PROGRAMME_REASON = "Raison de la correction (obligatoire, gardée dans l'historique)"
PROGRAMME_SAVE = "Enregistrer la correction"
