"""Reading every fact of one message (bot/dialogue/understand.py) with the real knowledge base: no database."""

from __future__ import annotations

import pytest

from bot.dialogue.understand import Reader


@pytest.fixture(scope="module")
def reader() -> Reader:
    from knowledge.base import KnowledgeBase

    return Reader(KnowledgeBase.load("90"), "90")


def test_a_dgs_first_message(reader: Reader) -> None:
    text = "DGS de la CC des Vosges du Sud, on veut une étude mobilité pour relier les villages, 1,2 M€ d'ici 2 ans"
    facts = reader.read(text, None, {})
    v = facts.values
    assert v["commune"]["code"] == "200069060" and v["commune"]["kind"] == "epci"
    assert v["role"] == "agent" and v["budget"] == "1,2 M€" and v["timing"] == "d'ici 2 ans"
    assert v["need"] == text and "stage" not in v  # « une étude » is what they want, not where they are


def test_the_asked_slot_gets_the_loose_reading_and_other_facts_still_count(reader: Reader) -> None:
    facts = reader.read("Étude, et le budget c'est 200 k€", "stage", {"need": "x"})
    assert facts.values == {"stage": "etude", "budget": "200 000 €"}
    facts = reader.read("le roi du monde", "role", {})
    assert facts.values == {} and facts.problem  # asked again, with the buttons


def test_a_commune_outside_counts_only_when_asked(reader: Reader) -> None:
    assert "commune" not in reader.read("travaux en 2027 à Besançon", None, {}).values
    facts = reader.read("Besançon", "commune", {})
    assert facts.values["commune"]["outside"] is True
    ambiguous = reader.read("90200", "commune", {})
    assert len(ambiguous.candidates) >= 2 and "commune" not in ambiguous.values


def test_a_word_close_to_a_commune_is_not_one(reader: Reader) -> None:
    assert "commune" not in reader.read("beaucoup", None, {"commune_code": "90087"}).values


def test_the_name_asked_and_said_beside_other_facts(reader: Reader) -> None:
    facts = reader.read("fin prévue fin 2027. Jacques Bouteiller, 03 84 56 71 34, mairie.dorans@wanadoo.fr", "name",
                        {"need": "x"})
    assert facts.values.get("name") == "Jacques Bouteiller"


def test_swapped_letters_and_a_long_role_before_the_commune(reader: Reader) -> None:
    facts = reader.read("bonjour je suis la secretiare de mairie de Réchésy", None, {})
    assert facts.values.get("role") == "agent"
    facts = reader.read("Bonjour, je suis conseillère municipale déléguée aux aînés à Morvillars.", None, {})
    assert (facts.values.get("commune") or {}).get("name") == "Morvillars"
