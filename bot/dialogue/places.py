"""Where a message names a collectivité: the knowledge base's referential read after the cues people write before a
place (« maire de Chaux », « adjoint aux travaux à Bavilliers », « à la comcom sud territoire »). A mixin of
``bot.dialogue.understand.Reader`` (its ``kb`` and ``departement``); pure: no database, no reply."""

from __future__ import annotations

import logging
import re
from typing import Any

from bot.dialogue import validators as v
from bot.dialogue.said import _without_amounts
from intents import extract as x
from intents.normalize import normalize

log = logging.getLogger(__name__)

#: A cue then a place's name: « maire de Chaux », « adjoint aux travaux à Bavilliers », « Commune de Vézelois ».
_CUED_PLACE = re.compile(
    r"(?i:maire|adjointe?|dgs|dga|secr[ée]taire(?:\s+de\s+mairie)?|commune|mairie|ville|village|conseill\w+|"
    r"pr[ée]sidente?|vp|[ée]lue?|communaut[ée]\s+de\s+communes|cc|"
    r"charg[ée]e?\s+de\s+mission|cheff?e?\s+de\s+projet|directeur|directrice|responsable)\b[^.,;:!?\n]{0,45}?\b(?i:de|d['’]|(au|du|aux|des)|à|a|sur)\s*"
    r"((?:CC\s+|Communaut[ée]\s+de\s+communes\s+)?[A-ZÀ-Þ][\w'’-]+(?:[\s-]+(?:(?:le|la|les|de|du|des|sur|sous|en|lès)"
    r"[\s-]+)?[A-ZÀ-Þ][\w'’-]+){0,3})")
#: The same cues in any case (dictated, or typed in lower case: « c est le maire de villars le sec »), on the normalized
#: text: the words after the cue name a place only when they begin with that place's own name (exact, see
#: ``Reader.commune_after_words``).
_CUED_WORDS = re.compile(r"\b(?:maire|mairie|commune|ville|village|adjointe?|dgs|secretaire de mairie|"
                         r"communaute de communes|communaute d agglomeration|cc|ca) (?:de la |de l |de |des |du |d |a |sur )?"
                         r"((?:[a-z0-9]+ ?){1,6})")
_EPCI_HEAD = re.compile(r"^(?:cc|ca|cu|communaute de communes|communaute d agglomeration) (?:de la |de l |des |du |de |d )?")
#: a street named after a place (« rue de Belfort », « route de Suarce »): no collectivité said
_STREET = re.compile(r"(?i)\b(?:rue|route|avenue|chemin|faubourg|impasse|all[ée]e|boulevard|quai)\s+"
                     r"(?:de\s+la\s+|de\s+l['’]|de\s+|du\s+|des\s+|d['’])?[\w'’-]+")
#: the cues of ``_CUED_PLACE`` on a normalized text, and the prepositions that may follow them before the place
_CUE_LOWER = re.compile(r"\b(?:maire|adjointe?|dgs|dga|secretaire|mairie|commune|ville|village|conseill\w+|"
                        r"presidente?|vp|elue?|chargee? de mission|cheff?e? de projet|directeur|directrice|responsable|"
                        r"agente?)\b")
_PLACE_PREPS = {"de", "d", "du", "des", "au", "aux", "a", "sur"}
#: what may lead a collectivité's own name: an article, an EPCI's legal form as people write it
_PLACE_HEAD = re.compile(r"^(?:(?:la|l|le|les) )?(?:(?:cc|cdc|ca|cu|comcom|com com|communaute de communes|"
                         r"communaute d agglomeration|communaute urbaine|agglo|agglomeration)"
                         r"(?: (?:de la|de l|du|des|de|d))? )?(?:(?:la|l|le|les) )?")


def _place_core(name: str) -> str:
    return _PLACE_HEAD.sub("", name + " ").strip()


_COMMUNE_CUE = re.compile(r"\b(?:maire|mairie|commune|ville|village|a|de|pour|president|cc|communaute|est)\b")


class PlaceReader:
    """The collectivité said in a text (``Reader``'s place methods)."""

    kb: Any
    departement: str

    def candidate(self, code: str, fallback: Any = None) -> dict[str, Any] | None:
        try:
            place = self.kb.place(code)
        except Exception:  # noqa: BLE001 - a broken referential never breaks the conversation
            place = None
        if place is None and fallback is None:
            return None
        if place is not None:
            dep = str(place.departement)
            return {"code": place.code, "name": place.name, "kind": place.kind, "departement": dep,
                    "population": place.population,
                    "epci_code": place.epci_code if place.kind == "commune" else place.code,
                    "epci_name": place.epci_name if place.kind == "commune" else None,
                    "outside": dep != self.departement}
        dep = str(fallback.departement)
        return {"code": fallback.code, "name": fallback.name, "kind": fallback.kind, "departement": dep,
                "population": None, "epci_code": None, "epci_name": None, "outside": dep != self.departement}

    def _resolve(self, text: str) -> Any:
        try:
            return self.kb.resolve(v.truncate(text.replace("\n", " "), v.FREE_TEXT_MAX_CHARS)[0])
        except Exception:  # noqa: BLE001
            log.exception("kb.resolve failed")
            return None

    def commune_any(self, text: str) -> dict[str, Any] | None:
        """A commune or EPCI of the département named clearly in a sentence (a close spelling, or a cue such as
        « maire de », « à »)."""
        # « 25 000 à peu près » is not the postcode of Besançon; « les trottoirs rue de Belfort » name a street
        res = self._resolve(_STREET.sub(" ", _without_amounts(text)))
        c = None
        if res is not None and res.resolved:
            score = max((float(c.score) for c in res.candidates if c.code == res.resolved), default=0.0)
            # (a title is a cue too: « adjoint aux travaux bavilliers »)
            if score >= 0.95 or (score >= 0.85 and (_COMMUNE_CUE.search(normalize(text))
                                                     or x.find_role(text, asked=True))):
                c = self.candidate(res.resolved)
        if c is None or c["outside"]:
            c = self.commune_after_cue(text)
        return c if c is not None and not c["outside"] else None

    def commune_after_cue(self, text: str) -> dict[str, Any] | None:
        """The collectivité named right after a cue in a longer message (« Adjoint aux travaux à Bavilliers. »,
        « Commune de Vézelois. », « DGS de Valdoie »), when the whole message does not resolve to one."""
        found = next((c for c in self.cued_places(text) if not c["outside"]), None)
        return found if found is not None else self.commune_after_words(text)  # the same cue in lower case

    def cued_places(self, text: str, min_score: float = 0.9) -> list[dict[str, Any]]:
        """Every collectivité named right after a cue (« maire de Châlonvillars », « adjoint a Badevel »), of this
        département or another, in the order of the message: the place a person says they serve."""
        out: list[dict[str, Any]] = []
        said = self.departement_said(text)  # « maire du Thillot, dans les Vosges »: the namesake of the Vosges
        for m in _CUED_PLACE.finditer(text[:3000]):
            # « au Thillot », « du Thillot » are « à / de Le Thillot »: the article belongs to the name when such a
            # name exists (else the name alone: « du Grand Belfort »)
            article = {"au": "Le ", "du": "Le ", "aux": "Les ", "des": "Les "}.get((m.group(1) or "").lower(), "")
            names = [article + m.group(2), m.group(2)] if article else [m.group(2)]
            queries = [n + ", " + said for n in names] if said else []
            res, score = None, 0.0
            for query in queries + names:
                res = self._resolve(query)
                if res is not None and res.resolved:
                    score = max((float(c.score) for c in res.candidates if c.code == res.resolved), default=0.0)
                    if score >= min_score:
                        break
            if res is None or not res.resolved:
                continue
            if score >= min_score:
                fb = next((c for c in res.candidates if c.code == res.resolved), None)
                c = self.candidate(res.resolved, fallback=fb)
                if c is not None and c not in out:
                    out.append(c)
        return out or self.cued_places_lower(text, said, min_score)

    def cued_places_lower(self, text: str, said: str | None, min_score: float) -> list[dict[str, Any]]:
        """The same cues in a text typed without capitals (« adjoint au commerce a hericourt en haute saone »,
        « chargé de mission dev éco à la comcom sud territoire »): a few words after the cue and a preposition are
        the place only when they are its very name (an EPCI's legal form and a leading article set aside), never
        a close spelling."""
        for clause in re.split(r"[.,;:!?\n()]", text[:3000]):
            words = normalize(re.sub(r"['’]", " ", clause)).split()
            norm = " ".join(words)
            for m in _CUE_LOWER.finditer(norm):
                after = norm[m.end():].split()
                for i, word in enumerate(after[:7]):
                    if word not in _PLACE_PREPS:
                        continue
                    for k in range(min(6, len(after) - i - 1), 0, -1):
                        name = " ".join(after[i + 1:i + 1 + k])
                        core = _place_core(name)
                        if len(core) < 3:
                            continue
                        res = self._resolve(name + (", " + said if said else ""))
                        if res is None or not res.resolved:
                            continue
                        score = max((float(c.score) for c in res.candidates if c.code == res.resolved), default=0.0)
                        fb = next((c for c in res.candidates if c.code == res.resolved), None)
                        c = self.candidate(res.resolved, fallback=fb) if score >= min_score else None
                        if c is not None and _place_core(normalize(c["name"]).replace("-", " ")) == core:
                            return [c]
        return []

    def departement_said(self, text: str) -> str | None:
        """The name of the département a message says the place is in (« dans les Vosges »), or None."""
        territory = getattr(self.kb, "territory", None)
        try:
            code = territory.departement_said(text) if territory is not None else None
            return territory.departement_name(code) if code else None
        except Exception:  # noqa: BLE001 - a broken referential never breaks the conversation
            return None

    def commune_after_words(self, text: str) -> dict[str, Any] | None:
        """The collectivité named after a cue in a text without capitals (« c est le maire de villars le sec on a
        découvert… », « à la communauté de communes des vosges du sud »): accepted only when the words after the cue
        begin with the place's own name (its « CC des » set aside), never on a close spelling."""
        for m in _CUED_WORDS.finditer(normalize(text[:3000])):
            words = m.group(1).strip()
            res = self._resolve(words)
            if res is None or not res.resolved:
                continue
            c = self.candidate(res.resolved)
            if c is None or c["outside"]:
                continue
            core = _EPCI_HEAD.sub("", normalize(c["name"]).replace("-", " ")).strip()
            if core and (words + " ").startswith(core + " "):
                return c
        return None
