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

No import of ``bot`` or ``telegram`` here. Never raises on bad input.
"""

from __future__ import annotations

import datetime as dt
import gc
import gzip
import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl
from rapidfuzz import fuzz, process

DATA_DIR = Path(__file__).resolve().parent / "data" / "territory"

Kind = Literal["commune", "epci"]
MEMBERSHIPS = ("acv", "pvd", "villages-d-avenir", "qpv", "france-services", "montagne", "ti", "ort", "crte")

# --- tuning (see tests/unit/test_territory.py and scripts/eval_communes.py) ----------------------------------------
RESOLVE_MIN = 0.80  # the best candidate must score at least this
RESOLVE_MARGIN = 0.05  # ... and beat the second by at least this
DEPLOYMENT_BONUS = 0.06  # added to candidates of the deployment's département
MAX_SPAN = 7  # longest name looked up, in words
SUB_SPAN = 0.85  # a name found in part of a short answer ("Belfort centre") scores at most this
PART_ELSEWHERE = 0.78  # ... and this when the place is outside the deployment (below RESOLVE_MIN)
SHORT_QUERY = 5  # a core of at most this many words is an answer naming a place, not a sentence
MAX_CHARS = 2000  # longer input is cut
MAX_TOKENS = 400
LONG_FUZZY_TOKENS = 150  # in a long message without "maire de"…, typos are looked for in its first words only


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


class AliasEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    names: list[str]
    source: HttpUrl | None = None
    note: str | None = None


class AliasFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    aliases: list[AliasEntry]


# --- normalisation (private; intents.normalize may differ, this one is tuned for place names) ----------------------
def _build_fold() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in range(0xC0, 0x2B0):
        ch = chr(cp)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if base != ch and base.isascii():
            table[cp] = base
    table.update({ord("œ"): "oe", ord("æ"): "ae", ord("ß"): "ss", ord("ø"): "o", ord("ł"): "l", ord("đ"): "d",
                  ord("ı"): "i", ord("^"): "", ord("\u2019"): " ", ord("\u02bc"): " "})
    return table


_FOLD = _build_fold()
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_TOKEN_MAP = {"st": ("saint",), "ste": ("sainte",), "sts": ("saints",), "stes": ("saintes",), "mt": ("mont",)}
_DROP = frozenset({"l", "d"})  # elisions: "Saint-Dizier-l'Évêque" ~ "saint dizier eveque", "maire d'Offemont"


def norm_tokens(text: str) -> list[str]:
    """Lowercase ASCII tokens; accents stripped; hyphens and apostrophes split words; "st"/"ste" → "saint"/"sainte";
    the elided "l'"/"d'" dropped. Superscripts ("Sᵗ", "S^t") count as plain letters."""
    if not isinstance(text, str) or not text:
        return []
    text = text.lower().translate(_FOLD)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower().translate(_FOLD)
    out: list[str] = []
    for tok in _NON_ALNUM.split(text):
        if not tok or tok in _DROP:
            continue
        mapped = _TOKEN_MAP.get(tok)
        if mapped is None:
            out.append(tok)
        else:
            out.extend(mapped)
    return out


def norm(text: str) -> str:
    return " ".join(norm_tokens(text))


# --- phrases around a place name ------------------------------------------------------------------------------------
# A span that starts right after one of these is "anchored": the person is naming their collectivité.
_TRIGGER_HEADS = frozenset({
    "maire", "mairie", "commune", "ville", "village", "municipalite", "adjoint", "adjointe", "conseiller",
    "conseillere", "secretaire", "dgs", "elu", "elue", "president", "presidente", "habitants", "collectivite",
    "municipal", "municipale",
})
_TRIGGER_LINKS = frozenset({"de", "du", "des", "la", "le", "les", "a", "au"})
_WEAK_ANCHORS = frozenset({"a", "au", "sur", "pour", "chez", "de", "du"})
_PLACE_PREPOSITIONS = frozenset({"a", "au", "chez"})
# Words around a name that carry nothing: trimmed from both ends of the query (what is left is the "core").
_FILLER = frozenset("""
bonjour bonsoir salut madame monsieur je suis sommes nous on ai il elle est c la le les de du des un une
mairie maire commune ville village municipalite adjoint adjointe conseiller conseillere municipal municipale au a
pour sur chez dans en et ou y mon ma mes notre nos votre vos habite habitant habitants elu elue collectivite
secretaire dgs president presidente merci svp stp oui voila cest c est ma j
""".split())
# Common words that are also commune names: never taken as a place when found alone inside a sentence.
_STOP_NAMES = frozenset("""
a y eu us ur oz by bu eus et ou on le la les de des du en plan ecole salles salle place pont port porte fontaine
bourg croix chaux leval frais essert reppe buc vie gare mairie projet centre ville commune route rue eglise foret
bois mont val vals plaine pre prix marche marches belle beaux bon bonne bonnes grand grande petit petite neuf nord
sud est ouest moulin moulins cours vers tour tours lieu lieux aide aides etat mars mai juin paris lyon saint sainte
bretagne courcelles fontenelle granges grange champ champs chatel chateau chapelle jardin jardins sons soye cher
grands les grands sous le chateau haut bas neuve vieux vieille eau eaux lac mer loire rhone seine
""".split())
_DEP_HINT = re.compile(r"\(\s*(\d{2,3}|2[abAB])\s*\)")
_CODE5 = re.compile(r"(?<![0-9a-zA-Z])(\d{5}|2[abAB]\d{3})(?![0-9a-zA-Z])")
_SPACED_POSTAL = re.compile(r"(?<![0-9])(\d{2})\s(\d{3})(?![0-9])")
_SIREN = re.compile(r"(?<![0-9])(\d{9})(?![0-9])")

# Legal forms of an EPCI as people write them, with the EPCI types each may name.
_LEGAL_FORMS: dict[tuple[str, ...], frozenset[str]] = {}
for _forms, _types in (
    (("cc", "cdc", "com com", "comcom", "communaute de communes", "communaute communes", "communaute des communes"),
     {"CC"}),
    (("ca", "communaute d agglomeration", "communaute agglomeration", "communaute de l agglomeration"), {"CA"}),
    (("agglo", "agglomeration"), {"CA", "CU", "METRO", "MET69"}),
    (("cu", "communaute urbaine"), {"CU"}),
    (("metropole",), {"METRO", "MET69", "CU"}),
    (("epci", "intercommunalite", "interco", "communaute", "com"), {"CC", "CA", "CU", "METRO", "MET69"}),
):
    for _f in _forms:
        _LEGAL_FORMS[tuple(norm_tokens(_f))] = frozenset(_types)
_LEGAL_FORM_HEADS = frozenset(f[0] for f in _LEGAL_FORMS)
_ARTICLES = frozenset({"de", "du", "des", "la", "le", "les", "l", "d", "en", "et", "sur", "sous", "au", "aux"})
_ACRONYM_STOP = frozenset({
    "ccas", "cias", "crte", "scot", "plui", "cdc", "cca", "pcaet", "caf", "ccs", "cas", "ccc", "cac",
    "cae", "cat", "cab", "cal", "cam", "can", "cap", "car", "cave", "cafe", "cage", "cama", "case", "cube", "cure",
})
_ARTICLE_PREFIXES = ("le ", "la ", "les ")

# index entry: (code, kind, weight, anchored_only)
_Entry = tuple


@dataclass(frozen=True)
class _Hit:
    code: str
    kind: Kind
    score: float
    start: int
    end: int


class Territory:
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

    # --- resolution -------------------------------------------------------------------------------------------------
    def resolve(self, text: str, limit: int = 5, departement: str | None = None) -> Resolution:
        """Find the commune or EPCI a person means. ``departement`` overrides the deployment's for this call."""
        query = text if isinstance(text, str) else ""
        try:
            dep = _clean_dep(departement) if departement else self.departement
            return self._resolve(query, max(1, int(limit)), dep)
        except Exception:  # pragma: no cover - defensive: bad input never crashes the conversation
            return Resolution(query=query, resolved=None, candidates=[], outside=False)

    def _resolve(self, query: str, limit: int, dep: str) -> Resolution:
        raw = query[:MAX_CHARS]
        # 1. codes: INSEE, postal code, SIREN
        code_hits: dict[str, float] = {}
        for code in _CODE5.findall(_SPACED_POSTAL.sub(r"\1\2", raw)):
            code = code.upper()
            if code in self._communes:
                code_hits[code] = 1.0
            postal = self._postal.get(code, ())
            for c in postal:
                code_hits[c] = max(code_hits.get(c, 0.0), 1.0 if len(postal) == 1 else 0.97)
        for siren in _SIREN.findall(raw):
            if siren in self._epcis:
                code_hits[siren] = 1.0

        # 2. names
        hint_dep: str | None = None
        m = _DEP_HINT.search(raw)
        if m:
            hint_dep = _clean_dep(m.group(1))
        tokens = norm_tokens(raw)[:MAX_TOKENS]
        if tokens and hint_dep is None:
            hint_dep = self._trailing_dep_hint(raw, tokens)
        tokens, named_dep = self._mask_departement_names(tokens)
        if hint_dep is None:
            hint_dep = named_dep
        if hint_dep and tokens:
            # drop the hint itself: "Fontaine (38)", "Fontaine 90", "Fontaine, Isère"
            if tokens[-1] == hint_dep.lower():
                tokens = tokens[:-1]
            else:
                dep_tokens = norm_tokens(self.departement_names.get(hint_dep, ""))
                if dep_tokens and len(tokens) > len(dep_tokens) and tokens[-len(dep_tokens):] == dep_tokens:
                    tokens = tokens[: -len(dep_tokens)]
        name_hits: dict[str, float] = {}
        for h in self._name_hits(tokens, dep):
            if h.score > name_hits.get(h.code, 0.0):
                name_hits[h.code] = h.score

        # a name and a code that agree ("Giromagny 90200") confirm each other
        if code_hits and name_hits:
            both = set(code_hits) & set(name_hits)
            if both:
                hits = {c: 1.0 for c in both}
            else:
                hits = {**name_hits, **{c: s - 0.05 for c, s in code_hits.items()}}
        else:
            hits = code_hits or name_hits
        if not hits:
            return Resolution(query=query, resolved=None, candidates=[], outside=False)

        # 3. département hint and the deployment's preference
        scored: list[tuple[float, bool, int, str]] = []
        for code, score in hits.items():
            kind = self._kind(code)
            in_dep = self._in_dep(code, kind, dep)
            # scores may exceed 1 here (a homonym in the deployment beats the same name elsewhere); shown clipped
            if hint_dep:
                score = score + 0.1 if self._in_dep(code, kind, hint_dep) else score - 0.25
            if in_dep:
                score += DEPLOYMENT_BONUS
            if score < 0.5:
                continue
            pop = self._communes[code][3] if kind == "commune" else self._epcis[code][3]
            scored.append((score, in_dep, pop, code))
        if not scored:
            return Resolution(query=query, resolved=None, candidates=[], outside=False)
        # best first; near-equal candidates of the deployment first, then the bigger place
        scored.sort(key=lambda r: (-(r[0] + 0.05 * r[1]), -r[2], r[3]))
        candidates = [self._candidate(code, score) for score, _d, _p, code in scored[:limit]]
        top = max(scored, key=lambda r: (r[0], r[1], r[2]))
        second = max((r[0] for r in scored if r is not top), default=0.0)
        resolved = None
        hint_ok = hint_dep is None or self._in_dep(top[3], self._kind(top[3]), hint_dep)
        if top[0] >= RESOLVE_MIN and top[0] - second >= RESOLVE_MARGIN and hint_ok:
            resolved = top[3]
            if candidates[0].code != resolved:
                candidates = [self._candidate(resolved, top[0])] + [c for c in candidates if c.code != resolved][: limit - 1]
        if resolved is not None:
            outside = not self._in_dep(resolved, self._kind(resolved), dep)
        else:
            outside = all(not self._in_dep(c.code, c.kind, dep) for c in candidates)
        return Resolution(query=query, resolved=resolved, candidates=candidates, outside=outside)

    def _mask_departement_names(self, tokens: list[str]) -> tuple[list[str], str | None]:
        """A département named in several words ("Territoire de Belfort", "Haute-Saône") is not a place to resolve
        (else "Territoire de Belfort" would give the town of Belfort): its words become filler, and it hints."""
        if self._dep_phrases is None:
            self._dep_phrases = {}
            for code, name in self.departement_names.items():
                toks = tuple(norm_tokens(name))
                if len(toks) >= 2:
                    self._dep_phrases[toks] = code
        found: str | None = None
        if len(tokens) < 2:
            return tokens, None
        out = list(tokens)
        n = len(out)
        for toks, code in self._dep_phrases.items():
            k = len(toks)
            for i in range(0, n - k + 1):
                if tuple(out[i:i + k]) != toks:
                    continue
                # not when the words are, or belong to, a place name ("Saint-Martin", "Saint-Martin-du-Tilleul")
                longer = any(
                    self._entries(" ".join(tokens[a:b]))
                    for a in range(max(0, i - 4), i + 1) for b in range(i + k, min(n, i + k + 4) + 1)
                )
                if not longer:
                    out[i:i + k] = ["de"] * k
                    found = found or code
        return out, found

    def _trailing_dep_hint(self, raw: str, tokens: list[str]) -> str | None:
        """ "Fontaine, Isère" / "Fontaine (Isère)" / "Fontaine 90": a département named after the place."""
        if len(tokens) >= 2 and tokens[-1].isdigit() and len(tokens[-1]) in (2, 3):
            code = _clean_dep(tokens[-1])
            if code in self.departement_names:
                return code
        if "," in raw or "(" in raw:
            tail = raw.rsplit(",", 1)[-1] if "," in raw else raw.rsplit("(", 1)[-1]
            key = norm(tail)
            if key:
                for code, name in self.departement_names.items():
                    if norm(name) == key:
                        return code
        return None

    def _entries(self, key: str) -> list[_Entry]:
        """Every index entry for a normalised name."""
        out: list[_Entry] = []
        code = self._cname.get(key)
        if code is not None:
            out.append((code, "commune", 1.0, False))
        else:
            multi = self._cmulti.get(key)
            if multi:
                out.extend((c, "commune", 1.0, False) for c in multi)
        extra = self._index.get(key)
        if extra:
            out.extend(extra)
        return out

    def _lookup(self, tokens: list[str], i: int, j: int) -> list[_Entry]:
        """Exact entries for tokens[i:j]: the name index, plus "<legal form> [de] <EPCI name>" and
        "agglo de <main town>"."""
        key = " ".join(tokens[i:j])
        found = self._entries(key)
        if tokens[i] in _LEGAL_FORM_HEADS:
            for form, types in _LEGAL_FORMS.items():
                k = i + len(form)
                if k >= j or tuple(tokens[i:k]) != form:
                    continue
                while k < j - 1 and tokens[k] in _ARTICLES:
                    k += 1
                rest = " ".join(tokens[k:j])
                for siren in self._epci_core.get(rest, ()):
                    if self._epcis[siren][1] in types:
                        found.append((siren, "epci", 0.99, False))
                if types & {"CA", "CU", "METRO"} and form[0] not in ("epci", "communaute", "com"):
                    for siren in self._epci_seat.get(rest, ()):
                        if self._epcis[siren][1] in types:
                            found.append((siren, "epci", 0.95, False))
        # the legal form after the name: "Grand Belfort Agglomération", "Belfort agglo", "Sud Territoire CC"
        if j - i >= 2:
            for form, types in _LEGAL_FORMS.items():
                k = j - len(form)
                if k <= i or tuple(tokens[k:j]) != form:
                    continue
                rest = " ".join(tokens[i:k])
                for siren in self._epci_core.get(rest, ()):
                    if self._epcis[siren][1] in types:
                        found.append((siren, "epci", 0.99, False))
                if types & {"CA", "CU", "METRO"} and form[0] not in ("epci", "communaute", "com", "cc", "ca", "cu"):
                    for siren in self._epci_seat.get(rest, ()):
                        if self._epcis[siren][1] in types:
                            found.append((siren, "epci", 0.95, False))
        return found

    def _name_hits(self, tokens: list[str], dep: str) -> list[_Hit]:
        n = len(tokens)
        if n == 0:
            return []
        # the core: the query without filler words (and numbers) at either end
        lo, hi = 0, n
        while lo < hi and (tokens[lo] in _FILLER or tokens[lo].isdigit()):
            lo += 1
        while hi > lo and (tokens[hi - 1] in _FILLER or tokens[hi - 1].isdigit()):
            hi -= 1
        if lo == hi:
            return []  # only "bonjour", "maire", "commune de"…: no name
        short_query = (hi - lo) <= SHORT_QUERY
        # anchors: positions right after "maire de", "commune de"… (strong) or "à", "pour"… (weak)
        strong: set[int] = {lo}
        weak: set[int] = set()
        triggered: set[int] = set()  # anchors after a real trigger phrase (lo is an anchor by position only)
        located: set[int] = set()  # after "à", "au", "chez": a place name outside the deployment is plausible
        for i, tok in enumerate(tokens):
            if tok in _TRIGGER_HEADS:
                j = i + 1
                while j < n and tokens[j] in _TRIGGER_LINKS:
                    j += 1
                strong.add(j)
                triggered.add(j)
            elif tok in _WEAK_ANCHORS:
                weak.add(i + 1)
                if tok in _PLACE_PREPOSITIONS:
                    located.add(i + 1)
        weak -= triggered

        hits: list[_Hit] = []
        whole_in_dep = False
        whole_any = False
        strong_exact = False
        # filler words next to the core may belong to the name ("Le Chemin", "Chaudenay-la-Ville", "Ville-la-Grand"):
        # spans that cover the core and some of them are whole answers too
        covering = [
            (i, j) for i in range(max(0, hi - MAX_SPAN), lo + 1) for j in range(hi, min(n, i + MAX_SPAN) + 1)
            if (i, j) != (lo, hi) and not tokens[i].isdigit()
        ]
        for i, j in covering + [(i, j) for i in range(lo, hi) for j in range(i + 1, min(hi, i + MAX_SPAN) + 1)]:
            if tokens[i].isdigit():
                continue
            entries = self._lookup(tokens, i, j)
            if not entries:
                continue
            whole = i <= lo and j >= hi
            single = j - i == 1
            # the first word of a long message is an anchor by position only: weaker than after "maire de"
            by_position = i == lo and not short_query and i not in triggered
            anchored = whole or (i in strong and not by_position)
            if whole:
                factor = 1.0
            elif anchored:
                factor = SUB_SPAN if short_query else 0.97
            elif i in weak or by_position:
                factor = 0.88
            else:
                factor = 0.85
            if not anchored:
                # "la salle (des fêtes)", "le port": an article and a common word are not a place in a sentence
                significant = [t for t in tokens[i:j] if t not in _ARTICLES]
                if len(significant) <= 1 and (not significant or significant[0] in _STOP_NAMES
                                              or len(significant[0]) <= 3):
                    continue
            for code, kind, weight, anchored_only in entries:
                if anchored_only and not anchored:
                    continue
                in_dep = self._in_dep(code, kind, dep)
                if not anchored and single and not in_dep and (i not in weak or not (short_query or i in located)):
                    continue  # a lone word in a sentence naming a place elsewhere: most likely a common word
                f = factor
                if short_query and not whole and not in_dep:
                    f = PART_ELSEWHERE  # "Grand Lyon" is not the commune of Grand (88): offered, never resolved
                hits.append(_Hit(code, kind, weight * f, i, j))
                if whole:
                    whole_any = True
                    whole_in_dep = whole_in_dep or in_dep
                if (whole or (anchored and not short_query)) and weight * factor >= 0.9:
                    strong_exact = True
        hits = _drop_nested(hits)
        if whole_in_dep or (strong_exact and not short_query):
            return hits
        if whole_any:
            # the whole answer is a place elsewhere: only a longer name of the deployment that starts with it
            # ("Saint-Germain" → Saint-Germain-le-Châtelet) is worth offering beside it
            _keys, partial = self._deployment(dep)
            key = " ".join(tokens[lo:hi])
            return hits + [_Hit(code, "commune", 0.9, lo, hi) for code in partial.get(key, ())]

        # partial and fuzzy matching: the deployment's names first, then the whole country only when needed
        dep_keys, partial = self._deployment(dep)
        first = lo - 1 if lo > 0 and tokens[lo - 1] in ("le", "la", "les") else lo
        wholes = [(lo, hi)] + ([(first, hi)] if first < lo else [])
        spans: list[tuple[int, int, float]] = []
        if short_query:
            spans.extend((a, b, 1.0) for a, b in wholes)
        real_strong = strong if short_query else strong - ({lo} - triggered)
        for s in sorted(strong | weak):
            if lo <= s < hi:
                # in a short answer, a part of it is a weaker match than the whole ("Belfort centre")
                f = SUB_SPAN if short_query else (0.97 if s in real_strong else 0.9)
                for j in range(s + 1, min(hi, s + (MAX_SPAN if short_query else 5)) + 1):
                    if (s, j) != (lo, hi):
                        spans.append((s, j, f))
        fuzzy: list[_Hit] = []
        for s, j, f in spans:
            key = " ".join(tokens[s:j])
            if len(key) < 4 or key.isdigit():
                continue
            for k, ratio, _ in process.extract(key, dep_keys, scorer=fuzz.ratio, score_cutoff=80, limit=5):
                for code, kind, weight, _a in self._dep_entries(k, dep):
                    fuzzy.append(_Hit(code, kind, weight * f * _fuzzy_score(ratio, key, k), s, j))
            for code in partial.get(key, ()):
                fuzzy.append(_Hit(code, "commune", 0.9 * f, s, j))
        if not short_query:
            # a long message with no trigger phrase: single words and pairs anywhere, against the deployment only
            seen_keys: set[str] = set()
            for i in range(lo, min(hi, lo + LONG_FUZZY_TOKENS)):
                if tokens[i] in _FILLER or tokens[i] in _ARTICLES:
                    continue
                for j in range(i + 1, min(hi, i + 3) + 1):
                    key = " ".join(tokens[i:j])
                    if len(key) < 6 or key in _STOP_NAMES or key in seen_keys:
                        continue
                    seen_keys.add(key)
                    for k, ratio, _ in process.extract(key, dep_keys, scorer=fuzz.ratio, score_cutoff=88, limit=3):
                        for code, kind, weight, anchored_only in self._dep_entries(k, dep):
                            if not anchored_only:
                                fuzzy.append(_Hit(code, kind, weight * 0.85 * _fuzzy_score(ratio, key, k), i, j))
        best_whole = max((h.score for h in fuzzy if (h.start, h.end) in wholes), default=0.0)
        best = max([h.score for h in hits] + [h.score for h in fuzzy], default=0.0)
        if (short_query and best_whole < 0.9) or best < 0.88:
            # nationwide: the whole answer, and what follows "maire de"… (a few calls at most: each scans thousands)
            national: list[tuple[int, int, float]] = [(a, b, 1.0) for a, b in wholes] if short_query else []
            for s in sorted(triggered):
                if lo <= s < hi:
                    ends = [hi] if short_query else range(s + 1, min(hi, s + 3) + 1)
                    national.extend((s, j, 0.97) for j in ends if (s, j) not in wholes)
            for s, j, f in national[:4]:
                key = " ".join(tokens[s:j])
                if len(key) < 4 or key.isdigit():
                    continue
                for k, ratio in self._fuzzy_all(key):
                    for code, kind, weight, anchored_only in self._entries(k):
                        if anchored_only and len(key) < 6:
                            continue
                        fuzzy.append(_Hit(code, kind, weight * f * _fuzzy_score(ratio, key, k), s, j))
        return hits + fuzzy

    def _dep_entries(self, key: str, dep: str) -> list[_Entry]:
        """Entries of the département for one of its names (EPCI names without legal form included)."""
        out = [e for e in self._entries(key) if self._in_dep(e[0], e[1], dep)]
        out.extend((s, "epci", 0.92, False) for s in self._epci_core.get(key, ()) if self._in_dep(s, "epci", dep))
        return out

    def _fuzzy_all(self, key: str, cutoff: float = 85.0, limit: int = 8) -> list[tuple[str, float]]:
        """Nationwide fuzzy search over the names that start with the same letter and whose length allows a ratio
        above the cutoff (a typo on the first letter of a place outside the deployment is not recovered)."""
        if self._keys_by_initial is None:
            groups: dict[tuple[str, int], list[str]] = defaultdict(list)
            for keys in (self._cname, self._cmulti, self._index):
                for k in keys:
                    groups[(k[0], len(k))].append(k)
            self._keys_by_initial = dict(groups)
        n = len(key)
        c = cutoff / 100.0
        lo = int(n * c / (2 - c))
        hi = int(n * (2 - c) / c) + 1
        initial = key[0]
        choices: list[str] = []
        for length in range(max(1, lo), hi + 1):
            choices.extend(self._keys_by_initial.get((initial, length), ()))
        if not choices:
            return []
        return [(k, r) for k, r, _ in process.extract(key, choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit)]


def _fuzzy_score(ratio: float, query: str, key: str) -> float:
    """A fuzzy match never ties an exact one: 100 → 0.95, 80 → 0.75; short words lose a little more."""
    score = ratio / 100.0 - 0.05
    if min(len(query), len(key)) < 6:
        score -= 0.03
    return score


def _drop_nested(hits: list[_Hit]) -> list[_Hit]:
    """An exact match inside a longer exact match is dropped ("Belfort" inside "agglo de Belfort")."""
    if len(hits) < 2:
        return hits
    out = []
    for h in hits:
        inside = any(
            o.start <= h.start and h.end <= o.end and (o.end - o.start) > (h.end - h.start) and o.score >= h.score - 0.1
            for o in hits
        )
        if not inside:
            out.append(h)
    return out


def _row_key(row: list) -> str:
    return row[6] if len(row) > 6 else norm(row[1])


def _clean_dep(dep: object) -> str:
    value = str(dep or "").strip().upper()
    if value.isdigit() and len(value) == 1:
        value = "0" + value
    return value


def _alias_keys(key: str, why: str) -> Iterable[tuple[str, float]]:
    """Keys of an old commune name (weight 0.93) or a municipal arrondissement ("paris 15e", "paris 15": 0.97)."""
    weight = 0.93 if why == "ancienne" else 0.97
    yield key, weight
    if key.startswith(_ARTICLE_PREFIXES):
        yield key.split(" ", 1)[1], weight - 0.03
    toks = key.split()
    if why == "arrondissement" and len(toks) >= 3 and toks[-1] == "arrondissement":
        city, num = " ".join(toks[:-2]), toks[-2]
        digits = re.sub(r"\D", "", num)
        yield f"{city} {num}", 0.97
        if digits:
            yield f"{city} {digits}", 0.97
            yield f"{city} {digits}e", 0.97


def _epci_cores(name: str) -> list[str]:
    """The EPCI's name without its legal form and leading articles: "CC du Sud Territoire" → "sud territoire";
    "CA Pays de Montbéliard Agglomération" → also "pays de montbeliard"."""
    toks = norm_tokens(name)
    if toks and toks[0] in ("cc", "ca", "cu", "metropole"):
        toks = toks[1:]
    elif toks and toks[0] == "communaute":
        return []
    while toks and toks[0] in _ARTICLES:
        toks = toks[1:]
    if not toks:
        return []
    cores = [" ".join(toks)]
    if len(toks) > 1 and toks[-1] in ("agglomeration", "metropole", "communaute", "agglo"):
        cores.append(" ".join(toks[:-1]))
    return cores


def _epci_keys(name: str) -> Iterable[tuple[str, float, bool]]:
    """Keys of an EPCI in the name index: the official name, the name without its legal form (0.92: a commune of
    the same name wins) and the acronym ("CCST", only as a whole answer or after "président de")."""
    toks = norm_tokens(name)
    if not toks:
        return
    yield " ".join(toks), 1.0, False
    cores = _epci_cores(name)
    for core in cores:
        yield core, 0.92, False
    if cores and toks[0] in ("cc", "ca", "cu"):
        significant = [t for t in cores[0].split() if t not in _ARTICLES and not t.isdigit()]
        if significant and len(significant) <= 5:
            acro = toks[0] + "".join(t[0] for t in significant)
            if len(acro) >= 4 and acro not in _ACRONYM_STOP:
                yield acro, 0.9, True


def load_memberships(path: Path) -> list[MembershipList]:
    if not path.exists():
        return []
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {"lists": []}
    return MembershipFile.model_validate(data).lists


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
