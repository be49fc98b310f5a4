"""Two letters typed the wrong way round (« secretiare », « conduties », « shcéma », « cherhce »): put back.

A word is put back only when it is not a word of the lexicon and swapping one pair of neighbouring letters makes it
one (accents aside). The lexicon is the words of the labelled phrasings (``intents/data/*.yaml``): the words people
use here. Only lower-case words of five letters or more are read (names, communes and addresses keep their letters);
a word with more than one such reading is left as typed. Pure; never raises.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from pathlib import Path

log = logging.getLogger(__name__)

__all__ = ["fix_swaps", "known_word"]

DATA = Path(__file__).with_name("data")
MIN_LETTERS = 5
_WORD = re.compile(r"(?<![\w@.'’-])[a-zà-ÿ]{%d,}(?![\w@-]|\.\w)" % MIN_LETTERS)

_lexicon: dict[str, str] | None = None


def _fold(word: str) -> str:
    return unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().lower()


def _load() -> dict[str, str]:
    """folded word -> its most frequent written form."""
    global _lexicon
    if _lexicon is None:
        counts: Counter[str] = Counter()
        try:
            for path in sorted(DATA.glob("*.yaml")):
                for line in path.read_text(encoding="utf-8").splitlines():
                    if line.lstrip().startswith("#"):
                        continue
                    counts.update(w.lower() for w in re.findall(r"[^\W\d_]+", line))
        except Exception:  # noqa: BLE001 - no lexicon: nothing is put back
            log.exception("typos lexicon unavailable")
        forms: dict[str, str] = {}
        for word, _ in counts.most_common():
            forms.setdefault(_fold(word), word)
        _lexicon = forms
    return _lexicon


_lower_seen: frozenset[str] | None = None


def known_word(word: str) -> bool:
    """``word`` is a word people use here (accents and case aside): written at least once in lower case in the
    labelled phrasings (a name is written with its capital there: « Courtot » is no word of the lexicon's)."""
    global _lower_seen
    try:
        if _lower_seen is None:
            seen: set[str] = set()
            for path in sorted(DATA.glob("*.yaml")):
                for line in path.read_text(encoding="utf-8").splitlines():
                    if not line.lstrip().startswith("#"):
                        seen.update(_fold(w) for w in re.findall(r"[^\W\d_]+", line) if w.islower())
            _lower_seen = frozenset(seen)
        return _fold(word) in _lower_seen
    except Exception:  # noqa: BLE001
        log.exception("known_word failed")
        return True


def _swapped(word: str, lexicon: dict[str, str]) -> str | None:
    folded = _fold(word)
    if len(folded) != len(word) or folded in lexicon:
        return None
    found = set()
    for i in range(len(folded) - 1):
        if folded[i] == folded[i + 1]:
            continue
        candidate = folded[:i] + folded[i + 1] + folded[i] + folded[i + 2:]
        if candidate in lexicon:
            found.add(lexicon[candidate])
    return found.pop() if len(found) == 1 else None


def fix_swaps(text: object) -> str:
    """``text`` with its words typed with two neighbouring letters swapped put back (see the module's doc)."""
    if not isinstance(text, str) or not text:
        return text if isinstance(text, str) else ""
    try:
        lexicon = _load()
        if not lexicon:
            return text
        return _WORD.sub(lambda m: _swapped(m.group(0), lexicon) or m.group(0), text)
    except Exception:  # noqa: BLE001
        log.exception("fix_swaps failed")
        return text
