"""Load and check the knowledge base data (offers, FAQ, themes) shipped as YAML under ``knowledge/data``.

Layout of a data directory::

    offers/<id>.yaml   one offer per file (``knowledge.schema.Offer``), the file name is the id
    faq.yaml           a list of ``knowledge.schema.FaqEntry``
    themes.yaml        a list of ``knowledge.schema.Theme``, one per ``ThemeId``

``load_*`` raise :class:`KnowledgeDataError` (listing every problem) on invalid data; :func:`check_all` collects every
problem without stopping at the first one. ``run_kb_check`` and ``run_kb_export`` are the bodies of
``guichet kb check`` and ``guichet kb export`` (imported by ``knowledge.cli``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

import yaml
from pydantic import ValidationError

from knowledge.schema import AnswerPhrases, Deployment, FaqEntry, Offer, Theme, ThemeId

try:  # the C loader is ~10x faster; fall back to the pure-Python one when libyaml is missing
    _YamlLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _YamlLoader = yaml.SafeLoader

#: Offer ids other tools rely on (issue 2): they must always exist.
REQUIRED_OFFER_IDS: tuple[str, ...] = (
    "ingenierie-sur-mesure",
    "action-coeur-de-ville",
    "petites-villes-de-demain",
    "villages-d-avenir",
    "france-services",
    "territoires-d-industrie",
    "avenir-montagnes",
    "fabriques-de-territoire",
    "manufactures-de-proximite",
    "crte",
    "politique-de-la-ville",
    "cites-educatives",
    "conseillers-numeriques",
    "couverture-mobile",
    "france-tres-haut-debit",
    "fonds-vert",
    "detr",
    "dsil",
    "projet-alimentaire-territorial",
    "papi",
    "agence-de-l-eau",
    "hydrogene-ademe",
    "fonds-chaleur",
    "anah-opah",
    "anru-npnru",
    "banque-des-territoires",
    "cerema",
    "acces-aux-soins",
    "revitalisation-commerciale",
    "observatoire-des-territoires",
)

#: Minimum number of ways of asking, summed over the FAQ entries of one offer.
MIN_QUESTIONS_PER_OFFER = 3

_TERRITORY_CODE = re.compile(r"^(?:\d[0-9AB]\d{3}|\d{9})$")  # INSEE commune code (2A/2B too) or SIREN


@dataclass(frozen=True)
class Problem:
    """One problem found in the data: the file (relative to the data directory), the field path, a message."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field or '-'}: {self.message}"


class KnowledgeDataError(ValueError):
    """Invalid knowledge base data; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"invalid knowledge base data ({len(problems)} problem(s)):\n{lines}{more}")


# --- locating the data ----------------------------------------------------------------------------------------------
def data_dir() -> Path:
    """The data directory shipped inside the ``knowledge`` package (works from an installed wheel)."""
    return Path(str(resources.files("knowledge").joinpath("data")))


def _root(path: str | Path | None) -> Path:
    return Path(path) if path is not None else data_dir()


def _offers_dir(path: str | Path | None) -> Path:
    root = _root(path)
    if (root / "offers").is_dir():
        return root / "offers"
    if root.is_dir() and _has_yaml(root) and not (root / "faq.yaml").exists():
        return root  # an offers directory given directly
    return root / "offers"


def _has_yaml(directory: Path) -> bool:
    return any(directory.glob("*.yaml"))


def _file(path: str | Path | None, name: str) -> Path:
    root = _root(path)
    return root if root.is_file() else root / name


def _rel(file: Path, base: Path) -> str:
    try:
        return file.relative_to(base).as_posix()
    except ValueError:
        return file.as_posix()


def _read_yaml(file: Path, base: Path, problems: list[Problem]) -> tuple[bool, Any]:
    """Parse one YAML file; on failure record a problem and return (False, None)."""
    rel = _rel(file, base)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem(rel, "", "file not found"))
        return False, None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(rel, "", f"cannot read file: {exc}"))
        return False, None
    try:
        return True, yaml.load(text, Loader=_YamlLoader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" (line {mark.line + 1}, column {mark.column + 1})"
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.append(Problem(rel, "", f"YAML syntax error{where}: {reason}"))
        return False, None


def _loc(prefix: str, loc: Iterable[Any]) -> str:
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _validation_problems(rel: str, prefix: str, exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        msg = err.get("msg", "invalid value")
        if err.get("type") == "missing":
            msg = "required field is missing"
        elif err.get("type") == "extra_forbidden":
            msg = "unknown field (not in the schema)"
        elif err.get("type") == "enum":
            expected = (err.get("ctx") or {}).get("expected")
            msg = f"unknown value {err.get('input')!r}" + (f"; expected one of {expected}" if expected else "")
        problems.append(Problem(rel, _loc(prefix, err.get("loc", ())), msg))
    return problems


# --- parsing, collecting problems -----------------------------------------------------------------------------------
def _parse_offers(root: Path, problems: list[Problem]) -> dict[str, tuple[Offer, str]]:
    offers_dir = _offers_dir(root)
    base = offers_dir.parent if offers_dir.name == "offers" else offers_dir
    offers: dict[str, tuple[Offer, str]] = {}
    if not offers_dir.is_dir():
        problems.append(Problem(_rel(offers_dir, base), "", "offers directory not found"))
        return offers
    files = sorted(offers_dir.glob("*.yaml")) + sorted(offers_dir.glob("*.yml"))
    for file in files:
        rel = _rel(file, base)
        ok, raw = _read_yaml(file, base, problems)
        if not ok:
            continue
        if not isinstance(raw, dict):
            problems.append(Problem(rel, "", f"expected a mapping (one offer), got {type(raw).__name__}"))
            continue
        try:
            offer = Offer.model_validate(raw)
        except ValidationError as exc:
            found = _validation_problems(rel, "", exc)
            if not raw.get("sources") and not any("source" in f"{p.field} {p.message}" for p in found):
                found.append(Problem(rel, "sources", "no source URL: every offer needs at least one source"))
            problems.extend(found)
            # still register the id so FAQ entries pointing at it are not reported as dangling
            raw_id = raw.get("id")
            if isinstance(raw_id, str) and raw_id not in offers:
                offers.setdefault(raw_id, (None, rel))  # type: ignore[arg-type]
            continue
        if file.stem != offer.id:
            problems.append(Problem(rel, "id", f"id {offer.id!r} does not match the file name {file.stem!r}"))
        if offer.id in offers:
            problems.append(Problem(rel, "id", f"duplicate offer id {offer.id!r} (also in {offers[offer.id][1]})"))
            continue
        problems.extend(_offer_consistency(rel, offer))
        offers[offer.id] = (offer, rel)
    return offers


def _offer_consistency(rel: str, offer: Offer) -> list[Problem]:
    """Checks the schema cannot express alone."""
    problems = []
    elig = offer.eligibility
    if elig.population_min is not None and elig.population_max is not None and elig.population_min > elig.population_max:
        problems.append(Problem(rel, "eligibility.population_min", "greater than population_max"))
    if elig.laureates_only and not any(local.laureates for local in offer.local.values()) and not elig.uncertain:
        problems.append(
            Problem(rel, "eligibility.laureates_only", "laureates only, but no laureate listed: mark it uncertain")
        )
    for dep, local in offer.local.items():
        if not re.fullmatch(r"\d[0-9AB]\d?", dep):
            problems.append(Problem(rel, f"local.{dep}", "key must be a département code such as '90'"))
        for i, code in enumerate(local.laureates):
            if not _TERRITORY_CODE.match(code):
                problems.append(Problem(rel, f"local.{dep}.laureates[{i}]", f"{code!r} is not an INSEE code or SIREN"))
    seen: set[str] = set()
    for i, kw in enumerate(offer.keywords):
        key = kw.strip().lower()
        if not key:
            problems.append(Problem(rel, f"keywords[{i}]", "empty keyword"))
        elif key in seen:
            problems.append(Problem(rel, f"keywords[{i}]", f"duplicate keyword {kw!r}"))
        seen.add(key)
    return problems


def _parse_faq(root: Path, problems: list[Problem]) -> list[FaqEntry]:
    file = _file(root, "faq.yaml")
    base = file.parent
    rel = _rel(file, base)
    ok, raw = _read_yaml(file, base, problems)
    if not ok:
        return []
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        problems.append(Problem(rel, "", f"expected a list of FAQ entries, got {type(raw).__name__}"))
        return []
    entries: list[FaqEntry] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(raw):
        label = f"[{i}]"
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            label = f"[{i}]({item['id']})"
        if not isinstance(item, dict):
            problems.append(Problem(rel, label, "expected a mapping (one FAQ entry)"))
            continue
        try:
            entry = FaqEntry.model_validate(item)
        except ValidationError as exc:
            problems.extend(_validation_problems(rel, label, exc))
            continue
        if entry.id in seen:
            problems.append(Problem(rel, f"{label}.id", f"duplicate FAQ id {entry.id!r} (also at [{seen[entry.id]}])"))
            continue
        seen[entry.id] = i
        questions = [q for q in entry.questions if q.strip()]
        if not questions:
            problems.append(Problem(rel, f"{label}.questions", "at least one question"))
        if len(questions) != len(entry.questions):
            problems.append(Problem(rel, f"{label}.questions", "empty question"))
        if not entry.answer.strip():
            problems.append(Problem(rel, f"{label}.answer", "empty answer"))
        entries.append(entry)
    return entries


def _parse_themes(root: Path, problems: list[Problem]) -> dict[ThemeId, Theme]:
    file = _file(root, "themes.yaml")
    base = file.parent
    rel = _rel(file, base)
    ok, raw = _read_yaml(file, base, problems)
    if not ok:
        return {}
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        problems.append(Problem(rel, "", f"expected a list of themes, got {type(raw).__name__}"))
        return {}
    themes: dict[ThemeId, Theme] = {}
    for i, item in enumerate(raw):
        label = f"[{i}]"
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            label = f"[{i}]({item['id']})"
        if not isinstance(item, dict):
            problems.append(Problem(rel, label, "expected a mapping (one theme)"))
            continue
        try:
            theme = Theme.model_validate(item)
        except ValidationError as exc:
            problems.extend(_validation_problems(rel, label, exc))
            continue
        if not theme.label.strip():
            problems.append(Problem(rel, f"{label}.label", "a theme needs a label"))
        if theme.id in themes:
            problems.append(Problem(rel, f"{label}.id", f"duplicate theme {theme.id.value!r}"))
            continue
        themes[theme.id] = theme
    for theme_id in ThemeId:
        if theme_id not in themes and not any(p.file == rel and theme_id.value in p.field for p in problems):
            problems.append(Problem(rel, "", f"theme {theme_id.value!r} has no entry (label and keywords)"))
    return themes


def _cross_checks(
    offers: dict[str, tuple[Offer, str]],
    faq: list[FaqEntry],
    faq_rel: str,
    required_ids: Iterable[str],
    problems: list[Problem],
) -> None:
    questions_per_offer: dict[str, int] = {}
    for i, entry in enumerate(faq):
        if entry.programme is None:
            continue
        if entry.programme not in offers:
            problems.append(
                Problem(faq_rel, f"[{i}]({entry.id}).programme", f"{entry.programme!r} is not an existing offer id")
            )
            continue
        questions_per_offer[entry.programme] = questions_per_offer.get(entry.programme, 0) + len(entry.questions)
    for offer_id, (offer, rel) in sorted(offers.items()):
        if offer is None:  # invalid offer, already reported
            continue
        count = questions_per_offer.get(offer_id, 0)
        if count == 0:
            problems.append(Problem(rel, "faq", f"offer {offer_id!r} has no FAQ entry"))
        elif count < MIN_QUESTIONS_PER_OFFER:
            problems.append(
                Problem(rel, "faq", f"only {count} way(s) of asking about {offer_id!r}, at least {MIN_QUESTIONS_PER_OFFER}")
            )
    for offer_id in required_ids:
        if offer_id not in offers:
            problems.append(Problem(f"offers/{offer_id}.yaml", "id", f"required offer {offer_id!r} is missing"))


def _parse_deployments(root: Path, problems: list[Problem]) -> dict[str, Deployment]:
    directory = root / "deployment"
    out: dict[str, Deployment] = {}
    if not directory.is_dir():
        return out
    for file in sorted(directory.glob("*.yaml")):
        rel = _rel(file, root)
        ok, raw = _read_yaml(file, root, problems)
        if not ok:
            continue
        if not isinstance(raw, dict):
            problems.append(Problem(rel, "", "expected a mapping (one deployment)"))
            continue
        try:
            dep = Deployment.model_validate(raw)
        except ValidationError as exc:
            problems.extend(_validation_problems(rel, "", exc))
            continue
        if dep.departement != file.stem:
            problems.append(Problem(rel, "departement", f"{dep.departement!r} does not match the file name {file.stem!r}"))
        out[dep.departement] = dep
    return out


def _parse_phrases(root: Path, problems: list[Problem]) -> AnswerPhrases | None:
    file = root / "answers.yaml"
    if not file.exists() and not (root / "faq.yaml").exists():
        return None
    ok, raw = _read_yaml(file, root, problems)
    if not ok:
        return None
    try:
        return AnswerPhrases.model_validate(raw)
    except ValidationError as exc:
        problems.extend(_validation_problems("answers.yaml", "", exc))
        return None


def load_deployment(departement: str, path: str | Path | None = None) -> Deployment | None:
    """The deployment's contacts (``deployment/<dep>.yaml``), None when the département has none."""
    problems: list[Problem] = []
    deployments = _parse_deployments(_root(path), problems)
    if problems:
        raise KnowledgeDataError(problems)
    return deployments.get(departement)


def load_phrases(path: str | Path | None = None) -> AnswerPhrases:
    """The French wording of composed answers (``answers.yaml``)."""
    problems: list[Problem] = []
    root = _root(path)
    if not (root / "answers.yaml").exists():
        root = data_dir()  # a data directory without its own wording (tests) uses the shipped one
    phrases = _parse_phrases(root, problems)
    if problems or phrases is None:
        raise KnowledgeDataError(problems or [Problem("answers.yaml", "", "file not found")])
    return phrases


def referential_date(path: str | Path | None = None) -> dt.date | None:
    """Build date of the territory referential (from territory/LICENCE.md), None when unknown."""
    file = _root(path) / "territory" / "LICENCE.md"
    if not file.exists():
        file = data_dir() / "territory" / "LICENCE.md"
    try:
        found = re.search(r"Built on (\d{4}-\d{2}-\d{2})", file.read_text(encoding="utf-8"))
        return dt.date.fromisoformat(found.group(1)) if found else None
    except (OSError, ValueError):
        return None


def check_all(path: str | Path | None = None, *, required_ids: Iterable[str] | None = None) -> list[Problem]:
    """Every problem in the data directory ``path`` (default: the shipped data); an empty list means valid."""
    root = _root(path)
    problems: list[Problem] = []
    offers = _parse_offers(root, problems)
    faq = _parse_faq(root, problems)
    for i, entry in enumerate(faq):  # checked here, not when loading: an undated answer still loads (shown undated)
        if entry.verified is None:
            problems.append(
                Problem("faq.yaml", f"[{i}]({entry.id}).verified", "no date: when was the answer last checked against its source?")
            )
    _parse_themes(root, problems)
    _parse_deployments(root, problems)
    _parse_phrases(root, problems)
    _cross_checks(
        offers, faq, "faq.yaml", REQUIRED_OFFER_IDS if required_ids is None else tuple(required_ids), problems
    )
    return problems


# --- loading (strict) -----------------------------------------------------------------------------------------------
def load_offers(path: str | Path | None = None) -> dict[str, Offer]:
    """Offers by id, sorted by id. ``path``: a data directory (with ``offers/``) or an offers directory."""
    problems: list[Problem] = []
    parsed = _parse_offers(_root(path), problems)
    if problems:
        raise KnowledgeDataError(problems)
    return {offer_id: offer for offer_id, (offer, _rel_) in sorted(parsed.items())}


def load_faq(path: str | Path | None = None) -> list[FaqEntry]:
    """FAQ entries in file order. ``path``: a data directory or the FAQ file itself."""
    problems: list[Problem] = []
    entries = _parse_faq(_root(path), problems)
    if problems:
        raise KnowledgeDataError(problems)
    return entries


def load_themes(path: str | Path | None = None) -> dict[ThemeId, Theme]:
    """Themes by id, in ``ThemeId`` order. ``path``: a data directory or the themes file itself."""
    problems: list[Problem] = []
    themes = _parse_themes(_root(path), problems)
    if problems:
        raise KnowledgeDataError(problems)
    return {theme_id: themes[theme_id] for theme_id in ThemeId if theme_id in themes}


def export_all(path: str | Path | None = None) -> dict[str, list[dict[str, Any]]]:
    """Everything as JSON-ready data: ``{"offers": [...], "faq": [...], "themes": [...]}``."""
    return {
        "offers": [offer.model_dump(mode="json") for offer in load_offers(path).values()],
        "faq": [entry.model_dump(mode="json") for entry in load_faq(path)],
        "themes": [theme.model_dump(mode="json") for theme in load_themes(path).values()],
    }


# --- freshness ------------------------------------------------------------------------------------------------------
def _months_old(day: dt.date, today: dt.date) -> int:
    months = (today.year - day.year) * 12 + (today.month - day.month)
    return months - 1 if today.day < day.day else months


def stale_items(months: int = 12, today: dt.date | None = None, path: str | Path | None = None) -> list[dict[str, Any]]:
    """Facts to re-check, oldest first (no date first): offers (``last_verified``, or status ``incertain``), FAQ
    entries (``verified``), membership lists (``checked``), deployment contacts (``verified``)."""
    from knowledge.territory import load_memberships

    today = today or dt.date.today()
    root = _root(path)
    problems: list[Problem] = []
    rows: list[tuple[str, str, str, dt.date | None, str | None]] = []  # kind, id, file, date, forced reason
    for oid, (offer, rel) in _parse_offers(root, problems).items():
        if offer is not None:
            rows.append(("offer", oid, rel, offer.last_verified, "incertain" if offer.status == "incertain" else None))
    for entry in _parse_faq(root, problems):
        rows.append(("faq", entry.id, "faq.yaml", entry.verified, None))
    territory_dir = root / "territory"
    if not (territory_dir / "memberships.yaml").exists():
        territory_dir = data_dir() / "territory" if path is None else territory_dir
    try:
        for ml in load_memberships(territory_dir / "memberships.yaml"):
            rows.append(("list", f"{ml.programme}:{ml.departement}", "territory/memberships.yaml", ml.checked,
                         "incomplete" if not ml.complete and ml.confidence == "uncertain" else None))
    except (ValidationError, OSError, yaml.YAMLError):
        pass
    for dep, deployment in _parse_deployments(root, problems).items():
        contacts = ([deployment.service] if deployment.service else []) + list(deployment.contacts)
        for contact in contacts:
            rows.append(("contact", contact.name, f"deployment/{dep}.yaml", contact.verified, None))
    items = []
    for kind, ident, rel, day, forced in rows:
        old = None if day is None else _months_old(day, today)
        if day is None:
            reason = "no date"
        elif old is not None and old >= months and months >= 0:
            reason = f"{old} months"
        elif forced:
            reason = forced
        else:
            continue
        items.append({"kind": kind, "id": ident, "file": rel, "verified": day.isoformat() if day else None,
                      "months_old": old, "reason": reason})
    items.sort(key=lambda it: (it["verified"] is not None, it["verified"] or "", it["kind"], it["id"]))
    return items


# --- command bodies (``guichet kb check`` / ``guichet kb export``) --------------------------------------------------
def run_kb_check(path: str | Path | None = None) -> int:
    """Print every problem as ``file: field: message`` then a summary line; 1 if any problem, else 0."""
    root = _root(path)
    problems = check_all(root)
    for problem in problems:
        print(problem)
    if problems:
        files = len({p.file for p in problems})
        print(f"{len(problems)} problem(s) in {files} file(s) under {root}")
        return 1
    offers = len(list(_offers_dir(root).glob("*.yaml")))
    faq = load_faq(root)
    questions = sum(len(e.questions) for e in faq)
    print(f"OK: {offers} offers, {len(faq)} FAQ entries ({questions} questions), {len(ThemeId)} themes; no problem")
    return 0


def run_kb_export(path: str | Path | None = None) -> int:
    """Print all offers, FAQ entries and themes as one JSON document; 1 (and the problems on stderr) if invalid."""
    try:
        data = export_all(path)
    except KnowledgeDataError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    return 0
