"""The blind stage and help clauses: the package's copy is the dev half, never the held-aside one."""

from __future__ import annotations

from pathlib import Path

import yaml

from intents.labelled import BLIND, blind_pairs

ROOT = Path(__file__).resolve().parents[2]


def test_the_package_reads_the_dev_half_only() -> None:
    shipped = yaml.safe_load(BLIND.read_text(encoding="utf-8"))
    dev = yaml.safe_load((ROOT / "tests/data/clauses/dev.yaml").read_text(encoding="utf-8"))
    held = yaml.safe_load((ROOT / "tests/data/clauses/heldout.yaml").read_text(encoding="utf-8"))
    assert shipped == dev
    shipped_texts = {t for kind in shipped.values() for items in kind.values() for t in items}
    held_texts = {t for kind in held.values() for items in kind.values() for t in items}
    assert not shipped_texts & held_texts


def test_blind_pairs() -> None:
    stage = blind_pairs("stage")
    assert len(stage) == 150 and {v for _, v in stage} == {"idee", "etude", "projet-defini", "pret", "aucun"}
    as_label = blind_pairs("help", as_label="help")
    assert as_label and {v for _, v in as_label} == {"help"} and len(as_label) == 60  # without the 15 « aucun »
    assert blind_pairs("nothing") == []
