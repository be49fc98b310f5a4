"""Facts of an intake in a phone-style sentence: role, stage, calendar, kinds of help, amount, name, reference.

Each ``find_*`` takes any text and returns ``None`` (or an empty list) when nothing usable is found; none raises.
``asked=True`` means the text answers the question about that very fact: a looser reading is then allowed
("étude" alone is the stage when the stage was asked, but not inside « on veut une étude mobilité »).

Values are the intake's codes (roles ``maire``, ``adjoint``, ``president-epci``, ``conseiller``, ``agent``,
``autre``; stages ``idee``, ``etude``, ``projet-defini``, ``pret``; help kinds ``ingenierie``, ``financement``,
``mise-en-relation``, ``information``). Commune and EPCI are found by the knowledge base's referential, not here.
"""

from __future__ import annotations

import re
import unicodedata

from intents.calendar import find_timing, says_unknown, told_done
from intents.commands import find_reference, is_back, is_done, split_done
from intents.entities import Budget, find_email, find_phone, parse_budget
from intents.help_kinds import find_help_kinds
from intents.normalize import name_word, normalize
from intents.numbers import words_to_figures
from intents.roles import find_role
from intents.stages import find_stage

__all__ = [
    "find_role", "find_stage", "find_email_domain", "find_timing", "find_help_kinds", "find_amount", "find_name", "find_reference",
    "find_email_spoken", "find_phone", "strip_contact", "is_correction", "is_back", "is_done", "split_done",
    "find_bare_name", "find_name_in_email", "told_done", "says_unknown",
]

_MAX = 3000


def _norm(text: object) -> str:
    return normalize(text if isinstance(text, str) else "", max_chars=_MAX) if isinstance(text, str) else ""


# --- amounts -----------------------------------------------------------------------------------------------------
_MONEY_CUE = re.compile(r"(€|\beuros?\b|\beur\b|\d\s*k\b|\dk€|\bk€|\bm€|\bmillions?\b|\bmilliards?\b|\bmille\b|"
                        r"\bbudget\b|\bco[uû]t\w*|\bmontant\b|\bdevis?\b|\benveloppe\b|\bestim\w+|\bchiffr\w*|"
                        r"\d\s*(?:HT|TTC)\b|\bhors\s+tax)", re.IGNORECASE)  # « 48000 HT »: only money is said « HT »
#: A figure written with thousands groups (« 120 000 », « 1 200 000 ») and no other unit after it: euros, in a
#: request (« on pense 120 000 »); never a phone number, a year, or a count of people, metres, places…
_GROUPED = re.compile(r"(?<![\d+])(\d{1,3}(?:[ \u00a0\u202f]\d{3})+)(?![\d])(?!\s*(?:hab\w*|m2|m²|m\b|km|places?|"
                      r"[ée]l[èe]ves|personnes|logements|m[èe]tres|ha\b|hectares|kg|t\b|tonnes|kwh|mwh|litres|l\b|"
                      r"visiteurs|usagers|enfants|lits|postes|emplois|repas|\d))", re.IGNORECASE)


_FIGURE = r"\d[\d\s\u00a0\u202f.,]*\d(?:\s*(?:k€|k\b|keur\b|m€|M€|millions?\b|mille\b))?(?:\s*(?:€|euros?\b))?|\d(?:\s*(?:k€|k\b|m€|M€|millions?\b))?"
_EXCL_TAX = r"(?:HT\b|H\.T\.?|hors[\s-]+tax(?:es?)?\b)"
_HT_AFTER = re.compile(rf"({_FIGURE})\s*{_EXCL_TAX}", re.IGNORECASE)
_HT_BEFORE = re.compile(rf"(?<![\w.]){_EXCL_TAX}[^\d\n.;!?]{{0,25}}?({_FIGURE})", re.IGNORECASE)
_INCL_TAX = re.compile(r"\b(?:TTC|toutes\s+taxes\s+comprises)\b", re.IGNORECASE)


#: a total announced after an amount (« 12 000 € l'abri posé, donc 96 000 € », « 450 € le mètre, soit 36 000 € au
#: total »): the words that say the second figure is the sum
_TOTAL_LEAD = re.compile(r"(?:[,;:(–—]\s*(?:donc|soit|ce\s+qui\s+fait)|(?:^|\s)(?:au\s+total|en\s+tout|total|pour\s+un\s+total\s+de))"
                         r"\s*:?\s*(?:de\s+|d['’]|environ\s+)?(?=\d)", re.IGNORECASE)
#: what is left to find is no total (« il reste donc 120 000 € à trouver »)
_REMAINDER = re.compile(r"\b(?:reste|restant|manque|[àa]\s+trouver|[àa]\s+financer|de\s+reste\s+[àa]\s+charge)\b", re.IGNORECASE)


def _total_after_unit(text: str) -> Budget | None:
    """A total announced by « donc », « soit », « au total »… right before an amount, after a smaller amount said
    first (a unit price, then the sum): the budget is the total. Exact: the lead and both amounts are said."""
    for m in _TOTAL_LEAD.finditer(text):
        before = text[: m.start()]
        if not _MONEY_CUE.search(before):
            continue
        after = re.split(r"[;!?\n]|\.\s|,\s", text[m.end():], maxsplit=1)[0]
        if _REMAINDER.search(after) or _REMAINDER.search(re.split(r"[,;:(–—.!?\n]", before)[-1]):
            continue
        total = parse_budget(after) if _MONEY_CUE.search(after) else None
        first = parse_budget(re.split(r"[;!?\n]|\.\s", before)[-1])
        if total is not None and first is not None and total.low and first.low and total.low > (first.high or first.low):
            return total
    return None


def _amount_excluding_tax(text: str) -> Budget | None:
    """The amount said « HT » when the same message also says one « TTC » (« 80 k TTC hein, HT ça fait 66 000 »,
    « 900 000 € TTC soit 750 000 HT »): the budget is the amount without tax. Exact: both markers are said."""
    if not _INCL_TAX.search(text):
        return None
    for pattern in (_HT_AFTER, _HT_BEFORE):
        for m in pattern.finditer(text):
            found = parse_budget(m.group(1))
            if found is None:
                digits = re.sub(r"\D", "", m.group(1))
                found = Budget(int(digits), int(digits)) if len(digits) >= 4 else None
            if found is not None:
                return found
    return None


_CLAUSE_CUT = r"[;!?\n]|\.\s|,\s|\s-\s|\bet le\b|\bet la\b"
#: an amount said per year or per month: a capacity or a running cost, not what the project costs
_RECURRING = re.compile(r"\d[^\d]{0,12}?\s*(?:par an|/\s*an\b|par mois|/\s*mois\b|par ann[ée]e|chaque ann[ée]e|"
                        r"annuel(?:le)?s?\b)", re.IGNORECASE)
#: « Total : 230 000 € » (a financing plan, a quote): the total said is the budget
_TOTAL = re.compile(r"(?im)^\W*(?:total|montant total|co[uû]t total)(?:\s+(?:des\s+)?d[ée]penses)?(?:\s+HT|\s+TTC)?\s*:?\s*(.+)$")
#: « tranche 1 … 180 000 € ; tranche 2 … 240 000 € »: the parts of a project phased, each with its amount
_PHASE = re.compile(r"(?i)\b(?:tranche|phase)\s*(?:n°\s*)?(?:\d|une|un|deux|trois|1re|2e|premi[èe]re|seconde|deuxi[èe]me|troisi[èe]me)\b")


def _total_said(text: str) -> Budget | None:
    """The total of a pasted plan or quote (a line that starts with « Total »)."""
    for m in _TOTAL.finditer(text):
        found = parse_budget(m.group(1))
        if found is not None:
            return found
    return None


def _phases_sum(text: str) -> Budget | None:
    """The budget of a project told by phases, each with its amount and no total said: their sum (exact: two
    phases at least, one amount each)."""
    starts = [m.start() for m in _PHASE.finditer(text)]
    if len(starts) < 2 or re.search(r"(?i)\b(?:total|en tout|au total|ensemble)\b", text):
        return None
    low = high = 0
    for a, b in zip(starts, starts[1:] + [len(text)]):
        part = text[a:b]
        amounts = [parse_budget(c) for c in re.split(_CLAUSE_CUT, part) if _MONEY_CUE.search(c)]
        amounts = [x for x in amounts if x is not None]
        if len(amounts) != 1:
            return None
        low += amounts[0].low or amounts[0].high or 0
        high += amounts[0].high or amounts[0].low or 0
    return Budget(low, high) if low and high else None


#: an amount that changed, said with where it went (« passé de 250 000 à 310 000 », « le devis a grimpé de … à … »)
_CHANGED = re.compile(rf"\b(?:pass[ée]\w*|mont[ée]\w*|grimp[ée]\w*|augment[ée]\w*|explos[ée]\w*|baiss[ée]\w*|"
                      rf"descendu\w*|revu\w*|rehauss[ée]\w*)\s+de\s+(?:{_FIGURE})\s*(?:€|euros?)?\s+(?:a|à)\s+"
                      rf"({_FIGURE}(?:\s*(?:€|euros?))?)", re.IGNORECASE)
#: the total said as where it is now (« 38 000 € de plus, le total passe à 262 000 € »)
_NOW_AT = re.compile(rf"\b(?:le\s+)?(?:total|montant\s+total|co[uû]t\s+total|budget\s+total|budget|co[uû]t)\s+"
                     rf"(?:passe|passera|monte|montera|grimpe|atteint|atteindra|s['’]?\s*[ée]l[èe]ve|arrive|est\s+maintenant|"
                     rf"est\s+d[ée]sormais|fait\s+maintenant)\s+(?:maintenant\s+|d[ée]sormais\s+)?(?:[àa]\s+)?"
                     rf"({_FIGURE}(?:\s*(?:€|euros?))?)", re.IGNORECASE)
#: what is left to find is no budget of the project (« il nous manque 60 000 », « reste à financer 40 000 € »)
_GAP = re.compile(r"\b(?:manqu\w*|reste (?:a|à) (?:financer|trouver|charge)|reste (?:encore )?\d|"
                  r"reste à charge|besoin de trouver)\b", re.IGNORECASE)


def find_amount(text: object, asked: bool = False) -> Budget | None:
    """An amount or range of euros in a sentence (« devis de 300 000 euros », « 200 k€ », « 1,2 M€ »).

    The sentence is read clause by clause, so that a year or a phone number elsewhere never becomes a bound of a
    range. When ``asked``, a bare figure (« 120000 ») is an amount too."""
    if not isinstance(text, str) or not text.strip():
        return None
    text = words_to_figures(text)  # « soixante-quinze mille euros » → « 75000 euros »
    changed = _CHANGED.search(text[:_MAX]) or _NOW_AT.search(text[:_MAX])
    if changed:  # « on est passé de 250 000 à 310 000 »: the amount it is now
        now = parse_budget(changed.group(1) + ("" if _MONEY_CUE.search(changed.group(1)) else " €"))
        if now is not None and (now.high or now.low or 0) >= 100:
            return now
    excl = _amount_excluding_tax(text[:_MAX])
    if excl is not None:
        return excl
    total = _total_after_unit(text[:_MAX])
    if total is not None:
        return total
    if asked:
        whole = parse_budget(text)
        if whole is not None:
            return whole
    whole = _total_said(text[:_MAX]) or _phases_sum(text[:_MAX])
    if whole is not None:
        return whole
    if not asked:  # « notre budget d'investissement c'est 20 000 € par an »: a yearly figure, not the project's
        # (nor what is left to find: « il nous manque 60 000 », « reste à financer 40 000 € »)
        text = "".join(re.sub(r"\d", " ", part) if _RECURRING.search(part) or _GAP.search(part) else part
                       for part in re.split(f"({_CLAUSE_CUT})", text[:_MAX]) if part)
    # Clauses: split on sentence punctuation and on commas followed by a space (not the decimal comma of « 1,2 »).
    for clause in re.split(_CLAUSE_CUT, text[:_MAX]):
        cued = _MONEY_CUE.search(clause)
        if not cued and not _ROUGHLY.search(clause):
            continue
        found = parse_budget(clause) if cued else None
        if found is not None and (found.high or found.low or 0) >= 100:
            return found  # (« on a 2 devis … 95000 ht »: a count is no budget; no project costs under 100 €)
        # « devis 48000 »: a bare figure beside a money cue; « on pense 15000 à peu près »: beside the words of an
        # estimate, when no unit follows it (« environ 12000 habitants » is no amount)
        bare = re.search(r"(?<![\d+])(\d{5,9})(?!\d)" + ("" if cued else _NO_UNIT), clause)
        if bare and find_phone(clause) is None:
            value = int(bare.group(1))
            return Budget(value, value)
    bare_text = text if find_phone(text) is None else strip_contact(text)  # « 370 000 » beside a phone number
    if find_phone(bare_text) is None:
        for m in _GROUPED.finditer(bare_text[:_MAX]):
            value = int(re.sub(r"\D", "", m.group(1)))
            if value >= 10_000:
                return Budget(value, value)
        # a figure of five to seven digits alone, with no unit, no label of a number (« dossier n° 123456 ») and no
        # town after it (« 90300 Valdoie », a postcode): the cost (« étude faite par le cabinet 135000 », « le maire
        # dit 45000 a la louche »)
        said = strip_contact(bare_text)[:_MAX]
        # (said among words: « 12345 » typed alone at the name's question is no cost)
        for m in _BARE_FIGURE.finditer(said) if len(re.findall(r"[^\W\d_]{2,}", said)) >= 2 else ():
            value = int(m.group(1))
            after = re.match(r"\s+([a-zà-ÿ][\w-]*)", said[m.end():])
            if value >= 10_000 and not (after and len(m.group(1)) == 5 and after.group(1) not in _AFTER_AMOUNT):
                return Budget(value, value)  # (« mairie 90100 delle »: a postcode before a town's name)
    return None


#: the words of an estimate said around a figure with no unit (« on pense 15000 à peu près », « environ 40000 »)
_ROUGHLY = re.compile(r"\b(?:environ|[àa] peu pr[èe]s|on pense|je pense|on estime|on imagine|on table sur|autour d(?:e\b|['’])|grosso modo|"
                      r"en tout|au total|tout compris|"
                      r"approximativement|en gros|dans les)\b", re.IGNORECASE)
#: no unit after the figure: no count of people, of metres, of places… (the units ``_GROUPED`` sets aside)
_NO_UNIT = (r"(?!\s*(?:hab\w*|m2|m²|m\b|km|places?|[ée]l[èe]ves|personnes|logements|m[èe]tres|ha\b|hectares|kg|t\b|"
            r"tonnes|kwh|mwh|litres|l\b|visiteurs|usagers|enfants|lits|postes|emplois|repas|[A-ZÀ-Þ]))")


#: the small words that may follow an amount of five digits (any other word after them makes it a postcode)
_AFTER_AMOUNT = {"a", "à", "de", "d", "pour", "en", "environ", "au", "aux", "le", "la", "les", "ht", "ttc", "hors", "et",
                 "ou", "avec", "sans", "dont", "sur", "par", "mais", "donc", "max", "maximum", "minimum", "grosso", "si",
                 "je", "j", "on", "nous", "il", "c", "ça", "ca", "qui", "que", "tout", "tous", "peut", "plus", "moins"}
_BARE_FIGURE = re.compile(r"(?<![\d+.,/:])(?<!n°)(?<!n° )(?<!\bno )(?<!num[ée]ro )(?<!dossier )(?<!r[ée]f )(?<!siret )"
                          r"(?<!siren )(?<!code )(?<!cp )(\d{5,7})(?![\d.,/:@])" + _NO_UNIT.replace("))", "|cedex))", 1)
                          + r"(?!\s+[A-ZÀ-Þ])")


# --- name --------------------------------------------------------------------------------------------------------
_NAME_WORD = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]+(?:[-'][A-ZÀ-ÖØ-Þa-zà-öø-ÿ][a-zà-öø-ÿ]+)?"
_NAME_CUE = re.compile(
    r"(?:je m['’]appelle|mon nom(?: est| c['’]est)?|moi c['’]est|ici|je suis|c['’]est|"
    r"(?<![\w'’])(?:[Mm]oi|[Nn]om(?: et pr[ée]nom)?|[Cc]ontact)\s*:)\s+"  # a form's field: « - moi : Marie Dupont »
    rf"((?:M\.|Mme|Madame|Monsieur)?\s*{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,2}}|[A-ZÀ-ÖØ-Þ]{{2,}}(?:\s+{_NAME_WORD})+|"
    rf"{_NAME_WORD}\s+[A-ZÀ-ÖØ-Þ]{{2,}}(?:-[A-ZÀ-ÖØ-Þ]{{2,}})?)"
)
_NOT_NAMES = {"maire", "adjoint", "adjointe", "president", "présidente", "président", "secrétaire", "secretaire",
              "dgs", "agent", "conseiller", "conseillère", "directeur", "directrice", "bonjour", "chargé", "chargée"}


def find_name(text: object) -> str | None:
    """A first and last name introduced by the person (« je m'appelle Marie Dupont », « Marie Dupont, maire de… »
    is not enough: a cue is needed outside the name question)."""
    if not isinstance(text, str):
        return None
    for m in _NAME_CUE.finditer(text[:_MAX]):
        name = m.group(1).strip()
        first = name.split()[0].lower().strip(".")
        if first in _NOT_NAMES or any(w.lower() in _NOT_NAMES for w in name.split()):
            continue
        return name
    m = _NAME_CUE_LOWER.search(text[:_MAX])
    if m and not any(w in _NOT_NAMES or w in _NOT_NAME_LOWER for w in m.group(1).split()):
        # dictated or typed without capitals (« je m'appelle céline perrot virgule … »): the cue is unambiguous
        return " ".join(name_word(w) for w in m.group(1).split())
    return None


#: « je m'appelle » / « mon nom est » then two words in lower case: a name dictated or typed without capitals
_NAME_CUE_LOWER = re.compile(r"(?:je m['’]appelle|mon nom est|mon nom c['’]est"
                             # « moi c thomas girardot »: said of oneself, the two words ending the sentence
                             r"|\bmoi,? c(?:['’ ]\s?est|\b)(?=\s+\S+\s+\S+\s*(?:$|[,.;!?\n])))\s+"
                             r"([a-zà-öø-ÿ]{2,}(?:-[a-zà-öø-ÿ]{2,})?\s+[a-zà-öø-ÿ]{2,}(?:-[a-zà-öø-ÿ]{2,})?)\b")
_NOT_NAME_LOWER = {"le", "la", "les", "de", "du", "des", "et", "pour", "au", "aux", "virgule", "point", "madame",
                   "monsieur", "mairie", "commune"}


def find_name_in_email(text: object) -> str | None:
    """The person's name written beside their e-mail address, when the address spells it (« Sophie Marchand
    sophie.marchand@rougemont.fr », « s.marchand@… Sophie Marchand »): the capitalised words of the text that the
    address's local part names, in the text's order. A cue-free signature, trusted only because the address agrees."""
    if not isinstance(text, str):
        return None
    email = find_email(text)
    if not email:
        return None
    parts = [p for p in re.split(r"[._\-]+", email.split("@")[0].lower()) if p.isalpha()]
    if len(parts) < 2:
        return None
    plain = _strip_accents(text[:_MAX])
    words = list(re.finditer(r"[A-Z][A-Za-z'’-]+", plain))
    for a, b in zip(words, words[1:]):
        if plain[a.end():b.start()].strip():
            continue  # not side by side
        pair = {a.group(0).lower(), b.group(0).lower()}

        def spelled(part: str) -> bool:  # a whole word of the pair, or the initial of one (« s.marchand »)
            return part in pair or (len(part) == 1 and any(w.startswith(part) for w in pair))

        if pair & set(parts) and all(spelled(p) for p in parts[:2]):
            name = text[a.start():b.end()]
            if not any(w.lower() in _NOT_NAMES for w in name.split()):
                return name
    return None


def _strip_accents(text: str) -> str:
    """Same length as ``text``: each accented letter replaced by its base letter (offsets kept)."""
    return "".join((unicodedata.normalize("NFKD", ch)[:1] or ch) for ch in text)


_CAPS_WORD = r"[A-ZÀ-ÖØ-Þ]{2,}(?:[-'][A-ZÀ-ÖØ-Þ]{2,})?"
_PARTICLE = r"(?:de|du|des|van|von|der|le|la|di|da|del|ben|d['’])"
_BARE_NAME = re.compile(
    rf"(?:(?:M\.|Mme|Madame|Monsieur)\s+)?(?:{_NAME_WORD}|{_CAPS_WORD})"
    rf"(?:\s+(?:{_PARTICLE}\s*)?(?:{_NAME_WORD}|{_CAPS_WORD})){{1,3}}"
)
#: Capitalised words that are not a person's name (answers, menu words, places and buildings of a project).
_NOT_NAME_WORDS = _NOT_NAMES | {
    "oui", "non", "merci", "ok", "valider", "passer", "envoyer", "modifier", "annuler", "recommencer", "retour",
    "menu", "aide", "aucun", "aucune", "autre", "idée", "idee", "étude", "etude", "projet", "défini", "prêt",
    "commune", "mairie", "ville", "village", "école", "ecole", "salle", "église", "eglise", "rue", "place", "route",
    "stade", "gymnase", "centre", "maison", "parc", "pont", "financement", "ingénierie", "information", "mise",
    "relation", "cordialement", "salut", "bonsoir", "madame", "monsieur", "saint", "sainte", "communauté", "cc",
    "fonds", "dotation", "programme", "agence", "préfecture", "prefecture", "je", "nous", "on", "le", "la", "les",
}


_NAME_LEAD = re.compile(r"^(?i:(?:(?:non|oui|ok|bonjour|alors)\b[\s,.!]*)*(?:c['’]est|je suis|ici|moi)?)\s*(?=[A-ZÀ-ÖØ-Þ])")


def find_bare_name(text: object) -> str | None:
    """A first and last name typed alone (« Marie Dupont », « DUPONT Marie », « Marie Dupont 06 12 34 56 78 »):
    two to four capitalised words and nothing else once the phone number and e-mail address are set aside. For
    the steps that offer buttons, where the name is not the question; ``None`` for anything else."""
    if not isinstance(text, str) or len(text) > 200:
        return None
    rest = strip_contact(text).strip(" ,;:.!")
    rest = _NAME_LEAD.sub("", rest).strip(" ,;:.!")  # « non, Marie Dupont », « c'est Marie Dupont »
    head, sep, tail = rest.partition(",")
    if sep and find_role(tail, asked=True) and not find_stage(tail, asked=True):
        rest = head.strip()  # « Marie Dupont, maire » (the role is read apart)
    if not rest or not _BARE_NAME.fullmatch(rest):
        return None
    words = [w.strip(".").lower() for w in re.split(r"[\s]+", rest)]
    if any(w in _NOT_NAME_WORDS for w in words if not re.fullmatch(_PARTICLE, w)):
        return None
    if find_role(rest, asked=True) or find_stage(rest, asked=True) or find_help_kinds(rest, asked=True):
        return None
    return rest


def strip_contact(text: str) -> str:
    """The text without its phone numbers, e-mail addresses and the words that introduce them (for the name)."""
    text = re.sub(r"\S+@\S+", " ", text)
    # dictated whole: « mairie tiret lebetain arobase orange point fr »
    text = re.sub(r"\b[\w-]+(?:\s+(?:point|tiret)\s+[\w-]+)*\s+(?:arobase|arrobase|arobas)\s+[\w-]+(?:\s+point\s+[\w-]+)+",
                  " ", text, flags=re.IGNORECASE)
    text = re.sub(r"\S+\s*(?:arobase|arrobase|\(at\))\s*\S+", " ", text, flags=re.IGNORECASE)
    text = re.sub(r"(?:\+|00)\d[\d\s.\-/()]{7,}\d|\b0\d(?:[\s.\-/]?\d{2}){4}\b", " ", text)
    text = re.sub(r"\b(?:mon|ma|le|la)?\s*(?:portable|t[ée]l[ée]phone|t[ée]l|num[ée]ro|mail|e-mail|email|courriel|adresse)\b"
                  r"(?:\s*(?:c['’]est|est|:))?(?:\s*le)?", " ", text, flags=re.IGNORECASE)
    text = re.sub(r"(?:je m['’]appelle|mon nom(?: est| c['’]est)?|moi c['’]est)", " ", text, flags=re.IGNORECASE)
    text = re.sub(r"\s+(?:et|,)\s*$", "", text.strip())
    return re.sub(r"\s+", " ", text).strip(" ,;:.-")


# --- e-mail said aloud ---------------------------------------------------------------------------------------------
def find_email_spoken(text: object) -> str | None:
    """An e-mail address, also when dictated: « marie.dupont arobase orange.fr », « m dupont at mairie point fr »."""
    found = find_email(text)
    if found or not isinstance(text, str):
        return found
    t = re.sub(r"\s*(?:arobase|arrobase|arobas|\(at\)|\[at\]|\bat\b)\s*", "@", text[:_MAX], flags=re.IGNORECASE)
    if "@" not in t:
        return None
    local, _, domain = t.partition("@")
    if not local.strip() or local[-1].isspace():
        return None  # « c'est @cravanche.fr »: a domain alone (``find_email_domain``), « c'est » is no local part
    domain = re.sub(r"\s*(?:\bpoint\b|\(dot\)|\[dot\])\s*", ".", domain, flags=re.IGNORECASE)
    local = re.sub(r"\s+point\s+", ".", local.strip(), flags=re.IGNORECASE)
    # « tiret du bas » / « underscore » is « _ », « tiret » alone « - » (« mairie tiret lebetain arobase … »)
    local = re.sub(r"\s*\b(?:tiret\s+(?:du\s+)?bas|underscore)\b\s*", "_", local, flags=re.IGNORECASE)
    local = re.sub(r"\s+(?:tiret|trait\s+d['’\s]?union)\s+", "-", local, flags=re.IGNORECASE)
    local = local.split()[-1] if local.split() else ""
    domain = re.sub(r"\s+tiret\s+", "-", domain, flags=re.IGNORECASE)
    return find_email(local + "@" + domain)


def find_email_domain(text: object) -> str | None:
    """The domain of an address said alone, after its « @ » (« pardon c'est @cravanche.fr pas .com », « arobase
    cravanche point fr »): the part a correction changes. ``None`` when a whole address is said."""
    if not isinstance(text, str) or find_email_spoken(text):
        return None
    t = re.sub(r"\s*(?:arobase|arrobase|arobas|\(at\)|\[at\])\s*", " @", text[:_MAX], flags=re.IGNORECASE)
    m = re.search(r"(?:^|\s)@\s*([\w.\s-]+)", t)
    if not m:
        return None
    domain = re.sub(r"\s*(?:\bpoint\b|\(dot\)|\[dot\])\s*", ".", m.group(1), flags=re.IGNORECASE).split()
    found = find_email("x@" + domain[0]) if domain else None
    return found.partition("@")[2] if found else None


# --- corrections: is it one -------------------------------------------------------------------------------------
#: the words that open a correction, said as such (one list for both readings: « is it a correction », on the
#: normalised text, and « what follows it », on the text as written: accents are optional in it)
_CORRECTION_WORDS = (r"non(?:\s+non)?|pardon|oups|en\s+fait|plut[ôo]t|finalement|erreur|correction|je\s+corrige|"
                     r"rectification|je\s+rectifie|je\s+me\s+suis\s+tromp[ée]e?|je\s+me\s+suis\s+mal\s+exprim[ée]e?|"
                     r"(?:attendez\s+|attends\s+)?je\s+(?:confonds|me\s+m[ée]lange|m[ée]lange)")
#: a cry that only leads what follows (« aïe non c'est Petit-Croix », « zut, pardon : … »): set aside before a correction
_INTERJECTION = (r"a[iï]e(?:\s+a[iï]e)*|ouille|ouh?\s+l[àa]|oh\s+l[àa](?:\s+l[àa])*|oul[àa](?:l[àa])*|houl[àa]|zut|mince|"
                 r"h[ée]las|argh?|rho+|oops|whoops|ah|oh|euh|ben|bah")
#: … and, to say it is one (not to set it aside), the negation that opens it (« c'est pas Giromagny »)
_CORRECTION_RE = re.compile(rf"^(?:(?:{_INTERJECTION})\b[\s,!.]*)*(?:{_CORRECTION_WORDS}|pas du tout|est pas|ce est pas)\b")


def is_correction(text: object) -> bool:
    """« non, c'est à Chaux », « en fait 250 k€ », « 80 k TTC hein, HT ça fait 66 000 »: the person corrects what
    they said before (an amount restated without tax is the budget corrected)."""
    if isinstance(text, str) and _amount_excluding_tax(text[:_MAX]) is not None:
        return True
    return bool(_CORRECTION_RE.search(_norm(text)))


def says_correction(text: object) -> bool:
    """A correction anywhere in the message, one of its sentences starting so (« On a une étude de tracé. Et
    pardon, le budget c'est plutôt 450 000. »)."""
    if not isinstance(text, str):
        return False
    if re.search(r"\bplut[ôo]t\b(?!\s+que)", text[:_MAX], re.IGNORECASE):
        return True  # « et mon numéro c'est plutôt le 06 … »
    return any(is_correction(re.sub(r"^\s*(?:(?:et|mais|ah|oh)\b[\s,]*)+", "", part, flags=re.IGNORECASE))
               for part in re.split(r"[.!?;\n]+", text[:_MAX]) if part.strip())


# --- corrections: what replaces what ----------------------------------------------------------------------------------
_CORR_LEAD = re.compile(
    # (and the words that only lead it, set aside with it: « désolé », « attention », « ah »)
    rf"^(?:\s*(?:{_CORRECTION_WORDS}|d[ée]sol[ée]e?|attention|{_INTERJECTION})\b"
    r"(?:\s*(?:plus\s+haut|tout\s+[àa]\s+l['’]heure|au\s+d[ée]but|avant|dans\s+mon\s+(?:premier\s+)?message))?[\s,:;.!]*)+",
    re.IGNORECASE)
_CORR_IS = re.compile(r"^(?:c(?:['’]\s*|\s+)est|c(?=\s)|il\s+s['’]agit\s+(?:de|d['’])|ce\s+sera|ça\s+sera|ca\s+sera|c['’]était)\s+"
                      r"(?:bien\s+)?(?:(?:à|a|de|pour)\s+)?", re.IGNORECASE)
_CORR_NOT_AFTER = re.compile(r"^(?P<new>.+?)[\s,;]+(?:et\s+)?(?:non|pas|plut[ôo]t\s+que)\s+(?:pas\s+)?(?:(?:à|a|de|pour)\s+)?"
                             r"(?P<old>[^,;:.!?]+?)(?:\s+(?:dsl|d[ée]sol[ée]e?|pardon|oups|je|j['’]?|on|nous)\b[^,;.!?]*)?"
                             r"[\s,;:.!?]*(?:[,;:.!?]\s*[^,;:.!?]{0,80}){0,3}[\s,;.!?]*$", re.IGNORECASE)
# (« c grosmagny pas petitmagny dsl j ai tapé trop vite »: the apology after the old words is none of them)
_CORR_BUT = re.compile(r"^(?:(?:oui|ah|oh|euh|bon|ok|presque|c['’]\s*est\s+(?:presque\s+|bien\s+|tout\s+)?(?:[çc]a|bon|bien|juste|"
                       r"parfait|correct))[\s,]*)?mais\s+(?:(?:mettez|mets|mettre|notez|indiquez|[ée]crivez)\s+)?",
                       re.IGNORECASE)  # (« c'est presque ça mais mettez idée, pas étude »)
_CORR_NOT_BEFORE = re.compile(r"^(?:ce\s+n['’]est\s+|c['’]est\s+|c\s+)?pas\s+(?:(?:à|a|de|pour)\s+)?(?P<old>.+?)[\s,;]+(?:mais|c['’]est|"
                              r"c|plut[ôo]t)\s+(?:(?:à|a|de|pour)\s+)?(?P<new>.+?)(?:\s+(?:dsl|d[ée]sol[ée]e?|pardon|je|j['’]|on|nous)\b.*)?[\s.!]*$",
                              re.IGNORECASE)


#: what was written before, named as such, then what it should be (« je vois que j'ai écrit Sevenans au début :
#: c'est Trévenans », « j'ai mis 2026, il faut lire 2027 »)
_CORR_WROTE = re.compile(r"\b(?:j['’]\s*ai|on\s+a|nous\s+avons)\s+(?:[ée]crit|mis|tap[ée]|dit|indiqu[ée]|marqu[ée])\s+"
                         r"(?:«\s*)?(?P<old>[^:,;.!?«»]{1,60}?)(?:\s*»)?(?:\s+(?:au\s+d[ée]but|plus\s+haut|tout\s+[àa]\s+l['’]heure|"
                         r"avant|par\s+erreur))?\s*[:,;]\s*(?:mais\s+)?(?:c['’]\s*est|c\s+est|il\s+faut\s+lire|lire|en\s+fait)\s+"
                         r"(?:(?:à|a|de|pour)\s+)?(?P<new>[^,.;!?]{1,60}?)\s*(?:[,.;!?]|$)", re.IGNORECASE)


def correction_parts(text: object) -> tuple[str, str | None] | None:
    """What a correction says: (the new words, the old words or ``None``). « pardon c'est Lepuix pas Giromagny » →
    (« Lepuix », « Giromagny »); « en fait plutôt 450 000 » → (« 450 000 », None); « pas Delle mais Beaucourt » →
    (« Beaucourt », « Delle »). ``None`` when the text has neither a correction lead nor a « X, pas Y » shape."""
    if not isinstance(text, str) or not text.strip():
        return None
    raw = text.strip()[:_MAX]
    wrote = _CORR_WROTE.search(raw)
    if wrote:
        return wrote.group("new").strip(), wrote.group("old").strip()
    m = _CORR_LEAD.match(raw)
    led = bool(m and m.end() > 0)
    rest = raw[m.end():] if led else raw
    rest = _CORR_IS.sub("", _CORR_BUT.sub("", rest.strip())).strip()
    # the correction's own sentence first (« pardon c est pour Urcerey pas Buc je fais les 2 mairies. le maçon a
    # chiffré 48 000 ht, … pas encore de devis signé »: the « pas » of a later sentence is no correction)
    first = re.split(r"(?<=[.!?])\s+", rest, maxsplit=1)[0]
    tries = [(pattern, first) for pattern in (_CORR_NOT_BEFORE, _CORR_NOT_AFTER)] if led and first != rest else []
    for pattern, said in tries + [(pattern, rest) for pattern in (_CORR_NOT_BEFORE, _CORR_NOT_AFTER)]:
        found = pattern.match(said)
        if found:
            new = re.sub(r"^(?:(?:le|la|l['’]|mon|ma)\s*\w+\s+)?(?:c['’]est|est)\s+(?:bien\s+)?", "", re.sub(
                r"^.*:\s*", "", found.group("new").strip(" ,;:.!")), flags=re.IGNORECASE)  # « la commune c'est bien X »
            new = _CORR_IS.sub("", new).strip()
            old = found.group("old").strip(" ,;:.!")
            if re.search(r"(?i)(?:\bn['’]\s*|\bne\s+)[\w'’-]+(?:\s+(?:plus|encore|toujours))?$", found.group("new").strip()):
                continue  # « on n'est pas prêts du tout »: the « pas » of a negation, no correction
            if new and old and len(old.split()) <= 6:
                return new, old
    if led and rest.strip(" ,;:.!?"):
        return rest.strip(" ,;:.!"), None
    return None
