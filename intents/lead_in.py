"""The state of things told around a project (split out of ``intents.distill``, issue 19): the clauses a kept
project clause needs to be understood — what a relative clause or a pronoun speaks of, the state of things told right
before it — and the shapes that name a project as such (« notre projet de … », « l'idée serait de … »). Pure; reads
the labels the need distiller gave (``intents.clauses.Clause``)."""

from __future__ import annotations

import re

from intents.clauses import Clause
from intents.normalize import normalize

#: a lead-in opens with a clause its neighbours read as the project this much at least (the thing it is about:
#: « un gros souci avec le réseau d'eau potable », not a cause told in passing: « avec le nouveau lotissement »)
LEAD_SHARE = 0.15


#: a clause that names the collectivité and nothing else (« Pour la commune de Lepuix », « Mairie de Fêche-l'Église »):
#: an introduction, exact (the name is capitalised words of a place); the referential reads the place itself
_PLACE_ONLY = re.compile(
    r"(?i:(?:pour|concernant|objet\s*:)?\s*(?:la\s+|notre\s+)?(?:commune|mairie|ville)\s+(?:de\s+|d['’]|du\s+))"
    r"[A-ZÀ-Ý][\w'’]*(?:(?:\s+|-)(?:[A-ZÀ-Ý][\w'’]*|le|la|les|de|du|des|sur|sous|en|lès|l['’][A-ZÀ-Ýa-zà-ÿ][\w'’]*))*"
    r"\s*[.,;:!]?")


def _place_only(text: str) -> bool:
    """The clause only names the collectivité (« Pour la commune de Lepuix »): an introduction, nothing to read."""
    return bool(_PLACE_ONLY.fullmatch(text.strip()))


_RELATIVE_TAIL = re.compile(r"^[a-zà-ÿ][^.!?]*?\b(?:que|qu'|qu’|dont)(?=\s|\w)")
#: What stops the walk back to a relative's antecedent (who writes, a greeting, a question…)
_NOT_ANTECEDENT = ("greeting", "intro", "signature", "question", "help", "other")


def _antecedents(text: str, labelled: list[Clause], i: int) -> list[Clause]:
    """The parts before ``labelled[i]`` in its sentence that say something (its context or project), back to the
    sentence's start or to who writes; an amount or a date on the way is left to its field."""
    out: list[Clause] = []
    j = i - 1
    while j >= 0:
        p = labelled[j]
        if re.search(r"[.!?…\n]", text[p.end:labelled[j + 1].start]) or p.label in _NOT_ANTECEDENT:
            break
        if p.label in ("context", "project"):
            out.insert(0, p)
        j -= 1
    return out


#: the words of wanting a project (on folded words)
_WANTING = re.compile(r"\b(?:veu[tx]|voulons|voulez|veulent|voudr\w+|souhait\w*|aimer\w+|faut|faudr\w+|besoin|"
                      r"envisag\w+|prevo\w+|prevoy\w+|projet(?:ons|te|tent)?|comptons|compte)\b")
_REPORTER = re.compile(r"(?i)\b(?:nous|m['’]|vous|leur|lui)\s*(?:a|ont|avait|avaient)\s+[a-zà-ÿ]+[ée]s?\s*$")


#: a project named as such (« Projet de vidéoprotection : 8 caméras … », « notre projet de voie verte »)
_NAMED_PROJECT = re.compile(r"(?i)^(?:(?:on a|nous avons|j['’]ai|il y a)\s+)?(?:notre |le |un |mon )?projet "
                            r"(?:de |d['’]|du |des )(?!d[ée]lib)\w")  # (« On a un projet de fablab »)


#: the aim said as such, then what to do (« L'idée serait d'en faire un lieu de répétition », « le but est de
#: sécuriser la traversée »): the project, whatever the clause's label (« idée » is no idea stage here)
_AIM_IS = re.compile(r"(?i)^(?:(?:et|mais|donc|alors)\s+)?(?:l['’]\s*id[ée]e|le\s+but|l['’]\s*objectif|notre\s+souhait|"
                     r"l['’]\s*envie|notre\s+id[ée]e)\s+(?:serait|est|c['’]est|ce\s+serait|ce\s+est)\s+(?:de\s+|d['’]\s*)"
                     r"(?:(?:l['’]|le|la|les|en|y)\s*)?[a-zà-ÿ]+(?:er|ir|re)\b")


#: the aim said with a pronoun for its object (« L'idée serait d'en faire un lieu de répétition »): what it speaks
#: of is said before
_AIM_BY_PRONOUN = re.compile(_AIM_IS.pattern.replace(r"(?:(?:l['’]|le|la|les|en|y)\s*)?", r"(?:l['’]|le|la|les|en|y)\s*"),
                             re.IGNORECASE)


def _sentence_head(text: str, labelled: list[Clause], j: int) -> int:
    """From a relative clause or a coordinated one (« qui jouent de la musique … », « et plein d'ados … »), back to
    the clause that opens its sentence (« Au village nous avons une ancienne fromagerie vide »), over context and
    project clauses only."""
    while j > 0 and re.match(r"(?i)(?:et\s+)?(?:qui|dont|o[uù]|que|qu['’])\b|et\s", labelled[j].text) \
            and labelled[j - 1].label not in _NOT_ANTECEDENT + ("budget", "timing") \
            and not re.search(r"[.!?…\n]", text[labelled[j - 1].end:labelled[j].start]):
        j -= 1
    return j


def _lead_in(labelled: list[Clause], first: int) -> list[Clause]:
    """The clauses right before ``labelled[first]`` that tell the state of things (« context »), with the relative
    clauses that go with them (« … l'ancienne gare, | qui est à nous depuis 2019 | et qui se dégrade »), back to
    who writes or a greeting."""
    lead: list[Clause] = []
    j = first - 1
    antecedent = False  # the clause after this one is a relative: this one says what it is about
    while j >= 0:
        c = labelled[j]
        relative = bool(re.match(r"(?i)(?:et\s+)?(?:qui|dont|o[uù])\b", c.text)) \
            and c.label not in ("greeting", "intro", "signature")
        named = antecedent and c.label not in _NOT_ANTECEDENT and c.label != "budget"  # « et plein d'ados | qui … »
        if not (c.label == "context" or relative or named) or _place_only(c.text) or _REPORTER.search(c.text):
            break  # (« Le SDIS nous a signalé | que … »: who reported it is not the project)
        lead.insert(0, c)
        antecedent = relative
        j -= 1
    while lead and (lead[0].label != "context" or lead[0].project < LEAD_SHARE):
        lead.pop(0)  # (a relative clause opens no lead-in, nor a cause told in passing: « avec le lotissement »)
    return lead


def _with_lead_in(labelled: list[Clause], first: int, kept: list[tuple[Clause, str]]) -> list[tuple[Clause, str]]:
    """``kept`` with its lead-in (``_lead_in``) before it when the project's words do not name what the lead-in
    speaks of (« … le réseau d'eau potable, il y a des fuites | le remplacement des canalisations »); when they do
    (« les vestiaires datent des années 70 | nous voulons reconstruire les vestiaires »), the state of things is
    only the why, left out."""
    if any(c.label == "context" for c, _ in kept):
        return kept  # the state of things is already said with the project (« l'école est pleine | il faut … »)
    if any(_WANTING.search(normalize(w)) for _, w in kept):
        # the project said as what is wanted (« il nous faut une nouvelle caserne », « nous voudrions transformer
        # l'ancien presbytère »): it names its object; the state of things before it is the why, left out
        return kept
    lead = [p for p in _lead_in(labelled, first) if not any(p is k for k, _ in kept)]
    if not lead:
        return kept
    said = {w[:5] for w in set().union(*(_content_words(w) for _, w in kept))}  # (« logement », « logements »)
    if said & {w[:5] for w in set().union(*(_content_words(p.text) for p in lead))}:
        return kept
    return [(p, p.text) for p in lead] + kept


#: words about the request itself, never what is put off (« c'est un autre dossier », « le maire me dit que … »)
_META = {"projet", "projets", "dossier", "dossiers", "demande", "demandes", "sujet", "sujets", "commune", "mairie",
         "maire", "conseil", "chose", "choses", "reste", "autre", "autres", "tard", "instant", "moment", "laisse",
         "tomber", "verra", "attendra", "abandonne", "cote", "premiere", "nouvelle", "rien", "voir", "presse"}


def _content_words(text: str) -> set[str]:
    from intents.need import _STOP

    return {w for w in re.findall(r"[^\W\d_]{4,}", normalize(text)) if w not in _STOP and w not in _META}
