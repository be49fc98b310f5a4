"""Words of projects as the labelled needs say them (``data/need_examples.yaml``: « réfection du pont », « la
gare »): a commune of another département whose name is one of them, typed alone (« Pont. »), is a word of a project
before it is a place. Read once, from the data; no import of ``bot`` or ``telegram``."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

from knowledge.placenames import norm

DATA = Path(__file__).with_name("data") / "need_examples.yaml"


@functools.lru_cache(maxsize=1)
def project_words() -> frozenset[str]:
    """The words (normalised as place names are, four letters at least) of the labelled needs."""
    try:
        rows = yaml.safe_load(DATA.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError):
        return frozenset()
    words: set[str] = set()
    for row in rows:
        text = row.get("text") if isinstance(row, dict) else None
        if isinstance(text, str):
            words.update(w for w in norm(text).split() if len(w) >= 4 and not re.search(r"\d", w))
    return frozenset(words)


def is_project_word(text: str) -> bool:
    """``text`` is one word (a full stop around it aside) that the labelled needs use."""
    words = norm(text).split()
    return len(words) == 1 and words[0] in project_words()
