"""Issue 11 experiment: would a small learned re-ranker over the matcher's features beat the hand-set ranking?

    .venv/bin/python bench/rerank_experiment.py

Dev sets only (chat-style ``tests/data/dev/needs.yaml`` and the fitting needs of ``tests/data/real/dev.yaml``): the
matcher's first ten offers per need, each described by its score, rank, share of the best lexical score, phrase hit,
named programme, lifted investment grant, theme agreement, eligibility and members-only flags; a logistic regression
(pure Python, L2) learns "this offer is among the best"; 5-fold cross-validation over needs (seeded) compares its
order with the matcher's own. Result in docs/quality.md ("Tried and not kept"). Not part of the test suite.
"""
import math, random, sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from knowledge.base import KnowledgeBase
from knowledge.rank import read
kb = KnowledgeBase.load("90")
m = kb.matcher
known = set(kb.offers)
items = []
for it in yaml.safe_load(open(ROOT / "tests/data/dev/needs.yaml", encoding="utf-8")):
    acc = set(it.get("acceptable") or []); best = set(it.get("best") or []) or acc
    items.append((it["text"], it.get("commune"), acc, best))
for it in yaml.safe_load(open(ROOT / "tests/data/real/dev.yaml", encoding="utf-8")):
    if it.get("nofit"): continue
    acc = (set(it.get("acceptable") or []) | set(it.get("best") or [])) & known
    best = (set(it.get("best") or []) & known) or acc
    if acc: items.append((it["text"], it.get("commune"), acc, best))

def feats(text, commune):
    q = m._parse(text)
    res = kb.match(text, commune_code=commune, limit=10)
    if q is None: return []
    scores, hits, named = m._relevance(q)
    reading = read(q.words)
    themes = {t.value for t in m._theme_scores(q)}
    top_lex = max(scores.values(), default=0.0) or 1.0
    rows = []
    for r, x in enumerate(res, 1):
        o = kb.offers[x.id]
        prim = o.themes[0].value if o.themes else None
        rows.append((x.id, [1.0, x.score, 1.0 / r, scores.get(x.id, 0.0) / top_lex, float(x.id in hits), float(x.id in named),
                     float(x.id in m._fallback and reading.investment), float(prim in themes),
                     float(bool(set(t.value for t in o.themes) & themes)), float(x.eligible is True), float(x.eligible is False),
                     float(x.id in m._restricted and commune is None)]))
    return rows

data = [(feats(t, c), acc, best) for t, c, acc, best in items]
def sig(z): return 1 / (1 + math.exp(-max(-30, min(30, z))))
def train(rows, epochs=300, lr=0.1, l2=1e-3):
    w = [0.0] * len(rows[0][0])
    for _ in range(epochs):
        for x, y in rows:
            p = sig(sum(a * b for a, b in zip(w, x)))
            for i in range(len(w)): w[i] += lr * ((y - p) * x[i] - l2 * w[i])
    return w
rng = random.Random(11); idx = list(range(len(data))); rng.shuffle(idx)
folds = [idx[i::5] for i in range(5)]
base1 = learned1 = base3 = learned3 = 0
for f in folds:
    test = set(f)
    rows = [(x, 1.0 if oid in best else 0.0) for i, (fs, acc, best) in enumerate(data) if i not in test for oid, x in fs]
    w = train(rows)
    for i in f:
        fs, acc, best = data[i]
        if not fs: continue
        base = [oid for oid, _ in fs]
        learned = [oid for oid, x in sorted(fs, key=lambda r: -sum(a * b for a, b in zip(w, r[1])))]
        base1 += base[0] in best; learned1 += learned[0] in best
        base3 += any(o in acc for o in base[:3]); learned3 += any(o in acc for o in learned[:3])
n = len(data)
print(f"needs {n}: matcher top-1 {base1/n:.3f} top-3 {base3/n:.3f} | re-ranker (5-fold) top-1 {learned1/n:.3f} top-3 {learned3/n:.3f}")
