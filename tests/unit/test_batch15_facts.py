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


@pytest.mark.parametrize("text, kinds", [
    ("On aurait besoin d'argent et aussi d'un coup de main pour monter le projet", ["ingenierie", "financement"]),
    ("on voudrait aussi être aidés pour monter le dossier, on ne l'a jamais fait", ["ingenierie"]),
    ("il nous faudrait qq1 pour nous aider a voir si c rentable, et des subs", ["ingenierie", "financement"]),
])
def test_help_to_set_the_project_up(text: str, kinds: list[str]) -> None:
    assert x.find_help_kinds(text, asked=True) == kinds


def test_a_half_year_and_the_start_of_works_are_the_calendar() -> None:
    text = "L'objectif est un démarrage des travaux au second semestre 2027."
    assert x.find_timing(text) == "démarrage des travaux au second semestre 2027"
    assert x.find_stage(text) is None


def test_an_address_corrected_is_no_place() -> None:
    from bot.dialogue.said import _first_clause

    assert _first_clause("mairie-frais@wanadoo.fr, l'autre on l'utilise plus")[0] == "mairie-frais@wanadoo.fr"
    assert _first_clause("Dorans. je suis secrétaire des deux")[0] == "Dorans"


def test_a_problem_told_after_who_writes_is_the_need() -> None:
    from intents.encoder import get_encoder
    from intents.project_said import only_about_oneself

    if get_encoder() is None:
        pytest.skip("the encoder labels the clauses")
    assert not only_about_oneself("bjr secretaire mairie rechesy. la toiture de l eglise fuit de partout depuis l "
                                  "hiver")
    assert only_about_oneself("je suis le maire de Bretagne. Pas la région, hein : le village de 320 habitants à côté "
                              "de Montreux-Château !")
