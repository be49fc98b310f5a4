"""The kinds of help asked for in a sentence (« une subvention », « quelqu'un pour nous guider », « des infos »):
``ingenierie``, ``financement``, ``mise-en-relation``, ``information``. Split out of ``intents.extract``, which
re-exports ``find_help_kinds``. Pure; never raises."""

from __future__ import annotations

import re

from intents.normalize import normalize

_MAX = 3000


def _norm(text: object) -> str:
    return normalize(text, max_chars=_MAX) if isinstance(text, str) else ""


# --- kinds of help -----------------------------------------------------------------------------------------------
_HELP_STRONG: tuple[tuple[str, str], ...] = (
    ("financement", r"\b(?:subventions?|subvs?|subs|financements?|financer|financiere|financier|cofinancements?|"
                    # money said plainly (« et puis de l'argent bien sur », « on a pas les sou »), never a
                    # « sous-sol »
                    r"dotations?|(?:de l|de|l|d|besoin|manque) argent|(?:des|les|de) sous?(?! (?:sols?|couches?|traitan\w*|prefe\w*|"
                    r"stations?|bois|titres?|totaux|total|ensembles?|sections?))|(?:du|le) fric|(?:des|les) thunes?)\b"),
    ("ingenierie", r"\b(?:ingenierie|assistance a maitrise ouvrage|amo|appui technique|accompagnement technique|"
                   # someone to guide: « que quelqu'un l'aide à savoir quoi faire », « quelqu'un pour nous guider »
                   r"(?:quelqu un|qqn|qq1|quelquun) (?:pour |qui )?(?:nous |l |le |la |me |les )?(?:aide|aider|guide|guider|accompagne|"
                   r"accompagner|conseille|conseiller|epaule|epauler|oriente|orienter)|"
                   # someone who knows, to tell what to do (« quelqu'un qui s'y connaît pour nous dire quoi faire »)
                   r"(?:quelqu un|qqn|qq1|quelquun)(?: \w+){0,6}? (?:dire|expliquer|montrer|indiquer|sache|sait|"
                   r"connaisse|connait)(?: \w+){0,2}? (?:quoi|comment|ce qu)|"
                   r"(?:quelqu un|qqn|qq1|quelquun) qui s y connai\w*|"
                   r"(?:etre|soyons|soit) (?:bien )?(?:accompagnes?|guides?|conseilles?|epaules?)|"
                   r"(?:pour|afin de) (?:nous |les |l |me )?(?:accompagner|guider|conseiller|epauler)|"
                   # help to set the project up (« un coup de main pour monter le projet », « être aidés pour monter
                   # le dossier »)
                   r"(?:aide\w*|accompagn\w*|appui|coup de main|soutien|quelqu un|qqn|qq1)(?: \w+){0,3} pour (?:nous )?"
                   r"(?:monter|construire|elaborer|piloter|porter) (?:le |un |notre |ce |les |nos |l )?"
                   r"(?:projet|dossier|montage|operation))\b"),
    ("mise-en-relation", r"\b(?:mise en relation|mettre en relation|mettre en contact)\b"),
)
_HELP_ASKED: tuple[tuple[str, str], ...] = (
    ("ingenierie", r"\b(?:etudes?|conseils?|technique|expertise)\b"),
    ("mise-en-relation", r"\b(?:relation|contacts?|partenaires?)\b"),
    ("information", r"\b(?:informations?|infos?|renseignements?|savoir)\b"),
    ("financement", r"\b(?:argent|aides? financieres?|sous)\b"),
)


def find_help_kinds(text: object, asked: bool = False) -> list[str]:
    """Kinds of help asked for, in the intake's order."""
    norm = _norm(text)
    if not norm:
        return []
    found = {code for code, p in _HELP_STRONG if re.search(p, norm)}
    if asked:
        found |= {code for code, p in _HELP_ASKED if re.search(p, norm)}
        # « tout », « les deux » as the answer (« un peu de tout », « tout ça », « toutes ») — not « tout » inside a
        # sentence about something else (« la commune ne peut pas tout payer »)
        if re.search(r"\b(?:toutes|les deux|les 4|les quatre|de tout|tout ca|tout cela)\b", norm) \
                or (re.search(r"\btout\b", norm) and len(norm.split()) <= 4):
            found |= {"ingenierie", "financement", "mise-en-relation", "information"} if "quatre" in norm or "4" in norm \
                or "tout" in norm else {"ingenierie", "financement"}
    order = ("ingenierie", "financement", "mise-en-relation", "information")
    return [c for c in order if c in found]
