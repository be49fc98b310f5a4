"""Programme membership lists (ACV, PVD, QPV, France services…) for the territory referential: the
pydantic models of the hand-written ``memberships.yaml`` and their loading. No import of ``bot`` or ``telegram``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl

MEMBERSHIPS = ("acv", "pvd", "villages-d-avenir", "qpv", "france-services", "montagne", "ti", "ort", "crte")


# --- memberships (pydantic-validated YAML) --------------------------------------------------------------------------
class MembershipSource(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    url: HttpUrl
    title: str | None = None


class MembershipMember(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    name: str  # as in the referential; checked by the tests
    note: str | None = None
    detail: str | None = None  # French, shown after the "yes" (e.g. an ORT's end date); facts from the list's sources


class MembershipList(BaseModel):
    """One programme's list for one département, with where it comes from and how sure it is."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    programme: Literal["acv", "pvd", "villages-d-avenir", "qpv", "france-services", "montagne", "ti", "ort", "crte"]
    departement: str
    confidence: Literal["sure", "secondary", "uncertain"]
    complete: bool  # False: other places may belong too (never conclude "not a member")
    as_of: dt.date | None = None  # date of the data in the source (not the day it was re-read), shown to the person
    as_of_precision: Literal["day", "month", "year"] = "day"  # how much of as_of the source gives
    data_name: str | None = None  # French name of the data, shown with its date (« liste ANCT des lauréats »)
    since_year: int | None = None  # year the members were selected (« lauréate depuis 2018 »), when the sources say it
    checked: dt.date  # date this list was last compared with its sources
    applies_to_member_communes: bool = False  # an EPCI listed here passes the membership to its communes
    sources: list[MembershipSource] = Field(default_factory=list)
    note: str | None = None
    members: list[MembershipMember] = Field(default_factory=list)


class MembershipFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    lists: list[MembershipList]


def load_memberships(path: Path) -> list[MembershipList]:
    if not path.exists():
        return []
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {"lists": []}
    return MembershipFile.model_validate(data).lists
