"""The territory referential: every current French commune and EPCI, resolution of what a person types, and the
facts used for eligibility (population, EPCI, programme memberships).

Data: ``knowledge/data/territory/`` (built by ``scripts/build_territory.py`` from ``@etalab/decoupage-administratif``,
plus the hand-written ``memberships.yaml`` and ``aliases.yaml``).

>>> t = Territory.load("90")
>>> t.resolve("je suis le maire de giromagny").resolved
'90052'

Resolution in short: the text is normalised (case, accents, hyphens, apostrophes, "St"/"Ste"); codes (INSEE, postal,
SIREN) are looked up exactly; then every span of up to seven words is looked up in an exact-name index (communes,
old names of merged communes, EPCI names with or without their legal form, usual short forms), the whole answer
counting more than a part of it, and spans right after "maire de", "mairie de", "commune de"… more than words found
anywhere in a sentence; then, when the whole answer is no exact name, a fuzzy search (rapidfuzz) on the deployment's
names first and on the whole country only when needed. Candidates of the deployment's département get a small bonus
(a homonym in the deployment wins); when the two best are within a small margin, nothing is resolved and the
candidates are returned. A part of a short answer that names a place outside the deployment is offered, never
resolved. Scores are in [0, 1].

The pieces (their public names re-exported here): ``places`` (records, alias models), ``memberships``
(membership lists and their loading), ``placenames`` (normalisation, phrase words, index keys), ``resolution``
(``Resolver``, the half of ``Territory`` that resolves, and its tuning). ``Territory`` itself loads the data and
builds the indexes.

No import of ``bot`` or ``telegram`` here. Never raises on bad input.
"""

from __future__ import annotations

import gc
import gzip
import json
from collections import defaultdict
from pathlib import Path

import yaml

from knowledge.memberships import (  # noqa: F401  (re-exported: knowledge.territory is where callers import them)
    MEMBERSHIPS,
    MembershipFile,
    MembershipList,
    MembershipMember,
    MembershipSource,
    load_memberships,
)
from knowledge.placenames import (  # noqa: F401
    _ARTICLE_PREFIXES,
    _ARTICLES,
    _STOP_NAMES,
    _alias_keys,
    _clean_dep,
    _epci_cores,
    _epci_keys,
    _row_key,
    norm,
    norm_tokens,
)
from knowledge.places import AliasEntry, AliasFile, Candidate, Kind, Place, Resolution  # noqa: F401
from knowledge.resolution import (  # noqa: F401
    DEPLOYMENT_BONUS,
    LONG_FUZZY_TOKENS,
    MAX_CHARS,
    MAX_SPAN,
    MAX_TOKENS,
    PART_ELSEWHERE,
    RESOLVE_MARGIN,
    RESOLVE_MIN,
    SHORT_QUERY,
    SUB_SPAN,
    Resolver,
    _Entry,
)

DATA_DIR = Path(__file__).resolve().parent / "data" / "territory"


class Territory(Resolver):
    """All communes and EPCI of France, with the deployment's département preferred in resolution."""

    def __init__(
        self,
        departement: str,
        communes: list[list],
        commune_aliases: list[list],
        epcis: list[list],
        departements: dict[str, str],
        memberships: list[MembershipList],
        epci_aliases: list[AliasEntry],
        postal: dict[str, str] | None = None,
        homonyms: dict[str, str] | None = None,
        prefectures: dict[str, str] | None = None,
    ) -> None:
        self.departement = _clean_dep(departement)
        self.departement_names = departements
        self.prefectures = dict(prefectures or {})  # département code -> INSEE code of its chef-lieu (préfecture)
        self.membership_lists = memberships
        # commune rows are kept as loaded: [code, name, departement, population, "postal codes", epci, key]
        communes_rows: dict[str, list] = {row[0]: row for row in communes}
        self._communes = communes_rows
        self._commune_aliases = commune_aliases
        self._by_dep_cache: dict[str, list[str]] = {}
        if postal is not None:
            self._postal: dict[str, list[str]] = {p: codes.split() for p, codes in postal.items()}
        else:
            self._postal = defaultdict(list)
            for row in communes:
                for p in row[4].split():
                    self._postal[p].append(row[0])

        self._epcis: dict[str, tuple] = {}
        self._epci_deps: dict[str, frozenset[str]] = {}
        self._epcis_by_dep: dict[str, list[str]] = defaultdict(list)
        self._epci_seat: dict[str, list[str]] = defaultdict(list)
        for erow in epcis:
            siren, name, typ, dep, pop, members = erow[:6]
            member_codes = tuple(members.split())
            self._epcis[siren] = (name, typ, dep, pop, member_codes)
            if len(erow) > 7:
                deps, seat = frozenset(erow[6].split()), erow[7]
            else:
                deps = frozenset(communes_rows[m][2] for m in member_codes if m in communes_rows)
                seat = max((m for m in member_codes if m in communes_rows), key=lambda m: communes_rows[m][3], default="")
            self._epci_deps[siren] = deps
            for d in deps:
                self._epcis_by_dep[d].append(siren)
            if seat in communes_rows:
                self._epci_seat[_row_key(communes_rows[seat])].append(siren)

        self._members: dict[str, set[str]] = defaultdict(set)
        for ml in memberships:
            for m in ml.members:
                self._members[m.code].add(ml.programme)
                if ml.applies_to_member_communes and m.code in self._epcis:
                    for c in self._epcis[m.code][4]:
                        self._members[c].add(ml.programme)

        # exact-name indexes. Official commune names: key -> code (unique names) or codes (homonyms); every other
        # name (article dropped, old names, EPCI names, usual short forms): key -> [(code, kind, weight, anchored_only)]
        if homonyms is None:
            seen: dict[str, list[str]] = defaultdict(list)
            for row in communes:
                seen[_row_key(row)].append(row[0])
            homonyms = {k: " ".join(v) for k, v in seen.items() if len(v) > 1}
        self._cmulti: dict[str, list[str]] = {k: v.split() for k, v in homonyms.items()}
        if communes and len(communes[0]) > 6:
            self._cname: dict[str, str] = {row[6]: row[0] for row in communes}
        else:
            self._cname = {_row_key(row): row[0] for row in communes}
        for k in self._cmulti:
            self._cname.pop(k, None)
        index: dict[str, list[_Entry]] = {}
        self._index = index
        for key in [k for k in self._cname if k.startswith(_ARTICLE_PREFIXES)]:
            self._add(key.split(" ", 1)[1], (self._cname[key], "commune", 0.93, False))
        for key, codes in self._cmulti.items():
            if key.startswith(_ARTICLE_PREFIXES):
                for code in codes:
                    self._add(key.split(" ", 1)[1], (code, "commune", 0.93, False))
        for alias in commune_aliases:
            name, code, why = alias[0], alias[1], alias[2]
            key = alias[3] if len(alias) > 3 else norm(name)
            if code in communes_rows and key:
                for k, weight in _alias_keys(key, why):
                    self._add(k, (code, "commune", weight, False))
        # EPCI: names without their legal form ("sud territoire"), looked up after "CC", "communauté de communes"…
        self._epci_core: dict[str, list[str]] = defaultdict(list)
        for siren, (name, _typ, _dep, _pop, _members) in self._epcis.items():
            for key, weight, anchored_only in _epci_keys(name):
                self._add(key, (siren, "epci", weight, anchored_only))
            for core in _epci_cores(name):
                self._epci_core[core].append(siren)
        self._manual_aliases = epci_aliases
        for alias in epci_aliases:
            kind = "epci" if alias.code in self._epcis else "commune" if alias.code in communes_rows else None
            if kind is None:
                continue
            for n in alias.names:
                key = norm(n)
                if key:
                    self._add(key, (alias.code, kind, 0.98, False))
        self._keys_by_initial: dict[tuple[str, int], list[str]] | None = None
        self._dep_phrases: dict[tuple[str, ...], str] | None = None
        self._dep_cache: dict[str, tuple[list[str], dict[str, list[str]]]] = {}
        self._deployment(self.departement)  # warm the indexes now, not at the first query
        self._fuzzy_all("a")

    def _add(self, key: str, entry: _Entry) -> None:
        bucket = self._index.get(key)
        if bucket is None:
            self._index[key] = [entry]
            return
        for i, old in enumerate(bucket):
            if old[0] == entry[0]:
                if (entry[2], not entry[3]) > (old[2], not old[3]):
                    bucket[i] = entry
                return
        bucket.append(entry)

    # --- construction -----------------------------------------------------------------------------------------------
    @classmethod
    def load(cls, departement: str = "90", data_dir: Path | None = None) -> "Territory":
        """Load the referential (about 0.2 s). The garbage collector is paused meanwhile: the many small objects
        built here would otherwise trigger several full collections for nothing."""
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return cls._load(departement, data_dir)
        finally:
            if was_enabled:
                gc.enable()

    @classmethod
    def _load(cls, departement: str, data_dir: Path | None) -> "Territory":
        base = Path(data_dir) if data_dir is not None else DATA_DIR
        with gzip.open(base / "communes.json.gz", "rb") as fh:
            communes = json.loads(fh.read())
        with gzip.open(base / "epci.json.gz", "rb") as fh:
            epcis = json.loads(fh.read())
        memberships = load_memberships(base / "memberships.yaml")
        aliases: list[AliasEntry] = []
        alias_path = base / "aliases.yaml"
        if alias_path.exists():
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            data = yaml.load(alias_path.read_text(encoding="utf-8"), Loader=loader) or {"aliases": []}
            aliases = AliasFile.model_validate(data).aliases
        return cls(
            departement,
            communes["rows"],
            communes.get("aliases", []),
            epcis["rows"],
            communes.get("departements", {}),
            memberships,
            aliases,
            communes.get("postal"),
            communes.get("homonyms"),
            communes.get("prefectures"),
        )

    def _codes_of(self, dep: str) -> list[str]:
        codes = self._by_dep_cache.get(dep)
        if codes is None:
            codes = sorted(code for code, row in self._communes.items() if row[2] == dep)
            self._by_dep_cache[dep] = codes
        return codes

    def _deployment(self, dep: str) -> tuple[list[str], dict[str, list[str]]]:
        """(names of the département's places, partial names → codes) for fuzzy and partial lookups."""
        cached = self._dep_cache.get(dep)
        if cached is not None:
            return cached
        communes = self._codes_of(dep)
        commune_set = set(communes)
        keys: dict[str, None] = {}
        for code in communes:
            key = _row_key(self._communes[code])
            keys[key] = None
            if key.startswith(_ARTICLE_PREFIXES):
                keys[key.split(" ", 1)[1]] = None
        for alias in self._commune_aliases:
            if alias[1] in commune_set:
                key = alias[3] if len(alias) > 3 else norm(alias[0])
                keys.update((k, None) for k, _w in _alias_keys(key, alias[2]))
        epcis = self._epcis_by_dep.get(dep, [])
        for siren in epcis:
            name = self._epcis[siren][0]
            keys.update((k, None) for k, _w, _a in _epci_keys(name))
            keys.update((k, None) for k in _epci_cores(name))
        for alias in self._manual_aliases:
            if alias.code in commune_set or alias.code in epcis:
                keys.update((norm(n), None) for n in alias.names)
        keys.pop("", None)
        partial: dict[str, list[str]] = defaultdict(list)
        for code in communes:
            toks = norm_tokens(self._communes[code][1])
            if len(toks) < 2:
                continue
            for i in range(len(toks)):
                for j in range(i + 1, len(toks) + 1):
                    if j - i == len(toks) or toks[i] in _ARTICLES or toks[j - 1] in _ARTICLES:
                        continue
                    sub = " ".join(toks[i:j])
                    if len(sub) >= 5 and sub not in _STOP_NAMES and code not in partial[sub]:
                        partial[sub].append(code)
        self._dep_cache[dep] = (list(keys), dict(partial))
        return self._dep_cache[dep]

    # --- lookups ----------------------------------------------------------------------------------------------------
    def place(self, code: str) -> Place | None:
        """A commune by INSEE code or an EPCI by SIREN; None when unknown."""
        if not isinstance(code, str):
            return None
        code = code.strip().upper()
        row = self._communes.get(code)
        if row is not None:
            _c, name, dep, pop, postal, epci = row[:6]
            epci_name = self._epcis[epci][0] if epci in self._epcis else None
            return Place(code, name, "commune", dep, pop, epci or None, epci_name, tuple(postal.split()),
                         frozenset(self._members.get(code, ())))
        erow = self._epcis.get(code)
        if erow is not None:
            name, _typ, dep, pop, members = erow
            postal = tuple(sorted({p for m in members if m in self._communes for p in self._communes[m][4].split()}))
            return Place(code, name, "epci", dep, pop, code, name, postal, frozenset(self._members.get(code, ())))
        return None

    def communes_of(self, departement: str) -> list[Place]:
        dep = _clean_dep(departement)
        return [p for p in (self.place(c) for c in self._codes_of(dep)) if p is not None]

    def epcis_of(self, departement: str) -> list[Place]:
        """EPCI whose majority département is ``departement`` (an EPCI spanning two départements is listed once)."""
        dep = _clean_dep(departement)
        return [p for p in (self.place(s) for s in sorted(self._epcis_by_dep.get(dep, []))) if p and p.departement == dep]

    def departement_name(self, departement: str) -> str | None:
        """The département's name ("Haute-Saône"), None when unknown."""
        return self.departement_names.get(_clean_dep(departement)) if isinstance(departement, str) else None

    def prefecture(self, departement: str) -> Place | None:
        """The commune where the département's préfecture sits (its chef-lieu), None when unknown."""
        if not isinstance(departement, str):
            return None
        code = self.prefectures.get(_clean_dep(departement))
        return self.place(code) if code else None

    def epci_type(self, siren: str) -> str | None:
        """CC, CA, CU, METRO or MET69 (the source's types)."""
        row = self._epcis.get(siren)
        return row[1] if row else None

    def membership_info(self, programme: str, departement: str | None = None) -> list[MembershipList]:
        """The lists (with sources, confidence, completeness) behind a membership, for warnings to users."""
        dep = _clean_dep(departement) if departement else None
        return [m for m in self.membership_lists if m.programme == programme and (dep is None or m.departement == dep)]

    def _in_dep(self, code: str, kind: str, dep: str) -> bool:
        if kind == "commune":
            row = self._communes.get(code)
            return row is not None and row[2] == dep
        return dep in self._epci_deps.get(code, frozenset())

    def _kind(self, code: str) -> str:
        return "commune" if code in self._communes else "epci"

    def _candidate(self, code: str, score: float) -> Candidate:
        if code in self._communes:
            row = self._communes[code]
            return Candidate(code, row[1], "commune", row[2], round(max(0.0, min(1.0, score)), 3))
        erow = self._epcis[code]
        return Candidate(code, erow[0], "epci", erow[2], round(max(0.0, min(1.0, score)), 3))


__all__ = [
    "Candidate",
    "MembershipList",
    "Place",
    "Resolution",
    "Territory",
    "load_memberships",
    "norm",
    "norm_tokens",
]
