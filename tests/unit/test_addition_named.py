"""An addition that names its filed project in one part of a sentence (issue 19): found, and the right one."""

import asyncio

from bot.dialogue.followup import _addition_by_sentence

FILED = ["aménagement du cimetière et de son parking", "réfection de la toiture de la salle des fêtes"]


def test_the_project_named_in_a_part_of_the_sentence_is_the_one_added_to() -> None:
    text = ("Bonjour Madame, ici la mairie de Chaux. Pour notre dossier de la toiture de la salle des fêtes (et non "
            "le cimetière), pourriez-vous noter que l'entreprise ne pourra intervenir qu'au printemps 2027, après "
            "la saison des mariages ?")
    assert asyncio.run(_addition_by_sentence(text, FILED)) == 1


def test_a_new_project_said_beside_a_filed_one_names_none() -> None:
    text = ("Bonjour, ici la mairie de Chaux. Rien à voir avec le cimetière : nous voudrions aussi remplacer "
            "l'éclairage public du lotissement des Acacias par des LED.")
    assert asyncio.run(_addition_by_sentence(text, FILED)) is None


def test_the_project_named_in_a_heading_before_a_colon_is_the_one_added_to() -> None:
    # the project is named in the heading (« Pour … : »), the news told after it in its own words
    text = ("Bonjour, ici le secrétariat de la mairie de Chaux. Pour notre demande sur la toiture de la salle des "
            "fêtes : le couvreur a revu son devis, c'est désormais 64 500 € HT au lieu de 59 000.")
    assert asyncio.run(_addition_by_sentence(text, FILED)) == 1


def test_a_heading_naming_nothing_filed_adds_to_nothing() -> None:
    text = ("Bonjour, ici la mairie de Chaux. Pour le city-stade : le conseil a voté la délibération hier soir, "
            "à l'unanimité.")
    assert asyncio.run(_addition_by_sentence(text, FILED)) is None
