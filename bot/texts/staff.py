"""French texts of the staff group's messages and of the mayor's status notifications.

Staff-group texts are sent as plain text (no parse mode): what a mayor typed never becomes formatting.
"""

from __future__ import annotations

from bot.texts import dialogue as _dialogue

# --- operators a request can be routed to (key -> label) ---------------------------------------------------------------
OPERATORS: dict[str, str] = {
    "ddt": "DDT",
    "ademe": "Ademe",
    "anah": "Anah",
    "anru": "ANRU",
    "bdt": "Banque des Territoires",
    "cerema": "Cerema",
    "anct": "ANCT national",
    "autre": "autre",
}

STATUS_LABELS: dict[str, str] = {
    "nouvelle": "Nouvelle",
    "en_cours": "Prise en charge",
    "orientee": "Orientée",
    "en_attente": "En attente de précisions",
    "traitee": "Traitée",
    "close_sans_suite": "Close sans suite",
}

# The same choices as in the intake (one source of wording); stages in lower case inside sentences.
ROLE_LABELS: dict[str, str] = dict(_dialogue.ROLES)
STAGE_LABELS: dict[str, str] = {key: label.lower() for key, label in _dialogue.STAGES.items()}

HELP_LABELS: dict[str, str] = {
    "ingenierie": "ingénierie",
    "financement": "financement",
    "mise-en-relation": "mise en relation",
    "information": "information",
}

# --- buttons of the staff message -------------------------------------------------------------------------------------
BTN_TAKE = "Prendre en charge"
BTN_ROUTE = "Orienter vers…"
BTN_ASK = "Demander des précisions"
BTN_CLOSE = "Clore"
BTN_CLOSE_DONE = "Traitée"
BTN_CLOSE_DROP = "Sans suite"
BTN_BACK = "Retour"


def status_label(status: str, operator: str | None = None) -> str:
    label = STATUS_LABELS.get(status, status)
    if status == "orientee" and operator:
        return f"{label} vers {operator}"
    return label


# --- the staff-group message of a request -----------------------------------------------------------------------------
def summary(
    *,
    reference: str,
    commune: str,
    person: str,
    need: str,
    themes: str,
    offers: str,
    details: list[str],
    status: str,
    last_action: str | None,
    link: str | None = None,
    original: str | None = None,
) -> str:
    lines = [f"Demande {reference}", f"Collectivité : {commune}", f"Demandeur : {person}"]
    lines += details
    lines.append(f"Thèmes : {themes or '—'}")
    lines.append(f"Dispositifs proposés : {offers or '—'}")
    lines.append(f"Statut : {status}" + (f" ({last_action})" if last_action else ""))
    if link:
        lines.append(f"Fiche : {link}")
    lines.append("")
    lines.append("Besoin :")
    lines.append(need or "—")
    if original:
        lines.append("")
        lines.append(f"{ORIGINAL_LABEL} :")
        lines.append(f"« {original} »")
    return "\n".join(lines)


#: The person's words as typed, beside the need as filed (staff card and console).
ORIGINAL_LABEL = "Message d'origine"


def detail_line(label: str, value: str) -> str:
    return f"{label} : {value}"


DETAIL_STAGE = "Stade"
DETAIL_HELP = "Aide souhaitée"
DETAIL_BUDGET = "Budget"
DETAIL_TIMING = "Calendrier"
DETAIL_CONTACT = "Contact"
DETAIL_ASSIGNED = "Suivie par"
TRUNCATED = "[…] (texte tronqué, voir l'export)"
UNKNOWN_COMMUNE = "non précisée"


def last_action(who: str, when: str) -> str:
    return f"par {who}, le {when}"


# --- the mayor's notifications (plain words) --------------------------------------------------------------------------
def mayor_taken(reference: str) -> str:
    return f"Votre demande {reference} a été prise en charge par la préfecture."


def mayor_routed(reference: str, operator: str) -> str:
    if operator == OPERATORS["autre"]:
        return f"Votre demande {reference} a été transmise au service compétent, qui reviendra vers vous."
    return f"Votre demande {reference} a été transmise à : {operator}, qui reviendra vers vous."


def mayor_question(reference: str, question: str) -> str:
    return (
        f"La préfecture a une question sur votre demande {reference} :\n\n{question}\n\n"
        "Répondez simplement par un message ici."
    )


def _about(commune: str | None) -> str:
    return f" ({commune})" if commune else ""


def mayor_closed_done(reference: str, note: str | None, *, commune: str | None = None,
                      operator: str | None = None) -> str:
    """The mayor's message when staff close a request as handled: the outcome in plain words, then staff's message."""
    lines = [f"Votre demande {reference}{_about(commune)} est traitée : la préfecture a terminé son instruction."]
    if operator and operator != OPERATORS["autre"]:
        lines.append(f"Pour la suite du projet, votre interlocuteur est : {operator}.")
    if note:
        lines += ["", "Message de la préfecture :", note]
    lines += ["", "Une question sur ce projet ? Écrivez /agent. Un autre projet ? Déposez une nouvelle demande."]
    return "\n".join(lines)


def mayor_closed_dropped(reference: str, note: str | None, *, commune: str | None = None,
                         operator: str | None = None) -> str:
    """The mayor's message when staff close a request without follow-up."""
    lines = [f"Votre demande {reference}{_about(commune)} est close sans suite : "
             "la préfecture ne donnera pas d'autre suite à cette demande."]
    if note:
        lines += ["", "Message de la préfecture :", note]
    else:
        lines.append("Pour en connaître la raison, écrivez /agent : un agent vous répondra.")
    lines += ["", "Vous pouvez déposer une nouvelle demande à tout moment."]
    return "\n".join(lines)


def mayor_message_from_staff(text: str) -> str:
    return f"Message de la préfecture :\n\n{text}"


# --- relays to the staff group ----------------------------------------------------------------------------------------
def staff_mayor_answer(reference: str, commune: str | None, text: str) -> str:
    where = f" ({commune})" if commune else ""
    return f"Réponse de l'élu(e) pour la demande {reference}{where} :\n\n{text}"


def staff_relay_from_mayor(who: str, text: str) -> str:
    return f"Message de {who} :\n\n{text}\n\n(Répondez à ce message pour lui écrire.)"


def staff_relay_who(name: str | None, commune: str | None, reference: str | None) -> str:
    parts = [p for p in (name, commune, reference) if p]
    return " · ".join(parts) if parts else "un(e) élu(e)"


# --- results of staff actions (shown in the group) --------------------------------------------------------------------
def done_taken(reference: str, who: str) -> str:
    return f"{reference} : prise en charge par {who}."


def done_routed(reference: str, operator: str, who: str) -> str:
    return f"{reference} : orientée vers {operator} par {who}."


def done_asked(reference: str, who: str) -> str:
    return f"{reference} : question transmise à l'élu(e) par {who}."


def done_closed(reference: str, status: str, who: str) -> str:
    return f"{reference} : {STATUS_LABELS.get(status, status).lower()} par {who}."


def done_relayed(reference: str | None) -> str:
    return f"Message transmis à l'élu(e){f' ({reference})' if reference else ''}."


def unknown_reference(reference: str) -> str:
    return f"Je ne trouve pas la demande « {reference} »."


def illegal_transition(reference: str, current: str, wanted: str) -> str:
    return (
        f"Impossible : la demande {reference} est « {STATUS_LABELS.get(current, current)} », "
        f"elle ne peut pas passer à « {STATUS_LABELS.get(wanted, wanted)} »."
    )


def unknown_operator(value: str) -> str:
    return f"Opérateur inconnu : « {value} ». Choisissez parmi : {', '.join(OPERATORS.values())}."


# Who acted, in words (never an internal id)
MAYOR_WHO = "l'élu(e)"
SYSTEM_WHO = "le guichet"
STAFF_WHO = "un agent"
CONSOLE_AGENT_WHO = "un agent de la console"

EMPTY_TEXT = "Le message est vide : rien n'a été envoyé."
UNKNOWN_OUTCOME = "Précisez comment clore : traitée ou sans suite."
UNAVAILABLE = "La base de données ne répond pas ; réessayez dans un instant."
ALREADY_DONE = "C'est déjà fait."
NO_RELAY_TARGET = "Je ne sais pas à qui transmettre ce message (répondez à un message d'un(e) élu(e))."
ASK_QUESTION_PROMPT = "Écrivez votre question pour l'élu(e) en réponse à ce message."
NOT_STAFF = "Désolé, seuls les agents habilités peuvent agir sur les demandes."


# --- command line (export, stats, purge, db upgrade): shown to the people who run the commands ---------------------------
CLI_BAD_FORMAT = "Format inconnu : « {value} ». Utilisez --format json ou --format csv."
CLI_BAD_STATUS = "Statut inconnu : « {value} ». Statuts possibles : {choices}."
CLI_BAD_SINCE = "Date invalide : « {value} ». Écrivez-la AAAA-MM-JJ (ex. : 2026-01-31)."
CLI_BAD_CONFIG = "Configuration invalide : {error}"
CLI_BAD_URL = "GUICHET_DATABASE_URL invalide : {error}"
CLI_DB_UNAVAILABLE = "La base de données ne répond pas ({url}) : {error}"
CLI_DB_UPGRADED = "Base de données à jour ({url}), révision {revision}."
CLI_MIGRATION_FAILED = "Échec de la migration ({url}) : {error}"


def stats_text(stats: dict) -> str:
    """``guichet stats`` and the staff group's /stats: counts by status, theme, commune and month."""
    lines = [f"Demandes : {stats.get('total', 0)}"]

    def block(title: str, counts: dict, labels: dict | None = None, limit: int | None = None) -> None:
        lines.append("")
        lines.append(title)
        items = list(counts.items())
        if not items:
            lines.append("  —")
        shown = items if limit is None else items[:limit]
        for key, value in shown:
            lines.append(f"  {(labels or {}).get(key, key)} : {value}")
        if limit is not None and len(items) > limit:
            lines.append(f"  … et {len(items) - limit} autres")

    block("Par statut :", stats.get("by_status", {}), STATUS_LABELS)
    block("Par thème :", stats.get("by_theme", {}))
    block("Par commune :", stats.get("by_commune", {}), limit=30)
    block("Par mois :", stats.get("by_month", {}))
    return "\n".join(lines)


def purge_text(report: dict, dry_run: bool) -> str:
    head = "Simulation (rien n'a été modifié) :" if dry_run else "Purge effectuée :"
    return "\n".join([
        head,
        f"  demandes closes anonymisées : {report.get('requests_anonymised', 0)}",
        f"  conversations inachevées supprimées : {report.get('conversations_deleted', 0)}",
        f"  identifiants de mises à jour anciens supprimés : {report.get('handled_updates_deleted', 0)}",
        f"  messages envoyés anciens supprimés : {report.get('outbox_deleted', 0)}",
        f"  pièces jointes supprimées : {report.get('attachments_deleted', 0)}",
        f"  fichiers orphelins supprimés : {report.get('orphan_files_deleted', 0)}",
    ])


# --- the staff group's commands (issue 12: /aide, /demandes with words, /clore, names in history) ----------------------
def group_help(console_url: str, statuses: str) -> str:
    return "\n".join([
        "Commandes de l'équipe, dans ce groupe :",
        "/demandes : les demandes ouvertes",
        f"/demandes STATUT : par statut ({statuses})",
        "/demandes MOTS : recherche par commune, référence ou mots du besoin (ex. : /demandes giromagny santé)",
        "/demande RÉFÉRENCE : la fiche et l'historique d'une demande",
        "/clore RÉFÉRENCE traitee|sans-suite MESSAGE : clore, avec un message pour l'élu(e) (facultatif)",
        "/export : toutes les demandes en CSV",
        "/stats : les chiffres par statut, thème, commune et mois",
        "/aide : ce message",
        "",
        "Sur la fiche de chaque demande : Prendre en charge, Orienter vers…, Demander des précisions, Clore.",
        "Répondre à un message d'un(e) élu(e) lui transmet votre réponse.",
        f"La console web (recherche, tableau de bord, rapport) : {console_url}",
    ])


def search_header(count: int, query: str) -> str:
    return f"{count} demande(s) pour « {query} » :"


def search_none(query: str) -> str:
    return f"Aucune demande pour « {query} » (commune, référence ou mots du besoin)."


def search_line(reference: str, commune: str, status: str, date: str, need: str) -> str:
    return f"• {reference} — {commune} — {status} — {date}\n  {need}"


def search_truncated(shown: int, total: int, url: str) -> str:
    return f"… et {total - shown} autre(s) : affinez la recherche, ou voyez-les dans la console : {url}"


CLOSE_USAGE = ("Usage : /clore RÉFÉRENCE traitee|sans-suite MESSAGE (le message, facultatif, est envoyé à l'élu(e)). "
               "Exemple : /clore 90-2026-0042 traitee Le dossier DSIL est déposé.")

EVENT_LABELS: dict[str, str] = {
    "created": "demande déposée",
    "status": "statut",
    "question": "précisions demandées",
    "appended": "complément reçu",
    "relay_to_mayor": "message envoyé à l'élu(e)",
    "relay_to_staff": "message de l'élu(e)",
}


def event_label(kind: str, data: dict) -> str:
    """An event of a request's history in words (``status`` events say the new status, with the operator)."""
    label = EVENT_LABELS.get(kind, kind.replace("_", " "))
    if kind == "status" and isinstance(data, dict) and data.get("to"):
        label = f"{label} : {status_label(str(data['to']), data.get('operator'))}"
        if data.get("note"):
            label += f" — « {str(data['note'])[:200]} »"
    return label



# --- the comité's dashboard, report and exports (issue 12) --------------------------------------------------------------
DASH_NO_EPCI = "Intercommunalité non précisée"
DASH_NOT_ROUTED = "Non orientée"
YES = "oui"
NO = "non"
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")

#: Columns of the CSV and XLSX exports (one row per request; no contact details).
EXPORT_HEADERS: tuple[str, ...] = (
    "Référence", "Déposée le", "Collectivité", "Code INSEE", "Intercommunalité", "Fonction du demandeur", "Thèmes",
    "Stade du projet", "Aide souhaitée", "Dispositifs proposés", "Statut", "Opérateur", "Suivie par",
    "Première action le", "Jours ouvrés avant la première action", "Orientée le", "Close le",
    "Hors délai d'engagement", "Besoin", "Fiche", "Budget", "Calendrier",
)


def month_label(key: str) -> str:
    """``2026-03`` → « mars 2026 »."""
    try:
        year, month = key.split("-")
        return f"{MONTHS[int(month) - 1]} {year}"
    except (ValueError, IndexError, AttributeError):
        return str(key)


def days_label(value: float | None) -> str:
    """A median delay in days, French style (« 2,5 jours », « moins d'un jour »); « — » when none."""
    if value is None:
        return "—"
    if value < 1:
        return "moins d'un jour"
    text = f"{value:.1f}".replace(".", ",").removesuffix(",0")
    return f"{text} jour" + ("s" if value >= 2 else "")
EXPORT_SHEET = "Demandes"


def export_title(start: object, end: object) -> str:
    return f"Demandes d'accompagnement du {start} au {end}"


# --- console actions (issue 12) ---------------------------------------------------------------------------------------
ROUTE_STATUS_LABELS: dict[str, str] = {
    "transmise": "Transmise",
    "prise_en_charge": "Prise en charge par l'opérateur",
    "traitee": "Traitée par l'opérateur",
    "sans_aide": "Pas d'aide possible",
    "injoignable": "Demandeur injoignable",
    "pas_pour_nous": "Hors du champ de l'opérateur",
}
CLOSED_NO_ACTION = "Cette demande est close : plus d'action possible."
UNKNOWN_ROUTE_STATUS = "Statut d'orientation inconnu."
NOTE_ADDED = "Note interne ajoutée (l'élu(e) ne la voit pas)."


def done_assigned(reference: str, agent: str, who: str) -> str:
    return f"{reference} : suivie désormais par {agent} (par {who})."


def done_route_status(reference: str, operator: str, status: str) -> str:
    return f"{reference} : {operator} — {ROUTE_STATUS_LABELS.get(status, status)}."


def not_routed_to(operator: str) -> str:
    return f"Cette demande n'est pas orientée vers {operator}."


# --- issue 26: the console as a working inbox -------------------------------------------------------------------------
def done_replied(reference: str) -> str:
    return f"Réponse envoyée pour {reference} (le statut ne change pas)."


WAITING_SET_ASIDE = "Mis de côté : la personne n'apparaît plus parmi les personnes en attente."

_NOTICE_WHAT = {
    "appended": "Nouveau message de l'élu(e)",
    "agent_request": "L'élu(e) demande à parler à un agent",
    "relay_to_staff": "Nouveau message de l'élu(e)",
    "note": "Nouvelle note interne",
    "routed": "Demande orientée",
    "route_status": "Suivi d'un opérateur mis à jour",
    "overdue": "Demande en retard",
    "owner_changed": "Demande reprise par un(e) collègue",
    "duplicate": "Doublon rattaché",
}


def notice_subject(news: str, reference: str, commune: str | None) -> str:
    what = _NOTICE_WHAT.get(news, "Nouveauté")
    return f"[Guichet] {what} — {reference}" + (f" ({commune})" if commune else "")


def notice_body(news: str, reference: str, commune: str | None, text: str, link: str) -> str:
    lines = [f"{_NOTICE_WHAT.get(news, 'Nouveauté')} sur la demande {reference}"
             + (f" ({commune})" if commune else "") + "."]
    if text:
        lines += ["", text[:2000]]
    lines += ["", f"Ouvrir la demande : {link}"]
    return "\n".join(lines)


def digest_subject(n: int) -> str:
    return f"[Guichet] {n} demande(s) avec du nouveau"


def digest_body(items: list[tuple[str, str | None, str | None]], link: str) -> str:
    lines = ["Vos demandes avec du nouveau depuis votre dernière lecture :", ""]
    for ref, commune, kind in items:
        lines.append(f"- {ref}" + (f" ({commune})" if commune else "") + (f" : {_NOTICE_WHAT.get(kind or '', 'nouveauté').lower()}" if kind else ""))
    lines += ["", f"Les voir dans la console : {link}"]
    return "\n".join(lines)


def notices_done(counts: dict) -> str:
    return f"Avis de retard envoyés : {counts.get('overdue', 0)} ; résumés du jour : {counts.get('digests', 0)}."


def owner_changed_text(new_owner: str) -> str:
    return f"Elle est désormais suivie par {new_owner}."


def mayor_reopened(reference: str, note: str | None) -> str:
    lines = [f"Votre demande {reference} est rouverte : la préfecture reprend son instruction."]
    if note:
        lines += ["", "Message de la préfecture :", note]
    return "\n".join(lines)


def mayor_duplicate(reference: str, other: str, note: str | None) -> str:
    lines = [f"Votre demande {reference} porte sur le même projet que la demande {other} : elle est close, et "
             f"tout se poursuit sous la référence {other}. Suivez-la en écrivant {other}."]
    if note:
        lines += ["", "Message de la préfecture :", note]
    return "\n".join(lines)


def done_reopened(reference: str) -> str:
    return f"Demande {reference} rouverte."


def done_duplicate(reference: str, other: str, merged: bool) -> str:
    return (f"Demande {reference} fusionnée dans {other}." if merged
            else f"Demande {reference} close comme doublon de {other}.")


NEED_CLOSE_MESSAGE = "Écrivez le message envoyé à l'élu(e) : il est obligatoire pour clore."
SAME_REQUEST = "Une demande ne peut pas être le doublon d'elle-même."
NOT_CLOSED = "La demande n'est pas close."


def merged_need(reference: str, need: str) -> str:
    return f"(Demande {reference} fusionnée ici) {need}"

NEED_PROGRAMMES_REASON = "Dites pourquoi vous corrigez les dispositifs (la raison reste dans l'historique)."


def done_programmes(reference: str) -> str:
    return f"Dispositifs proposés corrigés pour {reference}."
