"""The matcher's lexical index: offers as weighted documents (BM25F-like), the parsing of a need into stems, the
phrase and theme matches, and the relevance of each offer (``knowledge.search``'s steps 1 to 4).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz, process

from intents.normalize import ACRONYMS, STOP_WORDS, SYNONYMS, normalize, stem
from knowledge.rank import WEAK_WORDS, WORKS_WORDS
from knowledge.schema import Offer, Theme, ThemeId
from knowledge.search_tuning import (
    _FOREIGN_STOP,
    B,
    EXPANSION_WEIGHT,
    FALLBACK_MAX,
    FIELD_WEIGHTS,
    FUZZY_MIN_LEN,
    FUZZY_MIN_RATIO,
    K1,
    MAX_WORDS,
    NAME_BONUS,
    NEED_FILLERS,
    PHRASE_BONUS_PER_STEM,
    THEME_KEEP_RATIO,
    WORKS_WEIGHT,
)


def _stems(text: str) -> list[str]:
    return [stem(w) for w in normalize(text).split() if w not in STOP_WORDS]


_EXPANSIONS: dict[str, list[str]] = {}
for _table in (SYNONYMS, ACRONYMS):
    for _k, _v in _table.items():
        _EXPANSIONS[normalize(_k)] = [w for w in normalize(_v).split() if w not in STOP_WORDS]
_MAX_EXP = max(len(k.split()) for k in _EXPANSIONS)


@dataclass
class _Item:
    stem: str
    weight: float
    source: tuple[int, ...]  # indexes of the query words it comes from


@dataclass
class _Query:
    words: list[str]
    items: list[_Item]
    sequences: list[tuple[list[str], list[tuple[int, ...]], float]]  # stem sequences for phrase matching


@dataclass
class _OfferIndex:
    offer: Offer
    tf: dict[str, float]
    length: float
    phrases_weighted: list[tuple[tuple[str, ...], float]]


class _Index:
    """The index half of ``Matcher``: built once by ``_build``, read by the query methods (read-only after)."""

    offers: dict[str, Offer]
    themes: dict[ThemeId, Theme]
    territory: Any
    departement: str
    features: frozenset[str]

    # --- index -----------------------------------------------------------------------------------------------------
    def _build(self) -> None:
        self._docs: dict[str, _OfferIndex] = {}
        postings: dict[str, list[tuple[str, float]]] = defaultdict(list)
        df: dict[str, int] = defaultdict(int)
        words: set[str] = set()
        # phrase index: first stem -> list of (stems, offer id, bonus kind)
        self._phrases: dict[str, list[tuple[tuple[str, ...], str, float]]] = defaultdict(list)
        self._named: set[tuple[tuple[str, ...], str]] = set()  # phrases that name a programme (name, acronym)
        theme_labels = {t.id: t.label for t in self.themes.values()}
        memo: dict[str, tuple[list[str], list[str]]] = {}  # text -> (words, stems): keywords repeat across offers
        phrase_memo: dict[str, tuple[str, ...]] = {}

        def phrase_stems(text: str) -> tuple[str, ...]:  # figures kept: "4 saisons"
            if text not in phrase_memo:
                phrase_memo[text] = tuple(_stems(text))
            return phrase_memo[text]

        for offer in self.offers.values():
            tf: dict[str, float] = defaultdict(float)
            length = 0.0
            fields: list[tuple[str, float]] = [(offer.name, FIELD_WEIGHTS["name"])]
            if offer.acronym:
                fields.append((offer.acronym, FIELD_WEIGHTS["acronym"]))
            fields += [(k, FIELD_WEIGHTS["keyword"]) for k in offer.keywords]
            fields += [(p, FIELD_WEIGHTS["provides"]) for p in offer.provides]
            fields.append((offer.summary, FIELD_WEIGHTS["summary"]))
            fields += [(op, FIELD_WEIGHTS["operator"]) for op in offer.operators]
            fields += [(theme_labels.get(t, ""), FIELD_WEIGHTS["theme_label"]) for t in offer.themes]
            local = offer.local.get(self.departement)
            if local and local.text:
                fields.append((local.text, FIELD_WEIGHTS["local"]))
            for text, weight in fields:
                cached = memo.get(text)
                if cached is None:
                    norm = normalize(text)
                    cached = memo[text] = (
                        [w for w in norm.split() if w not in STOP_WORDS and not w.isdigit()],
                        [stem(w) for w in norm.split() if w not in STOP_WORDS and not w.isdigit()],
                    )
                words.update(cached[0])
                stems = cached[1]  # figures alone ("4", "2026") are not indexed; phrases keep them ("4 saisons")
                for s in stems:
                    tf[s] += weight
                length += weight * len(stems)
            for s, value in tf.items():
                postings[s].append((offer.id, value))
                df[s] += 1
            # phrases: name, acronym (strong), keywords of two stems or more (bonus per stem)
            strong = [offer.name] + ([offer.acronym] if offer.acronym else [])
            seen: set[tuple[str, ...]] = set()
            for text in strong:
                st = phrase_stems(text)
                if st and st not in seen:
                    seen.add(st)
                    self._phrases[st[0]].append((st, offer.id, NAME_BONUS))
                    self._named.add((st, offer.id))
            for text in offer.keywords:
                st = phrase_stems(text)
                if len(st) >= 2 and st not in seen:
                    seen.add(st)
                    self._phrases[st[0]].append((st, offer.id, PHRASE_BONUS_PER_STEM * len(st)))
                elif len(st) == 1 and text.isupper() and len(text) <= 6 and st not in seen:
                    # an acronym among the keywords ("VDA", "MSP"): as strong as the offer's own acronym, halved
                    seen.add(st)
                    self._phrases[st[0]].append((st, offer.id, NAME_BONUS / 2))
                    self._named.add((st, offer.id))
            self._docs[offer.id] = _OfferIndex(offer, dict(tf), length, [])
        n = max(1, len(self._docs))
        self._avg_len = sum(d.length for d in self._docs.values()) / n if self._docs else 1.0
        self._idf = {s: math.log(1 + (n - c + 0.5) / (c + 0.5)) for s, c in df.items()}
        # precomputed BM25 contribution of each (stem, offer), idf excluded
        self._postings: dict[str, list[tuple[str, float]]] = {}
        self._parts: dict[str, dict[str, float]] = defaultdict(dict)
        for s, plist in postings.items():
            out = []
            for oid, tfw in plist:
                norm_len = 1 - B + B * self._docs[oid].length / self._avg_len
                part = tfw * (K1 + 1) / (tfw + K1 * norm_len)
                out.append((oid, part))
                self._parts[oid][s] = part
            self._postings[s] = out
        self._theme_offers: dict[ThemeId, list[tuple[str, int]]] = defaultdict(list)
        for offer in self.offers.values():
            for pos, tid in enumerate(offer.themes):
                self._theme_offers[tid].append((offer.id, pos))
        self._word_vocab = sorted(words | {w for k in _EXPANSIONS for w in k.split()})
        self._stem_vocab = set(self._postings)
        # themes: phrase index over their keywords (and labels)
        self._theme_phrases: dict[str, list[tuple[tuple[str, ...], ThemeId]]] = defaultdict(list)
        for theme in self.themes.values():
            seen_t: set[tuple[str, ...]] = set()
            for text in [*theme.keywords]:
                st = tuple(_stems(text))
                if st and st not in seen_t:
                    seen_t.add(st)
                    self._theme_phrases[st[0]].append((st, theme.id))
            for w in normalize(" ".join(theme.keywords)).split():
                if w not in STOP_WORDS and not w.isdigit():
                    self._word_vocab.append(w)
        self._word_vocab = sorted(set(self._word_vocab))
        self._word_set = frozenset(self._word_vocab)
        by_initial: dict[str, list[str]] = defaultdict(list)
        for w in self._word_vocab:
            by_initial[w[0]].append(w)
        self._word_vocab_by_initial = dict(by_initial)
        self._theme_stems = {s for plist in self._theme_phrases.values() for st, _ in plist for s in st}
        self._fuzzy = lru_cache(maxsize=20000)(self._fuzzy_uncached)
        # Names of the département's communes and EPCI say where, not what: dropped from needs unless the offers
        # use the word ("Delle" would otherwise be read as "délai", "Lepuix" corrected into something else).
        names: set[str] = set()
        for getter in ("communes_of", "epcis_of"):
            try:
                for place in getattr(self.territory, getter)(self.departement):
                    names.update(normalize(place.name).split())
            except Exception:  # noqa: BLE001 - no territory, or a referential without these lookups
                pass
        self._ignore = frozenset(names - self._word_set - STOP_WORDS)
        # issue 11: the general investment grants (their keywords say so), the rural programmes (rural only), and
        # the programmes for members or laureates only
        general = phrase_stems("subvention d'investissement")
        # (a few at most, the broadest first: a large catalogue must not lift thousands of offers per query)
        grants = [o for o in self.offers.values() if any(tuple(phrase_stems(k)) == general for k in o.keywords)]
        grants.sort(key=lambda o: (-len(o.themes), o.id))
        self._fallback = sorted(o.id for o in grants[:FALLBACK_MAX])
        rural = [o for o in self.offers.values() if o.eligibility.rural_only and "commerce-artisanat" in
                 {getattr(t, "value", t) for t in o.themes}]
        rural.sort(key=lambda o: (-len(o.themes), o.id))
        self._rural_offers = sorted(o.id for o in rural[:FALLBACK_MAX])
        # stems of the specific offers' own keywords, names and acronyms, not of the general grants' keywords: a word
        # that points at a programme (« géothermie », « emprunt »)
        grant_stems = {st for oid in self._fallback for k in self.offers[oid].keywords for st in phrase_stems(k)}
        self._specific_stems = frozenset(
            st for o in self.offers.values() if o.id not in self._fallback
            for k in (*o.keywords, o.name, o.acronym or "") for st in phrase_stems(k)
        ) - grant_stems
        # keywords of the specific offers, as stem tuples: an asset one of them names is that offer's business
        self._specific_keywords = frozenset(
            key for o in self.offers.values() if o.id not in self._fallback for k in o.keywords
            if (key := phrase_stems(k))
        )
        self._restricted = frozenset(
            oid for oid, o in self.offers.items() if o.eligibility.requires_any or o.eligibility.laureates_only
        )

    def _canon(self, s: str) -> str:
        """An unknown stem mapped to its longest known prefix of 5+ letters: the stemmer does not always give the
        singular and the plural, or the masculine and the feminine, the same stem ("maraichers", "maraicher")."""
        if len(s) <= 5:
            return s
        for n in range(len(s) - 1, 4, -1):
            p = s[:n]
            if p in self._stem_vocab or p in self._theme_stems:
                return p
        return s

    def _fuzzy_uncached(self, word: str) -> tuple[str, float] | None:
        if len(word) < FUZZY_MIN_LEN or word.isdigit():
            return None
        # A typo seldom changes the first letter: "plantation" is not a typo of "implantation".
        choices = self._word_vocab_by_initial.get(word[0], ())
        best = process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN_RATIO)
        if not best:
            return None
        return best[0], best[1] / 100.0

    # --- query -----------------------------------------------------------------------------------------------------
    def _parse(self, text: object) -> _Query | None:
        if not isinstance(text, str):
            return None
        norm = normalize(text)
        if not norm:
            return None
        words = norm.split()[:MAX_WORDS]
        foreign = sum(1 for w in words if w in _FOREIGN_STOP)
        french = sum(1 for w in words if w in STOP_WORDS)
        if foreign >= 2 and foreign > french:
            return None  # another language: we do not guess
        items: list[_Item] = []
        main_seq: list[str] = []
        main_src: list[tuple[int, ...]] = []
        for i, w in enumerate(words):
            if w in STOP_WORDS or w in self._ignore:
                continue
            if w.isdigit() or w in NEED_FILLERS or (w in WEAK_WORDS and "weak" in self.features):  # only inside a phrase ("4 saisons", "villages d'avenir")
                main_seq.append(w if w.isdigit() else stem(w))
                main_src.append((i,))
                continue
            s = stem(w)
            weight = WORKS_WEIGHT if w in WORKS_WORDS and "works" in self.features else 1.0
            if s not in self._stem_vocab and s not in self._theme_stems and w not in self._word_set:
                s = self._canon(s)
            if s not in self._stem_vocab and s not in self._theme_stems and w not in self._word_set:
                fixed = self._fuzzy(w)
                if fixed:
                    s, ratio = stem(fixed[0]), fixed[1]
                    weight = 0.8 * ratio
                elif w.isdigit():
                    continue
            items.append(_Item(s, weight, (i,)))
            main_seq.append(s)
            main_src.append((i,))
        sequences = [(main_seq, main_src, 1.0)]
        n = len(words)
        for i in range(n):
            for size in range(1, _MAX_EXP + 1):
                if i + size > n:
                    break
                key = " ".join(words[i : i + size])
                exp = _EXPANSIONS.get(key)
                if not exp:
                    continue
                src = tuple(range(i, i + size))
                seq = [stem(w) for w in exp]
                for s in seq:
                    items.append(_Item(s, EXPANSION_WEIGHT, src))
                sequences.append((seq, [src] * len(seq), EXPANSION_WEIGHT + 0.2))
        if not items:
            return None
        return _Query(words, items, sequences)

    def detect_themes(self, text: str) -> list[ThemeId]:
        """Themes understood in a need, best first (only themes whose keywords appear in the text)."""
        query = self._parse(text)
        if query is None:
            return []
        scores = self._theme_scores(query)
        if not scores:
            return []
        top = max(v[0] for v in scores.values())
        # a theme carried by a single stray word next to a clearly stronger one is left out
        kept = [(t, v[0]) for t, v in scores.items() if v[0] >= THEME_KEEP_RATIO * top]
        return [t for t, _ in sorted(kept, key=lambda kv: (-kv[1], kv[0].value))]

    def _theme_scores(self, query: _Query) -> dict[ThemeId, tuple[float, set[int]]]:
        scores: dict[ThemeId, tuple[float, set[int]]] = {}
        for seq, src, weight in query.sequences:
            for i, s in enumerate(seq):
                for st, tid in self._theme_phrases.get(s, ()):
                    if tuple(seq[i : i + len(st)]) == st:
                        old, words = scores.get(tid, (0.0, set()))
                        used = {k for x in src[i : i + len(st)] for k in x}
                        scores[tid] = (old + weight * len(st), words | used)
        return scores

    @staticmethod
    def _best_items(query: _Query) -> dict[str, _Item]:
        best_item: dict[str, _Item] = {}
        for item in query.items:
            prev = best_item.get(item.stem)
            if prev is None or item.weight > prev.weight:
                best_item[item.stem] = item
        return best_item

    def _relevance(
        self, query: _Query
    ) -> tuple[dict[str, float], dict[str, list[tuple[float, tuple[int, ...]]]], set[str]]:
        """Raw relevance per offer (lexical + phrases), per offer the phrase hits (value, query word indexes), and
        the offers named in the need (name, acronym)."""
        named: set[str] = set()
        scores: dict[str, float] = defaultdict(float)
        for s, item in self._best_items(query).items():
            plist = self._postings.get(s)
            if not plist:
                continue
            factor = item.weight * self._idf[s]
            for oid, part in plist:
                scores[oid] += factor * part
        hits: dict[str, list[tuple[float, tuple[int, ...]]]] = defaultdict(list)
        for seq, src, weight in query.sequences:
            matched: set[tuple[str, tuple[str, ...]]] = set()
            for i, s in enumerate(seq):
                for st, oid, bonus in self._phrases.get(s, ()):
                    if (oid, st) in matched or tuple(seq[i : i + len(st)]) != st:
                        continue
                    matched.add((oid, st))
                    if (st, oid) in self._named:
                        named.add(oid)
                    value = bonus * weight
                    scores[oid] += value
                    hits[oid].append((value, tuple(k for x in src[i : i + len(st)] for k in x)))
        return scores, hits, named

    def _contributions(
        self, oid: str, query: _Query, hits: list[tuple[float, tuple[int, ...]]]
    ) -> dict[int, float]:
        """How much each query word brought to one offer (for the "mots reconnus" reason)."""
        contrib: dict[int, float] = defaultdict(float)
        parts = self._parts[oid]
        for s, item in self._best_items(query).items():
            part = parts.get(s)
            if part:
                value = item.weight * self._idf[s] * part
                for k in item.source:
                    contrib[k] += value / len(item.source)
        for value, words in hits:
            for k in words:
                contrib[k] += value / max(1, len(words))
        return contrib
