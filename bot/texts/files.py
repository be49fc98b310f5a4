"""Attachments (issue 20, every channel): what a person and staff read about a file sent. French, short."""

from __future__ import annotations


def size(n: int) -> str:
    """A size in words a person reads: « 820 octets », « 120 Ko », « 3,4 Mo »."""
    n = int(n or 0)
    if n < 1000:
        return f"{n} octets"
    if n < 1_000_000:
        return f"{round(n / 1000)} Ko"
    return f"{n / 1_000_000:.1f} Mo".replace(".", ",")


def named(name: str, n: int) -> str:
    return f"{name} ({size(n)})"


#: The web chat's transcript line for a file sent (and the Telegram acknowledgement's item).
TRANSCRIPT_LINE = "Pièce jointe : {item}"


def _received(items: list[str]) -> str:
    one = len(items) == 1
    return ("Pièce jointe reçue" if one else "Pièces jointes reçues") + " : " + ", ".join(items) + "."


def kept_draft(items: list[str]) -> str:
    one = len(items) == 1
    return _received(items) + (" Elle sera jointe" if one else " Elles seront jointes") + \
        " à votre demande quand vous l'enverrez."


def kept_request(reference: str, items: list[str]) -> str:
    if len(items) == 1:
        return _received(items) + f" Elle est ajoutée à votre demande {reference} ; l'équipe la verra dans le dossier."
    return _received(items) + f" Elles sont ajoutées à votre demande {reference} ; l'équipe les verra dans le dossier."


def kept_no_request(items: list[str]) -> str:
    one = len(items) == 1
    return _received(items) + (" Elle sera jointe" if one else " Elles seront jointes") + \
        " à la prochaine demande que vous enverrez."


REFUSED = {
    "type": "« {name} » n'est pas accepté : envoyez un PDF, une image (JPEG, PNG) ou un document Word, Excel ou "
            "OpenDocument.",
    "too_big": "« {name} » est trop volumineux (au plus {limit} par fichier).",
    "request_full": "« {name} » n'a pas été gardé : les pièces de cette demande dépassent déjà {total} au total.",
    "too_many": "« {name} » n'a pas été gardé : trop de fichiers dans un même message.",
    "empty": "« {name} » est vide.",
    "unreadable": "« {name} » n'a pas pu être récupéré ; renvoyez-le dans un instant, s'il vous plaît.",
}


def refused(name: str, reason: str, limit: int, total: int) -> str:
    return REFUSED.get(reason, REFUSED["type"]).format(name=name, limit=size(limit), total=size(total))


#: Staff side: the card's line and the group notice.
STAFF_LABEL = "Pièces jointes"


def staff_added(reference: str, items: list[str]) -> str:
    what = "pièce jointe reçue" if len(items) == 1 else "pièces jointes reçues"
    return f"{reference} : {what} : {', '.join(items)} (à télécharger dans la console)."


#: Web chat: the file form.
WEB_FILE_LABEL = "Joindre un fichier (PDF, image, document ; 10 Mo au plus)"
WEB_FILE_BUTTON = "Envoyer le fichier"
WEB_NO_FILE = "Aucun fichier choisi."
WEB_TOO_BIG = "Fichier trop volumineux : {limit} au plus par fichier. Revenez à la page pour en envoyer un autre."
