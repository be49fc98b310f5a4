#!/usr/bin/env python3
"""Quality figures of the knowledge side on the labelled sets, and ``docs/quality.md``.

Usage::

    .venv/bin/python scripts/eval_quality.py            # print the table, write docs/quality.md
    .venv/bin/python scripts/eval_quality.py --no-write # print only
    .venv/bin/python scripts/eval_quality.py --show-errors   # dev misses only: never tune on the held-out set
    .venv/bin/python scripts/eval_quality.py --dev-only      # no held-out set is read at all (while tuning)
    .venv/bin/python scripts/eval_quality.py --set-dir DIR   # only DIR's needs.yaml / faq.yaml (e.g. new data)

Sets: ``tests/data/dev/`` (tuned on) and ``tests/data/heldout/`` (never tuned on), each with ``needs.yaml``,
``faq.yaml`` and, where present, ``communes.yaml``.

Definitions
-----------
* needs top-1: the first result is in ``best`` when ``best`` is given, else in ``acceptable``.
* needs top-3: one of the first three results is in ``acceptable``.
* FAQ right offer (in scope): an answer is given and it is about the expected programme (``programme``), or, for a
  general question (``programme`` null), it is the expected ``entry``.
* FAQ right entry: an answer is given and it is the expected ``entry`` (questions where an entry is given).
* FAQ in-scope wrong answers: an answer is given but it is not right (the share of in-scope questions); refusals
  are not wrong answers.
* FAQ out-of-scope refused: no answer for a question labelled ``out_of_scope``.
* communes resolved: ``resolved`` equals the expected code; for a query labelled ambiguous/unknown (expected
  null), no resolution and, when ``candidates`` are listed, each of them among the candidates.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SETS = {"dev": ROOT / "tests" / "data" / "dev", "held-out": ROOT / "tests" / "data" / "heldout"}
#: Real texts written by collectivités (issue 11): ``dev.yaml`` tuned on, ``heldout.yaml`` never.
REAL_DIR = ROOT / "tests" / "data" / "real"
REAL_SETS = {"real dev": REAL_DIR / "dev.yaml", "real held-out": REAL_DIR / "heldout.yaml"}
REAL_TARGETS = {"top1": 0.80, "top3": 0.97, "nofit_unsure": 0.75, "fit_unsure_max": 0.05}  # issue 18
TARGETS = {
    "needs_top1": 0.90,  # issue 18 (chat-style)
    "needs_top3": 1.00,
    "faq_right_offer": 0.95,
    "faq_oos_refused": 0.90,
    "communes": 0.95,
}


@dataclass
class Figures:
    name: str
    needs_n: int = 0
    needs_top1: float | None = None
    needs_top3: float | None = None
    faq_in_n: int = 0
    faq_oos_n: int = 0
    faq_right_offer: float | None = None
    faq_right_entry: float | None = None
    faq_wrong: float | None = None
    faq_oos_refused: float | None = None
    communes_n: int = 0
    communes: float | None = None
    errors: list[str] = field(default_factory=list)


def _load(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if isinstance(data, dict):  # tolerate {items: [...]} or {needs: [...]}
        for value in data.values():
            if isinstance(value, list):
                return value
        return []
    return list(data)


def _ids(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def eval_needs(kb: Any, items: list[dict[str, Any]], errors: list[str] | None = None) -> tuple[float, float, int]:
    top1 = top3 = 0
    for item in items:
        text = str(item.get("text", ""))
        commune = item.get("commune")
        acceptable = set(_ids(item.get("acceptable")))
        best = set(_ids(item.get("best"))) or acceptable
        results = [m.id for m in kb.match(text, commune_code=str(commune) if commune else None, limit=10)]
        ok1 = bool(results) and results[0] in best
        ok3 = any(r in acceptable for r in results[:3])
        top1 += ok1
        top3 += ok3
        if errors is not None and not (ok1 and ok3):
            errors.append(f"need  {'top1' if not ok1 else 'top3'} miss: {text[:70]!r} -> {results[:3]} (best {sorted(best)})")
    n = len(items)
    return (top1 / n if n else 0.0), (top3 / n if n else 0.0), n


@dataclass
class RealFigures:
    name: str
    fit_n: int = 0
    nofit_n: int = 0
    skipped: int = 0
    top1: float | None = None
    top3: float | None = None
    nofit_unsure: float | None = None
    fit_unsure: float | None = None
    empty: int = 0
    errors: list[str] = field(default_factory=list)


def load_real(path: Path) -> list[dict[str, Any]]:
    """Items of a real-text set (``tests/data/real/*.yaml``); bad entries are left out."""
    return [i for i in _load(path) if isinstance(i, dict) and isinstance(i.get("text"), str)]


def known_labels(item: dict[str, Any], known: set[str]) -> tuple[set[str], set[str]]:
    """(acceptable, best) restricted to the offers of the loaded base: ids another branch adds are ignored."""
    acceptable = set(_ids(item.get("acceptable"))) | set(_ids(item.get("best")))
    best = set(_ids(item.get("best"))) or acceptable
    return acceptable & known, best & known


def match_outcome(kb: Any, text: str, commune: Any, limit: int = 10) -> tuple[list[str], bool]:
    """(offer ids, unsure) as the guichet computes them."""
    result = kb.match_with_confidence(text, commune_code=str(commune) if commune else None, limit=limit)
    return [m.id for m in result.results], bool(result.unsure)


def eval_real(kb: Any, name: str, items: list[dict[str, Any]], errors: list[str] | None = None) -> RealFigures:
    """top-1/top-3 over the needs an offer fits, and how often the guichet says it is unsure (no-fit and fitting)."""
    fig = RealFigures(name)
    errors = fig.errors if errors is None else errors
    known = set(kb.offers)
    t1 = t3 = fit_unsure = nofit_unsure = 0
    for item in items:
        text = str(item["text"])
        ranked, unsure = match_outcome(kb, text, item.get("commune"))
        fig.empty += not ranked
        if item.get("nofit"):
            fig.nofit_n += 1
            nofit_unsure += unsure
            if errors is not None and not unsure:
                errors.append(f"real  no-fit said sure: {text[:70]!r} -> {ranked[:3]}")
            continue
        acceptable, best = known_labels(item, known)
        if not acceptable:
            fig.skipped += 1
            continue
        fig.fit_n += 1
        ok1 = bool(ranked) and ranked[0] in best
        ok3 = any(r in acceptable for r in ranked[:3])
        t1 += ok1
        t3 += ok3
        fit_unsure += unsure
        if errors is not None and not (ok1 and ok3 and not unsure):
            what = "top3" if not ok3 else ("top1" if not ok1 else "unsure")
            errors.append(f"real  {what} miss: {text[:70]!r} -> {ranked[:3]} (best {sorted(best)})")
    if fig.fit_n:
        fig.top1, fig.top3, fig.fit_unsure = t1 / fig.fit_n, t3 / fig.fit_n, fit_unsure / fig.fit_n
    if fig.nofit_n:
        fig.nofit_unsure = nofit_unsure / fig.nofit_n
    return fig


def real_table(figs: list[RealFigures]) -> str:
    def mark(value: float | None, key: str) -> str:
        if value is None:
            return ""
        ok = value <= REAL_TARGETS[key] if key.endswith("_max") else value >= REAL_TARGETS[key]
        return " ✓" if ok else " ✗"

    rows = [
        ("top-1 (needs an offer fits)", "≥ 80 %", lambda f: _pct(f.top1) + mark(f.top1, "top1")),
        ("top-3", "≥ 97 %", lambda f: _pct(f.top3) + mark(f.top3, "top3")),
        ("no-fit needs said unsure", "≥ 75 %", lambda f: _pct(f.nofit_unsure) + mark(f.nofit_unsure, "nofit_unsure")),
        ("fitting needs said unsure", "≤ 5 %", lambda f: _pct(f.fit_unsure) + mark(f.fit_unsure, "fit_unsure_max")),
        ("needs (fitting / no-fit)", "", lambda f: f"{f.fit_n} / {f.nofit_n}"),
        ("empty answers", "0", lambda f: str(f.empty)),
    ]
    lines = ["| figure | target | " + " | ".join(f.name for f in figs) + " |", "|---|---|" + "---|" * len(figs)]
    for label, target, fn in rows:
        lines.append(f"| {label} | {target} | " + " | ".join(fn(f) for f in figs) + " |")
    return "\n".join(lines)


def eval_faq(kb: Any, items: list[dict[str, Any]], errors: list[str] | None = None) -> dict[str, Any]:
    in_scope = [i for i in items if not i.get("out_of_scope")]
    oos = [i for i in items if i.get("out_of_scope")]
    right_offer = right_entry = entry_n = wrong = 0
    for item in in_scope:
        a = kb.answer(str(item.get("text", "")))
        programme, entry = item.get("programme"), item.get("entry")
        if programme:
            ok = a is not None and a.programme == programme
        else:
            ok = a is not None and a.programme is None and (entry is None or a.id == entry)
        right_offer += ok
        if entry:
            entry_n += 1
            right_entry += a is not None and a.id == entry
        if a is not None and not ok:
            wrong += 1
        if errors is not None and not ok:
            got = None if a is None else f"{a.id} ({a.programme})"
            errors.append(f"faq   {'refused' if a is None else 'WRONG'}: {item.get('text')!r} -> {got} (want {programme or entry})")
    refused = 0
    for item in oos:
        a = kb.answer(str(item.get("text", "")))
        refused += a is None
        if errors is not None and a is not None:
            errors.append(f"faq   out of scope answered: {item.get('text')!r} -> {a.id}")
    return {
        "in_n": len(in_scope),
        "oos_n": len(oos),
        "right_offer": right_offer / len(in_scope) if in_scope else None,
        "right_entry": right_entry / entry_n if entry_n else None,
        "wrong": wrong / len(in_scope) if in_scope else None,
        "oos_refused": refused / len(oos) if oos else None,
    }


def _expected_code(item: dict[str, Any]) -> Any:
    for key in ("code", "expected", "resolved", "insee", "siren"):
        if key in item:
            return item[key]
    return None


def eval_communes(kb: Any, items: list[dict[str, Any]], errors: list[str] | None = None) -> tuple[float, int]:
    ok_n = 0
    for item in items:
        text = str(item.get("text", item.get("query", "")))
        expected = _expected_code(item)
        r = kb.resolve(text)
        if expected:
            ok = r.resolved == str(expected)
        else:
            wanted = set(_ids(item.get("candidates")))
            got = {c.code for c in r.candidates}
            ok = r.resolved is None and wanted <= got
        ok_n += ok
        if errors is not None and not ok:
            errors.append(f"commune miss: {text!r} -> {r.resolved} {[c.code for c in r.candidates[:3]]} (want {expected})")
    n = len(items)
    return (ok_n / n if n else 0.0), n


def evaluate(kb: Any, name: str, directory: Path) -> Figures:
    fig = Figures(name)
    needs = _load(directory / "needs.yaml")
    if needs:
        fig.needs_top1, fig.needs_top3, fig.needs_n = eval_needs(kb, needs, fig.errors)
    faq = _load(directory / "faq.yaml")
    if faq:
        r = eval_faq(kb, faq, fig.errors)
        fig.faq_in_n, fig.faq_oos_n = r["in_n"], r["oos_n"]
        fig.faq_right_offer, fig.faq_right_entry = r["right_offer"], r["right_entry"]
        fig.faq_wrong, fig.faq_oos_refused = r["wrong"], r["oos_refused"]
    communes = _load(directory / "communes.yaml")
    if communes:
        fig.communes, fig.communes_n = eval_communes(kb, communes, fig.errors)
    return fig


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def _mark(value: float | None, key: str) -> str:
    if value is None:
        return ""
    return " ✓" if value >= TARGETS[key] else " ✗"


def table(figs: list[Figures]) -> str:
    head = "| figure | target | " + " | ".join(f"{f.name}" for f in figs) + " |"
    sep = "|---|---|" + "---|" * len(figs)
    rows = [
        ("needs → offers, top-1", "≥ 90 %", lambda f: _pct(f.needs_top1) + _mark(f.needs_top1, "needs_top1")),
        ("needs → offers, top-3", "100 %", lambda f: _pct(f.needs_top3) + _mark(f.needs_top3, "needs_top3")),
        ("needs (count)", "", lambda f: str(f.needs_n)),
        ("FAQ: right offer (in scope)", "≥ 95 %", lambda f: _pct(f.faq_right_offer) + _mark(f.faq_right_offer, "faq_right_offer")),
        ("FAQ: right entry (where labelled)", "", lambda f: _pct(f.faq_right_entry)),
        ("FAQ: wrong answers (in scope)", "low", lambda f: _pct(f.faq_wrong)),
        ("FAQ: out of scope refused", "≥ 90 %", lambda f: _pct(f.faq_oos_refused) + _mark(f.faq_oos_refused, "faq_oos_refused")),
        ("FAQ (in scope / out of scope)", "", lambda f: f"{f.faq_in_n} / {f.faq_oos_n}"),
        ("communes/EPCI resolved", "≥ 95 %", lambda f: _pct(f.communes) + _mark(f.communes, "communes")),
        ("communes (count)", "", lambda f: str(f.communes_n)),
    ]
    lines = [head, sep]
    for label, target, fn in rows:
        lines.append(f"| {label} | {target} | " + " | ".join(fn(f) for f in figs) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-write", action="store_true", help="print only, do not write docs/quality.md")
    parser.add_argument("--show-errors", action="store_true", help="list every miss of the dev set")
    parser.add_argument(
        "--show-heldout-errors", action="store_true", help="also list the held-out misses (looking at them is tuning on them)"
    )
    parser.add_argument("--out", default=str(ROOT / "docs" / "quality.md"))
    parser.add_argument(
        "--write-real-only", action="store_true", help="rewrite only the real-text table of docs/quality.md"
    )
    parser.add_argument(
        "--dev-only", action="store_true",
        help="dev sets only: no held-out set is read (needs, FAQ, communes, real texts, kinds of message); never writes",
    )
    parser.add_argument(
        "--set-dir", default=None,
        help="evaluate only the needs.yaml / faq.yaml / communes.yaml of this directory (implies --dev-only, --no-acts)",
    )
    parser.add_argument(
        "--ablation", action="store_true", help="dev sets only: the matcher with each part of the agent's reading off"
    )
    parser.add_argument("--lexical", action="store_true", help="without the sentence encoder (the lexical path)")
    parser.add_argument("--no-acts", action="store_true", help="leave the kinds of message out")
    args = parser.parse_args(argv)
    if args.set_dir:
        args.dev_only = args.no_acts = True
    if args.dev_only:
        args.no_write = True  # a partial table must not overwrite the published one

    from knowledge.base import KnowledgeBase

    kb = KnowledgeBase.load(departement=os.environ.get("GUICHET_DEPARTEMENT", "90"), semantic=not args.lexical)
    engine = f" ({getattr(kb.hybrid.encoder, 'engine', '?')} engine)" if kb.hybrid and not args.lexical else ""
    print(f"encoder: {'off (--lexical)' if args.lexical else kb.hybrid.encoder.model_id if kb.hybrid else 'none'}{engine}")
    if args.ablation:
        kb.hybrid = None
        print(ablation(kb))
        return 0
    acts_text = "" if args.no_acts else acts_table(args.lexical, heldout=not args.dev_only)
    if acts_text:
        print("\nKinds of message (issue 18):\n" + acts_text)
    if args.set_dir:
        sets = {Path(args.set_dir).name: Path(args.set_dir)}
    else:
        sets = {name: path for name, path in SETS.items() if not (args.dev_only and name != "dev")}
    figs = [evaluate(kb, name, path) for name, path in sets.items() if path.exists()]
    text = table(figs)
    print(text)
    real = [
        eval_real(kb, name, load_real(path))
        for name, path in REAL_SETS.items()
        if path.exists() and not (args.dev_only and "held-out" in name) and not args.set_dir
    ]
    real_text = real_table(real) if real else ""
    if real_text:
        print("\nReal texts (issue 11):\n" + real_text)
    if args.show_errors:
        for f in [*figs, *real]:
            if "held-out" in f.name and not args.show_heldout_errors:
                continue
            print(f"\n## {f.name}: {len(f.errors)} miss(es)")
            for e in f.errors:
                print("  " + e)
    if args.write_real_only and real_text:
        write_real_doc(Path(args.out), real_text, kb)
    elif not args.no_write:
        write_doc(Path(args.out), text, figs, kb)
        if real_text:
            write_real_doc(Path(args.out), real_text, kb)
        if acts_text:
            write_block(Path(args.out), "acts", acts_text, "`.venv/bin/python scripts/eval_quality.py`")
        print(f"\nwrote {args.out}")
    return 0


def write_doc(path: Path, text: str, figs: list[Figures], kb: Any) -> None:
    today = dt.date.today().isoformat()
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    marker_start, marker_end = "<!-- figures:start -->", "<!-- figures:end -->"
    block = (
        f"{marker_start}\n"
        f"Measured on {today} ({platform.python_implementation()} {platform.python_version()}, "
        f"{len(kb.offers)} offers, {len(kb.faq)} FAQ entries, département {kb.departement}).\n\n"
        f"{text}\n\n"
        "Reproduce: `.venv/bin/python scripts/eval_quality.py` (add `--show-errors` to list every miss).\n"
        f"{marker_end}"
    )
    if marker_start in existing and marker_end in existing:
        before = existing.split(marker_start)[0]
        after = existing.split(marker_end, 1)[1]
        path.write_text(before + block + after, encoding="utf-8")
    else:
        path.write_text(block + "\n", encoding="utf-8")


def ablation(kb: Any) -> str:
    """Dev sets only (chat-style and real): top-1 / top-3 / unsure with every part of the reading, then each off."""
    from knowledge.search import FEATURES, Matcher

    chat = _load(SETS["dev"] / "needs.yaml")
    real = load_real(REAL_SETS["real dev"])
    base_matcher = kb.matcher
    lines = [
        "| matcher | chat dev top-1 | chat dev top-3 | real dev top-1 | real dev top-3 | no-fit unsure | fitting unsure |",
        "|---|---|---|---|---|---|---|",
    ]
    variants = [("all parts", FEATURES), *((f"without {f}", tuple(x for x in FEATURES if x != f)) for f in FEATURES),
                ("none (issue 10 matcher + unsure)", ())]
    try:
        for label, feats in variants:
            kb.matcher = Matcher(kb.offers, kb.themes, territory=kb.territory, departement=kb.departement,
                                 features=feats)
            t1, t3, _ = eval_needs(kb, chat)
            r = eval_real(kb, "real dev", real, [])
            lines.append(f"| {label} | {_pct(t1)} | {_pct(t3)} | {_pct(r.top1)} | {_pct(r.top3)} | "
                         f"{_pct(r.nofit_unsure)} | {_pct(r.fit_unsure)} |")
    finally:
        kb.matcher = base_matcher
    return "\n".join(lines)


ACTS_DEV = ROOT / "tests" / "data" / "acts" / "dev.yaml"
ACTS_HELDOUT = ROOT / "tests" / "data" / "heldout" / "acts.yaml"


def acts_table(lexical: bool = False, heldout: bool = True) -> str:
    """Kinds of message: dev by 5-fold cross-validation of the learned reader (the shipped model is fitted on the
    whole dev set, so it cannot be scored on it), held-out by the shipped reader: aggregate figures only."""
    import numpy as np

    from intents import acts as A
    from intents import encoder as E
    from scripts.fit_acts import calibrate, softmax_oof

    if lexical:
        E.configure(backend="none")
    A.reset()
    examples = A.default_examples()
    y = np.array([A.ACTS.index(e.act) for e in examples])
    Sf = np.array([A.surface_features(e.text, e.step) for e in examples])
    model = A.get_model()
    params = A.load_params()
    if not lexical and model.vectors is not None:
        scale = float(model.softmax["encoder"][2]) if "encoder" in model.softmax else 3.0
        X = np.hstack([model.vectors * scale, Sf])
        l2, temperature = float(params.get("l2", 1e-3)), float(params.get("T", 1.0))
    else:
        X = Sf
        l2, temperature = float(params.get("lex_l2", 1e-3)), float(params.get("lex_T", 1.0))
    P = calibrate(softmax_oof(X, y, [e.text for e in examples], l2=l2), temperature)  # as fit_acts.py did
    pred, conf = P.argmax(1), P.max(1)
    dev_acc = float(np.mean(pred == y))
    threshold = float(A.load_params().get("unsure_below", 0.5))
    dev_unsure = float(np.mean(conf < threshold))
    dev_sure_acc = float(np.mean((pred == y)[conf >= threshold])) if (conf >= threshold).any() else 0.0
    held = A.read_examples(ACTS_HELDOUT) if heldout and ACTS_HELDOUT.exists() else []
    readings = [A.classify(e.text, e.step) for e in held]
    h_acc = float(np.mean([r.act == e.act for r, e in zip(readings, held)])) if held else None
    h_unsure = float(np.mean([r.unsure for r in readings])) if held else None
    h_sure = [r.act == e.act for r, e in zip(readings, held) if not r.unsure]
    h_sure_acc = float(np.mean(h_sure)) if h_sure else None
    h_top2 = float(np.mean([e.act in [a for a, _ in r.ranked[:2]] for r, e in zip(readings, held)])) if held else None
    if lexical:
        E.configure()
        A.reset()

    def pct(v: float | None) -> str:
        return "–" if v is None else f"{v * 100:.1f} %"

    mark = "" if h_acc is None else (" ✓" if h_acc >= 0.90 else " ✗")
    return "\n".join([
        "| figure | target | dev (5-fold CV) | held-out |",
        "|---|---|---|---|",
        f"| kind of message right | ≥ 90 % | {pct(dev_acc)} | {pct(h_acc)}{mark} |",
        f"| right kind among the top two (the buttons) |  | – | {pct(h_top2)} |",
        f"| said unsure (confidence < {threshold:.2f}: the short question) |  | {pct(dev_unsure)} | {pct(h_unsure)} |",
        f"| right when not unsure |  | {pct(dev_sure_acc)} | {pct(h_sure_acc)} |",
        f"| messages |  | {len(examples)} | {len(held)} |",
    ])


def write_block(path: Path, name: str, text: str, command: str) -> None:
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if start not in existing or end not in existing:
        return
    block = f"{start}\nMeasured on {dt.date.today().isoformat()}.\n\n{text}\n\nReproduce: {command}.\n{end}"
    before, rest = existing.split(start, 1)
    path.write_text(before + block + rest.split(end, 1)[1], encoding="utf-8")


def write_real_doc(path: Path, text: str, kb: Any) -> None:
    """The real-text table, between its own markers in the "Issue 11 — real texts" section (left as is when absent)."""
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    start, end = "<!-- real:start -->", "<!-- real:end -->"
    if start not in existing or end not in existing:
        return
    block = (
        f"{start}\nMeasured on {dt.date.today().isoformat()} ({len(kb.offers)} offers, département {kb.departement}).\n\n"
        f"{text}\n\nReproduce: `.venv/bin/python scripts/eval_quality.py` (`--show-errors` lists the real dev misses).\n{end}"
    )
    before, rest = existing.split(start, 1)
    path.write_text(before + block + rest.split(end, 1)[1], encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
