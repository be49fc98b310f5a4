"""User-facing French of the conversation (vouvoiement, short messages for a phone screen).

Every sentence the intake engine says lives here. Functions take plain values (no ORM, no settings object) so that
the texts stay easy to review and to change.
"""

from __future__ import annotations

from bot.texts.followup import (  # noqa: F401 - the texts after filing, named here too (T.status_line …)
    STATUS_TITLE, STATUS_NONE, STATUS_NONE_HINT, STATUS_MORE, status_line, STATUS_HANDLER_TEAM,
    STATUS_HANDLER_NOBODY, status_handler_agent, ADDITION_WHICH, ADDITION_NONE, ADDITION_EMPTY, addition_button,
    outside_notice, outside_contacts, outside_contact_line, outside_prefecture, postcode_label, OUTSIDE_CHOICE,
    OUTSIDE_FILE_ANYWAY, OUTSIDE_OTHER, OUTSIDE_NO_THANKS, OUTSIDE_OK, staff_outside, off_topic, no_fit_why,
    NO_FIT_CHOICE, NO_FIT_GO_ON, THANKS_REPLY, THANKS_IN_INTAKE, HELLO_IN_INTAKE)
# the privacy notices, short and full (bot/texts/privacy.py), named here too: T.privacy_short, T.privacy_full
from bot.texts.privacy import privacy_full, privacy_short  # noqa: F401


# --- welcome and privacy ------------------------------------------------------------------------------------------
def welcome(controller: str) -> str:
    """The first contact: two lines, and who handles the data (the full notice: /confidentialite)."""
    return (
        "Bonjour et bienvenue au guichet de l'État pour les projets des collectivités. Dites-moi votre commune et "
        "votre projet, en une phrase ou plusieurs : je ne demanderai que ce qui manque.\n"
        f"🔒 Vos données sont traitées par {controller} (mission d'intérêt public) : /confidentialite"
    )


GREETING_AGAIN = "Bonjour ! Dites-moi votre commune et votre projet, ou choisissez ci-dessous."


def welcome_back(name: str) -> str:
    return f"Bonjour {name} ! Que puis-je pour vous ? (Vos données : /confidentialite)"


UNFINISHED = "Vous avez une demande en cours, je l'ai gardée."
RESUME_BUTTON = "Reprendre ma demande"


HELP_COMMANDS = (
    "Ce que vous pouvez faire :\n"
    "/demande — déposer une demande\n"
    "/question — poser une question\n"
    "/mesdemandes — suivre vos demandes\n"
    "/agent — parler à un agent\n"
    "/annuler — abandonner la demande en cours\n"
    "/recommencer — reprendre la demande au début\n"
    "/mesdonnees — voir vos données\n"
    "/supprimer — effacer vos données\n"
    "/confidentialite — protection de vos données\n"
    "Dans une demande : « retour » revient à la question précédente ; « non, c'est à … » corrige."
)

UNKNOWN_COMMAND = "Je ne connais pas cette commande. Tapez /aide pour voir la liste."
MENU_PROMPT = "Que souhaitez-vous faire ?"
MENU_FILE = "Déposer une demande"
MENU_QUESTION = "Poser une question"
MENU_TRACK = "Suivre mes demandes"
MENU_BACK = "Menu"
MENU_HINT = "Je n'ai pas bien compris. Choisissez une action ci-dessous."

# --- generic ------------------------------------------------------------------------------------------------------
YES = "Oui"
NO = "Non"
SKIP = "Passer"
VALIDATE = "Valider"
CONTINUE = "Continuer"
STALE_BUTTON = "Ce bouton n'est plus valable. Voici la question en cours :"
UNSUPPORTED = "Je ne peux lire ni les photos, ni les messages vocaux, ni les fichiers. Répondez par écrit, s'il vous plaît."
EMPTY_OR_UNREADABLE = "Je n'ai pas pu lire votre message. Répondez avec des mots, s'il vous plaît."
USE_BUTTONS = "Choisissez une réponse avec les boutons ci-dessous."
UNAVAILABLE = "Le service est momentanément indisponible : rien n'a été enregistré. Renvoyez votre message dans un instant."
INTERNAL_ERROR = "Désolé, un problème est survenu de notre côté. Réessayez dans un instant."
FLOOD = "Vous envoyez beaucoup de messages d'un coup. Patientez une minute, puis reprenez : je vous lis."
CONTACT_NOT_EXPECTED = "Merci, mais je n'ai pas besoin de votre numéro pour l'instant."
RESUME = "Reprenons votre demande :"


def resume(commune: str | None) -> str:
    return f"Reprenons votre demande pour {commune} :" if commune else RESUME
TOO_LONG_TRUNCATED = "Votre message était très long : j'en ai gardé le début (environ 3 000 caractères)."

# --- questions at any step --------------------------------------------------------------------------------------
def faq_answer(text: str, source: str) -> str:
    return f"{text}\n\nSource : {source}"


FAQ_UNSURE = "Je ne suis pas sûr de la réponse ; voulez-vous parler à un agent ?"
FAQ_ASK_AGENT = "Parler à un agent"
QUESTION_MODE_PROMPT = "Posez votre question, je réponds à partir des fiches des programmes."
QUESTION_MODE_NEXT = "Une autre question ? Écrivez-la, ou choisissez une action."

# --- agent handoff --------------------------------------------------------------------------------------------
AGENT_DONE = (
    "C'est noté : un agent de la préfecture a été prévenu et vous répondra ici, dans cette conversation, "
    "dès que possible (jours ouvrés)."
)
AGENT_ASK_MESSAGE = "Vous pouvez écrire votre message pour l'agent ci-dessous, il lui sera transmis."
HANDOVER_END = "Terminer l'échange"
RELAYED_TO_AGENT = (
    "Transmis à l'agent. Vos messages lui parviennent jusqu'à sa réponse ; écrivez « fin » pour reprendre avec le "
    "guichet."
)
HANDOVER_ENDED = "D'accord, vous reprenez avec le guichet."
NO_HANDOVER = "Aucun échange avec un agent n'est en cours."
STAFF_AGENT_TITLE = "Demande à parler à un agent."


def staff_line(label: str, value: str) -> str:
    return f"{label} : {value}"


def staff_appended(reference: str, note: str) -> str:
    return f"{reference} : complément reçu.\n\n{note}"


# --- what the person said, noted back ------------------------------------------------------------------------
def ack(parts: list[str]) -> str:
    if len(parts) == 1:
        return parts[0] if parts[0].startswith("Votre besoin") or "(" in parts[0] else "C'est noté : " + parts[0]
    return "C'est noté :\n" + "\n".join("• " + p for p in parts)


def corrected(label: str, value: str) -> str:
    return f"C'est corrigé : {label} → {value}."


def conflict(label: str, old: str, new: str) -> str:
    return f"{label} : vous aviez indiqué « {old} ». Je remplace par « {new} » ?"


CONFLICT_REPLACE = "Oui, remplacer"
CONFLICT_KEEP = "Non, garder"
NOTHING_BEFORE = "Il n'y a pas de question précédente."


def identity_question(name: str, role: str | None, commune: str | None) -> str:
    role = (role.lower() if role[1:2].islower() else role) if role else ""
    who = ", ".join(part for part in (name.strip(), role) if part)
    if commune:
        who = f"{who} ({commune})" if who else f"à {commune}"
    if not who:  # known by a phone or an e-mail only
        return "Reprendre les coordonnées de votre dernière demande ?"
    return f"Toujours {who} ? (mêmes coordonnées)"


IDENTITY_YES = "Oui, c'est moi"
IDENTITY_NO = "Non, changer"

# --- cancel / restart -------------------------------------------------------------------------------------------
CANCEL_CONFIRM = "Abandonner la demande en cours ? Les réponses déjà données seront effacées."
CANCEL_YES = "Oui, abandonner"
CANCEL_NO = "Non, continuer"
CANCELLED = "Demande abandonnée. Rien n'a été envoyé."
NOTHING_TO_CANCEL = "Il n'y a pas de demande en cours."
RESTARTED = "D'accord, reprenons depuis le début."

# --- intake: commune ------------------------------------------------------------------------------------------
ASK_COMMUNE = "Pour quelle collectivité ? Écrivez le nom de la commune ou de l'intercommunalité (ex. : Giromagny, Grand Belfort)."
COMMUNE_NOT_FOUND = "Je ne trouve pas cette collectivité. Vérifiez l'orthographe ou donnez le code postal (ex. : Delle ou 90100)."
COMMUNE_PICK = "Plusieurs collectivités correspondent. Laquelle ?"
COMMUNE_NONE_OF_THESE = "Aucune de celles-ci"


def commune_confirm(name: str, departement: str, population: int | None, epci_name: str | None) -> str:
    parts = [f"{name} ({departement})"]
    if population:
        parts.append(f"{population:,} hab.".replace(",", "\u202f"))
    if epci_name:
        parts.append(epci_name)
    return ", ".join(parts) + " ?"


def commune_outside(name: str, departement: str, home: str) -> str:
    return (
        f"{name} est dans le département {departement}, hors du périmètre de ce guichet ({home}). "
        "Votre demande sera transmise, mais l'accompagnement dépend d'une autre préfecture. "
        "Confirmez-vous cette collectivité ?"
    )


COMMUNE_OTHER = "Une autre"
COMMUNE_RETRY = "D'accord. Quelle collectivité alors ?"

# --- intake: role ----------------------------------------------------------------------------------------------
ASK_ROLE = "Quelle est votre fonction ?"
ROLES: dict[str, str] = {
    "maire": "Maire",
    "adjoint": "Adjoint(e)",
    "president-epci": "Président(e) d'EPCI",
    "conseiller": "Conseiller(ère)",
    "agent": "Agent (DGS, secrétaire de mairie)",
    "autre": "Autre",
}
ROLE_REASK = "Choisissez votre fonction dans la liste."

# --- intake: need ----------------------------------------------------------------------------------------------
ASK_NEED = "Décrivez votre projet ou votre besoin en quelques phrases : quoi, où, pourquoi."


def need_kept(need: str) -> str:
    short = need if len(need) <= 120 else need[:117].rstrip() + "…"
    return f"Votre besoin : « {short} »"


NEED_MORE = "Pouvez-vous en dire un peu plus ? Par exemple : le lieu, l'objectif, ce qui bloque."
NEED_UNREADABLE = "Je n'ai pas compris. Décrivez votre projet en français, en quelques phrases."


def themes_understood(labels: list[str]) -> str:
    labels = [lbl[:1].lower() + lbl[1:] if lbl[1:2].islower() else lbl for lbl in labels]
    if not labels:
        return "Je n'ai pas reconnu de thème précis. Choisissez-en un ou plusieurs :"
    if len(labels) == 1:
        joined = labels[0]
    else:
        joined = ", ".join(labels[:-1]) + " et " + labels[-1]
    return f"J'ai compris : {joined}. C'est bien ça ?"


THEMES_FIX = "Corriger"
THEMES_EDIT = "Choisissez les thèmes de votre projet (touchez pour cocher ou décocher), puis Valider."
THEMES_NEED_ONE = "Choisissez au moins un thème."

# --- intake: stage and help -----------------------------------------------------------------------------------
ASK_STAGE = "Où en est le projet ?"
STAGES: dict[str, str] = {
    "idee": "Idée",
    "etude": "Étude",
    "projet-defini": "Projet défini",
    "pret": "Prêt à démarrer",
}
ASK_HELP = "Quelle aide souhaitez-vous ? Plusieurs choix possibles, puis Valider."
HELP_KINDS: dict[str, str] = {
    "ingenierie": "Ingénierie (étude, conseil)",
    "financement": "Financement",
    "mise-en-relation": "Mise en relation",
    "information": "Information",
}
HELP_NEED_ONE = "Choisissez au moins un type d'aide."

# --- intake: budget and calendar ----------------------------------------------------------------------------
ASK_BUDGET = "Quel est l'ordre de grandeur du budget ? (ex. : 150 000 €, 1,2 M€) — facultatif."
BUDGET_INVALID = "Je n'ai pas reconnu de montant. Écrivez par exemple « 200 000 € » ou « 1,5 M€ », ou passez."
ASK_TIMING = "Quel calendrier envisagez-vous ? (ex. : travaux en 2027) — facultatif."
def budget_range(low: str, high: str) -> str:
    return f"entre {low} et {high}"


def budget_more_than(amount: str) -> str:
    return f"plus de {amount}"


def budget_less_than(amount: str) -> str:
    return f"moins de {amount}"


TIMING_INVALID = "Je n'ai pas compris. Écrivez une période (ex. : « début 2027 »), ou passez."

# --- intake: contact ------------------------------------------------------------------------------------------
ASK_NAME = "Votre nom et prénom ?"
NAME_INVALID = "Écrivez votre nom et prénom, en lettres (80 caractères au plus)."
ASK_PHONE = "Votre numéro de téléphone ? Tapez-le (ex. : 06 12 34 56 78)."
ASK_PHONE_TYPED = "Votre numéro de téléphone ? (ex. : 06 12 34 56 78)"
SHARE_PHONE = "📞 Partager mon numéro"
PHONE_INVALID = "Ce numéro ne semble pas valide. Écrivez un numéro français à 10 chiffres (ex. : 03 84 12 34 56)."
PHONE_SKIP_EMAIL_REQUIRED = "Passer le téléphone"
ASK_EMAIL = "Votre adresse e-mail ?"
ASK_EMAIL_OPTIONAL = "Votre adresse e-mail ? (facultatif, vous pouvez passer)"
EMAIL_INVALID = "Cette adresse ne semble pas valide (ex. : mairie@commune.fr)."
EMAIL_REQUIRED = "Sans téléphone, l'e-mail est nécessaire pour vous recontacter."

# --- intake: offers ---------------------------------------------------------------------------------------------
OFFERS_INTRO = "Voici les dispositifs qui semblent correspondre à votre projet :"
OFFERS_NONE = "Je n'ai pas trouvé de dispositif qui corresponde clairement : l'équipe de la préfecture regardera votre demande."
# issue 11: no offer fits clearly (kb.match_with_confidence(...).unsure)
OFFERS_UNSURE = "Je ne trouve pas de dispositif qui corresponde clairement ; l'équipe de la préfecture regardera votre demande."
OFFERS_AGAIN = "Voir un autre dispositif, ou continuer ?"
OFFERS_OUTRO = "L'équipe confirmera ce qui s'applique vraiment à votre cas."


def offer_line(rank: int, name: str, reason: str | None, warning: str | None) -> str:
    line = f"{rank}. {name}"
    if reason:
        line += f" — {reason}"
    if warning:
        line += f"\n   ⚠️ {warning}"
    return line


def offer_details_button(rank: int) -> str:
    return f"Détails {rank}"


def offer_details(name: str, summary: str, eligibility: str, how_to_apply: str, url: str, uncertain: bool) -> str:
    text = f"{name}\n\n{summary}\n\nQui peut en bénéficier : {eligibility}\n\nComment faire : {how_to_apply}"
    if uncertain:
        text += "\n\n⚠️ Certaines informations sont incertaines ou peuvent avoir changé : à vérifier avec l'équipe."
    return text + f"\n\nSource : {url}"


def offer_warning(commune: str | None, warning: str) -> str:
    """The one warning shown with an offer's details (issue 21)."""
    return f"⚠️ Pour {commune} : {warning}" if commune else f"⚠️ {warning}"


def offer_warnings_for(commune: str, warnings: list[str]) -> str:
    return f"Pour {commune} :\n" + "\n".join(f"⚠️ {w}" for w in warnings)


# --- intake: recap, consent, duplicates -------------------------------------------------------------------------
RECAP_TITLE = "Récapitulatif de votre demande :"
RECAP_LABELS = {
    "commune": "Collectivité",
    "role": "Fonction",
    "need": "Besoin",
    "themes": "Thèmes",
    "stage": "Étape",
    "help": "Aide souhaitée",
    "budget": "Budget",
    "timing": "Calendrier",
    "name": "Nom",
    "phone": "Téléphone",
    "email": "E-mail",
    "offers": "Dispositifs repérés",
}
NOT_GIVEN = "non précisé"
EDIT_BUTTONS = {
    "commune": "Modifier la commune",
    "role": "Modifier la fonction",
    "need": "Modifier le besoin",
    "stage": "Modifier l'étape",
    "help": "Modifier l'aide",
    "themes": "Modifier les thèmes",
    "budget": "Modifier budget/calendrier",
    "contact": "Modifier le contact",
}
SEND = "Envoyer la demande"
RECAP_HINT = "Pour corriger : touchez un bouton, ou écrivez-le (« non, c'est à Chaux »)."
SEND_NOTICE = (
    "En envoyant, vos réponses et vos coordonnées sont transmises à la préfecture et, si besoin, à l'opérateur "
    "compétent (mission d'intérêt public ; /confidentialite)."
)
# --- issue 22: a recap for a thumb: the facts in a short list, at most 4 buttons ------------------------------------
RECAP_EDIT = "Modifier"
RECAP_OFFERS = "Voir les dispositifs"
RECAP_FULL = "Voir tout"
RECAP_BACK = "Retour au récapitulatif"
EDIT_MENU = "Que voulez-vous modifier ? Touchez un champ, ou écrivez la correction (« non, c'est à Chaux »)."
OFFERS_SHORT = "Dispositifs possibles : {names}."
OFFERS_LIST_OUTRO = "L'équipe confirmera ce qui s'applique vraiment à votre cas. Touchez un numéro pour le détail."
SEND_NOTICE_SHORT = ("En envoyant, vos réponses vont à la préfecture et, si besoin, à un opérateur (mission d'intérêt "
                     "public ; /confidentialite).")
NEED_PREVIEW_CHARS = 140


RECAP_NOT_UNDERSTOOD = "Je n'ai pas compris. Touchez un bouton, ou écrivez ce qu'il faut corriger."
RECAP_HELD = ("D'accord, rien n'est envoyé. Votre demande reste ici : vous pourrez l'envoyer quand vous voudrez, "
              "ou la corriger.")
ALREADY_SENT = "Cette demande est déjà envoyée."


def unknown_request(reference: str) -> str:
    return f"Je ne trouve pas de demande {reference} à votre nom. Vos demandes : /mesdemandes"


def request_view(reference: str, date: str, commune: str | None, status: str, need: str) -> str:
    where = f" · {commune}" if commune else ""
    return f"Demande {reference} du {date}{where}\nÉtat : {status}\n« {need} »"


def duplicate_found(reference: str, commune: str, date: str) -> str:
    return (
        f"Une demande proche est déjà ouverte pour {commune} : {reference} (du {date}). "
        "Voulez-vous y ajouter votre message, ou déposer une nouvelle demande ?"
    )


DUPLICATE_ADD = "Ajouter à cette demande"
DUPLICATE_NEW = "Déposer une nouvelle demande"


def appended(reference: str) -> str:
    return f"C'est ajouté à la demande {reference}. L'équipe de la préfecture en est informée."


def filed(reference: str) -> str:
    return (
        f"✅ Demande envoyée. Votre référence : {reference}\n\n"
        "L'équipe de la préfecture l'examine et vous recontacte ; vous serez prévenu à chaque étape. "
        "Suivez-la avec /mesdemandes."
    )


def commitment(days: int | None) -> str:
    """The guichet's response commitment (setting GUICHET_RESPONSE_DAYS), shown when a request is filed (issue 10).
    Unset: no promise at all (issue 21): "" (``filed`` already says the person is told at each step)."""
    if days is None:
        return ""
    return f"Engagement de la préfecture : un premier contact de son équipe sous {days} jours ouvrés."


# --- my requests --------------------------------------------------------------------------------------------------
MY_REQUESTS_NONE = "Vous n'avez pas encore de demande."
MY_REQUESTS_TITLE = "Vos demandes :"
STATUS_WORDS = {
    "nouvelle": "reçue, en attente de prise en charge",
    "en_cours": "prise en charge",
    "orientee": "orientée",
    "en_attente": "en attente de vos précisions",
    "traitee": "traitée",
    "close_sans_suite": "close sans suite",
}


def status_words(status: str, operator: str | None = None) -> str:
    if status == "orientee" and operator:
        return f"orientée vers {operator}"
    return STATUS_WORDS.get(status, status)


def my_request_line(reference: str, date: str, commune: str | None, status: str) -> str:
    where = f" · {commune}" if commune else ""
    return f"• {reference} du {date}{where} : {status}"


# --- answers awaited by staff -------------------------------------------------------------------------------------
def answer_received(reference: str) -> str:
    return f"Merci, votre réponse a été transmise à l'équipe pour la demande {reference}."


# --- personal data ------------------------------------------------------------------------------------------------
MY_DATA_TITLE = "Voici les données que nous détenons sur vous :"
MY_DATA_NONE = "Nous ne détenons aucune donnée personnelle vous concernant, en dehors de cette conversation."
ERASE_CONFIRM = (
    "Effacer vos données ? Vos coordonnées (nom, téléphone, e-mail) seront effacées de vos demandes et "
    "la conversation en cours supprimée. Les demandes restent, sans données personnelles."
)
ERASE_YES = "Oui, effacer"
ERASE_NO = "Non"
ERASED = "Vos données personnelles ont été effacées."
ERASE_KEPT = "D'accord, rien n'a été effacé."

# --- terminal chat (guichet chat) ---------------------------------------------------------------------------------
CONSOLE_HINT = "Guichet — conversation dans le terminal. Écrivez votre message ; tapez le numéro d'un choix ; Ctrl-D pour quitter."
CONSOLE_PHONE_HINT = "(tapez votre numéro de téléphone)"
CONSOLE_NOTIFICATION = "📬 Message du guichet :"
CONSOLE_UNAVAILABLE = "Le service est momentanément indisponible, réessayez dans un instant."


# --- issue 26: a call for an agent with no words of its own (kept for staff in the console) --------------------------
AGENT_CALL_NO_TEXT = "(demande à parler à un agent)"


# --- issue 19: every message read, at every step ------------------------------------------------------------------
def need_added(part: str) -> str:
    short = part if len(part) <= 120 else part[:117].rstrip() + "…"
    return f"C'est ajouté à votre besoin : « {short} »."


def phone_incomplete(typed: str) -> str:
    """A phone number typed with a digit too few or too many (« 06 72 18 40 9 »): said back, nothing kept."""
    return f"Le numéro « {typed} » ne semble pas complet : pouvez-vous le retaper (10 chiffres) ?"


def noted_for_staff(words: str) -> str:
    """An addition that is not part of the project (« il manque : le maire souhaite être en copie »)."""
    short = words if len(words) <= 120 else words[:117].rstrip() + "…"
    return f"C'est noté, l'équipe de la préfecture le verra avec votre demande : « {short} »."


#: What a question with buttons expects, said when the words typed carry nothing usable.
USE_BUTTONS_FOR: dict[str, str] = {
    "role": USE_BUTTONS + " J'attends votre fonction (vous pouvez aussi l'écrire : « maire », « DGS »…).",
    "stage": USE_BUTTONS + " J'attends où en est le projet (vous pouvez aussi l'écrire : « c'est une idée », "
             "« étude en cours »…).",
    "help": USE_BUTTONS + " J'attends le type d'aide souhaité : touchez une ou plusieurs aides, puis Valider.",
    "identity": USE_BUTTONS + " J'attends de savoir si c'est bien vous (ou écrivez votre nom).",
    "conflict": USE_BUTTONS + " J'attends de savoir s'il faut remplacer l'ancienne valeur.",
    "themes_edit": USE_BUTTONS + " J'attends les thèmes qui conviennent, puis Valider.",
    "duplicate": USE_BUTTONS + " J'attends de savoir s'il faut compléter la demande déjà faite ou en déposer une "
                 "nouvelle.",
    "commune_confirm": USE_BUTTONS + " J'attends votre collectivité (vous pouvez aussi écrire son nom).",
    "commune_pick": USE_BUTTONS + " J'attends votre collectivité (vous pouvez aussi écrire son nom plus précisément).",
    "cancel_confirm": USE_BUTTONS + " J'attends de savoir s'il faut abandonner la demande en cours.",
    "erase_confirm": USE_BUTTONS + " J'attends de savoir s'il faut effacer vos données.",
}


def use_buttons_for(step: str) -> str:
    return USE_BUTTONS_FOR.get(step, USE_BUTTONS)


#: Words typed at a question with buttons that answer it not, but say something: kept for staff, the question again.
KEPT_THEN_ASK: dict[str, str] = {
    "role": "C'est noté pour l'équipe. Il me manque votre fonction : touchez un bouton ou écrivez-la (« maire », "
            "« DGS »…).",
    "stage": "C'est noté pour l'équipe. Il me manque où en est le projet : touchez un bouton ou écrivez-le (« c'est "
             "une idée », « on a les devis »…).",
    "help": "C'est noté pour l'équipe. Il me manque le type d'aide souhaité : touchez une ou plusieurs aides, puis "
            "Valider.",
}


def kept_then_ask(step: str) -> str:
    return KEPT_THEN_ASK.get(step, use_buttons_for(step))


#: When the kind of a message is unclear: one short question, never the handover offer.
CLARIFY_KIND = "Je ne suis pas sûr de ce que vous souhaitez. Vous voulez :"
CLARIFY_FILE = "Déposer une demande"
CLARIFY_QUESTION = "Poser une question"
CLARIFY_TRACK = "Suivre une demande"


def request_from_question(obj: str, programme: str | None) -> str:
    """The need of a request that follows a question (« une demande pour ça »)."""
    if programme and obj:
        return f"{obj} (programme : {programme})"
    return obj or (f"Demande au titre du programme {programme}" if programme else "")


CONTEXT_MATCHES_INTRO = "Je n'ai pas de fiche qui réponde exactement, mais ces dispositifs peuvent correspondre :"
CONTEXT_MATCHES_OUTRO = "L'équipe de la préfecture confirmera ce qui s'applique. Voulez-vous déposer une demande pour ce projet ?"
CONTEXT_FILE = "Déposer une demande pour ce projet"


def already_noted(label: str, value: str) -> str:
    return f"C'est bien ce que j'ai noté : {label} → {value}."


QUESTION_NOT_UNDERSTOOD = "Je n'ai pas compris votre question. Reformulez-la en quelques mots, ou choisissez une action."
