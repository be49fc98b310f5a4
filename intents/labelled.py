"""Labelled clauses read by meaning (the need distiller, ``intents.clause_facts``, ``intents.no_fit``): loaded from
their YAML files with their vectors (cached on disk).

``blind_clauses.yaml`` holds the dev half of stage and help clauses written blind (``tests/data/clauses/dev.yaml``,
copied: the package never reads ``tests/``); its held-aside half is in ``tests/data/clauses/heldout.yaml`` only.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

__all__ = ["load_labelled", "blind_pairs"]

BLIND = Path(__file__).with_name("data") / "blind_clauses.yaml"
NONE = "aucun"


def blind_pairs(kind: str, as_label: str | None = None) -> list[tuple[str, str]]:
    """The blind clauses of ``kind`` (« stage » or « help ») as (text, value) pairs, or (text, ``as_label``) when
    given — then without the clauses that say none (``aucun``: they belong to no one label). Never raises."""
    try:
        import yaml

        data = (yaml.safe_load(BLIND.read_text(encoding="utf-8")) or {}).get(kind) or {}
    except Exception:  # noqa: BLE001 - no data: the other labelled clauses alone
        log.exception("blind clauses unavailable")
        return []
    return [(str(t), as_label or str(value)) for value, items in data.items() for t in items or []
            if not (as_label and value == NONE)]


def load_labelled(path: Path, cache_label: str, section: str | None = None,
                  extra: list[tuple[str, str]] | tuple = ()) -> tuple[list[str], list[str], Any]:
    """The labelled texts of a YAML file ``{label: [text, …]}`` (or of its ``section``), their labels and their
    vectors (cached on disk under ``cache_label``); the vectors are None without the data or the encoder (logged).
    Shared by the clause readers (the need distiller, ``clause_facts``, ``no_fit``). ``extra``: more (text, label)
    pairs (the blind clauses, ``blind_pairs``)."""
    texts: list[str] = []
    labels: list[str] = []
    try:
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if section is not None:
            data = data.get(section) or {}
        for label, items in data.items():
            for t in items or []:
                texts.append(str(t))
                labels.append(str(label))
        for t, label in extra:
            texts.append(str(t))
            labels.append(str(label))
        from intents.encoder import cached_vectors

        return texts, labels, cached_vectors(texts, kind="query", label=cache_label)
    except Exception:  # noqa: BLE001 - no data or no encoder: the rules alone
        log.exception("labelled clauses %s unavailable; the rules alone", cache_label)
        return texts, labels, None
