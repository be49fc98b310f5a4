"""FAQ retrieval with a refusal rule: an answer only when the best entry is clearly the right one.

Each FAQ entry has several ways of asking (``questions``). A question is scored against each of them with

* a TF-IDF cosine over stems (question words such as "qui", "comment", "combien" kept: they tell an eligibility
  question from a "what is it" question), typos corrected with rapidfuzz against the FAQ vocabulary;
* a rapidfuzz token-set similarity over the normalised texts;
* a programme signal: when the question names an offer (name, acronym, distinctive keyword), entries about that
  offer are favoured and entries about another offer are penalised.

Refusal (Rasa-style fallback): no answer when the best confidence is under ``THRESHOLD``, when the best entry is not
ahead of the best entry *of another programme* by ``MARGIN``, or when nothing specific to the knowledge base was
recognised in the question (weather, football, recipes…). ``None`` rather than a wrong answer.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Mapping

from rapidfuzz import fuzz, process

from intents.normalize import ACRONYMS, SYNONYMS, normalize, stem
from knowledge.schema import FaqEntry, Offer

THRESHOLD = 0.42
MARGIN = 0.06
PROGRAMME_BONUS = 0.18
OTHER_PROGRAMME_PENALTY = 0.2
MIN_EVIDENCE = 1.6  # summed idf of the recognised, specific stems

# Stop words for FAQ questions: only grammatical glue. Interrogatives (qui, quoi, comment, combien, quand, ou…) stay.
_FAQ_STOP = frozenset(
    """
    a au aux ce ces cet cette d de des du en et il ils elle elles j je l la le les leur leurs lui m ma me mes moi mon
    n ne nos notre nous on par pour s sa se ses son t ta te tes toi ton tu un une y vous votre vos est sont ai as a
    avez avons ont etre svp merci bonjour madame monsieur sil plait sur dans avec ca cela ceci
    """.split()
)
# Stems that say "this is a question" but nothing about the subject: they count in the cosine, not as evidence.
_GENERIC = frozenset(
    stem(w)
    for w in """
    qui quoi comment combien quand ou pourquoi quel quelle quels quelles que qu peut peux puis pouvez dois doit faut
    faire fait est sont etre avoir commune communes mairie maire ville village collectivite collectivites projet
    projets aide aides question savoir besoin obtenir demande demander dossier temps belfort territoire france
    national nationale etat public publique quoi sert servir signifie veut dire explique expliquer definition
    """.split()
)
_EXPANSIONS = {normalize(k): normalize(v).split() for table in (SYNONYMS, ACRONYMS) for k, v in table.items()}


@dataclass(frozen=True)
class FaqAnswer:
    id: str
    programme: str | None
    text: str
    source: str
    confidence: float


def _faq_words(text: str) -> list[str]:
    return [w for w in normalize(text).split() if w not in _FAQ_STOP]


class FaqIndex:
    """Read-only after construction."""

    def __init__(self, entries: Iterable[FaqEntry], offers: Mapping[str, Offer] | Iterable[Offer] | None = None) -> None:
        self.entries: list[FaqEntry] = list(entries)
        offer_list = list(offers.values()) if isinstance(offers, Mapping) else list(offers or [])
        self.offers: dict[str, Offer] = {o.id: o for o in offer_list}
        self._by_id = {e.id: e for e in self.entries}
        self._build()

    def _build(self) -> None:
        docs: list[tuple[int, list[str]]] = []  # (entry index, stems)
        vocab_words: set[str] = set()
        for i, entry in enumerate(self.entries):
            for q in entry.questions:
                words = _faq_words(q)
                vocab_words.update(w for w in words if not w.isdigit())
                docs.append((i, [stem(w) for w in words]))
        df: dict[str, int] = defaultdict(int)
        for _, stems in docs:
            for s in set(stems):
                df[s] += 1
        n = max(1, len(docs))
        self._idf = {s: math.log((n + 1) / (c + 0.5)) for s, c in df.items()}
        self._default_idf = math.log((n + 1) / 0.5)
        self._docs: list[tuple[int, dict[str, float], float, str]] = []
        for i, stems in docs:
            vec = self._vector(stems)
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            self._docs.append((i, vec, norm, ""))
        # normalised question texts for the fuzzy similarity, grouped by entry
        self._texts: list[tuple[int, str]] = []
        for i, entry in enumerate(self.entries):
            for q in entry.questions:
                self._texts.append((i, " ".join(_faq_words(q))))
        # programme mentions: name, acronym, multi-word or upper-case keywords -> offer id
        self._mentions: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for offer in self.offers.values():
            names = [offer.name] + ([offer.acronym] if offer.acronym else [])
            names += [k for k in offer.keywords if len(normalize(k).split()) >= 2 or (k.isupper() and len(k) >= 2)]
            for text in names:
                st = tuple(stem(w) for w in _faq_words(text))
                if st:
                    self._mentions[st].add(offer.id)
                vocab_words.update(w for w in _faq_words(text) if not w.isdigit())
        # a phrase naming several offers (e.g. "chef de projet") says nothing about which one
        self._mentions = {k: v for k, v in self._mentions.items() if len(v) == 1}
        self._mention_first: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for st in self._mentions:
            self._mention_first[st[0]].append(st)
        self._vocab_words = sorted(vocab_words)
        self._vocab_set = frozenset(vocab_words)
        self._known_stems = set(self._idf) | {s for st in self._mentions for s in st}
        self._fix = lru_cache(maxsize=20000)(self._fix_uncached)

    def _vector(self, stems: list[str]) -> dict[str, float]:
        vec: dict[str, float] = defaultdict(float)
        for s in stems:
            vec[s] += self._idf.get(s, self._default_idf)
        return vec

    def _fix_uncached(self, word: str) -> str:
        if len(word) < 5 or word.isdigit() or word in self._vocab_set:
            return word
        best = process.extractOne(word, self._vocab_words, scorer=fuzz.ratio, score_cutoff=84)
        return best[0] if best else word

    # --- query -----------------------------------------------------------------------------------------------------
    def _programmes(self, stems: list[str]) -> set[str]:
        found: set[str] = set()
        for i, s in enumerate(stems):
            for st in self._mention_first.get(s, ()):
                if tuple(stems[i : i + len(st)]) == st:
                    found |= self._mentions[st]
        return found

    def ranked(self, text: object) -> list[tuple[float, FaqEntry]]:
        """Every entry with its confidence, best first (for evaluation and debugging)."""
        if not isinstance(text, str):
            return []
        words = _faq_words(text)[:200]
        if not words:
            return []
        fixed = [self._fix(w) if stem(w) not in self._known_stems else w for w in words]
        stems = [stem(w) for w in fixed]
        extra = [stem(x) for k, v in _EXPANSIONS.items() if k in f" {' '.join(fixed)} " for x in v]
        all_stems = stems + [s for s in extra if s not in stems]
        programmes = self._programmes(stems) | self._programmes(all_stems)
        evidence = sum(self._idf.get(s, 0.0) for s in set(all_stems) if s in self._idf and s not in _GENERIC)
        if programmes:
            evidence += 2.0
        if evidence < MIN_EVIDENCE:
            return []
        qvec = self._vector([s for s in all_stems if s in self._idf])
        qnorm = math.sqrt(sum(v * v for v in qvec.values())) or 1.0
        best_cos: dict[int, float] = defaultdict(float)
        for i, vec, norm, _ in self._docs:
            dot = sum(w * vec.get(s, 0.0) for s, w in qvec.items())
            if dot:
                cos = dot / (qnorm * norm)
                if cos > best_cos[i]:
                    best_cos[i] = cos
        query_text = " ".join(fixed)
        best_fz: dict[int, float] = defaultdict(float)
        for i, qtext in self._texts:
            if i in best_cos or programmes:
                value = fuzz.token_set_ratio(query_text, qtext) / 100.0
                if value > best_fz[i]:
                    best_fz[i] = value
        out: list[tuple[float, FaqEntry]] = []
        for i, entry in enumerate(self.entries):
            if i not in best_cos and i not in best_fz:
                continue
            conf = 0.65 * best_cos.get(i, 0.0) + 0.35 * best_fz.get(i, 0.0)
            if programmes:
                if entry.programme in programmes:
                    conf += PROGRAMME_BONUS
                elif entry.programme is not None:
                    conf -= OTHER_PROGRAMME_PENALTY
            out.append((max(0.0, min(1.0, conf)), entry))
        out.sort(key=lambda t: (-t[0], t[1].id))
        return out

    def answer(self, text: object) -> FaqAnswer | None:
        """The answer to ``text``, or ``None`` when not confident enough (threshold and margin)."""
        try:
            ranked = self.ranked(text)
        except RecursionError:  # pragma: no cover - defensive
            return None
        if not ranked:
            return None
        conf, best = ranked[0]
        if conf < THRESHOLD:
            return None
        rival = next((c for c, e in ranked[1:] if e.programme != best.programme or e.programme is None), 0.0)
        if conf - rival < MARGIN:
            return None
        return FaqAnswer(
            id=best.id, programme=best.programme, text=best.answer, source=str(best.source), confidence=round(conf, 4)
        )
