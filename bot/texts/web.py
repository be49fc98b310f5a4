"""User-facing French of the web chat (page, e-mail code, e-mails). Vouvoiement, short lines for a phone screen."""

from __future__ import annotations

PAGE_TITLE = "Guichet des services de l'État pour les collectivités"
PAGE_INTRO = "Décrivez votre projet ou posez votre question : nous vous orientons vers la bonne aide de l'État."
LOG_LABEL = "Conversation"
INPUT_LABEL = "Votre message"
INPUT_HINT = "Écrivez comme vous parleriez à un agent de la préfecture."
SEND_BUTTON = "Envoyer"
BOT_NAME = "Guichet"
PERSON_NAME = "Vous"
STAFF_NAME = "Équipe de la préfecture"
CHOICES_LABEL = "Choix proposés"
LOGIN_BUTTON = "Retrouver mes demandes (code par e-mail)"
LOGOUT_BUTTON = "Se déconnecter de cet appareil"
CONNECTED_AS = "Adresse confirmée : {email}"
SKIP_LINK = "Aller au champ de message"
NEW_MESSAGES = "Nouveaux messages"
CHOSEN = "choisi"

# --- issue 22: the engine's commands, named as the page shows them (links and buttons, never « /… » on the web) -----
COMMAND_NAMES = {
    "demande": "Déposer une demande",
    "question": "Poser une question",
    "recommencer": "Reprendre au début",
    "mesdemandes": "Mes demandes",
    "agent": "Parler à un agent",
    "aide": "Aide",
    "annuler": "Abandonner la demande",
    "mesdonnees": "Mes données",
    "supprimer": "Effacer mes données",
    "confidentialite": "Confidentialité",
    "start": "Recommencer",
}
#: The page's footer: the commands a person may want at any time (each posts the command, like a typed one).
FOOTER_COMMANDS = ("mesdemandes", "agent", "aide")
FOOTER_LABEL = "Raccourcis"
PRIVACY_LINK = "Confidentialité"
PRIVACY_TITLE = "Protection de vos données"
BACK_TO_CHAT = "Retour à la conversation"
# the composer at the e-mail code step: its own label, a numeric keypad, the phone may offer the code from the e-mail
CODE_LABEL = "Code reçu par e-mail (6 chiffres)"
CODE_HINT = "Le code est dans l'e-mail que nous venons d'envoyer."
EMAIL_LABEL = "Votre adresse e-mail"
EMAIL_HINT = "Exemple : mairie@commune.fr"

# --- identity by e-mail code ---------------------------------------------------------------------------------------
ASK_EMAIL_TO_FILE = (
    "Avant l'envoi, confirmons votre adresse e-mail : elle permet à l'équipe de vous répondre et à vous de "
    "retrouver vos demandes depuis un autre appareil.\n\nQuelle est votre adresse e-mail ?"
)
ASK_EMAIL_TO_LOGIN = "Pour retrouver vos demandes, indiquez l'adresse e-mail que vous avez confirmée."
BAD_EMAIL = "Cette adresse ne semble pas valide (exemple : mairie@commune.fr). Quelle est votre adresse e-mail ?"
CODE_SENT = (
    "Un code à 6 chiffres vient d'être envoyé à {email}. Il est valable {minutes} minutes.\n\n"
    "Saisissez-le ici (pensez à regarder dans les indésirables)."
)
CODE_BAD = "Ce code ne correspond pas. Vérifiez les 6 chiffres et réessayez."
CODE_EXPIRED = "Ce code a expiré ou a déjà servi. Demandez-en un nouveau."
CODE_NOT_DIGITS = "Saisissez les 6 chiffres du code reçu par e-mail."
CODE_RATE_LIMITED = "Trop de codes demandés pour le moment. Réessayez dans {minutes} minutes."
EMAIL_CONFIRMED = "✅ Adresse confirmée : {email}."
LOGGED_IN = "✅ Adresse confirmée : {email}. Vous retrouvez ici vos demandes et la conversation."
VERIFY_CANCELLED = "D'accord, l'adresse n'est pas confirmée. Votre demande n'est pas envoyée."
RESEND = "Renvoyer le code"
CHANGE_EMAIL = "Changer d'adresse"
CANCEL = "Annuler"

# --- e-mails --------------------------------------------------------------------------------------------------------
CODE_SUBJECT = "Votre code de confirmation : {code}"
CODE_BODY = (
    "Bonjour,\n\n"
    "Votre code pour confirmer votre adresse sur le Guichet des services de l'État est : {code}\n\n"
    "Il est valable {minutes} minutes et ne sert qu'une fois. Si vous n'avez rien demandé, ignorez ce message.\n\n"
    "{controller}"
)
NOTICE_SUBJECT = "Guichet : un message sur votre demande {reference}"
NOTICE_SUBJECT_NO_REF = "Guichet : un nouveau message pour vous"
NOTICE_BODY = (
    "Bonjour,\n\n"
    "Vous avez un nouveau message sur le Guichet des services de l'État :\n\n"
    "{text}\n\n"
    "Pour répondre ou suivre votre demande, revenez à la conversation :\n{link}\n\n"
    "{controller}"
)

# --- errors of the page ------------------------------------------------------------------------------------------------
FORM_EXPIRED = "La page a expiré. Rechargez-la et renvoyez votre message."
TOO_LARGE = "Message trop long."
TOO_MANY = "Trop de messages en peu de temps. Patientez une minute."
# issue 25: a post without a live session, over the budget of new conversations (per address or in all)
TOO_MANY_NEW = ("Trop de nouvelles conversations ont été ouvertes depuis votre connexion. Réessayez dans une heure, "
                "ou depuis le navigateur où vous avez commencé.")
BAD_REQUEST = "Requête invalide."
NOT_FOUND = "Page introuvable."
UNAVAILABLE = "Le service est momentanément indisponible. Réessayez dans un instant."

# --- guichet start (README's first command) --------------------------------------------------------------------------
START_READY = (
    "\nLe guichet est prêt (base SQLite : {database}).\n\n"
    "  Page des élus (web chat) :        {chat_url}\n"
    "  Console des agents (lien unique, valable 15 minutes, agent de démonstration {agent}) :\n"
    "    {login_link}\n"
    "  Nouveau lien de connexion :        guichet agents login-link {agent}\n"
    "  Le chat dans le terminal :         ./scripts/chat\n"
)
START_MAIL_DIR = "  Sans serveur SMTP, les e-mails (codes de confirmation) sont écrits dans {mail_dir} et résumés ici.\n"
START_DEMO = "  Demandes d'exemple créées : {count}.\n"
START_MAIL = "[e-mail] à {to} : {subject}"
START_STOP = "Ctrl+C pour arrêter.\n"
START_FAILED = "Le serveur n'a pas démarré (code {code})."
