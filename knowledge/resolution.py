"""Resolution of what a person types into a commune or an EPCI: the ``Resolver`` half of
``knowledge.territory.Territory`` (which holds the indexes it reads), its tuning, and the hit helpers. See
``knowledge/territory.py`` for resolution in short. No import of ``bot`` or ``telegram``. Never raises on bad input.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from knowledge.placenames import (
    _ARTICLES,
    _CODE5,
    _DEP_HINT,
    _FILLER,
    _LEGAL_FORM_HEADS,
    _LEGAL_FORMS,
    _PLACE_PREPOSITIONS,
    _SIREN,
    _SPACED_POSTAL,
    _STOP_NAMES,
    _TRIGGER_HEADS,
    _TRIGGER_LINKS,
    _WEAK_ANCHORS,
    _clean_dep,
    norm,
    norm_tokens,
)
from knowledge.places import Kind, Resolution

# --- tuning (see tests/unit/test_territory.py and scripts/eval_communes.py) ----------------------------------------
RESOLVE_MIN = 0.80  # the best candidate must score at least this
RESOLVE_MARGIN = 0.05  # ... and beat the second by at least this
DEPLOYMENT_BONUS = 0.06  # added to candidates of the deployment's département
MAX_SPAN = 7  # longest name looked up, in words
SUB_SPAN = 0.85  # a name found in part of a short answer ("Belfort centre") scores at most this
PART_ELSEWHERE = 0.78  # ... and this when the place is outside the deployment (below RESOLVE_MIN)
SHORT_QUERY = 5  # a core of at most this many words is an answer naming a place, not a sentence
MAX_CHARS = 2000  # longer input is cut
MAX_TOKENS = 400
LONG_FUZZY_TOKENS = 150  # in a long message without "maire de"…, typos are looked for in its first words only

# index entry: (code, kind, weight, anchored_only)
_Entry = tuple


@dataclass(frozen=True)
class _Hit:
    code: str
    kind: Kind
    score: float
    start: int
    end: int


class Resolver:
    """Resolution over the indexes a ``Territory`` builds (``_communes``, ``_epcis``, ``_index``, ``_cname``…)."""

    # --- resolution -------------------------------------------------------------------------------------------------
    def resolve(self, text: str, limit: int = 5, departement: str | None = None) -> Resolution:
        """Find the commune or EPCI a person means. ``departement`` overrides the deployment's for this call."""
        query = text if isinstance(text, str) else ""
        try:
            dep = _clean_dep(departement) if departement else self.departement
            return self._resolve(query, max(1, int(limit)), dep)
        except Exception:  # pragma: no cover - defensive: bad input never crashes the conversation
            return Resolution(query=query, resolved=None, candidates=[], outside=False)

    def _resolve(self, query: str, limit: int, dep: str) -> Resolution:
        raw = query[:MAX_CHARS]
        # 1. codes: INSEE, postal code, SIREN
        code_hits: dict[str, float] = {}
        for code in _CODE5.findall(_SPACED_POSTAL.sub(r"\1\2", raw)):
            code = code.upper()
            if code in self._communes:
                code_hits[code] = 1.0
            postal = self._postal.get(code, ())
            for c in postal:
                code_hits[c] = max(code_hits.get(c, 0.0), 1.0 if len(postal) == 1 else 0.97)
        for siren in _SIREN.findall(raw):
            if siren in self._epcis:
                code_hits[siren] = 1.0

        # 2. names
        hint_dep: str | None = None
        m = _DEP_HINT.search(raw)
        if m:
            hint_dep = _clean_dep(m.group(1))
        tokens = norm_tokens(raw)[:MAX_TOKENS]
        if tokens and hint_dep is None:
            hint_dep = self._trailing_dep_hint(raw, tokens)
        tokens, named_dep = self._mask_departement_names(tokens)
        if hint_dep is None:
            hint_dep = named_dep
        if hint_dep and tokens:
            # drop the hint itself: "Fontaine (38)", "Fontaine 90", "Fontaine, Isère"
            if tokens[-1] == hint_dep.lower():
                tokens = tokens[:-1]
            else:
                dep_tokens = norm_tokens(self.departement_names.get(hint_dep, ""))
                if dep_tokens and len(tokens) > len(dep_tokens) and tokens[-len(dep_tokens):] == dep_tokens:
                    tokens = tokens[: -len(dep_tokens)]
        name_hits: dict[str, float] = {}
        for h in self._name_hits(tokens, dep, _glued(raw)):
            if h.score > name_hits.get(h.code, 0.0):
                name_hits[h.code] = h.score

        # a name and a code that agree ("Giromagny 90200") confirm each other
        if code_hits and name_hits:
            both = set(code_hits) & set(name_hits)
            if both:
                hits = {c: 1.0 for c in both}
            else:
                hits = {**name_hits, **{c: s - 0.05 for c, s in code_hits.items()}}
        else:
            hits = code_hits or name_hits
        if not hits:
            return Resolution(query=query, resolved=None, candidates=[], outside=False)

        # 3. département hint and the deployment's preference
        scored: list[tuple[float, bool, int, str]] = []
        for code, score in hits.items():
            kind = self._kind(code)
            in_dep = self._in_dep(code, kind, dep)
            # scores may exceed 1 here (a homonym in the deployment beats the same name elsewhere); shown clipped
            if hint_dep:
                score = score + 0.1 if self._in_dep(code, kind, hint_dep) else score - 0.25
            if in_dep:
                score += DEPLOYMENT_BONUS
            if score < 0.5:
                continue
            pop = self._communes[code][3] if kind == "commune" else self._epcis[code][3]
            scored.append((score, in_dep, pop, code))
        if not scored:
            return Resolution(query=query, resolved=None, candidates=[], outside=False)
        # best first; near-equal candidates of the deployment first, then the bigger place
        scored.sort(key=lambda r: (-(r[0] + 0.05 * r[1]), -r[2], r[3]))
        candidates = [self._candidate(code, score) for score, _d, _p, code in scored[:limit]]
        top = max(scored, key=lambda r: (r[0], r[1], r[2]))
        second = max((r[0] for r in scored if r is not top), default=0.0)
        resolved = None
        hint_ok = hint_dep is None or self._in_dep(top[3], self._kind(top[3]), hint_dep)
        if top[0] >= RESOLVE_MIN and top[0] - second >= RESOLVE_MARGIN and hint_ok:
            resolved = top[3]
            if candidates[0].code != resolved:
                candidates = [self._candidate(resolved, top[0])] + [c for c in candidates if c.code != resolved][: limit - 1]
        if resolved is not None:
            outside = not self._in_dep(resolved, self._kind(resolved), dep)
        else:
            outside = all(not self._in_dep(c.code, c.kind, dep) for c in candidates)
        return Resolution(query=query, resolved=resolved, candidates=candidates, outside=outside)

    def _dep_words(self) -> dict[str, str]:
        """The départements named in one word (« vosges » → 88)."""
        words = getattr(self, "_dep_word_map", None)
        if words is None:
            words = {}
            for code, name in self.departement_names.items():
                toks = norm_tokens(name)
                if len(toks) == 1:
                    words[toks[0]] = code
            self._dep_word_map = words
        return words

    def departement_said(self, text: str) -> str | None:
        """The département a message says the place is in (« maire du Thillot, dans les Vosges » → 88), or None."""
        tokens = norm_tokens(text[:MAX_CHARS] if isinstance(text, str) else "")[:MAX_TOKENS]
        return self._mask_departement_names(tokens)[1] if tokens else None

    def _mask_departement_names(self, tokens: list[str]) -> tuple[list[str], str | None]:
        """A département named in several words ("Territoire de Belfort", "Haute-Saône") is not a place to resolve
        (else "Territoire de Belfort" would give the town of Belfort): its words become filler, and it hints."""
        if self._dep_phrases is None:
            self._dep_phrases = {}
            for code, name in self.departement_names.items():
                toks = tuple(norm_tokens(name))
                if len(toks) >= 2:
                    self._dep_phrases[toks] = code
        found: str | None = None
        if len(tokens) < 2:
            return tokens, None
        out = list(tokens)
        n = len(out)
        # a département of one word is one only where it is said to be a place one is in (« dans les Vosges »,
        # « dans le Doubs », « en Isère »): else « Vosges », « Doubs », « Meuse » may be a river, an EPCI's words
        for i, tok in enumerate(tokens):
            code = self._dep_words().get(tok)
            if code is None or i == 0:
                continue
            cued = tokens[i - 1] in ("en", "dans") or (
                i >= 2 and tokens[i - 2] == "dans" and tokens[i - 1] in ("le", "la", "les"))
            if cued and not any(self._entries(" ".join(tokens[i:b])) for b in range(i + 2, min(n, i + 4) + 1)):
                out[i] = "de"
                found = found or code
        for toks, code in self._dep_phrases.items():
            k = len(toks)
            for i in range(0, n - k + 1):
                if tuple(out[i:i + k]) != toks:
                    continue
                # not when the words are, or belong to, a place name ("Saint-Martin", "Saint-Martin-du-Tilleul")
                longer = any(
                    self._entries(" ".join(tokens[a:b]))
                    for a in range(max(0, i - 4), i + 1) for b in range(i + k, min(n, i + k + 4) + 1)
                )
                if not longer:
                    out[i:i + k] = ["de"] * k
                    found = found or code
        return out, found

    def _trailing_dep_hint(self, raw: str, tokens: list[str]) -> str | None:
        """ "Fontaine, Isère" / "Fontaine (Isère)" / "Fontaine 90": a département named after the place."""
        if len(tokens) >= 2 and tokens[-1].isdigit() and len(tokens[-1]) in (2, 3):
            code = _clean_dep(tokens[-1])
            if code in self.departement_names:
                return code
        if "," in raw or "(" in raw:
            tail = raw.rsplit(",", 1)[-1] if "," in raw else raw.rsplit("(", 1)[-1]
            key = norm(tail)
            if key:
                for code, name in self.departement_names.items():
                    if norm(name) == key:
                        return code
        return None

    def _entries(self, key: str) -> list[_Entry]:
        """Every index entry for a normalised name."""
        out: list[_Entry] = []
        code = self._cname.get(key)
        if code is not None:
            out.append((code, "commune", 1.0, False))
        else:
            multi = self._cmulti.get(key)
            if multi:
                out.extend((c, "commune", 1.0, False) for c in multi)
        extra = self._index.get(key)
        if extra:
            out.extend(extra)
        return out

    def _lookup(self, tokens: list[str], i: int, j: int) -> list[_Entry]:
        """Exact entries for tokens[i:j]: the name index, plus "<legal form> [de] <EPCI name>" and
        "agglo de <main town>"."""
        key = " ".join(tokens[i:j])
        found = self._entries(key)
        if i > 0 and tokens[i - 1] in _CONTRACTED:
            # « au Thillot » is « à Le Thillot »: the contracted article is part of the name when such a name exists
            # (one says « à Thillot » for Thillot); the name without it stays, a little weaker
            with_article = self._entries(_CONTRACTED[tokens[i - 1]] + " " + key)
            if with_article:
                found = with_article + [(c, k, w * 0.9, a) for c, k, w, a in found]
        if tokens[i] in _LEGAL_FORM_HEADS:
            for form, types in _LEGAL_FORMS.items():
                k = i + len(form)
                if k >= j or tuple(tokens[i:k]) != form:
                    continue
                while k < j - 1 and tokens[k] in _ARTICLES:
                    k += 1
                rest = " ".join(tokens[k:j])
                for siren in self._epci_core.get(rest, ()):
                    if self._epcis[siren][1] in types:
                        found.append((siren, "epci", 0.99, False))
                if types & {"CA", "CU", "METRO"} and form[0] not in ("epci", "communaute", "com"):
                    for siren in self._epci_seat.get(rest, ()):
                        if self._epcis[siren][1] in types:
                            found.append((siren, "epci", 0.95, False))
        # the legal form after the name: "Grand Belfort Agglomération", "Belfort agglo", "Sud Territoire CC"
        if j - i >= 2:
            for form, types in _LEGAL_FORMS.items():
                k = j - len(form)
                if k <= i or tuple(tokens[k:j]) != form:
                    continue
                rest = " ".join(tokens[i:k])
                for siren in self._epci_core.get(rest, ()):
                    if self._epcis[siren][1] in types:
                        found.append((siren, "epci", 0.99, False))
                if types & {"CA", "CU", "METRO"} and form[0] not in ("epci", "communaute", "com", "cc", "ca", "cu"):
                    for siren in self._epci_seat.get(rest, ()):
                        if self._epcis[siren][1] in types:
                            found.append((siren, "epci", 0.95, False))
        return found

    def _name_hits(self, tokens: list[str], dep: str, glued: frozenset[str] = frozenset()) -> list[_Hit]:
        n = len(tokens)
        if n == 0:
            return []
        # the core: the query without filler words (and numbers) at either end
        lo, hi = 0, n
        while lo < hi and (tokens[lo] in _FILLER or tokens[lo].isdigit()):
            lo += 1
        while hi > lo and (tokens[hi - 1] in _FILLER or tokens[hi - 1].isdigit()):
            hi -= 1
        if lo == hi:
            return []  # only "bonjour", "maire", "commune de"…: no name
        short_query = (hi - lo) <= SHORT_QUERY
        # anchors: positions right after "maire de", "commune de"… (strong) or "à", "pour"… (weak)
        strong: set[int] = {lo}
        weak: set[int] = set()
        triggered: set[int] = set()  # anchors after a real trigger phrase (lo is an anchor by position only)
        # a common word right after a trigger head, with no « de » nor « d' » (``glued``): « mairie école » is the
        # mairie-école, « commune nouvelle » a kind of commune; not a place elsewhere (one of the deployment stays)
        bare: set[int] = set()
        located: set[int] = set()  # after "à", "au", "chez": a place name outside the deployment is plausible
        for i, tok in enumerate(tokens):
            if tok in _TRIGGER_HEADS:
                j = i + 1
                while j < n and tokens[j] in _TRIGGER_LINKS:
                    j += 1
                strong.add(j)
                triggered.add(j)
                if j == i + 1 and j < n and tokens[j] in glued:
                    bare.add(j)
            elif tok in _WEAK_ANCHORS:
                weak.add(i + 1)
                if tok in _PLACE_PREPOSITIONS:
                    located.add(i + 1)
        weak -= triggered

        hits: list[_Hit] = []
        whole_in_dep = False
        whole_any = False
        strong_exact = False
        # filler words next to the core may belong to the name ("Le Chemin", "Chaudenay-la-Ville", "Ville-la-Grand"):
        # spans that cover the core and some of them are whole answers too
        covering = [
            (i, j) for i in range(max(0, hi - MAX_SPAN), lo + 1) for j in range(hi, min(n, i + MAX_SPAN) + 1)
            if (i, j) != (lo, hi) and not tokens[i].isdigit()
        ]
        for i, j in covering + [(i, j) for i in range(lo, hi) for j in range(i + 1, min(hi, i + MAX_SPAN) + 1)]:
            if tokens[i].isdigit():
                continue
            entries = self._lookup(tokens, i, j)
            if not entries:
                continue
            whole = i <= lo and j >= hi
            single = j - i == 1
            # the first word of a long message is an anchor by position only: weaker than after "maire de"
            by_position = i == lo and not short_query and i not in triggered
            anchored = whole or (i in strong and not by_position)
            if whole:
                factor = 1.0
            elif anchored:
                factor = SUB_SPAN if short_query else 0.97
            elif i in weak or by_position:
                factor = 0.88
            else:
                factor = 0.85
            if not anchored:
                # "la salle (des fêtes)", "le port": an article and a common word are not a place in a sentence
                significant = [t for t in tokens[i:j] if t not in _ARTICLES]
                if len(significant) <= 1 and (not significant or significant[0] in _STOP_NAMES
                                              or len(significant[0]) <= 3):
                    continue
            for code, kind, weight, anchored_only in entries:
                if anchored_only and not anchored:
                    continue
                in_dep = self._in_dep(code, kind, dep)
                if anchored and not whole and single and i in bare and tokens[i] in _STOP_NAMES and not in_dep:
                    continue  # (``bare`` above)
                if not anchored and single and not in_dep and (i not in weak or not (short_query or i in located)):
                    continue  # a lone word in a sentence naming a place elsewhere: most likely a common word
                f = factor
                if short_query and not whole and not in_dep:
                    f = PART_ELSEWHERE  # "Grand Lyon" is not the commune of Grand (88): offered, never resolved
                hits.append(_Hit(code, kind, weight * f, i, j))
                if whole:
                    whole_any = True
                    whole_in_dep = whole_in_dep or in_dep
                if (whole or (anchored and not short_query)) and weight * factor >= 0.9:
                    strong_exact = True
        hits = _drop_nested(hits)
        if whole_in_dep or (strong_exact and not short_query):
            return hits
        if whole_any:
            # the whole answer is a place elsewhere: only a longer name of the deployment that starts with it
            # ("Saint-Germain" → Saint-Germain-le-Châtelet) is worth offering beside it
            _keys, partial = self._deployment(dep)
            key = " ".join(tokens[lo:hi])
            return hits + [_Hit(code, "commune", 0.9, lo, hi) for code in partial.get(key, ())]

        # partial and fuzzy matching: the deployment's names first, then the whole country only when needed
        dep_keys, partial = self._deployment(dep)
        first = lo - 1 if lo > 0 and tokens[lo - 1] in ("le", "la", "les") else lo
        wholes = [(lo, hi)] + ([(first, hi)] if first < lo else [])
        spans: list[tuple[int, int, float]] = []
        if short_query:
            spans.extend((a, b, 1.0) for a, b in wholes)
        real_strong = strong if short_query else strong - ({lo} - triggered)
        for s in sorted(strong | weak):
            if lo <= s < hi:
                # in a short answer, a part of it is a weaker match than the whole ("Belfort centre")
                f = SUB_SPAN if short_query else (0.97 if s in real_strong else 0.9)
                for j in range(s + 1, min(hi, s + (MAX_SPAN if short_query else 5)) + 1):
                    if (s, j) != (lo, hi):
                        spans.append((s, j, f))
        fuzzy: list[_Hit] = []
        for s, j, f in spans:
            key = " ".join(tokens[s:j])
            if len(key) < 4 or key.isdigit():
                continue
            for k, ratio, _ in process.extract(key, dep_keys, scorer=fuzz.ratio, score_cutoff=80, limit=5):
                for code, kind, weight, _a in self._dep_entries(k, dep):
                    fuzzy.append(_Hit(code, kind, weight * f * _fuzzy_score(ratio, key, k), s, j))
            for code in partial.get(key, ()):
                fuzzy.append(_Hit(code, "commune", 0.9 * f, s, j))
        if not short_query:
            # a long message with no trigger phrase: single words and pairs anywhere, against the deployment only
            seen_keys: set[str] = set()
            for i in range(lo, min(hi, lo + LONG_FUZZY_TOKENS)):
                if tokens[i] in _FILLER or tokens[i] in _ARTICLES:
                    continue
                for j in range(i + 1, min(hi, i + 3) + 1):
                    key = " ".join(tokens[i:j])
                    if len(key) < 6 or key in _STOP_NAMES or key in seen_keys:
                        continue
                    seen_keys.add(key)
                    for k, ratio, _ in process.extract(key, dep_keys, scorer=fuzz.ratio, score_cutoff=88, limit=3):
                        for code, kind, weight, anchored_only in self._dep_entries(k, dep):
                            if not anchored_only:
                                fuzzy.append(_Hit(code, kind, weight * 0.85 * _fuzzy_score(ratio, key, k), i, j))
        best_whole = max((h.score for h in fuzzy if (h.start, h.end) in wholes), default=0.0)
        best = max([h.score for h in hits] + [h.score for h in fuzzy], default=0.0)
        if (short_query and best_whole < 0.9) or best < 0.88:
            # nationwide: the whole answer, and what follows "maire de"… (a few calls at most: each scans thousands)
            national: list[tuple[int, int, float]] = [(a, b, 1.0) for a, b in wholes] if short_query else []
            for s in sorted(triggered):
                if lo <= s < hi:
                    ends = [hi] if short_query else range(s + 1, min(hi, s + 3) + 1)
                    national.extend((s, j, 0.97) for j in ends if (s, j) not in wholes)
            for s, j, f in national[:4]:
                key = " ".join(tokens[s:j])
                if len(key) < 4 or key.isdigit():
                    continue
                common = s in bare and j == s + 1 and tokens[s] in _STOP_NAMES  # « mairie école » (as above)
                for k, ratio in self._fuzzy_all(key):
                    for code, kind, weight, anchored_only in self._entries(k):
                        if anchored_only and len(key) < 6:
                            continue
                        if common and not self._in_dep(code, kind, dep):
                            continue
                        fuzzy.append(_Hit(code, kind, weight * f * _fuzzy_score(ratio, key, k), s, j))
        return hits + fuzzy

    def _dep_entries(self, key: str, dep: str) -> list[_Entry]:
        """Entries of the département for one of its names (EPCI names without legal form included)."""
        out = [e for e in self._entries(key) if self._in_dep(e[0], e[1], dep)]
        out.extend((s, "epci", 0.92, False) for s in self._epci_core.get(key, ()) if self._in_dep(s, "epci", dep))
        return out

    def _fuzzy_all(self, key: str, cutoff: float = 85.0, limit: int = 8) -> list[tuple[str, float]]:
        """Nationwide fuzzy search over the names that start with the same letter and whose length allows a ratio
        above the cutoff (a typo on the first letter of a place outside the deployment is not recovered)."""
        if self._keys_by_initial is None:
            groups: dict[tuple[str, int], list[str]] = defaultdict(list)
            for keys in (self._cname, self._cmulti, self._index):
                for k in keys:
                    groups[(k[0], len(k))].append(k)
            self._keys_by_initial = dict(groups)
        n = len(key)
        c = cutoff / 100.0
        lo = int(n * c / (2 - c))
        hi = int(n * (2 - c) / c) + 1
        initial = key[0]
        choices: list[str] = []
        for length in range(max(1, lo), hi + 1):
            choices.extend(self._keys_by_initial.get((initial, length), ()))
        if not choices:
            return []
        return [(k, r) for k, r, _ in process.extract(key, choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit)]


_GLUED = re.compile(r"\b(" + "|".join(sorted(_TRIGGER_HEADS)) + r")[ \t-]+([a-z]+)\b")


def _glued(raw: str) -> frozenset[str]:
    """The words written right after a trigger head with only a space or a hyphen between (« mairie-école »,
    « mairie ecole »; not « maire d'École »), accents stripped, lower case."""
    folded = "".join(ch for ch in unicodedata.normalize("NFKD", raw) if not unicodedata.combining(ch)).lower()
    return frozenset(w for _, w in _GLUED.findall(folded) if w in _STOP_NAMES)


#: French contracted articles before a place name: « au » = « à le », « aux » = « à les »
_CONTRACTED = {"au": "le", "aux": "les", "du": "le", "des": "les"}  # « maire du Thillot »: of Le Thillot


def _fuzzy_score(ratio: float, query: str, key: str) -> float:
    """A fuzzy match never ties an exact one: 100 → 0.95, 80 → 0.75; short words lose a little more."""
    score = ratio / 100.0 - 0.05
    if min(len(query), len(key)) < 6:
        score -= 0.03
    return score


def _drop_nested(hits: list[_Hit]) -> list[_Hit]:
    """An exact match inside a longer exact match is dropped ("Belfort" inside "agglo de Belfort")."""
    if len(hits) < 2:
        return hits
    out = []
    for h in hits:
        inside = any(
            o.start <= h.start and h.end <= o.end and (o.end - o.start) > (h.end - h.start) and o.score >= h.score - 0.1
            for o in hits
        )
        if not inside:
            out.append(h)
    return out
