"""User-facing French after a request is filed, for another département, off-topic and what no programme funds
(issue 19, part B). Split out of ``bot/texts/dialogue.py``, which names these texts too (``T.status_line`` …)."""

from __future__ import annotations

STATUS_TITLE = "Vos demandes, où elles en sont (la plus récente d'abord) :"
STATUS_NONE = "Vous n'avez pas encore de demande envoyée depuis cette conversation."
STATUS_NONE_HINT = "Si vous l'avez envoyée ailleurs, donnez sa référence (ex. : 90-2026-0042)."
STATUS_MORE = "… et {n} plus anciennes (« mes demandes » les montre toutes)."


def status_line(reference: str, date: str, commune: str | None, need: str, state: str, handler: str) -> str:
    where = f" · {commune}" if commune else ""
    what = f"\n  « {need} »" if need else ""
    return f"• {reference} du {date}{where}{what}\n  État : {state} — suivie par {handler}"


STATUS_HANDLER_TEAM = "l'équipe de la préfecture"
STATUS_HANDLER_NOBODY = "l'équipe de la préfecture (pas encore attribuée)"


def status_handler_agent(name: str) -> str:
    return f"{name} (préfecture)"


ADDITION_WHICH = "À quelle demande ajoutez-vous cela ?"
ADDITION_NONE = (
    "Je ne trouve pas de demande en cours à laquelle l'ajouter. Si c'est un nouveau projet, décrivez-le et je "
    "prépare une demande."
)
ADDITION_EMPTY = "Que voulez-vous ajouter à votre demande ? Écrivez-le en une ou deux phrases."


def addition_button(reference: str, commune: str | None, need: str | None = None) -> str:
    """« 90-2026-0002 · micro-crèche intercommunale… » (the project tells two requests of one commune apart)."""
    if need and need.strip():
        words = " ".join(need.split())
        return f"{reference} · {words if len(words) <= 40 else words[:39].rstrip() + '…'}"
    return f"{reference} · {commune}" if commune else reference


def outside_notice(name: str, departement: str, dep_name: str | None, home: str) -> str:
    dep = f"« {dep_name} » ({departement})" if dep_name else departement
    return (f"{name} relève du département {dep}, hors du périmètre de ce guichet ({home}). "
            "Votre interlocuteur est la préfecture de ce département : le préfet y est le délégué de l'ANCT.")


def outside_contacts(lines: list[str], source: str | None, date: str | None) -> str:
    head = "Pour joindre la délégation de l'ANCT :"
    tail = f"\n(Source : {source}, version du {date}.)" if source and date else ""
    return head + "\n" + "\n".join(lines) + tail


def outside_contact_line(service: str, function: str | None, phone: str | None, email: str | None) -> str:
    parts = [service + (f" ({function})" if function else "")]
    parts += [p for p in (f"tél. {phone}" if phone else None, email) if p]
    return "• " + " — ".join(parts)


def outside_prefecture(town: str | None, site: str | None) -> str:
    bits = []
    if town:
        bits.append(f"La préfecture est à {town}.")
    if site:
        bits.append(f"Site : {site}")
    return " ".join(bits)


def postcode_label(code: str) -> str:
    return f"Le code postal {code}"


OUTSIDE_CHOICE = "Voulez-vous tout de même déposer votre demande ici ? Elle sera signalée à l'équipe comme hors du département."
OUTSIDE_FILE_ANYWAY = "Déposer ici quand même"
OUTSIDE_OTHER = "Une autre collectivité"
OUTSIDE_NO_THANKS = "Non merci"
OUTSIDE_OK = "D'accord, rien n'est déposé ici."


def staff_outside(name: str, departement: str) -> str:
    return f"⚠️ Hors du département : {name} ({departement})."


def off_topic(pointer: str, guichet: str) -> str:
    return f"{pointer}\n\n{guichet}"


def no_fit_why(reason: str) -> str:
    return f"Pourquoi : {reason}"


NO_FIT_CHOICE = "Vous pouvez l'envoyer quand même (l'équipe regardera), ou parler à un agent."
NO_FIT_GO_ON = "Continuer la demande"
THANKS_REPLY = "Avec plaisir. Je reste à votre disposition si besoin."
THANKS_IN_INTAKE = "Je vous en prie."
HELLO_IN_INTAKE = "Bonjour !"
