"""Where a project stands, said in words (« c'est encore une idée », « le bureau d'études a rendu son étude », « les
travaux ont commencé »): ``idee``, ``etude``, ``projet-defini`` or ``pret``. Split out of ``intents.extract``, which
re-exports ``find_stage`` (same rules). Pure; never raises."""

from __future__ import annotations

import re

from intents.calendar import _TIMING_RE
from intents.normalize import normalize

__all__ = ["find_stage"]

_MAX = 3000


def _norm(text: object) -> str:
    # (« on a un devi de 43500 »: the quote typed without its s)
    return re.sub(r"\bdevi\b", "devis", normalize(text, max_chars=_MAX)) if isinstance(text, str) else ""


# --- stage -------------------------------------------------------------------------------------------------------
_STAGE_STRONG: tuple[tuple[str, str], ...] = (
    # works under way (the stories' « en_cours »: the guichet's nearest stage is « pret »): « les travaux … ont
    # démarré », the past auxiliary said right before the verb, the works' object between (a clause of up to ten words)
    ("pret", r"\b(?:travaux (?:\w+ ){0,3}(?:ont |a )?(?:commence|demarre|debute)s?|"
             r"(?:travaux|chantier) (?:\w+ ){4,10}?(?:ont|a) (?:bien |deja |enfin )?(?:commence|demarre|debute)s?|chantier (?:a )?(?:commence|demarre)|"
             r"travaux en cours|en cours de travaux|pret a demarrer|prets a demarrer|prete a demarrer|pret a lancer|travaux (?:vont )?commence|"
             r"on demarre|marche attribue|marches attribues|entreprises? retenues?|"
             r"appel offres?(?: est| a ete)? (?:lance|en cours|publie)|ordre de service|"
             # the works' procurement under way: the tender file ready, the firms consulted, a quote chosen
             r"dce (?:est |a ete )?(?:pret|publie|lance)|consultation (?:des entreprises )?(?:est |a ete )?(?:lancee|en cours|publiee)|"
             r"(?:a|avons|ont|ai) (?:choisi|retenu|signe) (?:(?:le |un |une |l )?(?:devis|entreprise|prestataire|artisan)|celui|celle)|"
             # the same said with the participle after its noun (« devis retenu », « l'entreprise est choisie »)
             r"(?:devis|entreprises?|prestataires?|artisans?) (?:est |sont |a ete |ont ete )?(?:choisi|retenu)e?s?)\b"),
    ("projet-defini", r"\b(?:devis (?:(?:est |sont |a ete |ont ete )?(?:recu|signe|valide|accepte|obtenu|ok|arrive|rentre)e?s?|en main|en poche|(?:est |sont )la)|(?:on a|avons|ai|nous avons|(?:nous )?disposons de|on dispose de) (?:recu |eu |obtenu |fait faire |demande )?"
                      r"(?:le |les |un |des |deux |trois |quatre |plusieurs |\d+ )?devis|devis de|devis (?:a |pour )?\d+|projet (?:est )?defini|avant projet|apd|aps|plans? (?:faits?|prets?)|"
                      r"permis (?:de construire )?(?:est |a ete )?(?:depose|obtenu|accorde)|projet chiffre|dossier (?:pret|complet)|(?:maitre oeuvre|moe|programmiste|architecte|bureau etudes?) (?:choisi|retenu|designe)e?s?)\b"),
    ("etude", r"\b(?:(?:on en est|nous en sommes|en|au stade de|stade) (?:a |de )?(?:la )?etudes?|(?:etudes?|diagnostics?|audits?)(?: \w+){0,3}? (?:est |sont |a ete |ont ete )?(?:en cours|lancee?s?|realisee?s?|faite?s?|terminee?s?|finie?s?|achevee?s?|rendue?s?|bouclee?s?)|"
              r"diagnostic (?:en cours|realise|fait)|etude de faisabilite (?:en cours|realisee|faite)|faisabilite en cours)\b"),
    ("idee", r"\b(?:est (?:encore |toujours |juste |seulement |qu |que )*une (?:simple |petite |premiere )?idee|"
             r"tout debut|(?:on en est|nous en sommes|en|au stade de|stade) (?:a |de )?(?:une |l )?idee|"
             r"simple idee|juste une idee|(?:on a|nous avons|j ai|avons) (?:eu )?une (?:petite |premiere |vague )?idee (?:de|d)|on reflechit|nous reflechissons|en reflexion|reflexion|on y pense|"
             r"commence a peine|rien est fait|pas encore (?:commence|lance|defini)|premiere approche)\b"),
)
_STAGE_ASKED: tuple[tuple[str, str], ...] = (
    ("pret", r"\b(?:pret|prets|prete|demarr\w*|(?<!\ba )lance\w*|travaux)\b"),  # « (concours) à lancer »: not yet
    ("projet-defini", r"\b(?:defini|definis|definie|devis|chiffre|plans?)\b"),
    ("etude", r"\b(?:etudes?|diagnostic|faisabilite|audit)\b"),
    ("idee", r"\b(?:idee|idees|debut|reflexion|reflechit|envisage|commence)\b"),
)


#: A stage said as where the project stands: a verb of being (« c'est », « on en est », « nous sommes », « le
#: projet reste ») then, within a few small words (« encore », « qu'à », « au stade de », « une simple »), a noun of
#: the stage. The structure is read, not the phrase: « c'est encore une idée », « ce n'est qu'une ébauche »,
#: « nous sommes toujours en phase d'étude », « le projet est au stade de l'avant-projet ».
_STAGE_BEING = (r"(?:(?:^|\b(?:mais|et|donc|alors|non|oui|bon|ca|cela|actuellement|aujourd hui|pour instant|"
                r"pour le moment) )(?:est|reste|c)|\b(?:est|reste|c)(?= (?:encore|toujours|juste|seulement|que|qu|rien que) )|\b(?:ce est|on est|on en est|en est|nous en sommes|nous sommes|"
                r"projet est|projet reste|on reste|restons|se trouve|au stade|en phase|a etat))\s+")
_STAGE_FILLER = (r"(?:(?:encore|toujours|seulement|juste|que|qu|rien que|a peine|vraiment|plutot|pour instant|"
                 r"pour le moment|au|aux|a|en|de|du|des|la|le|les|une|un|simple|simples|petite|premiere|premier|"
                 r"stade|etat|phase|niveau|cours)\s+){0,6}")
_STAGE_NOUNS: tuple[tuple[str, str], ...] = (
    ("idee", r"(?:idees?|reflexions?|intentions?|envies?|ebauches?|esquisses?|balbutiements?|prémices|premices|"
             r"debut|tout debut|commencement|projet|reve)"),
    ("etude", r"(?:etudes?|diagnostics?|faisabilite|audit|programmation)"),
    ("projet-defini", r"(?:avant projet|apd|aps|projet defini|chiffrage|devis|consultation|permis)"),
    ("pret", r"(?:pret|prets|prete|travaux|chantier|demarrage|lancement)"),
)


#: nothing studied nor priced yet (« aucune étude », « pas encore d'étude », « personne n'a chiffré »): the idea
#: stage, read before the strong cues (« aucun diagnostic n'a été fait » is no diagnostic done)
#: a stage said in the negative (« il n'est pas prêt à démarrer »): not that stage
_NEGATED = re.compile(r"\b(?:pas|plus|jamais)(?: (?:encore|vraiment|du tout|tout a fait))? $")
_STAGE_NONE = re.compile(r"\b(?:(?:aucune|aucun|pas (?:encore )?(?:eu )?(?:de |d )?|sans) ?(?:etudes?|diagnostics?|audits?|"
                         r"devis|chiffrage)|personne (?:a |est )?(?:encore |pas encore )?(?:chiffre|venu voir|etudie)|"
                         r"personne (?:n )?a (?:encore |jamais )?(?:fait|lance|commande|regarde) (?:d |de |l |la |une |les )?(?:etudes?|diagnostics?|chiffrages?|devis)|"
                         r"rien (?:de |d |n est |est |n a ete |a ete )?(?:encore )?(?:fait|lance|chiffre|engage|commence|etudie)|"
                         # the cost not known (« on sait pas combien ca coute ni quoi faire »): nothing priced yet
                         r"(?:on|nous|je) (?:ne |n )?(?:sait|savons|sais) (?:pas|meme pas|toujours pas|pas encore) "
                         r"(?:combien (?:ca|cela) (?:coute|couterait|va couter)|quoi faire))\b")


def _stage_said(norm: str) -> str | None:
    for code, noun in _STAGE_NOUNS:
        m = re.search(_STAGE_BEING + _STAGE_FILLER + noun + r"\b", norm)
        if not m:
            continue
        tail = norm[m.end():m.end() + 16]
        if code == "etude" and re.match(r" (?:de |d )?(?!faisabilite|prealable|de faisabilite)\w+", tail) \
                and not re.match(r" (?:en cours|faite|realisee|terminee|lancee)", tail):
            continue  # « c'est une étude mobilité » names a project, not where it stands
        if code == "idee" and m.group(0).rstrip().endswith("projet"):
            # « nous sommes en projet » is the idea stage; « c'est un projet de salle » says nothing of the stage
            if not re.search(r"(?:sommes|est|en est) (?:encore |toujours |qu |que )*(?:en|a|au stade du?) projet$",
                             m.group(0).rstrip()) or tail.strip():
                continue
        if code == "pret" and re.search(r"\ben (?:travaux|chantier)$", m.group(0)):
            continue  # « le bâtiment est en travaux » describes the building
        return code
    return None


#: works started, said in the active voice with a past auxiliary, a date between or after (« on a commencé en
#: septembre les travaux de … », « nous avons démarré le chantier en mars »): read before the calendar is cut out
_WORKS_STARTED = re.compile(r"\b(?:a|avons|ont|ai) (?:bien |deja |enfin )?(?:commence|demarre|debute|attaque|entame)s? "
                            r"(?:(?:en|depuis|debut|fin|mi|au|cet|cette|ce|le|la) (?:\w+ ){0,2}?)?"
                            r"(?:les |des |nos |le |notre )?(?:travaux|chantier)\b")


#: a study handed over, said in the active voice (« le bureau d'études nous a remis son diagnostic », « l'architecte
#: a rendu son étude »): the study stage (a costing by an architect or a bureau d'études is a study's)
_STUDY_HANDED = re.compile(r"\b(?:a|ont|avons|ai) (?:deja |bien |enfin |seulement |juste |tout juste |simplement )?(?:nous |me )?(?:remis|rendu|livre|transmis|fourni|"
                           r"realise|termine|envoye)e?s? (?:son |sa |ses |le |la |les |un |une |leur |leurs |notre |nos )?"
                           r"(?:(?:premier |premiere |pre )?(?:diagnostics?|etudes?|audits?|rapports? d etudes?|"
                           r"etude de faisabilite|esquisses?))\b")


def find_stage(text: object, asked: bool = False) -> str | None:
    """Where the project stands: ``idee``, ``etude``, ``projet-defini`` or ``pret``."""
    norm = _norm(text)
    if not norm:
        return None
    if any(not _NEGATED.search(norm[:m.start()]) for m in _WORKS_STARTED.finditer(norm)):
        return "pret"
    said = _TIMING_RE.sub(" ", norm)  # « un démarrage des travaux en 2028 » is the calendar, not works starting
    nothing = list(_STAGE_NONE.finditer(said))
    if nothing and len(said[nothing[-1].end():].split()) < 4:
        return "idee"  # (« pas encore d'étude… ah si, le bureau d'études a rendu son étude »: read as before)
    for code, pattern in _STAGE_STRONG:
        if any(not _NEGATED.search(said[:m.start()]) for m in re.finditer(pattern, said)):
            return code
        if code == "projet-defini" and any(not _NEGATED.search(said[:m.start()]) for m in _STUDY_HANDED.finditer(said)):
            return "etude"  # (after the quotes in hand: « l'étude rendue, on a les devis » is further on)
    clauses = re.split(r"[,;:.!?\n()]+|\s[-–—]\s", text[:_MAX] if isinstance(text, str) else "")
    for clause in clauses:
        said = _stage_said(_norm(clause))  # clause by clause: « …, c'est encore une idée »
        if said:
            return said
    for clause in clauses:  # nothing done nor priced, said at the end of its own clause (« on sait pas combien ca
        # coute ni quoi faire, il nous faudrait un technicien … »)
        found = list(_STAGE_NONE.finditer(_norm(clause)))
        rest = _norm(clause)[found[-1].end():] if found else ""
        if found and (len(rest.split()) < 4 or not any(re.search(p, rest) for _, p in _STAGE_ASKED)):
            return "idee"  # (nor any word of a stage after it: « pas de devis encore le maire dit 85000 a la louche »)
    if asked:
        weak = _TIMING_RE.sub(" ", norm)  # « travaux en 2027 » is the calendar, not works under way
        for code, pattern in _STAGE_ASKED:
            if re.search(pattern, weak):
                return code
    return None
