"""French numbers written in words, as figures: « soixante-quinze mille euros » → « 75000 euros ».

Exact (the grammar of French numerals, not a list of phrases): units, tens (« soixante-dix », « quatre-vingt-
quinze »), « cent », « mille », « million(s) », « milliard(s) », « et demi ». Only spans that reach a thousand are
rewritten (« un projet », « deux écoles » stay as they are), so the amount readers see figures. Pure, never raises.
"""

from __future__ import annotations

import re

__all__ = ["words_to_figures", "has_number_words", "spoken_phone", "PHONE_SPAN"]

_UNITS = {
    "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16,
    "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "septante": 70,
    "huitante": 80, "octante": 80, "nonante": 90,
}
_SCALES = {"cent": 100, "cents": 100, "mille": 1000, "million": 10**6, "millions": 10**6, "milliard": 10**9,
           "milliards": 10**9}
_WORD = "|".join(sorted(list(_UNITS) + list(_SCALES) + ["et", "demi", "demie"], key=len, reverse=True))
_SPAN = re.compile(rf"(?<![\w-])(?:(?:{_WORD})(?:[\s-]+|$|(?=[^\w-])))+", re.IGNORECASE)
_BIG = re.compile(r"\b(?:mille|millions?|milliards?)\b", re.IGNORECASE)


def _fold(text: str) -> str:
    return text.lower().replace("é", "e").replace("è", "e")


def _value(tokens: list[str]) -> int | None:
    total, current, last, scale_seen = 0, 0, None, 0
    for tok in tokens:
        if tok == "et":
            continue
        if tok in ("demi", "demie"):
            if last in ("million", "millions", "milliard", "milliards", "mille"):
                total += _SCALES[last] // 2
            continue
        if tok in _UNITS:
            n = _UNITS[tok]
            current += 76 if tok.startswith("vingt") and last == "quatre" else n  # quatre-vingt(s) = 80
        elif tok in ("cent", "cents"):
            current = (current or 1) * 100
        else:
            scale = _SCALES[tok]
            total += (current or 1) * scale
            current, scale_seen = 0, scale
        last = tok
    if scale_seen >= 10**6 and 0 < current < 10 and last in _UNITS:
        return total + current * scale_seen // 10  # « un million deux » = 1,2 million
    return total + current


def words_to_figures(text: str) -> str:
    """``text`` with each span of number words that reaches a thousand written in figures."""
    if not isinstance(text, str) or not _BIG.search(text):
        return text if isinstance(text, str) else ""

    def repl(m: re.Match[str]) -> str:
        span = m.group(0)
        if re.search(r"\d[\s,.]*$", text[: m.start()]):
            return span  # « 1,2 million », « 300 mille »: figures already
        tokens = [t for t in re.split(r"[\s-]+", _fold(span).strip()) if t]
        while tokens and tokens[0] == "et":
            tokens.pop(0)
        trailing = " " if span[-1:].isspace() else ""
        while tokens and tokens[-1] == "et":
            tokens.pop()
            trailing = " et "
        if not any(t in ("mille", "million", "millions", "milliard", "milliards") for t in tokens):
            return span
        try:
            value = _value(tokens)
        except Exception:  # noqa: BLE001 - a strange span stays as written
            return span
        if not value or value < 1000:
            return span
        lead = " " if span[:1].isspace() else ""
        return f"{lead}{value}{trailing}"

    return _SPAN.sub(repl, text)


def has_number_words(text: str) -> bool:
    return isinstance(text, str) and bool(_BIG.search(text)) and words_to_figures(text) != text


# --- a phone number dictated in words ---------------------------------------------------------------------------
#: « zéro six quarante et un vingt-deux soixante-dix-huit trente-trois »: a French number said as « zéro » and its
#: digit, then pairs (« quatre-vingt-quatre », « soixante et onze ») or digits one by one. Exact: the grammar of the
#: numbers from 0 to 99; the span must open with « zéro » and give ten digits, the second not a zero.
_PHONE_WORD = "|".join(sorted(list(_UNITS) + ["et"], key=len, reverse=True)).replace("zero", "z[ée]ro")
PHONE_SPAN = re.compile(rf"(?<![\w-])z[ée]ro(?:[\s,-]+(?:{_PHONE_WORD}|\d{{1,2}})(?!\w))+", re.IGNORECASE)
_TENS = {"vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60}
_TEENS = {"dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16}
_DIGITS = {"zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
           "huit": 8, "neuf": 9}


def _teen(tokens: list[str], i: int) -> tuple[int, int] | None:
    """10 to 19 at ``i`` (« dix-sept » is two words): (value, next index)."""
    if i < len(tokens) and tokens[i] == "dix" and i + 1 < len(tokens) and tokens[i + 1] in ("sept", "huit", "neuf"):
        return 10 + _DIGITS[tokens[i + 1]], i + 2
    if i < len(tokens) and tokens[i] in _TEENS:
        return _TEENS[tokens[i]], i + 1
    return None


def _pair(tokens: list[str], i: int) -> tuple[str, int] | None:
    """The digits said from ``i``: one group of a phone number (« 06 », « 41 », « 84 », or one digit)."""
    tok = tokens[i]
    if tok.isdigit():
        return tok, i + 1
    if tok == "zero":
        if i + 1 < len(tokens) and tokens[i + 1] in _DIGITS and tokens[i + 1] != "zero":
            return "0" + str(_DIGITS[tokens[i + 1]]), i + 2
        return "0", i + 1
    if tok == "quatre" and i + 1 < len(tokens) and tokens[i + 1] in ("vingt", "vingts"):
        j = i + 2
        teen = _teen(tokens, j)
        if teen:
            return str(80 + teen[0]), teen[1]
        if j < len(tokens) and tokens[j] in _DIGITS and tokens[j] not in ("zero",):
            return str(80 + _DIGITS[tokens[j]]), j + 1
        return "80", j
    if tok in _TENS:
        base, j = _TENS[tok], i + 1
        if j < len(tokens) and tokens[j] == "et":  # « quarante et un », « soixante et onze »
            j += 1
        if tok == "soixante":
            teen = _teen(tokens, j)
            if teen:
                return str(60 + teen[0]), teen[1]
        if j < len(tokens) and tokens[j] in _DIGITS and tokens[j] != "zero":
            return str(base + _DIGITS[tokens[j]]), j + 1
        return str(base), i + 1
    teen = _teen(tokens, i)
    if teen:
        return str(teen[0]), teen[1]
    if tok in _DIGITS:
        return str(_DIGITS[tok]), i + 1
    return None


def spoken_phone(text: object) -> str | None:
    """The phone number dictated in words, as figures in pairs (« 06 41 22 78 33 »); ``None`` when none."""
    if not isinstance(text, str):
        return None
    for m in PHONE_SPAN.finditer(text[:4000]):
        tokens = [t for t in re.split(r"[\s,-]+", _fold(m.group(0))) if t]
        groups, i = [], 0
        while i < len(tokens):
            if tokens[i] == "et":
                i += 1
                continue
            found = _pair(tokens, i)
            if found is None:
                break
            groups.append(found[0])
            i = found[1]
            if len("".join(groups)) >= 10:
                break
        digits = "".join(groups)
        if len(digits) == 10 and digits[0] == "0" and digits[1] != "0":
            return " ".join(digits[k:k + 2] for k in range(0, 10, 2))
    return None
