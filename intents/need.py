"""The need as the project's words: a first message without its greeting, self-introduction and politeness.

« Bonjour, je suis maire de Giromagny, nous voulons rénover l'école » → « rénover l'école ». Only the edges of the
text are trimmed (greetings, « je suis maire de … », « je me permets de vous écrire car », « nous voudrions »,
leading filler; « merci d'avance », « cordialement » at the end): the middle is never touched, the words kept are the
person's own (case and accents), and when trimming would leave nothing meaningful the text is returned unchanged.
Pure, never raises.
"""

from __future__ import annotations

import re

from intents.help_kinds import find_help_kinds
from intents.normalize import normalize

__all__ = ["clean_need", "addition_text", "addition_parts", "join_need", "help_asked", "project_after_help"]

_E = "[eéèêë]"
_SEP = r"[\s,.;:!…–—-]*"
#: Where a self-introduction may end: punctuation, the end, « et », a subject that starts the project's sentence,
#: or a verb of wish said of the collectivité (« la commune de Chaux souhaite … »).
_BOUNDARY = (r"(?=\s*(?:[,.;:!?\n(]|$)|\s+(?:et\s+)?(?:nous|on|je|j['’]|notre|nos|la commune|elle|il)\b|"
             r"\s+(?:souhaite|voudrait|aimerait|veut|envisage|projette|pr[ée]voit|a besoin|cherche)\b)")
_NAME_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’-]+"

_ROLE = (
    rf"(?:maire(?:[- ]adjointe?)?|(?:premi{_E}re?|1{_E}re?|1er|deuxi{_E}me|2e|2{_E}me)\s+adjointe?(?:\s+au\s+maire)?|"
    rf"adjointe?(?:\s+au\s+maire)?|conseill{_E}re?s?(?:\s+(?:municipale?|communautaire|d{_E}l{_E}gu{_E}e?)){0,2}|"
    rf"secr{_E}taire\s+(?:de\s+mairie|g{_E}n{_E}rale?)|dgs|dga|"
    rf"directeur\s+g{_E}n{_E}ral\s+des\s+services|directrice\s+g{_E}n{_E}rale\s+des\s+services|"
    rf"(?:vice[- ])?pr{_E}sidente?|charg{_E}e?\s+de\s+mission|{_E}lue?(?:\s+municipale?)?|"
    rf"responsable\s+des\s+services\s+techniques)"
)
_PLACE = rf"(?:\s+(?:de|du|des|d['’]|à|a|au|aux|pour)\s*[^,.;:!?\n]{{1,70}}?{_BOUNDARY})"
_ARTICLE = r"(?:(?:le|la|l['’]|un|une|votre|madame\s+le|madame\s+la|monsieur\s+le)\s*)"
_SAYS = r"(?:je\s+suis|nous\s+sommes|moi\s+c['’]est|ici|en\s+tant\s+que|c['’]est|j['’]{1}interviens\s+en\s+tant\s+que)"

_ADDRESSED = (rf"(?:[\s,]+(?:madame|monsieur|mesdames|messieurs|et|à\s+tous|à\s+vous|tout\s+le\s+monde|"
              rf"le\s+pr{_E}fet|la\s+pr{_E}f{_E}te|le\s+sous[- ]pr{_E}fet|la\s+sous[- ]pr{_E}f{_E}te))")

#: « J'ai l'honneur de solliciter l'appui des services de l'État pour … », « j'ai l'honneur de vous présenter notre
#: projet de … »: a letter's formula before the project, wherever the project's clause stands
_HONOUR = (rf"^(?:j['’]ai|nous\s+avons)\s+l['’]honneur\s+de\s+(?:vous\s+)?(?:solliciter|demander|adresser|pr{_E}senter)"
           rf"(?:[^.;:!?\n]{{0,120}}?\b(?:pour|concernant|au\s+sujet\s+(?:de|du|des)|relative?\s+{_E}|{_E}\s+propos\s+(?:de|du|des))"
           rf"|\s+(?:notre|le|un|mon)\s+projet\s+(?:de|d['’]))\s*"
           # (« j'ai l'honneur de porter à votre connaissance notre projet de … »: any formula, up to the project)
           rf"|^(?:j['’]ai|nous\s+avons)\s+l['’]honneur\s+de\s+[^.;:!?\n]{{0,80}}?\b(?:notre|le|un|mon)\s+projet\s+"
           rf"(?:de\s+|d['’]\s*)")
_HONOUR_RE = re.compile(_HONOUR, re.IGNORECASE)


def trim_honour(text: str) -> str:
    """``text`` without a letter's « j'ai l'honneur de … » leading it (itself when nothing would remain)."""
    m = _HONOUR_RE.match(text)
    rest = text[m.end():].strip() if m else text
    return rest if rest and _meaningful(rest) >= 1 else text


_HEAD_PATTERNS: tuple[re.Pattern[str], ...] = tuple(re.compile(p, re.IGNORECASE) for p in (
    # greetings (and who they are addressed to)
    rf"^(?:bonjour|bonsoir|salut|hello|coucou|bjr|slt|cc(?=\s+(?:c['’]est|ici|je|j['’]|nous|on|moi)\b))\b{_ADDRESSED}*{_SEP}",
    # « Madame, Monsieur, » (only as an address, followed by punctuation: « Monsieur Dupont nous a dit » stays)
    rf"^(?:madame|monsieur|mesdames|messieurs)\b{_ADDRESSED}*(?=\s*[,.;:!]){_SEP}",
    # leading filler
    r"^(?:alors|voil[àa]|euh+|bon|donc|en\s+fait|eh\s+bien|ben|oui|ok|okay|hum+|d['’]accord|tr[èe]s\s+bien|parfait|"
    r"super|entendu)\b" + _SEP,
    # « J'ai l'honneur de solliciter l'appui des services de l'État pour … »
    _HONOUR,
    # « on voudrait faire une demande : … », « je souhaite déposer une demande de subvention pour … »
    rf"^(?:(?:nous|on|je|j['’]|la\s+commune)\s*|(?:peux|pouvez|pourrais|pourriez)[- ](?:tu|vous)\s+)?(?:(?:voulons|voudrions|voudrais|voudrait|veux|veut|souhaitons|souhaite|"
    rf"souhaiterais|souhaiterions|souhaiterait|aimerions|aimerais|aimerait|vais|allons|va)\s+)?(?:faire|d{_E}poser|"
    rf"envoyer|formuler|soumettre|adresser)\s+(?:une|la)\s+demande(?:\s+(?:de|d['’])\s*(?:financement|subvention|soutien|"
    rf"aide|accompagnement))?(?:\s*(?:pour|concernant|au\s+sujet\s+(?:de|du|des)|sur)\b)?\s*[:\-–—,]?\s*",
    # « je m'appelle Marie Dupont, … », « je suis Marie Dupont, maire de … »
    rf"^(?:je\s+m['’]appelle|moi\s+c['’]est|je\s+suis)\s+{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}}"
    rf"(?=\s*[,.;:]|\s+et\b){_SEP}(?:et\s+)?",
    # « Marie Dupont, maire de … » (a name before a role)
    rf"^{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,3}}\s*,\s*(?={_ARTICLE}?{_ROLE}\b)",
    # « je suis (le) maire (de Chaux) », « en tant que DGS de la commune, »
    rf"^{_SAYS}\s+{_ARTICLE}?{_ROLE}\b{_PLACE}?{_SEP}(?:et\s+)?",
    # « Maire de Giromagny. », « le président de la CC des Vosges du Sud, »
    rf"^{_ARTICLE}?{_ROLE}\b{_PLACE}{_SEP}(?:et\s+)?",
    # « (nous sommes) (pour) la commune de Chaux, »
    rf"^(?:(?:nous\s+sommes|ici|pour|c['’]est|c\s+est|c)\s+)?(?:la\s+|notre\s+)?(?:commune|mairie|ville|village|communaut{_E}\s+de\s+communes)"
    rf"(?:\s+(?:de|du|des|d['’])\s*[^,.;:!?\n]{{1,70}}?){_BOUNDARY}{_SEP}(?:et\s+)?",
    # contact formulas: « je me permets de vous contacter car », « je vous écris au sujet de »
    rf"^(?:je\s+me\s+permets\s+de\s+vous\s+(?:contacter|{_E}crire|solliciter|joindre|adresser\s+ce\s+message)|"
    rf"je\s+vous\s+(?:contacte|{_E}cris|sollicite|adresse\s+ce\s+message)|nous\s+vous\s+(?:contactons|{_E}crivons|sollicitons)|"
    rf"je\s+reviens\s+vers\s+vous|"
    rf"[^,.;:!?\n]{{0,40}}?\b(?:m['’]a|nous\s+a|m['’]ont|nous\s+ont)\s+demand{_E}s?\s+de\s+vous\s+(?:contacter|{_E}crire|"
    rf"solliciter|joindre))\b{_SEP}"
    rf"(?:(?:car|parce\s+que|pour|afin\s+de|afin\s+d['’]|au\s+sujet\s+(?:de|d['’]|du|des)|concernant|"
    rf"{_E}\s+propos\s+(?:de|d['’]|du|des))\s*)?",
    # « (je vous écris) de la part de M. le Maire. », « de la part de la mairie de Lepuix, »
    rf"^(?:je\s+vous\s+(?:{_E}cris|contacte)\s+)?de\s+la\s+part\s+(?:de|du|des|d['’])\s*(?:M\.\s|Mme\.?\s|Mr\.?\s|[^,.;:!?\n]){{1,70}}?"
    rf"(?:\s*[,.;:!\n]|\s+(?=(?:nous|on|je|la\s+commune|notre)\b)){_SEP}",
    # « nous voulons / on voudrait (aussi) (de) » before an infinitive
    rf"^(?:(?:nous|on|je|j['’]|la\s+commune|notre\s+commune|la\s+mairie|nous\s+aussi)\s*)?"
    rf"(?:voulons|voudrions|voudrais|voudrait|veux|veut|souhaitons|souhaiterions|souhaiterais|souhaiterait|souhaite|"
    rf"aimerions|aimerais|aimerait|envisageons|envisage|projetons|projette|pr[ée]voyons|pr[ée]voit|"
    rf"avons\s+(?:le|pour)\s+projet\s+de|ai\s+(?:le|pour)\s+projet\s+de|a\s+(?:le|pour)\s+projet\s+de|"
    rf"cherchons\s+[àa]|cherche\s+[àa])"
    rf"(?:\s+(?:aussi|{_E}galement|donc|maintenant))?(?:\s+(?:de\s+|d['’]))?\s*"
    rf"(?!savoir\b|conna[iî]tre\b|comprendre\b)(?=\w+(?:er|ir|re|oir)\b)",  # « je voudrais savoir » is a question
    # any verb of wish or thought said by the writer before an infinitive: « nous rêvons de transformer »,
    # « nous pensons rénover », « on envisagerait de créer » (a subject, one conjugated verb, « de », an infinitive)
    rf"^(?:nous|on|je|j['’])\s+(?!avons\b|ai\b|a\b|sommes\b|suis\b|est\b|doi\w*\b|sai\w*\b)"
    rf"[a-zà-ÿ]+(?:ons|e|es|ais|ait|ions|ient)(?:\s+(?:aussi|vraiment|bien|donc|d[ée]j[àa]))?\s+(?:de\s+|d['’])?"
    rf"(?!savoir\b|conna[iî]tre\b|comprendre\b|vous\b)(?=[a-zà-ÿ]+(?:er|ir|re)\b)",
    # the help asked before the project: « besoin d'aides pour rénover le gymnase », « besoin d'un financement pour »
    rf"^(?:(?:on\s+a|nous\s+avons|j['’]ai|avons|ai)\s+)?besoin\s+(?:d['’]|de\s+|du\s+|des\s+)\s*(?:une?\s+)?"
    rf"(?:aides?|appuis?|soutiens?|financements?|subventions?|accompagnements?|conseils?)"
    rf"(?:\s+(?:financi[eè]res?|techniques?))?\s+(?:pour|pr|afin\s+de|afin\s+d['’])\s+",
    # the request handed over: « Le maire m'a chargé de faire la demande pour les fenêtres … »
    rf"^[^,.;:!?\n]{{0,40}}?\b(?:m['’]a|nous\s+a|m['’]ont|nous\s+ont)\s+(?:charg{_E}e?s?|demand{_E})\s+de\s+(?:faire|d{_E}poser|"
    rf"monter|pr{_E}parer|transmettre|envoyer)\s+(?:la|une|cette)\s+demande(?:\s+de\s+(?:subvention|financement|aide))?\s+"
    rf"(?:pour|concernant|au\s+sujet\s+(?:de|du|des))\s+",
    # the file handed over: « le maire m'a confié le dossier de l'épicerie », « je m'occupe du dossier de la cantine »
    rf"^(?:[^,.;:!?\n]{{0,40}}?\b(?:m['’]a|nous\s+a|m['’]ont|nous\s+ont)\s+confi{_E}\s+|je\s+suis\s+(?:en\s+charge\s+)?|"
    rf"je\s+m['’]occupe\s+|nous\s+suivons\s+|je\s+suis\s+charg{_E}e?\s+)(?:le|du)\s+(?:dossier|projet)\s+(?:de\s+|du\s+|des\s+|d['’])",
    # what someone else asks of the commune: « les pompiers nous demandent une réserve incendie », « le SDIS nous
    # impose de … » (who asks is the why, not the project)
    rf"^(?:les?\s+|la\s+|l['’]\s*)[\w-]+(?:\s+[\w-]+)?\s+(?:nous|me)\s+(?:demandent|demande|imposent|impose|"
    rf"r{_E}clament|r{_E}clame|obligent|oblige)\s+(?:de\s+|d['’]|{_E}\s+)?",
    # a label: « Projet : … », « Objet : … »
    r"^(?:projet|objet|besoin|demande|sujet)\s*:\s*",
    # « notre projet est de » before an infinitive
    rf"^(?:le|notre|mon)\s+projet\s+(?:est|serait|consiste\s+[àa])\s+(?:de\s+|d['’])?(?=\w+(?:er|ir|re|oir)\b)",
))

#: a letter's opening formula (« Bonjour, », « Madame, Monsieur, », « Monsieur le Préfet, »): the first two head
#: patterns, read alone on a line by ``intents.signature.reading_text``
OPENINGS = _HEAD_PATTERNS[:2]

#: A letter's signature block: a sign-off alone on its line (the signature reader's list,
#: ``intents.signature.SIGN_OFF``), then at most a dozen short lines to the end, none a question (name, title, mairie,
#: address, phone, e-mail: an e-mail signature, an Outlook table read as lines).
_SIGNATURE_BLOCK = (r"\n[ \t]*(?:" + r"(?:bien\s+)?cordialement|bien\s+[àa]\s+vous|"
                    rf"(?:(?:avec\s+)?mes\s+)?(?:sinc{_E}res\s+)?salutations(?:\s+distingu{_E}es)?|"
                    r"merci(?:\s+d['’]avance|\s+par\s+avance|\s+beaucoup)?|respectueusement|"
                    rf"bonne\s+(?:journ{_E}e|soir{_E}e)" + r")[ \t,.!]*\n(?:[^\n?]{0,100}\n){0,24}[^\n?]{0,100}$")

_TAIL_PATTERNS: tuple[re.Pattern[str], ...] = tuple(re.compile(p, re.IGNORECASE) for p in (
    _SIGNATURE_BLOCK,
    rf"{_SEP}(?:bien\s+)?cordialement(?:[\s,.]+{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}})?{_SEP}$",
    rf"{_SEP}(?:(?:avec\s+)?mes\s+)?(?:sinc{_E}res\s+)?salutations(?:\s+distingu{_E}es)?{_SEP}$",
    rf"{_SEP}(?:bonne\s+(?:journ{_E}e|soir{_E}e|fin\s+de\s+journ{_E}e))(?:\s+{_E}\s+vous)?{_SEP}$",
    rf"{_SEP}(?:je\s+vous\s+)?(?:remercie|merci)(?:\s+(?:beaucoup|bien|d['’]avance|par\s+avance|"
    rf"(?:pour|de)\s+votre\s+(?:aide|retour|r{_E}ponse|attention)|(?:pour|de)\s+vos\s+retours|"
    rf"(?:de|pour)\s+(?:l['’]aide|votre\s+aide)))*{_SEP}$",
    rf"{_SEP}dans\s+l['’]attente\s+de\s+votre\s+(?:retour|r{_E}ponse){_SEP}$",
    rf"{_SEP}(?:je\s+vous\s+prie|nous\s+vous\s+prions|veuillez)\s+(?:d['’]agr{_E}er|de\s+croire|de\s+recevoir)[^\n]*$",
    # a signature: the contact at the end (read apart by the form), then the name alone after a sentence
    rf"{_SEP}(?:(?:mon\s+)?(?:e-?mail|mail|courriel|adresse)\s*:?\s*)?[\w.+-]+@[\w-]+(?:\.[\w-]+)+{_SEP}$",
    rf"{_SEP}(?:(?:mon\s+)?(?:t{_E}l(?:{_E}phone)?|portable|num{_E}ro)\s*:?\s*)?"
    rf"(?:\+33\s?|0)\d(?:[\s.-]?\d{{2}}){{4}}{_SEP}$",
    rf"(?<=[.!\n])\s*{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,2}}{_SEP}$",
    # a title on the last line of a signature (« Secrétaire de mairie », « Maire de Lepuix »)
    rf"\n\s*{_ARTICLE}?{_ROLE}\b(?:\s+(?:de|du|des|d['’]|à|a|au)\s*[^\n]{{1,60}})?{_SEP}$",
    # « Martine Roux, secrétaire de mairie » on the last line
    rf"(?<=[.!\n])\s*{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,2}}\s*,\s*{_ARTICLE}?{_ROLE}\b[^\n]{{0,60}}$",
))

_STOP = {
    "les", "des", "une", "que", "qui", "est", "pour", "dans", "par", "sur", "avec", "nous", "vous", "mon", "mes",
    "notre", "nos", "votre", "vos", "son", "ses", "aux", "du", "de", "la", "le", "et", "au", "ce", "cette", "ces",
    "on", "je", "il", "elle", "pas", "plus", "tout", "tous", "bien", "aussi", "merci", "bonjour", "avez", "avons",
}
MAX_PASSES = 12


def _meaningful(text: str) -> int:
    words = re.findall(r"[^\W\d_]{3,}", text.lower())
    return sum(1 for w in words if w not in _STOP)


#: The last clause of the need, when it is short enough to be only a fact that has its own field.
_LAST_CLAUSE = re.compile(r"(?:(?<!\d)[,.]|[,.](?!\d)|[;\n]|:\s|\s[–—-]\s)\s*(?:et\s+|mais\s+)?"
                          r"((?:[^,;.:\n]|(?<=\d)[,.](?=\d))+?)[\s.!]*$")
FACT_CLAUSE_WORDS = 14


def _is_fact_clause(clause: str) -> bool:
    """A clause that is only an amount, a calendar or the stage (« devis de 300 000 euros », « travaux début
    2027 », « on en est à l'étude », « études faites »): these have their own fields."""
    from intents import extract as x  # same layer; imported here to keep the module's import light

    words = re.findall(r"[^\W_]+", clause)
    if not words or len(words) > FACT_CLAUSE_WORDS:
        return False
    if re.search(r"\b(?:pour|afin)\s+(?:de\s+|d['’])?\w+(?:er|ir|re)\b", clause, re.IGNORECASE):
        return False  # « pour isoler le toit »: a purpose is part of the project
    if len(words) <= 6 and x.find_help_kinds(clause) and not re.search(r"\b\w+(?:er|ir)\b", clause):
        return True  # « financement », « cofinancements et appui en ingénierie »
    if x.find_help_kinds(clause) and re.match(r"\s*(?:(?:et\s+)?(?:nous|on|je|j['’])\s*(?:cherch|recherch|aurions\s+besoin|"
                                              r"avons\s+besoin|ai\s+besoin|a\s+besoin|souhait|sollicit|demand)|"
                                              r"besoin\s*:)", clause, re.IGNORECASE):
        return True  # « nous cherchons un financement », « nous aurions besoin d'un appui en ingénierie »
    return bool(x.find_amount(clause) or x.find_timing(clause) or x.find_stage(clause)
                or re.fullmatch(r"\s*(?:les\s+|des\s+)?[ée]tudes?\s+(?:sont\s+|est\s+)?(?:faites?|r[ée]alis[ée]es?|"
                                r"termin[ée]es?|en\s+cours|lanc[ée]es?)\s*", clause, re.IGNORECASE))


def _drop_fact_clauses(text: str) -> str:
    """The text without its closing clauses that are only facts (amount, calendar, stage)."""
    out = text
    for _ in range(6):
        m = _LAST_CLAUSE.search(out)
        if not m or m.start() == 0 or not _is_fact_clause(m.group(1)):
            break
        out = out[: m.start()].rstrip(" ,;:–—-\n")
        out = re.sub(r"(?:[.;\n]\s*)(?:besoins?|projet|objet|budget|calendrier|co[uû]t|montant|estimation)\s*$", "", out,
                     flags=re.IGNORECASE).rstrip(" ,;:–—-\n")  # a label left alone (« … Besoin : »)
    return out


#: pictographs and their joiners (emoji): they carry nothing a staff member reads in a need
_PICTOGRAPHS = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D]")


#: the help asked before what it is for, in any words (« on cherche des sous pour couvrir 2 courts de tennis », « nous
#: sollicitons un appui financier pour rénover … », « on cherche des sous pr un skatepark »): a subject, a verb, what
#: is asked (group 1), then « pour » and what it is for (``thing``)
_ASKED_FOR = re.compile(r"^(?:(?:on|nous|je|j['’]|la\s+commune)\s+)?(?:[a-zà-ÿ]+\s+){1,2}?([^,.;:!?\n]{2,50}?)\s+"
                        r"(?:pour|pr|afin\s+de|afin\s+d['’])\s+(?P<thing>[^.;!?\n]{3,120})", re.IGNORECASE)
#: what it is for, said as what to do (an infinitive): the project's own words
_TO_DO = re.compile(r"[a-zà-ÿ]+(?:er|ir|re)\b", re.IGNORECASE)
#: words that name no project (who or where the help is for)
_NO_THING = {"commune", "mairie", "village", "ville", "collectivite", "intercommunalite", "projet", "projets",
             "dossier", "nous", "notre", "nos", "cela", "ca", "tout", "habitants", "administres"}


def _help_then_thing(text: str) -> tuple[list[str], str] | None:
    """(the kinds of help asked, what they are for) at the start of ``text`` (a greeting before it set aside), when
    the words before « pour » are read as help (as at the help's question); else None."""
    said = text.strip(" ,;:")
    m = _HEAD_PATTERNS[0].match(said)  # « slt on cherche … »
    said = said[m.end():].strip(" ,;:") if m and m.end() > 0 else said
    m = _ASKED_FOR.match(said)
    kinds = find_help_kinds(m.group(1), asked=True) if m else []
    return (kinds, m.group("thing").strip(" ,;:")) if kinds else None


def _without_help_asked(text: str) -> str:
    """``text`` without the help asked before its project said as what to do (« … pour couvrir 2 courts »)."""
    found = _help_then_thing(text)
    if not found or not _TO_DO.match(found[1]) or _meaningful(found[1]) < 2:
        return text
    return text[text.index(found[1]):] if found[1] in text else text


def help_asked(text: object) -> list[str]:
    """The kinds of help asked before a project said as what to do, in a sentence of ``text`` (« on cherche des
    sous pour couvrir 2 courts de tennis » → financement)."""
    out: list[str] = []
    if not isinstance(text, str):
        return out
    for sentence in re.split(r"[.!?\n]+", text[:3000]):
        found = _help_then_thing(sentence)
        if found and _TO_DO.match(found[1]) and _meaningful(found[1]) >= 2:
            out += [k for k in found[0] if k not in out]
    return out


def project_after_help(text: object) -> str | None:
    """What the help asked at the start of a short message is for (« on cherche des sous pr un skatepark » → « un
    skatepark »): the project, when the words after « pour » name a thing."""
    if not isinstance(text, str) or len(text) > 300:
        return None
    found = _help_then_thing(text)
    if not found:
        return None
    words = {w for w in re.findall(r"[^\W\d_]{3,}", normalize(found[1]))} - _STOP
    return found[1] if words and not words <= _NO_THING else None


def clean_need(text: object, least: int = 2) -> str:
    """The need without the greeting, introduction and politeness around it; ``text`` itself when fewer than
    ``least`` meaningful words would remain (or when it is not a string: ``""``)."""
    if not isinstance(text, str):
        return ""
    if _PICTOGRAPHS.search(text):  # « panneaux solaires ☀️ », « hello 👋 » (the lines kept: a signature is read by them)
        text = re.sub(r"[ \t]{2,}", " ", _PICTOGRAPHS.sub("", text))
    original = text.strip()
    if not original:
        return original
    out = original
    for _ in range(MAX_PASSES):
        before = out
        for pattern in _HEAD_PATTERNS:
            m = pattern.match(out)
            if m and m.end() > 0:
                out = out[m.end():].lstrip(" ,;:.!…–—-\n")
        for pattern in _TAIL_PATTERNS:
            m = pattern.search(out)
            if m and m.start() > 0:
                out = out[: m.start()].rstrip(" ,;:–—-\n")
        if out == before:
            break
    out = _without_help_asked(out)
    out = _drop_fact_clauses(out).strip(" ,;:–—-\n")
    if out == original:
        return original
    if _meaningful(out) < least or len(out) < 8:
        return original
    return out


#: The words that introduce one more part of a need (trimmed, the part kept): « il manque : … », « j'ai oublié de
#: dire que … », « et aussi … », « ajoutez … ».
_ADDITION_LEAD = re.compile(
    rf"^(?:(?:et|oui|mais|ah|oh|pardon|alors|bon|aussi|{_E}galement|en\s+plus|de\s+plus|par\s+ailleurs|autre\s+chose|"
    rf"il\s+(?:me\s+|nous\s+)?manque(?:\s+(?:aussi|encore))?|(?:il\s+)?manque|"
    rf"j['’]ai\s+oubli{_E}(?:\s+de\s+(?:dire|pr{_E}ciser|mentionner|signaler|indiquer))?(?:\s+que)?|"
    rf"on\s+a\s+oubli{_E}(?:\s+de\s+(?:dire|pr{_E}ciser))?(?:\s+que)?|"
    rf"(?:je\s+voudrais\s+|je\s+veux\s+|pouvez[- ]vous\s+)?(?:ajout(?:er|ez)|rajout(?:er|ez)|compl{_E}t(?:er|ez))"
    rf"(?:\s+(?:aussi|que|qu['’]))?|"
    rf"(?:il\s+y\s+a|il\s+faudrait|il\s+faut)\s+aussi|"
    rf"(?:dans\s+(?:le|la|ma|notre)\s+(?:demande|besoin|projet)))\b[\s,:;.!…–—-]*)+",
    re.IGNORECASE)


#: a field of the request named as what is missing (« il manque : mon portable », « il manque le mail de la mairie »)
_FIELD_MISSING = re.compile(r"(?i)\s*(?:mon|ma|mes|le|la|les|l['’]|notre|nos|votre|un|une|son|sa)?\s*(?:num[ée]ro|t[ée]l[ée]phone|"
                            r"t[ée]l|portable|mobile|mail|e-?mail|courriel|adresse(?:\s+(?:e-?)?mail)?|nom|pr[ée]nom|"
                            r"fonction|coordonn[ée]es|contact)\b")


def addition_parts(text: object) -> tuple[str, bool]:
    """(one more part of the need as the person said it, whether a lead-in introduced it): « il manque : la mise
    aux normes accessibilité » → (« la mise aux normes accessibilité », True); greeting, politeness and facts that
    have their own field (amount, calendar, stage) are left out."""
    if not isinstance(text, str):
        return "", False
    out = text.strip()
    m = _ADDITION_LEAD.match(out)
    led = bool(m and 0 < m.end() < len(out))
    if led:
        out = out[m.end():].strip()
    out = clean_need(out).strip()
    out = _drop_fact_clauses(out) if out else out
    if out and (_is_fact_clause(out) or _meaningful(out) == 0):
        return "", led  # only a fact that has its own field (« et aussi 300 000 € »)
    first = re.split(r"[,;.!?\n]", out, maxsplit=1)[0]
    if led and _FIELD_MISSING.match(first):
        return "", led  # what is missing is a field of the request (« il manque : mon portable, … »), not the project
    if led and (re.match(r"(?i)de\s+quoi\b", first) or (find_help_kinds(first, asked=True) and _meaningful(first) <= 3)):
        return "", led  # what is missing is money (« il nous manque de quoi boucler », « il manque des sous »): the help
    return out, led


def addition_text(text: object) -> str:
    """One more part of the need, without its lead-in (see ``addition_parts``)."""
    return addition_parts(text)[0]


def join_need(need: str, part: str) -> str:
    """The need with one more part (never twice the same words)."""
    need, part = (need or "").strip(), (part or "").strip(" ,;")
    if not part:
        return need
    if not need:
        return part
    fold = lambda t: re.sub(r"\W+", " ", t.lower()).strip()  # noqa: E731
    if fold(part) in fold(need):
        return need
    return need.rstrip(" .;,") + " ; " + part


#: What a question about a programme is about: the words after « finance », « pour », « concerne »…
_QUESTION_OBJECT = re.compile(
    r"(?:\bfinanc\w*|\bsubventionn\w*|\bsoutien\w*|\bconcern\w*|\bcouvr\w*|\bprend\w*\s+en\s+charge|"
    r"\bmarch\w*\s+(?:aussi\s+)?(?:pour|avec)|\bvalables?\s+pour|\bs['’]appliqu\w*\s+(?:à|a|aux?)|"
    r"\b(?:aides?|subventions?|financements?|programmes?|dispositifs?)\s+(?:existent\s+|possibles?\s+|y\s+a[- ]t[- ]il\s+)?"
    r"(?:pour|sur)|\b[ée]ligibles?\s+(?:pour|à|a|aux?)|\bpour)\s+(?P<obj>[^?!.]{3,160})",
    re.IGNORECASE)
_NOT_OBJECT = re.compile(r"^(?:quel\w*|quoi|qui|combien|comment|pourquoi|ça|ca|cela|nous|moi|vous|les\s+communes?|"
                         r"une\s+commune|ma\s+commune|notre\s+commune|quel\s+genre)\b", re.IGNORECASE)


#: a follow-up that names its object first, then asks of it (« et l'éclairage public, ça rentre dedans ? », « et une
#: école, c'est possible ? »)
_AND_THIS = re.compile(r"(?i)^\s*(?:et|mais|alors)\s+(?P<obj>(?:l['’]|le\s|la\s|les\s|un\s|une\s|des\s|du\s|nos\s|notre\s)"
                       r"[^,?!.]{2,80}?)\s*,?\s+(?:ça|ca|cela|c['’]est|c\s+est|est[- ]ce|il|elle|ils|elles)\b[^?]*\?")


def question_object(question: object, names: tuple[str, ...] = ()) -> str | None:
    """The project a question about a programme is about (« est-ce que le Fonds vert finance la rénovation des
    écoles ? » → « la rénovation des écoles »; « et ça marche pour une école ? » → « une école »); ``None`` when the
    question names no project (« c'est quoi PVD ? », « la DSIL finance quel genre de projets ? »). ``names``: the
    programme names to leave out."""
    if not isinstance(question, str):
        return None
    text = question.strip()[:600]
    for name in sorted((n for n in names if n), key=len, reverse=True):
        text = re.sub(re.escape(name), " ", text, flags=re.IGNORECASE)
    found = None
    for m in _QUESTION_OBJECT.finditer(text):
        found = m
    if found is None:
        found = _AND_THIS.match(text)  # « et l'éclairage public ça rentre dedans ? »
    if found is None:
        return None
    obj = re.sub(r"\s+", " ", found.group("obj")).strip(" ,;:-")
    obj = re.sub(r"\s+(?:aussi|également|egalement|svp|s['’]il vous pla[iî]t|ou pas|ou non)$", "", obj,
                 flags=re.IGNORECASE).strip(" ,;:-")
    if not obj or _NOT_OBJECT.match(obj) or _meaningful(obj) < 1:
        return None
    return obj
