"""``KnowledgeBase``: everything the assistant knows, loaded once, behind one object.

>>> kb = KnowledgeBase.load(departement="90")
>>> kb.match("rénover l'école", commune_code="90052")[0].id   # doctest: +SKIP
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from intents.normalize import normalize
from knowledge.answers import Answerer
from knowledge.faq import FaqAnswer, FaqIndex
from knowledge.loader import load_deployment, load_faq, load_offers, load_phrases, load_themes, referential_date
from knowledge.schema import FaqEntry, Offer, Theme, ThemeId
from knowledge.search import Match, Matcher, MatchResult


def place_names(territory: Any, departement: str) -> list[str]:
    """Names of the département's communes and EPCI: never what a FAQ question is about (see ``FaqIndex``)."""
    names: list[str] = []
    for getter in ("communes_of", "epcis_of"):
        try:
            names += [p.name for p in getattr(territory, getter)(departement)]
        except Exception:  # noqa: BLE001 - a referential without these lookups
            pass
    return names


def _clean_dep(value: object) -> str:
    dep = str(value or "90").strip().upper()
    if dep.isdigit() and len(dep) == 1:
        dep = "0" + dep
    return dep


@dataclass
class KnowledgeBase:
    departement: str
    offers: dict[str, Offer]
    faq: list[FaqEntry]
    themes: dict[ThemeId, Theme]
    territory: Any
    matcher: Matcher
    faq_index: FaqIndex
    vocabulary: set[str] = field(default_factory=set)
    load_seconds: float = 0.0
    answerer: Answerer | None = None
    #: the lexical matcher fused with the sentence encoder (``knowledge/hybrid.py``); None on the lexical path
    hybrid: Any = None

    @classmethod
    def load(
        cls,
        departement: str = "90",
        data_dir: str | Path | None = None,
        territory: Any = None,
        *,
        response_days: int = 5,
        guichet_url: str | None = None,
        semantic: bool = True,
    ) -> "KnowledgeBase":
        """Load offers, FAQ, themes and the territory referential once (< 1 s), and build the indexes.

        ``data_dir``: a knowledge data directory (``offers/``, ``faq.yaml``, ``themes.yaml``; default: the shipped
        one). ``territory``: an already loaded ``Territory`` (tests share one); loaded here when not given.
        ``response_days`` (setting ``GUICHET_RESPONSE_DAYS``) and ``guichet_url`` (``GUICHET_PUBLIC_URL``) fill the
        answers about the guichet's commitment and rules. ``semantic``: use the sentence encoder (``GUICHET_ENCODER``)
        when it loads; False: the lexical path only.
        """
        start = time.perf_counter()
        dep = _clean_dep(departement)
        offers = load_offers(data_dir)
        faq = load_faq(data_dir)
        themes = load_themes(data_dir)
        if territory is None:
            from knowledge.territory import Territory

            territory = Territory.load(dep)
        matcher = Matcher(offers, themes, territory=territory, departement=dep)
        encoder = None
        if semantic:
            from intents.encoder import get_encoder

            encoder = get_encoder()
        hybrid = None
        if encoder is not None:
            from knowledge.hybrid import HybridMatcher

            hybrid = HybridMatcher(matcher, encoder)
        faq_index = FaqIndex(faq, offers, ignore=place_names(territory, dep), encoder=encoder)
        vocabulary: set[str] = set()
        for offer in offers.values():
            vocabulary.add(offer.name)
            short = offer.name.split("(")[0].strip()  # "Fonds vert (fonds d'accélération …)" -> "Fonds vert"
            if short:
                vocabulary.add(short)
            if offer.acronym:
                vocabulary.add(offer.acronym)
            for keyword in offer.keywords:  # distinctive keywords: the programme's acronyms
                if keyword.isupper() and keyword.isalpha() and len(normalize(keyword)) >= 3:
                    vocabulary.add(keyword)
        for word in ("ANCT", "Ademe", "Anah", "ANRU", "Cerema", "Banque des Territoires", "Caisse des dépôts"):
            vocabulary.add(word)
        kb = cls(
            departement=dep,
            offers=offers,
            faq=faq,
            themes=themes,
            territory=territory,
            matcher=matcher,
            faq_index=faq_index,
            vocabulary=vocabulary,
            hybrid=hybrid,
        )
        kb.answerer = Answerer(
            faq_index,
            offers,
            territory,
            dep,
            load_phrases(data_dir),
            load_deployment(dep, data_dir),
            response_days=response_days,
            match=kb.match,
            guichet_url=guichet_url,
            referential_date=referential_date(data_dir),
        )
        kb.load_seconds = time.perf_counter() - start
        return kb

    # --- facade ----------------------------------------------------------------------------------------------------
    def match(
        self, text: str, commune_code: str | None = None, limit: int = 10, themes: list[Any] | None = None
    ) -> list[Match]:
        """Offers for a need, best first. ``themes``: themes the person confirmed or corrected (ids or values)."""
        return (self.hybrid or self.matcher).match(text, commune_code=commune_code, limit=limit, themes=themes)

    def match_with_confidence(
        self, text: str, commune_code: str | None = None, limit: int = 10, themes: list[Any] | None = None
    ) -> MatchResult:
        """As ``match``, with ``unsure``: True when no offer clearly fits (say so and let a person look)."""
        return (self.hybrid or self.matcher).match_with_confidence(
            text, commune_code=commune_code, limit=limit, themes=themes
        )

    def answer(self, text: str, commune_code: str | None = None) -> FaqAnswer | None:
        """The answer to a question (FAQ, or about a place: the one named, or ``commune_code``, the person's own), with
        its freshness line; None when not confident."""
        if self.answerer is None:
            return self.faq_index.answer(text)
        return self.answerer.answer(text, commune_code=commune_code)

    def follow_up(self, text: str, programme: str | None, commune_code: str | None = None) -> FaqAnswer | None:
        """A question asked right after an answer about ``programme`` (an offer id). « et ça marche pour une salle
        des fêtes ? » is answered about that programme and that object: whether the programme fits the object
        (the matcher's ranking of the object, with its reason) or which offer fits it better. A question that names
        another programme, or carries no object, is answered as usual, from that programme's entries first.
        None when not confident."""
        from intents.followup import followup_object

        offer = self.offers.get(programme or "")
        if offer is None or self.faq_index.names_programme(text):
            return self.answer(text, commune_code)
        obj = followup_object(text)
        if obj is None:
            ans = self.faq_index.answer(text, programme=programme)
            return ans if ans is not None else self.answer(text, commune_code)
        phrases = self.answerer.phrases.followup if self.answerer is not None else {}
        if not phrases:
            return None
        results = self.match(obj, commune_code=commune_code, limit=3)
        ids = [m.id for m in results]
        short = offer.name.split("(")[0].strip()
        if programme in ids:
            m = results[ids.index(programme)]
            why = next((r for r in m.reasons if r.startswith(("mots reconnus", "proche de"))), "")
            line = (phrases["fits"] if why else phrases["fits_plain"]).format(object=obj, programme=short, why=why)
            confidence = m.score
        elif results:
            best = results[0]
            why = next((r for r in best.reasons if r.startswith(("mots reconnus", "proche de"))), "")
            line = (phrases["better"] if why else phrases["better_plain"]).format(
                object=obj, programme=short, best=best.name.split("(")[0].strip(), why=why
            )
            confidence = best.score
        else:
            return None
        fresh = self.offer_freshness(programme or "")
        return FaqAnswer(
            id=f"followup:{programme}", programme=programme, text="\n".join(filter(None, [line, fresh])),
            source=str(offer.url), confidence=round(float(confidence), 4), verified=offer.last_verified.isoformat(),
        )

    def offer_freshness(self, offer_id: str) -> str:
        """« Informations vérifiées le … » (and a warning line when old or uncertain) for an offer's details."""
        return self.answerer.offer_freshness(offer_id) if self.answerer is not None else ""

    def contacts_text(self) -> str:
        """The deployment's contacts (service in charge, State services), from knowledge/data/deployment/."""
        return self.answerer.contacts_text() if self.answerer is not None else ""

    def commitment_text(self) -> str:
        """The response commitment (``response_days`` working days), one sentence."""
        return self.answerer.commitment_text() if self.answerer is not None else ""

    def resolve(self, text: str) -> Any:
        return self.territory.resolve(text)

    def place(self, code: str) -> Any:
        return self.territory.place(code) if isinstance(code, str) else None

    def detect_themes(self, text: str) -> list[ThemeId]:
        return self.matcher.detect_themes(text)

    def eligibility(self, offer_id: str, commune_code: str | None) -> tuple[bool | None, list[str], list[str]]:
        """(eligible, reasons, warnings) of one offer for one commune, e.g. for an offer's details."""
        return self.matcher.eligibility(offer_id, commune_code)
