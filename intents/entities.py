"""Entities in free text: e-mail, French phone number, budget, INSEE code.

Every function takes any text and returns ``None`` when nothing usable is found; none of them raises.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_MAX = 4000


def _clean(text: object) -> str:
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFKC", text[:_MAX])
    # zero-width and bidi marks would split a number or an address in two
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


# --- e-mail --------------------------------------------------------------------------------------------------------
_EMAIL_RE = re.compile(
    r"(?<![\w.+-])([A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})(?![\w-])"
)


def find_email(text: object) -> str | None:
    """The first plausible e-mail address, lowercased (``Mairie@Evette-Salbert.fr`` -> ``mairie@evette-salbert.fr``)."""
    cleaned = _clean(text)
    found = []
    for m in _EMAIL_RE.finditer(cleaned):
        address = m.group(1)
        local = address.split("@", 1)[0]
        if ".." in address or local.startswith(".") or len(address) > 254:
            continue
        found.append((m, address.lower()))
    if len(found) >= 2 and _PHONE_FIX.search(cleaned, found[0][0].end(), found[-1][0].start()):
        return found[-1][1]  # « mairie.x@orange.fr… non pardon c'est wanadoo.fr, mairie.x@wanadoo.fr »
    return found[0][1] if found else None


def is_email(text: object) -> bool:
    """True when the whole text (spaces around allowed) is one e-mail address."""
    cleaned = _clean(text).strip()
    found = find_email(cleaned)
    return found is not None and found == cleaned.lower()


# --- phone ---------------------------------------------------------------------------------------------------------
# Digits possibly separated by spaces, dots, dashes, slashes; an optional international prefix; "(0)" tolerated.
_PHONE_RE = re.compile(r"(?<![\w+])((?:\+|00)\s?\d{1,3}[\s.\-/]*(?:\(0\)[\s.\-/]*)?|0)(\d(?:[\s.\-/]?\d){7,13})(?!\d)")


def find_phone(text: object) -> str | None:
    """The first phone number, in E.164 form.

    French numbers: ``06 12 34 56 78``, ``06.12.34.56.78``, ``+33 6 12 34 56 78``, ``+33 (0)6…``, ``0033 6…`` all give
    ``+33612345678``. Other international numbers (``+41 …``, ``0041 …``) are kept with their prefix. A bare run of
    digits that is not a phone number gives ``None``.
    """
    cleaned = _clean(text)
    found = [(m, value) for m in _PHONE_RE.finditer(cleaned) for value in [_phone_value(m)] if value]
    if found:
        if len(found) >= 2 and _PHONE_FIX.search(cleaned, found[0][0].end(), found[-1][0].start()):
            return found[-1][1]  # « 03 84 23 57 12… non attendez c'est le 03 84 23 75 12 »: the corrected one
        return found[0][1]
    # Telegram's shared contact gives "33612345678" (no plus sign).
    bare = re.fullmatch(r"\s*(33[1-9]\d{8})\s*", cleaned)
    if bare:
        return "+" + bare.group(1)
    if re.search(r"(?i)z[ée]ro", cleaned):
        from intents.numbers import spoken_phone  # same layer

        said = spoken_phone(cleaned)  # « zéro six quarante et un vingt-deux … », dictated
        if said:
            return "+33" + said.replace(" ", "")[1:]
    return None


#: words that correct a number just said, between two numbers of one message
_PHONE_FIX = re.compile(r"\b(?:non|pardon|plut[ôo]t|attendez|attends|erreur|en fait|je corrige|oups|pas le|"
                        r"je me suis tromp[ée]e?|rectif\w*)\b", re.IGNORECASE)


def _phone_value(m: "re.Match[str]") -> str | None:
    """The E.164 form of one number found by ``_PHONE_RE`` (``None`` when it is not a phone number)."""
    prefix, rest = m.group(1), m.group(2)
    digits = re.sub(r"\D", "", rest)
    if prefix == "0":
        return "+33" + digits if len(digits) == 9 and digits[0] in "123456789" else None
    country_and_more = re.sub(r"\D", "", prefix) + digits
    if prefix.startswith("00"):
        country_and_more = country_and_more[2:]
    if country_and_more.startswith("33"):
        national = country_and_more[2:]
        if national.startswith("0"):
            national = national[1:]
        return "+33" + national if len(national) == 9 and national[0] in "123456789" else None
    # Other countries: E.164 allows up to 15 digits including the country code.
    if 8 <= len(country_and_more) <= 15:
        return "+" + country_and_more
    return None


def format_phone_fr(e164: str) -> str:
    """National display form of a French E.164 number: ``+33612345678`` -> ``06 12 34 56 78``."""
    if e164.startswith("+33") and len(e164) == 12:
        national = "0" + e164[3:]
        return " ".join(national[i : i + 2] for i in range(0, 10, 2))
    return e164


# --- budget --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Budget:
    """An amount in euros, or a range. ``low`` is None for "moins de X", ``high`` is None for "plus de X"."""

    low: int | None
    high: int | None

    @property
    def amount(self) -> int:
        """One figure for sorting and display: the single amount, or the middle of a range, or the known bound."""
        if self.low is not None and self.high is not None:
            return (self.low + self.high) // 2
        return self.low if self.low is not None else (self.high or 0)

    @property
    def is_range(self) -> bool:
        return self.low != self.high


_NUM = r"\d+(?:[ \u00a0\u202f.]\d{3})*(?:[.,]\d+)?"
_MULT = (
    r"(?:milliards?|mds?|md€|millions?|mio|m€|meur|meuros|m\b|mille|k€|keur|keuros|k\b|ke\b|kilo|"
    r"000\s*€|€|euros?|eur\b|e\b)?"
)
_AMOUNT_RE = re.compile(rf"(?<![\w.,])({_NUM})\s*({_MULT})", re.IGNORECASE)
_RANGE_RE = re.compile(r"\bentre\s+\d[\d\s.,]*\s*(?:k|m|mille)?\s*et\s+\d")
_NOT_MONEY_RE = re.compile(
    r"\s*(?:m2|m²|m 2|m3|ha\b|hectares?|km|kms|metres?|mètres?|habitants?|hab\b|logements?|places?|%|ans\b|mois|"
    r"jours?|semaines?|kw|mw|kwh|mwh|eleves|élèves|lits|classes?|personnes|communes|emplois|postes)",
    re.IGNORECASE,
)
_CONTEXT_RE = re.compile(r"(budget|euro|€|eur\b|\bk\b|\d\s*k|million|mille|\bm\b|\dm\b|m€|co[uû]t|montant|enveloppe)", re.I)


def _to_number(raw: str) -> float | None:
    raw = raw.replace("\u00a0", " ").replace("\u202f", " ").strip()
    # "1 200 000", "1.200.000" (thousands groups) vs "1,2" / "1.5" (decimals)
    if re.fullmatch(r"\d{1,3}(?:[ .]\d{3})+", raw):
        return float(re.sub(r"[ .]", "", raw))
    raw = raw.replace(" ", "")
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+,\d+", raw):
        raw = raw.replace(".", "").replace(",", ".")
    else:
        raw = raw.replace(",", ".")
    try:
        return float(raw)
    except ValueError:
        return None


def _multiplier(unit: str) -> tuple[int, bool]:
    """(factor, explicit) for a unit suffix."""
    u = unit.lower().strip()
    if not u:
        return 1, False
    if u.startswith(("milliard", "md")):
        return 1_000_000_000, True
    if u.startswith(("mille", "k")):  # before « m »: « 300 mille » is 300 000
        return 1_000, True
    if u.startswith(("million", "mio", "m")):
        return 1_000_000, True
    if u.startswith("k"):
        return 1_000, True
    if u.startswith("000"):
        return 1_000, True
    return 1, True  # € / euros: explicit currency, no factor


def parse_budget(text: object) -> Budget | None:
    """An order of magnitude of budget in euros.

    ``"50k"`` -> 50 000; ``"50 000 €"`` -> 50 000; ``"1,2 M€"`` -> 1 200 000; ``"entre 100 et 200 000"`` ->
    100 000–200 000 (the unit of the second figure applies to the first when that makes the range sensible);
    ``"moins de 30 k€"`` -> up to 30 000. Numbers that look like phone numbers, INSEE/postal codes or years without a
    money cue are ignored.
    """
    cleaned = _clean(text)
    if not cleaned.strip():
        return None
    lowered = cleaned.lower()
    # Strip what is clearly not money: phone numbers, references like 90-2026-0042, dates.
    lowered = re.sub(r"(?:\+|00)\d[\d\s.\-]{8,}\d|\b0\d(?:[\s.\-]?\d{2}){4}\b", " ", lowered)
    lowered = re.sub(r"\b\d{2,3}-\d{4}-\d{4}\b", " ", lowered)
    lowered = re.sub(r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b", " ", lowered)
    has_context = bool(_CONTEXT_RE.search(lowered) or _RANGE_RE.search(lowered))
    found: list[tuple[float, int, bool]] = []
    for m in _AMOUNT_RE.finditer(lowered):
        value = _to_number(m.group(1))
        if value is None:
            continue
        if _NOT_MONEY_RE.match(lowered, m.end()) and not m.group(2):
            continue
        factor, explicit = _multiplier(m.group(2) or "")
        if not m.group(2) and value.is_integer() and 1900 <= value <= 2100 \
                and re.search(r"\b(?:en|pour|d ici|d'ici|d’ici|fin|debut|début|avant|apres|après|courant|horizon)\s*$",
                              lowered[:m.start()]):
            continue  # « 60000 € pour 2027 »: a year, never a bound of a range
        found.append((value, factor, explicit))
    if not found:
        return None
    if not has_context:
        # A bare figure is accepted only when it is (nearly) the whole message, e.g. the answer to "quel budget ?"
        only = re.fullmatch(r"\s*(environ|a peu pres|à peu près|~|vers|autour de|max|maximum)?\s*" + _NUM + r"\s*", lowered)
        if not only:
            return None
        value, _, _ = found[0]
        if 1900 <= value <= 2100 and value.is_integer():  # a year
            return None
    amounts = [(v * f, v, f, e) for v, f, e in found]
    is_range = len(amounts) >= 2 and re.search(r"\b(entre|de|du)\b.*\b(et|a|à)\b|\d\s*(-|à|a)\s*\d", lowered)
    if not is_range and any(e for _, _, _, e in amounts):
        amounts = [a for a in amounts if a[3]]
    if is_range:
        (lo, lo_raw, lo_f, lo_e), (hi, hi_raw, hi_f, hi_e) = amounts[0], amounts[1]
        if not lo_e or lo_f == 1:
            # "entre 100 et 200 000": read 100 with the scale of the upper bound
            for scale in (hi_f if hi_f > 1 else 1, 1000, 1_000_000):
                if scale > 1 and lo_raw * scale <= hi and lo_raw * scale * 100 >= hi:
                    lo = lo_raw * scale
                    break
        if lo > hi:
            lo, hi = hi, lo
        return Budget(int(round(lo)), int(round(hi)))
    value = amounts[0][0]
    if value <= 0:
        return None
    if re.search(r"\b(moins de|max|maximum|au plus|pas plus de|jusqu a|jusqu'à|inferieur|inférieur)\b", lowered):
        return Budget(None, int(round(value)))
    if re.search(r"\b(plus de|au moins|minimum|superieur|supérieur|au dela|au-delà)\b", lowered):
        return Budget(int(round(value)), None)
    return Budget(int(round(value)), int(round(value)))


# --- INSEE code ----------------------------------------------------------------------------------------------------
_INSEE_RE = re.compile(r"(?<![\w-])((?:\d{2}|2[ABab])\d{3})(?![\w-])")


def find_insee(text: object) -> str | None:
    """The first token shaped like an INSEE commune code (``90010``, ``2A004``). A postal code has the same shape:
    the territory referential decides which it is."""
    cleaned = _clean(text)
    for m in _INSEE_RE.finditer(cleaned):
        start, end = m.span(1)
        before = cleaned[max(0, start - 2) : start]
        after = cleaned[end : end + 2]
        # part of a longer number written with separators (phone, amount): skip
        if re.search(r"\d[\s.]$", before) or re.match(r"^[\s.]\d", after):
            continue
        return m.group(1).upper()
    return None
