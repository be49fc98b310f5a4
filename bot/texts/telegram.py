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
#: Said when an update could not be handled and nothing was recorded (issue 14: exactly what did not happen).
ERROR_NOTHING_SAVED = ("Désolé, un problème technique m'a empêché de traiter votre message : rien n'a été enregistré. "
                       "Renvoyez-le dans un instant.")
ERROR_NOTHING_SAVED_AGAIN = ("Désolé, un problème technique m'a empêché de traiter votre message : rien n'a été "
                             "enregistré. Reprenons :")
ERROR_APOLOGY_SHORT = "Désolé, un problème technique m'a empêché de traiter votre message. Réessayez dans un instant."
GROUP_NOT_SUPPORTED = "Je réponds en conversation privée : écrivez-moi directement."

# --- reminders ------------------------------------------------------------------------------------------------------
REMINDER = (
    "Bonjour, votre demande sur le Guichet n'est pas terminée. "
    "Souhaitez-vous la reprendre là où vous l'aviez laissée ?"
)
REMINDER_RESUME = "Reprendre"
REMINDER_DROP = "Abandonner"

# --- staff group (button labels and action results are in staff.py) --------------------------------------------------
STAFF_COMMAND_REFUSED = "Cette commande est réservée aux agents, dans le groupe de l'équipe."
STAFF_UNKNOWN_ACTION = "Action inconnue ou périmée."
STAFF_REQUESTS_NONE = "Aucune demande."
STAFF_REQUESTS_USAGE = "Usage : /demandes [statut]. Statuts : {statuses}."
STAFF_REQUEST_USAGE = "Usage : /demande RÉFÉRENCE (par exemple /demande 90-2026-0042)."
STAFF_EXPORT_CAPTION = "Export des demandes (CSV, UTF-8)."
STAFF_HISTORY_TITLE = "Historique :"
#: The "Demander des précisions" prompt starts with this mark (staff answer it with a Telegram reply).
STAFF_ASK_MARK = "❓ "


def staff_ask_prompt(reference: str) -> str:
    from bot.texts.staff import ASK_QUESTION_PROMPT

    return f"{STAFF_ASK_MARK}{reference} — {ASK_QUESTION_PROMPT}"


def is_staff_ask_prompt(text: str) -> bool:
    from bot.texts.staff import ASK_QUESTION_PROMPT

    return text.startswith(STAFF_ASK_MARK) and ASK_QUESTION_PROMPT in text


def staff_requests_header(count: int, status: str | None) -> str:
    suffix = f" ({status})" if status else " ouvertes"
    return f"{count} demande(s){suffix} :"


def staff_request_line(reference: str, commune: str, status: str, date: str) -> str:
    return f"• {reference} — {commune} — {status} — {date}"


def staff_requests_truncated(shown: int, total: int) -> str:
    return f"… et {total - shown} autre(s) : utilisez /export."


_EVENT_LABELS = {
    "created": "demande déposée",
    "status": "statut changé",
    "question": "précisions demandées",
    "appended": "complément reçu",
    "relay_to_mayor": "message envoyé à l'élu(e)",
    "relay_to_staff": "message de l'élu(e)",
}


def event_label(kind: str, data: dict) -> str:
    label = _EVENT_LABELS.get(kind, kind.replace("_", " "))
    new = data.get("new") or data.get("status") if isinstance(data, dict) else None
    if kind == "status" and new:
        from bot.texts.staff import status_label

        label = f"{label} : {status_label(str(new), data.get('operator'))}"
    return label


def staff_history_line(when: str, what: str, who: str) -> str:
    return f"• {when} — {what} ({who})"


def stats_text(stats: dict) -> str:
    """``{"by_status": {...}, "by_theme": {...}, "by_commune": {...}, "by_month": {...}, "total": n}`` → text."""
    titles = {"by_status": "Par statut", "by_theme": "Par thème", "by_commune": "Par commune", "by_month": "Par mois"}
    lines = [f"📊 {stats.get('total', 0)} demande(s)"]
    for key, title in titles.items():
        counts = stats.get(key) or {}
        if not counts:
            continue
        lines.append("")
        lines.append(f"{title} :")
        for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[:20]:
            lines.append(f"• {name} : {n}")
    return "\n".join(lines)


# --- digest ---------------------------------------------------------------------------------------------------------
def digest_header(count: int, days: int) -> str:
    return f"☀️ Point du matin : {count} demande(s) en attente depuis plus de {days} jour(s)."


DIGEST_LINE = "• {reference} — {commune} — {status} depuis le {since}"
