"""French texts of the comité local's dashboard, printable report and exports (console pages, issue 12).

Templates read them as ``d.NAME`` (the dashboard's routes pass this module as ``d``); nothing French is written in a
template.
"""

from __future__ import annotations

import datetime as dt

from bot.texts.staff import MONTHS

DASHBOARD_TITLE = "Tableau de bord du comité local"
DASHBOARD_INTRO = ("Les demandes d'accompagnement des collectivités, la suite qui leur est donnée et l'avancement "
                   "des projets : ce dont le comité local de cohésion territoriale est informé au moins deux fois "
                   "par an (article L1232-2 du code général des collectivités territoriales).")
FILTERS_TITLE = "Période et filtres"
FROM = "Du"
TO = "Au"
DATE_HINT = "Format attendu : JJ/MM/AAAA"
EPCI = "Intercommunalité"
THEME = "Thème"
STATUS = "Statut"
ALL = "Toutes"
ALL_THEMES = "Tous"
APPLY = "Afficher"
SHORTCUTS = "Périodes usuelles :"
THIS_SEMESTER = "ce semestre"
LAST_12_MONTHS = "les 12 derniers mois"
YEAR = "l'année {year}"
ACTIVE_FILTERS = "Affiché :"
PERIOD_LINE = "demandes déposées du {start} au {end}"

KEY_FIGURES = "Chiffres clés"
RECEIVED = "demandes reçues"
OPEN = "en cours de traitement"
CLOSED = "closes"
ROUTED = "orientées vers un opérateur"
LATE = "hors délai d'engagement"
LATE_WAITING = "dont {n} toujours sans réponse"
COMMITMENT = (
    "Délai de référence : une première action sous {days} jours ouvrés (du lundi au vendredi, hors jours fériés) ; "
    "c'est l'engagement fixé par la préfecture, ou à défaut un seuil de suivi interne, jamais promis aux demandeurs."
)

DELAYS_TITLE = "Délais (médianes)"
DELAY_FIRST = "Jusqu'à la première action d'un agent"
DELAY_ROUTE = "Jusqu'à l'orientation vers un opérateur"
DELAY_CLOSE = "Jusqu'à la clôture"
DELAY_HOW = "{n} demande(s) concernée(s)"
DELAYS_NOTE = ("Délais comptés en jours calendaires depuis le dépôt de la demande ; la première action est la "
               "prise en charge, l'orientation, une question ou un message à l'élu(e), ou la clôture.")

BY_STATUS = "Suite donnée : demandes par statut"
BY_THEME = "Demandes par thème"
BY_THEME_NOTE = "Une demande peut relever de plusieurs thèmes."
BY_EPCI = "Demandes par intercommunalité"
BY_OPERATOR = "Demandes orientées, par opérateur"
BY_OPERATOR_NOTE = "Une demande peut être orientée vers plusieurs opérateurs. Non orientées : {n}."
BY_MONTH = "Demandes par mois de dépôt"
BY_CHANNEL = "Demandes par canal de dépôt"
OTHER_CHANNEL = "Autre canal"
BY_COMMUNE = "Demandes par commune"
BY_COMMUNE_TOP = "Les {shown} communes les plus représentées sur {total}."
COL_LABEL = "Libellé"
COL_COUNT = "Demandes"
COL_SHARE = "Part"
COL_BAR = "Représentation"
NONE = "Aucune demande sur cette période."

LATE_TITLE = "Demandes hors délai d'engagement"
LATE_NONE = "Aucune demande hors délai sur cette période."
LATE_MORE = "Les {shown} premières sur {total} (la liste complète est dans l'export)."
COL_REFERENCE = "Référence"
COL_COMMUNE = "Collectivité"
COL_FILED = "Déposée le"
COL_WORKING_DAYS = "Jours ouvrés"
COL_SITUATION = "Situation"
WAITING = "sans réponse à ce jour"
ANSWERED_LATE = "première action tardive"

REPORT_LINK = "Rapport imprimable"
EXPORT_CSV = "Exporter (CSV)"
EXPORT_XLSX = "Exporter (Excel, XLSX)"
EXPORTS_NOTE = "Une ligne par demande, sans les coordonnées des personnes."

REPORT_TITLE = "Rapport au comité local de cohésion territoriale"
REPORT_SUBTITLE = "{departement} — demandes déposées du {start} au {end}"
REPORT_LEGAL = ("Le comité local de cohésion territoriale est informé des demandes d'accompagnement des "
                "collectivités territoriales et de leurs groupements, des suites qui leur sont données et, le cas "
                "échéant, de la mise en œuvre des projets concernés (article L1232-2 du code général des "
                "collectivités territoriales).")
REPORT_PRINT = "Pour l'imprimer ou l'enregistrer en PDF : menu Imprimer de votre navigateur (Ctrl+P)."
REPORT_BACK = "Retour au tableau de bord"
REPORT_SECTION_REQUESTS = "1. Les demandes reçues"
REPORT_SECTION_ACTION = "2. La suite donnée"
REPORT_SECTION_PROGRESS = "3. L'avancement des projets"
REPORT_SECTION_DELAYS = "4. Délais et engagement"
REPORT_PROGRESS_TEXT = ("{open} demande(s) en cours de traitement, dont {routed} orientée(s) vers un opérateur ; "
                        "{done} traitée(s) ; {dropped} close(s) sans suite.")
REPORT_LIST = "Liste des demandes"
REPORT_LIST_MORE = "Les {shown} premières déposées sur {total} (la liste complète est dans l'export)."
COL_THEMES = "Thèmes"
COL_STATUS = "Statut"
COL_OPERATOR = "Opérateur"
REPORT_GENERATED = "Rapport établi le {date} par le guichet unique."



def date_fr(value: dt.date | dt.datetime | None) -> str:
    """« 3 mars 2026 »."""
    if value is None:
        return "—"
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


def percent(count: int, total: int) -> str:
    if not total:
        return "—"
    share = 100.0 * count / total
    if 0 < share < 1:
        return "< 1 %"
    return f"{share:.0f} %"

# --- issue 26 ---
BY_PROGRAMME = "Dispositifs proposés (les dix plus fréquents)"
BY_PROGRAMME_NOTE = "Une demande peut relever de plusieurs dispositifs ; la liste est celle corrigée par les agents."
COL_PROJECT = "Projet"
