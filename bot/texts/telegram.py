"""Telegram-only wording: command menu, contact button, staff-group buttons and replies, errors.

Vouvoiement, short messages. The wording of the conversation itself is in ``dialogue.py``; the text of staff
summaries and of the mayor's status notifications is in ``staff.py``.
"""

from __future__ import annotations

# --- command menu (set with setMyCommands; descriptions ≤ 256 chars) ------------------------------------------------
COMMANDS: list[tuple[str, str]] = [
    ("start", "Accueil du guichet"),
    ("demande", "Déposer une demande d'accompagnement"),
    ("question", "Poser une question sur un programme"),
    ("mesdemandes", "Suivre mes demandes"),
    ("agent", "Parler à un agent"),
    ("aide", "Aide et protection des données"),
    ("annuler", "Abandonner la demande en cours"),
]

# --- mayor side -----------------------------------------------------------------------------------------------------
CONTACT_BUTTON = "📱 Partager mon numéro"
KEYBOARD_CLOSED = "C'est noté."
ERROR_APOLOGY = "Désolé, un problème technique m'a empêché de traiter votre message. Reprenons :"
ERROR_APOLOGY_SHORT = "Désolé, un problème technique m'a empêché de traiter votre message. Réessayez dans un instant."
GROUP_NOT_SUPPORTED = "Je réponds en conversation privée : écrivez-moi directement."

# --- reminders ------------------------------------------------------------------------------------------------------
REMINDER = (
    "Bonjour, votre demande sur le Guichet n'est pas terminée. "
    "Souhaitez-vous la reprendre là où vous l'aviez laissée ?"
)
REMINDER_RESUME = "Reprendre"
REMINDER_DROP = "Abandonner"

# --- staff group: buttons -------------------------------------------------------------------------------------------
STAFF_TAKE = "✋ Prendre en charge"
STAFF_ROUTE = "➡️ Orienter vers…"
STAFF_ASK = "❓ Demander des précisions"
STAFF_CLOSE = "✅ Clore"
STAFF_CLOSE_DONE = "Traitée"
STAFF_CLOSE_NO_FOLLOW_UP = "Sans suite"
STAFF_BACK = "↩️ Retour"

#: Operators a request can be routed to: (code used in callback data, label). Codes are short and ASCII.
OPERATORS: list[tuple[str, str]] = [
    ("ddt", "DDT"),
    ("ademe", "Ademe"),
    ("anah", "Anah"),
    ("anru", "ANRU"),
    ("bdt", "Banque des Territoires"),
    ("cerema", "Cerema"),
    ("anct", "ANCT national"),
    ("autre", "Autre"),
]


def operator_label(code: str) -> str | None:
    return dict(OPERATORS).get(code)


# --- staff group: answers -------------------------------------------------------------------------------------------
STAFF_NOT_ALLOWED = "Seuls les agents habilités peuvent traiter les demandes. Votre tentative a été enregistrée."
STAFF_COMMAND_REFUSED = "Cette commande est réservée aux agents, dans le groupe de l'équipe."
STAFF_UNKNOWN_ACTION = "Action inconnue ou périmée."
STAFF_ACTION_DONE = "C'est fait."
STAFF_ACTION_IMPOSSIBLE = "Impossible pour cette demande dans son état actuel."
STAFF_REQUEST_NOT_FOUND = "Demande introuvable."
STAFF_ASK_PROMPT_SUFFIX = "Répondez à ce message avec votre question pour le demandeur."


def staff_ask_prompt(reference: str) -> str:
    return f"❓ Précisions pour la demande {reference}. {STAFF_ASK_PROMPT_SUFFIX}"


def staff_question_sent(reference: str) -> str:
    return f"Question transmise au demandeur ({reference})."


def staff_reply_sent(reference: str | None) -> str:
    return f"Réponse transmise au demandeur ({reference})." if reference else "Réponse transmise au demandeur."


STAFF_REPLY_UNKNOWN = "Je ne sais pas à quel demandeur renvoyer cette réponse."
STAFF_EMPTY_REPLY = "Votre réponse est vide : écrivez du texte en réponse au message."


def staff_status_line(status_label: str, who: str) -> str:
    return f"\n\n— {status_label} · par {who}"


STAFF_REQUESTS_NONE = "Aucune demande."
STAFF_REQUESTS_USAGE = "Usage : /demandes [statut]. Statuts : {statuses}."
STAFF_REQUEST_USAGE = "Usage : /demande RÉFÉRENCE (par exemple /demande 90-2026-0042)."
STAFF_EXPORT_CAPTION = "Export des demandes (CSV)."
STAFF_EXPORT_EMPTY = "Aucune demande à exporter."


def staff_requests_header(count: int, status: str | None) -> str:
    suffix = f" ({status})" if status else ""
    return f"{count} demande(s){suffix} :"


def staff_requests_truncated(shown: int, total: int) -> str:
    return f"… {total - shown} autre(s) : utilisez /export."


# --- digest ---------------------------------------------------------------------------------------------------------
def digest_header(count: int, days: int) -> str:
    return f"☀️ Point du matin : {count} demande(s) en attente depuis plus de {days} jour(s)."


DIGEST_LINE = "• {reference} — {commune} — {status} depuis le {since}"
