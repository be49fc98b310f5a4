#!/usr/bin/env python3
"""Fit the fusion of the lexical and semantic scores (``knowledge/hybrid.py``) on the DEV sets only.

Usage::

    .venv/bin/python scripts/fit_fusion.py            # 5-fold cross-validation figures, then fit and write
    .venv/bin/python scripts/fit_fusion.py --no-write # figures only
    GUICHET_ENCODER=use .venv/bin/python scripts/fit_fusion.py   # coefficients for the other encoder

Data: ``tests/data/dev/needs.yaml`` (chat-style) and ``tests/data/real/dev.yaml`` (real texts; its no-fit lines train
the ``unsure`` model). The held-out sets are never read here.

Features: the matcher's and the encoder's (``knowledge.hybrid.BASE_FEATURES``) and the votes of the nearest labelled
dev needs (``EXAMPLE_FEATURES``; leave-one-out when fitting, the test fold left out of the examples in
cross-validation). The feature set, the L2 penalty and the number of voting neighbours are chosen by 5-fold
cross-validation (top-1 over every dev need an offer fits); the examples are written to
``knowledge/data/need_examples.yaml``. The FAQ likewise (``--only faq``; ``knowledge/data/faq_examples.yaml``), its
answer threshold chosen on the training folds in cross-validation.

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
from knowledge import hybrid as H  # noqa: E402
from knowledge.hybrid import FUSION_FILE, UNSURE_FEATURES, HybridMatcher, load_fusion  # noqa: E402

CHAT_DEV = ROOT / "tests" / "data" / "dev" / "needs.yaml"
REAL_DEV = ROOT / "tests" / "data" / "real" / "dev.yaml"


def _ids(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


NEW_PART = "# --- Third part, added 2026-12-06"  # the blind writer's data, added after main 45f867c


def _first_items(path: Path) -> int:
    """How many items come before the third part's header (the rest are reported apart as « new »)."""
    text = path.read_text(encoding="utf-8")
    return len(yaml.safe_load(text.split(NEW_PART)[0]) or []) if NEW_PART in text else 10**9


def load_needs(known: set[str]) -> list[dict[str, Any]]:
    out = []
    for path, kind in ((CHAT_DEV, "chat"), (REAL_DEV, "real")):
        first = _first_items(path)
        for n, item in enumerate(yaml.safe_load(path.read_text(encoding="utf-8")) or []):
            acceptable = {i for i in _ids(item.get("acceptable")) if i in known}
            best = {i for i in _ids(item.get("best")) if i in known} or acceptable
            nofit = bool(item.get("nofit"))
            if not nofit and not acceptable:
                continue
            out.append({"text": str(item["text"]), "commune": str(item["commune"]) if item.get("commune") else None,
                        "acceptable": acceptable, "best": best, "nofit": nofit,
                        "kind": "chat new" if kind == "chat" and n >= first else kind})
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
    lr = lr / (1.0 + l2)  # a step that stays stable under a strong penalty
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(Z @ coef + bias)))
        g = p - y
        coef -= lr * (Z.T @ (w * g) + l2 * coef)
        bias -= lr * float((w * g).sum())
    return coef, bias, mean, scale


def score(X: np.ndarray, coef: np.ndarray, bias: float, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(((X - mean) / scale) @ coef + bias)))


FAQ_DEV = ROOT / "tests" / "data" / "dev" / "faq.yaml"
L2_GRID = (1e-2, 1e-1, 1.0, 3.0, 10.0, 30.0, 100.0)
NEEDS_K_GRID = (5, 10)
FAQ_K_GRID = (10,)
FAQ_L2_GRID = (1e-5, 1e-4, 1e-3, 1e-2)
DECISION_L2_GRID = (None, 0.0, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1)
NEW_WEIGHTS = (1.0, 3.0)  # weight of the needs the lexical matcher was never tuned on (the « chat new » part)


def folds_of(idx: list[int], k: int, seed: int = 18) -> list[set[int]]:
    order = np.random.default_rng(seed).permutation(idx)
    return [set(order[f::k].tolist()) for f in range(k)]


def _header(what: str, source: str) -> str:
    return (f"# {what}: written by scripts/fit_fusion.py from {source} (dev only), {dt.date.today().isoformat()}.\n"
            "# Do not edit by hand: run the script again.\n")


# --- the FAQ -------------------------------------------------------------------------------------------------------
def faq_threshold(tops: list[tuple[float, bool, bool]], max_wrong: float, min_oos: float) -> float:
    """The threshold giving the most right answers with at most ``max_wrong`` wrong and ``min_oos`` refused."""
    in_n = max(1, sum(1 for t in tops if not t[2]))
    oos_n = max(1, sum(1 for t in tops if t[2]))
    best_t, best_right = 1.0, -1.0
    for t in sorted({round(p, 6) for p, _, _ in tops}) + [1.0]:
        rt = sum(1 for p, ok, o in tops if not o and ok and p >= t) / in_n
        wrong = sum(1 for p, ok, o in tops if not o and not ok and p >= t) / in_n
        refused = sum(1 for p, ok, o in tops if o and p < t) / oos_n
        if wrong <= max_wrong and refused >= min_oos and rt > best_right:
            best_t, best_right = float(t), rt
    return best_t


def faq_figures(tops: list[tuple[float, bool, bool]], t: float) -> tuple[float, float, float]:
    in_n = max(1, sum(1 for x in tops if not x[2]))
    oos_n = max(1, sum(1 for x in tops if x[2]))
    right = sum(1 for p, ok, o in tops if not o and ok and p >= t) / in_n
    wrong = sum(1 for p, ok, o in tops if not o and not ok and p >= t) / in_n
    refused = sum(1 for p, ok, o in tops if o and p < t) / oos_n
    return right, wrong, refused


def fit_faq(kb: Any, enc: Any, args: argparse.Namespace) -> dict[str, Any]:
    """The FAQ fusion (``knowledge/faq_semantic.py``) on ``tests/data/dev/faq.yaml``, chosen by cross-validation."""
    from knowledge.faq_semantic import BASE_FEATURES as FAQ_BASE
    from knowledge.faq_semantic import EXAMPLE_FEATURES as FAQ_EX
    from knowledge.faq_semantic import EXAMPLES_FILE as FAQ_EXAMPLES
    from knowledge.faq_semantic import DECISION_FEATURES, SemanticFaq, decision_features, example_votes

    sem = SemanticFaq(kb.faq_index, enc, fusion={})
    entries = kb.faq_index.entries
    items = yaml.safe_load(FAQ_DEV.read_text(encoding="utf-8")) or []
    first = _first_items(FAQ_DEV)
    n_e = len(entries)
    base, Y, oos, right_m = [], [], [], []
    for item in items:
        feats = sem.base_features(str(item["text"]))
        programme, entry = item.get("programme"), item.get("entry")
        o = bool(item.get("out_of_scope"))
        ok = np.array([not o and ((e.programme == programme) if programme else
                                  (e.programme is None and (entry is None or e.id == entry))) for e in entries])
        y = np.array([1.0 if (not o and (e.id == entry or (ok[i] and entry is None))) else 0.5 if ok[i] else 0.0
                      for i, e in enumerate(entries)])
        base.append(np.array([f for _, f in feats]))
        Y.append(y)
        oos.append(o)
        right_m.append(ok)
    Y_a, oos_a = np.array(Y), np.array(oos)
    best_m, acc_m = Y_a >= 1.0, Y_a > 0.0
    texts = [str(i["text"]) for i in items]
    bank = E.cached_vectors(texts, kind="query", label="faq-examples")
    Q = np.vstack([E.encode_query(t[:2000]) for t in texts])
    C = Q @ bank.T
    n = len(items)

    def X_of(q: int, mask: np.ndarray, use_ex: bool, k: int) -> np.ndarray:
        if not use_ex:
            return base[q]
        return np.hstack([base[q], example_votes(C[q], best_m, acc_m, oos_a, k=k, mask=mask)])

    def decide_x(q: int, p: np.ndarray, mask: np.ndarray) -> tuple[int, list[float]]:
        return decision_features(p, base[q], list(range(n_e)), C[q], acc_m, oos_a, mask)

    def train_eval(train: list[int], test: list[int], use_ex: bool, k: int, l2: float, dl2: float | None):
        bank_mask = np.zeros(n, dtype=bool)
        bank_mask[train] = True
        Xtr, masks = [], []
        for q in train:
            m = bank_mask.copy()
            m[q] = False
            masks.append(m)
            Xtr.append(X_of(q, m, use_ex, k))
        model = fit_logistic(np.vstack(Xtr), np.concatenate([Y_a[q] for q in train]), l2=l2)
        dmodel = None
        if dl2 is not None:  # the decision to answer, over the first entry (leave-one-out on the training folds)
            DX, Dy = [], []
            for q, X, m in zip(train, Xtr, masks):
                j, x = decide_x(q, score(X, *model), m)
                DX.append(x)
                Dy.append(1.0 if right_m[q][j] else 0.0)
            dmodel = fit_logistic(np.array(DX), np.array(Dy), l2=dl2)

        def top(q: int, X: np.ndarray, m: np.ndarray) -> tuple[float, int]:
            p = score(X, *model)
            if dmodel is None:
                j = int(np.argmax(p))
                return float(p[j]), j
            j, x = decide_x(q, p, m)
            return float(score(np.array([x]), *dmodel)[0]), j

        tr_tops = []
        for q, X, m in zip(train, Xtr, masks):
            pj, j = top(q, X, m)
            tr_tops.append((pj, bool(right_m[q][j]), bool(oos_a[q])))
        t = faq_threshold(tr_tops, args.faq_max_wrong, args.faq_min_oos)
        te_tops = []
        for q in test:
            pj, j = top(q, X_of(q, bank_mask, use_ex, k), bank_mask)
            te_tops.append((pj, bool(right_m[q][j]), bool(oos_a[q])))
            if args.show_errors and not (te_tops[-1][1] and pj >= t) and not (oos_a[q] and pj < t):
                want = [entries[i].id for i in range(n_e) if Y_a[q][i] >= 1] or items[q].get("programme") or "refusal"
                print(f"    CV miss: {texts[q]!r} -> {entries[j].id} p={pj:.2f} t={t:.2f} want {want}")
        return (model, dmodel), t, tr_tops, te_tops

    folds = folds_of(list(range(n)), args.folds)
    results = {}
    print(f"FAQ: {n} dev questions ({int(oos_a.sum())} out of scope; {n - min(first, n)} of them new), "
          f"{args.folds}-fold CV (threshold chosen on the training folds)")
    configs = [(use_ex, k, l2, dl2) for use_ex, k in ((False, 0), *((True, k) for k in FAQ_K_GRID))
               for l2 in FAQ_L2_GRID for dl2 in DECISION_L2_GRID]
    if args.quick:
        configs = [(False, 0, 1e-3, None), (False, 0, 1e-3, 0.1), (True, 10, 1e-3, 0.1)]
    for use_ex, k, l2, dl2 in configs:
        per_q: dict[int, tuple[float, bool, bool, bool]] = {}
        for f in range(args.folds):
            test = sorted(folds[f])
            train = [q for q in range(n) if q not in folds[f]]
            _, t, _, te = train_eval(train, test, use_ex, k, l2, dl2)
            for q, (p, ok, o) in zip(test, te):
                per_q[q] = (p, ok, o, p >= t)
        def figs(qs: list[int]) -> tuple[float, float, float]:
            ins = [q for q in qs if not per_q[q][2]]
            out = [q for q in qs if per_q[q][2]]
            r = sum(per_q[q][1] and per_q[q][3] for q in ins) / max(1, len(ins))
            ceiling.append(sum(per_q[q][1] for q in ins) / max(1, len(ins)))
            w = sum((not per_q[q][1]) and per_q[q][3] for q in ins) / max(1, len(ins))
            ref = sum(not per_q[q][3] for q in out) / max(1, len(out))
            return r, w, ref
        ceiling: list[float] = []
        allf, newf = figs(list(range(n))), figs(list(range(min(first, n), n)))
        results[(use_ex, k, l2, dl2)] = allf
        print(f"  {'examples k=' + str(k) if use_ex else 'base features':16s} l2={l2:<6g} "
              f"{'no decision model ' if dl2 is None else 'decision l2=%-6g ' % dl2}right {allf[0]*100:5.1f} % "
              f"wrong {allf[1]*100:4.1f} % oos refused {allf[2]*100:5.1f} %   | new part: right {newf[0]*100:5.1f} % "
              f"wrong {newf[1]*100:4.1f} % oos refused {newf[2]*100:5.1f} %  | first entry right {ceiling[0]*100:.1f} %")
    # choice: most right answers, with CV wrong ≤ 2× the allowed and refused ≥ the target; then fewer wrong
    ok_cfg = [c for c, v in results.items() if v[1] <= 2 * args.faq_max_wrong and v[2] >= 0.90] or list(results)
    # ties: the stronger penalties (the plainer model)
    chosen = max(ok_cfg, key=lambda c: (results[c][0], -results[c][1], results[c][2], -1.0 if c[3] is None else c[3],
                                        c[2]))
    if args.faq_features == "base":
        chosen = max((c for c in results if not c[0]), key=lambda c: (results[c][0], -results[c][1]))
    use_ex, k, l2, dl2 = chosen
    print(f"FAQ chosen by CV: {'examples k=%d' % k if use_ex else 'base features'}, l2={l2:g}, "
          f"{'no decision model' if dl2 is None else 'decision model l2=%g' % dl2}")
    (model, dmodel), t, tr_tops, _ = train_eval(list(range(n)), [], use_ex, k, l2, dl2)
    r, w, ref = faq_figures(tr_tops, t)
    coef, bias, mean, scale = model
    names = list(FAQ_BASE) + (list(FAQ_EX) if use_ex else [])
    print(f"FAQ on all dev (leave-one-out votes), threshold {t:.3f}: right {r*100:.1f} %, wrong {w*100:.1f} %, "
          f"out of scope refused {ref*100:.1f} %")
    print("FAQ weights:", {f: round(float(c), 3) for f, c in zip(names, coef)}, "bias", round(bias, 3))
    examples = []
    for q, item in enumerate(items):
        examples.append({"text": texts[q], "best": [entries[i].id for i in range(n_e) if best_m[q][i]],
                         "acceptable": [entries[i].id for i in range(n_e) if acc_m[q][i]],
                         "out_of_scope": bool(oos_a[q])})
    return {
        "model": {
            "fitted": dt.date.today().isoformat(), "by": "scripts/fit_fusion.py", "data": "tests/data/dev/faq.yaml",
            "features": names, "weights": [round(float(c), 6) for c in coef], "bias": round(float(bias), 6),
            "mean": [round(float(v), 6) for v in mean], "scale": [round(float(v), 6) for v in scale],
            "threshold": round(t, 4), "followup_threshold": round(t, 4), "l2": l2, "example_k": k or None,
            "decision": None if dmodel is None else {
                "features": list(DECISION_FEATURES), "weights": [round(float(c), 6) for c in dmodel[0]],
                "bias": round(float(dmodel[1]), 6), "mean": [round(float(v), 6) for v in dmodel[2]],
                "scale": [round(float(v), 6) for v in dmodel[3]], "threshold": round(t, 4), "l2": dl2},
            "cv": {"right": round(results[chosen][0], 4), "wrong": round(results[chosen][1], 4),
                   "oos_refused": round(results[chosen][2], 4)},
        },
        "examples": examples if (use_ex or dmodel is not None) else None,
        "examples_file": FAQ_EXAMPLES,
    }


def write_examples(path: Path, examples: list[dict[str, Any]], what: str, source: str) -> None:
    path.write_text(_header(what, source) + yaml.safe_dump(examples, allow_unicode=True, sort_keys=False,
                                                           width=120), encoding="utf-8")
    print("written", path.relative_to(ROOT))


# --- the needs -----------------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--max-fit-unsure", type=float, default=0.03)
    ap.add_argument("--only", choices=("needs", "faq"), default=None, help="fit one of the two models")
    ap.add_argument("--features", choices=("cv", "base"), default="cv",
                    help="needs: the feature set chosen by CV (default) or the matcher's and encoder's only")
    ap.add_argument("--faq-features", choices=("cv", "base"), default="cv")
    ap.add_argument("--faq-max-wrong", type=float, default=0.02)
    ap.add_argument("--faq-min-oos", type=float, default=0.95)
    ap.add_argument("--show-errors", action="store_true", help="FAQ: the dev questions missed in cross-validation")
    ap.add_argument("--quick", action="store_true", help="a small grid (to compare settings such as the token cap)")
    args = ap.parse_args(argv)

    from knowledge.base import KnowledgeBase

    E.configure()
    enc = E.get_encoder()
    if enc is None:
        print("no encoder loaded:", E.status(), file=sys.stderr)
        return 1
    print(f"encoder {enc.model_id}, max tokens per message {E.status()['max_tokens'] or 'none'}")
    kb = KnowledgeBase.load("90", semantic=False)
    if args.only != "needs":
        got = fit_faq(kb, enc, args)
        if not args.no_write:
            fusion = load_fusion()
            fusion.setdefault("faq", {})[enc.model_id] = got["model"]
            FUSION_FILE.write_text(json.dumps(fusion, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            print("written", FUSION_FILE.relative_to(ROOT))
            if got["examples"]:
                write_examples(got["examples_file"], got["examples"], "Labelled FAQ questions the FAQ votes over",
                               "tests/data/dev/faq.yaml")
        if args.only == "faq":
            return 0
    fit_needs(kb, enc, args)
    return 0


def fit_needs(kb: Any, enc: Any, args: argparse.Namespace) -> None:
    hybrid = HybridMatcher(kb.matcher, enc, fusion={})
    needs = load_needs(set(hybrid.ids))
    rows = []  # per need: X (base features), lexical confidence, lexical order, similarities
    for item in needs:
        feats, lexical, sims = hybrid.features(item["text"], item["commune"])
        rows.append({"X": np.array([feats[i] for i in hybrid.ids]), "lex_conf": lexical.confidence,
                     "lex_order": [m.id for m in lexical.results], "sims": sims})
    ids = hybrid.ids
    fit_idx = [k for k, n in enumerate(needs) if not n["nofit"]]
    bank_of = {k: j for j, k in enumerate(fit_idx)}  # need index → row of the examples
    bank_needs = [needs[k] for k in fit_idx]
    bank_vec = E.cached_vectors([n["text"] for n in bank_needs], kind="query", label="need-examples")
    Q = np.vstack([E.encode_query(n["text"][:2000]) for n in needs])
    C = Q @ bank_vec.T
    B, A = H.label_matrices([{"best": sorted(n["best"]), "acceptable": sorted(n["acceptable"])} for n in bank_needs],
                            ids)
    m = len(bank_needs)
    print(f"{len(needs)} dev needs ({sum(n['nofit'] for n in needs)} no-fit), "
          + ", ".join(f"{kind} {sum(1 for n in needs if n['kind'] == kind and not n['nofit'])}"
                      for kind in ("chat", "chat new", "real")))

    def labels(k: int) -> np.ndarray:
        n = needs[k]
        return np.array([1.0 if i in n["best"] else 0.5 if i in n["acceptable"] else 0.0 for i in ids])

    def row_weights(idx: list[int], nw: float) -> np.ndarray:
        return np.concatenate([np.full(len(ids), nw if needs[k]["kind"] == "chat new" else 1.0) for k in idx])

    def X_of(k: int, bank_mask: np.ndarray | None, kk: int | None) -> np.ndarray:
        if kk is None:
            return rows[k]["X"]
        mask = np.ones(m, dtype=bool) if bank_mask is None else bank_mask.copy()
        if k in bank_of:
            mask[bank_of[k]] = False  # leave-one-out
        return np.hstack([rows[k]["X"], H.example_votes(C[k], B, A, k=kk, mask=mask)])

    folds = folds_of(fit_idx, args.folds)
    configs = [(None, l2, 1.0) for l2 in L2_GRID] + [(kk, l2, w) for kk in NEEDS_K_GRID for l2 in L2_GRID[1:]
                                                     for w in NEW_WEIGHTS]
    if args.quick:
        configs = [(None, 1.0, 1.0), (5, 1.0, 1.0)]
    results: dict[tuple, dict[str, tuple[float, float]]] = {}
    print(f"{args.folds}-fold CV over the needs an offer fits (top-1 / top-3):")
    lex_cv: dict[str, list[tuple[bool, bool]]] = {}
    for c, (kk, l2, nw) in enumerate(configs):
        per: dict[str, list[tuple[bool, bool]]] = {}
        for f in range(args.folds):
            test = folds[f]
            train = [k for k in fit_idx if k not in test]
            bank_mask = np.array([k not in test for k in fit_idx])
            X = np.vstack([X_of(k, bank_mask, kk) for k in train])
            model = fit_logistic(X, np.concatenate([labels(k) for k in train]), w=row_weights(train, nw), l2=l2)
            for k in test:
                n = needs[k]
                p = score(X_of(k, bank_mask, kk), *model)
                order = [ids[j] for j in np.argsort(-p, kind="stable")]
                per.setdefault(n["kind"], []).append((order[0] in n["best"],
                                                     any(i in n["acceptable"] for i in order[:3])))
                if c == 0:
                    lex = rows[k]["lex_order"]
                    lex_cv.setdefault(n["kind"], []).append((bool(lex) and lex[0] in n["best"],
                                                             any(i in n["acceptable"] for i in lex[:3])))
        allr = [x for v in per.values() for x in v]
        results[(kk, l2, nw)] = {kind: tuple(np.mean(v, axis=0)) for kind, v in [*per.items(), ("all", allr)]}
        r = results[(kk, l2, nw)]
        print(f"  {'votes k=' + str(kk) if kk else 'base features':14s} l2={l2:<6g} new×{nw:g} all {r['all'][0]*100:5.1f} / "
              f"{r['all'][1]*100:5.1f}   " + "  ".join(f"{kind} {r[kind][0]*100:5.1f} / {r[kind][1]*100:5.1f}"
                                                    for kind in ("chat", "chat new", "real") if kind in r))
    print("  lexical matcher alone         " + "  ".join(
        f"{kind} {np.mean(v, axis=0)[0]*100:5.1f} / {np.mean(v, axis=0)[1]*100:5.1f}" for kind, v in lex_cv.items()))
    pool = [c for c in results if c[0] is None] if args.features == "base" else list(results)
    chosen = max(pool, key=lambda c: (round(results[c]["all"][0], 6), round(results[c]["all"][1], 6), -c[2], -c[1]))
    kk, l2, nw = chosen
    print(f"chosen by CV: {'votes k=%d' % kk if kk else 'base features'}, l2={l2:g}, new×{nw:g}")
    X_all = [X_of(k, None, kk) for k in range(len(needs))]
    coef, bias, mean, scale = fit_logistic(np.vstack([X_all[k] for k in fit_idx]),
                                           np.concatenate([labels(k) for k in fit_idx]),
                                           w=row_weights(fit_idx, nw), l2=l2)
    names = list(H.BASE_FEATURES) + (list(H.EXAMPLE_FEATURES) if kk else [])
    print("ranking weights (standardised):", {f: round(float(c), 3) for f, c in zip(names, coef)},
          "bias", round(bias, 3))
    # the penalty shrinks the logit: a one-feature logistic over it (unpenalised) gives back probabilities that
    # mean what they say (the dialogue shows offers over a probability); the order is unchanged
    Z = np.concatenate([((X_all[k] - mean) / scale) @ coef + bias for k in fit_idx])
    cc, cb, cm, cs = fit_logistic(Z[:, None], np.concatenate([labels(k) for k in fit_idx]), l2=0.0, iters=5000)
    cal_a = float(cc[0] / cs[0])
    cal_c = float(cb - cc[0] * cm[0] / cs[0])

    def fused(X: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-(cal_a * (((X - mean) / scale) @ coef + bias) + cal_c)))

    print(f"calibration of the fused logit: × {cal_a:.3f} + {cal_c:.3f}")

    # unsure model, on the fused model's top offer (votes leave-one-out)
    UX, Uy = [], []
    for k, n in enumerate(needs):
        p = fused(X_all[k])
        j = int(np.argmax(p))
        doc, phr, _ = rows[k]["sims"]
        UX.append([rows[k]["lex_conf"], float(p[j]), float(rows[k]["X"][j][3]), float(phr[j]), float(doc[j])])
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
        return
    fusion = load_fusion()
    fusion.setdefault("models", {})[enc.model_id] = {
        "fitted": dt.date.today().isoformat(),
        "by": "scripts/fit_fusion.py",
        "data": "tests/data/dev/needs.yaml + tests/data/real/dev.yaml",
        "features": names,
        "weights": [round(float(c), 6) for c in coef],
        "bias": round(float(bias), 6),
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "calibration": [round(cal_a, 6), round(cal_c, 6)],
        "l2": l2,
        "example_k": kk,
        "new_weight": nw,
        "cv_top1": {kind: round(float(v[0]), 4) for kind, v in results[chosen].items()},
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
    if kk:
        write_examples(H.EXAMPLES_FILE, [{"text": n["text"], "best": sorted(n["best"]),
                                          "acceptable": sorted(n["acceptable"])} for n in bank_needs],
                       "Labelled needs the matcher votes over", "tests/data/dev/needs.yaml + tests/data/real/dev.yaml")


if __name__ == "__main__":
    raise SystemExit(main())
