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
LOGIN_UNKNOWN_AGENT = ("Votre compte ProConnect ({email}) n'est pas inscrit dans la console. Demandez à un "
                       "administrateur de vous ajouter.")
LOGIN_FAILED = "La connexion a échoué. Réessayez."
LOGGED_OUT = "Vous êtes déconnecté(e)."

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

# --- inbox ---------------------------------------------------------------------------------------------------------
COL_REFERENCE = "Référence"
COL_COMMUNE = "Collectivité"
COL_STATUS = "Statut"
