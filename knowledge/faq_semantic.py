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

import math
from typing import Any

FEATURES = ("lex", "grounded", "lex_rr", "sem", "sem_gap", "sem_z")


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


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
        """(entry index, features) for every entry (only those of ``programme`` when given)."""
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

    def ranked(self, text: str, programme: str | None = None) -> list[tuple[float, int]]:
        """(fused probability, entry index), best first."""
        model = self.model or {}
        w, b = model.get("weights", []), float(model.get("bias", 0.0))
        mean, scale = model.get("mean"), model.get("scale")
        out = []
        for i, x in self.features(text, programme):
            if mean and scale:
                x = [(v - m) / s for v, m, s in zip(x, mean, scale)]
            out.append((_sigmoid(b + sum(a * c for a, c in zip(w, x))), i))
        out.sort(key=lambda t: (-t[0], t[1]))
        return out

    def best(self, text: str, programme: str | None = None) -> tuple[float, int] | None:
        """The entry to answer with and its probability, or None when refused."""
        if not self.fitted:
            return None
        ranked = self.ranked(text, programme)
        if not ranked:
            return None
        p, i = ranked[0]
        threshold = float((self.model or {}).get("threshold", 0.5))
        if programme is not None:
            threshold = float((self.model or {}).get("followup_threshold", threshold))
        return (p, i) if p >= threshold else None
