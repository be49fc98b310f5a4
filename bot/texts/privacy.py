"""User-facing French: the privacy notices (the short one of the welcome's link, the full one of « Confidentialité »,
the web chat's ``/confidentialite`` page). Vouvoiement; the GDPR's items in plain words."""

from __future__ import annotations


def privacy_short(controller: str, privacy_url: str, retention_closed_months: int, retention_unfinished_days: int,
                  controller_contact: str | None = None) -> str:
    contact = f" ; contact : {controller_contact}" if controller_contact else ""
    return (
        "🔒 Vos données personnelles\n"
        f"• Responsable : {controller}\n"
        "• Pourquoi : traiter vos demandes d'accompagnement (mission d'intérêt public)\n"
        "• Destinataires : les services de l'État et les opérateurs vers qui votre demande est orientée\n"
        f"• Durée : {retention_closed_months} mois après la clôture de la demande ; "
        f"{retention_unfinished_days} jours pour une demande non terminée\n"
        f"• Vos droits : accès (/mesdonnees), effacement (/supprimer), rectification{contact}\n"
        f"• Texte complet : /aide ou {privacy_url}"
    )


def privacy_full(
    controller: str,
    controller_contact: str,
    privacy_url: str,
    retention_closed_months: int,
    retention_unfinished_days: int,
) -> str:
    return (
        "🔒 Protection de vos données personnelles\n\n"
        f"Responsable du traitement : {controller}.\n\n"
        "Finalité : recevoir, instruire et suivre les demandes d'accompagnement des collectivités, et répondre à "
        "leurs questions.\n\n"
        "Base légale : l'exécution d'une mission d'intérêt public (article 6-1-e du RGPD).\n\n"
        "Données : votre nom, votre fonction, votre collectivité, votre téléphone, votre e-mail, le contenu de "
        "votre demande et vos échanges avec le guichet.\n\n"
        "Destinataires : les services de l'État (préfecture, délégation territoriale de l'ANCT) et, si votre "
        "demande leur est orientée, les opérateurs concernés (Ademe, Anah, ANRU, Banque des Territoires, Cerema, "
        "services de l'État).\n\n"
        f"Durée de conservation : vos coordonnées sont anonymisées {retention_closed_months} mois après la clôture "
        f"de la demande ; une demande non terminée est effacée après {retention_unfinished_days} jours sans "
        "activité. La demande elle-même reste, sans données personnelles, comme trace de l'action publique.\n\n"
        "Vos droits : accès, rectification, effacement, limitation et opposition. Ici : /mesdonnees pour tout voir, "
        f"/supprimer pour effacer vos coordonnées. Contact : {controller_contact}. Vous pouvez aussi saisir la CNIL "
        "(cnil.fr).\n\n"
        f"Texte complet : {privacy_url}"
    )
