#!/usr/bin/env python3
"""Fit the fusion of the lexical and semantic scores (``knowledge/hybrid.py``) on the DEV sets only.

Usage::

    .venv/bin/python scripts/fit_fusion.py            # 5-fold cross-validation figures, then fit and write
    .venv/bin/python scripts/fit_fusion.py --no-write # figures only
    GUICHET_ENCODER=use .venv/bin/python scripts/fit_fusion.py   # coefficients for the other encoder

Data: ``tests/data/dev/needs.yaml`` (chat-style) and ``tests/data/real/dev.yaml`` (real texts; its no-fit lines train
the ``unsure`` model). The held-out sets are never read here.

Ranking model: logistic regression over (need, offer) pairs, features standardised, L2-penalised, label 1 for a
``best`` offer, 0.5 for an acceptable one that is not best, 0 otherwise. Unsure model: logistic regression over the
need's lexical confidence and its best offer's fused and semantic scores, label 1 when an offer fits; its threshold
is the highest one that keeps the dev needs that fit said unsure at most ``--max-fit-unsure`` (3 %).
Writes ``knowledge/data/fusion.json`` under the encoder's model id (other encoders' coefficients are kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from intents import encoder as E  # noqa: E402
from knowledge.hybrid import FEATURES, FUSION_FILE, UNSURE_FEATURES, HybridMatcher, load_fusion  # noqa: E402

CHAT_DEV = ROOT / "tests" / "data" / "dev" / "needs.yaml"
REAL_DEV = ROOT / "tests" / "data" / "real" / "dev.yaml"


def _ids(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def load_needs(known: set[str]) -> list[dict[str, Any]]:
    out = []
    for path, kind in ((CHAT_DEV, "chat"), (REAL_DEV, "real")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            acceptable = {i for i in _ids(item.get("acceptable")) if i in known}
            best = {i for i in _ids(item.get("best")) if i in known} or acceptable
            nofit = bool(item.get("nofit"))
            if not nofit and not acceptable:
                continue
            out.append({"text": str(item["text"]), "commune": str(item["commune"]) if item.get("commune") else None,
                        "acceptable": acceptable, "best": best, "nofit": nofit, "kind": kind})
    return out


def fit_logistic(X: np.ndarray, y: np.ndarray, w: np.ndarray | None = None, l2: float = 1e-2,
                 iters: int = 3000, lr: float = 0.5) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale == 0] = 1.0
    Z = (X - mean) / scale
    n, d = Z.shape
    w = np.ones(n) if w is None else w
    w = w / w.sum()
    coef = np.zeros(d)
    bias = 0.0
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(Z @ coef + bias)))
        g = p - y
        coef -= lr * (Z.T @ (w * g) + l2 * coef)
        bias -= lr * float((w * g).sum())
    return coef, bias, mean, scale


def score(X: np.ndarray, coef: np.ndarray, bias: float, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(((X - mean) / scale) @ coef + bias)))


FAQ_DEV = ROOT / "tests" / "data" / "dev" / "faq.yaml"


def fit_faq(kb: Any, enc: Any, l2: float, max_wrong: float, min_oos: float) -> dict[str, Any]:
    """The FAQ fusion (``knowledge/faq_semantic.py``) on ``tests/data/dev/faq.yaml``."""
    from knowledge.faq_semantic import FEATURES as FAQ_FEATURES
    from knowledge.faq_semantic import SemanticFaq

    sem = SemanticFaq(kb.faq_index, enc, fusion={})
    entries = kb.faq_index.entries
    items = yaml.safe_load(FAQ_DEV.read_text(encoding="utf-8")) or []
    rows = []
    for item in items:
        feats = sem.features(str(item["text"]))
        programme, entry = item.get("programme"), item.get("entry")
        oos = bool(item.get("out_of_scope"))

        def right(i: int, programme: Any = programme, entry: Any = entry, oos: bool = oos) -> bool:
            e = entries[i]
            if oos:
                return False
            if programme:
                return e.programme == programme
            return e.programme is None and (entry is None or e.id == entry)

        y = [1.0 if (not oos and (entries[i].id == entry or (right(i) and entry is None))) else
             0.5 if right(i) else 0.0 for i, _ in feats]
        rows.append((item, feats, np.array(y), oos, right))
    X = np.vstack([np.array([f for _, f in r[1]]) for r in rows])
    Y = np.concatenate([r[2] for r in rows])
    coef, bias, mean, scale = fit_logistic(X, Y, l2=l2)
    tops = []
    for item, feats, _, oos, right in rows:
        p = score(np.array([f for _, f in feats]), coef, bias, mean, scale)
        j = int(np.argmax(p))
        tops.append((float(p[j]), right(feats[j][0]), oos))
    in_n = sum(1 for t in tops if not t[2])
    oos_n = sum(1 for t in tops if t[2])
    best_t, best_right = 0.5, -1.0
    for t in sorted({round(p, 6) for p, _, _ in tops}) + [1.0]:
        rt = sum(1 for p, ok, o in tops if not o and ok and p >= t) / in_n
        wrong = sum(1 for p, ok, o in tops if not o and not ok and p >= t) / in_n
        refused = sum(1 for p, ok, o in tops if o and p < t) / max(1, oos_n)
        if wrong <= max_wrong and refused >= min_oos and rt > best_right:
            best_t, best_right = float(t), rt
    wrong = sum(1 for p, ok, o in tops if not o and not ok and p >= best_t) / in_n
    refused = sum(1 for p, ok, o in tops if o and p < best_t) / max(1, oos_n)
    print(f"FAQ fusion on {in_n} in-scope / {oos_n} out-of-scope dev questions, threshold {best_t:.2f}: right "
          f"{best_right * 100:.1f} %, wrong {wrong * 100:.1f} %, out of scope refused {refused * 100:.1f} % "
          "(fitted on these: optimistic)")
    print("FAQ weights:", {f: round(float(c), 3) for f, c in zip(FAQ_FEATURES, coef)}, "bias", round(bias, 3))
    return {
        "fitted": dt.date.today().isoformat(), "by": "scripts/fit_fusion.py", "data": "tests/data/dev/faq.yaml",
        "features": list(FAQ_FEATURES), "weights": [round(float(c), 6) for c in coef], "bias": round(float(bias), 6),
        "mean": [round(float(v), 6) for v in mean], "scale": [round(float(v), 6) for v in scale],
        "threshold": round(best_t, 4), "followup_threshold": round(best_t, 4),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--l2", type=float, default=1e-2)
    ap.add_argument("--max-fit-unsure", type=float, default=0.03)
    ap.add_argument("--only", choices=("needs", "faq"), default=None, help="fit one of the two models")
    ap.add_argument("--faq-max-wrong", type=float, default=0.02)
    ap.add_argument("--faq-min-oos", type=float, default=0.95)
    args = ap.parse_args(argv)

    from knowledge.base import KnowledgeBase

    E.configure()
    enc = E.get_encoder()
    if enc is None:
        print("no encoder loaded:", E.status(), file=sys.stderr)
        return 1
    kb = KnowledgeBase.load("90", semantic=False)
    if args.only == "faq":
        faq_model = fit_faq(kb, enc, args.l2, args.faq_max_wrong, args.faq_min_oos)
        if not args.no_write:
            fusion = load_fusion()
            fusion.setdefault("faq", {})[enc.model_id] = faq_model
            FUSION_FILE.write_text(json.dumps(fusion, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            print("written", FUSION_FILE.relative_to(ROOT))
        return 0
    hybrid = HybridMatcher(kb.matcher, enc, fusion={})
    needs = load_needs(set(hybrid.ids))
    rows = []  # per need: ids, X, lexical confidence, similarities
    for item in needs:
        feats, lexical, sims = hybrid.features(item["text"], item["commune"])
        ids = list(feats)
        rows.append({"ids": ids, "X": np.array([feats[i] for i in ids]), "lex_conf": lexical.confidence,
                     "lex_order": [m.id for m in lexical.results], "sims": sims})
    print(f"encoder {enc.model_id}: {len(needs)} dev needs ({sum(n['nofit'] for n in needs)} no-fit)")

    def labels(item: dict[str, Any], ids: list[str]) -> np.ndarray:
        return np.array([1.0 if i in item["best"] else 0.5 if i in item["acceptable"] else 0.0 for i in ids])

    fit_idx = [k for k, n in enumerate(needs) if not n["nofit"]]
    rng = np.random.default_rng(18)
    order = rng.permutation(fit_idx)
    folds = [order[f :: args.folds] for f in range(args.folds)]

    def train(idx: list[int]) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
        X = np.vstack([rows[k]["X"] for k in idx])
        y = np.concatenate([labels(needs[k], rows[k]["ids"]) for k in idx])
        return fit_logistic(X, y, l2=args.l2)

    def ranks(k: int, model: tuple) -> list[str]:
        p = score(rows[k]["X"], *model)
        return [rows[k]["ids"][j] for j in np.argsort(-p, kind="stable")]

    cv: dict[str, list[tuple[bool, bool, bool, bool]]] = {"chat": [], "real": []}
    for f in range(args.folds):
        test = set(folds[f].tolist())
        model = train([k for k in fit_idx if k not in test])
        for k in test:
            n = needs[k]
            fused, lex = ranks(k, model), rows[k]["lex_order"]
            cv[n["kind"]].append((fused[0] in n["best"], any(i in n["acceptable"] for i in fused[:3]),
                                  bool(lex) and lex[0] in n["best"], any(i in n["acceptable"] for i in lex[:3])))
    for kind, res in cv.items():
        a = np.array(res, dtype=float).mean(axis=0) * 100
        print(f"{kind} dev ({len(res)}), {args.folds}-fold CV: fused top-1 {a[0]:.1f} % top-3 {a[1]:.1f} %"
              f"  | lexical top-1 {a[2]:.1f} % top-3 {a[3]:.1f} %")

    coef, bias, mean, scale = train(fit_idx)
    print("ranking weights (standardised):", {f: round(float(c), 3) for f, c in zip(FEATURES, coef)},
          "bias", round(bias, 3))

    # unsure model, on the fused model's top offer
    UX, Uy = [], []
    for k, n in enumerate(needs):
        p = score(rows[k]["X"], coef, bias, mean, scale)
        j = int(np.argmax(p))
        oid = rows[k]["ids"][j]
        doc, phr, _ = rows[k]["sims"]
        kk = hybrid.ids.index(oid)
        UX.append([rows[k]["lex_conf"], float(p[j]), float(rows[k]["X"][j][3]), float(phr[kk]), float(doc[kk])])
        Uy.append(0.0 if n["nofit"] else 1.0)
    UX_a, Uy_a = np.array(UX), np.array(Uy)
    cw = np.where(Uy_a == 0, (Uy_a == 1).sum() / max(1, (Uy_a == 0).sum()), 1.0)
    ucoef, ubias, umean, uscale = fit_logistic(UX_a, Uy_a, w=cw, l2=0.05)
    up = score(UX_a, ucoef, ubias, umean, uscale)
    fit_p = np.sort(up[Uy_a == 1])
    allowed = int(np.floor(args.max_fit_unsure * len(fit_p)))
    threshold = float(fit_p[allowed]) if allowed < len(fit_p) else 0.5  # at most `allowed` fitting needs below
    nofit_unsure = float((up[Uy_a == 0] < threshold).mean() * 100) if (Uy_a == 0).any() else float("nan")
    fit_unsure = float((up[Uy_a == 1] < threshold).mean() * 100)
    print("unsure weights:", {f: round(float(c), 3) for f, c in zip(UNSURE_FEATURES, ucoef)},
          f"threshold {threshold:.3f}: dev no-fit said unsure {nofit_unsure:.1f} %, fitting said unsure {fit_unsure:.1f} %"
          " (fitted on these: optimistic)")

    if args.no_write:
        return 0
    fusion = load_fusion()
    fusion.setdefault("models", {})[enc.model_id] = {
        "fitted": dt.date.today().isoformat(),
        "by": "scripts/fit_fusion.py",
        "data": "tests/data/dev/needs.yaml + tests/data/real/dev.yaml",
        "features": list(FEATURES),
        "weights": [round(float(c), 6) for c in coef],
        "bias": round(float(bias), 6),
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "unsure": {
            "features": list(UNSURE_FEATURES),
            "weights": [round(float(c), 6) for c in ucoef],
            "bias": round(float(ubias), 6),
            "mean": [round(float(v), 6) for v in umean],
            "scale": [round(float(v), 6) for v in uscale],
            "threshold": round(threshold, 6),
        },
    }
    FUSION_FILE.write_text(json.dumps(fusion, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print("written", FUSION_FILE.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
