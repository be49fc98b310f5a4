"""French numbers written in words, as figures: « soixante-quinze mille euros » → « 75000 euros ».

Exact (the grammar of French numerals, not a list of phrases): units, tens (« soixante-dix », « quatre-vingt-
quinze »), « cent », « mille », « million(s) », « milliard(s) », « et demi ». Only spans that reach a thousand are
rewritten (« un projet », « deux écoles » stay as they are), so the amount readers see figures. Pure, never raises.
"""

from __future__ import annotations

import re

__all__ = ["words_to_figures", "has_number_words"]

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
