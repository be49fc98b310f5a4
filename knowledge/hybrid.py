"""Hybrid matching: the lexical matcher's score fused with the sentence encoder's similarity, by a learned model.

For every offer, the need gets: the lexical score and rank (``knowledge/search.py``), the cosine between the need and
the offer's description (name, summary, what it provides), and the best cosine between the need and one of the
offer's own phrases (keywords, what it provides), each also relative to the other offers for the same need. A
logistic model over these features (``knowledge/data/fusion.json``, fitted by ``scripts/fit_fusion.py`` on the dev
sets, one set of coefficients per encoder) gives the fused score; the offers are ranked by it. ``unsure`` is a second
small logistic model over the lexical confidence and the semantic evidence, with the threshold chosen on dev.

Reasons: the lexical reasons (the need's words that the offer's keywords matched) are kept; an offer whose place owes
more to meaning than to shared words says which of its own phrases is closest to the need (« proche de :
rénovation énergétique des bâtiments publics »).

Without an encoder, or without coefficients for the loaded one, ``HybridMatcher`` is the lexical matcher.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable, Mapping

from knowledge.schema import Offer
from knowledge.search import Match, Matcher, MatchResult

log = logging.getLogger(__name__)

FUSION_FILE = Path(__file__).parent / "data" / "fusion.json"
BASE_FEATURES = ("lex", "lex_rel", "lex_rr", "doc_z", "phr_z", "doc_gap", "phr_gap", "ineligible")
#: Votes of the labelled dev needs nearest in meaning (``knowledge/data/need_examples.yaml``): per offer, the best
#: cosine to a need labelled with it as best / as acceptable (each minus the best offer's), and a vote of the ``k``
#: nearest needs (best 1, acceptable 0.5, weighted by the cosine).
EXAMPLE_FEATURES = ("ex_best_gap", "ex_acc_gap", "ex_vote")
FEATURES = BASE_FEATURES + EXAMPLE_FEATURES
EXAMPLES_FILE = Path(__file__).parent / "data" / "need_examples.yaml"
EXAMPLE_K = 10
UNSURE_FEATURES = ("lex_conf", "top_p", "top_doc_z", "top_phr", "top_doc")
NEAR_WORDING = "proche de : {phrase}"


def offer_document(offer: Offer) -> str:
    return f"{offer.name}. {offer.summary} {' ; '.join(offer.provides)}"


_ROLE_WORDS = frozenset("maire adjoint adjointe secretaire dgs dga president presidente conseiller elu elus agent".split())


def offer_phrases(offer: Offer) -> list[str]:
    """The offer's own phrases that may be quoted as « proche de : … » (keywords of two words or more, what it
    provides, its name); never one that names a role (« secrétaire de mairie »): it says who, not what."""
    from intents.normalize import normalize

    out: list[str] = []
    for p in [*offer.keywords, *offer.provides]:
        p = " ".join(str(p).split())
        if set(normalize(p).split()) & _ROLE_WORDS:
            continue
        if len(p) >= 8 and len(p.split()) >= 2 and p not in out and len(p) <= 90:
            out.append(p)
    short = offer.name.split("(")[0].strip()
    if short and short not in out:
        out.append(short)
    return out


def load_examples(path: Path | None = None) -> list[dict[str, Any]]:
    """The labelled needs the vote is taken over: [{text, best: [...], acceptable: [...]}] (empty when absent)."""
    import yaml

    try:
        data = yaml.safe_load((path or EXAMPLES_FILE).read_text(encoding="utf-8")) or []
    except (OSError, ValueError):
        return []
    return [d for d in data if isinstance(d, dict) and isinstance(d.get("text"), str)]


def label_matrices(examples: list[Mapping[str, Any]], ids: list[str]) -> tuple[Any, Any]:
    """(best, acceptable) boolean matrices (examples × offers); best ⊂ acceptable."""
    import numpy as np

    col = {oid: k for k, oid in enumerate(ids)}
    best = np.zeros((len(examples), len(ids)), dtype=bool)
    acc = np.zeros_like(best)
    for j, ex in enumerate(examples):
        for oid in ex.get("best") or ():
            if oid in col:
                best[j, col[oid]] = True
        for oid in [*(ex.get("acceptable") or ()), *(ex.get("best") or ())]:
            if oid in col:
                acc[j, col[oid]] = True
    return best, acc


def example_votes(cos: Any, best: Any, acc: Any, k: int = EXAMPLE_K, mask: Any = None) -> Any:
    """Per offer (n_offers × 3): the best cosine to an example labelled best with it and to one labelled acceptable,
    each minus the highest offer's, and the vote of the ``k`` nearest examples. ``mask`` (bool over the examples)
    leaves some out (the need itself when fitting: leave-one-out; the test fold in cross-validation)."""
    import numpy as np

    n = best.shape[1]
    if mask is not None:
        cos, best, acc = cos[mask], best[mask], acc[mask]
    if len(cos) == 0:
        return np.zeros((n, 3))
    floor = float(cos.min())
    b = np.where(best, cos[:, None], floor).max(axis=0)
    a = np.where(acc, cos[:, None], floor).max(axis=0)
    near = np.argsort(-cos, kind="stable")[:k]
    w = np.clip(cos[near], 0.0, None)
    vote = (w[:, None] * (best[near] * 0.5 + acc[near] * 0.5)).sum(axis=0) / max(float(w.sum()), 1e-9)
    return np.stack([b - b.max(), a - a.max(), vote], axis=1)


def load_fusion(path: Path = FUSION_FILE) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


class HybridMatcher:
    """``match`` / ``match_with_confidence`` as ``Matcher``'s, fused with meaning when an encoder is loaded."""

    def __init__(self, matcher: Matcher, encoder: Any = None, fusion: Mapping[str, Any] | None = None) -> None:
        self.matcher = matcher
        self.offers = matcher.offers
        self.ids = list(self.offers)
        self.encoder = encoder
        self.model: dict[str, Any] | None = None
        self._doc = self._phr = None
        self._phr_offer: list[int] = []
        self._phr_text: list[str] = []
        if encoder is None:
            return
        from intents.encoder import cached_vectors

        fusion = load_fusion() if fusion is None else fusion
        self.model = (fusion.get("models") or {}).get(encoder.model_id)
        self._ex = self._ex_best = self._ex_acc = None
        wanted = set((self.model or {}).get("features") or ()) & set(EXAMPLE_FEATURES)
        if wanted:
            examples = load_examples()
            if examples:
                try:
                    self._ex = cached_vectors([e["text"] for e in examples], kind="query", label="need-examples")
                except Exception:  # noqa: BLE001 - no vote: the model cannot be used as fitted
                    log.exception("encoding the labelled needs failed")
                    self._ex = None
                self._ex_best, self._ex_acc = label_matrices(examples, self.ids)
            if self._ex is None:
                log.warning("labelled needs unavailable: the fusion needs them; matching on words only")
                self.model = None
        docs = [offer_document(self.offers[i]) for i in self.ids]
        for k, oid in enumerate(self.ids):
            for p in offer_phrases(self.offers[oid]):
                self._phr_offer.append(k)
                self._phr_text.append(p)
        try:
            self._doc = cached_vectors(docs, kind="passage", label="offers-doc")
            self._phr = cached_vectors(self._phr_text, kind="passage", label="offers-phrases")
        except Exception:  # noqa: BLE001 - an encoder failing on data: lexical path
            log.exception("encoding the offers failed; matching on words only")
            self._doc = self._phr = None

    @property
    def semantic(self) -> bool:
        return self._doc is not None

    @property
    def fused(self) -> bool:
        return self._doc is not None and self.model is not None and self._phr is not None

    # delegate everything else (detect_themes, eligibility, offers, themes…) to the lexical matcher
    def __getattr__(self, name: str) -> Any:
        return getattr(self.matcher, name)

    # --- features ------------------------------------------------------------------------------------------------
    def similarities(self, text: str) -> tuple[Any, Any, list[int]] | None:
        """(cosine to each offer's description, best cosine to each offer's phrases, index of that phrase)."""
        got = self._similarities(text)
        return None if got is None else got[:3]

    def _similarities(self, text: str) -> tuple[Any, Any, list[int], Any] | None:
        if self._doc is None:
            return None
        from intents.encoder import encode_query

        import numpy as np

        q = encode_query(text[:2000])
        if q is None:
            return None
        ex = self._ex @ q if self._ex is not None else None
        doc = self._doc @ q
        phr_all = self._phr @ q
        n = len(self.ids)
        phr = np.full(n, -1.0, dtype=np.float32)
        arg = [-1] * n
        for j, k in enumerate(self._phr_offer):
            if phr_all[j] > phr[k]:
                phr[k] = phr_all[j]
                arg[k] = j
        return doc, phr, arg, ex

    def features(
        self, text: str, commune_code: str | None = None, themes: Iterable[Any] | None = None
    ) -> tuple[dict[str, list[float]], MatchResult, tuple[Any, Any, list[int]]] | None:
        """Per offer id, the fusion's base features (``BASE_FEATURES``; the example votes are added by the caller,
        ``example_votes``); the lexical result over every offer; the similarities."""
        got = self._similarities(text)
        if got is None:
            return None
        doc, phr, arg, _ = got
        sims = (doc, phr, arg)
        lexical = self.matcher.match_with_confidence(text, commune_code, limit=len(self.ids), themes=themes)
        lex = {m.id: m for m in lexical.results}
        top = max((m.score for m in lexical.results), default=0.0)
        rank = {m.id: r for r, m in enumerate(lexical.results)}
        dmean, dstd, dmax = float(doc.mean()), float(doc.std()) or 1.0, float(doc.max())
        pmean, pstd, pmax = float(phr.mean()), float(phr.std()) or 1.0, float(phr.max())
        place = self.matcher._place(commune_code)
        out: dict[str, list[float]] = {}
        for k, oid in enumerate(self.ids):
            m = lex.get(oid)
            s = m.score if m else 0.0
            if m is not None:
                eligible = m.eligible
            elif place is not None:
                eligible = self.matcher._eligibility(self.offers[oid], place)[0]
            else:
                eligible = None
            out[oid] = [
                s,
                s / top if top > 0 else 0.0,
                1.0 / (rank[oid] + 1) if oid in rank else 0.0,
                (float(doc[k]) - dmean) / dstd,
                (float(phr[k]) - pmean) / pstd,
                float(doc[k]) - dmax,
                float(phr[k]) - pmax,
                1.0 if eligible is False else 0.0,
            ]
        return out, lexical, sims

    # --- ranking -------------------------------------------------------------------------------------------------
    def match(
        self, text: str, commune_code: str | None = None, limit: int = 10, themes: Iterable[Any] | None = None
    ) -> list[Match]:
        return self.match_with_confidence(text, commune_code, limit, themes).results

    def match_with_confidence(
        self, text: str, commune_code: str | None = None, limit: int = 10, themes: Iterable[Any] | None = None
    ) -> MatchResult:
        if not self.fused or not isinstance(text, str) or not text.strip():
            return self.matcher.match_with_confidence(text, commune_code, limit, themes)
        try:
            got = self.features(text, commune_code, themes)
        except Exception:  # noqa: BLE001 - meaning must never break matching
            log.exception("hybrid features failed; lexical ranking")
            got = None
        if got is None:
            return self.matcher.match_with_confidence(text, commune_code, limit, themes)
        feats, lexical, (doc, phr, arg) = got
        if not lexical.results:  # not a need in words (keyboard smash, other script): keep the lexical verdict
            return lexical
        model = self.model or {}
        names = list(model.get("features") or BASE_FEATURES)
        if set(names) & set(EXAMPLE_FEATURES):
            from intents.encoder import encode_query

            votes = example_votes(self._ex @ encode_query(text[:2000]), self._ex_best, self._ex_acc,
                                  k=int(model.get("example_k", EXAMPLE_K)))
            for k, oid in enumerate(self.ids):
                feats[oid] = feats[oid] + [float(v) for v in votes[k]]
        pos = [FEATURES.index(f) for f in names]
        feats = {oid: [x[i] for i in pos] for oid, x in feats.items()}
        w = model["weights"]
        b = float(model["bias"])
        mean, scale = model.get("mean"), model.get("scale")
        cal_a, cal_c = model.get("calibration") or (1.0, 0.0)  # Platt scaling of the (penalised) logit
        scored: list[tuple[float, str]] = []
        for oid, x in feats.items():
            if mean and scale:
                x = [(v - m) / s for v, m, s in zip(x, mean, scale)]
            scored.append((_sigmoid(cal_a * (b + sum(wi * xi for wi, xi in zip(w, x))) + cal_c), oid))
        scored.sort(key=lambda t: (-t[0], t[1]))
        lex = {m.id: m for m in lexical.results}
        index = {oid: k for k, oid in enumerate(self.ids)}
        place = self.matcher._place(commune_code)
        results: list[Match] = []
        for p, oid in scored[: max(0, limit)]:
            k = index[oid]
            near = self._phr_text[arg[k]] if arg[k] >= 0 else None
            m = lex.get(oid)
            if m is None:
                eligible, why, warnings, _ = self.matcher._eligibility(self.offers[oid], place)
                reasons = ([NEAR_WORDING.format(phrase=near)] if near else []) + list(why)
                m = Match(id=oid, name=self.offers[oid].name, score=0.0, reasons=reasons, warnings=warnings,
                          themes=list(self.offers[oid].themes), eligible=eligible)
            elif near and not any(r.startswith("mots reconnus") for r in m.reasons):
                m = replace(m, reasons=[NEAR_WORDING.format(phrase=near), *m.reasons])
            results.append(replace(m, score=round(p, 4)))
        top = scored[0][0] if scored else 0.0
        k0 = index[scored[0][1]] if scored else 0
        unsure_model = model.get("unsure")
        if unsure_model:
            doc_z = (float(doc[k0]) - float(doc.mean())) / (float(doc.std()) or 1.0)
            ux = [lexical.confidence, top, doc_z, float(phr[k0]), float(doc[k0])]
            um, us = unsure_model.get("mean"), unsure_model.get("scale")
            if um and us:
                ux = [(v - m_) / s_ for v, m_, s_ in zip(ux, um, us)]
            fit_p = _sigmoid(float(unsure_model["bias"]) + sum(a * c for a, c in zip(unsure_model["weights"], ux)))
            unsure = fit_p < float(unsure_model["threshold"])
            confidence = fit_p
        else:
            unsure, confidence = lexical.unsure, lexical.confidence
        return MatchResult(results=results, unsure=unsure or not results, confidence=round(confidence, 4))
