"""Answers composed from the data: questions about a place, contacts and the response commitment, freshness lines.

``Answerer.answer(text, commune_code=None)`` is what ``KnowledgeBase.answer`` and ``guichet faq`` call:

1. A question naming a commune or EPCI (or, with a cue such as « notre commune », the person's own ``commune_code``)
   and a programme, label or list (ACV, PVD, ORT, QPV, France services, Villages d'avenir, Territoires d'industrie,
   montagne, CRTE) is answered for that place from the membership lists of ``knowledge/data/territory``: yes, no (only
   when the list is complete), or "not in the list we have, ask …" (incomplete list), with what it means, the list's
   source and the date of its data (« Données : liste ANCT … (septembre 2024) », issue 21). « quelles aides pour
   X ? » lists X's memberships and the offers that fit.
   A place outside the deployment's département is told which préfecture serves it.
2. Otherwise the FAQ (``FaqIndex``) answers; its answers may use the deployment's fields ({contacts}, {commitment},
   {response_days}) from ``knowledge/data/deployment/<dep>.yaml`` and the ``response_days`` setting.
3. Every answer ends with « Informations vérifiées le JJ/MM/AAAA » and, when older than ``STALE_MONTHS`` or when the
   programme's status is uncertain, one short warning line.

All French wording comes from ``knowledge/data/answers.yaml`` (answers are data). Never raises on bad input.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from knowledge.faq import FaqAnswer, FaqIndex
from knowledge.schema import AnswerPhrases, Deployment, Offer
from knowledge.territory import norm

STALE_MONTHS = 12
MAX_TEXT = 1000
CANDIDATE_MIN = 0.75  # an unresolved place is still taken when its best candidate is this sure ...
CANDIDATE_MARGIN = 0.05  # ... and this far ahead of the second (or contains the second's name: "Grand Belfort")
AIDS_LIMIT = 5

#: programme key -> pattern on ``territory.norm`` text (accents folded, elided l'/d' dropped)
PROGRAMME_PATTERNS: dict[str, str] = {
    "acv": r"\bacv\b|\baction coeur de ville\b|\bcoeur de ville\b",
    "pvd": r"\bpvd\b|\bpetites? villes? de demain\b",
    "ort": r"\bort\b|\boperations? de revitalisation( de territoire)?\b",
    "qpv": r"\bqpv\b|\bquartiers? prioritaires?\b|\bpolitique de la ville\b",
    "france-services": r"\bfrance services?\b|\bmaisons? france services?\b",
    "villages-d-avenir": r"\bvillages? avenir\b",
    "ti": r"\bterritoires? industrie\b|\bterritoires? de industrie\b",
    "montagne": r"\bzones? de montagne\b|\bloi montagne\b|\bcommunes? de montagne\b|\ben montagne\b|\bmontagne\b|"
                r"\bmassifs? (?:des vosges|du jura|des alpes|alpin|central|pyreneen)\b",  # a massif: asked as the zone
    "crte": r"\bcrte\b|\bcontrats? de relance\b|\breussite de la transition\b",
}
#: lists whose ``as_of`` is the date of the selection (so "depuis <year>" is true)
SINCE = frozenset({"acv", "pvd", "villages-d-avenir", "crte"})
_SELF = re.compile(r"\b(on|nous|notre|nos|ma|mon|mes|ici|chez nous|sommes|suis)\b")
_OWN = re.compile(
    r"\b(ma commune|notre commune|mon village|notre village|ma ville|notre ville|notre intercommunalite|mon epci"
    r"|notre epci|sommes nous|nous sommes|on est|est on|chez nous)\b"
)
_MEMBER_CUE = re.compile(
    r"\b(eligible|eligibles|laureat|laureate|laureats|fait partie|font partie|membre|membres|classe|classee|retenu"
    r"|retenue|labellise|labellisee|est il|est elle|est on|sommes nous|en zone|dans la liste|concerne|concernee)\b"
)
_AIDS = re.compile(
    r"\b(quelles? aides?|quels? dispositifs?|quels? programmes?|quelles? subventions?|quelles? offres?|aides? pour"
    r"|aides? a|aides? de|a quoi .{0,20}droit|quels? financements?|que peut on avoir|que pouvons nous avoir)\b"
)


def fr_date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
             "novembre", "décembre")
ANCT_URL = "https://agence-cohesion-territoires.gouv.fr/"


def fr_data_date(day: dt.date, precision: str = "day") -> str:
    """The date of a piece of data as its source gives it: « 21/02/2020 », « septembre 2024 » or « 2018 »."""
    if precision == "year":
        return str(day.year)
    if precision == "month":
        return f"{MONTHS_FR[day.month - 1]} {day.year}"
    return fr_date(day)


def months_between(old: dt.date, new: dt.date) -> int:
    months = (new.year - old.year) * 12 + (new.month - old.month)
    return months - 1 if new.day < old.day else months


class _Safe(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class _Membership:
    member: bool | None
    list: Any  # MembershipList | None
    via_epci: str | None = None


class Answerer:
    """Read-only after construction; cheap (the FAQ index and the territory are shared)."""

    def __init__(
        self,
        faq_index: FaqIndex,
        offers: Mapping[str, Offer],
        territory: Any,
        departement: str,
        phrases: AnswerPhrases,
        deployment: Deployment | None = None,
        *,
        response_days: int | None = None,
        match: Callable[..., list[Any]] | None = None,
        guichet_url: str | None = None,
        referential_date: dt.date | None = None,
        today: Callable[[], dt.date] | None = None,
    ) -> None:
        self.faq_index = faq_index
        self.offers = dict(offers)
        self.territory = territory
        self.departement = departement
        self.phrases = phrases
        self.deployment = deployment
        self.response_days = int(response_days) if response_days is not None else None
        self._match = match
        self.guichet_url = guichet_url  # kept for callers; never shown as a source (issue 21)
        self.referential_date = referential_date
        self._today = today or dt.date.today
        self._patterns = {k: re.compile(v) for k, v in PROGRAMME_PATTERNS.items() if k in phrases.programmes}
        self._faq_by_id = {e.id: e for e in faq_index.entries}

    # --- public -----------------------------------------------------------------------------------------------------
    def answer(self, text: object, commune_code: str | None = None) -> FaqAnswer | None:
        if not isinstance(text, str) or not text.strip():
            return None
        text = text[:MAX_TEXT]
        try:
            placed = self._place_answer(text, commune_code if isinstance(commune_code, str) else None)
        except Exception:  # noqa: BLE001 - a place answer must never break the FAQ
            placed = None
        if placed is not None:
            return placed
        return self._faq_answer(text)

    def freshness(self, verified: dt.date | None, uncertain: bool = False) -> str:
        """« Informations vérifiées le … » and, when old or uncertain, one warning line."""
        f = self.phrases.freshness
        lines = []
        if verified is not None:
            lines.append(f["verified"].format(date=fr_date(verified)))
        # at most one warning line, the most important (issue 21): an uncertain status before old facts
        if uncertain:
            lines.append(f["uncertain"])
        elif verified is not None and months_between(verified, self._today()) >= STALE_MONTHS:
            lines.append(f["old"].format(months=STALE_MONTHS))
        return "\n".join(lines)

    def offer_freshness(self, offer_id: str) -> str:
        """The freshness lines of one offer (for its details): the date, and a line when older than ``STALE_MONTHS``.
        The uncertain status is said by the details themselves (``bot.texts.dialogue.offer_details``)."""
        offer = self.offers.get(offer_id)
        return self.freshness(offer.last_verified) if offer is not None else ""

    def data_line(self, ml: Any) -> str:
        """« Données : <name> (<date of the data>). » for a membership list; "" without a name or a date."""
        if ml is None or ml.as_of is None:
            return ""
        name = ml.data_name or (ml.sources[0].title if ml.sources and ml.sources[0].title else None)
        if not name:
            return ""
        return self.phrases.place["data"].format(name=name, date=fr_data_date(ml.as_of, ml.as_of_precision))

    def contacts_text(self) -> str:
        c = self.phrases.contacts
        dep = self.deployment
        people = [] if dep is None else ([dep.service] if dep.service else []) + list(dep.contacts)
        if not people:
            return c["none"]
        lines = [c["title"]]
        for p in people:
            lines.append(
                c["line"].format(
                    name=p.name,
                    role=c["role"].format(role=p.role) if p.role else "",
                    address=c["address"].format(address=p.address) if p.address else "",
                    phone=c["phone"].format(phone=p.phone) if p.phone else "",
                    email=c["email"].format(email=p.email) if p.email else "",
                    # each line its own record's date (issue 21): the records of one directory differ
                    as_of=c["as_of"].format(date=fr_date(p.as_of)) if p.as_of and "as_of" in c else "",
                )
            )
        if dep is not None and dep.operators_via_prefecture:
            lines.append(c["operators"].format(operators=", ".join(dep.operators_via_prefecture)))
        return "\n".join(lines)

    def commitment_text(self) -> str:
        """The préfecture's commitment when the deployment set one; otherwise no delay at all (issue 21)."""
        if self.response_days is None:
            return self.phrases.no_commitment
        return self.phrases.commitment.format(days=self.response_days)

    # --- FAQ ----------------------------------------------------------------------------------------------------------
    def _faq_answer(self, text: str) -> FaqAnswer | None:
        ans = self.faq_index.answer(text)
        if ans is None:
            return None
        entry = self._faq_by_id.get(ans.id)
        body = ans.text
        source = ans.source
        verified = entry.verified if entry is not None else None
        if "{" in body:
            body = body.format_map(_Safe(self._fields()))
        if source == "guichet":  # this guichet's own rules: named as such, never its own address (issue 21)
            source = self.phrases.source_guichet
        if "{contacts}" in (entry.answer if entry else "") and self.deployment and self.deployment.service:
            source = str(self.deployment.service.source)
            verified = min(filter(None, [verified, self.deployment.service.verified]), default=None)
        uncertain = False
        if ans.programme and ans.programme in self.offers:
            offer = self.offers[ans.programme]
            uncertain = offer.status == "incertain"
            if verified is None:
                verified = offer.last_verified
        lines = self.freshness(verified, uncertain)
        return FaqAnswer(
            id=ans.id,
            programme=ans.programme,
            text=body + ("\n\n" + lines if lines else ""),
            source=source,
            confidence=ans.confidence,
            verified=verified.isoformat() if verified else None,
        )

    def _fields(self) -> dict[str, str]:
        return {
            "contacts": self.contacts_text(),
            "commitment": self.commitment_text(),
            "response_days": str(self.response_days) if self.response_days is not None else "",
            "departement_name": self._dep_name(self.departement),
        }

    # --- places -------------------------------------------------------------------------------------------------------
    def _dep_name(self, dep: str) -> str:
        name = None
        try:
            name = self.territory.departement_name(dep)
        except Exception:  # noqa: BLE001
            name = None
        return name or dep

    def _programmes(self, normed: str) -> tuple[list[str], str]:
        """Programmes named in the text, and the text with their names blanked (so « Villages d'avenir » or « Cœur de
        ville » are not read as places)."""
        found: list[str] = []
        rest = f" {normed} "
        for key, pattern in self._patterns.items():
            if pattern.search(rest):
                found.append(key)
                rest = pattern.sub(" ", rest)
        return found, " ".join(rest.split())

    def _find_place(self, text: str, rest: str) -> Any:
        """The place named in the text (resolved, or a clear best candidate), else None."""
        for query in (rest, text):
            if not query.strip():
                continue
            r = self.territory.resolve(query)
            if r.resolved:
                return self.territory.place(r.resolved)
            cands = list(r.candidates)
            if cands and cands[0].score >= CANDIDATE_MIN:
                top = cands[0]
                if len(cands) == 1 or top.score - cands[1].score >= CANDIDATE_MARGIN or (
                    norm(cands[1].name) in norm(top.name) and top.kind == "epci"
                ):
                    return self.territory.place(top.code)
        return None

    def _place_answer(self, text: str, commune_code: str | None) -> FaqAnswer | None:
        normed = norm(text)
        programmes, rest = self._programmes(normed)
        aids = bool(_AIDS.search(normed))
        if not programmes and not aids:
            return None
        place = self._find_place(text, rest)
        if place is None and commune_code:
            padded = f" {normed} "
            if _OWN.search(padded) or (
                _SELF.search(padded) and (aids or _MEMBER_CUE.search(padded) or len(normed.split()) <= 6)
            ):
                place = self.territory.place(commune_code)
        if place is None:
            return None
        if place.departement != self.departement and not (
            place.kind == "epci" and self.departement in getattr(self.territory, "_epci_deps", {}).get(place.code, ())
        ):
            # far from home, a common word may be a commune's name (« un bus » is Bus, 62): only a name typed as a
            # name (capital letter) is taken as a place outside the département
            if not _typed_as_name(text, place.name):
                return None
            return self._outside(place)
        if programmes:
            return self._membership_answer(place, programmes[0])
        return self._aids_answer(place, text)

    def _membership(self, place: Any, programme: str) -> _Membership:
        lists = self.territory.membership_info(programme, self.departement)
        if not lists:
            return _Membership(None, None)
        ml = lists[0]
        codes = {m.code for m in ml.members}
        if place.code in codes:
            return _Membership(True, ml)
        if place.kind == "commune" and ml.applies_to_member_communes and place.epci_code in codes:
            return _Membership(True, ml, via_epci=place.epci_name)
        if programme in place.memberships:
            return _Membership(True, ml)
        return _Membership(False if ml.complete else None, ml)

    def _membership_answer(self, place: Any, programme: str) -> FaqAnswer:
        pp = self.phrases.programmes[programme]
        p = self.phrases.place
        info = self._membership(place, programme)
        ml = info.list
        dep_name = self._dep_name(self.departement)
        whom = self._whom()
        member = info.member
        if place.kind == "epci" and ml is not None and not ml.applies_to_member_communes and info.member is not True:
            # a commune-level list asked about an EPCI: which of its communes are in the list
            inside = [m.name for m in ml.members if (self.territory.place(m.code) or place).epci_code == place.code
                      and m.code != place.code]
            if inside:
                main = p["epci_members"].format(place=place.name, label=pp.label, names=", ".join(inside))
            else:
                complete = "" if ml.complete else p["epci_incomplete"].format(whom=whom)
                main = p["epci_members_none"].format(place=place.name, label=pp.label, complete=complete)
            member = None  # the list is about communes, not the EPCI itself
            body = main + " " + _cap(pp.meaning)
        elif ml is None or (not ml.members and not ml.complete):
            # an empty list we know to be incomplete is no list: never « not in our list » (issue 21's review)
            # (with what the label means: « être dans un massif ne suffit pas » when a massif was asked about)
            body = p["no_list"].format(label=pp.label, dep_name=dep_name, place=place.name, whom=whom) + " " \
                + _cap(pp.meaning)
        elif info.member is True:
            if info.via_epci:
                main = p["member_via_epci"].format(place=place.name, yes=pp.is_member, epci=info.via_epci)
            elif programme in SINCE and ml.since_year is not None:  # as_of is the data's date, not the selection's
                main = p["member_since"].format(place=place.name, yes=pp.is_member, year=ml.since_year)
            else:
                main = p["member"].format(place=place.name, yes=pp.is_member)
            body = f"{main} : {pp.meaning}"
        elif info.member is False:
            body = p["not_member_complete"].format(place=place.name, no=pp.not_member, dep_name=dep_name) + ". " + _cap(pp.meaning)
        else:
            body = p["not_in_list"].format(place=place.name, label=pp.label, dep_name=dep_name, whom=whom)
        if info.member is True and not info.via_epci and ml is not None:
            detail = next((m.detail for m in ml.members if m.code == place.code and m.detail), None)
            if detail:
                body += " " + _cap(detail)
        verified = ml.checked if ml is not None else None
        offer = self.offers.get(pp.offer or "")
        uncertain = (offer is not None and offer.status == "incertain") or (ml is not None and ml.confidence == "uncertain")
        source = str(ml.sources[0].url) if ml is not None and ml.sources else (str(offer.url) if offer else ANCT_URL)
        # the date of the data (« liste ANCT de septembre 2024 »), not the day the list was re-read (issue 21)
        # the uncertain line only after a « yes »: a « not in our list » already says to ask (one warning at most)
        warn = uncertain and member is True
        lines = "\n".join(filter(None, [self.data_line(ml), self.phrases.freshness["uncertain"] if warn else ""]))
        return FaqAnswer(
            id=f"territoire-{programme}",
            programme=pp.offer if offer is not None else None,
            text=body + ("\n\n" + lines if lines else ""),
            source=source,
            confidence=1.0,
            place=place.code,
            member=member,
            verified=verified.isoformat() if verified else None,
        )

    def _aids_answer(self, place: Any, text: str) -> FaqAnswer:
        p = self.phrases.place
        lines = [p["aids_title"].format(place=place.name)]
        items: list[str] = []
        checked: list[dt.date] = []
        sources: list[str] = []
        held: set[str] = set()  # offers already named as memberships
        for programme, pp in self.phrases.programmes.items():
            info = self._membership(place, programme)
            if info.list is not None and info.member is True:
                held.add(pp.offer or "")
                label = pp.label + (f" ({info.via_epci})" if info.via_epci else "")
                if info.list.as_of is not None:  # each membership with the date of its data (issue 21)
                    key = "aids_item_day" if info.list.as_of_precision == "day" else "aids_item_date"
                    label += self.phrases.place.get(key, " ({date})").format(
                        date=fr_data_date(info.list.as_of, info.list.as_of_precision))
                items.append(label)
                checked.append(info.list.checked)
                if info.list.sources:
                    sources.append(str(info.list.sources[0].url))
        lines.append(p["aids_memberships"].format(items=", ".join(items)) if items else p["aids_no_membership"])
        offers: list[str] = []
        if self._match is not None:
            try:
                results = self._match(text, commune_code=place.code, limit=10)
            except Exception:  # noqa: BLE001
                results = []
            offers = [m.name for m in results if getattr(m, "eligible", None) is not False and m.id not in held]
            offers = offers[:AIDS_LIMIT]
        if offers:
            lines.append(p["aids_offers"].format(items=", ".join(offers)))
        lines.append(p["aids_next"])
        verified = min(checked) if checked else None
        fresh = self.freshness(verified)
        return FaqAnswer(
            id="territoire-aides",
            programme=None,
            text="\n".join(lines) + ("\n\n" + fresh if fresh else ""),
            source=sources[0] if sources else ANCT_URL,
            confidence=1.0,
            place=place.code,
            member=None,
            verified=verified.isoformat() if verified else None,
        )

    def _outside(self, place: Any) -> FaqAnswer:
        p = self.phrases.place
        dep = place.departement
        pref = self.territory.prefecture(dep)
        fields = dict(place=place.name, dep=dep, dep_name=self._dep_name(dep), home=self.departement,
                      home_name=self._dep_name(self.departement))
        text = p["outside"].format(prefecture=pref.name, **fields) if pref else p["outside_noprefecture"].format(**fields)
        verified = self.referential_date
        fresh = self.freshness(verified)
        return FaqAnswer(
            id="territoire-hors-departement",
            programme=None,
            text=text + ("\n\n" + fresh if fresh else ""),
            source="https://github.com/etalab/decoupage-administratif",
            confidence=1.0,
            place=place.code,
            member=None,
            verified=verified.isoformat() if verified else None,
        )

    def _whom(self) -> str:
        dep = self.deployment
        if dep is not None and dep.service is not None:
            service = dep.service.name + (f", tél. {dep.service.phone}" if dep.service.phone else "")
        else:
            service = self._dep_name(self.departement)
        return self.phrases.place["whom_default"].format(service=service)


_NAME_ARTICLES = frozenset({"le", "la", "les", "saint", "sainte", "sur", "sous", "lez", "les", "aux", "des"})


def _typed_as_name(text: str, name: str) -> bool:
    """Whether ``name`` appears in ``text`` with its capital letter (accents and hyphens aside)."""
    words = [w for w in re.split(r"[^\w]+", name) if w]
    if not words:
        return False
    significant = [w for w in words if len(w) > 2 and norm(w) not in _NAME_ARTICLES]
    first = norm((significant or words)[0])
    for token in re.split(r"[^\w]+", text):
        if token[:1].isupper() and norm(token) == first:
            return True
    return False


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text
