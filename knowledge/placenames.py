"""Place names as the territory referential indexes them: normalisation (``norm``, ``norm_tokens``), the words
around a place name in a sentence, EPCI legal forms, and the index keys of a commune alias or an EPCI name.
No import of ``bot`` or ``telegram``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable


# --- normalisation (private; intents.normalize may differ, this one is tuned for place names) ----------------------
def _build_fold() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in range(0xC0, 0x2B0):
        ch = chr(cp)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if base != ch and base.isascii():
            table[cp] = base
    table.update({ord("œ"): "oe", ord("æ"): "ae", ord("ß"): "ss", ord("ø"): "o", ord("ł"): "l", ord("đ"): "d",
                  ord("ı"): "i", ord("^"): "", ord("\u2019"): " ", ord("\u02bc"): " "})
    return table


_FOLD = _build_fold()
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_TOKEN_MAP = {"st": ("saint",), "ste": ("sainte",), "sts": ("saints",), "stes": ("saintes",), "mt": ("mont",)}
_DROP = frozenset({"l", "d"})  # elisions: "Saint-Dizier-l'Évêque" ~ "saint dizier eveque", "maire d'Offemont"


def norm_tokens(text: str) -> list[str]:
    """Lowercase ASCII tokens; accents stripped; hyphens and apostrophes split words; "st"/"ste" → "saint"/"sainte";
    the elided "l'"/"d'" dropped. Superscripts ("Sᵗ", "S^t") count as plain letters."""
    if not isinstance(text, str) or not text:
        return []
    text = text.lower().translate(_FOLD)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower().translate(_FOLD)
    out: list[str] = []
    for tok in _NON_ALNUM.split(text):
        if not tok or tok in _DROP:
            continue
        mapped = _TOKEN_MAP.get(tok)
        if mapped is None:
            out.append(tok)
        else:
            out.extend(mapped)
    return out


def norm(text: str) -> str:
    return " ".join(norm_tokens(text))


# --- phrases around a place name ------------------------------------------------------------------------------------
# A span that starts right after one of these is "anchored": the person is naming their collectivité.
_TRIGGER_HEADS = frozenset({
    "maire", "mairie", "commune", "ville", "village", "municipalite", "adjoint", "adjointe", "conseiller",
    "conseillere", "secretaire", "dgs", "elu", "elue", "president", "presidente", "habitants", "collectivite",
    "municipal", "municipale",
})
_TRIGGER_LINKS = frozenset({"de", "du", "des", "la", "le", "les", "a", "au"})
_WEAK_ANCHORS = frozenset({"a", "au", "sur", "pour", "chez", "de", "du"})
_PLACE_PREPOSITIONS = frozenset({"a", "au", "chez"})
# Words around a name that carry nothing: trimmed from both ends of the query (what is left is the "core").
_FILLER = frozenset("""
bonjour bonsoir salut madame monsieur je suis sommes nous on ai il elle est c la le les de du des un une
mairie maire commune ville village municipalite adjoint adjointe conseiller conseillere municipal municipale au a
pour sur chez dans en et ou y mon ma mes notre nos votre vos habite habitant habitants elu elue collectivite
secretaire dgs president presidente merci svp stp oui voila cest c est ma j
""".split())
# Common words that are also commune names: never taken as a place when found alone inside a sentence.
_STOP_NAMES = frozenset("""
a y eu us ur oz by bu eus et ou on le la les de des du en plan ecole salles salle place pont port porte fontaine
bourg croix chaux leval frais essert reppe buc vie gare mairie projet centre ville commune route rue eglise foret
bois mont val vals plaine pre prix marche marches belle beaux bon bonne bonnes grand grande petit petite neuf nord
sud est ouest moulin moulins cours vers tour tours lieu lieux aide aides etat mars mai juin paris lyon saint sainte
bretagne courcelles fontenelle granges grange champ champs chatel chateau chapelle jardin jardins sons soye cher
grands les grands sous le chateau haut bas neuve vieux vieille eau eaux lac mer loire rhone seine
""".split())
_DEP_HINT = re.compile(r"\(\s*(\d{2,3}|2[abAB])\s*\)")
_CODE5 = re.compile(r"(?<![0-9a-zA-Z])(\d{5}|2[abAB]\d{3})(?![0-9a-zA-Z])")
_SPACED_POSTAL = re.compile(r"(?<![0-9])(\d{2})\s(\d{3})(?![0-9])")
_SIREN = re.compile(r"(?<![0-9])(\d{9})(?![0-9])")

# Legal forms of an EPCI as people write them, with the EPCI types each may name.
_LEGAL_FORMS: dict[tuple[str, ...], frozenset[str]] = {}
for _forms, _types in (
    (("cc", "cdc", "com com", "comcom", "communaute de communes", "communaute communes", "communaute des communes"),
     {"CC"}),
    (("ca", "communaute d agglomeration", "communaute agglomeration", "communaute de l agglomeration"), {"CA"}),
    (("agglo", "agglomeration"), {"CA", "CU", "METRO", "MET69"}),
    (("cu", "communaute urbaine"), {"CU"}),
    (("metropole",), {"METRO", "MET69", "CU"}),
    (("epci", "intercommunalite", "interco", "communaute", "com"), {"CC", "CA", "CU", "METRO", "MET69"}),
):
    for _f in _forms:
        _LEGAL_FORMS[tuple(norm_tokens(_f))] = frozenset(_types)
_LEGAL_FORM_HEADS = frozenset(f[0] for f in _LEGAL_FORMS)
_ARTICLES = frozenset({"de", "du", "des", "la", "le", "les", "l", "d", "en", "et", "sur", "sous", "au", "aux"})
_ACRONYM_STOP = frozenset({
    "ccas", "cias", "crte", "scot", "plui", "cdc", "cca", "pcaet", "caf", "ccs", "cas", "ccc", "cac",
    "cae", "cat", "cab", "cal", "cam", "can", "cap", "car", "cave", "cafe", "cage", "cama", "case", "cube", "cure",
})
_ARTICLE_PREFIXES = ("le ", "la ", "les ")


# --- index keys -----------------------------------------------------------------------------------------------------
def _row_key(row: list) -> str:
    return row[6] if len(row) > 6 else norm(row[1])


def _clean_dep(dep: object) -> str:
    value = str(dep or "").strip().upper()
    if value.isdigit() and len(value) == 1:
        value = "0" + value
    return value


def _alias_keys(key: str, why: str) -> Iterable[tuple[str, float]]:
    """Keys of an old commune name (weight 0.93) or a municipal arrondissement ("paris 15e", "paris 15": 0.97)."""
    weight = 0.93 if why == "ancienne" else 0.97
    yield key, weight
    if key.startswith(_ARTICLE_PREFIXES):
        yield key.split(" ", 1)[1], weight - 0.03
    toks = key.split()
    if why == "arrondissement" and len(toks) >= 3 and toks[-1] == "arrondissement":
        city, num = " ".join(toks[:-2]), toks[-2]
        digits = re.sub(r"\D", "", num)
        yield f"{city} {num}", 0.97
        if digits:
            yield f"{city} {digits}", 0.97
            yield f"{city} {digits}e", 0.97


def _epci_cores(name: str) -> list[str]:
    """The EPCI's name without its legal form and leading articles: "CC du Sud Territoire" → "sud territoire";
    "CA Pays de Montbéliard Agglomération" → also "pays de montbeliard"."""
    toks = norm_tokens(name)
    if toks and toks[0] in ("cc", "ca", "cu", "metropole"):
        toks = toks[1:]
    elif toks and toks[0] == "communaute":
        return []
    while toks and toks[0] in _ARTICLES:
        toks = toks[1:]
    if not toks:
        return []
    cores = [" ".join(toks)]
    if len(toks) > 1 and toks[-1] in ("agglomeration", "metropole", "communaute", "agglo"):
        cores.append(" ".join(toks[:-1]))
    return cores


def _epci_keys(name: str) -> Iterable[tuple[str, float, bool]]:
    """Keys of an EPCI in the name index: the official name, the name without its legal form (0.92: a commune of
    the same name wins) and the acronym ("CCST", only as a whole answer or after "président de")."""
    toks = norm_tokens(name)
    if not toks:
        return
    yield " ".join(toks), 1.0, False
    cores = _epci_cores(name)
    for core in cores:
        yield core, 0.92, False
    if cores and toks[0] in ("cc", "ca", "cu"):
        significant = [t for t in cores[0].split() if t not in _ARTICLES and not t.isdigit()]
        if significant and len(significant) <= 5:
            acro = toks[0] + "".join(t[0] for t in significant)
            if len(acro) >= 4 and acro not in _ACRONYM_STOP:
                yield acro, 0.9, True
