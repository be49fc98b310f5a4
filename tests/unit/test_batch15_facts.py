"""Facts of batch 15's dev stories (611–650) read where they are said: « 45000 en tout », a name said further in a
sentence after a title said of oneself, the civility out of a name, courtesy is no name, « parfait, on envoie » says
no stage out of the stage's question."""

from __future__ import annotations

import pytest

from bot.dialogue import validators as v
from bot.dialogue.answers import ENTITY_EXTRACTORS
from intents import extract as x
from intents.intro import find_intro


def test_an_amount_said_in_all() -> None:
    found = x.find_amount("on a les devis, 45000 en tout. ce serait pr cet ete")
    assert found is not None and found.low == 45_000
    assert x.find_amount("environ 12000 habitants en tout") is None and x.find_amount("3 devis en tout") is None


def test_a_name_said_further_after_a_title_said_of_oneself() -> None:
    text = ("Bonjour, je vous écris de la part de M. le Maire d'Angeot, je suis la secrétaire de mairie, Mme Laurence "
            "Pfister.")
    assert find_intro(text) == {"name": "Mme Laurence Pfister", "role": "agent"}
    assert ENTITY_EXTRACTORS["name"](text) == "Laurence Pfister"


@pytest.mark.parametrize("typed, name", [
    ("Mme Laurence Pfister", "Laurence Pfister"), ("Monsieur Jean Roy", "Jean Roy"), ("M. Dupont", "M. Dupont"),
    ("C'est parfait, merci.", None), ("ok merci", None),
])
def test_a_name_without_civility_nor_courtesy(typed: str, name: str | None) -> None:
    assert v.validate_name(typed) == name


def test_sending_words_say_no_stage() -> None:
    assert ENTITY_EXTRACTORS["stage"]("parfait, on envoie") is None
    assert ENTITY_EXTRACTORS["stage"]("les travaux ont démarré en mars") == "pret"
