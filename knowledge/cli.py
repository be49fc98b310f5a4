"""Bodies of the knowledge commands of ``guichet`` (``match``, ``faq``, ``commune``, ``kb check``, ``kb export``).

``bot.cli`` parses the flags and calls these functions; they return the process exit code. The JSON shapes are a
contract:

* match   → ``{"query", "results": [{"id", "name", "score", "reasons": [...], "warnings": [...]}], "unsure": bool}``
  (``unsure``: no offer clearly fits; ``results`` may still list weak candidates)
* faq     → ``{"query", "answer": {"id", "programme", "text", "source", "verified", "place", "member"} | null}``
  (``verified``: ISO date the information was last checked; ``place``: INSEE code or SIREN of the place the answer
  is about, else null; ``member``: true / false / null (unknown) for a place and a list)
* kb stale → ``{"months", "today", "items": [{"kind", "id", "file", "verified", "months_old", "reason"}]}``
* commune → ``{"query", "resolved": code | null, "candidates": [{"code", "name", "kind", "departement", "score"}]}``

``--stdin``: one query per line in, one JSON object per line out, same order, data loaded once. The deployment's
département is read from ``GUICHET_DEPARTEMENT`` when a command runs (this package may not import ``bot``).
Each command loads only what it needs (``commune`` does not read the offers or the FAQ).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Callable, Iterable, TextIO

EXIT_OK = 0
EXIT_USAGE = 2

# Console wording (French: shown to the people who run the commands).
_T = {
    "no_text": "Donnez un texte, ou --stdin pour lire une requête par ligne.",
    "no_result": "Aucune offre ne correspond.",
    "unsure": "Aucun dispositif ne correspond clairement : à faire regarder par une personne. Pistes possibles :",
    "no_answer": "Pas de réponse sûre dans la FAQ.",
    "no_commune": "Aucune collectivité trouvée.",
    "resolved": "Trouvé : {name} ({kind}, {code}, département {dep})",
    "ambiguous": "Plusieurs possibilités :",
    "outside": "(hors du département {dep})",
    "bad_commune": "Collectivité inconnue : {commune}",
    "ambiguous_commune": "« {commune} » peut désigner plusieurs collectivités : {names}. Donnez le code INSEE.",
    "source": "Source : {url}",
    "eligible_no": "non éligible",
    "eligible_unknown": "à vérifier",
    "stale_none": "Rien à revérifier : tout a été vérifié il y a moins de {months} mois.",
    "stale_count": "{count} élément(s) à revérifier (plus de {months} mois, sans date ou incertain).",
}


def _departement() -> str:
    dep = os.environ.get("GUICHET_DEPARTEMENT", "90").strip().upper() or "90"
    if dep.isdigit() and len(dep) == 1:
        dep = "0" + dep
    return dep


def _utf8(stream: TextIO) -> None:
    try:
        if (getattr(stream, "encoding", "") or "").lower().replace("-", "") != "utf8":
            stream.reconfigure(encoding="utf-8")  # type: ignore[attr-defined]
    except (AttributeError, ValueError):  # pragma: no cover - not a real text stream (tests, pipes)
        pass


def _emit(obj: dict[str, Any], out: TextIO) -> None:
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    out.flush()


def _lines(stream: TextIO) -> Iterable[str]:
    for line in stream:
        yield line.rstrip("\r\n")


def _run(
    text: str | None,
    json_out: bool,
    stdin: bool,
    compute: Callable[[str], dict[str, Any]],
    show: Callable[[dict[str, Any], TextIO], None],
) -> int:
    out = sys.stdout
    _utf8(out)
    if stdin:
        _utf8(sys.stdin)
        for line in _lines(sys.stdin):
            try:
                _emit(compute(line), out)
            except Exception as exc:  # noqa: BLE001 - one bad line must not stop the stream
                print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
                _emit({"query": line, "error": type(exc).__name__}, out)
        return EXIT_OK
    if text is None:
        print(_T["no_text"], file=sys.stderr)
        return EXIT_USAGE
    result = compute(text)
    if json_out:
        _emit(result, out)
    else:
        show(result, out)
    return EXIT_OK


def _data_errors(fn: Callable[..., int]) -> Callable[..., int]:
    """Invalid knowledge data: the problems on stderr and exit code 1, not a traceback."""

    def wrapper(*args: Any, **kwargs: Any) -> int:
        from knowledge.loader import KnowledgeDataError

        try:
            return fn(*args, **kwargs)
        except (KnowledgeDataError, OSError) as exc:
            print(str(exc), file=sys.stderr)
            return 1

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


# --- match ---------------------------------------------------------------------------------------------------------
def _load_matcher(dep: str) -> tuple[Any, Any]:
    from knowledge.loader import load_offers, load_themes
    from knowledge.search import Matcher
    from knowledge.territory import Territory

    territory = Territory.load(dep)
    return Matcher(load_offers(), load_themes(), territory=territory, departement=dep), territory


def _resolve_commune(commune: str | None, territory: Any) -> tuple[str | None, list[Any]]:
    """(code, candidates): an INSEE code or SIREN as given, or a name resolved in the referential; when nothing is
    resolved, the candidates (possibly none) to show."""
    if commune is None or not commune.strip():
        return None, []
    code = commune.strip().upper()
    if territory.place(code) is not None:
        return code, []
    resolution = territory.resolve(commune)
    return resolution.resolved, list(resolution.candidates)


@_data_errors
def run_match(
    text: str | None,
    commune: str | None = None,
    json_out: bool = False,
    stdin: bool = False,
    themes: list[str] | None = None,
) -> int:
    dep = _departement()
    if text is None and not stdin:
        print(_T["no_text"], file=sys.stderr)
        return EXIT_USAGE
    matcher, territory = _load_matcher(dep)
    code, candidates = _resolve_commune(commune, territory)
    if commune and commune.strip() and code is None:
        if candidates:
            names = ", ".join(f"{c.name} ({c.code})" for c in candidates[:5])
            print(_T["ambiguous_commune"].format(commune=commune, names=names), file=sys.stderr)
        else:
            print(_T["bad_commune"].format(commune=commune), file=sys.stderr)
        return EXIT_USAGE

    def compute(query: str) -> dict[str, Any]:
        from knowledge.warnings import one_warning

        outcome = matcher.match_with_confidence(query, commune_code=code, limit=10, themes=themes or None)
        return {
            "query": query,
            "results": [
                {"id": m.id, "name": m.name, "score": m.score, "reasons": list(m.reasons),
                 # at most one warning, the most important, as the dialogue shows it (issue 21)
                 "warnings": one_warning(matcher.offers.get(m.id), list(m.warnings))}
                for m in outcome.results
            ],
            "unsure": bool(outcome.unsure),
        }

    def show(result: dict[str, Any], out: TextIO) -> None:
        if not result["results"]:
            out.write(_T["no_result"] + "\n")
            return
        if result.get("unsure"):
            out.write(_T["unsure"] + "\n")
        for rank, r in enumerate(result["results"], 1):
            out.write(f"{rank:>2}. {r['name']} [{r['id']}]  {r['score']:.2f}\n")
            for reason in r["reasons"]:
                out.write(f"      + {reason}\n")
            for warning in r["warnings"]:
                out.write(f"      ! {warning}\n")

    return _run(text, json_out, stdin, compute, show)


# --- faq -----------------------------------------------------------------------------------------------------------
def _response_days() -> int | None:
    """GUICHET_RESPONSE_DAYS as the application reads it: unset or empty means no commitment (issue 21)."""
    raw = os.environ.get("GUICHET_RESPONSE_DAYS", "").strip()
    if not raw:
        return None
    try:
        return max(0, int(raw))
    except ValueError:
        return None


@_data_errors
def run_faq(text: str | None, json_out: bool = False, stdin: bool = False, commune: str | None = None) -> int:
    if text is None and not stdin:
        print(_T["no_text"], file=sys.stderr)
        return EXIT_USAGE
    from knowledge.base import KnowledgeBase

    dep = _departement()
    url = os.environ.get("GUICHET_PUBLIC_URL", "").strip().rstrip("/") or None
    kb = KnowledgeBase.load(dep, response_days=_response_days(), guichet_url=url)  # as the dialogue's kb.answer
    code, candidates = _resolve_commune(commune, kb.territory)
    if commune and commune.strip() and code is None:
        print(_T["bad_commune"].format(commune=commune), file=sys.stderr)
        return EXIT_USAGE

    def compute(query: str) -> dict[str, Any]:
        a = kb.answer(query, commune_code=code)
        answer = None
        if a is not None:
            answer = {"id": a.id, "programme": a.programme, "text": a.text, "source": a.source,
                      "verified": a.verified, "place": a.place, "member": a.member}
        return {"query": query, "answer": answer}

    def show(result: dict[str, Any], out: TextIO) -> None:
        a = result["answer"]
        if a is None:
            out.write(_T["no_answer"] + "\n")
            return
        label = f"[{a['id']}" + (f" · {a['programme']}]" if a["programme"] else "]")
        out.write(f"{label}\n{a['text']}\n{_T['source'].format(url=a['source'])}\n")

    return _run(text, json_out, stdin, compute, show)


# --- commune -------------------------------------------------------------------------------------------------------
@_data_errors
def run_commune(text: str | None, json_out: bool = False, stdin: bool = False) -> int:
    if text is None and not stdin:
        print(_T["no_text"], file=sys.stderr)
        return EXIT_USAGE
    from knowledge.territory import Territory

    dep = _departement()
    territory = Territory.load(dep)

    def compute(query: str) -> dict[str, Any]:
        r = territory.resolve(query)
        return {
            "query": query,
            "resolved": r.resolved,
            "candidates": [
                {"code": c.code, "name": c.name, "kind": c.kind, "departement": c.departement, "score": c.score}
                for c in r.candidates
            ],
        }

    def show(result: dict[str, Any], out: TextIO) -> None:
        cands = result["candidates"]
        if not cands:
            out.write(_T["no_commune"] + "\n")
            return
        if result["resolved"]:
            c = next((c for c in cands if c["code"] == result["resolved"]), cands[0])
            line = _T["resolved"].format(name=c["name"], kind=c["kind"], code=c["code"], dep=c["departement"])
            if c["departement"] != dep:
                line += " " + _T["outside"].format(dep=dep)
            out.write(line + "\n")
            return
        out.write(_T["ambiguous"] + "\n")
        for c in cands:
            out.write(f"  - {c['name']} ({c['kind']}, {c['code']}, {c['departement']})  {c['score']:.2f}\n")

    return _run(text, json_out, stdin, compute, show)


# --- kb ------------------------------------------------------------------------------------------------------------
def run_kb_check() -> int:
    from knowledge.loader import run_kb_check as _check

    return _check()


@_data_errors
def run_kb_stale(months: int = 12, json_out: bool = False, today: Any = None) -> int:
    """What to re-check, oldest first: offers, FAQ entries, membership lists and contacts last verified more than
    ``months`` months ago (or with no date), and offers whose status is uncertain."""
    from knowledge.loader import stale_items

    import datetime as dt

    day = today or dt.date.today()
    items = stale_items(months=months, today=day)
    out = sys.stdout
    _utf8(out)
    if json_out:
        _emit({"months": months, "today": day.isoformat(), "items": items}, out)
        return EXIT_OK
    if not items:
        out.write(_T["stale_none"].format(months=months) + "\n")
        return EXIT_OK
    for it in items:
        out.write(f"{it['verified'] or '----------'}  {it['kind']:<10} {it['id']:<40} {it['file']}  ({it['reason']})\n")
    out.write(_T["stale_count"].format(count=len(items), months=months) + "\n")
    return EXIT_OK


def run_kb_export() -> int:
    from knowledge.loader import run_kb_export as _export

    return _export()
