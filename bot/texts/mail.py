"""User-facing French of the e-mail channel (issue 20): the answers to a mairie's mail. Vouvoiement, plain words the
person answers in free text (no buttons in an e-mail), everything missing asked at once."""

from __future__ import annotations

GREETING = "Bonjour,"
SIGNATURE = "Le guichet des services de l'État pour les collectivités\n{controller}"

SUBJECT_ANSWER = "Re: {subject}"
SUBJECT_DEFAULT = "Votre message au guichet des collectivités"
SUBJECT_FILED = "[{reference}] Votre demande est enregistrée"
SUBJECT_NOTICE = "[{reference}] Votre demande"
SUBJECT_NOTICE_NO_REF = "Message du guichet des collectivités"

UNDERSTOOD_TITLE = "Voici ce que nous avons compris de votre message :"
MISSING_TITLE = "Pour transmettre votre demande, il nous manque :"
OPTIONAL_TITLE = "Si vous le souhaitez, précisez aussi :"
ANSWER_IN_FREE_TEXT = ("Répondez simplement à ce message, avec vos mots, en une seule fois : "
                       "nous ne vous redemanderons pas ce que vous avez déjà écrit.")
CONFIRM_BY_REPLY = ("Si tout est exact, répondez à ce message (un simple « oui » suffit) : votre demande sera alors "
                    "transmise à l'équipe de la préfecture. Pour corriger un point, écrivez-le dans votre réponse.")
NOT_A_REPLY = ("Pour que nous soyons sûrs que ce message vient bien de vous, répondez directement au dernier message "
               "du guichet (bouton « Répondre » de votre messagerie).")

#: One question per missing slot, in plain words answered in free text.
QUESTIONS: dict[str, str] = {
    "commune": "la collectivité concernée (nom de la commune ou de l'intercommunalité) ;",
    "role": "votre fonction (maire, adjoint(e), conseiller(ère), secrétaire de mairie, DGS…) ;",
    "need": "le projet ou le besoin, en quelques phrases : quoi, où, pourquoi ;",
    "stage": "où en est le projet (une idée, des études en cours, un projet défini, prêt à démarrer) ;",
    "help": "l'aide que vous souhaitez (financement, ingénierie ou conseil, mise en relation, information) ;",
    "name": "vos nom et prénom ;",
    "phone": "un numéro de téléphone où vous joindre ;",
    "email": "votre adresse e-mail ;",
    "budget": "l'ordre de grandeur du budget ;",
    "timing": "le calendrier envisagé.",
}
COMMUNE_PICK = "la collectivité : plusieurs correspondent ({names}), laquelle ?"


def filed(reference: str, days: int | None) -> str:
    # issue 21: a delay is promised only when the préfecture set one (GUICHET_RESPONSE_DAYS)
    promise = f" Un premier contact a lieu sous {days} jours ouvrés." if days is not None else ""
    return (f"Votre demande est enregistrée sous la référence {reference}.\n\n"
            "L'équipe de la préfecture l'examine et vous recontacte ; vous serez prévenu(e) par e-mail à chaque "
            f"étape.{promise}\n\n"
            "Pour ajouter une information ou poser une question sur cette demande, répondez à ce message.")


def appended(reference: str) -> str:
    return (f"Votre message a été ajouté à votre demande {reference} ; l'équipe de la préfecture en est informée.")


UNREADABLE = ("Nous n'avons pas pu lire votre message (format ou encodage non reconnu). Pouvez-vous nous le renvoyer "
              "en texte simple, dans le corps du message ?")
EMPTY = ("Votre message nous est parvenu vide. Décrivez-nous votre projet ou posez votre question dans le corps du "
         "message, et nous vous répondrons.")
TOO_BIG = ("Votre message est trop volumineux pour être traité ({size} Mo, au plus {limit} Mo). Renvoyez-le sans les "
           "pièces jointes les plus lourdes ; la préfecture pourra vous les demander ensuite.")
ATTACHMENTS_KEPT = "Pièces jointes conservées avec votre demande : {names}."
ATTACHMENTS_REFUSED = ("Pièces jointes non conservées (type non accepté ou trop volumineuses) : {names}. "
                       "Formats acceptés : PDF, images (JPEG, PNG), documents bureautiques.")

NOTICE_FOOTER = "Pour répondre à l'équipe de la préfecture, répondez à ce message."
