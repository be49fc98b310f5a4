"""The territory referential's public records (a place, a resolution candidate, a resolution) and the
hand-written aliases (``aliases.yaml``). No import of ``bot`` or ``telegram``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, HttpUrl

Kind = Literal["commune", "epci"]


# --- public records -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Place:
    code: str  # INSEE code (commune) or SIREN (EPCI)
    name: str
    kind: Kind
    departement: str  # for an EPCI: the département of most of its members
    population: int  # for an EPCI: the EPCI total
    epci_code: str | None  # for an EPCI: itself; None for the few communes in no EPCI
    epci_name: str | None
    postal_codes: tuple[str, ...]
    memberships: frozenset[str]


@dataclass(frozen=True)
class Candidate:
    code: str
    name: str
    kind: Kind
    departement: str
    score: float  # in [0, 1]


@dataclass(frozen=True)
class Resolution:
    query: str
    resolved: str | None
    candidates: list[Candidate] = field(default_factory=list)
    outside: bool = False  # the resolved place (or, when none, every candidate) is outside the deployment's département


# --- hand-written aliases (pydantic-validated YAML) -----------------------------------------------------------------
class AliasEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    names: list[str]
    source: HttpUrl | None = None
    note: str | None = None


class AliasFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    aliases: list[AliasEntry]
