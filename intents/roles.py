"""The person's role said in words (« je suis maire », « DGS de Valdoie », « c'est Didier Fleury adjoint aux travaux »,
a signature's title, « secretiare de mairie »): one of the intake's role codes (``maire``, ``adjoint``,
``president-epci``, ``conseiller``, ``agent``, ``autre``). Split out of ``intents.extract`` (same rules), which
re-exports ``find_role``.
"""

from __future__ import annotations

import re

from intents.normalize import normalize

__all__ = ["find_role"]

_MAX = 3000


def _norm(text: object) -> str:
    return normalize(text if isinstance(text, str) else "", max_chars=_MAX) if isinstance(text, str) else ""


# --- role --------------------------------------------------------------------------------------------------------
# Order matters: "adjoint au maire" is an adjoint, "secrétaire de mairie" an agent, "président de la CC" an EPCI head.
# « chargé(e) de … » followed by a noun without article is a job title (de mission, de mobilité, des travaux, des
# marchés): an agent; « à la charge de la commune » is not one.
_ROLE_PATTERNS: tuple[tuple[str, str], ...] = (
    # « directeur général adjoint » is a DGA, « adjointe administrative » a grade of the civil service: both agents
    ("adjoint", r"(?<!general )(?<!generale )(?<!directeur )(?<!directrice )\b(?:1er |premier |premiere |2e |deuxieme )?"
                r"adjointe?s?\b(?! (?:administrati(?:f|ve)s?|techniques?|d animation|du patrimoine)\b)"),
    ("president-epci", r"\b(?:vice )?presidente? (?:de la |du |de )?(?:cc|ca|cu|com com|comcom|communaute|epci|"
                       r"agglo|agglomeration|intercommunalite|interco|syndicat|metropole|pays)\b|"
                       r"\bpresidente? (?:epci|interco|agglo)|\b(?:vice )?presidente?\b|\bvp\b|\bpdte?\b"),  # « VP », « pdt »
    ("agent", r"\b(?:dgs|dga|adjointe? (?:administrati(?:f|ve)|technique|d animation|du patrimoine)|directeur general|directrice generale|secreta(?:ire|riat) (?:de (?:la )?)?mairie|secretaire generale?|"
              r"secretaire|chargee? (?:de l |de |d |des |du )(?!la\b|le\b|les\b)[a-z]{3,}|agent|agente|technicien|technicienne|"
              r"directeur|directrice|responsable (?:des )?services? techniques?|chef de projet|cheffe de projet)\b"),
    ("conseiller", r"\b(?:conseill(?:er|ere)s? (?:municipale?|communautaire|delegue)e?|conseill(?:er|ere)|"
                   r"elue? municipale?|delegue|deleguee)\b"),
    ("maire", r"\bmaire\b|\bmadame le maire\b|\bmonsieur le maire\b"),
)
# A role said about oneself: « je suis maire », « en tant que DGS », « maire de Chaux », or the whole answer.
_SELF = r"\b(?:je suis|suis|je sui|jsuis|chuis|en tant que|en (?:ma |sa |votre )?qualite de|etant|moi|ici|est|c|votre|nous sommes)\s+(?:le |la |un |une |actuel |actuelle )?"
#: a greeting, in any register, right before the title that opens a message (« hey 👋 chargé de mission dev éco »,
#: « Bonjour Madame, Monsieur, secrétaire de mairie … »)
_GREETED = re.compile(r"(?:^| )(?:bonjour|bonsoir|salut|slt|hello|coucou|bjr|hey|hi|yo|wesh|re)"
                      r"(?: (?:a tous|a toutes|madame|monsieur|mesdames|messieurs|la compagnie|l equipe))*\s+$")
#: a title coordinated with another one said of oneself (« je suis ancien instituteur et conseiller municipal »,
#: « je suis retraitée et adjointe aux écoles »): the second is the role too
#: (the title right after « et », no article: « je suis allé voir l'architecte et le maire » is someone else)
_SELF_AND = re.compile(r"\b(?:je suis|suis|je sui|jsuis|chuis|en tant que)\s+"
                       r"(?:(?!(?:voir|avec|chez|a|au|aux|de|du|des|d|le|la|les|l|pour|par|sur|en|dans|alle|allee|passe|"
                       r"passee|venu|venue|parti|partie|ne|pas|que|qui)\b)[a-z-]+ ){1,4}et\s+(?:aussi |egalement |surtout )?$")
#: « c'est Didier Fleury adjoint aux travaux », « c'est jean-pierre vallat le maire de bourogne »: a role right after
#: the writer's name (two or three words that are not small function words, then maybe its article) said of themselves
_FUNCTION_WORD = (r"(?!(?:le|la|les|de|du|des|pour|par|sur|avec|dans|chez|un|une|au|aux|a|en|et|notre|votre|mon|ma|son|sa"
                  r"|qui|que|pas|ce|cet|cette|tout|tous|fait|donc)\b)")
_SELF_NAMED = re.compile(rf"(?:^| )(?:je suis|est|moi|ici)\s+{_FUNCTION_WORD}[a-z-]{{2,}} {_FUNCTION_WORD}[a-z-]{{2,}} $")
#: « c'est jean-pierre vallat le maire de bourogne »: two or three words and the title's article, at the opening of a
#: message, the title followed by its place (read only so: « le dossier est suivi depuis janvier le maire » is none)
_SELF_NAMED_ARTICLE = re.compile(rf"(?:^| )(?:est|moi|ici)\s+{_FUNCTION_WORD}[a-z-]{{2,}}(?: {_FUNCTION_WORD}[a-z-]{{2,}})"
                                 r"{1,2} (?:le|la) $")

#: clauses of the raw message (a role word opening one is an apposition about the writer: « Bonjour Madame,
#: Monsieur, secrétaire de mairie à X », « mairie de Trévenans, secrétaire. », a signature's title line)
_CLAUSE_SPLIT = re.compile(r"[,;:.!?\n()\u2013\u2014]")


#: The role words a typo is read back to (« secretiare », « adjiont »): same length, two neighbours swapped or one
#: letter wrong, in a word of at least 7 letters (exact enough: no other French word is that close to these).
_ROLE_WORDS = ("secretaire", "maire", "adjoint", "adjointe", "conseiller", "conseillere", "president", "presidente", "directeur",
               "directrice", "technicien", "technicienne")


def _one_typo(word: str, target: str) -> bool:
    if len(word) != len(target) or word == target:
        return False
    diff = [i for i, (a, b) in enumerate(zip(word, target)) if a != b]
    if len(diff) == 1:
        return True
    return len(diff) == 2 and diff[1] == diff[0] + 1 and word[diff[0]] == target[diff[1]] \
        and word[diff[1]] == target[diff[0]]


def _one_letter_less(word: str, target: str) -> bool:
    """``word`` is ``target`` with one letter left out (« mair », « secretair »)."""
    return len(target) == len(word) + 1 and any(target[:i] + target[i + 1:] == word for i in range(len(target)))


def _role_typos(norm: str) -> str:
    words = norm.split()
    # a long word with one typo; a short one right after « je suis le/la » (« vautiermont je suis le mair »)
    fixed = []
    for i, w in enumerate(words):
        said_of_self = len(w) >= 4 and words[max(0, i - 3):i] in (["je", "suis", "le"], ["je", "suis", "la"],
                                                                   ["je", "sui", "le"], ["je", "sui", "la"])
        if len(w) >= 7 or said_of_self:
            w = next((t for t in _ROLE_WORDS if _one_typo(w, t) or (said_of_self and _one_letter_less(w, t))), w)
        fixed.append(w)
    return " ".join(fixed) if fixed != words else norm


def find_role(text: object, asked: bool = False) -> str | None:
    """The person's role, when they say it of themselves (or whatever role word, when the role was asked)."""
    norm = _role_typos(_norm(text))
    if not norm:
        return None
    if asked and norm in ("autre", "aucun", "autre fonction"):
        return "autre"
    for code, pattern in _ROLE_PATTERNS:
        for m in re.finditer(pattern, norm):
            if asked:
                return code
            before = norm[max(0, m.start() - 40) : m.start()]
            after = norm[m.end() : m.end() + 4]
            if re.search(_SELF + r"$", before) or m.start() == 0 or _GREETED.search(before) \
                    or _SELF_AND.search(before):
                return code
            if _SELF_NAMED.search(before):
                return code
            if m.start() < 80 and _SELF_NAMED_ARTICLE.search(before) and re.match(r" (?:de|du|des|d|a)\b", after):
                return code
            if code in ("maire", "adjoint") and re.match(r" (?:de|du|des|a) ", after + " "):
                # « maire de Chaux » right after a greeting or a name
                if re.search(r"(?:^|bonjour |bonsoir |je suis |suis )\S*\s*\S*\s*$", before):
                    return code
    if not asked and isinstance(text, str):
        if _works_at(text):
            return "agent"
        for clause in _CLAUSE_SPLIT.split(text[:_MAX]):
            c = _role_typos(_norm(clause))
            for code, pattern in _ROLE_PATTERNS:
                m = re.match(pattern, c)
                if m and m.start() == 0:
                    return code
    return None


#: « je suis project manager à la mairie de Morvillars », « je suis gestionnaire des marchés à la communauté de
#: communes »: a title the patterns do not know, said of oneself and of the collectivité one works at: an agent (an
#: elected person names their mandate, which the patterns read first). Read on the lowered text, accents kept: a
#: participle (« je suis passé à la mairie ») or an adjective of feeling is no title.
_WORKS_AT = re.compile(r"\b(?:je suis|j['’]?suis|chuis|je travaille comme)\s+(?:(?:le|la|un|une|l['’])\s*)?"
                       r"((?:[\w'’-]+\s+){1,3}?)(?:à la|a la|de la|à|a|au|de|du|pour la)\s+"
                       r"(?:mairie|commune|ville|communauté|communaute|cc|agglo|syndicat|intercommunalité|métropole|"
                       # (« responsable du centre technique municipal », « agent des services techniques communaux »)
                       r"(?:[\w'’-]+\s+){1,3}?(?:municipal|municipale|municipaux|communal|communale|communaux|"
                       r"intercommunal|intercommunale|intercommunaux))\b")
_NOT_TITLE = re.compile(r"(?:é|ée|és|ées)$|^(?:en|à|a|de|du|la|le|les|très|tres|bien|allé|venu|venue|né|née|ravie?|"
                        r"heureux|heureuse|contente?|fière?|fier|nouvelle?|nouveau|élu|élue|elu|elue|élus|encore|"
                        r"toujours|aussi|déjà|deja|maintenant|ici|là|la-bas|passé|passée)$")


def _works_at(text: str) -> bool:
    m = _WORKS_AT.search(text[:_MAX].lower())
    return bool(m) and not _NOT_TITLE.search(m.group(1).split()[0].strip("'’-"))  # the title's first word
