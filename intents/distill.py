"""The need distilled: the project's clauses of a message, without what has its own field or is not the project.

A message is cut into clauses (sentences, then the parts of a sentence between commas, dashes and colons). Each
clause is read by the sentence encoder and labelled by its nearest labelled clauses (``intents/data/
need_clauses.yaml``: project, context, stage, budget, timing, help, greeting, intro, signature, question, other).
The clauses read as the project are kept, in order, with the person's own words; amounts and dates inside them are
cut out (exact spans); the edges are then tidied by ``intents.need.clean_need`` (« nous voulons », « je suis maire
de … »). When no clause reads as the project, the clause most like one is kept (« les travaux du clocher ont démarré
en octobre » → « les travaux du clocher ont démarré »). Without an encoder, ``clean_need`` alone (the rules).

Pure apart from the encoder (whose vectors of the labelled clauses are cached on disk); never raises.
"""

from __future__ import annotations

import functools
import logging
import math
import re
from pathlib import Path
from typing import Any

from intents.clauses import Clause, split_clauses, spoken, spoken_clauses  # noqa: F401 - re-exported
from intents.lead_in import (  # noqa: F401 - _place_only re-exported
    _AIM_BY_PRONOUN, _AIM_IS, _NAMED_PROJECT, _RELATIVE_TAIL, _antecedents, _content_words, _place_only,
    _sentence_head, _with_lead_in,
)
from intents.labelled import load_labelled
from intents.put_off import LATER, PUT_OFF, named_put_off

log = logging.getLogger(__name__)

__all__ = ["distill_need", "split_clauses", "label_clauses", "Clause", "prime", "prime_texts", "set_aside"]

DATA = Path(__file__).with_name("data") / "need_clauses.yaml"
KEEP = ("project",)
K = 7
TEMPERATURE = 0.03
#: a project-like clause that is not the project (« on a deux sujets ») is kept only when it is this sure of it
PROJECT_MIN = 0.34
#: the state of things told right before the project is kept with it (issue 19, batch 14: measured on dev stories)
LEAD_CONTEXT = True

_MONTHS = (r"(?:janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre|"
           r"printemps|(?<!\ba\s)(?<!\bont\s)(?<!\bavait\s)(?<!\bait\s)[ée]t[ée]|automne|hiver|rentr[ée]e)")  # « a été »: a verb
#: dates and amounts inside a kept clause: exact spans, cut out
_DATE_SPAN = re.compile(
    rf"\s*\b(?:(?:en|depuis|d[èe]s|d[ée]but|fin|mi|courant|pour|avant|apr[èe]s|d['’]ici|à\s+partir\s+d[eu']?|au)\s*[-\s]?)?"
    rf"(?:(?:l['’]|\bl\s+|le\s+|la\s+)?(?:(?:1er|[12]?\d|3[01])\s+)?(?:{_MONTHS})(?:\s+(?:20\d\d|prochaine?|dernier|derni[èe]re))?|20\d\d|"
    rf"l['’]ann[ée]e\s+prochaine|l['’]an\s+prochain)\b", re.IGNORECASE)
#: how old a thing is (« les projecteurs datent de 1985 », « depuis 1992 »): the state of things, not the project
_OLD_DATE = re.compile(r"\s*\b(?:(?:qui\s+)?(?:datent|date|datant)\s+(?:de\s+|d['’]|du\s+)|en\s+|depuis\s+|de\s+)(?:19\d\d)\b|\s*\bdans\s+les\s+ann[ée]es\s+(?:19)?\d0\b",
                       re.IGNORECASE)
#: a measured consumption (« près d'1 GWh de gaz par an »): a figure of the state of things, not the project
_ENERGY = re.compile(r"\s*\b(?:(?:pr[èe]s|autour|plus|moins)\s+(?:de\s+|d['’])|environ\s+)?\d[\d\s.,]*\s*[kMG]Wh\b"
                     r"(?:\s+(?:de|d['’])\s*[a-zà-ÿ]+)?(?:\s+par\s+an)?", re.IGNORECASE)
_URGENT = re.compile(r"\s*(?:(?<!trop )\b(?:au\s+plus\s+)?vite|\b(?:le\s+)?plus\s+t[oô]t\s+possible|\ben\s+urgence|\brapidement|"
                     r"\bd[èe]s\s+que\s+possible)\b", re.IGNORECASE)
_AMOUNT_SPAN = re.compile(
    r"\s*(?:\b(?:pour|de|d['’]|à|a|environ|env\.?|autour\s+de|dans\s+les|estim[ée]e?s?\s+à)\s+)*"
    r"\d[\d\s.,]*\s*(?:k€|k\b|keur|m€|M€|millions?|mille|€|euros?\b|eur\b)"
    r"(?:\s*(?:HT|TTC|H\.T\.?|hors[\s-]+tax(?:es?)?|toutes\s+taxes\s+comprises)(?!\w))?", re.IGNORECASE)

#: contacts inside a kept clause (they have their fields): a phone number, an e-mail written or dictated (« mairie
#: point vetrigne arobase orange point fr »), with the words that announce them; exact spans, cut out
_CONTACT_SPAN = re.compile(
    r"\s*(?:\b(?:et\s+)?(?:mon|ma|notre|le|la|l['’])?\s*(?:num[ée]ro(?:\s+de\s+t[ée]l[ée]phone)?|t[ée]l[ée]phone|"
    r"t[ée]l\.?|portable|mail|e-?mail|courriel|adresse(?:\s+(?:e-?)?mail)?)(?:\s+(?:de\s+la\s+mairie|de\s+la\s+commune|"
    r"perso|pro))?\s*(?:c['’]est|est|:)?\s*(?:le\s+)?)?"
    r"(?:(?:\+33\s?|\b0)[1-9](?:[\s.-]?\d{2}){4}\b|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|"
    r"\b[\w-]+(?:\s+(?:point|tiret)\s+[\w-]+)*\s+(?:arobase|arrobase|arobas)\s+[\w-]+(?:\s+point\s+[\w-]+)+)",
    re.IGNORECASE)

#: a clause that names its object by a pronoun before an infinitive (« il faut l'agrandir », « on voudrait la
#: rénover »): what it speaks of is in the clause before (« le cimetière est plein »)
_ANAPHORA = re.compile(r"(?i)^(?:(?:et|donc|alors|puis)\s+)?(?:il\s+|on\s+|nous\s+|la\s+commune\s+|"
                       r"le\s+conseil(?:\s+municipal)?\s+)?"
                       r"(?:faut|faudrait|faudra|doit|devons|devrait|devrions|veut|voulons|voudrait|voudrions|"
                       r"aimerait|aimerions|souhaite|souhaitons|souhaiterait|souhaiterions|va|allons|pourrait|"
                       r"pourrions|peut|pouvons|compte|comptons)\s+(?:(?:bien|vraiment|absolument|donc)\s+)?"
                       r"(?:(?:enfin|maintenant)\s+)?"
                       r"(?:(?:l['’]|le\s+|la\s+|les\s+|tout\s+|en\s+)[a-zà-ÿ]+(?:er|ir|re)\b|passer\s+(?:en|au|aux|à)\b|"
                       r"[a-zà-ÿ]+(?:er|ir|re)\s+(?:ça|cela|ce\s+probl[èe]me)\b)")
#: (« en »: « on aimerait en faire une maison des associations », of the building just named;
#: « il faut tout reprendre »: all of what was just told; or a change said without its object: « on voudrait passer
#: en LED »; or « ça »: « le conseil voudrait enfin
#: traiter ça », after the state of things told)




class _Model:
    def __init__(self) -> None:
        self.texts, self.labels, self.vectors = load_labelled(DATA, "need-clauses")
        # a clause said word for word as a labelled one is read with that one's vector (no encoding)
        self.known = {_key(t): i for i, t in enumerate(self.texts)}

    def vector(self, text: str) -> Any:
        """The clause's vector: a labelled clause's own when the words are the same (« Cordialement, »), else the
        encoder's (memoised)."""
        i = self.known.get(_key(text))
        if i is not None and self.vectors is not None:
            return self.vectors[i]
        from intents.encoder import encode_query

        return encode_query(text)

    def read(self, texts: list[str]) -> list[dict[str, float]] | None:
        if self.vectors is None or not texts:
            return None
        out = []
        for t in texts:
            if _contact_only(t):
                out.append({"signature": 1.0})  # a phone number, an e-mail, a web address: exact, nothing to read
                continue
            if _place_only(t):
                out.append({"intro": 1.0})  # « Pour la commune de Lepuix »: exact, the referential reads the place
                continue
            vec = self.vector(t)
            if vec is None:
                return None
            out.append(vote(self.vectors, self.labels, vec, K, TEMPERATURE)[0])
        return out


#: what a contact line is made of: phone numbers, e-mail and web addresses, and their field names (« Tél. : »)
_CONTACT = re.compile(r"(?i)[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b(?:https?://|www\.)\S+|(?:\+33\s?(?:\(0\)\s?)?|\b0)\d(?:[\s./-]?\d{2}){4}\b|"
                      r"\b(?:t[ée]l(?:[ée]phone)?|portable|port|mob(?:ile)?|fax|courriel|e-?mail|mail|site)\b\.?")


def _contact_only(text: str) -> bool:
    """The clause is a phone number, an e-mail or a web address (with its field name) and nothing else."""
    if not re.search(r"\d{2}|@|www\.|https?://", text):
        return False
    return not re.search(r"[^\W_]", _CONTACT.sub(" ", text))  # no letter and no figure left


def formula(text: str) -> bool:
    """``text`` is word for word one of the labelled greetings or signatures (« Bonjour, », « Bien à vous »)."""
    model = _get()
    i = model.known.get(_key(text))
    return i is not None and model.labels[i] in ("greeting", "signature")


def _body(text: str) -> str:
    from intents.signature import reading_text

    return reading_text(text)


def _key(text: str) -> str:
    """Case and the punctuation at the edges do not change what a formula says (« Cordialement, » = « cordialement »)."""
    return re.sub(r"\s+", " ", text).strip(" ,.;:!?…-–—").casefold()


def vote(vectors, labels: list[str], vec, k: int, temperature: float) -> tuple[dict[str, float], float]:
    """The nearest ``k`` labelled vectors' vote for ``vec``: each label's share (softmax of the similarities at
    ``temperature``, relative to the best) and the best similarity. Shared by the clause readers (``clause_facts``)."""
    import numpy as np

    sims = vectors @ np.asarray(vec, dtype=np.float32)
    order = np.argsort(-sims)[:k]
    best = float(sims[order[0]])
    scores: dict[str, float] = {}
    for i in order:
        scores[labels[i]] = scores.get(labels[i], 0.0) + math.exp((float(sims[i]) - best) / temperature)
    total = sum(scores.values()) or 1.0
    return {key: v / total for key, v in scores.items()}, best


_model: _Model | None = None


def _get() -> _Model:
    global _model
    if _model is None:
        _model = _Model()
    return _model


def reset() -> None:
    global _model
    _model = None
    _put_off_reading.cache_clear()


def warm() -> None:
    """Load the labelled clauses' vectors now (at start: the first message of a letter does not pay for it)."""
    _get()


def label_clauses(clauses: list[Clause]) -> list[Clause] | None:
    """Each clause with its label (None without an encoder)."""
    read = _get().read([c.text for c in clauses])
    if read is None:
        return None
    for c, scores in zip(clauses, read):
        label, score = max(scores.items(), key=lambda p: p[1])
        if named_put_off(c.text):  # the structure says it (the vectors read the noun: « Le parking peut attendre »)
            label, score, scores = "other", 1.0, {"other": 1.0}
        c.label, c.score, c.project = label, score, scores.get("project", 0.0)
    return clauses




def _cut_facts(piece: str) -> str:
    from intents import extract as x

    from intents.numbers import words_to_figures

    piece = _CONTACT_SPAN.sub("", piece)
    figures = words_to_figures(piece)  # « quatre cent mille euros » is an amount too (only then are figures kept)
    out = _AMOUNT_SPAN.sub("", figures) if _AMOUNT_SPAN.search(figures) else piece
    timing = x.find_timing(out)
    if timing and timing in out and len(timing) < len(out):
        out = out.replace(timing, " ")
    out = _DATE_SPAN.sub("", _OLD_DATE.sub("", _ENERGY.sub("", out)))
    out = _URGENT.sub("", out)
    return re.sub(r"\s{2,}", " ", out).strip(" ,;:–—-")


def _tidy(words: str) -> str:
    """A kept clause without its amounts and dates, a letter's « j'ai l'honneur de … » and a conjunction left
    dangling at an edge."""
    from intents.need import trim_honour

    return trim_honour(re.sub(r"(?i)^(?:et|mais|ou)\s+|\s+(?:et|mais|ou)$", "", _cut_facts(words)).strip(" ,;:–—-"))


def _meaningful(text: str) -> int:
    from intents.need import _meaningful as m

    return m(text)


def _fold(text: str) -> str:
    from intents.normalize import normalize

    return normalize(text)


#: names listed in brackets (« (Bavilliers, Danjoutin, Essert) »): each a capitalised word or a few
_NAMES_IN_BRACKETS = re.compile(r"\s*\(((?:[A-ZÀ-Þ][\w'’-]*(?:\s+[\w'’-]+){0,3}\s*(?:,|\bet\b)\s*)+"
                                r"[A-ZÀ-Þ][\w'’-]*(?:\s+[\w'’-]+){0,3})\s*\)")


def _names_after(text: str, end: int) -> str:
    """The names a kept clause lists in brackets right after it (« dans six communes (Bavilliers, Danjoutin, …) »):
    where the project is, part of it (they are clauses of their own, else read as a place, not the project)."""
    m = _NAMES_IN_BRACKETS.match(text, end)
    return f" ({m.group(1).strip()})" if m else ""


#: a clause read as its date or amount is read again without them when this many meaningful words remain
FACTS_CUT_WORDS = 3
#: a clause this short, between commas or in brackets, is a part of the clause before it (an apposition, a list)
INSIDE_WORDS = 4


def _inside_context(text: str, labelled: list[Clause]) -> None:
    """A few words set off by commas between two parts of a sentence that tells the state of things (« Le bâtiment
    actuel, une ancienne grange, n'est plus aux normes »), or listed in brackets right after such a part (« … aux
    normes (chauffage, sanitaires) »), are part of it: context too, not items of the project."""
    def joined(a: Clause, b: Clause, brackets: bool = False) -> bool:
        between = text[a.end:b.start]
        return not re.search(r"[.!?:;\n]", between) and (not brackets or "(" in between or bool(_DASH.match(between))
                                                           or ("," in between and not re.search(r"\)|[—–]", between)))

    def short(c: Clause) -> bool:
        return c.label in KEEP and len(c.text.split()) <= INSIDE_WORDS

    for i in range(1, len(labelled) - 1):
        prev, c, nxt = labelled[i - 1], labelled[i], labelled[i + 1]
        if prev.label == "context" and nxt.label == "context" and short(c) and joined(prev, c) and joined(c, nxt):
            c.label = "context"  # (its share of the project stays: the fallback may still take it)
    for i in range(1, len(labelled)):
        prev = labelled[i - 1]
        if prev.label != "context" or not (re.match(r"\s*\(", text[prev.end:labelled[i].start])
                                           or _DASH.match(text[prev.end:labelled[i].start])):
            continue
        j = i  # (or set off by dashes: « une vingtaine d'associations — la chorale, le club de gym, … — et … »)
        while j < len(labelled) and (short(labelled[j]) or (labelled[j].label == "context"
                                                            and len(labelled[j].text.split()) <= INSIDE_WORDS)) \
                and joined(labelled[j - 1], labelled[j], brackets=True):  # (an item read as context goes on the list)
            labelled[j].label = "context"
            if re.match(r"\s*(?:\)|[—–]\s)", text[labelled[j].end:labelled[j].end + 3]):
                break
            j += 1


_DASH = re.compile(r"\s*[—–]\s")


#: A part that goes on a sentence begun before it and holds a relative (« en centre-ville que nous voulons
#: réhabiliter »): its object is named earlier in the sentence
#: a clause that opens with its verb (its subject said before it: « Notre mairie, …, est une passoire thermique »)
_NO_SUBJECT = re.compile(r"(?i)(?:est|sont|était|étaient|reste|restent|devient|deviennent|fuit|fuient|menace|menacent)\b")
#: a relative that goes on to its sentence's verb (« qui monte aux fermes | est coupée »): the verb of a state
_GOES_ON = re.compile(r"(?i)^qui\s+\S+.*?\s(?:est|sont|était|étaient|fuit|fuient|menace|menacent|s['’]effondre\w*|"
                      r"s['’]est\s+effondr\w*|a\s+(?:glissé|cédé|brûlé)|tombe\w*)\b")


def _project_parts(text: str, labelled: list[Clause]) -> list[tuple[Clause, str]]:
    """The project's clauses, each with the words kept. A clause read as an introduction or a greeting is read
    again once its leading words are trimmed (« je vous écris pour l'école maternelle » → « l'école maternelle »)."""
    from intents.need import clean_need

    kept: list[tuple[Clause, str]] = []
    _inside_context(text, labelled)
    for c in labelled:
        if c.label not in KEEP and (_NAMED_PROJECT.match(c.text) or _AIM_IS.match(c.text)):
            # « Projet de vidéoprotection : … »; « L'idée serait d'en faire un lieu de répétition »
            c.label, c.project = "project", max(c.project, PROJECT_MIN)
    again = [c for c in labelled if c.label in ("intro", "greeting")]
    trimmed = {id(c): clean_need(c.text, least=1) for c in again}  # « …confié le dossier de l'épicerie »
    trimmed = {k: t for k, t in trimmed.items() if t and _meaningful(t) >= 1}
    # a clause read as the date or the amount it carries is read again without them (« nous voulons lancer l'étude
    # d'une nouvelle OPAH en 2027 »: the date has its field, the rest may be the project)
    dated = [c for c in labelled if c.label in ("timing", "budget")]
    cut = {id(c): _cut_facts(c.text) for c in dated}
    cut = {k: t for k, t in cut.items() if _meaningful(t) >= FACTS_CUT_WORDS}
    again += [c for c in dated if id(c) in cut]
    trimmed.update(cut)
    # a stage's clause that goes on with the project after « et » (« le bureau d'études a fait l'audit | et propose une
    # pompe à chaleur »): its second part is read again on its own
    for c in labelled:
        if c.label == "stage" and id(c) not in trimmed:
            halves = re.split(r"\s+et\s+(?=[a-zà-ÿ]+\s)", c.text, maxsplit=1)
            if len(halves) == 2 and _meaningful(halves[1]) >= 2:
                again.append(c)
                trimmed[id(c)] = halves[1]
                continue
            # « on a commencé les travaux de la toiture de la mairie en septembre »: the works' object, read again
            works = _WORKS_OF.search(c.text)
            if works and _meaningful(_cut_facts(works.group(0))) >= 3:
                again.append(c)
                trimmed[id(c)] = _cut_facts(works.group(0))
    retry = [c for c in again if id(c) in trimmed and trimmed[id(c)] != c.text]
    reread = label_clauses([Clause(trimmed[id(c)], c.start, c.end) for c in retry]) if retry else []
    second = {id(c): r for c, r in zip(retry, reread or [])}
    for i, c in enumerate(labelled):
        if c.label in KEEP and c.project >= PROJECT_MIN:
            prev = labelled[i - 1] if i else None
            if prev is not None and re.match(r"(?i)qui\b", c.text) and not any(k is prev for k, _ in kept):
                kept.append((prev, prev.text))  # « … un réseau de chaleur | qui desservirait … »: with what it says of
            elif prev is not None and not kept and (_ANAPHORA.match(c.text) or _AIM_BY_PRONOUN.match(c.text)) \
                    and prev.label not in ("greeting", "intro", "signature", "question", "help", "budget", "timing",
                                           "other") \
                    and _meaningful(prev.text) >= 1:
                # « le cimetière est plein | il faut l'agrandir »: what « l' » is (back over a clause that names it
                # by a pronoun too: « les projecteurs … | ils consomment … | on voudrait passer en LED »)
                j = i - 1
                while j > 0 and re.match(r"(?i)(?:ils|elles|il|elle)\b", labelled[j].text) \
                        and labelled[j - 1].label in ("context", "project"):
                    j -= 1
                if j > 0 and len(labelled[j].text.split()) <= INSIDE_WORDS \
                        and labelled[j - 1].label in ("context", "project") \
                        and not re.search(r"[.!?\n]", text[labelled[j - 1].end:labelled[j].start]):
                    j -= 1  # « l'ancienne boucherie rue de Dampierre, | vide depuis 4 ans | on veut la réhabiliter »
                j = _sentence_head(text, labelled, j)
                kept += [(p, p.text) for p in labelled[j:i]]
            elif prev is not None and _NO_SUBJECT.match(c.text) and not any(k is prev for k, _ in kept):
                # « Notre mairie, | bâtiment de la fin du XIXe siècle, | est une véritable passoire thermique »: the
                # verb's subject is said before it in its sentence, apposition and all
                j = i - 1
                while j > 0 and labelled[j - 1].label not in ("greeting", "signature") \
                        and not re.search(r"[.!?…\n]", text[labelled[j - 1].end:labelled[j].start]):
                    j -= 1
                if not re.search(r"[.!?…\n]", text[labelled[j].end:c.start]) and i - j <= 3:
                    kept += [(p, p.text) for p in labelled[j:i] if not any(k is p for k, _ in kept)]
            elif prev is not None and _RELATIVE_TAIL.match(c.text) and not any(k is prev for k, _ in kept):
                # « Nous avons une ancienne friche (ex-usine, 4 000 m²) | en centre-ville que nous voulons
                # réhabiliter »: the sentence's earlier parts name what « que » stands for
                kept += [(p, p.text) for p in _antecedents(text, labelled, i) if not any(k is p for k, _ in kept)]
            kept.append((c, c.text))
            nxt = labelled[i + 1] if i + 1 < len(labelled) else None
            if nxt is not None and nxt.label in ("context", "help", "other", "stage") and re.match(r"(?i)qui\b", nxt.text) \
                    and not re.search(r"[.!?;:\n]", text[c.end:nxt.start]) and _GOES_ON.search(nxt.text):
                # « la route communale | qui monte aux fermes est coupée »: the relative goes on to the sentence's
                # verb, what is wrong with the object named (kept with it, as « le pont est fissuré » is)
                kept.append((nxt, nxt.text))
        elif id(c) in second and second[id(c)].label in KEEP and second[id(c)].project >= PROJECT_MIN:
            kept.append((c, second[id(c)].text))
        elif i and kept and kept[-1][0] is labelled[i - 1] and c.label not in ("greeting", "signature") \
                and re.fullmatch(r"\s*/\s*", text[labelled[i - 1].end:c.start]):
            kept.append((c, c.text))  # « un projet de fablab / makerspace à Delle pour les TPE »: one thing, two names
    # a project put off right after it is said (« et un jour il faudra refaire le mur du cimetière | mais ça c'est
    # pour plus tard »): not part of the request
    off = {id(labelled[i - 1]) for i, c in enumerate(labelled) if i and _puts_off(c) and PUT_OFF.match(c.text)}
    kept = [(c, w) for c, w in kept if id(c) not in off] or kept
    if LEAD_CONTEXT and kept:
        # the state of things told right before the project (« nous avons un gros souci avec le réseau d'eau potable,
        # il y a des fuites partout | le bureau d'études a chiffré le remplacement des canalisations »): what the
        # project is about and why, part of the need
        first = next(i for i, c in enumerate(labelled) if any(c is k for k, _ in kept))
        kept = _with_lead_in(labelled, first, kept)
    # a restatement (« pour l'instant c'est le toit de la salle des fêtes ») adds nothing to what is kept; a later
    # clause that says much more around an earlier one (a mail's « Objet : Ancienne école », then its body) replaces it
    out: list[tuple[Clause, str]] = []
    for c, words in kept:
        f = _fold(_tidy(words))
        said = [i for i, (_, w) in enumerate(out) if (g := _fold(_tidy(w))) and f and f != g and g in f]
        if said:
            i = said[0]
            if _meaningful(_tidy(words)) >= _meaningful(_tidy(out[i][1])) + 3:
                out[i] = (c, words)
            continue
        out.append((c, words))
    return out


#: labels of a clause that has its own field (or none): a message of one such clause adds nothing to the need
_OTHER_FIELDS = ("stage", "budget", "timing", "help", "greeting", "intro", "signature", "question")


#: the works named in a clause of their stage (« les travaux de la toiture de la mairie ont démarré »)
_WORKS_OF = re.compile(r"(?i)\b(?:les\s+)?(?:travaux|chantier)\s+(?:de\s+(?:la\s+|l['’])?|du\s+|des\s+|d['’])[^,;:.!?]+")


def _another_field(clause: Clause) -> bool:
    """The clause is another field's, with no share of the project among its neighbours (« le bureau d etudes a
    chiffré … on cherche des subventions »)."""
    try:
        labelled = label_clauses([Clause(clause.text, clause.start, clause.end)])
    except Exception:  # noqa: BLE001
        log.exception("need distiller failed")
        return False
    return bool(labelled) and labelled[0].label in _OTHER_FIELDS and labelled[0].project < 0.05


def distill_need(text: object, fallback: bool = True) -> str:
    """The project's words of ``text`` (see the module's doc); ``clean_need`` when the encoder is not there or when
    nothing meaningful would remain. ``fallback=False`` (one more part of a need): ``""`` when no clause is the
    project (« est-ce que l'Agence de l'eau pourrait aider ? on aurait besoin de financement »)."""
    from intents.need import clean_need

    if not isinstance(text, str):
        return ""
    # a letter's signature is not the project (its name, title and phone have fields); a dictated message without
    # punctuation is read by its clauses (« … maire d'Argiésans | je vous dicte en voiture alors | on voudrait … »)
    text = spoken(_body(text))
    base = clean_need(text)
    dictated = spoken_clauses(text) != text
    text = spoken_clauses(text)
    clauses = split_clauses(text, relatives=True)
    if len(clauses) < 2:
        if not fallback and clauses and _another_field(clauses[0]):
            return ""  # one more part that is the help, the stage, an amount…: no part of the project
        out = _cut_facts(base)
        return out if _meaningful(out) >= 2 and len(out) >= 8 else base
    try:
        labelled = label_clauses(clauses)
    except Exception:  # noqa: BLE001 - an encoder failure never loses the need
        log.exception("need distiller failed")
        return base
    if labelled is None:
        return base
    kept = [(c, words + _names_after(text, c.end)) for c, words in _project_parts(text, labelled)]
    if not kept:
        if not fallback:
            return ""
        # the clause most like a project; never who writes or greets when another clause is there (a tie at 0)
        about = [c for c in labelled if c.label not in ("greeting", "intro", "signature")] or labelled
        # (a clause read as the project this much, whatever its label, before any other: « hello 👋 chargée de
        # mission … | on bosse sur un fablab intercommunal | le benchmark est done … »)
        sure = [c for c in labelled if c.label not in ("greeting", "signature") and c.project >= PROJECT_MIN]
        best = max(sure or about, key=lambda c: c.project)
        kept = [(best, best.text)] if _meaningful(best.text) >= 2 else []
        if kept and LEAD_CONTEXT:
            kept = _with_lead_in(labelled, labelled.index(best), kept)
    if not kept:
        return base
    parts: list[str] = []
    prev_end = None
    for c, words in kept:
        piece = _tidy(words)
        if _meaningful(piece) < 1:
            continue
        if parts and prev_end is not None:
            between = text[prev_end:c.start]
            # (the stops of a dictated message are ours: its parts are joined as said, with a comma)
            parts.append(", " if dictated and between.strip() else ". " if re.search(r"[.!?\n]", between)
                         else " " if not between.strip() else ", ")
        parts.append(piece)
        prev_end = c.end
    out = "".join(parts).strip(" ,;:–—-")
    if _meaningful(out) < 2 or len(out) < 8:
        return base if fallback else ""
    return clean_need(out)


def prime_texts(text: object) -> list[str]:
    """The clauses of ``text`` the readings will ask the encoder for (a contact line and a labelled formula need no
    encoding), in order, at most 60."""
    model = _get()
    if not isinstance(text, str) or not text.strip() or model.vectors is None:
        return []
    from intents.need import clean_need

    said = spoken(_body(text[:3000]))
    seen: set[str] = set()
    out: list[str] = []
    readings = [(said, False), (said, True)]
    if spoken_clauses(said) != said:  # dictated without punctuation: read by its clauses too
        readings += [(spoken_clauses(said), False), (spoken_clauses(said), True)]
    for words, relatives in readings:
        for c in split_clauses(words, relatives=relatives):
            for t in (c.text, clean_need(c.text)):
                if t and t not in seen and len(seen) < 60:
                    seen.add(t)
                    if not _contact_only(t) and not _place_only(t) and _key(t) not in model.known:
                        out.append(t)
    return out


def prime(text: object) -> None:
    """Encode the clauses of ``text`` now (the encoder memoises them): called off the event loop
    (``asyncio.to_thread``) before the turn reads the message, so the readings after it find the vectors ready."""
    from intents.encoder import encode_query

    for t in prime_texts(text):
        encode_query(t)


#: how sure a clause must be that it puts a project off (« le parking on verra plus tard »)
SET_ASIDE_MIN = 0.4  # (with words saying it is for later: « L'atelier on verra l'an prochain » reads 0.45)


def _puts_off(clause: Clause) -> bool:
    """The clause puts a project off: read as « other » (another project set aside) surely enough, with words
    saying it is for later (« L'atelier on verra l'an prochain »)."""
    return named_put_off(clause.text) or (clause.label == "other" and clause.score >= SET_ASIDE_MIN
                                          and bool(LATER.search(clause.text)))


@functools.lru_cache(maxsize=16)
def _put_off_reading(text: str) -> tuple[str, tuple[Clause, ...]]:
    """The message's words and its labelled clauses, read once for ``set_aside`` and ``without_put_off`` (the same
    message narrows the need, then is read without what it puts off). Read only, never changed by the callers."""
    said = spoken(_body(text))
    return said, tuple(label_clauses(split_clauses(said)) or ())


def without_put_off(text: str) -> str:
    """``text`` without its clauses that put a project off (« … la passerelle. L'atelier on verra l'an prochain. »:
    the date there is the atelier's, not the request's)."""
    if not isinstance(text, str) or len(text) > 1500:
        return text if isinstance(text, str) else ""
    try:
        said, clauses = _put_off_reading(text)
        cut = [c for c in clauses if _puts_off(c)]
        for c in sorted(cut, key=lambda c: c.start, reverse=True):
            said = said[:c.start] + said[c.end:]
        return said.strip(" ,;.") if cut else text
    except Exception:  # noqa: BLE001 - the text stays whole
        log.exception("without_put_off failed")
        return text


def set_aside(need: object, text: object) -> str | None:
    """The need without the parts a later message puts off (« le parking on verra plus tard, c'est le cimetière qui
    presse »: the need's clause that names the parking goes). A clause of ``text`` read as « other » (another project
    set aside, ``need_clauses.yaml``) that shares a word with some of the need's clauses, not all: those are left
    out. ``None`` when nothing is put off (or without an encoder)."""
    if not isinstance(need, str) or not isinstance(text, str) or not need.strip() or len(text) > 1500:
        return None
    try:
        said = _put_off_reading(text)[1]
        if not said:
            return None
        off = set()
        for c in said:  # (a clause that says it is for later: « pour l'école il n'y a rien du tout » puts nothing off)
            if _puts_off(c):
                off |= _content_words(c.text)
        if not off:
            return None
        parts = split_clauses(need)
        keep = [p for p in parts if not (_content_words(p.text) & off)]
        if len(keep) == len(parts) or not keep:
            return None
        out: list[str] = []
        prev_end = None
        for p in keep:
            if out and prev_end is not None:
                out.append(". " if re.search(r"[.!?\n;]", need[prev_end:p.start]) else ", ")
            out.append(re.sub(r"(?i)^(?:et\s+|mais\s+|ou\s+)?(?:puis\s+)?", "", p.text) if out else p.text)
            prev_end = p.end
        kept = "".join(out).strip(" ,;:–—-")
        return kept if _meaningful(kept) >= 2 and kept != need else None
    except Exception:  # noqa: BLE001 - the need stays as it was
        log.exception("set_aside failed")
        return None
