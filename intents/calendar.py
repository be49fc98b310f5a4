"""The calendar said in a message (« début 2027 », « au printemps », « d'ici 2 ans »), the dates of what was done
(which are no calendar), and « I don't know » said of a fact. Split out of ``intents.extract`` (issue 19, batch 6),
which re-exports ``find_timing``, ``told_done`` and ``says_unknown``. Pure; never raises."""

from __future__ import annotations

import re

from intents.normalize import normalize

_MAX = 3000


def _norm(text: object) -> str:
    return normalize(text, max_chars=_MAX)


# --- calendar ----------------------------------------------------------------------------------------------------
_MONTHS = r"janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre"
_SEASONS = r"printemps|ete|automne|hiver|rentree|spring|summer|autumn|winter"  # (« go-live visé spring 2027 »)
_YEAR = r"20[2-4]\d"
_TIMING_RE = re.compile(
    r"\b(?:(?:travaux|chantier|livraison|ouverture|demarrage|lancement|debut des travaux|demarrage des travaux|"
    r"fin des travaux|mise en service|realisation)\s+)?(?:"
    r"(?:(?:sur|en|pour|entre|de|en tranches|par tranches|tranches?) )?20[2-4]\d (?:a |et )?20[2-4]\d|"  # a period of years
    rf"(?:(?:(?:(?:pour |pr )?(?:cet |ce |cette )|en |au |a |a la |pour |pour le |pour la |ici |fin |debut |mi |"
    rf"courant |avant |des |dans |ici )(?:l (?=(?:hiver|ete|automne) )|d )?)?"
    rf"(?:(?:(?:premier|second|deuxieme|troisieme|quatrieme|dernier|1er|2e|2eme|3e|4e|2nd) )?"
    rf"(?:{_SEASONS}|{_MONTHS}|trimestre|semestre|t[1-4]|q[1-4]|s[12])\s*(?:prochaine? (?={_YEAR}))?)?"
    rf"(?:{_YEAR}|prochaine?s?|cette annee|l an prochain))|"  # « l'été prochain 2027 »: the season, then its year
    rf"(?:au |a (?!ete\b)|en |au cours de |cet |ce |ici |pour le |pour |avant |avant le |des le |des |fin |debut |mi )"
    rf"(?:l (?=hiver|ete|automne)|la (?=rentree)|d )?(?:{_SEASONS}|{_MONTHS})(?: prochaine?)?"
    rf"(?: de (?:{_MONTHS}))?|"  # « a été » is a verb, not a season; « pour la rentrée de septembre »
    # (« avant l hiver »: the article typed without its apostrophe)
    r"(?:pendant |durant |aux |pour les |a |des )?(?:les )?vacances (?:d |de (?:la )?)?(?:ete|hiver|printemps|automne|"
    rf"toussaint|noel|paques|scolaires|estivales)(?: prochaines?| {_YEAR})?|"
    rf"(?:ici|dans|sous)\s+(?:\d+|un|une|deux|trois|quatre|cinq|six|dix|douze|dix huit|quelques)\s+(?:ans?|annees?|mois|semaines?)|"
    r"(?:fin|debut|milieu) (?:annee|de annee|de annee prochaine|annee prochaine)|"
    r"annee prochaine|an prochain|cette annee|"
    # the end of the council's term (« d'ici la fin du mandat », « avant la fin de notre mandat », « en fin de mandat »)
    r"(?:(?:ici|avant|pour|en|a|vers) )?(?:la )?fin (?:du |de |de notre |de ce |de mon )?(?:mandat|mandature)|"
    r"avant les (?:prochaines )?(?:municipales|elections municipales|elections)|"
    # a feast as a date (« à la Toussaint 2027 », « avant Noël », « pour Pâques ») — not « le marché de Noël »
    rf"(?:(?:a|pour|avant|des|ici|vers|apres) (?:la )?)?toussaint(?: {_YEAR}| prochaine)?|"
    rf"(?:(?:a|pour|avant|ici|vers|apres) (?:noel|paques)(?: {_YEAR}| prochains?)?|(?:noel|paques) {_YEAR})|"
    r"des que possible|au plus vite|(?:le )?plus (?:vite|tot) possible|au plus tot|rapidement|urgent|urgence|pas de date|pas encore de date|pas de calendrier"
    r")\b"
)


#: words of the calendar typed short (« faut faire avan l'hiver », « ds 2 ans »): read as written in full
_SMS = ((re.compile(r"\bavan\b"), "avant"), (re.compile(r"\bds (?=\d|un|une|deux|trois|quelques)"), "dans "),
        (re.compile(r"\bdici\b"), "ici"))


def _sms(norm: str) -> str:
    for pattern, full in _SMS:
        norm = pattern.sub(full, norm)
    return norm


def find_timing(text: object, asked: bool = False) -> str | None:
    """The calendar as said (« début 2027 », « au printemps », « d'ici 2 ans »), in the person's words.

    Returned as the matched words of the original text when they can be found, else the normalised phrase."""
    if not isinstance(text, str):
        return None
    if re.search(r"(?i)\bmille\b", text):
        from intents.numbers import words_to_figures  # same layer

        text = words_to_figures(text)  # « pour deux mille vingt-huit », dictated: « pour 2028 »
    norm = _sms(_norm(text))
    if not norm:
        return None
    found = [m for m in _TIMING_RE.finditer(norm) if m.group(0).strip()]
    found = [m for m in found if re.search(r"[a-z]", m.group(0)) or re.search(_YEAR, m.group(0))]
    if not found:
        return None
    past = set() if asked else _past_dates(text)
    kept = [m for m in found if m.group(0).strip() not in past] or ([] if past else found)
    if not kept:
        return None  # every date said is of what was done (« l'audit fait au printemps »): no calendar
    # a date with its year is the calendar rather than a season or a month said alone in the same message
    phrase = max(kept, key=lambda m: (bool(re.search(_YEAR, m.group(0))), len(m.group(0)))).group(0).strip()
    if not asked and re.fullmatch(_YEAR, phrase):
        # a bare year in a long message: only with a calendar cue around it
        # (or alone in its clause with at most one word: « … ; plutôt 2028 ; … »)
        # or leading its message, not a quantity (« 2028 ce serait top », not « 2030 habitants »)
        alone = any(re.fullmatch(r"(?:[a-z]+ )?" + phrase, _norm(c).strip())
                    for c in re.split(r"[,;.!?\n()]", text[:_MAX]) if c.strip()) \
            or bool(re.match(phrase + r"\b(?! ?(?:\d|e|eur|euros?|k|habitants?|m|m2|km|metres?|places?|personnes?)\b)",
                             norm))
        if not alone and not re.search(r"\b(?:en|pour|ici|avant|des|courant|travaux|livraison|ouverture|vise|visee|"
                                       r"vis(?:ons|ez|ent|erait|erions|eraient|erons|era)|prevo\w*|prevu\w*|envisag\w*|espere\w*|esperons|cibl\w*|"
                                       r"objectif|horizon|dit|dirait|propose|plutot|prochain|prochaine)\s+" + phrase, norm):
            # (a year reported: « le maire dit 2028 », « il propose 2029 »)
            return None
    return _original_span(text, phrase) or phrase


#: what was done, not what is planned: « avoir » and a past participle (« on a fait un audit au printemps », « nous
#: avions fait une demande en septembre »), or a participle just before a date without its year (« APD validé en
#: octobre »; « une idée pour 2028 » is a noun). Read on
#: the words as written (the accent tells « validé » from « valide »). The verbs of planning (« on a prévu les travaux
#: en 2027 », « le chantier a été reporté à 2028 ») are the calendar.
_PLANNED = (r"(?:prévu|programm|planifi|envisag|fix|calé|visé|décid|report|décal|repouss|annonc|projet|estim|"
            r"souhait|espér|attendu|pensé|ciblé|arrêt|retenu|choisi|voté)")
_PARTICIPLE = (r"(?!été\b)(?!" + _PLANNED + r")(?:\w+(?:é|ée|és|ées)|(?:re|dé|par)?faite?s?|rendue?s?|reçue?s?|finie?s?|obtenue?s?|"
               r"mise?s?|prise?s?|eu)")
_DONE = re.compile(r"\b(?:a|ont|avons|avions|avait|avaient|ai|avez|(?:s|se)\s+(?:est|sont|était|étaient))\s+"
                   r"(?:(?:déjà|bien|enfin|récemment|tout|pas|encore|ensemble)\s+)?(?:été\s+)?" + _PARTICIPLE + r"(?!\w)")
# (« le mur s'est effondré cet hiver »: a pronominal verb in the past tells what happened too)
_DONE_JUST_BEFORE = re.compile(r"(?<!\bsoit )(?<!\bsoient )(?<!\bsera )(?<!\bseront )(?<!\bserait )(?<!\bêtre )"
                               r"(?<!\w)" + _PARTICIPLE + r"\s*$")  # « que ce soit refait en 2027 »: to be done
#: the past verb is this close before the date (« nous avions fait une demande en septembre »); an unpunctuated message
#: says more between them (« le bureau d'études a chiffré le renforcement à 380 000 € on voudrait faire ça en 2028 »)
DONE_WINDOW = 7
#: a wish or a plan between the past verb and the date: the date is of what is wanted
_WANTED = re.compile(r"\b(?:voudr\w*|veu\w*|voulons|faudr\w*|faut|serai\w*|sera|seront|pourr\w*|souhait\w*|aimer\w*|"
                     r"compt\w*|pens\w*|prévo\w*|prevo\w*|envisag\w*|esp[eéè]r\w*)\b")
_WORKS_CUE = re.compile(r"^(?:travaux|chantier|livraison|ouverture|demarrage|lancement|debut des travaux|mise en service|"
                        r"realisation)\b")


#: « I don't know (yet) » said of a fact, and the fact it names in the same sentence: the calendar or the cost
_UNKNOWN = re.compile(r"\b(?:je ne sais pas|je sais pas|sais pas|ne sais pas|on ne sait pas|on sait pas|aucune idee|"
                      r"pas encore decide|je (?:vais )?demande\w* au maire|je me renseigne|je vous (?:le )?redis\w*|"
                      r"je vous (?:le )?dirai)\b")
_UNKNOWN_OF = (("timing", r"\b(?:date|dates|quand|calendrier|delai|delais|echeance|periode)\b"),
               ("budget", r"\b(?:cout|couts|budget|montant|prix|combien|chiffrage|enveloppe)\b"))


def says_unknown(text: object) -> str | None:
    """The slot the person says they do not know yet (« pour la date je sais pas, je demande au maire » →
    ``timing``; « aucune idée du coût » → ``budget``), or None. Exact: the words of not knowing and the fact's noun
    in the same sentence."""
    if not isinstance(text, str):
        return None
    for sentence in re.split(r"[.!\n]+", text[:_MAX]):  # « Le montant ? Aucune idée. »: one sentence here
        norm = _norm(sentence)
        if not _UNKNOWN.search(norm):
            continue
        for slot, noun in _UNKNOWN_OF:
            if re.search(noun, norm):
                return slot
    return None


def told_done(text: object) -> bool:
    """The clause tells what was done (« avoir » and a past participle: « la toiture a été refaite », « on a rénové
    la mairie »), not what is planned."""
    return isinstance(text, str) and bool(_DONE.search(_written(text[:_MAX])))


def _written(text: str) -> str:
    return re.sub(r"[’']", " ", text.lower())


def _past_dates(text: str) -> set[str]:
    """The dates of ``text`` (normalised, as ``_TIMING_RE`` finds them) that date what was done: in a clause told
    in the past before them, or in a sentence told in the past when they carry no year. A date led by the works
    (« travaux en 2027 ») is never one."""
    out: set[str] = set()
    for sentence in re.split(r"[.!?;:\n]+|\s(?:point|virgule)(?=\s|$)", text[:_MAX]):  # dictated punctuation too
        sentence_done = bool(_DONE.search(_written(sentence)))
        for clause in re.split(r"[,()]+", sentence):
            norm = _norm(clause)
            for m in _TIMING_RE.finditer(norm):
                words = m.group(0).strip()
                if not words or _WORKS_CUE.match(words):
                    continue
                before = _written(_before(clause, m.start(), norm, DONE_WINDOW))
                if _WANTED.search(before):
                    # « … a chiffré le renforcement, on voudrait faire ça en 2028 », « les travaux ont démarré, on
                    # espère avoir fini en juin »: what is wanted, whatever the sentence told before
                    continue
                yearless = not re.search(_YEAR, words)
                if _DONE.search(before) or (yearless and _DONE_JUST_BEFORE.search(before)) \
                        or (sentence_done and yearless and not re.search(r"\bprochaine?\b", words)):
                    out.add(words)
    return out


def _before(clause: str, start: int, norm: str, window: int) -> str:
    """The last ``window`` words of ``clause`` before the normalised position ``start`` (counted in words)."""
    n = len(norm[:start].split())
    return " ".join(clause.split()[max(0, n - window):n]) if n else ""


def _original_span(text: str, phrase: str) -> str | None:
    """The words of ``text`` whose normalised form is ``phrase`` (accents and apostrophes kept for display)."""
    words = re.findall(r"\S+", text)
    target = phrase.split()
    n = len(target)
    for size in range(max(1, n - 2), n + 3):
        for i in range(0, len(words) - size + 1):
            chunk = " ".join(words[i : i + size])
            if _sms(normalize(chunk)) == phrase:
                return chunk.strip(" ,;:.!?")
    return None
