"""Pydantic schema of the knowledge base: themes, offers, FAQ entries.

The data lives in YAML under ``knowledge/data`` and is validated against these models when loaded.
Every fact carries sources (URLs) and a date of last verification. Text is in plain French.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ThemeId(str, Enum):
    """Closed list of themes (ids are stable: stored in requests and exports)."""

    REVITALISATION = "revitalisation"  # centres-villes, centres-bourgs
    LOGEMENT = "logement"
    COMMERCE = "commerce-artisanat"
    SERVICES_PUBLICS = "services-publics"
    SANTE = "sante"
    NUMERIQUE = "numerique"  # digital inclusion, broadband, mobile coverage
    MOBILITE = "mobilite"
    EAU = "eau"  # water, sanitation, rivers
    RISQUES = "risques-naturels"  # floods, natural risks
    ENERGIE = "energie-batiments"  # energy, renovation of public buildings, heat networks
    NATURE_CLIMAT = "nature-climat"  # biodiversity, climate adaptation, greening, friches
    ALIMENTATION = "alimentation-agriculture"
    ECONOMIE = "developpement-economique"  # industry, jobs, business zones
    FILIERES_AVENIR = "filieres-avenir"  # hydrogen and future sectors
    TOURISME_MONTAGNE = "tourisme-montagne"
    EDUCATION_JEUNESSE = "education-jeunesse"
    POLITIQUE_VILLE = "politique-de-la-ville"
    INGENIERIE = "ingenierie-diagnostic"
    FINANCEMENT = "financement-prets"
    EQUIPEMENTS = "equipements-culture-sport"  # public facilities, heritage, culture, sport


class OfferKind(str, Enum):
    PROGRAMME = "programme"
    FINANCEMENT = "financement"
    INGENIERIE = "ingenierie"
    LABEL = "label"
    RESEAU = "reseau"
    DONNEES = "donnees"


class Confidence(str, Enum):
    """How sure we are of a fact: ``sure`` (operator's own page), ``secondary`` (press, association),
    ``uncertain`` (sources disagree, incomplete or possibly out of date: the bot says so)."""

    SURE = "sure"
    SECONDARY = "secondary"
    UNCERTAIN = "uncertain"


class Source(Strict):
    url: HttpUrl
    title: str | None = None
    confidence: Confidence = Confidence.SURE


class Theme(Strict):
    id: ThemeId
    label: str  # French label shown to users
    keywords: list[str] = Field(default_factory=list)  # words a mayor would use (no need for accents)


class Contact(Strict):
    name: str  # service or role, never a private person's name unless public in the source
    role: str | None = None
    url: HttpUrl | None = None
    email: str | None = None
    phone: str | None = None
    departement: str | None = None  # None: national


Membership = Literal["acv", "pvd", "villages-d-avenir", "qpv", "france-services", "montagne", "ti", "ort", "crte"]
TerritoryKind = Literal["commune", "epci"]


class Eligibility(Strict):
    """Machine-checkable rules; every field is optional and all given fields must hold.

    ``text`` is the plain-French statement shown to users. Rules with ``uncertain`` are shown as warnings,
    never used to exclude an offer.
    """

    text: str
    kinds: list[TerritoryKind] | None = None  # who may apply: commune and/or EPCI
    # Bounds on the applicant's population (inclusive). population_min/max apply to a commune applicant (and to an
    # EPCI applicant only when kinds == ["epci"]); epci_population_max applies to an EPCI applicant.
    population_min: int | None = None
    population_max: int | None = None  # inclusive upper bound, e.g. 3499 for "moins de 3 500 habitants"
    epci_population_max: int | None = None
    requires_any: list[Membership] | None = None  # e.g. ["pvd"] for offers reserved to PVD laureates
    rural_only: bool = False  # "commune rurale" on the INSEE density grid (approximation stated in the warning)
    laureates_only: bool = False  # closed list: only listed laureates (see local.laureates)
    departements: list[str] | None = None  # restricted to these départements
    uncertain: bool = False
    sources: list[Source] = Field(default_factory=list)


class LocalFacts(Strict):
    """Facts for one département (key of ``Offer.local``)."""

    laureates: list[str] = Field(default_factory=list)  # INSEE codes (communes) or SIREN (EPCI)
    text: str | None = None  # one or two sentences of local context
    contacts: list[Contact] = Field(default_factory=list)
    uncertain: bool = False
    sources: list[Source] = Field(default_factory=list)


class Offer(Strict):
    id: str
    name: str
    acronym: str | None = None
    kind: OfferKind
    operators: list[str]  # e.g. ["ANCT"], ["Ademe"], ["Banque des Territoires"]
    summary: str  # 2-3 sentences, plain French, own words
    provides: list[str]  # what it brings, short French phrases
    eligibility: Eligibility
    themes: list[ThemeId]
    keywords: list[str]  # words and phrases a mayor would use, synonyms, acronyms
    how_to_apply: str
    contacts: list[Contact] = Field(default_factory=list)
    url: HttpUrl
    sources: list[Source]
    last_verified: dt.date
    status: Literal["ouvert", "ferme", "liste-fermee", "permanent", "incertain"] = "permanent"
    local: dict[str, LocalFacts] = Field(default_factory=dict)  # key: département code ("90")
    # A usual partner outside this guichet (DRAC, Fondation du patrimoine, CAF…): shown as a pointer, marked as such.
    outside_guichet: bool = False

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(f"id must be a lowercase slug, got {value!r}")
        return value

    @field_validator("summary")
    @classmethod
    def _summary_len(cls, value: str) -> str:
        if not 40 <= len(value) <= 600:
            raise ValueError("summary must be 40 to 600 characters (2-3 sentences)")
        return value

    @model_validator(mode="after")
    def _checks(self) -> "Offer":
        if not self.themes:
            raise ValueError("at least one theme")
        if not self.sources:
            raise ValueError("at least one source")
        if not self.keywords:
            raise ValueError("at least one keyword")
        return self


class FaqEntry(Strict):
    id: str
    programme: str | None = None  # offer id the entry is about, or None for a general entry
    questions: list[str]  # ways of asking (at least 3 for an offer)
    answer: str  # <= 600 characters, plain French; may use the deployment's fields ({response_days}, …)
    source: HttpUrl | Literal["guichet"]  # "guichet": the answer describes this guichet's own rules (its settings)
    verified: dt.date | None = None  # date the answer was last checked against its source (``kb check`` requires it)

    @field_validator("answer")
    @classmethod
    def _answer_len(cls, value: str) -> str:
        if len(value) > 600:
            raise ValueError(f"answer must be at most 600 characters, got {len(value)}")
        return value

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(f"id must be a lowercase slug, got {value!r}")
        return value


# --- deployment data: contacts and commitments (knowledge/data/deployment/<dep>.yaml) --------------------------------
class DeploymentContact(Strict):
    """A public contact of the deployment: a service, never a private person's name."""

    name: str
    role: str | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    url: HttpUrl | None = None
    source: HttpUrl  # where the contact is published
    as_of: dt.date | None = None  # date of the record in the source
    verified: dt.date  # date the contact was last read against its source


class Deployment(Strict):
    departement: str
    name: str
    service: DeploymentContact | None = None  # the préfecture's service in charge of the guichet's requests
    contacts: list[DeploymentContact] = Field(default_factory=list)  # other State services, operators' local contacts
    operators_via_prefecture: list[str] = Field(default_factory=list)  # operators reached through the préfecture


class ProgrammePhrases(Strict):
    label: str
    offer: str | None = None
    is_member: str
    not_member: str
    meaning: str


class AnswerPhrases(Strict):
    """French wording of composed answers (knowledge/data/answers.yaml)."""

    freshness: dict[str, str]
    source_guichet: str
    place: dict[str, str]
    programmes: dict[str, ProgrammePhrases]
    contacts: dict[str, str]
    commitment: str
    #: issue 18: a follow-up about the programme just answered and an object (« et pour une salle des fêtes ? »)
    followup: dict[str, str] = Field(default_factory=dict)
