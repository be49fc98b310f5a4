"""The FAQ by meaning: the sentence encoder over every way of asking, fused with the lexical FAQ score.

Per entry: the lexical confidence and whether the lexical reader finds the entry accounts for the question
(``grounded``), the best cosine between the question and one of the entry's ways of asking, and that cosine relative
to the best entry and to all entries. A logistic model over these (``knowledge/data/fusion.json`` → ``faq``, fitted by
``scripts/fit_fusion.py --faq`` on ``tests/data/dev/faq.yaml``) ranks the entries; the answer is given when the first
entry's fused probability is over the threshold chosen on dev (out-of-scope questions refused), else refused.

Follow-ups: ``ranked(text, programme=...)`` keeps to the entries of the programme just answered when the question
names no other programme (« et ça marche pour une salle des fêtes ? » is about that programme).
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

BASE_FEATURES = ("lex", "grounded", "lex_rr", "sem", "sem_gap", "sem_z")
#: Votes of the labelled dev questions nearest in meaning (``knowledge/data/faq_examples.yaml``): per entry, the best
#: cosine to a question labelled with that entry / with an entry of the right programme (each minus the best entry's),
#: the vote of the nearest questions, and how much nearer the nearest out-of-scope question is than the nearest
#: in-scope one (the same for every entry: it lowers them all).
EXAMPLE_FEATURES = ("ex_best_gap", "ex_acc_gap", "ex_vote", "ex_oos_gap")
FEATURES = BASE_FEATURES + EXAMPLE_FEATURES
EXAMPLES_FILE = Path(__file__).parent / "data" / "faq_examples.yaml"
#: The decision to answer, over the first entry of the ranking: its probability and margin over the second, its
#: cosine and margin, its lexical confidence and grounding, how much nearer the nearest out-of-scope labelled question
#: is than the nearest in-scope one, and whether the nearest in-scope labelled question agrees with the entry.
DECISION_FEATURES = ("top_p", "p_margin", "sem_top", "sem_margin", "lex_top", "grounded_top", "oos_gap", "ex_agree")
EXAMPLE_K = 5


def example_votes(cos: Any, best: Any, acc: Any, oos: Any, k: int = EXAMPLE_K, mask: Any = None) -> Any:
    """(entries × 4): ``knowledge.hybrid.example_votes`` over the in-scope questions, and the out-of-scope gap."""
    import numpy as np

    from knowledge.hybrid import example_votes as votes

    if mask is None:
        mask = np.ones(len(cos), dtype=bool)
    ins, out = mask & ~oos, mask & oos
    v = votes(cos, best, acc, k=k, mask=ins)
    gap = (float(cos[out].max()) if out.any() else -1.0) - (float(cos[ins].max()) if ins.any() else -1.0)
    return np.hstack([v, np.full((v.shape[0], 1), gap)])


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


def decision_features(p: Any, rows: Any, entry_idx: list[int], cos: Any, acc: Any, oos: Any,
                      mask: Any = None) -> tuple[int, list[float]]:
    """(row of the first entry, ``DECISION_FEATURES``). ``p``: ranking probabilities of the rows; ``rows``: their
    ``BASE_FEATURES``; ``entry_idx``: the entry of each row; ``cos``/``acc``/``oos``: the labelled questions (cosine
    to the question, acceptable entries, out of scope), ``mask`` leaving some out."""
    import numpy as np

    p = np.asarray(p, dtype=float)
    rows = np.asarray(rows, dtype=float)
    order = np.argsort(-p, kind="stable")
    j = int(order[0])
    j2 = int(order[1]) if len(order) > 1 else j
    sem = rows[:, 3]
    others = np.delete(sem, j)
    if mask is None:
        mask = np.ones(len(cos), dtype=bool)
    ins, out = mask & ~oos, mask & oos
    near_in = float(cos[ins].max()) if ins.any() else -1.0
    near_out = float(cos[out].max()) if out.any() else -1.0
    agree_m = ins & acc[:, entry_idx[j]]
    agree = (float(cos[agree_m].max()) if agree_m.any() else -1.0) - near_in
    return j, [float(p[j]), float(p[j] - p[j2]) if j2 != j else float(p[j]), float(sem[j]),
               float(sem[j] - others.max()) if len(others) else 0.0, float(rows[j, 0]), float(rows[j, 1]),
               near_out - near_in, agree]


class SemanticFaq:
    def __init__(self, index: Any, encoder: Any, fusion: dict[str, Any] | None = None) -> None:
        # index: the knowledge.faq.FaqIndex (which imports this module; no import back)
        from intents.encoder import cached_vectors
        from knowledge.hybrid import load_fusion

        self.index = index
        self.encoder = encoder
        self.q_entry: list[int] = []
        texts: list[str] = []
        for i, entry in enumerate(index.entries):
            for q in entry.questions:
                self.q_entry.append(i)
                texts.append(q)
        self.vectors = cached_vectors(texts, kind="query", label="faq-questions")
        fusion = load_fusion() if fusion is None else fusion
        self.model: dict[str, Any] | None = ((fusion.get("faq") or {}).get(encoder.model_id)) if fusion else None
        self._ex = None
        if set((self.model or {}).get("features") or ()) & set(EXAMPLE_FEATURES) or (self.model or {}).get("decision"):
            self._load_examples(cached_vectors)

    def _load_examples(self, cached_vectors: Any) -> None:
        import numpy as np
        import yaml

        from knowledge.hybrid import label_matrices

        try:
            examples = [d for d in yaml.safe_load(EXAMPLES_FILE.read_text(encoding="utf-8")) or []
                        if isinstance(d, dict) and isinstance(d.get("text"), str)]
            vectors = cached_vectors([d["text"] for d in examples], kind="query", label="faq-examples")
        except Exception as exc:  # noqa: BLE001 - without the labelled questions the model cannot be used as fitted
            log.warning("labelled FAQ questions unavailable (%s): FAQ on words only", exc)
            examples, vectors = [], None
        if not examples or vectors is None:
            self.model = None
            return
        ids = [e.id for e in self.index.entries]
        self._ex = vectors
        self._ex_best, self._ex_acc = label_matrices(examples, ids)
        self._ex_oos = np.array([bool(d.get("out_of_scope")) for d in examples])

    @property
    def fitted(self) -> bool:
        return self.model is not None

    def similarities(self, text: str) -> Any:
        """Best cosine per entry (numpy array over ``index.entries``)."""
        import numpy as np

        from intents.encoder import encode_query

        q = encode_query(text[:2000])
        n = len(self.index.entries)
        best = np.full(n, -1.0, dtype=np.float32)
        if q is None:
            return best
        sims = self.vectors @ q
        np.maximum.at(best, np.asarray(self.q_entry), sims)
        return best

    def features(self, text: str, programme: str | None = None) -> list[tuple[int, list[float]]]:
        """(entry index, the model's features) for every entry (only those of ``programme`` when given)."""
        base = self.base_features(text, programme)
        names = list((self.model or {}).get("features") or BASE_FEATURES)
        if set(names) & set(EXAMPLE_FEATURES) and self._ex is not None and base:
            from intents.encoder import encode_query

            q = encode_query(text[:2000])
            votes = example_votes(self._ex @ q, self._ex_best, self._ex_acc, self._ex_oos,
                                  k=int((self.model or {}).get("example_k", EXAMPLE_K)))
            base = [(i, x + [float(v) for v in votes[i]]) for i, x in base]
        pos = [FEATURES.index(f) for f in names]
        return [(i, [x[j] for j in pos]) for i, x in base]

    def base_features(self, text: str, programme: str | None = None) -> list[tuple[int, list[float]]]:
        """(entry index, ``BASE_FEATURES``) for every entry (only those of ``programme`` when given)."""
        scored = self.index._score(text)
        lex: dict[int, tuple[float, bool, int]] = {}
        pos = {e.id: i for i, e in enumerate(self.index.entries)}
        for r, (conf, entry, grounded) in enumerate(scored):
            lex[pos[entry.id]] = (conf, grounded, r)
        sem = self.similarities(text)
        keep = [i for i, e in enumerate(self.index.entries) if programme is None or e.programme == programme]
        if not keep:
            return []
        vals = [float(sem[i]) for i in keep]
        top = max(vals)
        mean = sum(vals) / len(vals)
        std = math.sqrt(sum((v - mean) ** 2 for v in vals) / len(vals)) or 1.0
        out = []
        for i in keep:
            conf, grounded, r = lex.get(i, (0.0, False, None))
            s = float(sem[i])
            out.append((i, [conf, 1.0 if grounded else 0.0, 1.0 / (r + 1) if r is not None else 0.0, s, s - top,
                            (s - mean) / std]))
        return out

    def _decide(self, text: str, programme: str | None, decision: dict[str, Any]) -> tuple[float, int] | None:
        import numpy as np

        from intents.encoder import encode_query

        base = self.base_features(text, programme)
        if not base:
            return None
        ranked = self._rank_rows(self.features(text, programme))
        p = np.array([pi for pi, _ in ranked])
        idx = [i for _, i in ranked]
        pos = {i: r for r, (i, _) in enumerate(base)}
        rows = np.array([base[pos[i]][1] for i in idx])
        cos = self._ex @ encode_query(text[:2000])
        j, x = decision_features(p, rows, idx, cos, self._ex_acc, self._ex_oos)
        mean, scale = decision.get("mean"), decision.get("scale")
        if mean and scale:
            x = [(v - m) / s for v, m, s in zip(x, mean, scale)]
        pa = _sigmoid(float(decision["bias"]) + sum(a * c for a, c in zip(decision["weights"], x)))
        return (pa, idx[j]) if pa >= float(decision["threshold"]) else None

    def _rank_rows(self, feats: list[tuple[int, list[float]]]) -> list[tuple[float, int]]:
        model = self.model or {}
        w, b = model.get("weights", []), float(model.get("bias", 0.0))
        mean, scale = model.get("mean"), model.get("scale")
        out = []
        for i, x in feats:
            if mean and scale:
                x = [(v - m) / s for v, m, s in zip(x, mean, scale)]
            out.append((_sigmoid(b + sum(a * c for a, c in zip(w, x))), i))
        return out

    def ranked(self, text: str, programme: str | None = None) -> list[tuple[float, int]]:
        """(fused probability, entry index), best first."""
        out = self._rank_rows(self.features(text, programme))
        out.sort(key=lambda t: (-t[0], t[1]))
        return out

    def best(self, text: str, programme: str | None = None) -> tuple[float, int] | None:
        """The entry to answer with and its probability, or None when refused."""
        if not self.fitted:
            return None
        decision = (self.model or {}).get("decision")
        if decision and self._ex is not None:
            return self._decide(text, programme, decision)
        ranked = self.ranked(text, programme)
        if not ranked:
            return None
        p, i = ranked[0]
        threshold = float((self.model or {}).get("threshold", 0.5))
        if programme is not None:
            threshold = float((self.model or {}).get("followup_threshold", threshold))
        return (p, i) if p >= threshold else None
