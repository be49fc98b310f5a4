#!/usr/bin/env python3
"""Fit the act reader's few numbers (``intents/acts.py``) by leave-one-out on the DEV set only.

Usage::

    .venv/bin/python scripts/fit_acts.py             # leave-one-out grid, write intents/data/acts_params.json
    .venv/bin/python scripts/fit_acts.py --no-write  # figures only
    .venv/bin/python scripts/fit_acts.py --show-errors   # dev misses (leave-one-out) with the chosen numbers

Data: ``intents/data/acts.yaml`` (a copy of ``tests/data/acts/dev.yaml``). The held-out set is never read here.
Grid: k (neighbours), temperature of the vote, step bonus (added to the similarity of an example written for the
same step); then the lexical fallback's k and temperature; then the unsure threshold: the confidence under which the
dialogue asks a short question, the lowest that makes the dev readings below it at most half right (leave-one-out).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from intents import acts as A  # noqa: E402
from intents import encoder as E  # noqa: E402


def loo(S: np.ndarray, labels: list[str], steps: list[str | None], k: int, temp: float, bonus: float,
        lexical: bool = False) -> tuple[list[str], list[float]]:
    n = len(labels)
    preds, confs = [], []
    for i in range(n):
        sims = S[i].copy()
        if steps[i]:
            same = np.array([s == steps[i] for s in steps])
            sims = sims + bonus * same
        sims[i] = -1e9
        scores = A.vote(sims.tolist(), labels, k, temp)
        ranked = A._ranked(scores)
        preds.append(ranked[0][0])
        confs.append(ranked[0][1] * (0.8 if lexical else 1.0))
    return preds, confs


def train_softmax(X: np.ndarray, y: np.ndarray, l2: float = 1e-3, iters: int = 300, lr: float = 0.05):
    """Multinomial logistic regression (Adam, L2), numpy only."""
    n, d = X.shape
    K = len(A.ACTS)
    W = np.zeros((d, K), np.float32)
    b = np.zeros(K, np.float32)
    mW, vW, mb, vb = np.zeros_like(W), np.zeros_like(W), np.zeros_like(b), np.zeros_like(b)
    Yo = np.eye(K, dtype=np.float32)[y]
    for t in range(1, iters + 1):
        Z = X @ W + b
        Z -= Z.max(1, keepdims=True)
        P = np.exp(Z)
        P /= P.sum(1, keepdims=True)
        G = (P - Yo) / n
        gW = X.T @ G + l2 * W
        gb = G.sum(0)
        mW = 0.9 * mW + 0.1 * gW
        vW = 0.999 * vW + 0.001 * gW**2
        W -= lr * (mW / (1 - 0.9**t)) / (np.sqrt(vW / (1 - 0.999**t)) + 1e-8)
        mb = 0.9 * mb + 0.1 * gb
        vb = 0.999 * vb + 0.001 * gb**2
        b -= lr * (mb / (1 - 0.9**t)) / (np.sqrt(vb / (1 - 0.999**t)) + 1e-8)
    return W, b


def softmax_cv(X: np.ndarray, y: np.ndarray, folds: int = 5, l2: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold predictions and confidences."""
    rng = np.random.default_rng(18)
    idx = rng.permutation(len(y))
    pred = np.zeros(len(y), int)
    conf = np.zeros(len(y))
    for f in range(folds):
        te = idx[f::folds]
        tr = np.setdiff1d(idx, te)
        W, b = train_softmax(X[tr], y[tr], l2)
        Z = X[te] @ W + b
        Z -= Z.max(1, keepdims=True)
        P = np.exp(Z)
        P /= P.sum(1, keepdims=True)
        pred[te] = P.argmax(1)
        conf[te] = P.max(1)
    return pred, conf


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--show-errors", action="store_true")
    ap.add_argument("--scale", type=float, default=3.0, help="weight of the sentence vector against the surface")
    args = ap.parse_args(argv)

    E.configure()
    examples = A.default_examples()
    labels = [e.act for e in examples]
    steps = [e.step for e in examples]
    enc = E.get_encoder()
    results = {}
    if enc is not None:
        V = E.cached_vectors([e.text for e in examples], kind="query", label="acts")
        S = V @ V.T
        best = None
        for k, temp, bonus in itertools.product((5, 10, 15), (0.02, 0.05, 0.1), (0.0, 0.04, 0.08)):
            preds, _ = loo(S, labels, steps, k, temp, bonus)
            acc = float(np.mean([p == y for p, y in zip(preds, labels)]))
            if best is None or acc > best[0] + 1e-9:
                best = (acc, k, temp, bonus)
        acc, k, temp, bonus = best
        print(f"encoder {enc.model_id}: leave-one-out on {len(labels)} dev messages: {acc * 100:.1f} % "
              f"(k={k}, temperature={temp}, step bonus={bonus})")
        results.update(k=k, temperature=temp, step_bonus=bonus)
        preds, confs = loo(S, labels, steps, k, temp, bonus)
    else:
        print("no encoder loaded: only the lexical fallback is fitted", E.status())
    # lexical fallback
    model = A.ActModel(examples, use_encoder=False)
    L = np.array([model._lexical(e.text) for e in examples], dtype=float)
    lbest = None
    for k, temp in itertools.product((3, 5, 7, 10), (2.0, 4.0, 8.0, 16.0)):
        lp, _ = loo(L, labels, steps, k, temp, 100 * results.get("step_bonus", 0.02), lexical=True)
        acc = float(np.mean([p == y for p, y in zip(lp, labels)]))
        if lbest is None or acc > lbest[0] + 1e-9:
            lbest = (acc, k, temp)
    print(f"lexical fallback: leave-one-out {lbest[0] * 100:.1f} % (k={lbest[1]}, temperature={lbest[2]})")
    results.update(lexical_k=lbest[1], lexical_temperature=lbest[2])
    if enc is None:
        preds, confs = loo(L, labels, steps, lbest[1], lbest[2], 100 * A.DEFAULT_PARAMS["step_bonus"], lexical=True)
    # learned readers: multinomial logistic regression over the sentence vector (scaled), the hashed surface
    # features and the step; and over the surface features and the step alone (the lexical fallback)
    y = np.array([A.ACTS.index(a) for a in labels])
    Sf = np.array([A.surface_features(e.text, e.step) for e in examples])
    saved: dict[str, np.ndarray] = {"examples_hash": np.array(A.examples_hash(examples))}
    lp, lc = softmax_cv(Sf, y)
    print(f"learned lexical reader (surface + step): 5-fold CV {np.mean(lp == y) * 100:.1f} %")
    W, b = train_softmax(Sf, y)
    saved.update(lex_W=W, lex_b=b)
    if enc is None:
        preds, confs = [A.ACTS[i] for i in lp], lc.tolist()
    else:
        scale = args.scale
        Xe = np.hstack([V * scale, Sf])
        ep, ec = softmax_cv(Xe, y)
        print(f"learned reader (sentence vector x{scale} + surface + step): 5-fold CV {np.mean(ep == y) * 100:.1f} %")
        W, b = train_softmax(Xe, y)
        saved.update(enc_W=W, enc_b=b, enc_scale=np.array(scale), encoder=np.array(enc.model_id))
        preds, confs = [A.ACTS[i] for i in ep], ec.tolist()
    # unsure threshold: lowest confidence t such that readings under t are right at most half the time
    pairs = sorted(zip(confs, [p == y for p, y in zip(preds, labels)]))
    threshold = 0.0
    for t in np.arange(0.3, 0.9, 0.025):
        below = [ok for c, ok in pairs if c < t]
        if below and np.mean(below) <= 0.5:
            threshold = float(t)
    results["unsure_below"] = round(threshold, 3)
    under = [ok for c, ok in pairs if c < threshold]
    over = [ok for c, ok in pairs if c >= threshold]
    print(f"unsure under {threshold:.3f}: {len(under)} of {len(pairs)} dev messages asked "
          f"({np.mean(under) * 100 if under else 0:.0f} % of them read right); "
          f"{np.mean(over) * 100 if over else 0:.1f} % right among the others")
    per: dict[str, list[bool]] = {}
    for p, y in zip(preds, labels):
        per.setdefault(y, []).append(p == y)
    print("per kind:", ", ".join(f"{a} {np.mean(per[a]) * 100:.0f} %" for a in A.ACTS if a in per))
    if args.show_errors:
        for e, p, c in zip(examples, preds, confs):
            if p != e.act:
                print(f"  {e.act:>14} -> {p:<14} {c:.2f} step={e.step} {e.text[:90]!r}")
    if not args.no_write:
        A.PARAMS_FILE.write_text(json.dumps({"by": "scripts/fit_acts.py", "encoder": enc.model_id if enc else None,
                                             "params": results}, indent=1) + "\n", encoding="utf-8")
        np.savez_compressed(A.MODEL_FILE, **saved)
        print("written", A.PARAMS_FILE.relative_to(ROOT), A.MODEL_FILE.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
