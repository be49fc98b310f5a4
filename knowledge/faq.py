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

import logging
import math
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Mapping

from rapidfuzz import fuzz, process

from intents.normalize import ACRONYMS, SYNONYMS, normalize, stem
from knowledge.schema import FaqEntry, Offer

log = logging.getLogger(__name__)

THRESHOLD = 0.5
MARGIN = 0.06
PROGRAMME_BONUS = 0.18
OTHER_PROGRAMME_PENALTY = 0.2
MIN_EVIDENCE = 1.6  # summed idf of the recognised, specific stems
MIN_COVERAGE = 0.6  # share of the question's specific words known to the FAQ or the offers (no programme named)
EXPANSION_WEIGHT = 0.3
NEAR_EXACT = 0.9  # token-sort similarity with one way of asking that passes the gates
UNKNOWN_WEIGHT = 0.5  # weight of a word unknown to the FAQ and the offers, relative to the rarest known word
MIN_EXPLAINED = 0.4  # share of the specific words the answering entry (or its offer) must account for
W_COS, W_COV, W_FUZZ, W_TOPIC = 0.4, 0.3, 0.2, 0.2

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
    national nationale etat public publique quoi sert servir signifie veut dire explique expliquer definition koi
    kesako cest beaucoup tres trop bien bon oui non ok plus moins
    tout tous toute rien chose aller va vais vont venir voir vouloir veux voudrais voudrait pouvoir sais savez
    connaitre meme devenir vers pouvons pouvez pourrions pourriez an ans annee prochain prochaine demain tourner passer
    passe encore deja toujours jamais souvent vraiment simplement rapidement exactement chez apres avant depuis pendant
    sans pas existe existent exister
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
    place: str | None = None  # INSEE code or SIREN when the answer is about a place
    member: bool | None = None  # about a place and a list: True, False (complete list) or None (unknown)
    verified: str | None = None  # ISO date the information was last checked


def _faq_words(text: str) -> list[str]:
    return [w for w in normalize(text).split() if w not in _FAQ_STOP]


class FaqIndex:
    """Read-only after construction."""

    def __init__(
        self,
        entries: Iterable[FaqEntry],
        offers: Mapping[str, Offer] | Iterable[Offer] | None = None,
        ignore: Iterable[str] = (),
        encoder: Any = None,
    ) -> None:
        """``ignore``: words to drop from questions, e.g. the names of the département's communes ("Delle" must not
        be read as "délai": both stem to "del"); a word the FAQ itself uses is never dropped."""
        self.entries: list[FaqEntry] = list(entries)
        self._ignore_given = {w for text in ignore for w in normalize(text).split()}
        offer_list = list(offers.values()) if isinstance(offers, Mapping) else list(offers or [])
        self.offers: dict[str, Offer] = {o.id: o for o in offer_list}
        self._by_id = {e.id: e for e in self.entries}
        self._build()
        self.encoder = encoder
        self.semantic: Any = None  # knowledge.faq_semantic.SemanticFaq when an encoder is loaded
        if encoder is not None:
            from knowledge.faq_semantic import SemanticFaq

            try:
                self.semantic = SemanticFaq(self, encoder)
            except Exception:  # noqa: BLE001 - an encoder that fails on data: the lexical FAQ
                log.exception("encoding the FAQ failed; lexical FAQ")
                self.semantic = None

    def _build(self) -> None:
        docs: list[tuple[int, list[str]]] = []  # (entry index, stems)
        vocab_words: set[str] = set()
        for i, entry in enumerate(self.entries):
            for q in entry.questions:
                words = _faq_words(q)
                vocab_words.update(w for w in words if not w.isdigit())
                docs.append((i, [stem(w) for w in words]))
        # offer "topic" documents: name, acronym, keywords (the programme's words, beyond the FAQ's phrasings)
        topics: dict[str, list[str]] = {}
        for offer in self.offers.values():
            texts = [offer.name] + ([offer.acronym] if offer.acronym else []) + list(offer.keywords)
            words = [w for t in texts for w in _faq_words(t)]
            vocab_words.update(w for w in words if not w.isdigit())
            topics[offer.id] = [stem(w) for w in words]
        df: dict[str, int] = defaultdict(int)
        for stems in [d for _, d in docs] + list(topics.values()):
            for s in set(stems):
                df[s] += 1
        n = max(1, len(docs) + len(topics))
        self._idf = {s: math.log((n + 1) / (c + 0.5)) for s, c in df.items()}
        self._default_idf = math.log((n + 1) / 0.5)
        self._entry_stems: list[set[str]] = [set() for _ in self.entries]
        for i, stems in docs:
            self._entry_stems[i].update(stems)
        self._docs: list[tuple[int, dict[str, float], float]] = []
        for i, stems in docs:
            vec = self._vector(stems)
            self._docs.append((i, vec, math.sqrt(sum(v * v for v in vec.values())) or 1.0))
        self._topics: dict[str, tuple[dict[str, float], float]] = {}
        for oid, stems in topics.items():
            vec = {s: self._idf.get(s, self._default_idf) for s in set(stems)}  # binary: keyword lists repeat words
            self._topics[oid] = (vec, math.sqrt(sum(v * v for v in vec.values())) or 1.0)
        # normalised question texts for the fuzzy similarity, grouped by entry
        self._texts: list[tuple[int, str]] = []
        for i, entry in enumerate(self.entries):
            for q in entry.questions:
                self._texts.append((i, " ".join(_faq_words(q))))
        # programme mentions: name, acronym, multi-word or upper-case keywords -> offer id
        mentions: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for offer in self.offers.values():
            names = [offer.name, offer.name.split("(")[0]] + ([offer.acronym] if offer.acronym else [])
            for text in names:
                st = tuple(stem(w) for w in _faq_words(text))
                if st and (len(st) >= 2 or st[0] not in _GENERIC):
                    mentions[st].add(offer.id)
            keywords = [k for k in offer.keywords if len(normalize(k).split()) >= 2 or (k.isupper() and len(k) >= 2)]
            for text in keywords:
                st = tuple(stem(w) for w in _faq_words(text))
                if st and any(s not in _GENERIC for s in st):
                    mentions[st].add(offer.id)
        # A phrase naming several offers ("chef de projet"), or used in questions about something else ("ANCT" in
        # the general entries), says nothing about which offer is meant.
        question_stems = [(self.entries[i].programme, " " + " ".join(stems) + " ") for i, stems in docs]
        self._mentions: dict[tuple[str, ...], set[str]] = {}
        for st, ids in mentions.items():
            if len(ids) != 1:
                continue
            (oid,) = ids
            needle = " " + " ".join(st) + " "
            if any(needle in text for programme, text in question_stems if programme != oid):
                continue
            self._mentions[st] = ids
        self._mention_first: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for st in self._mentions:
            self._mention_first[st[0]].append(st)
        self._ignore = frozenset(self._ignore_given - vocab_words - _FAQ_STOP)
        self._vocab_words = sorted(vocab_words)
        self._vocab_set = frozenset(vocab_words)
        self._known_stems = set(self._idf)
        self._fix = lru_cache(maxsize=20000)(self._fix_uncached)

    def _vector(self, stems: list[str]) -> dict[str, float]:
        vec: dict[str, float] = defaultdict(float)
        for s in stems:
            vec[s] += self._idf.get(s, self._default_idf)
        return vec

    def _canon(self, s: str) -> str:
        """A stem unknown to the index mapped to its longest known prefix (5+ letters, 70 % of it) ("dernier" → "derni": the
        stemmer does not always give the masculine and feminine forms the same stem)."""
        if s in self._idf or len(s) <= 5:
            return s
        for n in range(len(s) - 1, max(5, math.ceil(0.7 * len(s))) - 1, -1):  # "passeport" is not "pass"
            if s[:n] in self._idf:
                return s[:n]
        return s

    def _fix_uncached(self, word: str) -> str:
        if len(word) < 5 or word.isdigit() or word in self._vocab_set:
            return word
        choices = [w for w in self._vocab_words if w[0] == word[0]]  # a typo seldom changes the first letter
        best = process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=84)
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
        """Every entry with its confidence, best first (for evaluation and debugging); empty when the question is
        not about anything the FAQ knows."""
        return [(conf, entry) for conf, entry, _ in self._score(text)]

    def _score(self, text: object) -> list[tuple[float, FaqEntry, bool]]:
        """(confidence, entry, grounded) best first. ``grounded``: the entry explains most of the question's
        specific words (or the question names its programme, or nearly repeats one of its ways of asking)."""
        if not isinstance(text, str):
            return []
        words = [w for w in _faq_words(text)[:200] if w not in self._ignore]
        if not words:
            return []
        fixed: list[str] = []
        guessed: set[str] = set()  # stems that come from a typo correction
        stems: list[str] = []
        for w in words:
            s = self._canon(stem(w))
            if s in self._known_stems:
                fixed.append(w)
                stems.append(s)
                continue
            f = self._fix(w)
            fixed.append(f)
            stems.append(self._canon(stem(f)))
            if f != w:
                guessed.add(stems[-1])
        padded = f" {' '.join(fixed)} "
        extra = [stem(x) for k, v in _EXPANSIONS.items() if f" {k} " in padded for x in v if x not in _FAQ_STOP]
        all_stems = stems + [s for s in extra if s not in stems]
        programmes = self._programmes(stems) | self._programmes(all_stems)
        query_text = " ".join(fixed)
        fuzzy_all = [(i, fuzz.token_sort_ratio(query_text, qtext) / 100.0) for i, qtext in self._texts]
        near_exact = {i for i, v in fuzzy_all if v >= NEAR_EXACT}
        # Is this question about what we know at all? Its specific words must be known, and most of them.
        content = {s for s in stems if s not in _GENERIC and len(s) >= 2 and not s.isdigit()}
        expandable = {stem(k) for k in _EXPANSIONS if " " not in k and f" {k} " in padded}
        known_weight = sum(0.5 if s in guessed else 1.0 for s in content if s in self._idf or s in expandable)
        evidence = sum(self._idf[s] for s in {s for s in content if s in self._idf and s not in guessed})
        evidence += sum(EXPANSION_WEIGHT * self._idf[s] for s in set(extra) if s in self._idf and s not in _GENERIC)
        if not programmes and not near_exact:
            if evidence < MIN_EVIDENCE or (content and known_weight / len(content) < MIN_COVERAGE):
                return []
        qvec = self._vector([s for s in stems if s in self._idf])
        for s in set(all_stems) - set(stems):  # acronym/synonym expansions count less than the words typed
            if s in self._idf:
                qvec[s] = qvec.get(s, 0.0) + EXPANSION_WEIGHT * self._idf[s]
        qnorm = math.sqrt(sum(v * v for v in qvec.values())) or 1.0
        q_total = sum(qvec.values()) or 1.0
        specific = {s: w for s, w in qvec.items() if s not in _GENERIC}
        specific_total = sum(specific.values())
        # words of the question we do not know at all still count in what an answer has to account for
        unknown_total = UNKNOWN_WEIGHT * sum(self._default_idf for s in content if s not in self._idf)
        best_cos: dict[int, float] = defaultdict(float)
        for i, vec, norm in self._docs:
            dot = sum(w * vec.get(s, 0.0) for s, w in qvec.items())
            if dot:
                cos = dot / (qnorm * norm)
                if cos > best_cos[i]:
                    best_cos[i] = cos
        best_fz: dict[int, float] = defaultdict(float)
        for i, value in fuzzy_all:
            if value > best_fz[i]:
                best_fz[i] = value
        topic_cache: dict[str, float] = {}
        out: list[tuple[float, int, FaqEntry, bool]] = []
        for i, entry in enumerate(self.entries):
            if i not in best_cos and i not in near_exact and not (programmes and entry.programme in programmes):
                continue
            topic = 0.0
            if entry.programme in self._topics:
                if entry.programme not in topic_cache:
                    # share of the question's specific words found in the offer's own words
                    vec, _ = self._topics[entry.programme]
                    found = sum(w for s, w in specific.items() if s in vec)
                    topic_cache[entry.programme] = found / specific_total if specific_total else 0.0
                topic = topic_cache[entry.programme]
            coverage = sum(w for s, w in qvec.items() if s in self._entry_stems[i]) / q_total
            conf = W_COS * best_cos.get(i, 0.0) + W_COV * coverage + W_FUZZ * best_fz.get(i, 0.0) + W_TOPIC * topic
            if programmes:
                if entry.programme in programmes:
                    conf += PROGRAMME_BONUS
                elif entry.programme is not None:
                    conf -= OTHER_PROGRAMME_PENALTY
            explained = 1.0
            if specific_total + unknown_total:
                own = self._entry_stems[i] | (set(self._topics[entry.programme][0]) if entry.programme in self._topics else set())
                explained = sum(w for s, w in specific.items() if s in own) / (specific_total + unknown_total)
            grounded = i in near_exact or entry.programme in programmes or explained >= MIN_EXPLAINED
            out.append((conf, i, entry, grounded))
        out.sort(key=lambda t: (-t[0], t[1]))  # ties: the order of the FAQ file (an offer's first entry is general)
        return [(max(0.0, min(1.0, conf)), entry, grounded) for conf, _, entry, grounded in out]

    def names_programme(self, text: object) -> bool:
        """The question names a programme (its name, acronym or a distinctive keyword)."""
        if not isinstance(text, str):
            return False
        stems = [self._canon(stem(w)) for w in _faq_words(text)[:200] if w not in self._ignore]
        return bool(self._programmes(stems))

    def answer(self, text: object, programme: str | None = None) -> FaqAnswer | None:
        """The answer to ``text``, or ``None`` when not confident enough. ``programme``: the offer the previous
        answer was about; a question that names no other programme (« et ça marche pour une salle des fêtes ? »)
        is then answered from that programme's entries."""
        if programme is not None and (programme not in {e.programme for e in self.entries} or self.names_programme(text)):
            programme = None
        if self.semantic is not None and self.semantic.fitted and isinstance(text, str) and text.strip():
            try:
                got = self.semantic.best(text, programme)
            except Exception:  # noqa: BLE001 - meaning must never break the FAQ: the lexical reading below
                log.exception("semantic FAQ failed; lexical FAQ")
            else:
                if got is None:
                    return None
                p, i = got
                best = self.entries[i]
                return FaqAnswer(id=best.id, programme=best.programme, text=best.answer, source=str(best.source),
                                 confidence=round(p, 4))
        return self._lexical_answer(text, programme)

    def _lexical_answer(self, text: object, programme: str | None = None) -> FaqAnswer | None:
        try:
            scored = self._score(text)
        except RecursionError:  # pragma: no cover - defensive
            return None
        if programme is not None:
            scored = [t for t in scored if t[1].programme == programme]
        if not scored:
            return None
        conf, best, grounded = scored[0]
        if conf < THRESHOLD or not (grounded or programme is not None):
            return None
        rival = next((c for c, e, _ in scored[1:] if e.programme != best.programme or e.programme is None), 0.0)
        if conf - rival < MARGIN:
            return None
        return FaqAnswer(
            id=best.id, programme=best.programme, text=best.answer, source=str(best.source), confidence=round(conf, 4)
        )
