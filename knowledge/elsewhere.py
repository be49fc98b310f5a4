"""Who serves a collectivité outside the deployment's département: its préfecture and the ANCT's local delegate.

Data: ``knowledge/data/territory/anct_delegates.json``, built by ``scripts/build_anct_contacts.py`` from the ANCT's
published directory of its local delegates (institutional contacts only, with the source's date). When the
directory has no line for a département, the préfecture of the département (its chef-lieu, from the territory
referential) is named and the préfet is said to be the ANCT's delegate (the préfet is the ANCT's delegate in each
département, as the project guide states). Pure: no ``bot`` import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

PATH = Path(__file__).resolve().parent / "data" / "territory" / "anct_delegates.json"


@dataclass(frozen=True)
class Contact:
    service: str
    function: str | None = None
    city: str | None = None
    phone: str | None = None
    email: str | None = None
    page: str | None = None
    updated: str | None = None  # ISO date of the directory's line


@dataclass(frozen=True)
class Serving:
    """Who serves a département: its name, its préfecture's town, the ANCT contacts, the préfecture's site."""

    departement: str
    name: str | None
    prefecture_town: str | None
    contacts: tuple[Contact, ...] = field(default_factory=tuple)
    site: str | None = None
    source: str | None = None  # the directory's name
    source_url: str | None = None
    source_date: str | None = None  # ISO date of the directory's version

    @property
    def from_directory(self) -> bool:
        return bool(self.contacts)


@lru_cache(maxsize=2)
def _directory(path: Path = PATH) -> dict[str, Any]:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"source": {}, "departements": {}}


def serving(departement: str, territory: Any = None) -> Serving:
    """Who serves ``departement`` (« 25 », « 2A », « 971 »); ``territory`` (``knowledge.territory.Territory``) gives
    the département's name and its préfecture's town."""
    dep = str(departement or "").strip().upper()
    data = _directory()
    entry = (data.get("departements") or {}).get(dep) or {}
    src = data.get("source") or {}
    name = town = None
    if territory is not None:
        try:
            name = territory.departement_name(dep)
            pref = territory.prefecture(dep)
            town = pref.name if pref is not None else None
        except Exception:  # noqa: BLE001 - a broken referential never breaks the answer
            pass
    contacts = tuple(Contact(**{k: c.get(k) for k in Contact.__dataclass_fields__}) for c in entry.get("contacts") or ()
                     if c.get("service"))
    return Serving(departement=dep, name=name or entry.get("name"), prefecture_town=town, contacts=contacts,
                   site=entry.get("site"), source=src.get("name"), source_url=src.get("repository"),
                   source_date=src.get("date"))
